//! A small, namespace-aware XML tree builder on top of `quick-xml`, used for the question
//! documents, the `QuestionFormAnswers` documents and the XHTML inside `FormattedContent`.
//!
//! It enforces the well-formedness rules quick-xml leaves to the caller (a single root element,
//! no text outside it, every element closed, only XML 1.0 characters, no `<` in attribute
//! values, known entities only) and records the byte offset of every node so that validation
//! errors can point at a line and column.

use std::borrow::Cow;

use quick_xml::escape::{unescape_with, EscapeError};
use quick_xml::events::Event;
use quick_xml::name::ResolveResult;
use quick_xml::reader::NsReader;

/// The `xmlns` namespace and the `xml:` prefix namespace are handled by the reader itself.
pub(crate) const XSI_NS: &str = "http://www.w3.org/2001/XMLSchema-instance";

/// One element of the parsed tree.
#[derive(Debug, Clone)]
pub(crate) struct Element {
    /// The resolved namespace URI, `None` when unbound.
    pub ns: Option<String>,
    /// The local name (without prefix).
    pub name: String,
    /// The name as written, with its prefix if any.
    pub qname: String,
    pub attrs: Vec<Attr>,
    pub children: Vec<Node>,
    /// Byte offset of the `<` that opens the element.
    pub pos: usize,
}

/// One attribute. Namespace declarations (`xmlns`, `xmlns:p`) are kept too, with
/// `is_ns_decl` set, so that callers can decide whether to allow them.
#[derive(Debug, Clone)]
pub(crate) struct Attr {
    pub ns: Option<String>,
    pub name: String,
    pub qname: String,
    pub value: String,
    pub is_ns_decl: bool,
}

#[derive(Debug, Clone)]
pub(crate) enum Node {
    Element(Element),
    Text(TextNode),
}

/// A run of character data: either ordinary text (entities already resolved) or a CDATA
/// section (taken verbatim).
#[derive(Debug, Clone)]
pub(crate) struct TextNode {
    pub text: String,
    /// Byte offset where the run starts (for CDATA: the `<` of `<![CDATA[`).
    pub pos: usize,
    pub cdata: bool,
}

impl Element {
    pub fn child_elements(&self) -> impl Iterator<Item = &Element> {
        self.children.iter().filter_map(|n| match n {
            Node::Element(e) => Some(e),
            Node::Text(_) => None,
        })
    }

    pub fn text_nodes(&self) -> impl Iterator<Item = &TextNode> {
        self.children.iter().filter_map(|n| match n {
            Node::Text(t) => Some(t),
            Node::Element(_) => None,
        })
    }

    /// The concatenation of all direct text children.
    pub fn text(&self) -> String {
        self.text_nodes().map(|t| t.text.as_str()).collect()
    }
}

/// A well-formedness error with the byte offset it refers to.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct DomError {
    pub pos: usize,
    pub kind: DomErrorKind,
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) enum DomErrorKind {
    /// `</found>` closes an element while `<expected>` (opened at `open_pos`) is still open.
    MismatchedEnd { expected: String, found: String, open_pos: usize },
    /// The input ended while `<name>` (opened at `open_pos`) was still open.
    UnclosedAtEof { name: String, open_pos: usize },
    /// An XML comment where comments are forbidden.
    CommentNotAllowed,
    /// Elements nest deeper than `limit` levels.
    TooDeep { limit: usize },
    /// Anything else; the message is complete.
    Other(String),
}

impl std::fmt::Display for DomErrorKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            DomErrorKind::MismatchedEnd { expected, found, .. } => {
                write!(f, "malformed XML: closing tag </{found}> does not match the open element <{expected}>")
            }
            DomErrorKind::UnclosedAtEof { name, .. } => {
                write!(f, "malformed XML: element <{name}> is never closed")
            }
            DomErrorKind::CommentNotAllowed => write!(f, "XML comments are not allowed here"),
            DomErrorKind::TooDeep { limit } => write!(f, "elements are nested too deeply (more than {limit} levels)"),
            DomErrorKind::Other(m) => f.write_str(m),
        }
    }
}

/// Options for [`parse_tree`].
#[derive(Clone, Copy)]
pub(crate) struct TreeOptions {
    /// Resolves a named entity (without `&`/`;`); must include the five predefined ones.
    pub resolve_entity: fn(&str) -> Option<&'static str>,
    /// Reject comments (error) instead of skipping them.
    pub reject_comments: bool,
    /// Reject processing instructions and XML declarations instead of skipping them.
    pub reject_processing_instructions: bool,
    /// Maximum element nesting depth.
    pub max_depth: usize,
}

pub(crate) fn xml_entity(name: &str) -> Option<&'static str> {
    quick_xml::escape::resolve_xml_entity(name)
}

/// Is `c` a character allowed by the XML 1.0 `Char` production?
pub(crate) fn is_xml_char(c: char) -> bool {
    matches!(c,
        '\u{9}' | '\u{A}' | '\u{D}'
        | '\u{20}'..='\u{D7FF}'
        | '\u{E000}'..='\u{FFFD}'
        | '\u{10000}'..='\u{10FFFF}')
}

/// 1-based line and column (in characters) of byte offset `pos` in `src`.
pub(crate) fn line_col(src: &str, pos: usize) -> (usize, usize) {
    let mut pos = pos.min(src.len());
    while !src.is_char_boundary(pos) {
        pos -= 1;
    }
    let before = &src[..pos];
    let line = before.matches('\n').count() + 1;
    let line_start = before.rfind('\n').map(|i| i + 1).unwrap_or(0);
    let col = before[line_start..].chars().count() + 1;
    (line, col)
}

fn other(pos: usize, msg: impl Into<String>) -> DomError {
    DomError { pos, kind: DomErrorKind::Other(msg.into()) }
}

/// Resolves entities in `raw` (a slice of the source starting at byte `pos`).
fn unescape<'a>(raw: &'a str, pos: usize, resolve: fn(&str) -> Option<&'static str>) -> Result<Cow<'a, str>, DomError> {
    unescape_with(raw, resolve).map_err(|e| match e {
        EscapeError::UnrecognizedEntity(range, name) => other(
            pos + range.start.saturating_sub(1),
            format!("malformed XML: unknown entity '&{name};'"),
        ),
        EscapeError::UnterminatedEntity(range) => other(
            pos + range.start,
            "malformed XML: '&' must start an entity or character reference ending with ';' (write &amp; for a literal ampersand)",
        ),
        EscapeError::InvalidCharRef(e) => {
            other(pos, format!("malformed XML: invalid character reference ({e})"))
        }
    })
}

fn check_chars(s: &str, pos: usize, what: &str) -> Result<(), DomError> {
    if let Some(c) = s.chars().find(|c| !is_xml_char(*c)) {
        return Err(other(
            pos,
            format!("malformed XML: {what} contains the character U+{:04X}, which XML 1.0 does not allow", c as u32),
        ));
    }
    Ok(())
}

fn utf8(bytes: &[u8], pos: usize) -> Result<&str, DomError> {
    std::str::from_utf8(bytes).map_err(|_| other(pos, "malformed XML: invalid UTF-8"))
}

fn resolved_ns(r: &ResolveResult<'_>, qname: &str, pos: usize) -> Result<Option<String>, DomError> {
    match r {
        ResolveResult::Unbound => Ok(None),
        ResolveResult::Bound(ns) => Ok(Some(String::from_utf8_lossy(ns.as_ref()).into_owned())),
        ResolveResult::Unknown(prefix) => Err(other(
            pos,
            format!(
                "malformed XML: namespace prefix '{}' of <{qname}> is not declared",
                String::from_utf8_lossy(prefix)
            ),
        )),
    }
}

/// Parses `src` into a tree and returns its root element.
pub(crate) fn parse_tree(src: &str, opts: TreeOptions) -> Result<Element, DomError> {
    // Raw characters outside the XML 1.0 range make the document ill-formed.
    if let Some((i, c)) = src.char_indices().find(|(_, c)| !is_xml_char(*c)) {
        return Err(other(i, format!("malformed XML: the character U+{:04X} is not allowed in XML 1.0", c as u32)));
    }

    // Callers take off one byte-order mark; a second one is text before the root.
    if src.starts_with('\u{FEFF}') {
        return Err(other(
            0,
            "malformed XML: a byte-order mark may appear only once, at the very start of the document",
        ));
    }

    let mut reader = NsReader::from_str(src);
    {
        let cfg = reader.config_mut();
        cfg.trim_text(false);
        cfg.expand_empty_elements = false;
        // End-tag matching is done below so that errors can name both tags and positions.
        cfg.check_end_names = false;
        cfg.check_comments = true;
    }

    let mut stack: Vec<Element> = Vec::new();
    let mut root: Option<Element> = None;

    loop {
        let start = reader.buffer_position() as usize;
        let (res, event) = match reader.read_resolved_event() {
            Ok(x) => x,
            Err(e) => return Err(other(reader.error_position() as usize, format!("malformed XML: {e}"))),
        };
        match event {
            Event::Start(ref e) | Event::Empty(ref e) => {
                let is_empty = matches!(event, Event::Empty(_));
                if root.is_some() {
                    return Err(other(start, "malformed XML: only one root element is allowed"));
                }
                if stack.len() >= opts.max_depth {
                    return Err(DomError { pos: start, kind: DomErrorKind::TooDeep { limit: opts.max_depth } });
                }
                let qname = utf8(e.name().as_ref(), start)?.to_string();
                let name = utf8(e.local_name().as_ref(), start)?.to_string();
                let ns = resolved_ns(&res, &qname, start)?;
                let mut attrs = Vec::new();
                for a in e.attributes() {
                    let a = a.map_err(|err| other(start, format!("malformed XML: {err}")))?;
                    let aq = utf8(a.key.as_ref(), start)?.to_string();
                    let raw = utf8(&a.value, start)?;
                    if raw.contains('<') {
                        return Err(other(
                            start,
                            format!(
                                "malformed XML: the value of attribute '{aq}' on <{qname}> contains '<' (write &lt;)"
                            ),
                        ));
                    }
                    // Attribute-value normalization: literal whitespace characters become spaces.
                    let normalized: Cow<'_, str> = if raw.contains(['\t', '\n', '\r']) {
                        Cow::Owned(raw.replace(['\t', '\n', '\r'], " "))
                    } else {
                        Cow::Borrowed(raw)
                    };
                    // The value borrows from `src` (a `&str` reader), so its offset is exact.
                    let value_pos = (raw.as_ptr() as usize)
                        .checked_sub(src.as_ptr() as usize)
                        .filter(|off| *off <= src.len())
                        .unwrap_or(start);
                    let value = unescape(&normalized, value_pos, opts.resolve_entity)?.into_owned();
                    check_chars(&value, start, &format!("attribute '{aq}'"))?;
                    let is_ns_decl = aq == "xmlns" || aq.starts_with("xmlns:");
                    let (ans, alocal) = if is_ns_decl {
                        (None, aq.clone())
                    } else {
                        let (r, local) = reader.resolve_attribute(a.key);
                        (resolved_ns(&r, &aq, start)?, utf8(local.as_ref(), start)?.to_string())
                    };
                    attrs.push(Attr { ns: ans, name: alocal, qname: aq, value, is_ns_decl });
                }
                let el = Element { ns, name, qname, attrs, children: Vec::new(), pos: start };
                if is_empty {
                    close(&mut stack, &mut root, el);
                } else {
                    stack.push(el);
                }
            }
            Event::End(ref e) => {
                let qname = utf8(e.name().as_ref(), start)?.to_string();
                match stack.pop() {
                    Some(el) if el.qname == qname => close(&mut stack, &mut root, el),
                    Some(el) => {
                        return Err(DomError {
                            pos: start,
                            kind: DomErrorKind::MismatchedEnd { expected: el.qname, found: qname, open_pos: el.pos },
                        })
                    }
                    None => {
                        return Err(other(
                            start,
                            format!("malformed XML: closing tag </{qname}> has no matching opening tag"),
                        ))
                    }
                }
            }
            Event::Text(ref t) => {
                let raw = utf8(t, start)?;
                if let Some(off) = raw.find("]]>") {
                    return Err(other(
                        start + off,
                        "malformed XML: ']]>' may not appear in text outside a CDATA section (write ]]&gt;)",
                    ));
                }
                match stack.last_mut() {
                    Some(parent) => {
                        let text = unescape(raw, start, opts.resolve_entity)?.into_owned();
                        check_chars(&text, start, "text")?;
                        parent.children.push(Node::Text(TextNode { text, pos: start, cdata: false }));
                    }
                    None => {
                        if let Some(off) = raw.find(|c: char| !c.is_ascii_whitespace()) {
                            return Err(other(
                                start + off,
                                "malformed XML: text is not allowed outside the root element",
                            ));
                        }
                    }
                }
            }
            Event::CData(ref t) => {
                let text = utf8(t, start)?.to_string();
                match stack.last_mut() {
                    Some(parent) => parent.children.push(Node::Text(TextNode { text, pos: start, cdata: true })),
                    None => return Err(other(start, "malformed XML: CDATA is not allowed outside the root element")),
                }
            }
            Event::Comment(_) => {
                if opts.reject_comments {
                    return Err(DomError { pos: start, kind: DomErrorKind::CommentNotAllowed });
                }
            }
            Event::Decl(_) | Event::PI(_) => {
                if opts.reject_processing_instructions {
                    return Err(other(start, "processing instructions and XML declarations are not allowed here"));
                }
                let end = (reader.buffer_position() as usize).min(src.len());
                if matches!(event, Event::Decl(_)) {
                    if start != 0 || root.is_some() {
                        return Err(other(
                            start,
                            "malformed XML: the XML declaration must be at the very start of the document",
                        ));
                    }
                    check_declaration(&src[start..end]).map_err(|m| other(start, format!("malformed XML: {m}")))?;
                } else {
                    let target = src[start..end].trim_start_matches("<?");
                    let target = target.split(|c: char| c.is_ascii_whitespace() || c == '?').next().unwrap_or("");
                    if target.eq_ignore_ascii_case("xml") {
                        return Err(other(
                            start,
                            format!("malformed XML: the processing instruction target '{target}' is reserved"),
                        ));
                    }
                }
            }
            Event::DocType(_) => {
                return Err(other(start, "DOCTYPE declarations are not allowed"));
            }
            Event::Eof => break,
        }
    }

    if let Some(open) = stack.pop() {
        return Err(DomError {
            pos: src.len(),
            kind: DomErrorKind::UnclosedAtEof { name: open.qname, open_pos: open.pos },
        });
    }
    root.ok_or_else(|| other(0, "malformed XML: the document has no root element"))
}

/// Checks an XML declaration (`<?xml … ?>`, as written) against XML 1.0's `XMLDecl`
/// production: `version` (required, `1.` and digits), then optionally `encoding` (a name) and
/// `standalone` (`yes` or `no`), in that order, each once.
fn check_declaration(decl: &str) -> Result<(), String> {
    let inner = decl
        .strip_prefix("<?xml")
        .and_then(|d| d.strip_suffix("?>"))
        .ok_or_else(|| "the XML declaration must have the form <?xml version=\"1.0\" ?>".to_string())?;
    let is_space = |c: char| matches!(c, ' ' | '\t' | '\r' | '\n');
    let mut rest = inner;
    let mut seen: Vec<&str> = Vec::new();
    loop {
        let trimmed = rest.trim_start_matches(is_space);
        if trimmed.is_empty() {
            break;
        }
        if trimmed.len() == rest.len() {
            return Err(format!(
                "the XML declaration needs a space before '{}'",
                trimmed.chars().take(20).collect::<String>()
            ));
        }
        let name_end = trimmed.find(|c: char| c == '=' || is_space(c)).unwrap_or(trimmed.len());
        let name = &trimmed[..name_end];
        let after = trimmed[name_end..].trim_start_matches(is_space);
        let after = after.strip_prefix('=').ok_or_else(|| format!("'{name}' in the XML declaration needs a value"))?;
        let after = after.trim_start_matches(is_space);
        let quote = after
            .chars()
            .next()
            .filter(|q| *q == '"' || *q == '\'')
            .ok_or_else(|| format!("the value of '{name}' in the XML declaration must be quoted"))?;
        let close = after[1..]
            .find(quote)
            .ok_or_else(|| format!("the value of '{name}' in the XML declaration is not closed"))?;
        let value = &after[1..1 + close];
        rest = &after[close + 2..];
        let order = ["version", "encoding", "standalone"];
        let Some(pos) = order.iter().position(|n| *n == name) else {
            return Err(format!(
                "'{name}' is not allowed in the XML declaration (only version, encoding and standalone)"
            ));
        };
        if seen.iter().any(|s| order.iter().position(|n| n == s) >= Some(pos)) {
            return Err(format!("'{name}' is out of place in the XML declaration: the order is version, encoding, standalone, each once"));
        }
        if pos > 0 && seen.is_empty() {
            return Err("the XML declaration must start with version".to_string());
        }
        let valid = match name {
            "version" => {
                value.strip_prefix("1.").is_some_and(|d| !d.is_empty() && d.bytes().all(|b| b.is_ascii_digit()))
            }
            "encoding" => {
                let mut b = value.bytes();
                b.next().is_some_and(|c| c.is_ascii_alphabetic())
                    && b.all(|c| c.is_ascii_alphanumeric() || matches!(c, b'.' | b'_' | b'-'))
            }
            _ => value == "yes" || value == "no",
        };
        if !valid {
            let wanted = match name {
                "version" => "1.0",
                "encoding" => "an encoding name such as UTF-8",
                _ => "yes or no",
            };
            return Err(format!("{name}=\"{value}\" is not allowed in the XML declaration; it must be {wanted}"));
        }
        seen.push(name);
    }
    if seen.first() != Some(&"version") {
        return Err("the XML declaration must give the version, as in <?xml version=\"1.0\"?>".to_string());
    }
    Ok(())
}

fn close(stack: &mut [Element], root: &mut Option<Element>, el: Element) {
    match stack.last_mut() {
        Some(parent) => parent.children.push(Node::Element(el)),
        None => *root = Some(el),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn opts() -> TreeOptions {
        TreeOptions {
            resolve_entity: xml_entity,
            reject_comments: false,
            reject_processing_instructions: false,
            max_depth: 8,
        }
    }

    #[test]
    fn question_xml_tree_positions_and_namespaces() {
        let src = "<?xml version=\"1.0\"?>\n<a xmlns=\"urn:x\" xmlns:p=\"urn:p\">\n  <p:b k=\"v&amp;w\"/>\n  <c><![CDATA[<i>]]>&lt;</c>\n</a>";
        let root = parse_tree(src, opts()).unwrap();
        assert_eq!(root.name, "a");
        assert_eq!(root.ns.as_deref(), Some("urn:x"));
        let kids: Vec<_> = root.child_elements().collect();
        assert_eq!(kids[0].name, "b");
        assert_eq!(kids[0].qname, "p:b");
        assert_eq!(kids[0].ns.as_deref(), Some("urn:p"));
        assert_eq!(kids[0].attrs[0].value, "v&w");
        assert_eq!(line_col(src, kids[0].pos), (3, 3));
        assert_eq!(kids[1].text(), "<i><");
        assert_eq!(kids[1].ns.as_deref(), Some("urn:x"));
    }

    #[test]
    fn question_xml_tree_well_formedness_errors() {
        let e = parse_tree("<a><b></a>", opts()).unwrap_err();
        assert!(matches!(e.kind, DomErrorKind::MismatchedEnd { .. }));
        assert_eq!(e.pos, 6);
        let e = parse_tree("<a><b>", opts()).unwrap_err();
        assert!(matches!(e.kind, DomErrorKind::UnclosedAtEof { ref name, open_pos: 3 } if name == "b"));
        assert!(parse_tree("<a/><b/>", opts()).is_err());
        assert!(parse_tree("<a/>x", opts()).is_err());
        assert!(parse_tree("", opts()).is_err());
        assert!(parse_tree("<a>&nbsp;</a>", opts()).is_err());
        assert!(parse_tree("<a>&#1;</a>", opts()).is_err());
        assert!(parse_tree("<a>\u{1}</a>", opts()).is_err());
        assert!(parse_tree("<a b=\"<\"/>", opts()).is_err());
        let e = parse_tree("<a b=\"x &q; y\"/>", opts()).unwrap_err();
        assert_eq!(e.pos, 8);
        assert!(e.kind.to_string().contains("'&q;'"));
        assert!(parse_tree("<!DOCTYPE a><a/>", opts()).is_err());
        assert!(parse_tree("<x:a/>", opts()).is_err());
        let deep = "<a>".repeat(9) + &"</a>".repeat(9);
        assert!(parse_tree(&deep, opts()).is_err());
    }

    #[test]
    fn question_xml_tree_refuses_what_xml_1_0_refuses() {
        let refused = [
            ("<a>x ]]> y</a>", "']]>'"),
            ("<?xml version=\"2.0\"?><a/>", "version=\"2.0\""),
            ("<?xml version=\"1.0\" standalone=\"maybe\"?><a/>", "standalone=\"maybe\""),
            ("<?xml?><a/>", "version"),
            ("<?xml encoding=\"UTF-8\"?><a/>", "version"),
            ("<?xml version=\"1.0\" standalone=\"yes\" encoding=\"UTF-8\"?><a/>", "order"),
            ("<?xml version=\"1.0\" foo=\"bar\"?><a/>", "'foo'"),
            ("<?xml version=1.0?><a/>", "quoted"),
            ("\u{FEFF}<a/>", "byte-order mark"),
            ("<a><?XML x?></a>", "reserved"),
        ];
        for (src, why) in refused {
            let e = parse_tree(src, opts()).expect_err(src);
            assert!(e.kind.to_string().contains(why), "{src}: {}", e.kind);
        }
        let accepted = [
            "<?xml version=\"1.0\"?><a/>",
            "<?xml version='1.0' encoding='UTF-8' standalone='no'?>\n<a/>",
            "<?xml version=\"1.0\" encoding=\"utf-8\" ?><a/>",
            "<?xml version = \"1.1\"\n standalone=\"yes\"?><a/>",
            "<a>]] > and ]]&gt; and <![CDATA[]]]]><![CDATA[>]]></a>",
            "<a><?xml-stylesheet href=\"x\"?></a>",
        ];
        for src in accepted {
            parse_tree(src, opts()).unwrap_or_else(|e| panic!("{src}: {}", e.kind));
        }
    }
}
