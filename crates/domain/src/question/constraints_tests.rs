//! Tests of [`super::check_answers`]: every constraint kind, passing and failing.

use super::*;
use crate::question::{parse_question, QuestionDocument, QuestionParseOptions, QUESTION_FORM_NAMESPACE_2005};

/// A form with one question per `(identifier, extra, answer spec)`; `extra` goes between the
/// identifier and the content (DisplayName / IsRequired).
fn form(questions: &[(&str, &str, &str)]) -> QuestionForm {
    let mut xml = format!("<QuestionForm xmlns=\"{QUESTION_FORM_NAMESPACE_2005}\">");
    for (id, extra, spec) in questions {
        xml.push_str(&format!(
            "<Question><QuestionIdentifier>{id}</QuestionIdentifier>{extra}<QuestionContent><Text>Q {id}</Text></QuestionContent><AnswerSpecification>{spec}</AnswerSpecification></Question>"
        ));
    }
    xml.push_str("</QuestionForm>");
    match parse_question(&xml, &QuestionParseOptions::default()) {
        Ok(QuestionDocument::Form(f)) => f,
        other => panic!("not a form: {other:?}\n{xml}"),
    }
}

fn free(constraints: &str) -> String {
    format!("<FreeTextAnswer><Constraints>{constraints}</Constraints></FreeTextAnswer>")
}

fn ans(pairs: &[(&str, &[&str])]) -> Vec<(String, Vec<String>)> {
    pairs.iter().map(|(k, v)| (k.to_string(), v.iter().map(|s| s.to_string()).collect())).collect()
}

/// The one error for question `q`, or panics.
fn err_of(f: &QuestionForm, answers: &[(&str, &[&str])]) -> String {
    match check_answers(f, &ans(answers)) {
        Ok(()) => panic!("expected a failure for {answers:?}"),
        Err(errs) => {
            assert_eq!(errs.len(), 1, "{errs:?}");
            errs[0].message.clone()
        }
    }
}

fn ok(f: &QuestionForm, answers: &[(&str, &[&str])]) {
    if let Err(e) = check_answers(f, &ans(answers)) {
        panic!("expected {answers:?} to pass, got {e:?}");
    }
}

const REQ: &str = "<IsRequired>true</IsRequired>";

#[test]
fn is_required_free_text() {
    let f = form(&[("q", REQ, "<FreeTextAnswer/>")]);
    assert_eq!(err_of(&f, &[]), "An answer is required.");
    assert_eq!(err_of(&f, &[("q", &[""])]), "An answer is required.");
    ok(&f, &[("q", &["x"])]);
    let optional = form(&[("q", "", "<FreeTextAnswer/>")]);
    ok(&optional, &[]);
    ok(&optional, &[("q", &[""])]);
}

#[test]
fn min_length_makes_a_question_required() {
    let f = form(&[("q", "", &free("<Length minLength=\"2\"/>"))]);
    assert_eq!(err_of(&f, &[("q", &[""])]), "An answer is required.");
    assert_eq!(err_of(&f, &[("q", &["a"])]), "Enter at least 2 characters (1 character given).");
    ok(&f, &[("q", &["ab"])]);
    ok(&f, &[("q", &["  "])]); // whitespace counts, as the spec says
}

#[test]
fn length_bounds() {
    let f = form(&[("q", "", &free("<Length maxLength=\"3\"/>"))]);
    assert_eq!(err_of(&f, &[("q", &["abcd"])]), "Enter at most 3 characters (4 characters given).");
    ok(&f, &[("q", &["abc"])]);
    ok(&f, &[("q", &["äöü"])]); // characters, not bytes
    ok(&f, &[("q", &[""])]); // optional
    let exact = form(&[("q", "", &free("<Length minLength=\"3\" maxLength=\"3\"/>"))]);
    assert_eq!(err_of(&exact, &[("q", &["ab"])]), "Enter exactly 3 characters (2 characters given).");
    ok(&exact, &[("q", &["abc"])]);
}

#[test]
fn is_numeric_with_and_without_bounds() {
    let f = form(&[("q", "", &free("<IsNumeric/>"))]);
    for good in ["0", "-12", "+7", "3.5", ".5", " 42 "] {
        ok(&f, &[("q", &[good])]);
    }
    for bad in ["abc", "1e5", "1.2.3", "-", ".", "12a", "NaN", "inf"] {
        assert_eq!(err_of(&f, &[("q", &[bad])]), "Enter a number.", "{bad}");
    }
    ok(&f, &[("q", &[""])]); // optional and empty
    let bounded = form(&[("q", "", &free("<IsNumeric minValue=\"100\" maxValue=\"999\"/>"))]);
    ok(&bounded, &[("q", &["100"])]);
    ok(&bounded, &[("q", &["999"])]);
    assert_eq!(err_of(&bounded, &[("q", &["99"])]), "Enter a number from 100 to 999.");
    assert_eq!(err_of(&bounded, &[("q", &["999.5"])]), "Enter a number from 100 to 999.");
    assert_eq!(err_of(&bounded, &[("q", &["x"])]), "Enter a number from 100 to 999.");
    let min = form(&[("q", "", &free("<IsNumeric minValue=\"-5\"/>"))]);
    assert_eq!(err_of(&min, &[("q", &["-6"])]), "Enter a number of at least -5.");
    let max = form(&[("q", "", &free("<IsNumeric maxValue=\"5\"/>"))]);
    assert_eq!(err_of(&max, &[("q", &["6"])]), "Enter a number of at most 5.");
}

#[test]
fn answer_format_regex_uses_error_text() {
    let f = form(&[(
        "q",
        "",
        &free(
            r#"<AnswerFormatRegex regex="^[12][0-9]{3}-[01]?\d-[0-3]?\d$" errorText="You must enter a date with the format yyyy-mm-dd."/>"#,
        ),
    )]);
    ok(&f, &[("q", &["2024-01-31"])]);
    assert_eq!(err_of(&f, &[("q", &["31/01/2024"])]), "You must enter a date with the format yyyy-mm-dd.");
    let default = form(&[("q", "", &free(r#"<AnswerFormatRegex regex="^\d+$"/>"#))]);
    assert_eq!(err_of(&default, &[("q", &["x"])]), "Invalid input supplied.");
}

#[test]
fn answer_format_regex_flags_and_unanchored_match() {
    let f = form(&[(
        "q",
        "",
        &free(r#"<AnswerFormatRegex regex="regex" flags="i" errorText="You must enter 'regex'."/>"#),
    )]);
    ok(&f, &[("q", &["ReGeX"])]);
    ok(&f, &[("q", &["my regex here"])]); // unanchored, as JavaScript's test()
    assert_eq!(err_of(&f, &[("q", &["nope"])]), "You must enter 'regex'.");
    let case = form(&[("q", "", &free(r#"<AnswerFormatRegex regex="regex"/>"#))]);
    assert_eq!(err_of(&case, &[("q", &["REGEX"])]), DEFAULT_REGEX_ERROR);
}

#[test]
fn answer_format_regex_applies_to_empty_answers_and_all_must_match() {
    // The spec's "optional, but at least two characters".
    let f = form(&[(
        "q",
        "",
        &free(r#"<AnswerFormatRegex regex="(^$|\S{2,})" errorText="You must enter at least two characters."/>"#),
    )]);
    ok(&f, &[("q", &[""])]);
    ok(&f, &[]);
    ok(&f, &[("q", &["ab"])]);
    assert_eq!(err_of(&f, &[("q", &["a"])]), "You must enter at least two characters.");
    // The spec's "not blank" example: minLength 2 and \S.
    let blank = form(&[(
        "q",
        "",
        &free(r#"<Length minLength="2"/><AnswerFormatRegex regex="\S" errorText="The content cannot be blank."/>"#),
    )]);
    assert_eq!(err_of(&blank, &[("q", &["   "])]), "The content cannot be blank.");
    let two = form(&[(
        "q",
        "",
        &free(
            r#"<AnswerFormatRegex regex="^a" errorText="starts with a"/><AnswerFormatRegex regex="z$" errorText="ends with z"/>"#,
        ),
    )]);
    ok(&two, &[("q", &["abcz"])]);
    assert_eq!(err_of(&two, &[("q", &["abc"])]), "ends with z");
    assert_eq!(err_of(&two, &[("q", &["bcz"])]), "starts with a");
}

#[test]
fn unsupported_or_oversized_patterns_are_not_enforced() {
    assert!(!regex_is_enforced("(?=a)b", false)); // look-ahead
    assert!(!regex_is_enforced(r"(a)\1", false)); // back-reference
    assert!(!regex_is_enforced("(((a{100}){100}){100})", false)); // over the size limit
    assert!(regex_is_enforced(r"^\d{3}-\d{4}$", true));
    let f = form(&[("q", "", &free(r#"<AnswerFormatRegex regex="^(?!x)" errorText="no"/>"#))]);
    ok(&f, &[("q", &["x"])]);
}

#[test]
fn free_text_takes_one_value() {
    let f = form(&[("q", "", "<FreeTextAnswer/>")]);
    assert_eq!(err_of(&f, &[("q", &["a", "b"])]), "Give one answer; 2 were given.");
    // A repeated field name counts its values together.
    assert_eq!(err_of(&f, &[("q", &["a"]), ("q", &["b"])]), "Give one answer; 2 were given.");
}

fn selections(extra: &str, other: &str) -> String {
    format!(
        "<SelectionAnswer>{extra}<Selections><Selection><SelectionIdentifier>a</SelectionIdentifier><Text>A</Text></Selection><Selection><SelectionIdentifier>b</SelectionIdentifier><Text>B</Text></Selection><Selection><SelectionIdentifier>c</SelectionIdentifier><Text>C</Text></Selection>{other}</Selections></SelectionAnswer>"
    )
}

#[test]
fn selection_required_and_default_counts() {
    let f = form(&[("q", REQ, &selections("", ""))]);
    assert_eq!(err_of(&f, &[]), "Select an answer.");
    assert_eq!(err_of(&f, &[("q", &[""])]), "Select an answer.");
    ok(&f, &[("q", &["a"])]);
    assert_eq!(err_of(&f, &[("q", &["a", "b"])]), "Select at most 1 choice (2 selected).");
    assert_eq!(err_of(&f, &[("q", &["zz"])]), "\"zz\" is not one of the choices.");
    assert_eq!(err_of(&f, &[("q", &["a", "a"])]), "\"a\" is selected more than once.");
    let optional = form(&[("q", "", &selections("", ""))]);
    ok(&optional, &[]);
    ok(&optional, &[("q", &[""])]);
}

#[test]
fn selection_min_and_max_counts() {
    let f = form(&[(
        "q",
        "",
        &selections("<MinSelectionCount>2</MinSelectionCount><MaxSelectionCount>3</MaxSelectionCount><StyleSuggestion>checkbox</StyleSuggestion>", ""),
    )]);
    ok(&f, &[]); // optional and unanswered
    assert_eq!(err_of(&f, &[("q", &["a"])]), "Select at least 2 choices (1 selected).");
    ok(&f, &[("q", &["a", "c"])]);
    ok(&f, &[("q", &["a", "b", "c"])]);
    let max2 = form(&[("q", REQ, &selections("<MaxSelectionCount>2</MaxSelectionCount>", ""))]);
    assert_eq!(err_of(&max2, &[("q", &["a", "b", "c"])]), "Select at most 2 choices (3 selected).");
    let min0 = form(&[("q", REQ, &selections("<MinSelectionCount>0</MinSelectionCount>", ""))]);
    assert_eq!(err_of(&min0, &[]), "Select an answer.");
}

#[test]
fn other_selection_counts_and_is_checked() {
    let other = r#"<OtherSelection><Constraints><Length maxLength="5"/><AnswerFormatRegex regex="^[a-z]+$" errorText="Lower-case letters only."/></Constraints></OtherSelection>"#;
    let f = form(&[("q", REQ, &selections("<MaxSelectionCount>2</MaxSelectionCount>", other))]);
    ok(&f, &[("q", &["mauve"])]);
    ok(&f, &[("q", &["a", "mauve"])]);
    ok(&f, &[("q", &["a", ""])]); // an empty "other" box
    assert_eq!(err_of(&f, &[("q", &["a", "b", "mauve"])]), "Select at most 2 choices (3 selected).");
    assert_eq!(err_of(&f, &[("q", &["purple"])]), "Other: Enter at most 5 characters (6 characters given).");
    assert_eq!(err_of(&f, &[("q", &["Mauve"])]), "Other: Lower-case letters only.");
    assert_eq!(err_of(&f, &[("q", &["x", "y"])]), "Give at most one other answer; \"y\" is not one of the choices.");
}

#[test]
fn file_uploads_are_checked_against_their_size_range() {
    let spec = "<FileUploadAnswer><MaxFileSizeInBytes>100</MaxFileSizeInBytes><MinFileSizeInBytes>10</MinFileSizeInBytes></FileUploadAnswer>";
    let optional = form(&[("q", "", spec)]);
    ok(&optional, &[]);
    ok(&optional, &[("q", &["10", "key"])]);
    ok(&optional, &[("q", &["100", "key"])]);
    assert_eq!(
        err_of(&optional, &[("q", &["9", "key"])]),
        "The file must be at least 10 bytes (9 bytes given); upload a different file."
    );
    assert_eq!(
        err_of(&optional, &[("q", &["101", "key"])]),
        "The file must be at most 100 bytes (101 bytes given); upload a different file."
    );
    assert!(err_of(&optional, &[("q", &["some text"])]).contains("text cannot answer"));
    let required = form(&[("q", REQ, spec)]);
    assert_eq!(err_of(&required, &[]), "Upload a file.");
}

#[test]
fn every_failing_question_is_named_in_document_order() {
    let f = form(&[
        ("first", REQ, "<FreeTextAnswer/>"),
        ("fine", "", "<FreeTextAnswer/>"),
        ("third", REQ, &selections("", "")),
    ]);
    let errs = check_answers(&f, &ans(&[("fine", &["ok"]), ("unknown", &["kept"])])).unwrap_err();
    let ids: Vec<&str> = errs.iter().map(|e| e.question_identifier.as_str()).collect();
    assert_eq!(ids, ["first", "third"]);
    assert_eq!(errs[0].to_string(), "first: An answer is required.");
}

#[test]
fn normalize_drops_empty_selection_values_only() {
    let f = form(&[("s", "", &selections("", "<OtherSelection/>")), ("t", "", "<FreeTextAnswer/>")]);
    let n = normalize_answers(&f, &ans(&[("s", &["a", "", " "]), ("t", &[""]), ("x", &[""])]));
    assert_eq!(n, ans(&[("s", &["a"]), ("t", &[""]), ("x", &[""])]));
}
