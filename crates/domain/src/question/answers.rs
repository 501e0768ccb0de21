//! `QuestionFormAnswers`: the XML that carries a Worker's answers
//! (API Reference 2017-01-17, "QuestionFormAnswers").

use std::collections::HashMap;

use serde::{Deserialize, Serialize};

use super::form::AnswerSpecification;
use super::schema::{child_path, parse_bounded, Ctx};
use super::xml::is_xml_char;
use super::{AnswerKind, QuestionDocument, QuestionError};

/// Namespace (= schema URL) of `QuestionFormAnswers`, version 2005-10-01.
pub const QUESTION_FORM_ANSWERS_NAMESPACE: &str =
    "http://mechanicalturk.amazonaws.com/AWSMechanicalTurkDataSchemas/2005-10-01/QuestionFormAnswers.xsd";

/// The separator used to join the values of a multi-valued free-text field.
const MULTI_VALUE_SEPARATOR: &str = "|";

/// One `<Answer>`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Answer {
    pub question_identifier: String,
    pub value: AnswerValue,
}

/// The payload of an `<Answer>`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum AnswerValue {
    /// `<FreeText>`.
    FreeText(String),
    /// Zero or more `<SelectionIdentifier>`s, and the `<OtherSelectionText>` if the worker
    /// filled in the "other" field.
    Selection { selection_identifiers: Vec<String>, other_selection_text: Option<String> },
    /// `<UploadedFileSizeInBytes>` and `<UploadedFileKey>`.
    FileUpload { uploaded_file_size_in_bytes: u64, uploaded_file_key: String },
}

/// Appends `s` XML-escaped (`&`, `<`, `>`, `"`, `'`), dropping characters XML 1.0 does not allow.
/// Carriage returns are written as `&#13;` so that parsers' end-of-line normalization keeps them.
fn escape_into(s: &str, out: &mut String) {
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            '\r' => out.push_str("&#13;"),
            c if is_xml_char(c) => out.push(c),
            _ => {}
        }
    }
}

fn element(name: &str, text: &str, out: &mut String) {
    out.push('<');
    out.push_str(name);
    out.push('>');
    escape_into(text, out);
    out.push_str("</");
    out.push_str(name);
    out.push('>');
}

/// Renders a `QuestionFormAnswers` document with full fidelity.
pub fn render_answer_document(answers: &[Answer]) -> String {
    let mut out = String::with_capacity(256);
    out.push_str("<?xml version=\"1.0\" encoding=\"UTF-8\"?>");
    out.push_str("<QuestionFormAnswers xmlns=\"");
    out.push_str(QUESTION_FORM_ANSWERS_NAMESPACE);
    out.push_str("\">");
    for a in answers {
        out.push_str("<Answer>");
        element("QuestionIdentifier", &a.question_identifier, &mut out);
        match &a.value {
            AnswerValue::FreeText(t) => element("FreeText", t, &mut out),
            AnswerValue::Selection { selection_identifiers, other_selection_text } => {
                for s in selection_identifiers {
                    element("SelectionIdentifier", s, &mut out);
                }
                if let Some(o) = other_selection_text {
                    element("OtherSelectionText", o, &mut out);
                }
            }
            AnswerValue::FileUpload { uploaded_file_size_in_bytes, uploaded_file_key } => {
                element("UploadedFileSizeInBytes", &uploaded_file_size_in_bytes.to_string(), &mut out);
                element("UploadedFileKey", uploaded_file_key, &mut out);
            }
        }
        out.push_str("</Answer>");
    }
    out.push_str("</QuestionFormAnswers>");
    out
}

/// Renders a `QuestionFormAnswers` document from submitted form fields, one `<Answer>` per
/// `(field, values)` entry, in the given order:
///
/// * When `form` is a `QuestionForm` whose question `field` is a `SelectionAnswer`: one
///   `<Answer>` with a `<SelectionIdentifier>` per value (none if `values` is empty). If the
///   question has an `OtherSelection`, values that are not one of its `SelectionIdentifier`s are
///   the worker's "other" text and become one `<OtherSelectionText>` (joined by `|` if several).
/// * When it is a `FileUploadAnswer` and `values` is `[size_in_bytes, file_key]`: an
///   `<UploadedFileSizeInBytes>` + `<UploadedFileKey>` answer.
/// * Everything else (free-text questions, fields of an `HTMLQuestion`/`ExternalQuestion`, fields
///   the form does not know, no `form`): one `<Answer>` with a `<FreeText>`. **A multi-valued
///   field (e.g. several HTML checkboxes or a multi-select sharing one `name`) becomes a single
///   `<FreeText>` whose text is the values joined by `|`**, as MTurk does for HTML questions;
///   a field with no values gets an empty `<FreeText/>`.
///
/// All text is XML-escaped (`&`, `<`, `>`, `"`, `'`) and characters XML 1.0 does not allow
/// (most C0 controls, U+FFFE, U+FFFF) are dropped. The caller decides which submitted fields
/// count as answers (the spec says a field named `hitId` is ignored).
pub fn render_answers(answers: &[(String, Vec<String>)], form: Option<&QuestionDocument>) -> String {
    let specs: HashMap<&str, &AnswerSpecification> = match form {
        Some(QuestionDocument::Form(f)) => f.questions().map(|q| (q.identifier.as_str(), &q.answer)).collect(),
        _ => HashMap::new(),
    };
    let list: Vec<Answer> = answers
        .iter()
        .map(|(field, values)| {
            let value = match specs.get(field.as_str()) {
                Some(AnswerSpecification::Selection(sel)) => {
                    let (ids, other): (Vec<&String>, Vec<&String>) = if sel.other_selection.is_some() {
                        values.iter().partition(|v| sel.has_selection(v))
                    } else {
                        (values.iter().collect(), Vec::new())
                    };
                    AnswerValue::Selection {
                        selection_identifiers: ids.into_iter().cloned().collect(),
                        other_selection_text: if other.is_empty() {
                            None
                        } else {
                            Some(other.iter().map(|s| s.as_str()).collect::<Vec<_>>().join(MULTI_VALUE_SEPARATOR))
                        },
                    }
                }
                Some(AnswerSpecification::FileUpload(_))
                    if values.len() == 2 && values[0].trim().parse::<u64>().is_ok() =>
                {
                    AnswerValue::FileUpload {
                        uploaded_file_size_in_bytes: values[0].trim().parse().unwrap_or(0),
                        uploaded_file_key: values[1].clone(),
                    }
                }
                _ => AnswerValue::FreeText(values.join(MULTI_VALUE_SEPARATOR)),
            };
            Answer { question_identifier: field.clone(), value }
        })
        .collect();
    render_answer_document(&list)
}

/// Parses a `QuestionFormAnswers` document with full fidelity.
pub fn parse_answer_document(xml: &str) -> Result<Vec<Answer>, QuestionError> {
    let src = super::document_source(xml);
    let root = super::document_tree(src)?;
    let ctx = Ctx { src, ns: QUESTION_FORM_ANSWERS_NAMESPACE };
    let path = "QuestionFormAnswers";
    super::expect_root(&ctx, &root, path)?;
    let kids = ctx.elements(&root, path, &[])?;
    let mut out = Vec::with_capacity(kids.len());
    for (i, a) in kids.iter().enumerate() {
        let p = child_path(path, &a.name, Some(i + 1));
        if a.name != "Answer" {
            return Err(ctx.err(
                &p,
                a.pos,
                format!("unexpected element <{}>; QuestionFormAnswers contains only Answer elements", a.name),
            ));
        }
        let parts = ctx.elements(a, &p, &[])?;
        let Some((id_el, rest)) = parts.split_first().filter(|(f, _)| f.name == "QuestionIdentifier") else {
            return Err(ctx.err(&p, a.pos, "an Answer must start with a QuestionIdentifier"));
        };
        let question_identifier = ctx.text_only(id_el, &child_path(&p, "QuestionIdentifier", None))?;
        let names: Vec<&str> = rest.iter().map(|e| e.name.as_str()).collect();
        let value = match names.as_slice() {
            ["FreeText"] => AnswerValue::FreeText(ctx.text_only(rest[0], &child_path(&p, "FreeText", None))?),
            ["UploadedFileSizeInBytes", "UploadedFileKey"] => {
                let sp = child_path(&p, "UploadedFileSizeInBytes", None);
                let size = ctx.text_only(rest[0], &sp)?;
                let size = parse_bounded(&size, "UploadedFileSizeInBytes", 0, u64::MAX as i128)
                    .map_err(|m| ctx.err(&sp, rest[0].pos, m))? as u64;
                AnswerValue::FileUpload {
                    uploaded_file_size_in_bytes: size,
                    uploaded_file_key: ctx.text_only(rest[1], &child_path(&p, "UploadedFileKey", None))?,
                }
            }
            _ => {
                let mut selection_identifiers = Vec::new();
                let mut other_selection_text = None;
                for e in rest {
                    let ep = child_path(&p, &e.name, None);
                    match e.name.as_str() {
                        "SelectionIdentifier" if other_selection_text.is_none() => {
                            selection_identifiers.push(ctx.text_only(e, &ep)?)
                        }
                        "OtherSelectionText" if other_selection_text.is_none() => {
                            other_selection_text = Some(ctx.text_only(e, &ep)?)
                        }
                        _ => {
                            return Err(ctx.err(
                                &ep,
                                e.pos,
                                format!(
                                    "unexpected element <{}>; an Answer holds a FreeText, SelectionIdentifier elements and an optional OtherSelectionText, or UploadedFileSizeInBytes and UploadedFileKey",
                                    e.name
                                ),
                            ))
                        }
                    }
                }
                AnswerValue::Selection { selection_identifiers, other_selection_text }
            }
        };
        out.push(Answer { question_identifier, value });
    }
    Ok(out)
}

/// Parses a `QuestionFormAnswers` document into `(QuestionIdentifier, values)` pairs, the
/// inverse of [`render_answers`] up to its joining: a `<FreeText>` gives one value (a
/// `|`-joined multi-value stays joined), selections give their identifiers followed by the
/// `OtherSelectionText` if any, and an uploaded file gives `[size_in_bytes, file_key]`.
pub fn parse_answers(xml: &str) -> Result<Vec<(String, Vec<String>)>, QuestionError> {
    Ok(parse_answer_document(xml)?
        .into_iter()
        .map(|a| {
            let values = match a.value {
                AnswerValue::FreeText(t) => vec![t],
                AnswerValue::Selection { mut selection_identifiers, other_selection_text } => {
                    selection_identifiers.extend(other_selection_text);
                    selection_identifiers
                }
                AnswerValue::FileUpload { uploaded_file_size_in_bytes, uploaded_file_key } => {
                    vec![uploaded_file_size_in_bytes.to_string(), uploaded_file_key]
                }
            };
            (a.question_identifier, values)
        })
        .collect())
}

impl AnswerValue {
    /// The [`AnswerKind`] this value answers.
    pub fn kind(&self) -> AnswerKind {
        match self {
            AnswerValue::FreeText(_) => AnswerKind::FreeText,
            AnswerValue::Selection { .. } => AnswerKind::Selection,
            AnswerValue::FileUpload { .. } => AnswerKind::FileUpload,
        }
    }
}
