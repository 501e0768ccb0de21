//! Tests of the QuestionForm renderer: every style suggestion, labels, kept values, errors,
//! escaping.

use super::*;
use openturk_domain::question::{parse_question, QuestionDocument, QuestionParseOptions, QUESTION_FORM_NAMESPACE_2005};

fn form_xml(body: &str) -> QuestionForm {
    let xml = format!("<QuestionForm xmlns=\"{QUESTION_FORM_NAMESPACE_2005}\">{body}</QuestionForm>");
    match parse_question(&xml, &QuestionParseOptions::default()) {
        Ok(QuestionDocument::Form(f)) => f,
        other => panic!("not a form: {other:?}\n{xml}"),
    }
}

fn question(id: &str, extra: &str, spec: &str) -> String {
    format!(
        "<Question><QuestionIdentifier>{id}</QuestionIdentifier>{extra}<QuestionContent><Text>Question {id}?</Text></QuestionContent><AnswerSpecification>{spec}</AnswerSpecification></Question>"
    )
}

fn choices(extra: &str, other: &str) -> String {
    format!(
        "<SelectionAnswer>{extra}<Selections><Selection><SelectionIdentifier>a</SelectionIdentifier><Text>Apple</Text></Selection><Selection><SelectionIdentifier>b</SelectionIdentifier><Text>Banana</Text></Selection><Selection><SelectionIdentifier>c</SelectionIdentifier><Text>Cherry</Text></Selection>{other}</Selections></SelectionAnswer>"
    )
}

fn style(s: &str, max: u32) -> String {
    choices(&format!("<MaxSelectionCount>{max}</MaxSelectionCount><StyleSuggestion>{s}</StyleSuggestion>"), "")
}

fn render(f: &QuestionForm) -> String {
    render_question_form(f, None, &[], u64::MAX)
}

fn vals(pairs: &[(&str, &[&str])]) -> Vec<(String, Vec<String>)> {
    pairs.iter().map(|(k, v)| (k.to_string(), v.iter().map(|s| s.to_string()).collect())).collect()
}

/// Every control (`<input>`, `<select>`, `<textarea>`) has an `id` that a `<label for>` names.
fn assert_labelled(html: &str) {
    for tag in ["<input ", "<select ", "<textarea "] {
        for (i, _) in html.match_indices(tag) {
            let rest = &html[i..];
            let id_at = rest.find(" id=\"").unwrap_or_else(|| panic!("control without id: {rest}"));
            let id = &rest[id_at + 5..];
            let id = &id[..id.find('"').unwrap()];
            assert!(
                html.contains(&format!("<label for=\"{id}\""))
                    || html.contains(&format!("<label class=\"qf-label\" for=\"{id}\"")),
                "no label for {id}: {html}"
            );
        }
    }
}

#[test]
fn radiobuttons_by_default_and_by_suggestion() {
    for spec in [choices("", ""), style("radiobutton", 1)] {
        let f = form_xml(&question("fruit", "<IsRequired>true</IsRequired>", &spec));
        let html = render(&f);
        assert_eq!(html.matches("type=\"radio\"").count(), 3, "{html}");
        assert!(html.contains("name=\"fruit\" value=\"a\""), "{html}");
        assert!(html.contains("<label for=\"qf-1-first\">Apple</label>"), "{html}");
        assert!(html.contains(" required"), "required radios: {html}");
        assert!(html.contains("<legend>Question 1 <span class=\"qf-required\">(required)</span></legend>"), "{html}");
        assert!(!html.contains(" checked"), "nothing chosen at first: {html}");
        assert_labelled(&html);
    }
}

#[test]
fn checkboxes_and_multichooser() {
    for s in ["checkbox", "multichooser"] {
        let f = form_xml(&question("fruit", "", &style(s, 2)));
        let html = render(&f);
        assert_eq!(html.matches("type=\"checkbox\"").count(), 3, "{s}: {html}");
        assert!(html.contains(&format!("qf-choices qf-{s}")), "{html}");
        assert!(html.contains("Choose up to 2."), "{html}");
        assert!(html.contains("aria-describedby=\"qf-1-content qf-1-hint\""), "{html}");
        assert_labelled(&html);
    }
    // With no suggestion, several allowed selections are checkboxes.
    let f = form_xml(&question("fruit", "", &choices("<MaxSelectionCount>3</MaxSelectionCount>", "")));
    assert_eq!(render(&f).matches("type=\"checkbox\"").count(), 3);
}

#[test]
fn list_dropdown_and_combobox_are_select_boxes() {
    let dropdown = render(&form_xml(&question("q", "<IsRequired>true</IsRequired>", &style("dropdown", 1))));
    assert!(dropdown.contains("<select class=\"qf-dropdown\" id=\"qf-1-first\" name=\"q\" required"), "{dropdown}");
    assert!(dropdown.contains("<option value=\"\">Choose…</option>"), "{dropdown}");
    assert!(dropdown.contains("<option value=\"b\">Banana</option>"), "{dropdown}");
    assert_labelled(&dropdown);

    let list = render(&form_xml(&question("q", "", &style("list", 1))));
    assert!(list.contains("<select class=\"qf-list\" id=\"qf-1-first\" name=\"q\" size=\"3\""), "{list}");
    assert!(!list.contains("Choose…"), "{list}");
    let multi = render(&form_xml(&question("q", "", &style("list", 3))));
    assert!(multi.contains(" multiple size=\"3\""), "{multi}");
    assert!(multi.contains("<label class=\"qf-label\" for=\"qf-1-first\">Your choices</label>"), "{multi}");

    let combo = render(&form_xml(&question("q", "", &style("combobox", 1))));
    assert!(combo.contains("<select class=\"qf-combobox\""), "{combo}");
    assert!(combo.contains("Choose…"), "{combo}");
    let combo_multi = render(&form_xml(&question("q", "", &style("combobox", 2))));
    assert!(combo_multi.contains(" multiple"), "{combo_multi}");
    for html in [list, multi, combo, combo_multi] {
        assert_labelled(&html);
    }
}

#[test]
fn select_styles_fall_back_to_buttons_for_rich_choices() {
    let spec = "<SelectionAnswer><StyleSuggestion>dropdown</StyleSuggestion><Selections><Selection><SelectionIdentifier>x</SelectionIdentifier><Binary><MimeType><Type>image</Type></MimeType><DataURL>https://example.com/x.png</DataURL><AltText>An X</AltText></Binary></Selection><Selection><SelectionIdentifier>y</SelectionIdentifier><FormattedContent><![CDATA[<b>Why</b>]]></FormattedContent></Selection></Selections></SelectionAnswer>";
    let html = render(&form_xml(&question("q", "", spec)));
    assert!(!html.contains("<select"), "{html}");
    assert!(html.contains("type=\"radio\""), "{html}");
    assert!(html.contains("<img class=\"qf-media\" src=\"https://example.com/x.png\" alt=\"An X\""), "{html}");
    assert!(html.contains("<b>Why</b>"), "{html}");
}

#[test]
fn other_selection_is_a_labelled_text_box_with_the_same_name() {
    let f = form_xml(&question(
        "q",
        "<IsRequired>true</IsRequired>",
        &choices("", "<OtherSelection><DefaultText>my own</DefaultText></OtherSelection>"),
    ));
    let html = render(&f);
    assert!(
        html.contains("<label class=\"qf-label\" for=\"qf-1-other\">Other (type your own answer)</label>"),
        "{html}"
    );
    assert!(html.contains("<input type=\"text\" id=\"qf-1-other\" name=\"q\""), "{html}");
    assert!(html.contains("value=\"my own\""), "{html}");
    assert!(!html.contains(" required"), "typing alone answers it: {html}");
    // Kept after a failed check: the typed text, and the chosen radio.
    let html = render_question_form(&f, Some(&vals(&[("q", &["b", "typed"])])), &[], u64::MAX);
    assert!(html.contains("value=\"b\" checked"), "{html}");
    assert!(html.contains("value=\"typed\""), "{html}");
}

#[test]
fn free_text_input_textarea_and_constraint_attributes() {
    let f = form_xml(&[
        question("name", "", "<FreeTextAnswer><Constraints><Length minLength=\"2\" maxLength=\"10\"/></Constraints><DefaultText>Ann</DefaultText></FreeTextAnswer>"),
        question("age", "<DisplayName>Age</DisplayName>", "<FreeTextAnswer><Constraints><IsNumeric minValue=\"18\" maxValue=\"99\"/></Constraints></FreeTextAnswer>"),
        question("essay", "", "<FreeTextAnswer><DefaultText>\nstart</DefaultText><NumberOfLinesSuggestion>5</NumberOfLinesSuggestion></FreeTextAnswer>"),
    ]
    .concat());
    let html = render(&f);
    assert!(
        html.contains("<input type=\"text\" id=\"qf-1-first\" name=\"name\" required minlength=\"2\" maxlength=\"10\" aria-describedby=\"qf-1-content qf-1-first-hint\" value=\"Ann\">"),
        "{html}"
    );
    assert!(html.contains("2 to 10 characters."), "{html}");
    assert!(html.contains("<legend>Age</legend>"), "{html}");
    assert!(html.contains("inputmode=\"decimal\""), "{html}");
    assert!(html.contains("A number from 18 to 99."), "{html}");
    assert!(html.contains("<textarea id=\"qf-3-first\" rows=\"5\" name=\"essay\""), "{html}");
    assert!(html.contains(">\n\nstart</textarea>"), "a leading newline survives: {html}");
    assert_labelled(&html);
}

#[test]
fn values_are_kept_and_errors_shown_next_to_their_fields() {
    let f = form_xml(
        &[
            question(
                "name",
                "<DisplayName>Your name</DisplayName>",
                "<FreeTextAnswer><DefaultText>default</DefaultText></FreeTextAnswer>",
            ),
            question("fruit", "", &style("checkbox", 3)),
            question("pick", "", &style("dropdown", 1)),
        ]
        .concat(),
    );
    let errors =
        vec![AnswerError { question_identifier: "name".into(), message: "Enter at least 2 characters.".into() }];
    let values = vals(&[("name", &["x"]), ("fruit", &["a", "c"]), ("pick", &["b"])]);
    let html = render_question_form(&f, Some(&values), &errors, u64::MAX);
    assert!(html.contains("value=\"x\""), "the worker's input, not the default: {html}");
    assert!(!html.contains("default"), "{html}");
    assert!(html.contains("value=\"a\" checked") && html.contains("value=\"c\" checked"), "{html}");
    assert!(!html.contains("value=\"b\" checked"), "{html}");
    assert!(html.contains("<option value=\"b\" selected>Banana</option>"), "{html}");
    assert!(html.contains("<p class=\"error qf-error\" id=\"qf-1-error\">Enter at least 2 characters.</p>"), "{html}");
    assert!(html.contains("aria-describedby=\"qf-1-content qf-1-error\" aria-invalid=\"true\""), "{html}");
    assert!(html.contains("<fieldset class=\"qf-question qf-invalid\">"), "{html}");
    assert!(html.contains("role=\"alert\""), "{html}");
    assert!(html.contains("<a href=\"#qf-1-first\">Your name</a>: Enter at least 2 characters."), "{html}");
    assert_eq!(html.matches("aria-invalid").count(), 1, "only the failing field: {html}");
    // A field the worker emptied stays empty (no default comes back).
    let html = render_question_form(&f, Some(&vals(&[])), &[], u64::MAX);
    assert!(!html.contains("default"), "{html}");
}

#[test]
fn content_items_and_binaries() {
    let f = form_xml(&format!(
        "<Overview><Title>Intro</Title><Text>Read\nthis</Text><List><ListItem>one</ListItem><ListItem>two</ListItem></List><FormattedContent><![CDATA[<p>Hello <i>there</i></p>]]></FormattedContent><Binary><MimeType><Type>audio</Type><SubType>mpeg</SubType></MimeType><DataURL>https://example.com/a.mp3</DataURL><AltText>A song</AltText></Binary><Binary><MimeType><Type>video</Type></MimeType><DataURL>https://example.com/v.mp4</DataURL><AltText>A clip</AltText></Binary></Overview>{}",
        question("q", "", "<FileUploadAnswer><MaxFileSizeInBytes>10</MaxFileSizeInBytes><MinFileSizeInBytes>0</MinFileSizeInBytes></FileUploadAnswer>")
    ));
    let html = render(&f);
    assert!(
        html.contains(
            "<section class=\"qf-overview\"><h3 class=\"qf-title\">Intro</h3><p class=\"qf-text\">Read\nthis</p>"
        ),
        "{html}"
    );
    assert!(html.contains("<ul class=\"qf-list\"><li>one</li><li>two</li></ul>"), "{html}");
    assert!(html.contains("<div class=\"qf-formatted\"><p>Hello <i>there</i></p></div>"), "{html}");
    assert!(html.contains("<audio class=\"qf-media\" controls preload=\"metadata\" src=\"https://example.com/a.mp3\" aria-label=\"A song\"></audio>"), "{html}");
    assert!(html.contains("<video class=\"qf-media\""), "{html}");
    assert!(html.contains(">A clip</a>"), "{html}");
    assert!(
        html.contains("<p class=\"hint\" id=\"qf-1-hint\">A file of at most 10 bytes.</p><label class=\"qf-label\" for=\"qf-1-first\">Your file</label><input type=\"file\" id=\"qf-1-first\" name=\"q\" data-max-bytes=\"10\" aria-describedby=\"qf-1-content qf-1-hint\">"),
        "{html}"
    );
    // A server that takes smaller files than the question allows states its own bound.
    let html = render_question_form(&f, None, &[], 4);
    assert!(html.contains("A file of at most 4 bytes.") && html.contains("data-max-bytes=\"4\""), "{html}");
}

#[test]
fn a_file_question_states_its_range_and_asks_again_after_a_failed_submit() {
    let f = form_xml(&question(
        "doc",
        "<IsRequired>true</IsRequired>",
        "<FileUploadAnswer><MaxFileSizeInBytes>3000000</MaxFileSizeInBytes><MinFileSizeInBytes>1000</MinFileSizeInBytes></FileUploadAnswer>",
    ));
    let html = render(&f);
    assert!(html.contains("A file of 1,000 to 3,000,000 bytes."), "{html}");
    assert!(html.contains(" required"), "{html}");
    let errors = [AnswerError { question_identifier: "doc".into(), message: "Upload a file.".into() }];
    let html = render_question_form(&f, Some(&vals(&[])), &errors, u64::MAX);
    assert!(html.contains("Choose your file again"), "{html}");
    assert!(html.contains("aria-invalid=\"true\""), "{html}");
}

#[test]
fn everything_requester_supplied_is_escaped() {
    let evil = "&quot;&gt;&lt;script&gt;alert(1)&lt;/script&gt;";
    let f = form_xml(&format!(
        "<Overview><Title>{evil}</Title></Overview><Question><QuestionIdentifier>{evil}</QuestionIdentifier><DisplayName>{evil}</DisplayName><QuestionContent><Text>{evil}</Text></QuestionContent><AnswerSpecification><SelectionAnswer><StyleSuggestion>dropdown</StyleSuggestion><Selections><Selection><SelectionIdentifier>{evil}</SelectionIdentifier><Text>{evil}</Text></Selection><OtherSelection><DefaultText>{evil}</DefaultText></OtherSelection></Selections></SelectionAnswer></AnswerSpecification></Question>{}",
        question("t", "", &format!("<FreeTextAnswer><DefaultText>{evil}</DefaultText></FreeTextAnswer>"))
    ));
    let errors = vec![AnswerError { question_identifier: "t".into(), message: "<b>bad</b>".into() }];
    let values = vals(&[("t", &["\"><script>x</script>"])]);
    for html in [render(&f), render_question_form(&f, Some(&values), &errors, u64::MAX)] {
        assert!(!html.contains("<script"), "{html}");
        assert!(!html.contains("<b>"), "{html}");
        assert!(html.contains("&lt;script&gt;"), "{html}");
    }
}

#[test]
fn answers_from_fields_keeps_only_questions_in_document_order() {
    let f = form_xml(&[question("b", "", "<FreeTextAnswer/>"), question("a", "", &style("checkbox", 3))].concat());
    let fields: Vec<(String, String)> = [("csrf", "t"), ("a", "x"), ("assignmentId", "1"), ("a", "y"), ("b", "text")]
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    assert_eq!(answers_from_fields(&f, &fields), vals(&[("b", &["text"]), ("a", &["x", "y"])]));
    assert_eq!(answers_from_fields(&f, &[]), vals(&[("b", &[]), ("a", &[])]));
}
