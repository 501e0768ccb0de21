//! `FormattedContent`: the XHTML subset allowed inside a `QuestionForm`
//! (API Reference 2017-01-17, "Formatted Content: XHTML").
//!
//! Validation follows the spec's procedure: the text of the `FormattedContent` element (usually
//! a CDATA section) is wrapped in `<FormattedContent xmlns="http://www.w3.org/1999/xhtml">` and
//! parsed as XML; XHTML 1.0 named entities (`&nbsp;` …) are known. Then:
//!
//! * only the tags of the spec's table are allowed (`a area b big blockquote br center cite code
//!   col colgroup dd del dl em font h1…h6 hr i img ins li map ol p pre q small strong sub sup table
//!   tbody td tfoot th thead tr u ul`, plus `dt`, which the table omits although it lists `dl` and
//!   `dd`); no `script`, `style`, `div`, `span`;
//! * only each tag's listed attributes, plus `title` everywhere and `dir`/`lang` everywhere but
//!   `br`; in particular no `style`, `class`, `id` or `on*` event handler attributes;
//! * `img` needs `src` and `alt`, `area` needs `alt`, `map` needs `name`;
//! * URLs (`href`, `src`, `cite`, `longdesc`) must use one of the schemes `http https ftp news nntp
//!   mailto gopher telnet` (or be a `#fragment`), so no `javascript:`; `usemap` must be `#name`;
//! * no XML comments or processing instructions; every tag closed inside the block;
//! * list/table/definition-list structure: `li` only in `ul`/`ol`, `tr` only in table sections,
//!   `td`/`th` only in `tr`, etc.; empty elements (`br`, `hr`, `img`, `col`, `area`) stay empty.
//!
//! The result is kept as a tree of [`XhtmlNode`]s; [`FormattedContent::to_html`] re-serializes it
//! with every text and attribute value escaped, so the worker site never has to embed the
//! requester's raw markup.

use serde::{Deserialize, Serialize};

use super::entities::resolve_xhtml_entity;
use super::schema::Ctx;
use super::xml::{line_col, parse_tree, DomErrorKind, Element, Node, TreeOptions};
use super::{QuestionError, MAX_DEPTH};

/// The XHTML namespace assumed for formatted content.
pub const XHTML_NAMESPACE: &str = "http://www.w3.org/1999/xhtml";

const WRAPPER: &str = "FormattedContent";
const PREFIX: &str = "<FormattedContent xmlns=\"http://www.w3.org/1999/xhtml\">";
const SUFFIX: &str = "</FormattedContent>";

/// Schemes allowed in `href`/`src`/`cite`/`longdesc`.
const URL_SCHEMES: &[&str] = &["http", "https", "ftp", "news", "nntp", "mailto", "gopher", "telnet"];

/// A validated `FormattedContent` block.
///
/// It is stored (serialized) as its source text alone and validated again when read back: the
/// tree may nest as deep as the parser allows ([`MAX_DEPTH`] levels), and a serialized tree
/// would take three JSON levels per XHTML level, past serde_json's recursion limit of 128 when
/// read back.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FormattedContent {
    /// The XHTML markup exactly as the requester wrote it (the CDATA content).
    pub source: String,
    /// The parsed, validated tree (entities resolved, comments impossible).
    pub nodes: Vec<XhtmlNode>,
}

/// A node of formatted content.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum XhtmlNode {
    Element(XhtmlElement),
    /// Character data with entities resolved (not escaped).
    Text(String),
}

/// An allowed XHTML element with its allowed attributes (values unescaped, in source order).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct XhtmlElement {
    pub name: String,
    pub attributes: Vec<(String, String)>,
    pub children: Vec<XhtmlNode>,
}

impl FormattedContent {
    /// Validates a standalone block of formatted content (the text that would go inside the
    /// CDATA section). Error positions are relative to `xhtml`.
    pub fn parse(xhtml: &str) -> Result<FormattedContent, QuestionError> {
        validate(xhtml).map(|nodes| FormattedContent { source: xhtml.to_string(), nodes }).map_err(|(off, msg)| {
            let (l, c) = line_col(xhtml, off);
            QuestionError(format!("FormattedContent: {msg} (line {l}, column {c} of the formatted content)"))
        })
    }

    /// Serializes the validated tree as HTML, escaping all text and attribute values. Empty
    /// elements are written as `<br />`, others always with an end tag.
    pub fn to_html(&self) -> String {
        let mut out = String::with_capacity(self.source.len() + 16);
        write_nodes(&self.nodes, &mut out);
        out
    }
}

impl Serialize for FormattedContent {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.source)
    }
}

/// What a stored block looks like: its source text, or (rows written before the source-only
/// form) an object whose `source` is the text; its old `nodes` are ignored and rebuilt.
#[derive(Deserialize)]
#[serde(untagged)]
enum StoredFormattedContent {
    Source(String),
    Legacy { source: String },
}

impl<'de> Deserialize<'de> for FormattedContent {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let source = match StoredFormattedContent::deserialize(d)? {
            StoredFormattedContent::Source(s) | StoredFormattedContent::Legacy { source: s } => s,
        };
        FormattedContent::parse(&source).map_err(serde::de::Error::custom)
    }
}

fn write_nodes(nodes: &[XhtmlNode], out: &mut String) {
    for n in nodes {
        match n {
            XhtmlNode::Text(t) => escape_html_into(t, out),
            XhtmlNode::Element(e) => {
                out.push('<');
                out.push_str(&e.name);
                for (k, v) in &e.attributes {
                    out.push(' ');
                    out.push_str(k);
                    out.push_str("=\"");
                    escape_html_into(v, out);
                    out.push('"');
                }
                if is_void(&e.name) {
                    out.push_str(" />");
                } else {
                    out.push('>');
                    write_nodes(&e.children, out);
                    out.push_str("</");
                    out.push_str(&e.name);
                    out.push('>');
                }
            }
        }
    }
}

/// Escapes text for an HTML text node or a quoted attribute value (`& < > " '`).
pub fn escape_html_into(s: &str, out: &mut String) {
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
}

/// Parses the `FormattedContent` element `el` of a question document; errors carry the element
/// path and the document line/column of the offending markup.
pub(crate) fn parse_formatted_element(
    ctx: &Ctx<'_>,
    el: &Element,
    path: &str,
) -> Result<FormattedContent, QuestionError> {
    ctx.check_attrs(el, path, &[])?;
    if let Some(c) = el.child_elements().next() {
        return Err(ctx.err(
            path,
            c.pos,
            format!(
                "FormattedContent must hold its XHTML inside a CDATA section (<![CDATA[ ... ]]>), but it contains the element <{}> directly",
                c.qname
            ),
        ));
    }
    // Map offsets in the concatenated content back to the document.
    let mut segments = Vec::new(); // (content offset, doc offset of content start, cdata)
    let mut content = String::new();
    for t in el.text_nodes() {
        segments.push((content.len(), t.pos, t.cdata));
        content.push_str(&t.text);
    }
    let to_doc = |off: usize| -> usize {
        match segments.iter().rev().find(|(start, _, _)| *start <= off) {
            Some((start, pos, true)) => pos + "<![CDATA[".len() + (off - start),
            Some((_, pos, false)) => *pos,
            None => el.pos,
        }
    };
    match validate(&content) {
        Ok(nodes) => Ok(FormattedContent { source: content, nodes }),
        Err((off, msg)) => Err(ctx.err(path, to_doc(off), msg)),
    }
}

type VErr = (usize, String);

/// Validates formatted content; errors are (byte offset in `content`, message).
fn validate(content: &str) -> Result<Vec<XhtmlNode>, VErr> {
    let wrapped = format!("{PREFIX}{content}{SUFFIX}");
    let to_content = |p: usize| p.saturating_sub(PREFIX.len()).min(content.len());
    let root = parse_tree(
        &wrapped,
        TreeOptions {
            resolve_entity: resolve_xhtml_entity,
            reject_comments: true,
            reject_processing_instructions: true,
            max_depth: MAX_DEPTH + 1,
        },
    )
    .map_err(|e| match e.kind {
        DomErrorKind::MismatchedEnd {
            expected,
            found,
            open_pos,
        } => {
            if found == WRAPPER && e.pos >= PREFIX.len() + content.len() {
                (
                    to_content(open_pos),
                    format!("<{expected}> is never closed; every XHTML tag must be closed within the same FormattedContent block"),
                )
            } else {
                (
                    to_content(e.pos),
                    format!("closing tag </{found}> does not match the open tag <{expected}>; XHTML tags must be closed in the reverse order they were opened"),
                )
            }
        }
        DomErrorKind::UnclosedAtEof { name, open_pos } => (
            to_content(open_pos),
            format!("<{name}> is never closed; every XHTML tag must be closed within the same FormattedContent block"),
        ),
        DomErrorKind::CommentNotAllowed => (
            to_content(e.pos),
            "XML comments (<!-- ... -->) are not allowed in formatted content".to_string(),
        ),
        // The wrapper element is one level of the tree but not of the requester's markup.
        DomErrorKind::TooDeep { .. } => (
            to_content(e.pos),
            format!("formatted content: elements are nested too deeply (more than {MAX_DEPTH} levels)"),
        ),
        DomErrorKind::Other(m) => (to_content(e.pos), format!("formatted content: {m}")),
    })?;
    let v = Validator { to_content };
    v.children(&root, None)
}

struct Validator<F: Fn(usize) -> usize> {
    to_content: F,
}

/// The attributes allowed on each supported tag (besides `title`, `dir`, `lang`).
/// `None`: the tag is not supported.
fn tag_attributes(tag: &str) -> Option<&'static [&'static str]> {
    const NONE: &[&str] = &[];
    const CELL_ALIGN: &[&str] = &["align", "char", "charoff", "valign"];
    const COL: &[&str] = &["align", "char", "charoff", "span", "valign", "width"];
    const CELL: &[&str] = &[
        "abbr", "align", "axis", "bgcolor", "char", "charoff", "colspan", "headers", "height", "nowrap", "rowspan",
        "scope", "valign", "width",
    ];
    Some(match tag {
        "a" => &[
            "accesskey",
            "charset",
            "coords",
            "href",
            "hreflang",
            "name",
            "rel",
            "rev",
            "shape",
            "tabindex",
            "target",
            "type",
        ],
        "area" => &["alt", "coords", "href", "nohref", "shape", "target"],
        "b" | "big" | "br" | "center" | "cite" | "code" | "dd" | "dl" | "dt" | "em" | "i" | "small" | "strong"
        | "sub" | "sup" | "u" => NONE,
        "blockquote" | "q" => &["cite"],
        "col" | "colgroup" => COL,
        "del" | "ins" => &["cite", "datetime"],
        "font" => &["color", "face", "size"],
        "h1" | "h2" | "h3" | "h4" | "h5" | "h6" | "p" => &["align"],
        "hr" => &["align", "noshade", "size", "width"],
        "img" => {
            &["align", "alt", "border", "height", "hspace", "ismap", "longdesc", "src", "usemap", "vspace", "width"]
        }
        "li" => &["type", "value"],
        "map" => &["name"],
        "ol" => &["compact", "start", "type"],
        "pre" => &["width"],
        "table" => &["align", "bgcolor", "border", "cellpadding", "cellspacing", "frame", "rules", "summary", "width"],
        "tbody" | "tfoot" | "thead" => CELL_ALIGN,
        "td" | "th" => CELL,
        "tr" => &["align", "bgcolor", "char", "charoff", "valign"],
        "ul" => &["compact", "type"],
        _ => return None,
    })
}

fn is_void(tag: &str) -> bool {
    matches!(tag, "br" | "hr" | "img" | "col" | "area")
}

/// Elements whose content is elements only, and which children they take.
fn element_only_children(tag: &str) -> Option<&'static [&'static str]> {
    Some(match tag {
        "ul" | "ol" => &["li"],
        "dl" => &["dt", "dd"],
        "table" => &["col", "colgroup", "thead", "tbody", "tfoot", "tr"],
        "thead" | "tbody" | "tfoot" => &["tr"],
        "tr" => &["td", "th"],
        "colgroup" => &["col"],
        _ => return None,
    })
}

/// Elements that may only appear inside particular parents.
fn required_parents(tag: &str) -> Option<&'static [&'static str]> {
    Some(match tag {
        "li" => &["ul", "ol"],
        "dt" | "dd" => &["dl"],
        "tr" => &["table", "thead", "tbody", "tfoot"],
        "td" | "th" => &["tr"],
        "thead" | "tbody" | "tfoot" | "colgroup" => &["table"],
        "col" => &["table", "colgroup"],
        "area" => &["map"],
        _ => return None,
    })
}

fn tag_list(tags: &[&str]) -> String {
    tags.iter().map(|t| format!("<{t}>")).collect::<Vec<_>>().join(", ")
}

/// Checks a URL attribute value: an allowed scheme, or a fragment-only reference.
fn check_url(value: &str) -> Result<(), String> {
    // Browsers ignore ASCII tab/newline anywhere and strip leading/trailing C0 controls and
    // spaces, so do the same before looking at the scheme ("java\tscript:" is javascript:).
    let cleaned: String = value.chars().filter(|c| !matches!(c, '\t' | '\n' | '\r')).collect();
    let cleaned = cleaned.trim_matches(|c: char| c <= ' ');
    if cleaned.starts_with('#') {
        return Ok(());
    }
    let schemes = URL_SCHEMES.join(", ");
    let scheme_end = cleaned.find(':');
    let delim = cleaned.find(['/', '?', '#']);
    let scheme = match (scheme_end, delim) {
        (Some(c), Some(d)) if c < d => &cleaned[..c],
        (Some(c), None) => &cleaned[..c],
        _ => {
            return Err(format!(
                "\"{value}\" is not an absolute URL; URLs must use one of the schemes {schemes} (or be a #fragment)"
            ))
        }
    };
    let lower = scheme.to_ascii_lowercase();
    if !URL_SCHEMES.contains(&lower.as_str()) {
        return Err(format!("the URL scheme \"{scheme}:\" is not allowed; URLs must use one of the schemes {schemes}"));
    }
    if matches!(lower.as_str(), "http" | "https" | "ftp") && url::Url::parse(cleaned).is_err() {
        return Err(format!("\"{value}\" is not a valid URL"));
    }
    Ok(())
}

impl<F: Fn(usize) -> usize> Validator<F> {
    fn err(&self, pos: usize, msg: String) -> VErr {
        ((self.to_content)(pos), msg)
    }

    fn children(&self, el: &Element, tag: Option<&str>) -> Result<Vec<XhtmlNode>, VErr> {
        let mut out: Vec<XhtmlNode> = Vec::new();
        for n in &el.children {
            match n {
                Node::Text(t) => {
                    if let Some(tag) = tag {
                        let blank = t.text.trim().is_empty();
                        if is_void(tag) && !blank {
                            return Err(self.err(t.pos, format!("<{tag}> must be empty")));
                        }
                        if let Some(allowed) = element_only_children(tag) {
                            if !blank {
                                return Err(self.err(
                                    t.pos,
                                    format!(
                                        "text is not allowed directly inside <{tag}> (put it inside {})",
                                        tag_list(allowed)
                                    ),
                                ));
                            }
                        }
                    }
                    match out.last_mut() {
                        Some(XhtmlNode::Text(prev)) => prev.push_str(&t.text),
                        _ => out.push(XhtmlNode::Text(t.text.clone())),
                    }
                }
                Node::Element(c) => {
                    if let Some(tag) = tag {
                        if is_void(tag) {
                            return Err(self.err(c.pos, format!("<{tag}> must be empty")));
                        }
                    }
                    out.push(XhtmlNode::Element(self.element(c, tag)?));
                }
            }
        }
        Ok(out)
    }

    fn element(&self, el: &Element, parent: Option<&str>) -> Result<XhtmlElement, VErr> {
        if el.ns.as_deref() != Some(XHTML_NAMESPACE) {
            return Err(self.err(
                el.pos,
                format!(
                    "<{}> is not an XHTML element; formatted content may only use the supported XHTML tags",
                    el.qname
                ),
            ));
        }
        let name = el.name.as_str();
        let Some(allowed) = tag_attributes(name) else {
            let lower = name.to_ascii_lowercase();
            let msg = match lower.as_str() {
                "script" => format!("<{name}> is not allowed: JavaScript is not supported in formatted content"),
                "style" => {
                    format!("<{name}> is not allowed: CSS is not supported in formatted content")
                }
                _ if lower != name && tag_attributes(&lower).is_some() => {
                    format!("<{name}> is not allowed: XHTML tag names must be lowercase (<{lower}>)")
                }
                _ => format!("<{name}> is not a supported formatted-content tag"),
            };
            return Err(self.err(el.pos, msg));
        };

        if let Some(p) = parent {
            if let Some(kids) = element_only_children(p) {
                if !kids.contains(&name) {
                    return Err(self.err(
                        el.pos,
                        format!("<{name}> is not allowed directly inside <{p}> (allowed: {})", tag_list(kids)),
                    ));
                }
            }
        }
        if let Some(parents) = required_parents(name) {
            if !parent.is_some_and(|p| parents.contains(&p)) {
                let found = match parent {
                    Some(p) => format!("found inside <{p}>"),
                    None => "found at the top level".to_string(),
                };
                return Err(self.err(
                    el.pos,
                    format!(
                        "<{name}> must be inside {} ({found})",
                        parents.iter().map(|t| format!("<{t}>")).collect::<Vec<_>>().join(" or ")
                    ),
                ));
            }
        }

        let mut attributes = Vec::with_capacity(el.attrs.len());
        for a in &el.attrs {
            if a.is_ns_decl {
                if a.qname == "xmlns" && a.value == XHTML_NAMESPACE {
                    continue;
                }
                return Err(self.err(
                    el.pos,
                    format!(
                        "the namespace declaration {}=\"{}\" on <{name}> is not allowed in formatted content",
                        a.qname, a.value
                    ),
                ));
            }
            let an = a.qname.as_str();
            let lower = an.to_ascii_lowercase();
            let msg = if an.contains(':') {
                Some(format!(
                    "the attribute '{an}' on <{name}> is not allowed (namespaced attributes are not supported in formatted content)"
                ))
            } else if lower.starts_with("on") {
                Some(format!(
                    "the event handler attribute '{an}' on <{name}> is not allowed: JavaScript is not supported in formatted content"
                ))
            } else if lower == "style" {
                Some(format!(
                    "the style attribute on <{name}> is not allowed: CSS is not supported in formatted content"
                ))
            } else if lower == "class" {
                Some(format!(
                    "the class attribute on <{name}> is not allowed: CSS is not supported in formatted content"
                ))
            } else if lower == "id" {
                Some(format!("the id attribute on <{name}> is not allowed in formatted content"))
            } else if lower != an {
                Some(format!(
                    "the attribute '{an}' on <{name}> is not allowed: XHTML attribute names must be lowercase ('{lower}')"
                ))
            } else {
                let global = an == "title" || (name != "br" && (an == "dir" || an == "lang"));
                if global || allowed.contains(&an) {
                    None
                } else {
                    let mut all: Vec<&str> = allowed.to_vec();
                    all.push("title");
                    if name != "br" {
                        all.extend(["dir", "lang"]);
                    }
                    Some(format!("the attribute '{an}' is not allowed on <{name}> (allowed: {})", all.join(", ")))
                }
            };
            if let Some(m) = msg {
                return Err(self.err(el.pos, m));
            }
            match an {
                "href" | "src" | "cite" | "longdesc" => {
                    check_url(&a.value)
                        .map_err(|m| self.err(el.pos, format!("the {an} attribute of <{name}>: {m}")))?;
                }
                "usemap" if !a.value.starts_with('#') || a.value.len() < 2 => {
                    return Err(self.err(
                        el.pos,
                        format!(
                            "the usemap attribute of <{name}> must reference a map as \"#name\" (got \"{}\")",
                            a.value
                        ),
                    ));
                }
                "dir" if a.value != "ltr" && a.value != "rtl" => {
                    return Err(self.err(
                        el.pos,
                        format!("the dir attribute of <{name}> must be \"ltr\" or \"rtl\" (got \"{}\")", a.value),
                    ));
                }
                _ => {}
            }
            attributes.push((an.to_string(), a.value.clone()));
        }

        let required: &[&str] = match name {
            "img" => &["src", "alt"],
            "area" => &["alt"],
            "map" => &["name"],
            _ => &[],
        };
        for r in required {
            if !attributes.iter().any(|(k, _)| k == r) {
                return Err(self.err(el.pos, format!("<{name}> requires a {r} attribute")));
            }
        }

        let children = self.children(el, Some(name))?;
        Ok(XhtmlElement { name: name.to_string(), attributes, children })
    }
}
