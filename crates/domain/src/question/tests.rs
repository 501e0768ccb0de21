//! Tests for question documents. The spec examples (API Reference 2017-01-17) are copied
//! verbatim except where noted: the "[the ... schema URL]" placeholders are replaced by the
//! real namespace, and two typos of the spec (`<Name>game_id<Name>`) are fixed.

use super::*;

const HTML_NS: &str = HTML_QUESTION_NAMESPACE;
const EXT_NS: &str = EXTERNAL_QUESTION_NAMESPACE;
const QF_NS: &str = QUESTION_FORM_NAMESPACE_2005;
const QF17_NS: &str = QUESTION_FORM_NAMESPACE_2017;

fn prod() -> QuestionParseOptions {
    QuestionParseOptions::default()
}

fn sandbox() -> QuestionParseOptions {
    QuestionParseOptions { allow_loopback_http: true }
}

fn parse(xml: &str) -> QuestionDocument {
    match parse_question(xml, &prod()) {
        Ok(d) => d,
        Err(e) => panic!("expected the document to parse, got: {e}\n{xml}"),
    }
}

/// Parses, expects an error, and checks that its message contains every fragment.
fn expect_err(xml: &str, fragments: &[&str]) -> String {
    expect_err_with(xml, &prod(), fragments)
}

fn expect_err_with(xml: &str, opts: &QuestionParseOptions, fragments: &[&str]) -> String {
    match parse_question(xml, opts) {
        Ok(d) => panic!("expected an error, got {d:?}\n{xml}"),
        Err(QuestionError(msg)) => {
            for f in fragments {
                assert!(msg.contains(f), "error message {msg:?} does not contain {f:?}");
            }
            msg
        }
    }
}

fn form_doc(ns: &str, body: &str) -> String {
    format!("<QuestionForm xmlns=\"{ns}\">{body}</QuestionForm>")
}

/// A form with one question using `answer` as its AnswerSpecification content.
fn one_question(answer: &str) -> String {
    form_doc(
        QF_NS,
        &format!(
            "<Question><QuestionIdentifier>q1</QuestionIdentifier><QuestionContent><Text>Q?</Text></QuestionContent><AnswerSpecification>{answer}</AnswerSpecification></Question>"
        ),
    )
}

/// A form with one free-text question whose QuestionContent is `content`.
fn with_content(content: &str) -> String {
    form_doc(
        QF_NS,
        &format!(
            "<Question><QuestionIdentifier>q1</QuestionIdentifier><QuestionContent>{content}</QuestionContent><AnswerSpecification><FreeTextAnswer/></AnswerSpecification></Question>"
        ),
    )
}

fn formatted(xhtml: &str) -> String {
    with_content(&format!("<FormattedContent><![CDATA[{xhtml}]]></FormattedContent>"))
}

fn only_form(d: QuestionDocument) -> QuestionForm {
    match d {
        QuestionDocument::Form(f) => f,
        other => panic!("expected a QuestionForm, got {other:?}"),
    }
}

// ---------------------------------------------------------------------------------------------
// Spec examples
// ---------------------------------------------------------------------------------------------

const SPEC_HTML_QUESTION: &str = r#"<HTMLQuestion xmlns="http://mechanicalturk.amazonaws.com/AWSMechanicalTurkDataSchemas/2011-11-11/HTMLQuestion.xsd">
  <HTMLContent><![CDATA[
<!DOCTYPE html>
<html>
<head>
  <meta http-equiv='Content-Type' content='text/html; charset=UTF-8' />
  <script type='text/javascript' src='https://s3.amazonaws.com/mturk-public/externalHIT_v1.js'></script>
</head>
<body>
  <form name='mturk_form' method='post' id='mturk_form' action='https://www.mturk.com/mturk/externalSubmit'>
    <input type='hidden' value='' name='assignmentId' id='assignmentId' />
    <h1>What's up?</h1>
    <p><textarea name='comment' cols='80' rows='3'></textarea></p>
    <p><input type='submit' id='submitButton' value='Submit' /></p></form>
    <script language='Javascript'>turkSetAssignmentID();</script>
  </body>
</html>
]]>
  </HTMLContent>
  <FrameHeight>0</FrameHeight>
</HTMLQuestion>"#;

const SPEC_HTML_QUESTION_CROWD: &str = r#"<HTMLQuestion xmlns="http://mechanicalturk.amazonaws.com/AWSMechanicalTurkDataSchemas/2011-11-11/HTMLQuestion.xsd">
  <HTMLContent><![CDATA[
    <!DOCTYPE html>
    <body>
      <script src="https://assets.crowd.aws/crowd-html-elements.js"></script>
      <crowd-form>
        <crowd-classifier
          name="sentiment"
          categories="['Positive', 'Negative', 'Neutral', 'N/A']"
          header="What sentiment does this text convey?"
        >
          <classification-target>
            Everything is wonderful.
          </classification-target>

    <full-instructions header="Sentiment Analysis Instructions">
    <p><strong>Positive</strong>
      sentiment include: joy, excitement, delight</p>
    <p><strong>Negative</strong> sentiment include:
      anger, sarcasm, anxiety</p>
    <p><strong>Neutral</strong>: neither positive or
      negative, such as stating a fact</p>
    <p><strong>N/A</strong>: when the text cannot be
      understood</p>
    <p>When the sentiment is mixed, such as both joy and sadness,
      use your judgment to choose the stronger emotion.</p>
    </full-instructions>

    <short-instructions>
      Choose the primary sentiment that is expressed by the text.
    </short-instructions>
  </crowd-classifier>
</crowd-form>
</body>
</html>
]]></HTMLContent>
<FrameHeight>0</FrameHeight>
</HTMLQuestion>"#;

const SPEC_EXTERNAL_QUESTION: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<ExternalQuestion xmlns="http://mechanicalturk.amazonaws.com/AWSMechanicalTurkDataSchemas/2006-07-14/ExternalQuestion.xsd">
  <ExternalURL>https://tictactoe.amazon.com/gamesurvey.cgi?gameid=01523</ExternalURL>
  <FrameHeight>0</FrameHeight>
</ExternalQuestion>"#;

const SPEC_QUESTION_FORM_BODY: &str = r#"
  <Overview>
    <Title>Game 01523, "X" to play</Title>
    <Text>
      You are helping to decide the next move in a game of Tic-Tac-Toe. The board
      looks like this:
    </Text>
    <Binary>
      <MimeType>
        <Type>image</Type>
        <SubType>gif</SubType>
      </MimeType>
      <DataURL>http://tictactoe.amazon.com/game/01523/board.gif</DataURL>
      <AltText>The game board, with "X" to move.</AltText>
    </Binary>
    <Text>
      Player "X" has the next move.
    </Text>
  </Overview>
  <Question>
    <QuestionIdentifier>nextmove</QuestionIdentifier>
    <DisplayName>The Next Move</DisplayName>
    <IsRequired>true</IsRequired>
    <QuestionContent>
      <Text>
        What are the coordinates of the best move for player "X" in this game?
      </Text>
    </QuestionContent>
    <AnswerSpecification>
      <FreeTextAnswer>
        <Constraints>
          <Length minLength="2" maxLength="2" />
        </Constraints>
        <DefaultText>C1</DefaultText>
      </FreeTextAnswer>
    </AnswerSpecification>
  </Question>
  <Question>
    <QuestionIdentifier>likelytowin</QuestionIdentifier>
    <DisplayName>The Next Move</DisplayName>
    <IsRequired>true</IsRequired>
    <QuestionContent>
      <Text>
        How likely is it that player "X" will win this game?
      </Text>
    </QuestionContent>
    <AnswerSpecification>
      <SelectionAnswer>
        <StyleSuggestion>radiobutton</StyleSuggestion>
        <Selections>
          <Selection>
            <SelectionIdentifier>notlikely</SelectionIdentifier>
            <Text>Not likely</Text>
          </Selection>
          <Selection>
            <SelectionIdentifier>unsure</SelectionIdentifier>
            <Text>It could go either way</Text>
          </Selection>
          <Selection>
            <SelectionIdentifier>likely</SelectionIdentifier>
            <Text>Likely</Text>
          </Selection>
        </Selections>
      </SelectionAnswer>
    </AnswerSpecification>
  </Question>
"#;

const SPEC_FORMATTED_TABLE: &str = r#"
<table border="1">
  <tr>
    <td></td>
    <td align="center">1</td>
    <td align="center">2</td>
    <td align="center">3</td>
  </tr>
  <tr>
    <td align="right">A</td>
    <td align="center"><b>X</b></td>
    <td align="center">&nbsp;</td>
    <td align="center"><b>0</b></td>
  </tr>
  <tr>
    <td align="right">B</td>
    <td align="center">&nbsp;</td>
    <td align="center"><b>0</b></td>
    <td align="center">&nbsp;</td>
  </tr>
  <tr>
    <td align="right">C</td>
    <td align="center">&nbsp;</td>
    <td align="center">&nbsp;</td>
    <td align="center"><b>X</b></td>
  </tr>
  <tr>
    <td align="center" colspan="4">It is <b>X</b>'s turn.</td>
  </tr>
</table>
"#;

const SPEC_QUESTION_FORM_ANSWERS: &str = r#"<QuestionFormAnswers xmlns="http://mechanicalturk.amazonaws.com/AWSMechanicalTurkDataSchemas/2005-10-01/QuestionFormAnswers.xsd">
<Answer>
  <QuestionIdentifier>nextmove</QuestionIdentifier>
  <FreeText>C3</FreeText>
</Answer>
<Answer>
  <QuestionIdentifier>likelytowin</QuestionIdentifier>
  <SelectionIdentifier>notlikely</SelectionIdentifier>
</Answer>
</QuestionFormAnswers>"#;

#[test]
fn question_spec_html_question_example_parses() {
    match parse(SPEC_HTML_QUESTION) {
        QuestionDocument::Html(h) => {
            assert_eq!(h.frame_height, 0);
            assert!(h.html_content.starts_with("\n<!DOCTYPE html>"));
            assert!(h.html_content.contains("turkSetAssignmentID();"));
            // Stored as given, scripts included: requester HTML is not sanitized.
            assert!(h.html_content.contains("<script language='Javascript'>"));
            assert!(h.html_content.trim_end().ends_with("</html>"));
        }
        other => panic!("{other:?}"),
    }
    let d = parse(SPEC_HTML_QUESTION);
    assert!(d.answer_kinds().is_empty());
    assert_eq!(d.type_name(), "HTMLQuestion");
    assert_eq!(d.frame_height(), Some(0));
}

#[test]
fn question_spec_html_question_crowd_example_parses() {
    match parse(SPEC_HTML_QUESTION_CROWD) {
        QuestionDocument::Html(h) => {
            assert!(h.html_content.contains("<crowd-classifier"));
            assert_eq!(h.frame_height, 0);
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn question_spec_external_question_example_parses() {
    let d = parse(SPEC_EXTERNAL_QUESTION);
    assert_eq!(
        d,
        QuestionDocument::External(ExternalQuestion {
            external_url: "https://tictactoe.amazon.com/gamesurvey.cgi?gameid=01523".into(),
            frame_height: 0,
        })
    );
    assert!(d.answer_kinds().is_empty());
}

#[test]
fn question_spec_question_form_example_parses_in_both_schema_versions() {
    for (ns, schema) in [(QF_NS, QuestionFormSchema::V2005_10_01), (QF17_NS, QuestionFormSchema::V2017_11_06)] {
        let f = only_form(parse(&form_doc(ns, SPEC_QUESTION_FORM_BODY)));
        assert_eq!(f.schema, schema);
        assert_eq!(f.items.len(), 3);
        let FormItem::Overview(overview) = &f.items[0] else { panic!("first item should be the Overview") };
        assert_eq!(overview.len(), 4);
        assert_eq!(overview[0], Content::Title("Game 01523, \"X\" to play".into()));
        assert_eq!(
            overview[2],
            Content::Binary(Binary {
                mime_type: MimeType { media_type: MediaType::Image, sub_type: Some("gif".into()) },
                data_url: "http://tictactoe.amazon.com/game/01523/board.gif".into(),
                alt_text: "The game board, with \"X\" to move.".into(),
            })
        );
        let next = f.question("nextmove").unwrap();
        assert_eq!(next.display_name.as_deref(), Some("The Next Move"));
        assert!(next.is_required);
        let AnswerSpecification::FreeText(ft) = &next.answer else { panic!("nextmove is free text") };
        assert_eq!(ft.default_text.as_deref(), Some("C1"));
        assert_eq!(
            ft.constraints.as_ref().unwrap().length,
            Some(LengthConstraint { min_length: Some(2), max_length: Some(2) })
        );
        let win = f.question("likelytowin").unwrap();
        let AnswerSpecification::Selection(sel) = &win.answer else { panic!("likelytowin is a selection") };
        assert_eq!(sel.style_suggestion, Some(StyleSuggestion::Radiobutton));
        assert_eq!((sel.min_selections(), sel.max_selections()), (1, 1));
        let ids: Vec<_> = sel.selections.iter().map(|s| s.identifier.as_str()).collect();
        assert_eq!(ids, ["notlikely", "unsure", "likely"]);
        assert_eq!(sel.selections[1].content, SelectionContent::Text("It could go either way".into()));
        assert_eq!(
            QuestionDocument::Form(f.clone()).answer_kinds(),
            vec![("nextmove".to_string(), AnswerKind::FreeText), ("likelytowin".to_string(), AnswerKind::Selection)]
        );
    }
}

#[test]
fn question_spec_structure_example_overview_question_overview_question() {
    // "an Overview element and a Question element followed by a second Overview element and
    // Question element"
    let q = |id: &str| {
        format!("<Question><QuestionIdentifier>{id}</QuestionIdentifier><QuestionContent><Text>t</Text></QuestionContent><AnswerSpecification><FreeTextAnswer/></AnswerSpecification></Question>")
    };
    let body =
        format!("<Overview><Title>a</Title></Overview>{}<Overview><Text>b</Text></Overview>{}", q("one"), q("two"));
    let f = only_form(parse(&form_doc(QF_NS, &body)));
    assert!(matches!(f.items[0], FormItem::Overview(_)));
    assert!(matches!(f.items[1], FormItem::Question(_)));
    assert!(matches!(f.items[2], FormItem::Overview(_)));
    assert!(matches!(f.items[3], FormItem::Question(_)));
}

#[test]
fn question_spec_question_element_example_parses() {
    let body = r#"<Question>
  <QuestionIdentifier>my_question_id</QuestionIdentifier>
  <DisplayName>My Question</DisplayName>
  <IsRequired>true</IsRequired>
  <QuestionContent>
    <Title>The Next Move</Title>
    <Text>What is the best next move for "X" in this game of Tic-Tac-Toe?</Text>
    <List>
      <ListItem>It must be a valid move.</ListItem>
      <ListItem>"X" cannot resign.</ListItem>
    </List>
  </QuestionContent>
  <AnswerSpecification>
    <FreeTextAnswer/>
  </AnswerSpecification>
</Question>"#;
    let f = only_form(parse(&form_doc(QF_NS, body)));
    let q = f.question("my_question_id").unwrap();
    assert_eq!(q.content[2], Content::List(vec!["It must be a valid move.".into(), "\"X\" cannot resign.".into()]));
}

#[test]
fn question_spec_application_and_embedded_binary_examples_parse() {
    // The spec examples write `<Name>game_id<Name>`, which is not well-formed; fixed here.
    let content = r#"
<Application>
  <JavaApplet>
    <AppletPath>http://tictactoe.amazon.com/applets/</AppletPath>
    <AppletFilename>GameViewer.class</AppletFilename>
    <Width>400</Width>
    <Height>300</Height>
    <ApplicationParameter>
      <Name>game_id</Name>
      <Value>01523</Value>
    </ApplicationParameter>
  </JavaApplet>
</Application>
<EmbeddedBinary>
  <EmbeddedMimeType>
    <Type>image</Type>
    <SubType>gif</SubType>
  </EmbeddedMimeType>
  <DataURL>http://tictactoe.amazon.com/game/01523/board.gif</DataURL>
  <AltText>The game board, with "X" to move.</AltText>
  <Width>400</Width>
  <Height>300</Height>
  <ApplicationParameter>
    <Name>game_id</Name>
    <Value>01523</Value>
  </ApplicationParameter>
</EmbeddedBinary>
<Application>
  <Flash>
    <FlashMovieURL>https://example.com/movie.swf</FlashMovieURL>
    <Width>400</Width>
    <Height>300</Height>
  </Flash>
</Application>"#;
    let f = only_form(parse(&with_content(content)));
    let q = f.questions().next().unwrap();
    assert_eq!(
        q.content[0],
        Content::Application(Application::JavaApplet(JavaApplet {
            applet_path: "http://tictactoe.amazon.com/applets/".into(),
            applet_filename: "GameViewer.class".into(),
            width: "400".into(),
            height: "300".into(),
            parameters: vec![ApplicationParameter { name: "game_id".into(), value: "01523".into() }],
        }))
    );
    let Content::EmbeddedBinary(eb) = &q.content[1] else { panic!("EmbeddedBinary expected") };
    assert_eq!(eb.mime_type.media_type, MediaType::Image);
    assert_eq!(eb.parameters.len(), 1);
    assert!(matches!(q.content[2], Content::Application(Application::Flash(_))));
}

#[test]
fn question_spec_free_text_answer_examples_parse() {
    let examples = [
        r#"<FreeTextAnswer>
  <Constraints>
    <IsNumeric minValue="100" maxValue="999"/>
    <Length minLength="3" maxLength="3"/>
  </Constraints>
</FreeTextAnswer>"#,
        r#"<FreeTextAnswer>
  <Constraints>
    <IsNumeric/>
    <Length minLength="3" maxLength="3"/>
  </Constraints>
</FreeTextAnswer>"#,
        r#"<FreeTextAnswer>
  <Constraints>
    <Length minLength="2" />
    <AnswerFormatRegex regex="\S" errorText="The content cannot be blank."/>
  </Constraints>
</FreeTextAnswer>"#,
        r#"<FreeTextAnswer>
<Constraints>
  <AnswerFormatRegex regex="(^$|\S{2,})"
    errorText="You must enter at least two characters."/>
</Constraints>
</FreeTextAnswer>"#,
        r#"<FreeTextAnswer>
  <Constraints>
    <AnswerFormatRegex
      regex="^(1[- ])?(\([2-9]\d{2}\)\s*|[2-9]\d{2}-?)[2-9]\d{2}-?\d{4}$)"
      errorText="You must enter a US phone number in the format
        1-555-555-1234 or 555-555-1234."/>
    </Constraints>
  </FreeTextAnswer>"#,
        r#"<FreeTextAnswer>
  <Constraints>
    <AnswerFormatRegex regex="^[12][0-9]{3}-[01]?\d-[0-3]?\d$"
      errorText="You must enter a date with the format yyyy-mm-dd."/>
    </Constraints>
  </FreeTextAnswer>"#,
        r#"<FreeTextAnswer>
  <Constraints>
    <AnswerFormatRegex regex="regex" flags="i"
      errorText="You must enter 'regex'."/>
    </Constraints>
  </FreeTextAnswer>"#,
    ];
    let mut parsed = Vec::new();
    for ex in examples {
        let f = only_form(parse(&one_question(ex)));
        let AnswerSpecification::FreeText(ft) = f.questions().next().unwrap().answer.clone() else {
            panic!("free text expected")
        };
        parsed.push(ft.constraints.unwrap());
    }
    assert_eq!(parsed[0].is_numeric, Some(IsNumeric { min_value: Some(100), max_value: Some(999) }));
    assert_eq!(parsed[1].is_numeric, Some(IsNumeric::default()));
    assert_eq!(
        parsed[2].answer_format_regex,
        vec![AnswerFormatRegex {
            regex: "\\S".into(),
            error_text: Some("The content cannot be blank.".into()),
            flags: None
        }]
    );
    assert_eq!(parsed[3].answer_format_regex[0].regex, "(^$|\\S{2,})");
    // Attribute-value normalization turns the line break in errorText into a space.
    assert!(parsed[4].answer_format_regex[0]
        .error_text
        .as_deref()
        .unwrap()
        .starts_with("You must enter a US phone number in the format  "));
    assert_eq!(parsed[6].answer_format_regex[0].flags.as_deref(), Some("i"));

    // Spec: minLength > 0 is the same as IsRequired.
    let f = only_form(parse(&one_question(examples[2])));
    let q = f.questions().next().unwrap();
    assert!(!q.is_required);
    assert!(q.is_effectively_required());
}

#[test]
fn question_spec_selection_answer_example_parses() {
    let ex = r#"<SelectionAnswer>
  <StyleSuggestion>radiobutton</StyleSuggestion>
<Selections>
  <Selection>
    <SelectionIdentifier>C1</SelectionIdentifier>
    <Text>C1 (northeast)</Text>
  </Selection>
  <Selection>
    <SelectionIdentifier>C2</SelectionIdentifier>
    <Text>C2 (east)</Text>
  </Selection>
  <Selection>
    <SelectionIdentifier>A3</SelectionIdentifier>
    <Text>A3 (southwest)</Text>
  </Selection>
  <Selection>
    <SelectionIdentifier>C3</SelectionIdentifier>
    <Text>C3 (southeast)</Text>
  </Selection>
</Selections>
</SelectionAnswer>"#;
    let f = only_form(parse(&one_question(ex)));
    let AnswerSpecification::Selection(sel) = &f.questions().next().unwrap().answer else {
        panic!("selection expected")
    };
    assert_eq!(sel.selections.len(), 4);
    assert_eq!(sel.selections[3].identifier, "C3");
}

#[test]
fn question_spec_file_upload_answer_example_parses() {
    let ex = r#"<FileUploadAnswer>
  <MaxFileSizeInBytes>3000000</MaxFileSizeInBytes>
  <MinFileSizeInBytes>1000</MinFileSizeInBytes>
</FileUploadAnswer>"#;
    let d = parse(&one_question(ex));
    assert_eq!(d.answer_kinds(), vec![("q1".to_string(), AnswerKind::FileUpload)]);
    let f = only_form(d);
    assert_eq!(
        f.questions().next().unwrap().answer,
        AnswerSpecification::FileUpload(FileUploadAnswer {
            max_file_size_in_bytes: 3_000_000,
            min_file_size_in_bytes: 1000
        })
    );
    // The prose names MinFileSizeInBytes first; that order is accepted too.
    parse(&one_question(
        "<FileUploadAnswer><MinFileSizeInBytes>0</MinFileSizeInBytes><MaxFileSizeInBytes>2000000000</MaxFileSizeInBytes></FileUploadAnswer>",
    ));
}

#[test]
fn question_spec_formatted_content_examples_parse() {
    // The paragraph example.
    let f = only_form(parse(&with_content(
        r#"<FormattedContent><![CDATA[
  <p>This is a paragraph with <b>bold text</b>,
  <i>italic text</i>, and <b><i>bold italic text</i></b>.</p>
]]></FormattedContent>"#,
    )));
    let Content::FormattedContent(fc) = &f.questions().next().unwrap().content[0] else {
        panic!("FormattedContent expected")
    };
    let XhtmlNode::Element(p) = &fc.nodes[1] else { panic!("<p> expected, got {:?}", fc.nodes) };
    assert_eq!(p.name, "p");

    // The Tic-Tac-Toe table, mixed with Text and Title, with &nbsp; entities.
    let content = format!(
        r#"<Text>
  This HIT asks you some questions about a game of Tic-Tac-Toe
  currently in progress. Your answers will help decide the next move.
</Text>
<Title>The Current Board</Title>
<Text>
  The following table shows the board as it currently stands.
</Text>
<FormattedContent><![CDATA[{SPEC_FORMATTED_TABLE}]]></FormattedContent>"#
    );
    let f = only_form(parse(&with_content(&content)));
    let Content::FormattedContent(fc) = &f.questions().next().unwrap().content[3] else {
        panic!("FormattedContent expected")
    };
    assert_eq!(fc.source, SPEC_FORMATTED_TABLE);
    let html = fc.to_html();
    assert!(html.contains("<td align=\"center\">\u{a0}</td>"), "{html}");
    assert!(html.contains("<td align=\"center\" colspan=\"4\">It is <b>X</b>&#39;s turn.</td>"));

    // The validation example and the nesting examples.
    FormattedContent::parse("\n    I absolutely <i>love</i> chocolate ice cream!\n  ").unwrap();
    FormattedContent::parse("<b><i>This text appears bold italic.</i></b>").unwrap();
    let e = FormattedContent::parse("<b><i>These tags don't nest properly!</b></i>").unwrap_err();
    assert!(e.0.contains("</b>") && e.0.contains("<i>"), "{e}");
}

#[test]
fn question_spec_question_form_answers_example_parses() {
    assert_eq!(
        parse_answers(SPEC_QUESTION_FORM_ANSWERS).unwrap(),
        vec![
            ("nextmove".to_string(), vec!["C3".to_string()]),
            ("likelytowin".to_string(), vec!["notlikely".to_string()]),
        ]
    );
    assert_eq!(
        parse_answer_document(SPEC_QUESTION_FORM_ANSWERS).unwrap()[1].value,
        AnswerValue::Selection { selection_identifiers: vec!["notlikely".into()], other_selection_text: None }
    );
}

// ---------------------------------------------------------------------------------------------
// Document type, namespace, well-formedness
// ---------------------------------------------------------------------------------------------

#[test]
fn question_malformed_xml_reports_line_and_column() {
    let xml = format!("<HTMLQuestion xmlns=\"{HTML_NS}\">\n  <HTMLContent>x</HTMLContnt>\n</HTMLQuestion>");
    let msg = expect_err(&xml, &["line 2, column 17", "</HTMLContnt>", "<HTMLContent>", "line 2, column 3"]);
    assert!(msg.starts_with("line 2, column 17: malformed XML"), "{msg}");

    expect_err(
        &format!("<HTMLQuestion xmlns=\"{HTML_NS}\">\n<HTMLContent>a & b</HTMLContent>"),
        &["line 2, column 16", "&amp;"],
    );
    expect_err(
        &format!("<ExternalQuestion xmlns=\"{EXT_NS}\">\n  <ExternalURL>"),
        &["<ExternalURL> is never closed", "line 2, column 3"],
    );
    expect_err("", &["empty"]);
    expect_err("   \n", &["empty"]);
    expect_err(&format!("<HTMLQuestion xmlns=\"{HTML_NS}\"/><HTMLQuestion/>"), &["only one root element", "line 1"]);
    expect_err(
        &format!("<HTMLQuestion xmlns=\"{HTML_NS}\"><HTMLContent>\u{1}</HTMLContent><FrameHeight>0</FrameHeight></HTMLQuestion>"),
        &["U+0001"],
    );
    expect_err(&format!("<!DOCTYPE x [<!ENTITY a 'b'>]><HTMLQuestion xmlns=\"{HTML_NS}\"/>"), &["DOCTYPE"]);
    expect_err("<q:QuestionForm xmlns=\"x\"/>", &["prefix 'q'", "not declared"]);
}

#[test]
fn question_unknown_root_and_namespace_errors() {
    expect_err(
        "<Question xmlns=\"urn:x\"/>",
        &["unknown root element <Question>", "HTMLQuestion, ExternalQuestion or QuestionForm", "line 1, column 1"],
    );
    expect_err(SPEC_QUESTION_FORM_ANSWERS, &["unknown root element <QuestionFormAnswers>"]);
    // Wrong namespace for the type (a QuestionForm namespace on an HTMLQuestion).
    expect_err(
        &format!(
            "<HTMLQuestion xmlns=\"{QF_NS}\"><HTMLContent>x</HTMLContent><FrameHeight>0</FrameHeight></HTMLQuestion>"
        ),
        &["HTMLQuestion:", "unsupported namespace", QF_NS, HTML_NS],
    );
    // An unknown version date.
    expect_err(
        &form_doc("http://mechanicalturk.amazonaws.com/AWSMechanicalTurkDataSchemas/2099-01-01/QuestionForm.xsd", ""),
        &["QuestionForm:", "unsupported namespace", QF_NS, QF17_NS],
    );
    // No namespace at all.
    expect_err(
        "<ExternalQuestion><ExternalURL>https://a.example/</ExternalURL><FrameHeight>0</FrameHeight></ExternalQuestion>",
        &["ExternalQuestion:", "missing namespace", EXT_NS],
    );
    // A child element outside the document namespace.
    expect_err(
        &format!("<ExternalQuestion xmlns=\"{EXT_NS}\"><ExternalURL xmlns=\"urn:other\">https://a.example/</ExternalURL><FrameHeight>0</FrameHeight></ExternalQuestion>"),
        &["ExternalQuestion/ExternalURL:", "urn:other", EXT_NS],
    );
}

#[test]
fn question_prefixed_namespace_and_bom_are_accepted() {
    let xml = format!(
        "\u{FEFF}<mt:ExternalQuestion xmlns:mt=\"{EXT_NS}\" xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\" xsi:schemaLocation=\"x\"><mt:ExternalURL> https://a.example/x?y=1 </mt:ExternalURL><mt:FrameHeight>+640</mt:FrameHeight></mt:ExternalQuestion>"
    );
    assert_eq!(
        parse(&xml),
        QuestionDocument::External(ExternalQuestion {
            external_url: "https://a.example/x?y=1".into(),
            frame_height: 640
        })
    );
}

// ---------------------------------------------------------------------------------------------
// HTMLQuestion
// ---------------------------------------------------------------------------------------------

fn html(inner: &str) -> String {
    format!("<HTMLQuestion xmlns=\"{HTML_NS}\">{inner}</HTMLQuestion>")
}

#[test]
fn question_html_content_is_required_and_non_empty() {
    expect_err(
        &html("<FrameHeight>0</FrameHeight>"),
        &["HTMLQuestion:", "missing required element <HTMLContent>", "line 1, column"],
    );
    expect_err(
        &html("<HTMLContent><![CDATA[  \n ]]></HTMLContent><FrameHeight>0</FrameHeight>"),
        &["HTMLQuestion/HTMLContent:", "must not be empty"],
    );
    expect_err(
        &html("<HTMLContent><b>x</b></HTMLContent><FrameHeight>0</FrameHeight>"),
        &["HTMLQuestion/HTMLContent:", "must contain only text", "<b>", "CDATA"],
    );
    // Escaped HTML (no CDATA) is fine and is stored unescaped.
    match parse(&html("<HTMLContent>&lt;p&gt;hi&lt;/p&gt;</HTMLContent><FrameHeight>5</FrameHeight>")) {
        QuestionDocument::Html(h) => assert_eq!(h.html_content, "<p>hi</p>"),
        other => panic!("{other:?}"),
    }
}

#[test]
fn question_html_frame_height_rules() {
    let with_height = |h: &str| html(&format!("<HTMLContent>x</HTMLContent><FrameHeight>{h}</FrameHeight>"));
    assert_eq!(parse(&with_height(" 450 ")).frame_height(), Some(450));
    assert_eq!(parse(&with_height("0")).frame_height(), Some(0));
    expect_err(&with_height("-1"), &["HTMLQuestion/FrameHeight:", "at least 0", "-1"]);
    expect_err(&with_height("tall"), &["HTMLQuestion/FrameHeight:", "must be an integer", "tall"]);
    expect_err(&with_height(""), &["HTMLQuestion/FrameHeight:", "must be an integer"]);
    expect_err(&with_height("1.5"), &["HTMLQuestion/FrameHeight:", "must be an integer"]);
    expect_err(&with_height("99999999999"), &["HTMLQuestion/FrameHeight:", "at most 4294967295"]);
    expect_err(&html("<HTMLContent>x</HTMLContent>"), &["HTMLQuestion:", "missing required element <FrameHeight>"]);
    expect_err(
        &html("<FrameHeight>0</FrameHeight><HTMLContent>x</HTMLContent>"),
        &["HTMLQuestion:", "missing required element <HTMLContent> before <FrameHeight>"],
    );
    expect_err(
        &html("<HTMLContent>x</HTMLContent><FrameHeight>0</FrameHeight><FrameHeight>1</FrameHeight>"),
        &["HTMLQuestion/FrameHeight:", "only once"],
    );
    expect_err(
        &html("<HTMLContent>x</HTMLContent><FrameHeight>0</FrameHeight><Extra/>"),
        &["HTMLQuestion/Extra:", "unexpected element <Extra>"],
    );
    expect_err(
        &html("<HTMLContent>x</HTMLContent>stray<FrameHeight>0</FrameHeight>"),
        &["HTMLQuestion:", "unexpected text \"stray\""],
    );
    expect_err(
        &format!("<HTMLQuestion xmlns=\"{HTML_NS}\" foo=\"1\"><HTMLContent>x</HTMLContent><FrameHeight>0</FrameHeight></HTMLQuestion>"),
        &["HTMLQuestion:", "attribute 'foo' is not allowed"],
    );
}

// ---------------------------------------------------------------------------------------------
// ExternalQuestion
// ---------------------------------------------------------------------------------------------

fn external(url: &str) -> String {
    format!(
        "<ExternalQuestion xmlns=\"{EXT_NS}\">\n  <ExternalURL>{url}</ExternalURL>\n  <FrameHeight>400</FrameHeight>\n</ExternalQuestion>"
    )
}

#[test]
fn question_external_url_must_be_https() {
    parse(&external("https://example.com/task?x=1&amp;y=2"));
    expect_err(
        &external("http://example.com/task"),
        &["ExternalQuestion/ExternalURL:", "must use the https scheme", "line 2, column 3"],
    );
    expect_err(&external("ftp://example.com/"), &["ExternalQuestion/ExternalURL:", "https", "ftp"]);
    expect_err(&external("javascript:alert(1)"), &["ExternalQuestion/ExternalURL:", "https"]);
    expect_err(&external("/relative/path"), &["ExternalQuestion/ExternalURL:", "not a valid absolute URL"]);
    expect_err(&external("   "), &["ExternalQuestion/ExternalURL:", "must not be empty"]);
    expect_err(
        &external("https://example.com/a\nb c"),
        &["ExternalQuestion/ExternalURL:", "must not contain whitespace"],
    );
    expect_err(
        &format!("<ExternalQuestion xmlns=\"{EXT_NS}\"><FrameHeight>0</FrameHeight></ExternalQuestion>"),
        &["ExternalQuestion:", "missing required element <ExternalURL>"],
    );
    expect_err(
        &format!("<ExternalQuestion xmlns=\"{EXT_NS}\"><ExternalURL>https://a.example/</ExternalURL><FrameHeight>-5</FrameHeight></ExternalQuestion>"),
        &["ExternalQuestion/FrameHeight:", "at least 0"],
    );
}

#[test]
fn question_external_http_only_for_loopback_in_sandbox() {
    for url in [
        "http://localhost:8080/task",
        "http://LOCALHOST/task",
        "http://127.0.0.1/task",
        "http://127.1.2.3:9000/",
        "http://[::1]:8000/x",
    ] {
        assert!(parse_question(&external(url), &sandbox()).is_ok(), "{url}");
        expect_err(&external(url), &["ExternalQuestion/ExternalURL:", "https"]);
    }
    for url in ["http://example.com/", "http://10.0.0.1/", "http://localhost.example.com/", "http://128.0.0.1/"] {
        expect_err_with(
            &external(url),
            &sandbox(),
            &["ExternalQuestion/ExternalURL:", "http is only allowed for loopback hosts"],
        );
    }
    // https is fine everywhere.
    assert!(parse_question(&external("https://example.com/"), &sandbox()).is_ok());
}

// ---------------------------------------------------------------------------------------------
// QuestionForm structure
// ---------------------------------------------------------------------------------------------

fn question(id: &str) -> String {
    format!("<Question><QuestionIdentifier>{id}</QuestionIdentifier><QuestionContent><Text>t</Text></QuestionContent><AnswerSpecification><FreeTextAnswer/></AnswerSpecification></Question>")
}

#[test]
fn question_form_needs_a_question() {
    expect_err(
        &form_doc(QF_NS, "<Overview><Text>only an overview</Text></Overview>"),
        &["QuestionForm:", "at least one Question"],
    );
    expect_err(&form_doc(QF_NS, ""), &["QuestionForm:", "at least one Question"]);
    expect_err(
        &form_doc(QF_NS, &format!("{}<Answer/>", question("a"))),
        &["QuestionForm/Answer:", "only Overview and Question"],
    );
}

#[test]
fn question_form_identifiers_unique_and_non_empty() {
    let body = format!("{}\n{}\n{}", question("a"), question("b"), question("a"));
    expect_err(
        &form_doc(QF_NS, &body),
        &[
            "QuestionForm/Question[3]/QuestionIdentifier:",
            "duplicate QuestionIdentifier \"a\"",
            "Question[1]",
            "line 3",
        ],
    );
    // Surrounding whitespace is not significant.
    let body = format!("{}{}", question("a"), question("\n  a  "));
    expect_err(&form_doc(QF_NS, &body), &["QuestionForm/Question[2]/QuestionIdentifier:", "duplicate"]);
    expect_err(
        &form_doc(QF_NS, &question("  ")),
        &["QuestionForm/Question[1]/QuestionIdentifier:", "must not be empty"],
    );
}

#[test]
fn question_form_question_element_order_and_requirements() {
    let q = |inner: &str| form_doc(QF_NS, &format!("{}<Question>{inner}</Question>", question("first")));
    expect_err(
        &q("<QuestionIdentifier>x</QuestionIdentifier><QuestionContent><Text>t</Text></QuestionContent>"),
        &["QuestionForm/Question[2]:", "missing required element <AnswerSpecification>"],
    );
    expect_err(
        &q("<QuestionIdentifier>x</QuestionIdentifier><AnswerSpecification><FreeTextAnswer/></AnswerSpecification>"),
        &["QuestionForm/Question[2]:", "missing required element <QuestionContent> before <AnswerSpecification>"],
    );
    expect_err(
        &q("<QuestionContent><Text>t</Text></QuestionContent><QuestionIdentifier>x</QuestionIdentifier><AnswerSpecification><FreeTextAnswer/></AnswerSpecification>"),
        &["QuestionForm/Question[2]:", "missing required element <QuestionIdentifier>"],
    );
    expect_err(
        &q("<QuestionIdentifier>x</QuestionIdentifier><IsRequired>true</IsRequired><DisplayName>d</DisplayName><QuestionContent><Text>t</Text></QuestionContent><AnswerSpecification><FreeTextAnswer/></AnswerSpecification>"),
        &["QuestionForm/Question[2]/DisplayName:", "out of order", "QuestionIdentifier, DisplayName?, IsRequired?, QuestionContent, AnswerSpecification"],
    );
    expect_err(
        &q("<QuestionIdentifier>x</QuestionIdentifier><IsRequired>yes</IsRequired><QuestionContent><Text>t</Text></QuestionContent><AnswerSpecification><FreeTextAnswer/></AnswerSpecification>"),
        &["QuestionForm/Question[2]/IsRequired:", "true or false", "yes"],
    );
    // xs:boolean also accepts 1/0.
    let f = only_form(parse(&q("<QuestionIdentifier>x</QuestionIdentifier><IsRequired> 1 </IsRequired><QuestionContent><Text>t</Text></QuestionContent><AnswerSpecification><FreeTextAnswer/></AnswerSpecification>")));
    assert!(f.question("x").unwrap().is_required);
}

#[test]
fn question_form_answer_specification_exactly_one() {
    let doc = |spec: &str| {
        form_doc(
            QF_NS,
            &format!("{}{}<Question><QuestionIdentifier>x</QuestionIdentifier><QuestionContent><Text>t</Text></QuestionContent><AnswerSpecification>{spec}</AnswerSpecification></Question>", question("a"), question("b")),
        )
    };
    expect_err(
        &doc(""),
        &[
            "QuestionForm/Question[3]/AnswerSpecification:",
            "exactly one of FreeTextAnswer, SelectionAnswer or FileUploadAnswer",
            "empty",
        ],
    );
    expect_err(
        &doc("<FreeTextAnswer/><SelectionAnswer/>"),
        &["QuestionForm/Question[3]/AnswerSpecification:", "found <SelectionAnswer> after <FreeTextAnswer>"],
    );
    expect_err(
        &doc("<NumberAnswer/>"),
        &["QuestionForm/Question[3]/AnswerSpecification/NumberAnswer:", "unexpected element <NumberAnswer>"],
    );
}

#[test]
fn question_form_content_rules() {
    expect_err(&with_content(""), &["QuestionForm/Question[1]/QuestionContent:", "at least one content element"]);
    expect_err(
        &form_doc(QF_NS, &format!("<Overview/>{}", question("a"))),
        &["QuestionForm/Overview[1]:", "at least one content element"],
    );
    expect_err(
        &with_content("<Text>a</Text><Paragraph>b</Paragraph>"),
        &["QuestionForm/Question[1]/QuestionContent/Paragraph:", "unexpected element <Paragraph>", "Title, Text, List"],
    );
    expect_err(
        &with_content("<Text>a</Text><Text>b <b>c</b></Text>"),
        &["QuestionForm/Question[1]/QuestionContent/Text[2]:", "must contain only text", "<b>"],
    );
    expect_err(
        &with_content("<List></List>"),
        &["QuestionForm/Question[1]/QuestionContent/List[1]:", "missing required element <ListItem>"],
    );
    expect_err(
        &with_content("<List><Item>x</Item></List>"),
        &["QuestionForm/Question[1]/QuestionContent/List[1]/Item:", "unexpected element <Item>"],
    );
    // Text is plain text: markup-looking characters are kept verbatim.
    let f = only_form(parse(&with_content("<Text>if a &lt; b &amp;&amp; c</Text>")));
    assert_eq!(f.questions().next().unwrap().content[0], Content::Text("if a < b && c".into()));
}

#[test]
fn question_form_binary_rules() {
    let bin = |mime: &str, url: &str| {
        with_content(&format!(
            "<Binary><MimeType>{mime}</MimeType><DataURL>{url}</DataURL><AltText>alt</AltText></Binary>"
        ))
    };
    parse(&bin("<Type>video</Type>", "https://example.com/v.mp4"));
    expect_err(
        &bin("<Type>document</Type>", "https://example.com/x"),
        &["QuestionForm/Question[1]/QuestionContent/Binary[1]/MimeType/Type:", "image, audio or video", "document"],
    );
    expect_err(
        &bin("<SubType>gif</SubType>", "https://example.com/x"),
        &["QuestionForm/Question[1]/QuestionContent/Binary[1]/MimeType:", "missing required element <Type>"],
    );
    expect_err(
        &bin("<Type>image</Type>", "javascript:alert(1)"),
        &["QuestionForm/Question[1]/QuestionContent/Binary[1]/DataURL:", "absolute http:// or https:// URL"],
    );
    expect_err(
        &bin("<Type>image</Type>", "https://example.com/a b.gif"),
        &["Binary[1]/DataURL:", "without whitespace"],
    );
    expect_err(&bin("<Type>image</Type>", "board.gif"), &["Binary[1]/DataURL:", "absolute http:// or https:// URL"]);
    expect_err(
        &with_content("<Binary><MimeType><Type>image</Type></MimeType><DataURL>https://a.example/</DataURL></Binary>"),
        &["QuestionForm/Question[1]/QuestionContent/Binary[1]:", "missing required element <AltText>"],
    );
    expect_err(
        &with_content("<Application><JavaApplet><AppletPath>file:///etc/</AppletPath><AppletFilename>A.class</AppletFilename><Width>1</Width><Height>1</Height></JavaApplet></Application>"),
        &["Application[1]/JavaApplet/AppletPath:", "absolute http:// or https:// URL"],
    );
    expect_err(
        &with_content("<Application><JavaApplet><AppletPath>https://a.example/</AppletPath><AppletFilename>A.class</AppletFilename><Width>1</Width><Height>1</Height></JavaApplet><Flash/></Application>"),
        &["QuestionForm/Question[1]/QuestionContent/Application[1]:", "exactly one JavaApplet or Flash"],
    );
}

#[test]
fn question_form_2017_schema_drops_application_and_file_upload() {
    let app = "<Application><Flash><FlashMovieURL>https://a.example/m.swf</FlashMovieURL><Width>1</Width><Height>1</Height></Flash></Application>";
    let q = |content: &str, answer: &str| {
        format!("<Question><QuestionIdentifier>q</QuestionIdentifier><QuestionContent>{content}</QuestionContent><AnswerSpecification>{answer}</AnswerSpecification></Question>")
    };
    let upload = "<FileUploadAnswer><MaxFileSizeInBytes>10</MaxFileSizeInBytes><MinFileSizeInBytes>1</MinFileSizeInBytes></FileUploadAnswer>";
    parse(&form_doc(QF_NS, &q(app, upload)));
    expect_err(
        &form_doc(QF17_NS, &q(app, "<FreeTextAnswer/>")),
        &["QuestionForm/Question[1]/QuestionContent/Application[1]:", "not supported by the 2017-11-06"],
    );
    expect_err(
        &form_doc(QF17_NS, &q("<Text>t</Text>", upload)),
        &["QuestionForm/Question[1]/AnswerSpecification/FileUploadAnswer:", "not supported by the 2017-11-06"],
    );
}

#[test]
fn question_form_free_text_constraint_rules() {
    let c = |constraints: &str| {
        one_question(&format!("<FreeTextAnswer><Constraints>{constraints}</Constraints></FreeTextAnswer>"))
    };
    let base = "QuestionForm/Question[1]/AnswerSpecification/FreeTextAnswer/Constraints";
    expect_err(
        &c(r#"<IsNumeric minValue="10" maxValue="5"/>"#),
        &[&format!("{base}/IsNumeric:"), "minValue (10) must not be greater than maxValue (5)"],
    );
    expect_err(
        &c(r#"<IsNumeric minValue="ten"/>"#),
        &[&format!("{base}/IsNumeric:"), "minValue attribute must be an integer"],
    );
    expect_err(&c(r#"<IsNumeric maxValue="3000000000"/>"#), &[&format!("{base}/IsNumeric:"), "at most 2147483647"]);
    expect_err(
        &c(r#"<IsNumeric min="1"/>"#),
        &[&format!("{base}/IsNumeric:"), "attribute 'min' is not allowed", "minValue, maxValue"],
    );
    expect_err(
        &c(r#"<Length minLength="5" maxLength="2"/>"#),
        &[&format!("{base}/Length:"), "minLength (5) must not be greater than maxLength (2)"],
    );
    expect_err(
        &c(r#"<Length maxLength="0"/>"#),
        &[&format!("{base}/Length:"), "maxLength attribute must be at least 1"],
    );
    expect_err(
        &c(r#"<Length minLength="-1"/>"#),
        &[&format!("{base}/Length:"), "minLength attribute must be at least 0"],
    );
    expect_err(
        &c(r#"<AnswerFormatRegex errorText="x"/>"#),
        &[&format!("{base}/AnswerFormatRegex[1]:"), "requires a regex attribute"],
    );
    expect_err(
        &c(r#"<AnswerFormatRegex regex="a"/><AnswerFormatRegex regex="b" flags="g"/>"#),
        &[&format!("{base}/AnswerFormatRegex[2]:"), "flags attribute may only be \"i\"", "\"g\""],
    );
    expect_err(&c(r#"<Length minLength="1"/><IsNumeric/>"#), &[&format!("{base}/IsNumeric:"), "out of order"]);
    expect_err(&c(r#"<IsNumeric>5</IsNumeric>"#), &[&format!("{base}/IsNumeric:"), "must be empty"]);
    expect_err(
        &one_question("<FreeTextAnswer><NumberOfLinesSuggestion>0</NumberOfLinesSuggestion></FreeTextAnswer>"),
        &["QuestionForm/Question[1]/AnswerSpecification/FreeTextAnswer/NumberOfLinesSuggestion:", "at least 1"],
    );
    expect_err(
        &one_question("<FreeTextAnswer><DefaultText>a</DefaultText><Constraints/></FreeTextAnswer>"),
        &["QuestionForm/Question[1]/AnswerSpecification/FreeTextAnswer/Constraints:", "out of order"],
    );
    // Several regexes are allowed and all kept.
    let f = only_form(parse(&c(r#"<AnswerFormatRegex regex="a"/><AnswerFormatRegex regex="b" flags="i"/>"#)));
    let AnswerSpecification::FreeText(ft) = &f.questions().next().unwrap().answer else { panic!() };
    assert_eq!(ft.constraints.as_ref().unwrap().answer_format_regex.len(), 2);
}

fn selection_answer(prefix: &str, selections: &str) -> String {
    one_question(&format!("<SelectionAnswer>{prefix}<Selections>{selections}</Selections></SelectionAnswer>"))
}

fn sel(id: &str) -> String {
    format!("<Selection><SelectionIdentifier>{id}</SelectionIdentifier><Text>{id}</Text></Selection>")
}

#[test]
fn question_form_selection_identifiers_unique_and_present() {
    let base = "QuestionForm/Question[1]/AnswerSpecification/SelectionAnswer/Selections";
    expect_err(
        &selection_answer("", &format!("{}{}{}", sel("a"), sel("b"), sel("a"))),
        &[&format!("{base}/Selection[3]/SelectionIdentifier:"), "duplicate SelectionIdentifier \"a\"", "Selection[1]"],
    );
    expect_err(&selection_answer("", ""), &[&format!("{base}:"), "missing required element <Selection>"]);
    expect_err(
        &selection_answer("", "<Selection><SelectionIdentifier>a</SelectionIdentifier></Selection>"),
        &[&format!("{base}/Selection[1]:"), "exactly one of Text, FormattedContent or Binary", "<SelectionIdentifier>"],
    );
    expect_err(
        &selection_answer("", "<Selection><SelectionIdentifier> </SelectionIdentifier><Text>x</Text></Selection>"),
        &[&format!("{base}/Selection[1]/SelectionIdentifier:"), "must not be empty"],
    );
    expect_err(
        &selection_answer("", "<Selection><SelectionIdentifier>a</SelectionIdentifier><Title>x</Title></Selection>"),
        &[&format!("{base}/Selection[1]/Title:"), "unexpected element <Title>"],
    );
    expect_err(
        &one_question("<SelectionAnswer><StyleSuggestion>checkbox</StyleSuggestion></SelectionAnswer>"),
        &["QuestionForm/Question[1]/AnswerSpecification/SelectionAnswer:", "missing required element <Selections>"],
    );
    // Selection content may be FormattedContent or Binary.
    let f = only_form(parse(&selection_answer(
        "",
        "<Selection><SelectionIdentifier>f</SelectionIdentifier><FormattedContent><![CDATA[<b>bold</b>]]></FormattedContent></Selection><Selection><SelectionIdentifier>b</SelectionIdentifier><Binary><MimeType><Type>audio</Type></MimeType><DataURL>https://a.example/a.mp3</DataURL><AltText>a</AltText></Binary></Selection>",
    )));
    let AnswerSpecification::Selection(s) = &f.questions().next().unwrap().answer else { panic!() };
    assert!(matches!(s.selections[0].content, SelectionContent::FormattedContent(_)));
    assert!(matches!(s.selections[1].content, SelectionContent::Binary(_)));
}

#[test]
fn question_form_selection_count_rules() {
    let three = format!("{}{}{}", sel("a"), sel("b"), sel("c"));
    let path = "QuestionForm/Question[1]/AnswerSpecification/SelectionAnswer:";
    parse(&selection_answer("<MinSelectionCount>0</MinSelectionCount><MaxSelectionCount>3</MaxSelectionCount><StyleSuggestion>checkbox</StyleSuggestion>", &three));
    expect_err(
        &selection_answer("<MinSelectionCount>3</MinSelectionCount><MaxSelectionCount>2</MaxSelectionCount>", &three),
        &[path, "MinSelectionCount (3) must not be greater than MaxSelectionCount (2)"],
    );
    expect_err(
        &selection_answer("<MinSelectionCount>2</MinSelectionCount>", &three),
        &[path, "MinSelectionCount (2) must not be greater than MaxSelectionCount (1, the default)"],
    );
    expect_err(
        &selection_answer("<MaxSelectionCount>4</MaxSelectionCount>", &three),
        &[path, "MaxSelectionCount (4) must not be greater than the number of selections (3)"],
    );
    // OtherSelection counts as one more possible answer.
    parse(&selection_answer(
        "<MaxSelectionCount>4</MaxSelectionCount><StyleSuggestion>multichooser</StyleSuggestion>",
        &format!("{three}<OtherSelection><DefaultText>other</DefaultText></OtherSelection>"),
    ));
    expect_err(
        &selection_answer("<MaxSelectionCount>0</MaxSelectionCount>", &three),
        &["SelectionAnswer/MaxSelectionCount:", "at least 1"],
    );
    expect_err(
        &selection_answer("<MinSelectionCount>-1</MinSelectionCount>", &three),
        &["SelectionAnswer/MinSelectionCount:", "at least 0"],
    );
    expect_err(
        &selection_answer(
            "<MaxSelectionCount>2</MaxSelectionCount><StyleSuggestion>radiobutton</StyleSuggestion>",
            &three,
        ),
        &["SelectionAnswer/StyleSuggestion:", "\"radiobutton\"", "MaxSelectionCount is 1 (it is 2)"],
    );
    expect_err(
        &selection_answer(
            "<MaxSelectionCount>3</MaxSelectionCount><StyleSuggestion>dropdown</StyleSuggestion>",
            &three,
        ),
        &["SelectionAnswer/StyleSuggestion:", "\"dropdown\""],
    );
    expect_err(
        &selection_answer("<StyleSuggestion>slider</StyleSuggestion>", &three),
        &[
            "SelectionAnswer/StyleSuggestion:",
            "radiobutton, checkbox, list, dropdown, combobox or multichooser",
            "slider",
        ],
    );
    expect_err(
        &selection_answer("<StyleSuggestion>list</StyleSuggestion><MaxSelectionCount>2</MaxSelectionCount>", &three),
        &["SelectionAnswer/MaxSelectionCount:", "out of order"],
    );
    expect_err(
        &selection_answer("", &format!("{}<OtherSelection/>{}", sel("a"), sel("b"))),
        &["Selections/Selection:", "out of order"],
    );
    for style in ["radiobutton", "checkbox", "list", "dropdown", "combobox", "multichooser"] {
        parse(&selection_answer(&format!("<StyleSuggestion>{style}</StyleSuggestion>"), &three));
    }
}

#[test]
fn question_form_file_upload_rules() {
    let fu = |max: &str, min: &str| {
        one_question(&format!(
            "<FileUploadAnswer><MaxFileSizeInBytes>{max}</MaxFileSizeInBytes><MinFileSizeInBytes>{min}</MinFileSizeInBytes></FileUploadAnswer>"
        ))
    };
    let path = "QuestionForm/Question[1]/AnswerSpecification/FileUploadAnswer";
    parse(&fu("2000000000", "0"));
    expect_err(&fu("2000000001", "0"), &[&format!("{path}/MaxFileSizeInBytes:"), "at most 2000000000"]);
    expect_err(&fu("100", "-1"), &[&format!("{path}/MinFileSizeInBytes:"), "at least 0"]);
    expect_err(
        &fu("100", "200"),
        &[&format!("{path}:"), "MinFileSizeInBytes (200) must not be greater than MaxFileSizeInBytes (100)"],
    );
    expect_err(
        &one_question("<FileUploadAnswer><MaxFileSizeInBytes>10</MaxFileSizeInBytes></FileUploadAnswer>"),
        &[&format!("{path}:"), "missing required element <MinFileSizeInBytes>"],
    );
    expect_err(
        &one_question("<FileUploadAnswer><MaxFileSizeInBytes>10</MaxFileSizeInBytes><MaxFileSizeInBytes>10</MaxFileSizeInBytes><MinFileSizeInBytes>1</MinFileSizeInBytes></FileUploadAnswer>"),
        &[&format!("{path}/MaxFileSizeInBytes:"), "only once"],
    );
}

#[test]
fn question_form_error_positions_point_at_the_element() {
    let xml = format!(
        "<QuestionForm xmlns=\"{QF_NS}\">\n{}\n  <Question>\n    <QuestionIdentifier>b</QuestionIdentifier>\n    <QuestionContent><Text>t</Text></QuestionContent>\n    <AnswerSpecification>\n      <SelectionAnswer>\n        <MaxSelectionCount>5</MaxSelectionCount>\n        <Selections>{}</Selections>\n      </SelectionAnswer>\n    </AnswerSpecification>\n  </Question>\n</QuestionForm>",
        question("a"),
        sel("x")
    );
    let msg = expect_err(&xml, &["QuestionForm/Question[2]/AnswerSpecification/SelectionAnswer:"]);
    assert!(msg.ends_with("(line 8, column 9)"), "{msg}");
}

#[test]
fn question_form_elements_must_be_in_the_form_namespace() {
    let body = format!(
        "<Question><QuestionIdentifier>a</QuestionIdentifier><QuestionContent><Text xmlns=\"{QF17_NS}\">t</Text></QuestionContent><AnswerSpecification><FreeTextAnswer/></AnswerSpecification></Question>"
    );
    expect_err(
        &form_doc(QF_NS, &body),
        &["QuestionForm/Question[1]/QuestionContent/Text:", "2017-11-06", "must be in the namespace"],
    );
}

#[test]
fn question_form_nesting_depth_is_limited() {
    let deep = format!("{}{}", "<Text>".repeat(200), "</Text>".repeat(200));
    expect_err(&with_content(&deep), &["nested too deeply"]);
}

// ---------------------------------------------------------------------------------------------
// FormattedContent
// ---------------------------------------------------------------------------------------------

const FC_PATH: &str = "QuestionForm/Question[1]/QuestionContent/FormattedContent[1]:";

#[test]
fn question_formatted_content_rejects_script_and_style() {
    expect_err(&formatted("<p>hi</p><script>alert(1)</script>"), &[FC_PATH, "<script> is not allowed", "JavaScript"]);
    expect_err(&formatted("<style>p{color:red}</style>"), &[FC_PATH, "<style> is not allowed", "CSS"]);
    expect_err(&formatted("<p style=\"color:red\">x</p>"), &[FC_PATH, "style attribute on <p>", "CSS"]);
    expect_err(&formatted("<p class=\"big\">x</p>"), &[FC_PATH, "class attribute on <p>"]);
    expect_err(&formatted("<h1 id=\"top\">x</h1>"), &[FC_PATH, "id attribute on <h1>"]);
    expect_err(&formatted("<b onclick=\"alert(1)\">x</b>"), &[FC_PATH, "event handler attribute 'onclick' on <b>"]);
    expect_err(
        &formatted("<img src=\"https://a.example/x.png\" alt=\"x\" onerror=\"alert(1)\"/>"),
        &[FC_PATH, "'onerror' on <img>"],
    );
    expect_err(&formatted("<b onClick=\"x\">x</b>"), &[FC_PATH, "'onClick' on <b>"]);
}

#[test]
fn question_formatted_content_rejects_unlisted_tags_and_attributes() {
    expect_err(&formatted("<div>x</div>"), &[FC_PATH, "<div> is not a supported formatted-content tag"]);
    expect_err(&formatted("<span>x</span>"), &[FC_PATH, "<span>"]);
    expect_err(&formatted("<iframe src=\"https://a.example/\"></iframe>"), &[FC_PATH, "<iframe>"]);
    expect_err(&formatted("<tt>x</tt>"), &[FC_PATH, "<tt>"]);
    expect_err(&formatted("<B>x</B>"), &[FC_PATH, "<B> is not allowed", "lowercase"]);
    expect_err(&formatted("<p ALIGN=\"left\">x</p>"), &[FC_PATH, "'ALIGN'", "lowercase"]);
    expect_err(
        &formatted("<b align=\"left\">x</b>"),
        &[FC_PATH, "the attribute 'align' is not allowed on <b>", "title, dir, lang"],
    );
    expect_err(&formatted("<br dir=\"ltr\"/>"), &[FC_PATH, "'dir' is not allowed on <br>"]);
    expect_err(&formatted("<p dir=\"up\">x</p>"), &[FC_PATH, "dir attribute", "ltr"]);
    expect_err(&formatted("<p xml:lang=\"en\">x</p>"), &[FC_PATH, "xml:lang"]);
    expect_err(
        &formatted("<svg:svg xmlns:svg=\"http://www.w3.org/2000/svg\"/>"),
        &[FC_PATH, "<svg:svg> is not an XHTML element"],
    );
    expect_err(&formatted("<p xmlns=\"urn:evil\">x</p>"), &[FC_PATH, "not an XHTML element"]);
    // Allowed: listed attributes, title/dir/lang everywhere, the XHTML namespace declaration.
    parse(&formatted(
        "<p align=\"center\" title=\"t\" dir=\"rtl\" lang=\"ar\" xmlns=\"http://www.w3.org/1999/xhtml\">x</p><font color=\"red\" face=\"Arial\" size=\"3\">f</font><hr noshade=\"noshade\"/><br title=\"x\"/>",
    ));
}

#[test]
fn question_formatted_content_url_rules() {
    for bad in [
        "javascript:alert(1)",
        "JaVaScRiPt:alert(1)",
        " javascript:alert(1)",
        "java&#9;script:alert(1)",
        "java\nscript:alert(1)",
        "vbscript:x",
        "data:text/html,<b>",
        "file:///etc/passwd",
    ] {
        let xhtml = format!("<a href=\"{}\">x</a>", bad.replace('<', "&lt;"));
        expect_err(&formatted(&xhtml), &[FC_PATH, "href attribute of <a>", "not allowed"]);
    }
    expect_err(&formatted("<a href=\"/relative\">x</a>"), &[FC_PATH, "not an absolute URL"]);
    expect_err(&formatted("<a href=\"//evil.example/x\">x</a>"), &[FC_PATH, "not an absolute URL"]);
    expect_err(&formatted("<img src=\"javascript:x\" alt=\"a\"/>"), &[FC_PATH, "src attribute of <img>"]);
    expect_err(
        &formatted("<blockquote cite=\"javascript:x\">q</blockquote>"),
        &[FC_PATH, "cite attribute of <blockquote>"],
    );
    expect_err(
        &formatted("<img src=\"https://a.example/i.png\" alt=\"a\" usemap=\"map\"/>"),
        &[FC_PATH, "usemap", "#name"],
    );
    for good in [
        "http://a.example/x",
        "https://a.example/x?y=1&amp;z=2",
        "mailto:someone@example.com",
        "ftp://ftp.example.com/file",
        "news:comp.lang.rust",
        "nntp://news.example.com/x",
        "gopher://g.example.com/",
        "telnet://t.example.com/",
        "#section",
    ] {
        parse(&formatted(&format!("<a href=\"{good}\">x</a>")));
    }
    parse(&formatted(
        "<map name=\"m\"><area alt=\"a\" href=\"https://a.example/\" shape=\"rect\" coords=\"0,0,1,1\"/></map><img src=\"https://a.example/i.png\" alt=\"a\" usemap=\"#m\"/>",
    ));
}

#[test]
fn question_formatted_content_required_attributes_and_structure() {
    expect_err(&formatted("<img src=\"https://a.example/i.png\"/>"), &[FC_PATH, "<img> requires a alt attribute"]);
    expect_err(&formatted("<img alt=\"x\"/>"), &[FC_PATH, "<img> requires a src attribute"]);
    expect_err(&formatted("<map><area alt=\"a\"/></map>"), &[FC_PATH, "<map> requires a name attribute"]);
    expect_err(&formatted("<li>x</li>"), &[FC_PATH, "<li> must be inside <ul> or <ol>", "top level"]);
    expect_err(&formatted("<p><li>x</li></p>"), &[FC_PATH, "<li> must be inside <ul> or <ol>", "inside <p>"]);
    expect_err(&formatted("<ul><p>x</p></ul>"), &[FC_PATH, "<p> is not allowed directly inside <ul>", "<li>"]);
    expect_err(&formatted("<ul>loose text<li>x</li></ul>"), &[FC_PATH, "text is not allowed directly inside <ul>"]);
    expect_err(&formatted("<table><td>x</td></table>"), &[FC_PATH, "<td> is not allowed directly inside <table>"]);
    expect_err(&formatted("<tr><td>x</td></tr>"), &[FC_PATH, "<tr> must be inside <table>"]);
    expect_err(&formatted("<br>x</br>"), &[FC_PATH, "<br> must be empty"]);
    expect_err(&formatted("<hr><b>x</b></hr>"), &[FC_PATH, "<hr> must be empty"]);
    parse(&formatted(
        "<dl><dt>term</dt><dd>def</dd></dl><ol start=\"3\"><li value=\"3\">x</li></ol><table><colgroup><col span=\"2\"/></colgroup><thead><tr><th>h</th></tr></thead><tbody><tr><td>d</td></tr></tbody><tfoot><tr><td>f</td></tr></tfoot></table>",
    ));
}

#[test]
fn question_formatted_content_rejects_comments_and_unclosed_tags() {
    expect_err(&formatted("<p>a</p><!-- hidden -->"), &[FC_PATH, "XML comments", "not allowed"]);
    expect_err(&formatted("<p>never closed"), &[FC_PATH, "<p> is never closed", "same FormattedContent block"]);
    expect_err(&formatted("<p>a<br></p>"), &[FC_PATH, "</p>", "<br>"]);
    expect_err(&formatted("a &bogus; b"), &[FC_PATH, "unknown entity '&bogus;'"]);
    expect_err(&formatted("<?php echo 1 ?>"), &[FC_PATH, "processing instructions"]);
    expect_err(&formatted("<b>x</b></FormattedContent><FormattedContent>"), &[FC_PATH]);
    // Elements instead of CDATA.
    expect_err(&with_content("<FormattedContent><p>x</p></FormattedContent>"), &[FC_PATH, "CDATA", "<p>"]);
    // Escaped text instead of CDATA is the same content.
    let f = only_form(parse(&with_content("<FormattedContent>&lt;b&gt;bold&lt;/b&gt;</FormattedContent>")));
    let Content::FormattedContent(fc) = &f.questions().next().unwrap().content[0] else { panic!() };
    assert_eq!(fc.to_html(), "<b>bold</b>");
}

#[test]
fn question_formatted_content_errors_point_into_the_document() {
    let xml = format!(
        "<QuestionForm xmlns=\"{QF_NS}\">\n<Overview>\n<FormattedContent><![CDATA[\n<p>fine</p>\n<p>also <script>bad()</script></p>\n]]></FormattedContent>\n</Overview>\n{}\n</QuestionForm>",
        question("a")
    );
    let msg = expect_err(&xml, &["QuestionForm/Overview[1]/FormattedContent[1]:", "<script>"]);
    assert!(msg.ends_with("(line 5, column 9)"), "{msg}");

    let e = FormattedContent::parse("<p>ok</p>\n  <b onmouseover=\"x\">b</b>").unwrap_err();
    assert!(e.0.contains("line 2, column 3 of the formatted content"), "{e}");
}

#[test]
fn question_formatted_content_to_html_escapes_everything() {
    let fc = FormattedContent::parse(
        "<p title=\"a&quot;b&lt;c&gt;'\">x &lt;script&gt; &amp; &#169; <![CDATA[<i>raw</i>]]></p><br/><p/>",
    )
    .unwrap();
    assert_eq!(
        fc.to_html(),
        "<p title=\"a&quot;b&lt;c&gt;&#39;\">x &lt;script&gt; &amp; \u{a9} &lt;i&gt;raw&lt;/i&gt;</p><br /><p></p>"
    );
}

// ---------------------------------------------------------------------------------------------
// Serialization of the parsed form
// ---------------------------------------------------------------------------------------------

#[test]
fn question_documents_round_trip_through_serde_json() {
    let docs = [
        parse(SPEC_HTML_QUESTION),
        parse(SPEC_EXTERNAL_QUESTION),
        parse(&form_doc(QF17_NS, SPEC_QUESTION_FORM_BODY)),
        parse(&formatted(SPEC_FORMATTED_TABLE)),
        parse(&one_question("<FileUploadAnswer><MaxFileSizeInBytes>10</MaxFileSizeInBytes><MinFileSizeInBytes>1</MinFileSizeInBytes></FileUploadAnswer>")),
    ];
    for d in docs {
        let json = serde_json::to_string(&d).unwrap();
        let back: QuestionDocument = serde_json::from_str(&json).unwrap();
        assert_eq!(back, d);
    }
    let json = serde_json::to_value(parse(&form_doc(QF17_NS, SPEC_QUESTION_FORM_BODY))).unwrap();
    assert_eq!(json["Form"]["schema"], "2017-11-06");
}

#[test]
fn question_documents_round_trip_at_the_parsers_nesting_limit() {
    // FormattedContent may nest MAX_DEPTH levels; every depth the parser accepts must read back
    // from storage (a stored tree once failed serde_json's recursion limit from depth 40 on).
    for depth in [1, 39, 40, MAX_DEPTH] {
        let xhtml = format!("{}x{}", "<b>".repeat(depth), "</b>".repeat(depth));
        let d = parse(&formatted(&xhtml));
        let json = serde_json::to_string(&d).unwrap();
        let back: QuestionDocument = serde_json::from_str(&json).unwrap_or_else(|e| panic!("depth {depth}: {e}"));
        assert_eq!(back, d, "depth {depth}");
    }
    let too_deep = format!("{}x{}", "<b>".repeat(MAX_DEPTH + 1), "</b>".repeat(MAX_DEPTH + 1));
    expect_err(&formatted(&too_deep), &["nested too deeply"]);
    // A block is stored as its source text, and rows stored in the earlier shape still read.
    let fc = FormattedContent::parse("<p>hi <b>there</b></p>").unwrap();
    assert_eq!(serde_json::to_value(&fc).unwrap(), serde_json::json!("<p>hi <b>there</b></p>"));
    let legacy = serde_json::json!({ "source": "<p>hi <b>there</b></p>", "nodes": [] });
    assert_eq!(serde_json::from_value::<FormattedContent>(legacy).unwrap(), fc);
    // Stored text that no longer validates is an error, never a silent default.
    assert!(serde_json::from_value::<FormattedContent>(serde_json::json!("<script>x</script>")).is_err());
}

// ---------------------------------------------------------------------------------------------
// QuestionFormAnswers
// ---------------------------------------------------------------------------------------------

const NASTY: &str = "a & b < c > d \"quoted\" 'single' ]]> <![CDATA[x]]> &amp; \u{e9}\u{301} \u{1F600} \u{202E}rtl \u{7F}\u{85} tab\there\nnew\r\nline";

#[test]
fn question_answers_round_trip_nasty_text() {
    let answers = vec![
        ("comment".to_string(), vec![NASTY.to_string()]),
        ("empty".to_string(), vec![String::new()]),
        ("<weird & 'name'>".to_string(), vec!["v".to_string()]),
        ("ünïcødé 名前".to_string(), vec!["値 \u{10FFFF}".to_string()]),
        ("spaces".to_string(), vec!["  leading and trailing  ".to_string()]),
    ];
    let xml = render_answers(&answers, None);
    assert!(xml.starts_with("<?xml version=\"1.0\" encoding=\"UTF-8\"?><QuestionFormAnswers xmlns=\"http://mechanicalturk.amazonaws.com/AWSMechanicalTurkDataSchemas/2005-10-01/QuestionFormAnswers.xsd\">"));
    assert!(xml.contains(
        "a &amp; b &lt; c &gt; d &quot;quoted&quot; &apos;single&apos; ]]&gt; &lt;![CDATA[x]]&gt; &amp;amp;"
    ));
    assert!(xml.contains("new&#13;\nline"));
    assert_eq!(parse_answers(&xml).unwrap(), answers);
}

#[test]
fn question_answers_drop_characters_xml_forbids() {
    let answers = vec![(
        "q\u{0}".to_string(),
        vec!["a\u{0}b\u{1}c\u{8}d\u{B}e\u{C}f\u{1B}g\u{1F}h\u{FFFE}i\u{FFFF}j\tk".to_string()],
    )];
    let xml = render_answers(&answers, None);
    assert!(!xml.contains('\u{0}') && !xml.contains('\u{1B}') && !xml.contains('\u{FFFF}'));
    assert_eq!(parse_answers(&xml).unwrap(), vec![("q".to_string(), vec!["abcdefghij\tk".to_string()])]);
}

#[test]
fn question_answers_multi_valued_free_text_is_joined_with_pipe() {
    let xml = render_answers(
        &[("colors".to_string(), vec!["red".into(), "green".into(), "a|b".into()]), ("none".to_string(), vec![])],
        None,
    );
    assert_eq!(
        xml,
        format!(
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?><QuestionFormAnswers xmlns=\"{QUESTION_FORM_ANSWERS_NAMESPACE}\"><Answer><QuestionIdentifier>colors</QuestionIdentifier><FreeText>red|green|a|b</FreeText></Answer><Answer><QuestionIdentifier>none</QuestionIdentifier><FreeText></FreeText></Answer></QuestionFormAnswers>"
        )
    );
    assert_eq!(
        parse_answers(&xml).unwrap(),
        vec![("colors".to_string(), vec!["red|green|a|b".to_string()]), ("none".to_string(), vec![String::new()]),]
    );
    // Fields of an HTMLQuestion are all free text, even multi-valued ones.
    let html_doc = parse(SPEC_HTML_QUESTION);
    let xml2 = render_answers(&[("colors".to_string(), vec!["red".into(), "green".into()])], Some(&html_doc));
    assert!(xml2.contains("<FreeText>red|green</FreeText>"));
}

#[test]
fn question_answers_selection_questions_use_selection_identifiers() {
    let form = parse(&form_doc(QF_NS, SPEC_QUESTION_FORM_BODY));
    let answers = vec![
        ("nextmove".to_string(), vec!["C3".to_string()]),
        ("likelytowin".to_string(), vec!["notlikely".to_string()]),
    ];
    let xml = render_answers(&answers, Some(&form));
    assert!(xml.contains("<Answer><QuestionIdentifier>likelytowin</QuestionIdentifier><SelectionIdentifier>notlikely</SelectionIdentifier></Answer>"));
    assert!(xml.contains("<Answer><QuestionIdentifier>nextmove</QuestionIdentifier><FreeText>C3</FreeText></Answer>"));
    assert_eq!(parse_answers(&xml).unwrap(), answers);
    // Same content as the spec's example document.
    assert_eq!(parse_answers(SPEC_QUESTION_FORM_ANSWERS).unwrap(), answers);

    // Several selections in one Answer; no selection gives an Answer without identifiers.
    let multi = parse(&selection_answer(
        "<MinSelectionCount>0</MinSelectionCount><MaxSelectionCount>3</MaxSelectionCount>",
        &format!("{}{}{}", sel("a"), sel("b &amp; c"), sel("d")),
    ));
    let answers = vec![("q1".to_string(), vec!["a".to_string(), "b & c".to_string()])];
    let xml = render_answers(&answers, Some(&multi));
    assert!(xml
        .contains("<SelectionIdentifier>a</SelectionIdentifier><SelectionIdentifier>b &amp; c</SelectionIdentifier>"));
    assert_eq!(parse_answers(&xml).unwrap(), answers);
    let xml = render_answers(&[("q1".to_string(), vec![])], Some(&multi));
    assert!(xml.contains("<Answer><QuestionIdentifier>q1</QuestionIdentifier></Answer>"));
    assert_eq!(parse_answers(&xml).unwrap(), vec![("q1".to_string(), vec![])]);
}

#[test]
fn question_answers_other_selection_and_file_upload() {
    let with_other = parse(&selection_answer(
        "<MaxSelectionCount>2</MaxSelectionCount>",
        &format!("{}{}<OtherSelection/>", sel("a"), sel("b")),
    ));
    let xml = render_answers(&[("q1".to_string(), vec!["a".into(), "my own <answer>".into()])], Some(&with_other));
    assert!(xml.contains(
        "<SelectionIdentifier>a</SelectionIdentifier><OtherSelectionText>my own &lt;answer&gt;</OtherSelectionText>"
    ));
    assert_eq!(
        parse_answer_document(&xml).unwrap(),
        vec![Answer {
            question_identifier: "q1".into(),
            value: AnswerValue::Selection {
                selection_identifiers: vec!["a".into()],
                other_selection_text: Some("my own <answer>".into())
            }
        }]
    );

    let upload = parse(&one_question("<FileUploadAnswer><MaxFileSizeInBytes>10</MaxFileSizeInBytes><MinFileSizeInBytes>1</MinFileSizeInBytes></FileUploadAnswer>"));
    let xml = render_answers(&[("q1".to_string(), vec!["5".into(), "key/123".into()])], Some(&upload));
    assert!(
        xml.contains("<UploadedFileSizeInBytes>5</UploadedFileSizeInBytes><UploadedFileKey>key/123</UploadedFileKey>")
    );
    assert_eq!(parse_answers(&xml).unwrap(), vec![("q1".to_string(), vec!["5".to_string(), "key/123".to_string()])]);

    let full = vec![
        Answer { question_identifier: "f".into(), value: AnswerValue::FreeText(NASTY.into()) },
        Answer {
            question_identifier: "s".into(),
            value: AnswerValue::Selection {
                selection_identifiers: vec![],
                other_selection_text: Some("only other".into()),
            },
        },
        Answer {
            question_identifier: "u".into(),
            value: AnswerValue::FileUpload {
                uploaded_file_size_in_bytes: 2_000_000_000,
                uploaded_file_key: "k".into(),
            },
        },
    ];
    assert_eq!(parse_answer_document(&render_answer_document(&full)).unwrap(), full);
}

#[test]
fn question_answers_parse_errors_name_the_problem() {
    let ns = QUESTION_FORM_ANSWERS_NAMESPACE;
    let e = parse_answers("<QuestionFormAnswers><Answer/></QuestionFormAnswers>").unwrap_err();
    assert!(e.0.contains("QuestionFormAnswers:") && e.0.contains("has no namespace"), "{e}");
    let e = parse_answers(&format!(
        "<QuestionFormAnswers xmlns=\"{ns}\"><Answer><FreeText>x</FreeText></Answer></QuestionFormAnswers>"
    ))
    .unwrap_err();
    assert!(e.0.contains("QuestionFormAnswers/Answer[1]:") && e.0.contains("QuestionIdentifier"), "{e}");
    let e = parse_answers(&format!("<QuestionFormAnswers xmlns=\"{ns}\"><Answer><QuestionIdentifier>q</QuestionIdentifier><FreeText>x</FreeText><FreeText>y</FreeText></Answer></QuestionFormAnswers>")).unwrap_err();
    assert!(e.0.contains("QuestionFormAnswers/Answer[1]/FreeText:"), "{e}");
    let e = parse_answers("<QuestionFormAnswers").unwrap_err();
    assert!(e.0.starts_with("line 1, column 1"), "{e}");
    let e = parse_answers(SPEC_EXTERNAL_QUESTION).unwrap_err();
    assert!(e.0.contains("unknown root element <ExternalQuestion>"), "{e}");
}

// ---------------------------------------------------------------------------------------------
// Robustness
// ---------------------------------------------------------------------------------------------

#[test]
fn question_parser_never_panics_on_mutated_input() {
    let seeds = [
        SPEC_HTML_QUESTION.to_string(),
        SPEC_EXTERNAL_QUESTION.to_string(),
        form_doc(QF_NS, SPEC_QUESTION_FORM_BODY),
        formatted(SPEC_FORMATTED_TABLE),
        SPEC_QUESTION_FORM_ANSWERS.to_string(),
    ];
    let alphabet: Vec<char> = "<>/&;\"'=![]CDATA-?#: \n\tx\u{e9}\u{1F600}".chars().collect();
    let mut state: u64 = 0x9E37_79B9_7F4A_7C15;
    let mut next = move |n: usize| {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        (state % n.max(1) as u64) as usize
    };
    for seed in &seeds {
        for _ in 0..300 {
            let mut chars: Vec<char> = seed.chars().collect();
            for _ in 0..1 + next(4) {
                let i = next(chars.len() + 1);
                match next(3) {
                    0 if i < chars.len() => {
                        chars.remove(i);
                    }
                    1 => chars.insert(i, alphabet[next(alphabet.len())]),
                    _ => {
                        let j = (i + next(20)).min(chars.len());
                        chars.drain(i.min(j)..j);
                    }
                }
            }
            let doc: String = chars.into_iter().collect();
            if let Err(e) = parse_question(&doc, &sandbox()) {
                assert!(!e.0.is_empty());
            }
            let _ = parse_answers(&doc);
            let _ = FormattedContent::parse(&doc);
        }
    }
}
