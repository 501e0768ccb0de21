//! Helpers shared by the validators: error formatting with element paths and line/column,
//! element-only content, attribute whitelists, `xs:sequence` matching and simple types.

use std::fmt::Display;

use super::xml::{line_col, Element, Node, XSI_NS};
use super::QuestionError;

/// Validation context for one question document.
pub(crate) struct Ctx<'a> {
    /// The whole source document (for line/column).
    pub src: &'a str,
    /// The namespace every element of the document must be in.
    pub ns: &'a str,
}

/// One `xs:sequence` particle: element name and occurrence bounds.
pub(crate) struct Slot {
    pub name: &'static str,
    pub min: usize,
    pub max: usize,
}

pub(crate) const UNBOUNDED: usize = usize::MAX;

pub(crate) const fn slot(name: &'static str, min: usize, max: usize) -> Slot {
    Slot { name, min, max }
}

/// `path/name` or `path/name[index]`.
pub(crate) fn child_path(path: &str, name: &str, index: Option<usize>) -> String {
    match index {
        Some(i) => format!("{path}/{name}[{i}]"),
        None => format!("{path}/{name}"),
    }
}

fn snippet(s: &str) -> String {
    let t = s.trim();
    let mut out: String = t.chars().take(40).collect();
    if t.chars().count() > 40 {
        out.push('…');
    }
    out
}

impl Ctx<'_> {
    /// `"{path}: {msg} (line L, column C)"`.
    pub fn err(&self, path: &str, pos: usize, msg: impl Display) -> QuestionError {
        let (line, col) = line_col(self.src, pos);
        QuestionError(format!("{path}: {msg} (line {line}, column {col})"))
    }

    /// Checks that `el` carries no attributes other than `allowed` (unprefixed), namespace
    /// declarations and `xsi:` attributes.
    pub fn check_attrs(&self, el: &Element, path: &str, allowed: &[&str]) -> Result<(), QuestionError> {
        for a in &el.attrs {
            if a.is_ns_decl || a.ns.as_deref() == Some(XSI_NS) {
                continue;
            }
            if a.ns.is_none() && allowed.contains(&a.name.as_str()) {
                continue;
            }
            let hint = if allowed.is_empty() {
                format!("<{}> takes no attributes", el.name)
            } else {
                format!("allowed: {}", allowed.join(", "))
            };
            return Err(self.err(
                path,
                el.pos,
                format!("attribute '{}' is not allowed on <{}> ({hint})", a.qname, el.name),
            ));
        }
        Ok(())
    }

    /// Returns the child elements of an element-only content model, rejecting text and
    /// elements outside the document namespace. Also checks the element's attributes.
    pub fn elements<'e>(
        &self,
        el: &'e Element,
        path: &str,
        allowed_attrs: &[&str],
    ) -> Result<Vec<&'e Element>, QuestionError> {
        self.check_attrs(el, path, allowed_attrs)?;
        let mut out = Vec::new();
        for n in &el.children {
            match n {
                Node::Text(t) => {
                    if !t.text.trim().is_empty() {
                        let off = if t.cdata { 0 } else { t.text.len() - t.text.trim_start().len() };
                        return Err(self.err(
                            path,
                            t.pos + off,
                            format!(
                                "unexpected text \"{}\" inside <{}> (only child elements are allowed here)",
                                snippet(&t.text),
                                el.name
                            ),
                        ));
                    }
                }
                Node::Element(c) => {
                    self.check_ns(c, &child_path(path, &c.name, None))?;
                    out.push(c);
                }
            }
        }
        Ok(out)
    }

    /// Every element must be in the document's namespace.
    pub fn check_ns(&self, el: &Element, path: &str) -> Result<(), QuestionError> {
        if el.ns.as_deref() == Some(self.ns) {
            return Ok(());
        }
        let msg = match &el.ns {
            None => format!(
                "element <{}> has no namespace; all elements must be in the namespace \"{}\"",
                el.qname, self.ns
            ),
            Some(ns) => format!(
                "element <{}> is in the namespace \"{ns}\"; all elements must be in the namespace \"{}\"",
                el.qname, self.ns
            ),
        };
        Err(self.err(path, el.pos, msg))
    }

    /// The text of a simple-content element (no attributes, no child elements).
    pub fn text_only(&self, el: &Element, path: &str) -> Result<String, QuestionError> {
        self.check_attrs(el, path, &[])?;
        if let Some(c) = el.child_elements().next() {
            return Err(self.err(
                path,
                c.pos,
                format!(
                    "<{}> must contain only text, but contains the element <{}> (use a CDATA section or escape '<' as &lt;)",
                    el.name, c.qname
                ),
            ));
        }
        Ok(el.text())
    }

    /// Matches `kids` against an `xs:sequence`, returning one group of elements per slot.
    pub fn sequence<'e>(
        &self,
        parent: &Element,
        path: &str,
        kids: &[&'e Element],
        slots: &[Slot],
    ) -> Result<Vec<Vec<&'e Element>>, QuestionError> {
        let order = || {
            slots
                .iter()
                .map(|s| {
                    let suffix = match (s.min, s.max) {
                        (1, 1) => "",
                        (0, 1) => "?",
                        (0, _) => "*",
                        _ => "+",
                    };
                    format!("{}{suffix}", s.name)
                })
                .collect::<Vec<_>>()
                .join(", ")
        };
        let mut groups: Vec<Vec<&Element>> = slots.iter().map(|_| Vec::new()).collect();
        let mut i = 0;
        for kid in kids {
            let kpath = child_path(path, &kid.name, None);
            match slots[i..].iter().position(|s| s.name == kid.name) {
                Some(rel) => {
                    // Skipping slots: they must already be satisfied.
                    for (j, s) in slots.iter().enumerate().skip(i).take(rel) {
                        if groups[j].len() < s.min {
                            return Err(self.err(
                                path,
                                kid.pos,
                                format!(
                                    "missing required element <{}> before <{}> (expected order: {})",
                                    s.name,
                                    kid.name,
                                    order()
                                ),
                            ));
                        }
                    }
                    i += rel;
                    if groups[i].len() >= slots[i].max {
                        let msg = if slots[i].max == 1 {
                            format!("<{}> may appear only once", kid.name)
                        } else {
                            format!("<{}> may appear at most {} times", kid.name, slots[i].max)
                        };
                        return Err(self.err(&kpath, kid.pos, msg));
                    }
                    groups[i].push(kid);
                }
                None => {
                    let msg = if slots[..i].iter().any(|s| s.name == kid.name) {
                        format!("<{}> is out of order (expected order: {})", kid.name, order())
                    } else {
                        format!("unexpected element <{}> inside <{}> (allowed: {})", kid.name, parent.name, order())
                    };
                    return Err(self.err(&kpath, kid.pos, msg));
                }
            }
        }
        for (j, s) in slots.iter().enumerate() {
            if groups[j].len() < s.min {
                return Err(self.err(
                    path,
                    parent.pos,
                    format!("missing required element <{}> in <{}> (expected order: {})", s.name, parent.name, order()),
                ));
            }
        }
        Ok(groups)
    }
}

/// Parses an `xs:integer` lexical value (surrounding whitespace allowed, optional sign).
pub(crate) fn parse_integer(s: &str) -> Option<i128> {
    let t = s.trim();
    let digits = t.strip_prefix(['+', '-']).unwrap_or(t);
    if digits.is_empty() || digits.len() > 30 || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    t.parse::<i128>().ok()
}

/// Parses an integer within `min..=max`, producing a message naming `what` on failure.
pub(crate) fn parse_bounded(s: &str, what: &str, min: i128, max: i128) -> Result<i128, String> {
    let Some(v) = parse_integer(s) else {
        return Err(format!("{what} must be an integer (got \"{}\")", snippet(s)));
    };
    if v < min {
        return Err(format!("{what} must be at least {min} (got {v})"));
    }
    if v > max {
        return Err(format!("{what} must be at most {max} (got {v})"));
    }
    Ok(v)
}

/// Parses an `xs:boolean` (`true`, `false`, `1`, `0`).
pub(crate) fn parse_boolean(s: &str) -> Option<bool> {
    match s.trim() {
        "true" | "1" => Some(true),
        "false" | "0" => Some(false),
        _ => None,
    }
}
