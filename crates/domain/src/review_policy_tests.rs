use super::*;

fn param(key: &str, values: &[&str]) -> RawParameter {
    RawParameter { key: key.into(), values: values.iter().map(|v| v.to_string()).collect(), map_entries: vec![] }
}

fn answer_key(entries: &[(&str, &[&str])]) -> RawParameter {
    RawParameter {
        key: "AnswerKey".into(),
        values: vec![],
        map_entries: entries.iter().map(|(q, v)| (q.to_string(), v.iter().map(|s| s.to_string()).collect())).collect(),
    }
}

fn known(params: Vec<RawParameter>) -> Result<KnownAnswers, DomainError> {
    parse_assignment_policy(&RawPolicy { policy_name: SCORE_MY_KNOWN_ANSWERS.into(), parameters: params })
}

fn plurality(params: Vec<RawParameter>) -> Result<Plurality, DomainError> {
    parse_hit_policy(&RawPolicy { policy_name: SIMPLE_PLURALITY.into(), parameters: params })
}

fn answers(pairs: &[(&str, &[&str])]) -> Vec<(String, Vec<String>)> {
    pairs.iter().map(|(q, v)| (q.to_string(), v.iter().map(|s| s.to_string()).collect())).collect()
}

#[test]
fn known_answers_defaults_and_every_parameter() {
    let k = known(vec![answer_key(&[("q1", &["B"])])]).unwrap();
    assert_eq!(k.extend_maximum_assignments, 5);
    assert_eq!(k.extend_minimum_time_secs, 0);
    assert_eq!(k.decide(0), AssignmentDecision::Leave);
    let k = known(vec![
        answer_key(&[("q1", &["B"]), ("q2", &["A", "C"])]),
        param("ApproveIfKnownAnswerScoreIsAtLeast", &["79"]),
        param("ApproveReason", &["well done"]),
        param("RejectIfKnownAnswerScoreIsLessThan", &["50"]),
        param("RejectReason", &["too many wrong"]),
        param("ExtendIfKnownAnswerScoreIsLessThan", &["79"]),
        param("ExtendMaximumAssignments", &["3"]),
        param("ExtendMinimumTimeInSeconds", &["3600"]),
    ])
    .unwrap();
    assert_eq!(k.approve_reason.as_deref(), Some("well done"));
    let empty = known(vec![answer_key(&[("q1", &["B"])]), param("RejectReason", &[""])]).unwrap();
    assert_eq!(empty.reject_reason, None);
    assert_eq!((k.extend_maximum_assignments, k.extend_minimum_time_secs), (3, 3600));
    assert_eq!(k.decide(100), AssignmentDecision::Approve);
    assert_eq!(k.decide(50), AssignmentDecision::Leave);
    assert_eq!(k.decide(49), AssignmentDecision::Reject);
    assert!(k.extends(78) && !k.extends(79));
}

#[test]
fn known_answers_scoring_follows_the_spec_rules() {
    let k = known(vec![answer_key(&[("q1", &["B"]), ("q2", &["A", "C"]), ("q3", &[]), ("q4", &["x"])])]).unwrap();
    // Whitespace around values is ignored; order of a multi-valued answer is not.
    let s = k.score(&answers(&[("q1", &[" B "]), ("q2", &["C", "A"]), ("q3", &[]), ("q4", &["X"])]));
    assert_eq!(s.questions, vec![("q1".into(), true), ("q2".into(), true), ("q3".into(), false), ("q4".into(), false)]);
    assert_eq!((s.correct, s.score), (2, 50));
    // A subset or a superset of the key's values does not match; an empty key never matches.
    let s = k.score(&answers(&[("q1", &["B", "A"]), ("q2", &["A"]), ("q3", &["anything"])]));
    assert_eq!((s.correct, s.score), (0, 0));
    // 1 of 3 rounds down.
    let k = known(vec![answer_key(&[("a", &["1"]), ("b", &["1"]), ("c", &["1"])])]).unwrap();
    assert_eq!(k.score(&answers(&[("a", &["1"])])).score, 33);
}

#[test]
fn bad_parameters_name_what_is_wrong() {
    let e = |r: Result<KnownAnswers, DomainError>| r.unwrap_err().message;
    assert!(e(known(vec![])).contains("'AnswerKey'"));
    assert!(e(known(vec![param("AnswerKey", &["B"])])).contains("MapEntries"));
    let m = e(known(vec![answer_key(&[("q", &["B"])]), param("ApproveIfScoreIsAtLeast", &["5"])]));
    assert!(m.contains("'ApproveIfScoreIsAtLeast' is not a parameter") && m.contains("AnswerKey, "), "{m}");
    let m = e(known(vec![answer_key(&[("q", &["B"])]), param("ApproveIfKnownAnswerScoreIsAtLeast", &["102"])]));
    assert!(m.contains("ApproveIfKnownAnswerScoreIsAtLeast") && m.contains("0 to 101"), "{m}");
    let m = e(known(vec![answer_key(&[("q", &["B"])]), param("ExtendMaximumAssignments", &["26"])]));
    assert!(m.contains("2 to 25"), "{m}");
    let m = e(known(vec![answer_key(&[("q", &["B"])]), param("ExtendMinimumTimeInSeconds", &["59"])]));
    assert!(m.contains("60 to 31536000"), "{m}");
    let m = e(known(vec![answer_key(&[("q", &["B"])]), param("RejectIfKnownAnswerScoreIsLessThan", &["x"])]));
    assert!(m.contains("'x'"), "{m}");
    let m = e(known(vec![answer_key(&[("q", &["B"])]), param("RejectReason", &["a", "b"])]));
    assert!(m.contains("exactly one value"), "{m}");
    let m = e(known(vec![answer_key(&[("q", &["B"]), ("q", &["C"])])]));
    assert!(m.contains("more than one MapEntry"), "{m}");
    let m = e(known(vec![answer_key(&[("q", &["B"])]), answer_key(&[("r", &["B"])])]));
    assert!(m.contains("more than once"), "{m}");
    let m = e(parse_assignment_policy(&RawPolicy { policy_name: SIMPLE_PLURALITY.into(), parameters: vec![] }));
    assert!(m.contains("AssignmentReviewPolicy.PolicyName") && m.contains(SCORE_MY_KNOWN_ANSWERS), "{m}");
    let m =
        parse_hit_policy(&RawPolicy { policy_name: "Majority/2020".into(), parameters: vec![] }).unwrap_err().message;
    assert!(m.contains("HITReviewPolicy.PolicyName: 'Majority/2020'"), "{m}");
    let p = |v: Vec<RawParameter>| plurality(v).unwrap_err().message;
    assert!(p(vec![param("QuestionAgreementThreshold", &["50"])]).contains("'QuestionIds'"));
    assert!(p(vec![param("QuestionIds", &["a"])]).contains("'QuestionAgreementThreshold'"));
    let m = p(vec![
        param("QuestionIds", &["a"]),
        param("QuestionAgreementThreshold", &["50"]),
        param("ExtendIfHITAgreementScoreIsLessThan", &["60"]),
    ]);
    assert!(m.contains("'ExtendMaximumAssignments'") && m.contains("required when"), "{m}");
    let m = p(vec![
        param("QuestionIds", &["a"]),
        param("QuestionAgreementThreshold", &["50"]),
        param("DisregardAssignmentIfRejected", &["maybe"]),
    ]);
    assert!(m.contains("T or F"), "{m}");
    let m = p(vec![
        param("QuestionIds", &["a"]),
        param("QuestionAgreementThreshold", &["50"]),
        param("ExtendIfHITAgreementScoreIsLessThan", &["0"]),
    ]);
    assert!(m.contains("1 to 100"), "{m}");
}

/// The spec's example: four questions, three workers.
fn spec_table() -> Vec<PluralityInput> {
    let w = |id: &str, a: &str, b: &str, c: &str, d: &str| PluralityInput {
        assignment_id: id.into(),
        rejected: false,
        known_answer_score: None,
        answers: answers(&[("A", &[a]), ("B", &[b]), ("C", &[c]), ("D", &[d])]),
    };
    vec![
        w("w1", "coat", "blue", "large", "Furry"),
        w("w2", "sweater", "blue", "large", "fur"),
        w("w3", "coat", "green", "large", "furr"),
    ]
}

#[test]
fn plurality_reproduces_the_spec_table() {
    let p =
        plurality(vec![param("QuestionIds", &["A,B, C", "D"]), param("QuestionAgreementThreshold", &["50"])]).unwrap();
    assert_eq!(p.question_ids, vec!["A", "B", "C", "D"]);
    let o = p.evaluate(&spec_table());
    let scores: Vec<Option<i64>> = o.questions.iter().map(|q| q.agreed.as_ref().map(|(_, s)| *s)).collect();
    assert_eq!(scores, vec![Some(66), Some(66), Some(100), None]);
    assert_eq!(answer_text(&o.questions[0].agreed.as_ref().unwrap().0), "coat");
    assert_eq!(o.hit_agreement_score, 75);
    let w: Vec<Option<i64>> = o.workers.iter().map(|w| w.score).collect();
    assert_eq!(w, vec![Some(100), Some(66), Some(66)]);
    assert_eq!((o.workers[1].agreed, o.workers[1].disagreed), (2, 1));
    assert!(!p.appropriate(&o), "without an extension threshold, every question must agree");
    // A threshold of 100 asks for unanimity: only C agrees.
    let p = plurality(vec![param("QuestionIDs", &["A", "B", "C", "D"]), param("QuestionAgreementThreshold", &["100"])])
        .unwrap();
    assert_eq!(p.evaluate(&spec_table()).hit_agreement_score, 25);
}

#[test]
fn plurality_actions_and_disregarding() {
    let p = plurality(vec![
        param("QuestionIds", &["A", "B", "C", "D"]),
        param("QuestionAgreementThreshold", &["60"]),
        param("ApproveIfWorkerAgreementScoreIsAtLeast", &["100"]),
        param("RejectIfWorkerAgreementScoreIsLessThan", &["67"]),
        param("ExtendIfHITAgreementScoreIsLessThan", &["80"]),
        param("ExtendMaximumAssignments", &["4"]),
        param("ExtendMinimumTimeInSeconds", &["600"]),
        param("DisregardAssignmentIfRejected", &["T"]),
        param("DisregardAssignmentIfKnownAnswerScoreIsLessThan", &["80"]),
    ])
    .unwrap();
    let o = p.evaluate(&spec_table());
    let d: Vec<AssignmentDecision> = o.workers.iter().map(|w| w.decision).collect();
    assert_eq!(d, vec![AssignmentDecision::Approve, AssignmentDecision::Reject, AssignmentDecision::Reject]);
    assert!(p.extends(&o) && !p.appropriate(&o));
    // w3 rejected, w2 below the known-answer threshold: only w1 counts, and agrees with itself.
    let mut input = spec_table();
    input[2].rejected = true;
    input[1].known_answer_score = Some(79);
    input[0].known_answer_score = Some(80);
    let o = p.evaluate(&input);
    assert_eq!(o.workers.len(), 1);
    assert_eq!(o.hit_agreement_score, 100);
    assert!(!p.extends(&o) && p.appropriate(&o));
}

#[test]
fn plurality_ties_long_answers_and_unanswered_questions() {
    let p =
        plurality(vec![param("QuestionIds", &["q", "r", "s"]), param("QuestionAgreementThreshold", &["0"])]).unwrap();
    let long = "x".repeat(MAX_COMPARED_ANSWER + 1);
    let input = vec![
        PluralityInput {
            assignment_id: "a".into(),
            rejected: false,
            known_answer_score: None,
            answers: answers(&[("q", &["1"]), ("r", &[&long])]),
        },
        PluralityInput {
            assignment_id: "b".into(),
            rejected: false,
            known_answer_score: None,
            answers: answers(&[("q", &["2"]), ("r", &[&long])]),
        },
    ];
    let o = p.evaluate(&input);
    // q is a tie (no plurality); r's answers are too long to count and s nobody answered, so
    // only q is evaluated.
    assert_eq!(o.questions.len(), 1);
    assert_eq!(o.questions[0].agreed, None);
    assert_eq!(o.hit_agreement_score, 0);
    assert!(o.workers.iter().all(|w| w.score.is_none() && w.decision == AssignmentDecision::Leave));
}
