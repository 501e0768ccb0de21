//! Question documents: the XML a requester passes as the `Question` of a HIT (or the `Test` of a
//! Qualification type), and the `QuestionFormAnswers` XML that carries a Worker's answers.
//!
//! * [`parse_question`] parses and validates an `HTMLQuestion`, an `ExternalQuestion` or a
//!   `QuestionForm` (API Reference 2017-01-17, "Question and Answer Data") into a
//!   [`QuestionDocument`], which keeps the whole structure (serde-serializable) so that the worker
//!   website can render it later.
//! * `FormattedContent` blocks are parsed as the XHTML subset the spec allows and kept as a
//!   sanitized tree ([`FormattedContent::to_html`] re-serializes it safely).
//! * [`render_answers`] / [`parse_answers`] produce and read `QuestionFormAnswers` documents;
//!   [`render_answer_document`] / [`parse_answer_document`] do the same with full fidelity
//!   (selection "other" text, uploaded files).
//!
//! Errors ([`QuestionError`]) name the element path (`QuestionForm/Question[2]/AnswerSpecification`)
//! and the line and column of the offending markup.

mod answer_key;
mod answers;
mod constraints;
mod entities;
mod form;
mod formatted;
mod schema;
pub(crate) mod xml;

#[cfg(test)]
mod tests;

use serde::{Deserialize, Serialize};

pub use answer_key::{
    parse_answer_key, AnswerKey, AnswerOption, Decimal, KeyQuestion, ScoreRange, ValueMapping, ANSWER_KEY_NAMESPACE,
};
pub use answers::{
    parse_answer_document, parse_answers, render_answer_document, render_answers, Answer, AnswerValue,
    QUESTION_FORM_ANSWERS_NAMESPACE,
};
pub use constraints::{
    check_answers, check_free_text, normalize_answers, regex_is_enforced, AnswerError, DEFAULT_REGEX_ERROR,
    REGEX_SIZE_LIMIT,
};
pub use form::{
    AnswerFormatRegex, AnswerSpecification, Application, ApplicationParameter, Binary, Constraints, Content,
    EmbeddedBinary, FileUploadAnswer, Flash, FormItem, FreeTextAnswer, IsNumeric, JavaApplet, LengthConstraint,
    MediaType, MimeType, Question, QuestionForm, QuestionFormSchema, Selection, SelectionAnswer, SelectionContent,
    StyleSuggestion, MAX_FILE_SIZE_IN_BYTES,
};
pub use formatted::{escape_html_into, FormattedContent, XhtmlElement, XhtmlNode, XHTML_NAMESPACE};

use schema::{child_path, parse_bounded, slot, Ctx};
use xml::{parse_tree, xml_entity, DomErrorKind, Element, TreeOptions};

/// Namespace (= schema URL) of the `HTMLQuestion` schema, version 2011-11-11.
pub const HTML_QUESTION_NAMESPACE: &str =
    "http://mechanicalturk.amazonaws.com/AWSMechanicalTurkDataSchemas/2011-11-11/HTMLQuestion.xsd";
/// Namespace (= schema URL) of the `ExternalQuestion` schema, version 2006-07-14.
pub const EXTERNAL_QUESTION_NAMESPACE: &str =
    "http://mechanicalturk.amazonaws.com/AWSMechanicalTurkDataSchemas/2006-07-14/ExternalQuestion.xsd";
/// Namespace of the original `QuestionForm` schema (2005-10-01).
pub const QUESTION_FORM_NAMESPACE_2005: &str =
    "http://mechanicalturk.amazonaws.com/AWSMechanicalTurkDataSchemas/2005-10-01/QuestionForm.xsd";
/// Namespace of the current `QuestionForm` schema (2017-11-06), which drops `Application` and
/// `FileUploadAnswer`.
pub const QUESTION_FORM_NAMESPACE_2017: &str =
    "http://mechanicalturk.amazonaws.com/AWSMechanicalTurkDataSchemas/2017-11-06/QuestionForm.xsd";

/// Maximum element nesting accepted in a question document or a `FormattedContent` block.
const MAX_DEPTH: usize = 100;

/// A parsed and validated question document.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum QuestionDocument {
    /// `HTMLQuestion`: an HTML page rendered in a sandboxed frame.
    Html(HtmlQuestion),
    /// `ExternalQuestion`: the requester's own web page rendered in a frame.
    External(ExternalQuestion),
    /// `QuestionForm`: questions described in MTurk's own XML language.
    Form(QuestionForm),
}

/// `HTMLQuestion` (schema 2011-11-11).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HtmlQuestion {
    /// The HTML page, exactly as given (usually a CDATA section). Not sanitized: the worker site
    /// serves it from a separate sandboxed origin.
    pub html_content: String,
    /// Frame height in pixels; `0` means "resize automatically to fit the window".
    pub frame_height: u32,
}

/// `ExternalQuestion` (schema 2006-07-14).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExternalQuestion {
    /// The absolute `https` URL of the requester's form (surrounding whitespace removed).
    /// MTurk appends `assignmentId`, `hitId`, `turkSubmitTo` and `workerId` to it.
    pub external_url: String,
    /// Frame height in pixels; `0` means "resize automatically to fit the window".
    pub frame_height: u32,
}

/// Options for [`parse_question`].
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct QuestionParseOptions {
    /// Sandbox mode: allow `http://` in `ExternalURL` when the host is a loopback host
    /// (`localhost`, `127.0.0.0/8`, `::1`). `https` is always required otherwise.
    pub allow_loopback_http: bool,
}

/// A question or answer document is invalid. The message says what is wrong and where
/// (element path and line/column).
#[derive(Debug, thiserror::Error, PartialEq)]
#[error("{0}")]
pub struct QuestionError(pub String);

/// What kind of answer a `QuestionForm` question collects.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum AnswerKind {
    /// `FreeTextAnswer`: the answer is a `<FreeText>`.
    FreeText,
    /// `SelectionAnswer`: the answer is zero or more `<SelectionIdentifier>`s.
    Selection,
    /// `FileUploadAnswer`: the answer is an uploaded file.
    FileUpload,
}

impl QuestionDocument {
    /// For a `QuestionForm`: every `QuestionIdentifier`, in document order, with the kind of
    /// answer it collects. Empty for `HTMLQuestion` and `ExternalQuestion` (their answers are
    /// whatever form fields the page submits, all free text).
    pub fn answer_kinds(&self) -> Vec<(String, AnswerKind)> {
        match self {
            QuestionDocument::Form(f) => f.questions().map(|q| (q.identifier.clone(), q.answer.kind())).collect(),
            _ => Vec::new(),
        }
    }

    /// The root element name: `HTMLQuestion`, `ExternalQuestion` or `QuestionForm`.
    pub fn type_name(&self) -> &'static str {
        match self {
            QuestionDocument::Html(_) => "HTMLQuestion",
            QuestionDocument::External(_) => "ExternalQuestion",
            QuestionDocument::Form(_) => "QuestionForm",
        }
    }

    /// The frame height of an `HTMLQuestion` / `ExternalQuestion`.
    pub fn frame_height(&self) -> Option<u32> {
        match self {
            QuestionDocument::Html(h) => Some(h.frame_height),
            QuestionDocument::External(e) => Some(e.frame_height),
            QuestionDocument::Form(_) => None,
        }
    }

    /// The `QuestionForm`, if this is one.
    pub fn as_form(&self) -> Option<&QuestionForm> {
        match self {
            QuestionDocument::Form(f) => Some(f),
            _ => None,
        }
    }
}

/// Parses and validates a question document (`HTMLQuestion`, `ExternalQuestion` or
/// `QuestionForm`). The root element decides the type and its namespace must be one of the
/// documented schema URLs for that type.
pub fn parse_question(xml: &str, opts: &QuestionParseOptions) -> Result<QuestionDocument, QuestionError> {
    let src = document_source(xml);
    if src.trim().is_empty() {
        return Err(QuestionError(
            "question: the document is empty; expected an HTMLQuestion, ExternalQuestion or QuestionForm element"
                .into(),
        ));
    }
    let root = document_tree(src)?;

    let (type_name, namespaces): (&str, &[&str]) = match root.name.as_str() {
        "HTMLQuestion" => ("HTMLQuestion", &[HTML_QUESTION_NAMESPACE]),
        "ExternalQuestion" => ("ExternalQuestion", &[EXTERNAL_QUESTION_NAMESPACE]),
        "QuestionForm" => ("QuestionForm", &[QUESTION_FORM_NAMESPACE_2005, QUESTION_FORM_NAMESPACE_2017]),
        other => {
            let ctx = Ctx { src, ns: "" };
            return Err(ctx.err(
                other,
                root.pos,
                format!(
                    "unknown root element <{}>; a question must be an HTMLQuestion, ExternalQuestion or QuestionForm document",
                    root.qname
                ),
            ));
        }
    };
    let expected = namespaces.iter().map(|n| format!("\"{n}\"")).collect::<Vec<_>>().join(" or ");
    let ns = match root.ns.as_deref() {
        Some(ns) if namespaces.contains(&ns) => ns,
        Some(ns) => {
            let ctx = Ctx { src, ns: "" };
            return Err(ctx.err(
                type_name,
                root.pos,
                format!("unsupported namespace \"{ns}\" for {type_name}; expected {expected}"),
            ));
        }
        None => {
            let ctx = Ctx { src, ns: "" };
            return Err(ctx.err(
                type_name,
                root.pos,
                format!("missing namespace: the root element must declare xmlns={expected}"),
            ));
        }
    };
    let ctx = Ctx { src, ns };
    match type_name {
        "HTMLQuestion" => parse_html(&ctx, &root).map(QuestionDocument::Html),
        "ExternalQuestion" => parse_external(&ctx, &root, opts).map(QuestionDocument::External),
        _ => {
            let schema = if ns == QUESTION_FORM_NAMESPACE_2017 {
                QuestionFormSchema::V2017_11_06
            } else {
                QuestionFormSchema::V2005_10_01
            };
            form::parse_form(&ctx, &root, schema).map(QuestionDocument::Form)
        }
    }
}

/// Formats a well-formedness error of the whole document.
/// A document's text without its byte-order mark.
fn document_source(xml: &str) -> &str {
    xml.strip_prefix('\u{FEFF}').unwrap_or(xml)
}

/// The element tree of one of the documents this module reads (questions, answers, answer
/// keys): XML's entities, comments and processing instructions allowed, nesting bounded.
fn document_tree(src: &str) -> Result<xml::Element, QuestionError> {
    let opts = TreeOptions {
        resolve_entity: xml_entity,
        reject_comments: false,
        reject_processing_instructions: false,
        max_depth: MAX_DEPTH,
    };
    parse_tree(src, opts).map_err(|e| dom_error(src, &e))
}

/// Checks that a single-schema document's root is `name`, in the document's namespace.
fn expect_root(ctx: &Ctx, root: &xml::Element, name: &str) -> Result<(), QuestionError> {
    if root.name != name {
        return Err(ctx.err(&root.name, root.pos, format!("unknown root element <{}>; expected {name}", root.qname)));
    }
    ctx.check_ns(root, name)
}

fn dom_error(src: &str, e: &xml::DomError) -> QuestionError {
    let (line, col) = xml::line_col(src, e.pos);
    let extra = match &e.kind {
        DomErrorKind::MismatchedEnd { open_pos, .. } | DomErrorKind::UnclosedAtEof { open_pos, .. } => {
            let (l, c) = xml::line_col(src, *open_pos);
            format!("; it was opened at line {l}, column {c}")
        }
        _ => String::new(),
    };
    QuestionError(format!("line {line}, column {col}: {}{extra}", e.kind))
}

fn frame_height(ctx: &Ctx<'_>, el: &Element, path: &str) -> Result<u32, QuestionError> {
    let text = ctx.text_only(el, path)?;
    parse_bounded(&text, "FrameHeight", 0, u32::MAX as i128).map(|v| v as u32).map_err(|m| ctx.err(path, el.pos, m))
}

fn parse_html(ctx: &Ctx<'_>, root: &Element) -> Result<HtmlQuestion, QuestionError> {
    let path = "HTMLQuestion";
    let kids = ctx.elements(root, path, &[])?;
    let groups = ctx.sequence(root, path, &kids, &[slot("HTMLContent", 1, 1), slot("FrameHeight", 1, 1)])?;
    let content_el = groups[0][0];
    let content_path = child_path(path, "HTMLContent", None);
    let html_content = ctx.text_only(content_el, &content_path)?;
    if html_content.trim().is_empty() {
        return Err(ctx.err(
            &content_path,
            content_el.pos,
            "HTMLContent must not be empty; it must contain the HTML page (usually inside a CDATA section)",
        ));
    }
    let frame_height = frame_height(ctx, groups[1][0], &child_path(path, "FrameHeight", None))?;
    Ok(HtmlQuestion { html_content, frame_height })
}

fn parse_external(
    ctx: &Ctx<'_>,
    root: &Element,
    opts: &QuestionParseOptions,
) -> Result<ExternalQuestion, QuestionError> {
    let path = "ExternalQuestion";
    let kids = ctx.elements(root, path, &[])?;
    let groups = ctx.sequence(root, path, &kids, &[slot("ExternalURL", 1, 1), slot("FrameHeight", 1, 1)])?;
    let url_el = groups[0][0];
    let url_path = child_path(path, "ExternalURL", None);
    let raw = ctx.text_only(url_el, &url_path)?;
    let external_url = raw.trim().to_string();
    check_external_url(&external_url, opts).map_err(|m| ctx.err(&url_path, url_el.pos, m))?;
    let frame_height = frame_height(ctx, groups[1][0], &child_path(path, "FrameHeight", None))?;
    Ok(ExternalQuestion { external_url, frame_height })
}

/// `ExternalURL` must be an absolute `https` URL; `http` only for loopback hosts when
/// `allow_loopback_http` is set (sandbox mode).
fn check_external_url(s: &str, opts: &QuestionParseOptions) -> Result<(), String> {
    if s.is_empty() {
        return Err("ExternalURL must not be empty".into());
    }
    if s.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(format!(
            "ExternalURL \"{}\" must not contain whitespace or control characters (percent-encode them)",
            s.escape_debug()
        ));
    }
    let url = url::Url::parse(s).map_err(|e| format!("ExternalURL \"{s}\" is not a valid absolute URL ({e})"))?;
    match url.scheme() {
        "https" => Ok(()),
        "http" if opts.allow_loopback_http && is_loopback(&url) => Ok(()),
        "http" if opts.allow_loopback_http => Err(format!(
            "ExternalURL \"{s}\" must use https; http is only allowed for loopback hosts (localhost, 127.0.0.1, [::1]) in the sandbox"
        )),
        scheme => Err(format!(
            "ExternalURL \"{s}\" must use the https scheme (found \"{scheme}\")"
        )),
    }
}

fn is_loopback(url: &url::Url) -> bool {
    match url.host() {
        Some(url::Host::Domain(d)) => d.eq_ignore_ascii_case("localhost"),
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        None => false,
    }
}
