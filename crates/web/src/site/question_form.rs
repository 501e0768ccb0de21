//! Renders a parsed `QuestionForm` as an accessible HTML form body, built natively from the
//! document (no requester HTML or script runs on the site).
//!
//! [`render_question_form`] returns the *inside* of a `<form>`: the work page wraps it in its
//! own `<form method="post">` with its CSRF token, assignment ID and submit button. Every
//! answer control is named by its question's `QuestionIdentifier`, so the posted fields, passed
//! through [`answers_from_fields`], are exactly the answers `Service::submit` expects (a
//! multi-select posts one value per selection; the "other" text box posts under the same
//! name, and an empty one is ignored). `Service::submit` checks the constraints; its
//! `Error::InvalidAnswers` carries the per-question messages to render again next to their
//! fields, with the worker's input kept.
//!
//! Accessibility: each question is a `<fieldset>` whose `<legend>` is its `DisplayName` (or
//! "Question N"), with "(required)" when it is; every control has a `<label>`; hints, the
//! question's content and errors are tied to the controls with `aria-describedby`; failing
//! controls get `aria-invalid`; a summary at the top (`role="alert"`) links to each failing
//! field. Nothing here uses inline script or style (the site's CSP forbids both).
//!
//! Escaping: every text and attribute value goes through [`escape_html_into`];
//! `FormattedContent` is re-serialized from its sanitized tree by
//! [`FormattedContent::to_html`]. Element IDs are positional (`qf-3`, `qf-3-2`, …), never
//! derived from requester-chosen identifiers.
//!
//! `Binary` content (image, audio, video by MIME type) loads from the requester's http(s) URL:
//! the page that embeds the form must allow those origins in `img-src`/`media-src`.

use std::collections::HashMap;
use std::fmt::Write as _;

use openturk_domain::question::{
    escape_html_into, AnswerError, AnswerSpecification, Application, Binary, Content, FileUploadAnswer, FreeTextAnswer,
    MediaType, Question, QuestionForm, SelectionAnswer, SelectionContent, StyleSuggestion,
};

/// Most rows a `<textarea>` gets from `NumberOfLinesSuggestion`.
const MAX_ROWS: u32 = 30;
/// Most rows a list box shows at once.
const MAX_LIST_SIZE: usize = 10;

/// Renders `form`'s overviews and questions as form controls.
///
/// * `values`: the fields the worker submitted (field name → values), shown again after a
///   failed check; `None` on first display, when `DefaultText`s are shown instead.
/// * `errors`: the per-question messages of a failed check (`Error::InvalidAnswers`).
/// * `max_file_bytes`: the server's bound on one file (`[blobs] max_file_bytes`); a file
///   question's stated maximum is the lower of it and the question's.
pub fn render_question_form(
    form: &QuestionForm,
    values: Option<&[(String, Vec<String>)]>,
    errors: &[AnswerError],
    max_file_bytes: u64,
) -> String {
    let mut values_by_name: HashMap<&str, Vec<&str>> = HashMap::new();
    for (name, vs) in values.unwrap_or(&[]) {
        values_by_name.entry(name.as_str()).or_default().extend(vs.iter().map(String::as_str));
    }
    let r = Renderer {
        errors: errors.iter().map(|e| (e.question_identifier.as_str(), e.message.as_str())).collect(),
        values: values.map(|_| values_by_name),
        max_file_bytes,
    };
    let mut out = String::with_capacity(4096);
    out.push_str("<div class=\"qf\">");
    r.error_summary(form, errors, &mut out);
    let mut n = 0;
    for item in &form.items {
        match item {
            openturk_domain::question::FormItem::Overview(content) => {
                out.push_str("<section class=\"qf-overview\">");
                content_items(content, &mut out);
                out.push_str("</section>");
            }
            openturk_domain::question::FormItem::Question(q) => {
                n += 1;
                r.question(q, n, &mut out);
            }
        }
    }
    out.push_str("</div>");
    out
}

/// The answers in posted form fields: for each question of `form`, in document order, the
/// values posted under its identifier (an empty list when none were, e.g. no box ticked).
/// Other fields (the CSRF token, `assignmentId`, …) are left out.
pub fn answers_from_fields(form: &QuestionForm, fields: &[(String, String)]) -> Vec<(String, Vec<String>)> {
    let mut by_name: HashMap<&str, Vec<String>> =
        form.questions().map(|q| (q.identifier.as_str(), Vec::new())).collect();
    for (name, value) in fields {
        if let Some(vs) = by_name.get_mut(name.as_str()) {
            vs.push(value.clone());
        }
    }
    form.questions()
        .map(|q| (q.identifier.clone(), by_name.remove(q.identifier.as_str()).unwrap_or_default()))
        .collect()
}

struct Renderer<'a> {
    errors: HashMap<&'a str, &'a str>,
    /// `None`: first display (defaults apply).
    values: Option<HashMap<&'a str, Vec<&'a str>>>,
    /// The server's bound on one file.
    max_file_bytes: u64,
}

fn esc(s: &str, out: &mut String) {
    escape_html_into(s, out);
}

fn legend_text(q: &Question, n: usize) -> String {
    q.display_name.clone().unwrap_or_else(|| format!("Question {n}"))
}

impl Renderer<'_> {
    fn error_summary(&self, form: &QuestionForm, errors: &[AnswerError], out: &mut String) {
        if errors.is_empty() {
            return;
        }
        out.push_str("<div class=\"error qf-summary\" role=\"alert\"><p>");
        out.push_str(if errors.len() == 1 {
            "One answer needs your attention:"
        } else {
            "Some answers need your attention:"
        });
        out.push_str("</p><ul>");
        for (n, q) in form.questions().enumerate() {
            if let Some(msg) = self.errors.get(q.identifier.as_str()) {
                let _ = write!(out, "<li><a href=\"#qf-{}-first\">", n + 1);
                esc(&legend_text(q, n + 1), out);
                out.push_str("</a>: ");
                esc(msg, out);
                out.push_str("</li>");
            }
        }
        out.push_str("</ul></div>");
    }

    /// The submitted values of a question (after a failed check), or `None` on first display.
    fn submitted(&self, id: &str) -> Option<Vec<&str>> {
        self.values.as_ref().map(|v| v.get(id).cloned().unwrap_or_default())
    }

    fn question(&self, q: &Question, n: usize, out: &mut String) {
        let error = self.errors.get(q.identifier.as_str()).copied();
        let required = q.is_effectively_required();
        let _ = write!(out, "<fieldset class=\"qf-question{}\">", if error.is_some() { " qf-invalid" } else { "" });
        out.push_str("<legend>");
        esc(&legend_text(q, n), out);
        if required {
            out.push_str(" <span class=\"qf-required\">(required)</span>");
        }
        out.push_str("</legend>");
        let _ = write!(out, "<div class=\"qf-content\" id=\"qf-{n}-content\">");
        content_items(&q.content, out);
        out.push_str("</div>");
        let mut described = format!("qf-{n}-content");
        if let Some(msg) = error {
            let _ = write!(out, "<p class=\"error qf-error\" id=\"qf-{n}-error\">");
            esc(msg, out);
            out.push_str("</p>");
            described.push_str(&format!(" qf-{n}-error"));
        }
        let c = Control { n, name: &q.identifier, described, invalid: error.is_some(), required };
        match &q.answer {
            AnswerSpecification::FreeText(spec) => {
                let value = match self.submitted(&q.identifier) {
                    Some(vs) => vs.first().copied().unwrap_or("").to_string(),
                    None => spec.default_text.clone().unwrap_or_default(),
                };
                free_text(&c, spec, "first", "Your answer", &value, required, out);
            }
            AnswerSpecification::Selection(spec) => self.selection(&c, spec, out),
            AnswerSpecification::FileUpload(spec) => self.file_upload(&c, spec, out),
        }
        out.push_str("</fieldset>");
    }

    /// A file input. The form posts `multipart/form-data` (the work page sets it when a form
    /// has one); the size range is said in a hint and checked by the service. A browser does not
    /// keep a chosen file across a failed submit, so the hint then asks for it again. The
    /// maximum (the question's, or the server's bound if lower) is also in `data-max-bytes`, for
    /// the work page's script to stop a file too big before it is sent (`assets/work.js`).
    fn file_upload(&self, c: &Control<'_>, spec: &FileUploadAnswer, out: &mut String) {
        let max = spec.max_file_size_in_bytes.min(self.max_file_bytes);
        let hint = match (spec.min_file_size_in_bytes, max) {
            (0, max) => format!("A file of at most {} bytes.", group_digits(max)),
            (min, max) => format!("A file of {} to {} bytes.", group_digits(min), group_digits(max)),
        };
        let again = if self.values.is_some() {
            " Choose your file again: it is not kept when the form comes back."
        } else {
            ""
        };
        let _ = write!(out, "<p class=\"hint\" id=\"qf-{}-hint\">", c.n);
        esc(&hint, out);
        esc(again, out);
        out.push_str("</p>");
        let described = format!("{} qf-{}-hint", c.described, c.n);
        let _ = write!(out, "<label class=\"qf-label\" for=\"qf-{}-first\">Your file</label>", c.n);
        let _ = write!(out, "<input type=\"file\" id=\"qf-{}-first\" name=\"", c.n);
        esc(c.name, out);
        out.push('"');
        let _ = write!(out, " data-max-bytes=\"{max}\"");
        if c.required {
            out.push_str(" required");
        }
        c.aria(&described, out);
        out.push('>');
    }

    fn selection(&self, c: &Control<'_>, spec: &SelectionAnswer, out: &mut String) {
        let submitted = self.submitted(c.name);
        let chosen: Vec<&str> = submitted.as_deref().unwrap_or(&[]).to_vec();
        let other_value = match &submitted {
            Some(vs) => vs.iter().find(|v| !v.is_empty() && !spec.has_selection(v)).copied().unwrap_or("").to_string(),
            None => spec.other_selection.as_ref().and_then(|o| o.default_text.clone()).unwrap_or_default(),
        };
        let multiple = spec.max_selections() > 1;
        let all_text = spec.selections.iter().all(|s| matches!(s.content, SelectionContent::Text(_)));
        // A select box shows text only: with images or formatted choices, use buttons instead
        // (the spec allows a field to differ from its StyleSuggestion).
        let style = match spec.style_suggestion {
            Some(s @ (StyleSuggestion::Radiobutton | StyleSuggestion::Checkbox)) => s,
            Some(s) if all_text => s,
            _ if multiple => StyleSuggestion::Checkbox,
            _ => StyleSuggestion::Radiobutton,
        };
        // With an "other" box, the question can be answered by typing alone.
        let required = c.required && spec.other_selection.is_none();
        let buttons =
            matches!(style, StyleSuggestion::Radiobutton | StyleSuggestion::Checkbox | StyleSuggestion::Multichooser);
        let single = style == StyleSuggestion::Radiobutton || (!buttons && !multiple);
        let hint = match (spec.min_selections(), spec.max_selections()) {
            _ if single => None,
            (min, max) if min == max => Some(format!("Choose {min}.")),
            (0 | 1, max) => Some(format!("Choose up to {max}.")),
            (min, max) => Some(format!("Choose from {min} to {max}.")),
        };
        let mut described = c.described.clone();
        if let Some(h) = hint {
            let _ = write!(out, "<p class=\"hint\" id=\"qf-{}-hint\">", c.n);
            esc(&h, out);
            out.push_str("</p>");
            described.push_str(&format!(" qf-{}-hint", c.n));
        }
        match buttons {
            true => {
                let kind = if style == StyleSuggestion::Radiobutton { "radio" } else { "checkbox" };
                let _ = write!(out, "<div class=\"qf-choices qf-{}\">", style.as_str());
                for (i, s) in spec.selections.iter().enumerate() {
                    let id = if i == 0 { format!("qf-{}-first", c.n) } else { format!("qf-{}-{}", c.n, i + 1) };
                    let _ = write!(out, "<div class=\"qf-choice\"><input type=\"{kind}\" id=\"{id}\" name=\"");
                    esc(c.name, out);
                    out.push_str("\" value=\"");
                    esc(&s.identifier, out);
                    out.push('"');
                    if chosen.contains(&s.identifier.as_str()) {
                        out.push_str(" checked");
                    }
                    if required && kind == "radio" {
                        out.push_str(" required");
                    }
                    c.aria(&described, out);
                    let _ = write!(out, "><label for=\"{id}\">");
                    selection_content(&s.content, out);
                    out.push_str("</label></div>");
                }
                out.push_str("</div>");
            }
            false => {
                // list, dropdown and combobox of text choices: a select box.
                let placeholder = !multiple && matches!(style, StyleSuggestion::Dropdown | StyleSuggestion::Combobox);
                let size = if placeholder { 1 } else { spec.selections.len().clamp(2, MAX_LIST_SIZE) };
                let _ = write!(
                    out,
                    "<label class=\"qf-label\" for=\"qf-{}-first\">{}</label><select class=\"qf-{}\" id=\"qf-{}-first\" name=\"",
                    c.n,
                    if multiple { "Your choices" } else { "Your choice" },
                    style.as_str(),
                    c.n
                );
                esc(c.name, out);
                out.push('"');
                if multiple {
                    out.push_str(" multiple");
                }
                if size > 1 {
                    let _ = write!(out, " size=\"{size}\"");
                }
                if required {
                    out.push_str(" required");
                }
                c.aria(&described, out);
                out.push('>');
                if placeholder {
                    out.push_str("<option value=\"\">Choose…</option>");
                }
                for s in &spec.selections {
                    out.push_str("<option value=\"");
                    esc(&s.identifier, out);
                    out.push('"');
                    if chosen.contains(&s.identifier.as_str()) {
                        out.push_str(" selected");
                    }
                    out.push('>');
                    if let SelectionContent::Text(t) = &s.content {
                        esc(t, out);
                    }
                    out.push_str("</option>");
                }
                out.push_str("</select>");
            }
        }
        if let Some(other) = &spec.other_selection {
            let oc = Control { described, ..c.clone() };
            free_text(&oc, other, "other", "Other (type your own answer)", &other_value, false, out);
        }
    }
}

/// What the controls of one question share.
#[derive(Clone)]
struct Control<'a> {
    /// The question's position (1-based), for element IDs.
    n: usize,
    /// The field name: the `QuestionIdentifier`.
    name: &'a str,
    /// IDs for `aria-describedby`.
    described: String,
    invalid: bool,
    required: bool,
}

impl Control<'_> {
    fn aria(&self, described: &str, out: &mut String) {
        let _ = write!(out, " aria-describedby=\"{described}\"");
        if self.invalid {
            out.push_str(" aria-invalid=\"true\"");
        }
    }
}

/// A text box (or a textarea, by `NumberOfLinesSuggestion`) with its label and a hint that says
/// the constraints the browser cannot check itself.
fn free_text(
    c: &Control<'_>,
    spec: &FreeTextAnswer,
    suffix: &str,
    label: &str,
    value: &str,
    required: bool,
    out: &mut String,
) {
    let id = format!("qf-{}-{suffix}", c.n);
    let cons = spec.constraints.as_ref();
    let length = cons.and_then(|c| c.length.as_ref());
    let numeric = cons.and_then(|c| c.is_numeric.as_ref());
    let mut hints = Vec::new();
    if let Some(num) = numeric {
        hints.push(match (num.min_value, num.max_value) {
            (Some(a), Some(b)) => format!("A number from {a} to {b}."),
            (Some(a), None) => format!("A number of at least {a}."),
            (None, Some(b)) => format!("A number of at most {b}."),
            (None, None) => "A number.".to_string(),
        });
    }
    if let Some(l) = length {
        match (l.min_length, l.max_length) {
            (Some(a), Some(b)) if a == b => hints.push(format!("Exactly {a} characters.")),
            (Some(a), Some(b)) if a > 0 => hints.push(format!("{a} to {b} characters.")),
            (_, Some(b)) => hints.push(format!("At most {b} characters.")),
            (Some(a), None) if a > 1 => hints.push(format!("At least {a} characters.")),
            _ => {}
        }
    }
    let mut described = c.described.clone();
    let _ = write!(out, "<label class=\"qf-label\" for=\"{id}\">");
    esc(label, out);
    out.push_str("</label>");
    if !hints.is_empty() {
        let _ = write!(out, "<p class=\"hint\" id=\"{id}-hint\">");
        esc(&hints.join(" "), out);
        out.push_str("</p>");
        described.push_str(&format!(" {id}-hint"));
    }
    let lines = spec.number_of_lines_suggestion.unwrap_or(1).min(MAX_ROWS);
    if lines > 1 {
        let _ = write!(out, "<textarea id=\"{id}\" rows=\"{lines}\" name=\"");
    } else {
        let _ = write!(out, "<input type=\"text\" id=\"{id}\" name=\"");
    }
    esc(c.name, out);
    out.push('"');
    if required {
        out.push_str(" required");
    }
    if let Some(l) = length {
        if let Some(a) = l.min_length.filter(|a| *a > 0) {
            let _ = write!(out, " minlength=\"{a}\"");
        }
        if let Some(b) = l.max_length {
            let _ = write!(out, " maxlength=\"{b}\"");
        }
    }
    if numeric.is_some() {
        out.push_str(" inputmode=\"decimal\"");
    }
    c.aria(&described, out);
    if lines > 1 {
        out.push('>');
        // A newline right after <textarea> is dropped by the parser: keep a leading one.
        if value.starts_with('\n') {
            out.push('\n');
        }
        esc(value, out);
        out.push_str("</textarea>");
    } else {
        out.push_str(" value=\"");
        esc(value, out);
        out.push_str("\">");
    }
}

/// `Overview` / `QuestionContent` items.
fn content_items(items: &[Content], out: &mut String) {
    for item in items {
        match item {
            Content::Title(t) => {
                out.push_str("<h3 class=\"qf-title\">");
                esc(t, out);
                out.push_str("</h3>");
            }
            Content::Text(t) => {
                out.push_str("<p class=\"qf-text\">");
                esc(t, out);
                out.push_str("</p>");
            }
            Content::List(items) => {
                out.push_str("<ul class=\"qf-list\">");
                for i in items {
                    out.push_str("<li>");
                    esc(i, out);
                    out.push_str("</li>");
                }
                out.push_str("</ul>");
            }
            Content::FormattedContent(f) => {
                out.push_str("<div class=\"qf-formatted\">");
                out.push_str(&f.to_html());
                out.push_str("</div>");
            }
            Content::Binary(b) => binary(b.mime_type.media_type, &b.data_url, &b.alt_text, out),
            Content::EmbeddedBinary(b) => binary(b.mime_type.media_type, &b.data_url, &b.alt_text, out),
            Content::Application(app) => {
                let what = match app {
                    Application::JavaApplet(_) => "a Java applet",
                    Application::Flash(_) => "a Flash movie",
                };
                let _ = write!(
                    out,
                    "<p class=\"qf-note\">This item ({what}) cannot be shown: browsers no longer run it.</p>"
                );
            }
        }
    }
}

fn selection_content(content: &SelectionContent, out: &mut String) {
    match content {
        SelectionContent::Text(t) => esc(t, out),
        SelectionContent::FormattedContent(f) => {
            out.push_str("<span class=\"qf-formatted\">");
            out.push_str(&f.to_html());
            out.push_str("</span>");
        }
        SelectionContent::Binary(Binary { mime_type, data_url, alt_text }) => {
            binary(mime_type.media_type, data_url, alt_text, out)
        }
    }
}

/// An image, audio or video item by its MIME type, with its alternative text; audio and video
/// also get a link to the file, whose text is the alternative text.
fn binary(media: MediaType, url: &str, alt: &str, out: &mut String) {
    let src = |out: &mut String| {
        out.push_str(" src=\"");
        esc(url, out);
        out.push('"');
    };
    match media {
        MediaType::Image => {
            out.push_str("<img class=\"qf-media\"");
            src(out);
            out.push_str(" alt=\"");
            esc(alt, out);
            out.push_str("\" referrerpolicy=\"no-referrer\">");
        }
        MediaType::Audio | MediaType::Video => {
            let tag = if media == MediaType::Audio { "audio" } else { "video" };
            let _ =
                write!(out, "<span class=\"qf-media-item\"><{tag} class=\"qf-media\" controls preload=\"metadata\"");
            src(out);
            out.push_str(" aria-label=\"");
            esc(alt, out);
            let _ = write!(out, "\"></{tag}> <a href=\"");
            esc(url, out);
            out.push_str("\" rel=\"noopener noreferrer\" target=\"_blank\">");
            esc(if alt.trim().is_empty() { url } else { alt }, out);
            out.push_str("</a></span>");
        }
    }
}

#[cfg(test)]
#[path = "question_form_tests.rs"]
mod tests;

/// `3000000` as `3,000,000`.
fn group_digits(n: u64) -> String {
    let s = n.to_string();
    let mut out = String::with_capacity(s.len() + s.len() / 3);
    for (i, ch) in s.chars().enumerate() {
        if i > 0 && (s.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(ch);
    }
    out
}
