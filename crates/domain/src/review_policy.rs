//! Review policies (API Reference, "Review Policies"): ScoreMyKnownAnswers/2011-09-01, applied
//! to each assignment as it is submitted, and SimplePlurality/2011-09-01, applied to a HIT when
//! it becomes reviewable. Parsing and validating their parameters, and computing their scores
//! and decisions, are pure functions here; the service stores the results and takes the
//! actions through its ordinary approve, reject and extend paths.

use crate::error::DomainError;
use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;

pub const SCORE_MY_KNOWN_ANSWERS: &str = "ScoreMyKnownAnswers/2011-09-01";
pub const SIMPLE_PLURALITY: &str = "SimplePlurality/2011-09-01";

/// Answers longer than this are left out of agreement ("Answers that are longer than 256
/// characters are not used in the computation of HIT review policies").
pub const MAX_COMPARED_ANSWER: usize = 256;
/// A QuestionId in an answer key "can be up to 255 bytes in length".
pub const MAX_QUESTION_ID_BYTES: usize = 255;
/// How long ApproveReason and RejectReason may be: as RequesterFeedback.
pub const MAX_REASON: usize = crate::validate::MAX_FEEDBACK;

/// A policy as the caller gave it, before validation.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct RawPolicy {
    pub policy_name: String,
    pub parameters: Vec<RawParameter>,
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct RawParameter {
    pub key: String,
    pub values: Vec<String>,
    /// `(QuestionId, values)`: the AnswerKey's MapEntries.
    pub map_entries: Vec<(String, Vec<String>)>,
}

/// ScoreMyKnownAnswers/2011-09-01, validated.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct KnownAnswers {
    /// QuestionId → the values a correct answer has (all of them, and no others).
    pub answer_key: Vec<(String, Vec<String>)>,
    pub approve_if_score_at_least: Option<i64>,
    pub approve_reason: Option<String>,
    pub reject_if_score_less_than: Option<i64>,
    pub reject_reason: Option<String>,
    pub extend_if_score_less_than: Option<i64>,
    /// The most assignments extending may give the HIT in all.
    pub extend_maximum_assignments: i64,
    /// How long, at least, the HIT stays open after an extension (0: its expiry is kept).
    pub extend_minimum_time_secs: i64,
}

/// SimplePlurality/2011-09-01, validated.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Plurality {
    pub question_ids: Vec<String>,
    pub question_agreement_threshold: i64,
    pub disregard_if_rejected: bool,
    pub disregard_if_known_answer_score_less_than: Option<i64>,
    pub extend_if_hit_agreement_less_than: Option<i64>,
    pub extend_maximum_assignments: Option<i64>,
    pub extend_minimum_time_secs: i64,
    pub approve_if_worker_agreement_at_least: Option<i64>,
    pub reject_if_worker_agreement_less_than: Option<i64>,
    pub reject_reason: Option<String>,
}

/// The parameters each policy takes, as the spec names them.
const KNOWN_ANSWERS_KEYS: &[&str] = &[
    "AnswerKey",
    "ApproveIfKnownAnswerScoreIsAtLeast",
    "ApproveReason",
    "RejectIfKnownAnswerScoreIsLessThan",
    "RejectReason",
    "ExtendIfKnownAnswerScoreIsLessThan",
    "ExtendMaximumAssignments",
    "ExtendMinimumTimeInSeconds",
];
const PLURALITY_KEYS: &[&str] = &[
    "QuestionIds",
    "QuestionAgreementThreshold",
    "DisregardAssignmentIfRejected",
    "DisregardAssignmentIfKnownAnswerScoreIsLessThan",
    "ExtendIfHITAgreementScoreIsLessThan",
    "ExtendMaximumAssignments",
    "ExtendMinimumTimeInSeconds",
    "ApproveIfWorkerAgreementScoreIsAtLeast",
    "RejectIfWorkerAgreementScoreIsLessThan",
    "RejectReason",
];

/// One policy's parameters by key, checked for unknown and repeated keys.
struct Params<'a> {
    at: &'a str,
    name: &'a str,
    list: Vec<&'a RawParameter>,
}

impl<'a> Params<'a> {
    fn new(at: &'a str, raw: &'a RawPolicy, keys: &[&str]) -> Result<Self, DomainError> {
        let mut seen = BTreeSet::new();
        let mut list = Vec::new();
        for p in &raw.parameters {
            // The spec's own example spells it QuestionIDs; its table QuestionIds.
            let key = if p.key == "QuestionIDs" { "QuestionIds" } else { p.key.as_str() };
            if !keys.contains(&key) {
                return Err(DomainError::invalid(format!(
                    "{at}: '{}' is not a parameter of the {} review policy; its parameters are {}",
                    p.key,
                    raw.policy_name,
                    keys.join(", ")
                )));
            }
            if !seen.insert(key) {
                return Err(DomainError::invalid(format!("{at}: the parameter '{key}' is given more than once")));
            }
            list.push(p);
        }
        Ok(Params { at, name: &raw.policy_name, list })
    }

    fn get(&self, key: &str) -> Option<&'a RawParameter> {
        self.list.iter().copied().find(|p| p.key == key || (key == "QuestionIds" && p.key == "QuestionIDs"))
    }

    fn invalid(&self, key: &str, detail: impl std::fmt::Display) -> DomainError {
        DomainError::invalid(format!("{}: the parameter '{key}' of {} is invalid: {detail}", self.at, self.name))
    }

    /// The one value of a scalar parameter.
    fn single(&self, key: &str) -> Result<Option<&'a str>, DomainError> {
        let Some(p) = self.get(key) else { return Ok(None) };
        if !p.map_entries.is_empty() {
            return Err(self.invalid(key, "it takes Values, not MapEntries"));
        }
        match p.values.as_slice() {
            [v] => Ok(Some(v.as_str())),
            vs => Err(self.invalid(key, format!("it takes exactly one value, not {}", vs.len()))),
        }
    }

    fn int(&self, key: &str, min: i64, max: i64) -> Result<Option<i64>, DomainError> {
        let Some(v) = self.single(key)? else { return Ok(None) };
        match v.trim().parse::<i64>() {
            Ok(n) if (min..=max).contains(&n) => Ok(Some(n)),
            _ => Err(self.invalid(key, format!("value '{v}' must be an integer from {min} to {max}"))),
        }
    }

    fn text(&self, key: &str) -> Result<Option<String>, DomainError> {
        let Some(v) = self.single(key)? else { return Ok(None) };
        crate::validate::text(&format!("{}.{key}", self.at), v, MAX_REASON, true)?;
        crate::validate::no_control_chars(&format!("{}.{key}", self.at), v)?;
        // An empty reason is no reason, as RejectAssignment's empty feedback is none.
        Ok(Some(v.to_string()).filter(|v| !v.is_empty()))
    }

    fn boolean(&self, key: &str) -> Result<Option<bool>, DomainError> {
        let Some(v) = self.single(key)? else { return Ok(None) };
        flag(v).map(Some).ok_or_else(|| self.invalid(key, format!("value '{v}' must be T or F")))
    }

    fn required<T>(&self, key: &str, v: Option<T>, why: &str) -> Result<T, DomainError> {
        v.ok_or_else(|| {
            DomainError::invalid(format!("{}: the parameter '{key}' of {} is required{why}", self.at, self.name))
        })
    }
}

/// Both policies' rule: approve when the score is at least the approval threshold; otherwise
/// reject when it is less than the rejection threshold; otherwise leave the assignment submitted.
fn decision(score: i64, approve_at_least: Option<i64>, reject_less_than: Option<i64>) -> AssignmentDecision {
    if approve_at_least.is_some_and(|t| score >= t) {
        AssignmentDecision::Approve
    } else if reject_less_than.is_some_and(|t| score < t) {
        AssignmentDecision::Reject
    } else {
        AssignmentDecision::Leave
    }
}

/// A boolean as review policies' parameters and ListReviewPolicyResultsForHIT's Retrieve… flags
/// give it in text: `T` or `F` (MTurk's own), or `true` or `false` in any case.
pub fn flag(v: &str) -> Option<bool> {
    match v.trim() {
        "T" => Some(true),
        "F" => Some(false),
        v if v.eq_ignore_ascii_case("true") => Some(true),
        v if v.eq_ignore_ascii_case("false") => Some(false),
        _ => None,
    }
}

fn check_name(at: &str, raw: &RawPolicy, expected: &str, level: &str) -> Result<(), DomainError> {
    if raw.policy_name != expected {
        return Err(DomainError::invalid(format!(
            "{at}.PolicyName: '{}' cannot be used here; the {level} review policy is {expected}",
            raw.policy_name
        )));
    }
    Ok(())
}

/// An AssignmentReviewPolicy: ScoreMyKnownAnswers/2011-09-01 with its parameters.
pub fn parse_assignment_policy(raw: &RawPolicy) -> Result<KnownAnswers, DomainError> {
    let at = "AssignmentReviewPolicy";
    check_name(at, raw, SCORE_MY_KNOWN_ANSWERS, "assignment-level")?;
    let p = Params::new(at, raw, KNOWN_ANSWERS_KEYS)?;
    let key = p.required("AnswerKey", p.get("AnswerKey"), "")?;
    if !key.values.is_empty() || key.map_entries.is_empty() {
        return Err(p.invalid("AnswerKey", "it takes MapEntries (a QuestionId with its Values each), not Values"));
    }
    let mut ids = BTreeSet::new();
    let mut answer_key = Vec::with_capacity(key.map_entries.len());
    for (q, values) in &key.map_entries {
        if q.is_empty() || q.len() > MAX_QUESTION_ID_BYTES {
            return Err(p.invalid(
                "AnswerKey",
                format!("a MapEntry Key must be a QuestionId of 1 to {MAX_QUESTION_ID_BYTES} bytes"),
            ));
        }
        if !ids.insert(q.as_str()) {
            return Err(p.invalid("AnswerKey", format!("the QuestionId '{q}' has more than one MapEntry")));
        }
        answer_key.push((q.clone(), values.clone()));
    }
    let extend_minimum_time_secs = p.int("ExtendMinimumTimeInSeconds", 60, 31_536_000)?.unwrap_or(0);
    Ok(KnownAnswers {
        answer_key,
        approve_if_score_at_least: p.int("ApproveIfKnownAnswerScoreIsAtLeast", 0, 101)?,
        approve_reason: p.text("ApproveReason")?,
        reject_if_score_less_than: p.int("RejectIfKnownAnswerScoreIsLessThan", 0, 101)?,
        reject_reason: p.text("RejectReason")?,
        extend_if_score_less_than: p.int("ExtendIfKnownAnswerScoreIsLessThan", 0, 101)?,
        extend_maximum_assignments: p.int("ExtendMaximumAssignments", 2, 25)?.unwrap_or(5),
        extend_minimum_time_secs,
    })
}

/// A HITReviewPolicy: SimplePlurality/2011-09-01 with its parameters.
pub fn parse_hit_policy(raw: &RawPolicy) -> Result<Plurality, DomainError> {
    let at = "HITReviewPolicy";
    check_name(at, raw, SIMPLE_PLURALITY, "HIT-level")?;
    let p = Params::new(at, raw, PLURALITY_KEYS)?;
    let ids = p.required("QuestionIds", p.get("QuestionIds"), "")?;
    if !ids.map_entries.is_empty() {
        return Err(p.invalid("QuestionIds", "it takes Values, not MapEntries"));
    }
    // "A comma-separated list of questionIds": one value with commas, or one ID per value.
    let mut question_ids: Vec<String> = Vec::new();
    for id in ids.values.iter().flat_map(|v| v.split(',')).map(str::trim) {
        if id.is_empty() || id.len() > MAX_QUESTION_ID_BYTES {
            return Err(
                p.invalid("QuestionIds", format!("each QuestionId must have 1 to {MAX_QUESTION_ID_BYTES} bytes"))
            );
        }
        if !question_ids.iter().any(|q| q == id) {
            question_ids.push(id.to_string());
        }
    }
    if question_ids.is_empty() {
        return Err(p.invalid("QuestionIds", "it must name at least one QuestionId"));
    }
    let threshold = p.int("QuestionAgreementThreshold", 0, 100)?;
    let extend_if = p.int("ExtendIfHITAgreementScoreIsLessThan", 1, 100)?;
    let extend_max = p.int("ExtendMaximumAssignments", 1, crate::validate::MAX_MAX_ASSIGNMENTS)?;
    let extend_time = p.int("ExtendMinimumTimeInSeconds", 60, 31_536_000)?;
    let (extend_maximum_assignments, extend_minimum_time_secs) = match extend_if {
        Some(_) => {
            let why = " when ExtendIfHITAgreementScoreIsLessThan is given";
            (
                Some(p.required("ExtendMaximumAssignments", extend_max, why)?),
                p.required("ExtendMinimumTimeInSeconds", extend_time, why)?,
            )
        }
        None => (extend_max, extend_time.unwrap_or(0)),
    };
    Ok(Plurality {
        question_ids,
        question_agreement_threshold: p.required("QuestionAgreementThreshold", threshold, "")?,
        disregard_if_rejected: p.boolean("DisregardAssignmentIfRejected")?.unwrap_or(false),
        disregard_if_known_answer_score_less_than: p.int("DisregardAssignmentIfKnownAnswerScoreIsLessThan", 0, 101)?,
        extend_if_hit_agreement_less_than: extend_if,
        extend_maximum_assignments,
        extend_minimum_time_secs,
        approve_if_worker_agreement_at_least: p.int("ApproveIfWorkerAgreementScoreIsAtLeast", 0, 101)?,
        reject_if_worker_agreement_less_than: p.int("RejectIfWorkerAgreementScoreIsLessThan", 0, 101)?,
        reject_reason: p.text("RejectReason")?,
    })
}

/// A QuestionForm's questions are known: a policy naming a question the form does not have
/// could never score it, so it is refused. (An HTMLQuestion's or ExternalQuestion's fields are
/// not known before work arrives.)
pub fn check_questions(
    at: &str,
    key: &str,
    ids: &[&str],
    form: &crate::question::QuestionForm,
) -> Result<(), DomainError> {
    match ids.iter().find(|q| form.question(q).is_none()) {
        Some(q) => Err(DomainError::invalid(format!(
            "{at}: the parameter '{key}' names the QuestionId '{q}', which the HIT's QuestionForm does not have"
        ))),
        None => Ok(()),
    }
}

/// An answer as compared: its values, trimmed, as a set ("two answers agree with each other if
/// they have the same values present and absent"). Empty values are no values.
pub fn answer_set(values: &[String]) -> BTreeSet<String> {
    values.iter().map(|v| v.trim().to_string()).filter(|v| !v.is_empty()).collect()
}

fn answer_of<'a>(answers: &'a [(String, Vec<String>)], question_id: &str) -> &'a [String] {
    answers.iter().find(|(q, _)| q == question_id).map(|(_, v)| v.as_slice()).unwrap_or(&[])
}

/// An integer percentage, rounded down (2 of 3 is 66, as the spec's table shows).
pub fn percent(part: usize, whole: usize) -> i64 {
    (part * 100).checked_div(whole).unwrap_or(0) as i64
}

/// What ScoreMyKnownAnswers found in one assignment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KnownAnswerScore {
    /// Per question of the answer key, in its order: whether the answer matched.
    pub questions: Vec<(String, bool)>,
    pub correct: usize,
    pub score: i64,
}

/// What ScoreMyKnownAnswers decides for an assignment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AssignmentDecision {
    Approve,
    Reject,
    Leave,
}

impl KnownAnswers {
    /// Scores answers against the key. A question matches when the worker gave exactly the
    /// key's values (trimmed, any order); an empty answer never matches, nor does any answer to
    /// a key without values.
    pub fn score(&self, answers: &[(String, Vec<String>)]) -> KnownAnswerScore {
        let questions: Vec<(String, bool)> = self
            .answer_key
            .iter()
            .map(|(q, key)| {
                let given = answer_set(answer_of(answers, q));
                (q.clone(), !given.is_empty() && given == answer_set(key))
            })
            .collect();
        let correct = questions.iter().filter(|(_, ok)| *ok).count();
        KnownAnswerScore { score: percent(correct, questions.len()), correct, questions }
    }

    /// The assignment's fate by its score (see [`decision`]).
    pub fn decide(&self, score: i64) -> AssignmentDecision {
        decision(score, self.approve_if_score_at_least, self.reject_if_score_less_than)
    }

    pub fn extends(&self, score: i64) -> bool {
        self.extend_if_score_less_than.is_some_and(|t| score < t)
    }
}

/// One assignment as SimplePlurality sees it.
#[derive(Debug, Clone, PartialEq)]
pub struct PluralityInput {
    pub assignment_id: String,
    pub rejected: bool,
    /// The assignment's KnownAnswerScore, when an assignment-level policy scored it.
    pub known_answer_score: Option<i64>,
    pub answers: Vec<(String, Vec<String>)>,
}

/// One question's outcome.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QuestionAgreement {
    pub question_id: String,
    /// The plurality answer and its Question Agreement Score, when it reached the threshold.
    pub agreed: Option<(BTreeSet<String>, i64)>,
}

/// One assignment's outcome; assignments left out of the computation have none.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WorkerAgreement {
    pub assignment_id: String,
    /// Answers that matched / did not match an agreed answer.
    pub agreed: usize,
    pub disagreed: usize,
    /// None when the worker answered no question that has an agreed answer.
    pub score: Option<i64>,
    pub decision: AssignmentDecision,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PluralityOutcome {
    /// Only questions that at least one counted assignment answered are evaluated.
    pub questions: Vec<QuestionAgreement>,
    pub hit_agreement_score: i64,
    pub workers: Vec<WorkerAgreement>,
}

impl Plurality {
    fn disregards(&self, a: &PluralityInput) -> bool {
        (self.disregard_if_rejected && a.rejected)
            || matches!((self.disregard_if_known_answer_score_less_than, a.known_answer_score), (Some(t), Some(s)) if s < t)
    }

    /// Compares the counted assignments' answers question by question. A question's plurality
    /// answer is the one most workers gave (a tie has none); it is the agreed answer when its
    /// share, the Question Agreement Score, is at least QuestionAgreementThreshold.
    pub fn evaluate(&self, assignments: &[PluralityInput]) -> PluralityOutcome {
        let counted: Vec<&PluralityInput> = assignments.iter().filter(|a| !self.disregards(a)).collect();
        let usable = |a: &PluralityInput, q: &str| -> Option<BTreeSet<String>> {
            let values = answer_of(&a.answers, q);
            if values.iter().any(|v| v.trim().chars().count() > MAX_COMPARED_ANSWER) {
                return None;
            }
            Some(answer_set(values)).filter(|s| !s.is_empty())
        };
        let mut questions = Vec::new();
        for q in &self.question_ids {
            let given: Vec<BTreeSet<String>> = counted.iter().filter_map(|a| usable(a, q)).collect();
            if given.is_empty() {
                continue;
            }
            let mut tally: Vec<(&BTreeSet<String>, usize)> = Vec::new();
            for g in &given {
                match tally.iter_mut().find(|(s, _)| *s == g) {
                    Some((_, n)) => *n += 1,
                    None => tally.push((g, 1)),
                }
            }
            let top = tally.iter().map(|(_, n)| *n).max().unwrap_or(0);
            let leaders: Vec<&(&BTreeSet<String>, usize)> = tally.iter().filter(|(_, n)| *n == top).collect();
            let agreed = match leaders.as_slice() {
                [(answer, n)] => {
                    let score = percent(*n, given.len());
                    (score >= self.question_agreement_threshold).then(|| ((*answer).clone(), score))
                }
                _ => None,
            };
            questions.push(QuestionAgreement { question_id: q.clone(), agreed });
        }
        let agreed_count = questions.iter().filter(|q| q.agreed.is_some()).count();
        let hit_agreement_score = percent(agreed_count, questions.len());
        let workers = counted
            .iter()
            .map(|a| {
                let (mut agreed, mut disagreed) = (0, 0);
                for qa in &questions {
                    let Some((answer, _)) = &qa.agreed else { continue };
                    match usable(a, &qa.question_id) {
                        Some(g) if &g == answer => agreed += 1,
                        Some(_) => disagreed += 1,
                        None => {}
                    }
                }
                let score = (agreed + disagreed > 0).then(|| percent(agreed, agreed + disagreed));
                let decision = score.map_or(AssignmentDecision::Leave, |s| {
                    decision(s, self.approve_if_worker_agreement_at_least, self.reject_if_worker_agreement_less_than)
                });
                WorkerAgreement { assignment_id: a.assignment_id.clone(), agreed, disagreed, score, decision }
            })
            .collect();
        PluralityOutcome { questions, hit_agreement_score, workers }
    }

    /// Whether the outcome asks for another worker.
    pub fn extends(&self, outcome: &PluralityOutcome) -> bool {
        self.extend_if_hit_agreement_less_than.is_some_and(|t| outcome.hit_agreement_score < t)
    }

    /// Whether the HIT reached the agreement asked of it: the extension threshold when one is
    /// given, otherwise an agreed answer on every question evaluated.
    pub fn appropriate(&self, outcome: &PluralityOutcome) -> bool {
        outcome.hit_agreement_score >= self.extend_if_hit_agreement_less_than.unwrap_or(100)
    }
}

/// An agreed answer as a result's Value: its values joined as multi-valued answers are.
pub fn answer_text(answer: &BTreeSet<String>) -> String {
    answer.iter().cloned().collect::<Vec<_>>().join("|")
}

#[cfg(test)]
#[path = "review_policy_tests.rs"]
mod tests;
