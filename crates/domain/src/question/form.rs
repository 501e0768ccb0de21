//! `QuestionForm`: types and validation (API Reference 2017-01-17, "QuestionForm").

use std::collections::HashMap;

use serde::{Deserialize, Serialize};

use super::formatted::{parse_formatted_element, FormattedContent};
use super::schema::{child_path, parse_boolean, parse_bounded, slot, Ctx, UNBOUNDED};
use super::xml::Element;
use super::{AnswerKind, QuestionError, QUESTION_FORM_NAMESPACE_2005, QUESTION_FORM_NAMESPACE_2017};

/// Largest allowed `MaxFileSizeInBytes` / `MinFileSizeInBytes` (2 billion bytes).
pub const MAX_FILE_SIZE_IN_BYTES: u64 = 2_000_000_000;

/// Which `QuestionForm` schema version the document declared.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum QuestionFormSchema {
    /// 2005-10-01: the original schema, with `Application` and `FileUploadAnswer`.
    #[serde(rename = "2005-10-01")]
    V2005_10_01,
    /// 2017-11-06: `Application` and `FileUploadAnswer` removed.
    #[serde(rename = "2017-11-06")]
    V2017_11_06,
}

impl QuestionFormSchema {
    /// The namespace URL of this schema version.
    pub fn namespace(self) -> &'static str {
        match self {
            QuestionFormSchema::V2005_10_01 => QUESTION_FORM_NAMESPACE_2005,
            QuestionFormSchema::V2017_11_06 => QUESTION_FORM_NAMESPACE_2017,
        }
    }
}

/// A `QuestionForm`: `Overview` and `Question` elements, in document order.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct QuestionForm {
    pub schema: QuestionFormSchema,
    /// At least one item is a `Question`.
    pub items: Vec<FormItem>,
}

impl QuestionForm {
    /// The questions, in document order.
    pub fn questions(&self) -> impl Iterator<Item = &Question> {
        self.items.iter().filter_map(|i| match i {
            FormItem::Question(q) => Some(q),
            FormItem::Overview(_) => None,
        })
    }

    /// The question with this `QuestionIdentifier`.
    pub fn question(&self, identifier: &str) -> Option<&Question> {
        self.questions().find(|q| q.identifier == identifier)
    }
}

/// One top-level element of a `QuestionForm`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum FormItem {
    /// `Overview`: informational content shown separately from the questions.
    Overview(Vec<Content>),
    Question(Question),
}

/// A `Question` element.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Question {
    /// `QuestionIdentifier`, with surrounding whitespace removed; unique within the form.
    pub identifier: String,
    pub display_name: Option<String>,
    /// `IsRequired` (default `false`).
    pub is_required: bool,
    /// `QuestionContent` (at least one item).
    pub content: Vec<Content>,
    pub answer: AnswerSpecification,
}

impl Question {
    /// `IsRequired`, or a free-text `Length minLength` greater than zero, which the spec says is
    /// "the same as if the IsRequired element is true".
    pub fn is_effectively_required(&self) -> bool {
        if self.is_required {
            return true;
        }
        match &self.answer {
            AnswerSpecification::FreeText(f) => {
                f.constraints.as_ref().and_then(|c| c.length.as_ref()).and_then(|l| l.min_length).is_some_and(|m| m > 0)
            }
            _ => false,
        }
    }
}

/// One item of an `Overview` or `QuestionContent`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum Content {
    /// `Title`: a heading (plain text).
    Title(String),
    /// `Text`: a paragraph of plain text (HTML is shown verbatim, not interpreted).
    Text(String),
    /// `List`: bulleted `ListItem`s (at least one).
    List(Vec<String>),
    Binary(Binary),
    /// Deprecated; only in the 2005-10-01 schema.
    Application(Application),
    EmbeddedBinary(EmbeddedBinary),
    FormattedContent(FormattedContent),
}

/// `MimeType/Type`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum MediaType {
    Image,
    Audio,
    Video,
}

impl MediaType {
    pub fn as_str(self) -> &'static str {
        match self {
            MediaType::Image => "image",
            MediaType::Audio => "audio",
            MediaType::Video => "video",
        }
    }
}

/// `MimeType` / `EmbeddedMimeType`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MimeType {
    pub media_type: MediaType,
    /// `SubType`, e.g. `gif`.
    pub sub_type: Option<String>,
}

/// `Binary`: an image, audio or video item.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Binary {
    pub mime_type: MimeType,
    /// `DataURL`: an absolute http(s) URL.
    pub data_url: String,
    pub alt_text: String,
}

/// `Application` (deprecated): a Java applet or a Flash movie.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum Application {
    JavaApplet(JavaApplet),
    Flash(Flash),
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct JavaApplet {
    /// `AppletPath`: absolute http(s) URL of the directory holding the classes.
    pub applet_path: String,
    pub applet_filename: String,
    pub width: String,
    pub height: String,
    pub parameters: Vec<ApplicationParameter>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Flash {
    /// `FlashMovieURL`: absolute http(s) URL.
    pub flash_movie_url: String,
    pub width: String,
    pub height: String,
    pub parameters: Vec<ApplicationParameter>,
}

/// `ApplicationParameter`: `Name` and `Value`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApplicationParameter {
    pub name: String,
    pub value: String,
}

/// `EmbeddedBinary`: an object displayed inside the page.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EmbeddedBinary {
    pub mime_type: MimeType,
    pub data_url: String,
    pub alt_text: String,
    pub width: String,
    pub height: String,
    pub parameters: Vec<ApplicationParameter>,
}

/// `AnswerSpecification`: exactly one answer type.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum AnswerSpecification {
    FreeText(FreeTextAnswer),
    Selection(SelectionAnswer),
    /// Deprecated; only in the 2005-10-01 schema.
    FileUpload(FileUploadAnswer),
}

impl AnswerSpecification {
    pub fn kind(&self) -> AnswerKind {
        match self {
            AnswerSpecification::FreeText(_) => AnswerKind::FreeText,
            AnswerSpecification::Selection(_) => AnswerKind::Selection,
            AnswerSpecification::FileUpload(_) => AnswerKind::FileUpload,
        }
    }
}

/// `FreeTextAnswer` (also the content of `OtherSelection`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct FreeTextAnswer {
    pub constraints: Option<Constraints>,
    /// `DefaultText`: pre-filled, accepted as the answer if unchanged.
    pub default_text: Option<String>,
    /// `NumberOfLinesSuggestion` (positive; default 1).
    pub number_of_lines_suggestion: Option<u32>,
}

/// `Constraints` of a free-text field.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Constraints {
    pub is_numeric: Option<IsNumeric>,
    pub length: Option<LengthConstraint>,
    /// All must match (checked by JavaScript in the worker's browser).
    pub answer_format_regex: Vec<AnswerFormatRegex>,
}

/// `IsNumeric minValue=".." maxValue=".."` (`xs:int`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct IsNumeric {
    pub min_value: Option<i32>,
    pub max_value: Option<i32>,
}

/// `Length minLength=".." maxLength=".."` (characters, whitespace included).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct LengthConstraint {
    pub min_length: Option<u32>,
    pub max_length: Option<u32>,
}

/// `AnswerFormatRegex regex=".." errorText=".." flags="i"`. The regex is a JavaScript regular
/// expression evaluated in the worker's browser; it is stored as given.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AnswerFormatRegex {
    pub regex: String,
    /// Shown when the regex does not match; default "Invalid input supplied.".
    pub error_text: Option<String>,
    /// Only `i` (ignore case) is allowed.
    pub flags: Option<String>,
}

/// `SelectionAnswer`: a multiple-choice field.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SelectionAnswer {
    /// `MinSelectionCount` as given (default 1).
    pub min_selection_count: Option<u32>,
    /// `MaxSelectionCount` as given (default 1).
    pub max_selection_count: Option<u32>,
    pub style_suggestion: Option<StyleSuggestion>,
    /// At least one; identifiers unique.
    pub selections: Vec<Selection>,
    /// `OtherSelection`: a free-text field for an answer not in the list.
    pub other_selection: Option<FreeTextAnswer>,
}

impl SelectionAnswer {
    /// `MinSelectionCount`, defaulting to 1.
    pub fn min_selections(&self) -> u32 {
        self.min_selection_count.unwrap_or(1)
    }

    /// `MaxSelectionCount`, defaulting to 1.
    pub fn max_selections(&self) -> u32 {
        self.max_selection_count.unwrap_or(1)
    }

    /// Does `id` name one of the selections?
    pub fn has_selection(&self, id: &str) -> bool {
        self.selections.iter().any(|s| s.identifier == id)
    }
}

/// `StyleSuggestion`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum StyleSuggestion {
    /// Single choice (requires `MaxSelectionCount` 1).
    Radiobutton,
    Checkbox,
    List,
    /// Single choice (requires `MaxSelectionCount` 1).
    Dropdown,
    Combobox,
    Multichooser,
}

impl StyleSuggestion {
    pub fn as_str(self) -> &'static str {
        match self {
            StyleSuggestion::Radiobutton => "radiobutton",
            StyleSuggestion::Checkbox => "checkbox",
            StyleSuggestion::List => "list",
            StyleSuggestion::Dropdown => "dropdown",
            StyleSuggestion::Combobox => "combobox",
            StyleSuggestion::Multichooser => "multichooser",
        }
    }

    fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "radiobutton" => StyleSuggestion::Radiobutton,
            "checkbox" => StyleSuggestion::Checkbox,
            "list" => StyleSuggestion::List,
            "dropdown" => StyleSuggestion::Dropdown,
            "combobox" => StyleSuggestion::Combobox,
            "multichooser" => StyleSuggestion::Multichooser,
            _ => return None,
        })
    }

    /// Styles that let the worker pick at most one item.
    pub fn is_single_choice(self) -> bool {
        matches!(self, StyleSuggestion::Radiobutton | StyleSuggestion::Dropdown)
    }
}

/// One `Selection`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Selection {
    /// `SelectionIdentifier`, surrounding whitespace removed.
    pub identifier: String,
    pub content: SelectionContent,
}

/// What a `Selection` shows.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum SelectionContent {
    Text(String),
    FormattedContent(FormattedContent),
    Binary(Binary),
}

/// `FileUploadAnswer` (deprecated; 2005-10-01 schema only).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FileUploadAnswer {
    pub max_file_size_in_bytes: u64,
    pub min_file_size_in_bytes: u64,
}

// ---------------------------------------------------------------------------------------------
// Validation
// ---------------------------------------------------------------------------------------------

struct FormParser<'c, 'a> {
    ctx: &'c Ctx<'a>,
    schema: QuestionFormSchema,
}

pub(crate) fn parse_form(
    ctx: &Ctx<'_>,
    root: &Element,
    schema: QuestionFormSchema,
) -> Result<QuestionForm, QuestionError> {
    FormParser { ctx, schema }.form(root)
}

impl FormParser<'_, '_> {
    fn form(&self, root: &Element) -> Result<QuestionForm, QuestionError> {
        let path = "QuestionForm";
        let kids = self.ctx.elements(root, path, &[])?;
        let mut items = Vec::new();
        let (mut n_overview, mut n_question) = (0, 0);
        let mut seen: HashMap<String, usize> = HashMap::new();
        for kid in kids {
            match kid.name.as_str() {
                "Overview" => {
                    n_overview += 1;
                    let p = child_path(path, "Overview", Some(n_overview));
                    items.push(FormItem::Overview(self.content(kid, &p)?));
                }
                "Question" => {
                    n_question += 1;
                    let p = child_path(path, "Question", Some(n_question));
                    let (q, id_el) = self.question(kid, &p)?;
                    if let Some(first) = seen.get(&q.identifier) {
                        return Err(self.ctx.err(
                            &child_path(&p, "QuestionIdentifier", None),
                            id_el.pos,
                            format!(
                                "duplicate QuestionIdentifier \"{}\" (already used by Question[{first}]); identifiers must be unique within the form",
                                q.identifier
                            ),
                        ));
                    }
                    seen.insert(q.identifier.clone(), n_question);
                    items.push(FormItem::Question(q));
                }
                _ => {
                    return Err(self.ctx.err(
                        &child_path(path, &kid.name, None),
                        kid.pos,
                        format!(
                            "unexpected element <{}>; a QuestionForm contains only Overview and Question elements",
                            kid.name
                        ),
                    ))
                }
            }
        }
        if n_question == 0 {
            return Err(self.ctx.err(path, root.pos, "a QuestionForm must contain at least one Question element"));
        }
        Ok(QuestionForm { schema: self.schema, items })
    }

    fn question<'e>(&self, el: &'e Element, path: &str) -> Result<(Question, &'e Element), QuestionError> {
        let kids = self.ctx.elements(el, path, &[])?;
        let g = self.ctx.sequence(
            el,
            path,
            &kids,
            &[
                slot("QuestionIdentifier", 1, 1),
                slot("DisplayName", 0, 1),
                slot("IsRequired", 0, 1),
                slot("QuestionContent", 1, 1),
                slot("AnswerSpecification", 1, 1),
            ],
        )?;
        let id_el = g[0][0];
        let id_path = child_path(path, "QuestionIdentifier", None);
        let identifier = self.ctx.text_only(id_el, &id_path)?.trim().to_string();
        if identifier.is_empty() {
            return Err(self.ctx.err(&id_path, id_el.pos, "QuestionIdentifier must not be empty"));
        }
        let display_name = match g[1].first() {
            Some(e) => Some(self.ctx.text_only(e, &child_path(path, "DisplayName", None))?),
            None => None,
        };
        let is_required = match g[2].first() {
            Some(e) => {
                let p = child_path(path, "IsRequired", None);
                let t = self.ctx.text_only(e, &p)?;
                parse_boolean(&t).ok_or_else(|| {
                    self.ctx.err(&p, e.pos, format!("IsRequired must be true or false (got \"{}\")", t.trim()))
                })?
            }
            None => false,
        };
        let content = self.content(g[3][0], &child_path(path, "QuestionContent", None))?;
        let answer = self.answer_spec(g[4][0], &child_path(path, "AnswerSpecification", None))?;
        Ok((Question { identifier, display_name, is_required, content, answer }, id_el))
    }

    fn content_names(&self) -> &'static str {
        match self.schema {
            QuestionFormSchema::V2005_10_01 => {
                "Title, Text, List, Binary, Application, EmbeddedBinary or FormattedContent"
            }
            QuestionFormSchema::V2017_11_06 => "Title, Text, List, Binary, EmbeddedBinary or FormattedContent",
        }
    }

    /// Content structure of `Overview` / `QuestionContent`.
    fn content(&self, el: &Element, path: &str) -> Result<Vec<Content>, QuestionError> {
        let kids = self.ctx.elements(el, path, &[])?;
        if kids.is_empty() {
            return Err(self.ctx.err(
                path,
                el.pos,
                format!("<{}> must contain at least one content element ({})", el.name, self.content_names()),
            ));
        }
        let mut counts: HashMap<&str, usize> = HashMap::new();
        let mut out = Vec::with_capacity(kids.len());
        for kid in kids {
            let n = counts.entry(kid.name.as_str()).or_insert(0);
            *n += 1;
            let p = child_path(path, &kid.name, Some(*n));
            let item = match kid.name.as_str() {
                "Title" => Content::Title(self.ctx.text_only(kid, &p)?),
                "Text" => Content::Text(self.ctx.text_only(kid, &p)?),
                "List" => Content::List(self.list(kid, &p)?),
                "Binary" => Content::Binary(self.binary(kid, &p)?),
                "Application" => {
                    if self.schema == QuestionFormSchema::V2017_11_06 {
                        return Err(self.ctx.err(
                            &p,
                            kid.pos,
                            "the Application element is not supported by the 2017-11-06 QuestionForm schema (use HTMLQuestion or ExternalQuestion instead)",
                        ));
                    }
                    Content::Application(self.application(kid, &p)?)
                }
                "EmbeddedBinary" => Content::EmbeddedBinary(self.embedded_binary(kid, &p)?),
                "FormattedContent" => Content::FormattedContent(parse_formatted_element(self.ctx, kid, &p)?),
                _ => {
                    return Err(self.ctx.err(
                        &child_path(path, &kid.name, None),
                        kid.pos,
                        format!(
                            "unexpected element <{}> in <{}>; allowed content elements: {}",
                            kid.name,
                            el.name,
                            self.content_names()
                        ),
                    ))
                }
            };
            out.push(item);
        }
        Ok(out)
    }

    fn list(&self, el: &Element, path: &str) -> Result<Vec<String>, QuestionError> {
        let kids = self.ctx.elements(el, path, &[])?;
        let g = self.ctx.sequence(el, path, &kids, &[slot("ListItem", 1, UNBOUNDED)])?;
        g[0].iter()
            .enumerate()
            .map(|(i, item)| self.ctx.text_only(item, &child_path(path, "ListItem", Some(i + 1))))
            .collect()
    }

    fn mime_type(&self, el: &Element, path: &str) -> Result<MimeType, QuestionError> {
        let kids = self.ctx.elements(el, path, &[])?;
        let g = self.ctx.sequence(el, path, &kids, &[slot("Type", 1, 1), slot("SubType", 0, 1)])?;
        let type_el = g[0][0];
        let type_path = child_path(path, "Type", None);
        let t = self.ctx.text_only(type_el, &type_path)?;
        let media_type = match t.trim() {
            "image" => MediaType::Image,
            "audio" => MediaType::Audio,
            "video" => MediaType::Video,
            other => {
                return Err(self.ctx.err(
                    &type_path,
                    type_el.pos,
                    format!("Type must be one of image, audio or video (got \"{other}\")"),
                ))
            }
        };
        let sub_type = match g[1].first() {
            Some(e) => Some(self.ctx.text_only(e, &child_path(path, "SubType", None))?.trim().to_string()),
            None => None,
        };
        Ok(MimeType { media_type, sub_type })
    }

    /// An element holding an absolute http(s) URL (`DataURL`, `AppletPath`, `FlashMovieURL`).
    fn http_url(&self, el: &Element, path: &str) -> Result<String, QuestionError> {
        let raw = self.ctx.text_only(el, path)?;
        let s = raw.trim();
        let ok = !s.chars().any(|c| c.is_whitespace() || c.is_control())
            && url::Url::parse(s).map(|u| matches!(u.scheme(), "http" | "https") && s.contains("://")).unwrap_or(false);
        if !ok {
            return Err(self.ctx.err(
                path,
                el.pos,
                format!(
                    "<{}> must be an absolute http:// or https:// URL without whitespace (got \"{}\")",
                    el.name,
                    s.escape_debug()
                ),
            ));
        }
        Ok(s.to_string())
    }

    fn binary(&self, el: &Element, path: &str) -> Result<Binary, QuestionError> {
        let kids = self.ctx.elements(el, path, &[])?;
        let g = self.ctx.sequence(
            el,
            path,
            &kids,
            &[slot("MimeType", 1, 1), slot("DataURL", 1, 1), slot("AltText", 1, 1)],
        )?;
        Ok(Binary {
            mime_type: self.mime_type(g[0][0], &child_path(path, "MimeType", None))?,
            data_url: self.http_url(g[1][0], &child_path(path, "DataURL", None))?,
            alt_text: self.ctx.text_only(g[2][0], &child_path(path, "AltText", None))?,
        })
    }

    fn parameters(&self, els: &[&Element], path: &str) -> Result<Vec<ApplicationParameter>, QuestionError> {
        els.iter()
            .enumerate()
            .map(|(i, el)| {
                let p = child_path(path, "ApplicationParameter", Some(i + 1));
                let kids = self.ctx.elements(el, &p, &[])?;
                let g = self.ctx.sequence(el, &p, &kids, &[slot("Name", 1, 1), slot("Value", 1, 1)])?;
                Ok(ApplicationParameter {
                    name: self.ctx.text_only(g[0][0], &child_path(&p, "Name", None))?,
                    value: self.ctx.text_only(g[1][0], &child_path(&p, "Value", None))?,
                })
            })
            .collect()
    }

    fn application(&self, el: &Element, path: &str) -> Result<Application, QuestionError> {
        let kids = self.ctx.elements(el, path, &[])?;
        let [kid] = kids.as_slice() else {
            let at = kids.get(1).map(|k| k.pos).unwrap_or(el.pos);
            return Err(self.ctx.err(path, at, "an Application must contain exactly one JavaApplet or Flash element"));
        };
        let p = child_path(path, &kid.name, None);
        let inner = self.ctx.elements(kid, &p, &[])?;
        match kid.name.as_str() {
            "JavaApplet" => {
                let g = self.ctx.sequence(
                    kid,
                    &p,
                    &inner,
                    &[
                        slot("AppletPath", 1, 1),
                        slot("AppletFilename", 1, 1),
                        slot("Width", 1, 1),
                        slot("Height", 1, 1),
                        slot("ApplicationParameter", 0, UNBOUNDED),
                    ],
                )?;
                Ok(Application::JavaApplet(JavaApplet {
                    applet_path: self.http_url(g[0][0], &child_path(&p, "AppletPath", None))?,
                    applet_filename: self.ctx.text_only(g[1][0], &child_path(&p, "AppletFilename", None))?,
                    width: self.ctx.text_only(g[2][0], &child_path(&p, "Width", None))?,
                    height: self.ctx.text_only(g[3][0], &child_path(&p, "Height", None))?,
                    parameters: self.parameters(&g[4], &p)?,
                }))
            }
            "Flash" => {
                let g = self.ctx.sequence(
                    kid,
                    &p,
                    &inner,
                    &[
                        slot("FlashMovieURL", 1, 1),
                        slot("Width", 1, 1),
                        slot("Height", 1, 1),
                        slot("ApplicationParameter", 0, UNBOUNDED),
                    ],
                )?;
                Ok(Application::Flash(Flash {
                    flash_movie_url: self.http_url(g[0][0], &child_path(&p, "FlashMovieURL", None))?,
                    width: self.ctx.text_only(g[1][0], &child_path(&p, "Width", None))?,
                    height: self.ctx.text_only(g[2][0], &child_path(&p, "Height", None))?,
                    parameters: self.parameters(&g[3], &p)?,
                }))
            }
            other => Err(self.ctx.err(
                &p,
                kid.pos,
                format!("unexpected element <{other}>; an Application contains a JavaApplet or a Flash element"),
            )),
        }
    }

    fn embedded_binary(&self, el: &Element, path: &str) -> Result<EmbeddedBinary, QuestionError> {
        let kids = self.ctx.elements(el, path, &[])?;
        let g = self.ctx.sequence(
            el,
            path,
            &kids,
            &[
                slot("EmbeddedMimeType", 1, 1),
                slot("DataURL", 1, 1),
                slot("AltText", 1, 1),
                slot("Width", 1, 1),
                slot("Height", 1, 1),
                slot("ApplicationParameter", 0, UNBOUNDED),
            ],
        )?;
        Ok(EmbeddedBinary {
            mime_type: self.mime_type(g[0][0], &child_path(path, "EmbeddedMimeType", None))?,
            data_url: self.http_url(g[1][0], &child_path(path, "DataURL", None))?,
            alt_text: self.ctx.text_only(g[2][0], &child_path(path, "AltText", None))?,
            width: self.ctx.text_only(g[3][0], &child_path(path, "Width", None))?,
            height: self.ctx.text_only(g[4][0], &child_path(path, "Height", None))?,
            parameters: self.parameters(&g[5], path)?,
        })
    }

    fn answer_spec(&self, el: &Element, path: &str) -> Result<AnswerSpecification, QuestionError> {
        let choices = match self.schema {
            QuestionFormSchema::V2005_10_01 => "FreeTextAnswer, SelectionAnswer or FileUploadAnswer",
            QuestionFormSchema::V2017_11_06 => "FreeTextAnswer or SelectionAnswer",
        };
        let kids = self.ctx.elements(el, path, &[])?;
        let kid = match kids.as_slice() {
            [] => {
                return Err(self.ctx.err(
                    path,
                    el.pos,
                    format!("AnswerSpecification must contain exactly one of {choices}, but it is empty"),
                ))
            }
            [kid] => *kid,
            [first, second, ..] => {
                return Err(self.ctx.err(
                    path,
                    second.pos,
                    format!(
                        "AnswerSpecification must contain exactly one of {choices}; found <{}> after <{}>",
                        second.name, first.name
                    ),
                ))
            }
        };
        let p = child_path(path, &kid.name, None);
        match kid.name.as_str() {
            "FreeTextAnswer" => Ok(AnswerSpecification::FreeText(self.free_text(kid, &p)?)),
            "SelectionAnswer" => Ok(AnswerSpecification::Selection(self.selection_answer(kid, &p)?)),
            "FileUploadAnswer" => {
                if self.schema == QuestionFormSchema::V2017_11_06 {
                    return Err(self.ctx.err(
                        &p,
                        kid.pos,
                        "the FileUploadAnswer element is not supported by the 2017-11-06 QuestionForm schema (ask workers to upload files to Amazon S3 instead)",
                    ));
                }
                Ok(AnswerSpecification::FileUpload(self.file_upload(kid, &p)?))
            }
            other => Err(self.ctx.err(
                &p,
                kid.pos,
                format!("unexpected element <{other}>; AnswerSpecification must contain one of {choices}"),
            )),
        }
    }

    fn free_text(&self, el: &Element, path: &str) -> Result<FreeTextAnswer, QuestionError> {
        let kids = self.ctx.elements(el, path, &[])?;
        let g = self.ctx.sequence(
            el,
            path,
            &kids,
            &[slot("Constraints", 0, 1), slot("DefaultText", 0, 1), slot("NumberOfLinesSuggestion", 0, 1)],
        )?;
        let constraints = match g[0].first() {
            Some(c) => Some(self.constraints(c, &child_path(path, "Constraints", None))?),
            None => None,
        };
        let default_text = match g[1].first() {
            Some(e) => Some(self.ctx.text_only(e, &child_path(path, "DefaultText", None))?),
            None => None,
        };
        let number_of_lines_suggestion = match g[2].first() {
            Some(e) => {
                let p = child_path(path, "NumberOfLinesSuggestion", None);
                let t = self.ctx.text_only(e, &p)?;
                Some(
                    parse_bounded(&t, "NumberOfLinesSuggestion", 1, u32::MAX as i128)
                        .map_err(|m| self.ctx.err(&p, e.pos, m))? as u32,
                )
            }
            None => None,
        };
        Ok(FreeTextAnswer { constraints, default_text, number_of_lines_suggestion })
    }

    /// An attribute value parsed as a bounded integer.
    fn int_attr(
        &self,
        el: &Element,
        path: &str,
        name: &str,
        min: i128,
        max: i128,
    ) -> Result<Option<i128>, QuestionError> {
        match el.attrs.iter().find(|a| a.ns.is_none() && a.name == name) {
            Some(a) => parse_bounded(&a.value, &format!("the {name} attribute"), min, max)
                .map(Some)
                .map_err(|m| self.ctx.err(path, el.pos, m)),
            None => Ok(None),
        }
    }

    fn empty_element(&self, el: &Element, path: &str, attrs: &[&str]) -> Result<(), QuestionError> {
        self.ctx.check_attrs(el, path, attrs)?;
        if el.child_elements().next().is_some() || !el.text().trim().is_empty() {
            return Err(self.ctx.err(
                path,
                el.pos,
                format!("<{}> must be empty (its settings are attributes)", el.name),
            ));
        }
        Ok(())
    }

    fn constraints(&self, el: &Element, path: &str) -> Result<Constraints, QuestionError> {
        let kids = self.ctx.elements(el, path, &[])?;
        let g = self.ctx.sequence(
            el,
            path,
            &kids,
            &[slot("IsNumeric", 0, 1), slot("Length", 0, 1), slot("AnswerFormatRegex", 0, UNBOUNDED)],
        )?;
        let is_numeric = match g[0].first() {
            Some(e) => {
                let p = child_path(path, "IsNumeric", None);
                self.empty_element(e, &p, &["minValue", "maxValue"])?;
                let (lo, hi) = (i32::MIN as i128, i32::MAX as i128);
                let min_value = self.int_attr(e, &p, "minValue", lo, hi)?.map(|v| v as i32);
                let max_value = self.int_attr(e, &p, "maxValue", lo, hi)?.map(|v| v as i32);
                if let (Some(a), Some(b)) = (min_value, max_value) {
                    if a > b {
                        return Err(self.ctx.err(
                            &p,
                            e.pos,
                            format!("minValue ({a}) must not be greater than maxValue ({b})"),
                        ));
                    }
                }
                Some(IsNumeric { min_value, max_value })
            }
            None => None,
        };
        let length = match g[1].first() {
            Some(e) => {
                let p = child_path(path, "Length", None);
                self.empty_element(e, &p, &["minLength", "maxLength"])?;
                let max = u32::MAX as i128;
                let min_length = self.int_attr(e, &p, "minLength", 0, max)?.map(|v| v as u32);
                let max_length = self.int_attr(e, &p, "maxLength", 1, max)?.map(|v| v as u32);
                if let (Some(a), Some(b)) = (min_length, max_length) {
                    if a > b {
                        return Err(self.ctx.err(
                            &p,
                            e.pos,
                            format!("minLength ({a}) must not be greater than maxLength ({b})"),
                        ));
                    }
                }
                Some(LengthConstraint { min_length, max_length })
            }
            None => None,
        };
        let mut answer_format_regex = Vec::new();
        for (i, e) in g[2].iter().enumerate() {
            let p = child_path(path, "AnswerFormatRegex", Some(i + 1));
            self.empty_element(e, &p, &["regex", "errorText", "flags"])?;
            let attr = |n: &str| e.attrs.iter().find(|a| a.ns.is_none() && a.name == n).map(|a| a.value.clone());
            let regex =
                attr("regex").ok_or_else(|| self.ctx.err(&p, e.pos, "AnswerFormatRegex requires a regex attribute"))?;
            if regex.is_empty() {
                return Err(self.ctx.err(&p, e.pos, "the regex attribute must not be empty"));
            }
            let flags = attr("flags");
            if let Some(f) = &flags {
                if f != "i" {
                    return Err(self.ctx.err(
                        &p,
                        e.pos,
                        format!("the flags attribute may only be \"i\" (ignore case), got \"{f}\""),
                    ));
                }
            }
            answer_format_regex.push(AnswerFormatRegex { regex, error_text: attr("errorText"), flags });
        }
        Ok(Constraints { is_numeric, length, answer_format_regex })
    }

    fn count(&self, el: Option<&&Element>, path: &str, name: &str, min: i128) -> Result<Option<u32>, QuestionError> {
        match el {
            Some(e) => {
                let p = child_path(path, name, None);
                let t = self.ctx.text_only(e, &p)?;
                parse_bounded(&t, name, min, u32::MAX as i128)
                    .map(|v| Some(v as u32))
                    .map_err(|m| self.ctx.err(&p, e.pos, m))
            }
            None => Ok(None),
        }
    }

    fn selection_answer(&self, el: &Element, path: &str) -> Result<SelectionAnswer, QuestionError> {
        let kids = self.ctx.elements(el, path, &[])?;
        let g = self.ctx.sequence(
            el,
            path,
            &kids,
            &[
                slot("MinSelectionCount", 0, 1),
                slot("MaxSelectionCount", 0, 1),
                slot("StyleSuggestion", 0, 1),
                slot("Selections", 1, 1),
            ],
        )?;
        let min_selection_count = self.count(g[0].first(), path, "MinSelectionCount", 0)?;
        let max_selection_count = self.count(g[1].first(), path, "MaxSelectionCount", 1)?;
        let style_suggestion = match g[2].first() {
            Some(e) => {
                let p = child_path(path, "StyleSuggestion", None);
                let t = self.ctx.text_only(e, &p)?;
                Some(StyleSuggestion::parse(t.trim()).ok_or_else(|| {
                    self.ctx.err(
                        &p,
                        e.pos,
                        format!(
                            "StyleSuggestion must be one of radiobutton, checkbox, list, dropdown, combobox or multichooser (got \"{}\")",
                            t.trim()
                        ),
                    )
                })?)
            }
            None => None,
        };

        let sel_el = g[3][0];
        let sel_path = child_path(path, "Selections", None);
        let sel_kids = self.ctx.elements(sel_el, &sel_path, &[])?;
        let sg = self.ctx.sequence(
            sel_el,
            &sel_path,
            &sel_kids,
            &[slot("Selection", 1, UNBOUNDED), slot("OtherSelection", 0, 1)],
        )?;
        let mut selections = Vec::with_capacity(sg[0].len());
        let mut seen: HashMap<String, usize> = HashMap::new();
        for (i, s) in sg[0].iter().enumerate() {
            let p = child_path(&sel_path, "Selection", Some(i + 1));
            let (selection, id_el) = self.selection(s, &p)?;
            if let Some(first) = seen.get(&selection.identifier) {
                return Err(self.ctx.err(
                    &child_path(&p, "SelectionIdentifier", None),
                    id_el.pos,
                    format!(
                        "duplicate SelectionIdentifier \"{}\" (already used by Selection[{first}]); selection identifiers must be unique within a question",
                        selection.identifier
                    ),
                ));
            }
            seen.insert(selection.identifier.clone(), i + 1);
            selections.push(selection);
        }
        let other_selection = match sg[1].first() {
            Some(o) => Some(self.free_text(o, &child_path(&sel_path, "OtherSelection", None))?),
            None => None,
        };

        let answer =
            SelectionAnswer { min_selection_count, max_selection_count, style_suggestion, selections, other_selection };
        // Count rules. The "other" text field counts as one more possible selection.
        let (min, max) = (answer.min_selections(), answer.max_selections());
        let available = answer.selections.len() + usize::from(answer.other_selection.is_some());
        let default_note = |given: Option<u32>| if given.is_none() { ", the default" } else { "" };
        if min > max {
            let at = g[0].first().map(|e| e.pos).unwrap_or(el.pos);
            return Err(self.ctx.err(
                path,
                at,
                format!(
                    "MinSelectionCount ({min}{}) must not be greater than MaxSelectionCount ({max}{})",
                    default_note(min_selection_count),
                    default_note(max_selection_count)
                ),
            ));
        }
        if max as usize > available {
            let at = g[1].first().map(|e| e.pos).unwrap_or(el.pos);
            return Err(self.ctx.err(
                path,
                at,
                format!("MaxSelectionCount ({max}) must not be greater than the number of selections ({available})"),
            ));
        }
        if let Some(style) = style_suggestion {
            if style.is_single_choice() && max != 1 {
                return Err(self.ctx.err(
                    &child_path(path, "StyleSuggestion", None),
                    g[2][0].pos,
                    format!(
                        "StyleSuggestion \"{}\" lets the worker pick only one item, so it can only be used when MaxSelectionCount is 1 (it is {max})",
                        style.as_str()
                    ),
                ));
            }
        }
        Ok(answer)
    }

    fn selection<'e>(&self, el: &'e Element, path: &str) -> Result<(Selection, &'e Element), QuestionError> {
        let kids = self.ctx.elements(el, path, &[])?;
        let (id_el, content_el) = match kids.as_slice() {
            [id, content] if id.name == "SelectionIdentifier" => (*id, *content),
            _ => {
                let names: Vec<String> = kids.iter().map(|k| format!("<{}>", k.name)).collect();
                return Err(self.ctx.err(
                    path,
                    el.pos,
                    format!(
                        "a Selection must contain a SelectionIdentifier followed by exactly one of Text, FormattedContent or Binary (found {})",
                        if names.is_empty() { "nothing".to_string() } else { names.join(", ") }
                    ),
                ));
            }
        };
        let id_path = child_path(path, "SelectionIdentifier", None);
        let identifier = self.ctx.text_only(id_el, &id_path)?.trim().to_string();
        if identifier.is_empty() {
            return Err(self.ctx.err(&id_path, id_el.pos, "SelectionIdentifier must not be empty"));
        }
        let cp = child_path(path, &content_el.name, None);
        let content = match content_el.name.as_str() {
            "Text" => SelectionContent::Text(self.ctx.text_only(content_el, &cp)?),
            "FormattedContent" => {
                SelectionContent::FormattedContent(parse_formatted_element(self.ctx, content_el, &cp)?)
            }
            "Binary" => SelectionContent::Binary(self.binary(content_el, &cp)?),
            other => {
                return Err(self.ctx.err(
                    &cp,
                    content_el.pos,
                    format!("unexpected element <{other}>; a Selection shows Text, FormattedContent or Binary"),
                ))
            }
        };
        Ok((Selection { identifier, content }, id_el))
    }

    fn file_upload(&self, el: &Element, path: &str) -> Result<FileUploadAnswer, QuestionError> {
        let kids = self.ctx.elements(el, path, &[])?;
        // The schema lists MaxFileSizeInBytes first, the prose lists MinFileSizeInBytes first:
        // both orders are accepted, each element exactly once.
        let mut max_el = None;
        let mut min_el = None;
        for k in &kids {
            let target = match k.name.as_str() {
                "MaxFileSizeInBytes" => &mut max_el,
                "MinFileSizeInBytes" => &mut min_el,
                other => {
                    return Err(self.ctx.err(
                        &child_path(path, other, None),
                        k.pos,
                        format!("unexpected element <{other}> inside <FileUploadAnswer> (allowed: MaxFileSizeInBytes, MinFileSizeInBytes)"),
                    ))
                }
            };
            if target.is_some() {
                return Err(self.ctx.err(
                    &child_path(path, &k.name, None),
                    k.pos,
                    format!("<{}> may appear only once", k.name),
                ));
            }
            *target = Some(*k);
        }
        let get = |e: Option<&Element>, name: &str| -> Result<u64, QuestionError> {
            let Some(e) = e else {
                return Err(self.ctx.err(
                    path,
                    el.pos,
                    format!("missing required element <{name}> in <FileUploadAnswer>"),
                ));
            };
            let p = child_path(path, name, None);
            let t = self.ctx.text_only(e, &p)?;
            parse_bounded(&t, name, 0, MAX_FILE_SIZE_IN_BYTES as i128)
                .map(|v| v as u64)
                .map_err(|m| self.ctx.err(&p, e.pos, m))
        };
        let max = get(max_el, "MaxFileSizeInBytes")?;
        let min = get(min_el, "MinFileSizeInBytes")?;
        if min > max {
            return Err(self.ctx.err(
                path,
                el.pos,
                format!("MinFileSizeInBytes ({min}) must not be greater than MaxFileSizeInBytes ({max})"),
            ));
        }
        Ok(FileUploadAnswer { max_file_size_in_bytes: max, min_file_size_in_bytes: min })
    }
}
