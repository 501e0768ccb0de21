//! QuestionForm constraints are checked on the server: a failing answer is refused with a 4xx
//! that names each failing question and changes nothing; a passing one is stored as
//! SelectionIdentifier / FreeText.

use crate::common;

use aws_sdk_mturk::types::AssignmentStatus;
use common::TestServer;
use reqwest::Method;
use serde_json::{json, Value};

const FORM: &str = r#"<QuestionForm xmlns="http://mechanicalturk.amazonaws.com/AWSMechanicalTurkDataSchemas/2017-11-06/QuestionForm.xsd">
  <Overview><Title>Fruit survey</Title></Overview>
  <Question>
    <QuestionIdentifier>fruit</QuestionIdentifier>
    <DisplayName>Favourite fruits</DisplayName>
    <IsRequired>true</IsRequired>
    <QuestionContent><Text>Which fruits do you like?</Text></QuestionContent>
    <AnswerSpecification>
      <SelectionAnswer>
        <MinSelectionCount>1</MinSelectionCount>
        <MaxSelectionCount>2</MaxSelectionCount>
        <StyleSuggestion>checkbox</StyleSuggestion>
        <Selections>
          <Selection><SelectionIdentifier>apple</SelectionIdentifier><Text>Apple</Text></Selection>
          <Selection><SelectionIdentifier>banana</SelectionIdentifier><Text>Banana</Text></Selection>
          <Selection><SelectionIdentifier>cherry</SelectionIdentifier><Text>Cherry</Text></Selection>
        </Selections>
      </SelectionAnswer>
    </AnswerSpecification>
  </Question>
  <Question>
    <QuestionIdentifier>year</QuestionIdentifier>
    <QuestionContent><Text>Which year were you born?</Text></QuestionContent>
    <AnswerSpecification>
      <FreeTextAnswer>
        <Constraints>
          <IsNumeric minValue="1900" maxValue="2020"/>
          <Length minLength="4" maxLength="4"/>
        </Constraints>
      </FreeTextAnswer>
    </AnswerSpecification>
  </Question>
  <Question>
    <QuestionIdentifier>code</QuestionIdentifier>
    <QuestionContent><Text>Your code</Text></QuestionContent>
    <AnswerSpecification>
      <FreeTextAnswer>
        <Constraints>
          <AnswerFormatRegex regex="^[A-Z]{2}-\d{3}$" errorText="Enter a code like AB-123."/>
        </Constraints>
      </FreeTextAnswer>
    </AnswerSpecification>
  </Question>
</QuestionForm>"#;

async fn submit(s: &TestServer, token: &str, aid: &str, answers: Value) -> (u16, Value) {
    s.worker_call(Method::POST, &format!("/assignments/{aid}/submit"), token, Some(json!({ "Answers": answers }))).await
}

both_backends!(constraints_are_checked_on_submit, |b| async move {
    let s = TestServer::start(b).await;
    let c = s.client();
    let hit = common::create_hit(&c).question(FORM).send().await.unwrap();
    let hit_id = hit.hit().unwrap().hit_id().unwrap().to_string();
    let (_, token) = s.worker("qf_worker").await;
    let (st, a) = s.worker_call(Method::POST, &format!("/hits/{hit_id}/accept"), &token, None).await;
    assert_eq!(st, 201, "{a}");
    let aid = a["AssignmentId"].as_str().unwrap().to_string();

    // Too many selections, a year out of range, a code in the wrong format: all three named.
    let (st, v) =
        submit(&s, &token, &aid, json!({"fruit": ["apple", "banana", "cherry"], "year": "1850", "code": "ab123"}))
            .await;
    assert_eq!(st, 422, "{v}");
    assert_eq!(v["Error"]["Code"], "InvalidAnswer", "{v}");
    let msg = v["Error"]["Message"].as_str().unwrap();
    for part in [
        "fruit: Select at most 2 choices",
        "year: Enter a number from 1900 to 2020.",
        "code: Enter a code like AB-123.",
    ] {
        assert!(msg.contains(part), "{part:?} missing from {msg}");
    }
    let questions = v["Error"]["Questions"].as_array().unwrap();
    let ids: Vec<&str> = questions.iter().map(|q| q["QuestionIdentifier"].as_str().unwrap()).collect();
    assert_eq!(ids, ["fruit", "year", "code"], "{v}");
    assert_eq!(questions[2]["Message"], "Enter a code like AB-123.");

    // A required question left out, a selection that does not exist.
    let (st, v) = submit(&s, &token, &aid, json!({"year": "1990"})).await;
    assert_eq!(st, 422, "{v}");
    assert_eq!(v["Error"]["Questions"][0]["QuestionIdentifier"], "fruit");
    assert_eq!(v["Error"]["Questions"][0]["Message"], "Select an answer.");
    let (st, v) = submit(&s, &token, &aid, json!({"fruit": "durian"})).await;
    assert_eq!(st, 422, "{v}");
    assert!(v["Error"]["Message"].as_str().unwrap().contains("\"durian\" is not one of the choices"), "{v}");

    // Nothing was stored: the assignment is still Accepted, the HIT's counters unchanged.
    let (_, mine) = s.worker_call(Method::GET, "/assignments", &token, None).await;
    assert_eq!(mine["Assignments"][0]["AssignmentId"], aid.as_str(), "{mine}");
    assert_eq!(mine["Assignments"][0]["AssignmentStatus"], "Accepted", "{mine}");
    assert!(mine["Assignments"][0]["SubmitTime"].is_null(), "{mine}");
    let h = c.get_hit().hit_id(&hit_id).send().await.unwrap().hit.unwrap();
    assert_eq!(h.number_of_assignments_pending(), Some(1));
    assert_eq!(h.number_of_assignments_completed(), Some(0));
    let listed = c.list_assignments_for_hit().hit_id(&hit_id).send().await.unwrap();
    assert!(listed.assignments().is_empty(), "{listed:?}");

    // A passing answer is stored: selections as SelectionIdentifiers, text as FreeText. The
    // optional regex question may be left empty only if its pattern allows it, so answer it.
    let (st, v) =
        submit(&s, &token, &aid, json!({"fruit": ["cherry", "apple"], "year": "1990", "code": "AB-123"})).await;
    assert_eq!(st, 200, "{v}");
    assert_eq!(v["AssignmentStatus"], "Submitted");
    let got = c.get_assignment().assignment_id(&aid).send().await.unwrap();
    let asg = got.assignment().unwrap();
    assert_eq!(asg.assignment_status(), Some(&AssignmentStatus::Submitted));
    let answer = asg.answer().unwrap();
    assert!(
        answer.contains(
            "<QuestionIdentifier>fruit</QuestionIdentifier><SelectionIdentifier>cherry</SelectionIdentifier><SelectionIdentifier>apple</SelectionIdentifier>"
        ),
        "{answer}"
    );
    assert!(answer.contains("<QuestionIdentifier>year</QuestionIdentifier><FreeText>1990</FreeText>"), "{answer}");
    assert!(answer.contains("<QuestionIdentifier>code</QuestionIdentifier><FreeText>AB-123</FreeText>"), "{answer}");
    s.verify_ledger();
});

both_backends!(html_questions_are_not_constrained, |b| async move {
    // The checks apply to QuestionForms only: an HTMLQuestion's fields are stored as given.
    let s = TestServer::start(b).await;
    let c = s.client();
    let hit = common::create_hit(&c).send().await.unwrap();
    let hit_id = hit.hit().unwrap().hit_id().unwrap().to_string();
    let (_, token) = s.worker("html_worker").await;
    let (_, a) = s.worker_call(Method::POST, &format!("/hits/{hit_id}/accept"), &token, None).await;
    let aid = a["AssignmentId"].as_str().unwrap().to_string();
    let (st, v) = submit(&s, &token, &aid, json!({"anything": ["x", "y"]})).await;
    assert_eq!(st, 200, "{v}");
});
