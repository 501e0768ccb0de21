//! HIT layouts: a requester's HTML template with `${name}` placeholders, from which CreateHIT
//! makes an `HTMLQuestion` by substituting HITLayoutParameters (API Reference, "HITLayout").
//!
//! Parsing happens once, when the layout is created, so that a malformed placeholder is refused
//! there with its line and column, not at every CreateHIT. Substitution escapes every value for
//! HTML: a parameter is data (an image URL, a sentence), and the spec warns that values with
//! reserved characters would otherwise make an invalid document.

use crate::question::xml::{is_xml_char, line_col};
use crate::question::{escape_html_into, parse_question, QuestionParseOptions, HTML_QUESTION_NAMESPACE};
use crate::validate::MAX_QUESTION_BYTES;
use std::collections::{BTreeSet, HashMap};

/// The longest template: what the Question parameter may hold.
pub const MAX_TEMPLATE_BYTES: usize = MAX_QUESTION_BYTES;
/// The longest layout name.
pub const MAX_NAME_CHARS: usize = 128;
/// The longest placeholder name.
pub const MAX_PLACEHOLDER_CHARS: usize = 100;

/// What is wrong with a template, or with the parameters given for it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LayoutError {
    #[error("the layout name must not be empty")]
    EmptyName,
    #[error("the layout name is {0} characters long; it must be at most {MAX_NAME_CHARS}")]
    NameTooLong(usize),
    #[error("the template is empty; it must hold the HTML of the task")]
    EmptyTemplate,
    #[error("the template is {0} bytes long; it must be at most {MAX_TEMPLATE_BYTES} bytes (the size of a Question)")]
    TemplateTooLarge(usize),
    #[error(
        "line {line}, column {column}: `{text}` is not a placeholder: a placeholder is ${{name}}, where name is \
         1 to {MAX_PLACEHOLDER_CHARS} letters, digits and underscores, starting with a letter or an underscore"
    )]
    BadPlaceholder { line: usize, column: usize, text: String },
    /// Placeholders that got no value, in template order.
    #[error("missing parameter names: {}", .0.join(", "))]
    Missing(Vec<String>),
    /// Parameter names the template does not use, sorted.
    #[error("parameter names not used in the layout: {}", .0.join(", "))]
    Unused(Vec<String>),
    #[error("parameter {0} is given more than once")]
    Duplicate(String),
    #[error("line {line}, column {column}: the character U+{code:04X} is not allowed in an HTMLQuestion (XML 1.0)")]
    BadCharacter { line: usize, column: usize, code: u32 },
    #[error("the value of parameter {name} holds the character U+{code:04X}, which is not allowed in an HTMLQuestion (XML 1.0)")]
    BadValueCharacter { name: String, code: u32 },
    /// The template cannot make a valid HTMLQuestion whatever the values (a character XML does
    /// not allow, such as a control character).
    #[error("the template does not make a valid HTMLQuestion: {0}")]
    NotHtmlQuestion(String),
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Piece {
    Text(String),
    Placeholder(String),
}

/// A parsed template: literal text and placeholders, in order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Template {
    pieces: Vec<Piece>,
}

fn is_name_start(c: char) -> bool {
    c.is_ascii_alphabetic() || c == '_'
}

fn is_name_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_'
}

/// Checks a layout's name.
pub fn validate_name(name: &str) -> Result<(), LayoutError> {
    let n = name.trim().chars().count();
    if n == 0 {
        return Err(LayoutError::EmptyName);
    }
    if name.chars().count() > MAX_NAME_CHARS {
        return Err(LayoutError::NameTooLong(name.chars().count()));
    }
    Ok(())
}

impl Template {
    /// Parses a template. Every `${` must open a well-formed placeholder; a `$` not followed by
    /// `{` is text.
    pub fn parse(src: &str) -> Result<Template, LayoutError> {
        if src.trim().is_empty() {
            return Err(LayoutError::EmptyTemplate);
        }
        if src.len() > MAX_TEMPLATE_BYTES {
            return Err(LayoutError::TemplateTooLarge(src.len()));
        }
        if let Some((at, c)) = src.char_indices().find(|(_, c)| !is_xml_char(*c)) {
            let (line, column) = line_col(src, at);
            return Err(LayoutError::BadCharacter { line, column, code: c as u32 });
        }
        let mut pieces = Vec::new();
        let mut rest = src;
        while let Some(at) = rest.find("${") {
            let (text, tail) = rest.split_at(at);
            if !text.is_empty() {
                pieces.push(Piece::Text(text.to_string()));
            }
            let after = &tail[2..];
            let name_len = after.find(|c: char| !is_name_char(c)).unwrap_or(after.len());
            let name = &after[..name_len];
            let well_formed = after[name_len..].starts_with('}')
                && name.chars().next().is_some_and(is_name_start)
                && name.chars().count() <= MAX_PLACEHOLDER_CHARS;
            if !well_formed {
                return Err(bad_placeholder(src, src.len() - tail.len(), tail));
            }
            pieces.push(Piece::Placeholder(name.to_string()));
            rest = &after[name_len + 1..];
        }
        if !rest.is_empty() {
            pieces.push(Piece::Text(rest.to_string()));
        }
        Ok(Template { pieces })
    }

    /// Refuses a template that no values could turn into a valid HTMLQuestion, so that the
    /// mistake is told once, when the layout is made, and not by every CreateHIT: the template
    /// is rendered with each placeholder's name as its value and parsed.
    pub fn check_document(&self) -> Result<(), LayoutError> {
        let sample: Vec<(String, String)> = self.placeholders().into_iter().map(|n| (n.clone(), n)).collect();
        let html = self.render(&sample)?;
        parse_question(&html_question(&html), &QuestionParseOptions::default())
            .map(|_| ())
            .map_err(|e| LayoutError::NotHtmlQuestion(e.to_string()))
    }

    /// The placeholders' names, each once, in the order they first appear.
    pub fn placeholders(&self) -> Vec<String> {
        let mut seen = BTreeSet::new();
        let mut out = Vec::new();
        for p in &self.pieces {
            if let Piece::Placeholder(n) = p {
                if seen.insert(n.as_str()) {
                    out.push(n.clone());
                }
            }
        }
        out
    }

    /// The template with each placeholder replaced by its value, escaped for HTML. Every
    /// placeholder must get exactly one value, and every value must name a placeholder.
    pub fn render(&self, params: &[(String, String)]) -> Result<String, LayoutError> {
        let mut values: HashMap<&str, &str> = HashMap::with_capacity(params.len());
        for (name, value) in params {
            if values.insert(name.as_str(), value.as_str()).is_some() {
                return Err(LayoutError::Duplicate(name.clone()));
            }
            if let Some(c) = value.chars().find(|c| !is_xml_char(*c)) {
                return Err(LayoutError::BadValueCharacter { name: name.clone(), code: c as u32 });
            }
        }
        let placeholders = self.placeholders();
        let missing: Vec<String> = placeholders.iter().filter(|p| !values.contains_key(p.as_str())).cloned().collect();
        if !missing.is_empty() {
            return Err(LayoutError::Missing(missing));
        }
        let used: BTreeSet<&str> = placeholders.iter().map(String::as_str).collect();
        let unused: BTreeSet<&str> = values.keys().copied().filter(|n| !used.contains(n)).collect();
        if !unused.is_empty() {
            return Err(LayoutError::Unused(unused.into_iter().map(str::to_string).collect()));
        }
        let mut out = String::new();
        for p in &self.pieces {
            match p {
                Piece::Text(t) => out.push_str(t),
                Piece::Placeholder(n) => escape_html_into(values[n.as_str()], &mut out),
            }
        }
        Ok(out)
    }
}

/// The error for a malformed `${…` at byte `at` of `src`: its line, column (in characters) and
/// a short excerpt.
fn bad_placeholder(src: &str, at: usize, tail: &str) -> LayoutError {
    let (line, column) = line_col(src, at);
    let end = tail.find('}').map_or(tail.len(), |i| i + 1);
    let text: String = tail[..end].chars().take_while(|c| *c != '\n').take(40).collect();
    LayoutError::BadPlaceholder { line, column, text }
}

/// The HTMLQuestion document for a rendered layout, as MTurk makes one: the HTML in a CDATA
/// section, and FrameHeight 0 (fit the worker's window). A `]]>` in the HTML would end the
/// section early, so it is split across two sections.
pub fn html_question(html: &str) -> String {
    let content = html.replace("]]>", "]]]]><![CDATA[>");
    format!(
        "<HTMLQuestion xmlns=\"{HTML_QUESTION_NAMESPACE}\"><HTMLContent><![CDATA[{content}]]></HTMLContent>\
         <FrameHeight>0</FrameHeight></HTMLQuestion>"
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::question::QuestionDocument;

    fn p(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs.iter().map(|(n, v)| (n.to_string(), v.to_string())).collect()
    }

    #[test]
    fn placeholders_are_listed_once_in_order() {
        let t = Template::parse("<img src=\"${image_url}\"><p>${caption} ${_x1} ${image_url}</p>").unwrap();
        assert_eq!(t.placeholders(), ["image_url", "caption", "_x1"]);
        assert!(Template::parse("<p>no placeholders, $5 and {braces}</p>").unwrap().placeholders().is_empty());
    }

    #[test]
    fn values_are_substituted_everywhere_and_escaped() {
        let t = Template::parse("<p title=\"${a}\">${a}</p><i>${b}</i>").unwrap();
        let html = t.render(&p(&[("b", "x"), ("a", "<script>alert('1')</script> & \"q\"")])).unwrap();
        let esc = "&lt;script&gt;alert(&#39;1&#39;)&lt;/script&gt; &amp; &quot;q&quot;";
        assert_eq!(html, format!("<p title=\"{esc}\">{esc}</p><i>x</i>"));
        // A value is not read as a template: its own `${…}` stays text.
        assert_eq!(Template::parse("${a}").unwrap().render(&p(&[("a", "${b}")])).unwrap(), "${b}");
    }

    #[test]
    fn missing_unused_and_duplicate_parameters_are_named() {
        let t = Template::parse("${one}${two}${three}").unwrap();
        assert_eq!(t.render(&p(&[("two", "2")])), Err(LayoutError::Missing(vec!["one".into(), "three".into()])));
        assert_eq!(
            t.render(&p(&[("one", "1"), ("two", "2"), ("three", "3"), ("zed", ""), ("four", "")])),
            Err(LayoutError::Unused(vec!["four".into(), "zed".into()]))
        );
        assert_eq!(t.render(&p(&[("one", "1"), ("one", "again")])), Err(LayoutError::Duplicate("one".into())));
        // Names are case-sensitive, as in the template.
        assert!(matches!(t.render(&p(&[("ONE", "1"), ("two", ""), ("three", "")])), Err(LayoutError::Missing(_))));
        assert_eq!(Template::parse("plain").unwrap().render(&[]).unwrap(), "plain");
    }

    #[test]
    fn malformed_placeholders_are_refused_with_their_place() {
        let cases = [
            ("<p>\n  ${bad name}</p>", 2, 3, "${bad name}"),
            ("${}", 1, 1, "${}"),
            ("ok ${1st}", 1, 4, "${1st}"),
            ("${open", 1, 1, "${open"),
            ("${a-b}", 1, 1, "${a-b}"),
            ("é ${x.y}", 1, 3, "${x.y}"),
        ];
        for (src, line, column, text) in cases {
            assert_eq!(
                Template::parse(src),
                Err(LayoutError::BadPlaceholder { line, column, text: text.into() }),
                "{src}"
            );
        }
        let long = format!("${{{}}}", "a".repeat(MAX_PLACEHOLDER_CHARS + 1));
        assert!(matches!(Template::parse(&long), Err(LayoutError::BadPlaceholder { .. })));
        let ok = format!("${{{}}}", "a".repeat(MAX_PLACEHOLDER_CHARS));
        assert!(Template::parse(&ok).is_ok());
    }

    #[test]
    fn empty_and_oversized_templates_and_names_are_refused() {
        assert_eq!(Template::parse(" \n"), Err(LayoutError::EmptyTemplate));
        let big = "x".repeat(MAX_TEMPLATE_BYTES + 1);
        assert_eq!(Template::parse(&big), Err(LayoutError::TemplateTooLarge(MAX_TEMPLATE_BYTES + 1)));
        assert!(Template::parse(&"x".repeat(MAX_TEMPLATE_BYTES)).is_ok());
        assert_eq!(validate_name("  "), Err(LayoutError::EmptyName));
        assert_eq!(validate_name(&"n".repeat(129)), Err(LayoutError::NameTooLong(129)));
        assert!(validate_name("Image tagging").is_ok());
        // XML allows no control characters, even in CDATA, in the template or in a value.
        assert_eq!(
            Template::parse("<p>\n ok\u{1}${a}</p>"),
            Err(LayoutError::BadCharacter { line: 2, column: 4, code: 1 })
        );
        assert_eq!(
            Template::parse("${a}").unwrap().render(&p(&[("a", "x\u{FFFF}")])),
            Err(LayoutError::BadValueCharacter { name: "a".into(), code: 0xFFFF })
        );
        assert!(Template::parse("\t\r\n<p>\u{10FFFF}</p>").is_ok());
        assert_eq!(Template::parse("${only}").unwrap().check_document(), Ok(()), "a value may be the whole page");
    }

    #[test]
    fn the_question_is_an_html_question_that_parses_back_to_the_html() {
        let html = "<p>a ]]> b</p><script>if (x]]>y) {}</script>";
        let doc = parse_question(&html_question(html), &QuestionParseOptions::default()).unwrap();
        match doc {
            QuestionDocument::Html(h) => {
                assert_eq!(h.html_content, html);
                assert_eq!(h.frame_height, 0);
            }
            other => panic!("not an HTMLQuestion: {other:?}"),
        }
    }
}
