//! Server-side checks of a worker's answers against a `QuestionForm`'s answer specifications
//! (API Reference 2017-01-17, "QuestionForm": `IsRequired`, `Constraints`, `SelectionAnswer`).
//!
//! MTurk checks these in the worker's browser; OpenTurk checks them on the server, on every
//! submit path (worker API, externalSubmit, the website), through [`check_answers`]. The rules:
//!
//! * **Required.** A question is required when `IsRequired` is true, or, for free text, when
//!   `Length minLength` is above zero (the spec: "the same as if the IsRequired element is
//!   true"). A required free-text question needs a non-empty answer; a required selection
//!   question at least one selection (the "other" text counts as one).
//! * **Free text** (`FreeTextAnswer`, and the text of an `OtherSelection`) takes one value.
//!   An empty answer to an optional question passes `Length` and `IsNumeric`, but
//!   `AnswerFormatRegex` is checked against every answer, the empty one included (as in the
//!   spec's example `(^$|\S{2,})` for "optional, but at least two characters"). A missing
//!   field counts as the empty answer.
//! * **Length** counts Unicode characters (scalar values), whitespace included. (Browsers count
//!   UTF-16 code units, so a character outside the Basic Multilingual Plane counts once here
//!   and twice there.)
//! * **IsNumeric** accepts a decimal number: optional sign, digits, optional fraction
//!   (`-12`, `3.5`, `.5`), surrounding whitespace allowed, no exponent; `minValue` and
//!   `maxValue` are inclusive.
//! * **AnswerFormatRegex.** The spec defines the pattern as a JavaScript regular expression
//!   tested against the whole answer (unanchored: a match anywhere passes unless the pattern
//!   has `^`/`$`), with `flags="i"` for ignoring case. OpenTurk evaluates it with the `regex`
//!   crate, in linear time and with bounded memory (see [`REGEX_SIZE_LIMIT`]). What differs
//!   from JavaScript: `\d`, `\w`, `\b` are Unicode-aware here (ASCII-only in JavaScript), so a
//!   few more answers pass; look-around (`(?=`, `(?!`, `(?<=`, `(?<!`) and back-references
//!   (`\1`) are not supported. A pattern that cannot be compiled (those features, or one over
//!   the size limits) is **not enforced** on the server: the worker is never blocked by a
//!   pattern we cannot evaluate. A failed pattern shows the requester's `errorText`, or
//!   "Invalid input supplied." as MTurk does.
//! * **Selections.** Each submitted value must be one of the question's `SelectionIdentifier`s;
//!   with an `OtherSelection`, one value that is not is the worker's "other" text (checked
//!   against the `OtherSelection`'s own constraints). Empty values are ignored (an empty
//!   "other" box, a list's blank entry): [`normalize_answers`] drops them before the answer is
//!   stored. An identifier may be chosen once. An optional question left unanswered passes;
//!   otherwise the number of selections (the "other" text counting as one) must be within
//!   `MinSelectionCount`..=`MaxSelectionCount` (both default to 1, as the spec says).
//! * **FileUploadAnswer**: the answer is the uploaded file, given here as its two values
//!   `[size_in_bytes, file_key]` (the service adds them when it takes the upload; a worker's own
//!   values for a file question are refused before this check). Its size must be within
//!   `MinFileSizeInBytes..=MaxFileSizeInBytes`; a required one needs a file.
//! * Fields that name no question are not checked here (they are stored as free text).

use std::collections::HashMap;

use serde::{Deserialize, Serialize};

use super::form::{
    AnswerSpecification, FileUploadAnswer, FreeTextAnswer, IsNumeric, LengthConstraint, QuestionForm, SelectionAnswer,
};

/// Compiled-program size limit for one `AnswerFormatRegex` (bytes), and the lazy DFA's cache
/// limit. Requesters supply the patterns, so both are bounded; a larger pattern is not enforced.
pub const REGEX_SIZE_LIMIT: usize = 1 << 20;
/// Nesting limit of an `AnswerFormatRegex` pattern.
const REGEX_NEST_LIMIT: u32 = 64;
/// The message MTurk shows when an `AnswerFormatRegex` without `errorText` fails.
pub const DEFAULT_REGEX_ERROR: &str = "Invalid input supplied.";

/// One question's failed check: which question, and a message for the worker, written to be
/// shown next to the field.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AnswerError {
    /// The question's `QuestionIdentifier` (the form field's name).
    pub question_identifier: String,
    pub message: String,
}

impl std::fmt::Display for AnswerError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.question_identifier, self.message)
    }
}

/// Checks submitted answers (field name → values; a name may repeat, its values then count
/// together) against every question of `form`, in document order. `Ok` when all pass;
/// otherwise one [`AnswerError`] per failing question (the first failing check of each).
pub fn check_answers(form: &QuestionForm, answers: &[(String, Vec<String>)]) -> Result<(), Vec<AnswerError>> {
    let mut by_name: HashMap<&str, Vec<&str>> = HashMap::new();
    for (name, values) in answers {
        by_name.entry(name.as_str()).or_default().extend(values.iter().map(String::as_str));
    }
    let mut errors = Vec::new();
    for q in form.questions() {
        let values = by_name.get(q.identifier.as_str()).map(Vec::as_slice).unwrap_or(&[]);
        let required = q.is_effectively_required();
        let result = match &q.answer {
            AnswerSpecification::FreeText(spec) => check_free_text_field(spec, values, required),
            AnswerSpecification::Selection(spec) => check_selection(spec, values, required),
            AnswerSpecification::FileUpload(spec) => check_file_upload(spec, values, required),
        };
        if let Err(message) = result {
            errors.push(AnswerError { question_identifier: q.identifier.clone(), message });
        }
    }
    if errors.is_empty() {
        Ok(())
    } else {
        Err(errors)
    }
}

/// The answers as they are stored: for the form's selection questions, empty values (an
/// untouched "other" box, a list's blank entry) are dropped, so that they are neither a
/// selection nor an "other" text. Everything else is kept as given.
pub fn normalize_answers(form: &QuestionForm, answers: &[(String, Vec<String>)]) -> Vec<(String, Vec<String>)> {
    answers
        .iter()
        .map(|(name, values)| {
            let selection = matches!(form.question(name).map(|q| &q.answer), Some(AnswerSpecification::Selection(_)));
            let values = if selection {
                values.iter().filter(|v| !v.trim().is_empty()).cloned().collect()
            } else {
                values.clone()
            };
            (name.clone(), values)
        })
        .collect()
}

fn check_free_text_field(spec: &FreeTextAnswer, values: &[&str], required: bool) -> Result<(), String> {
    let value = match values {
        [] => "",
        [one] => one,
        many => return Err(format!("Give one answer; {} were given.", many.len())),
    };
    if value.is_empty() && required {
        return Err("An answer is required.".into());
    }
    check_free_text(spec, value)
}

/// Checks one free-text value against a `FreeTextAnswer`'s constraints (`Length`, `IsNumeric`
/// only when the value is not empty; every `AnswerFormatRegex` always).
pub fn check_free_text(spec: &FreeTextAnswer, value: &str) -> Result<(), String> {
    let Some(c) = &spec.constraints else { return Ok(()) };
    if !value.is_empty() {
        if let Some(len) = &c.length {
            check_length(len, value)?;
        }
        if let Some(num) = &c.is_numeric {
            check_numeric(num, value)?;
        }
    }
    for r in &c.answer_format_regex {
        if let Some(re) = compile(&r.regex, r.flags.as_deref() == Some("i")) {
            if !re.is_match(value) {
                return Err(r.error_text.clone().unwrap_or_else(|| DEFAULT_REGEX_ERROR.to_string()));
            }
        }
    }
    Ok(())
}

fn plural(n: u64, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

fn check_length(len: &LengthConstraint, value: &str) -> Result<(), String> {
    let n = value.chars().count() as u64;
    let given = plural(n, "character", "characters");
    match (len.min_length, len.max_length) {
        (Some(min), Some(max)) if min == max && n != u64::from(min) => {
            Err(format!("Enter exactly {} ({given} given).", plural(min.into(), "character", "characters")))
        }
        (Some(min), _) if n < u64::from(min) => {
            Err(format!("Enter at least {} ({given} given).", plural(min.into(), "character", "characters")))
        }
        (_, Some(max)) if n > u64::from(max) => {
            Err(format!("Enter at most {} ({given} given).", plural(max.into(), "character", "characters")))
        }
        _ => Ok(()),
    }
}

/// Parses a decimal number: optional sign, digits, optional fraction; no exponent.
fn parse_number(s: &str) -> Option<f64> {
    let t = s.trim();
    let body = t.strip_prefix(['+', '-']).unwrap_or(t);
    let (int, frac) = body.split_once('.').unwrap_or((body, ""));
    let digits = |p: &str| p.bytes().all(|b| b.is_ascii_digit());
    if int.is_empty() && frac.is_empty() || !digits(int) || !digits(frac) {
        return None;
    }
    t.parse::<f64>().ok()
}

fn check_numeric(num: &IsNumeric, value: &str) -> Result<(), String> {
    let range = match (num.min_value, num.max_value) {
        (Some(a), Some(b)) => format!(" from {a} to {b}"),
        (Some(a), None) => format!(" of at least {a}"),
        (None, Some(b)) => format!(" of at most {b}"),
        (None, None) => String::new(),
    };
    let Some(x) = parse_number(value) else {
        return Err(format!("Enter a number{range}."));
    };
    let below = num.min_value.is_some_and(|m| x < f64::from(m));
    let above = num.max_value.is_some_and(|m| x > f64::from(m));
    if below || above {
        return Err(format!("Enter a number{range}."));
    }
    Ok(())
}

/// Compiles a requester's pattern under the size limits; `None` when it cannot be compiled
/// (a JavaScript-only feature, or too large): such a pattern is not enforced.
fn compile(pattern: &str, ignore_case: bool) -> Option<regex::Regex> {
    regex::RegexBuilder::new(pattern)
        .case_insensitive(ignore_case)
        .size_limit(REGEX_SIZE_LIMIT)
        .dfa_size_limit(REGEX_SIZE_LIMIT)
        .nest_limit(REGEX_NEST_LIMIT)
        .build()
        .ok()
}

/// Does the server enforce this `AnswerFormatRegex` pattern (see the module documentation)?
pub fn regex_is_enforced(pattern: &str, ignore_case: bool) -> bool {
    compile(pattern, ignore_case).is_some()
}

fn check_selection(spec: &SelectionAnswer, values: &[&str], required: bool) -> Result<(), String> {
    let mut chosen: Vec<&str> = Vec::new();
    let mut other: Option<&str> = None;
    for v in values.iter().copied().filter(|v| !v.trim().is_empty()) {
        if spec.has_selection(v) {
            if chosen.contains(&v) {
                return Err(format!("\"{v}\" is selected more than once."));
            }
            chosen.push(v);
        } else if spec.other_selection.is_none() {
            return Err(format!("\"{v}\" is not one of the choices."));
        } else if other.is_some() {
            return Err(format!("Give at most one other answer; \"{v}\" is not one of the choices."));
        } else {
            other = Some(v);
        }
    }
    if let (Some(text), Some(other_spec)) = (other, &spec.other_selection) {
        check_free_text(other_spec, text).map_err(|m| format!("Other: {m}"))?;
    }
    let count = chosen.len() + usize::from(other.is_some());
    if count == 0 {
        return if required { Err("Select an answer.".into()) } else { Ok(()) };
    }
    let (min, max) = (spec.min_selections() as usize, spec.max_selections() as usize);
    if count < min {
        return Err(format!("Select at least {} ({} selected).", plural(min as u64, "choice", "choices"), count));
    }
    if count > max {
        return Err(format!("Select at most {} ({} selected).", plural(max as u64, "choice", "choices"), count));
    }
    Ok(())
}

fn check_file_upload(spec: &FileUploadAnswer, values: &[&str], required: bool) -> Result<(), String> {
    let size = match values {
        [] => return if required { Err("Upload a file.".into()) } else { Ok(()) },
        [size, key] if !key.is_empty() => {
            size.parse::<u64>().map_err(|_| "Upload a file as the answer.".to_string())?
        }
        _ => return Err("Upload a file as the answer; text cannot answer this question.".into()),
    };
    let bytes = |n: u64| plural(n, "byte", "bytes");
    if size < spec.min_file_size_in_bytes {
        return Err(format!(
            "The file must be at least {} ({} given); upload a different file.",
            bytes(spec.min_file_size_in_bytes),
            bytes(size)
        ));
    }
    if size > spec.max_file_size_in_bytes {
        return Err(format!(
            "The file must be at most {} ({} given); upload a different file.",
            bytes(spec.max_file_size_in_bytes),
            bytes(size)
        ));
    }
    Ok(())
}

#[cfg(test)]
#[path = "constraints_tests.rs"]
mod tests;
