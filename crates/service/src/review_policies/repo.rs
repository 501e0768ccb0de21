//! The SQL of review policies: the policies stored with a HIT (`review_policies`) and the
//! results and actions they produced (`review_entries`).

use super::{EntryLevel, ReviewAction, ReviewEntry, ReviewResult};
use crate::error::{corrupt, Result};
use crate::paging::Cursor;
use openturk_domain::clock::Millis;
use openturk_domain::ids;
use openturk_domain::review_policy::{KnownAnswers, Plurality};
use openturk_storage::{params, Row, Tx};
use serde::de::DeserializeOwned;

pub(crate) fn insert_policy(
    tx: &mut dyn Tx,
    hit_id: &str,
    level: EntryLevel,
    name: &str,
    policy: &impl serde::Serialize,
) -> Result<()> {
    let json = serde_json::to_string(policy).map_err(|e| corrupt("review policy", e))?;
    tx.execute(
        "INSERT INTO review_policies (hit_id, level, policy_name, policy) VALUES (?, ?, ?, ?)",
        params![hit_id, level.as_str(), name, &json],
    )?;
    Ok(())
}

fn load<P: DeserializeOwned>(tx: &mut dyn Tx, hit_id: &str, level: EntryLevel) -> Result<Option<P>> {
    let row = tx.query_opt(
        "SELECT policy FROM review_policies WHERE hit_id = ? AND level = ?",
        params![hit_id, level.as_str()],
    )?;
    match row {
        None => Ok(None),
        // A stored policy that does not read back is our fault, never "no policy".
        Some(r) => Ok(Some(serde_json::from_str(&r.string("policy")?).map_err(|e| corrupt("review policy", e))?)),
    }
}

/// What a submit reads of its HIT before taking the writer, in one indexed read: the parsed
/// question (JSON) and the assignment-level policy, if any.
pub(crate) fn question_and_assignment_policy(tx: &mut dyn Tx, hit_id: &str) -> Result<(String, Option<KnownAnswers>)> {
    let r = tx.query_one(
        "SELECT h.question_parsed, p.policy FROM hits h
         LEFT JOIN review_policies p ON p.hit_id = h.hit_id AND p.level = ?
         WHERE h.hit_id = ?",
        params![EntryLevel::Assignment.as_str(), hit_id],
    )?;
    let policy = match r.opt_string("policy")? {
        None => None,
        // A stored policy that does not read back is our fault, never "no policy".
        Some(json) => Some(serde_json::from_str(&json).map_err(|e| corrupt("review policy", e))?),
    };
    Ok((r.string("question_parsed")?, policy))
}

pub(crate) fn hit_policy(tx: &mut dyn Tx, hit_id: &str) -> Result<Option<Plurality>> {
    load(tx, hit_id, EntryLevel::Hit)
}

pub(crate) fn has_hit_policy(tx: &mut dyn Tx, hit_id: &str) -> Result<bool> {
    Ok(tx
        .query_opt(
            "SELECT level FROM review_policies WHERE hit_id = ? AND level = ?",
            params![hit_id, EntryLevel::Hit.as_str()],
        )?
        .is_some())
}

/// The names of a HIT's policies: (assignment-level, HIT-level).
pub(crate) fn policy_names(tx: &mut dyn Tx, hit_id: &str) -> Result<(Option<String>, Option<String>)> {
    let mut names = (None, None);
    for r in tx.query("SELECT level, policy_name FROM review_policies WHERE hit_id = ?", params![hit_id])? {
        let name = Some(r.string("policy_name")?);
        match EntryLevel::parse(&r.string("level")?)? {
            EntryLevel::Assignment => names.0 = name,
            EntryLevel::Hit => names.1 = name,
        }
    }
    Ok(names)
}

/// A new ActionId: 30 characters, the shape of MTurk's entity IDs.
fn new_action_id() -> String {
    ids::new_hit_id()
}

pub(crate) fn insert_result(
    tx: &mut dyn Tx,
    hit_id: &str,
    level: EntryLevel,
    r: &ReviewResult,
    now: Millis,
) -> Result<()> {
    tx.execute(
        "INSERT INTO review_entries (hit_id, level, entry, action_id, subject_id, subject_type, question_id, result_key, result_value, created_at)
         VALUES (?, ?, 'Result', ?, ?, ?, ?, ?, ?, ?)",
        params![
            hit_id,
            level.as_str(),
            &new_action_id(),
            &r.subject_id,
            &r.subject_type,
            r.question_id.clone(),
            &r.key,
            &r.value,
            now
        ],
    )?;
    Ok(())
}

pub(crate) fn insert_action(tx: &mut dyn Tx, hit_id: &str, level: EntryLevel, a: &ReviewAction) -> Result<()> {
    let kind = a.error_kind.map(|k| format!("{k:?}"));
    tx.execute(
        "INSERT INTO review_entries (hit_id, level, entry, action_id, subject_id, subject_type, action_name, action_status, action_result, error_kind, created_at)
         VALUES (?, ?, 'Action', ?, ?, ?, ?, ?, ?, ?, ?)",
        params![
            hit_id,
            level.as_str(),
            &new_action_id(),
            &a.target_id,
            &a.target_type,
            &a.action_name,
            &a.status,
            &a.result,
            kind,
            a.complete_time
        ],
    )?;
    Ok(())
}

/// Each assignment's KnownAnswerScore, as the assignment-level policy recorded it.
pub(crate) fn known_answer_scores(tx: &mut dyn Tx, hit_id: &str) -> Result<Vec<(String, i64)>> {
    tx.query(
        "SELECT subject_id, result_value FROM review_entries
         WHERE hit_id = ? AND level = 'Assignment' AND entry = 'Result' AND result_key = 'KnownAnswerScore'
         ORDER BY seq",
        params![hit_id],
    )?
    .iter()
    .map(|r| {
        let v = r.string("result_value")?;
        Ok((r.string("subject_id")?, v.parse().map_err(|e| corrupt("KnownAnswerScore", e))?))
    })
    .collect()
}

/// A page of a HIT's entries of the given levels and kinds, in the order produced.
pub(crate) fn entries(
    tx: &mut dyn Tx,
    hit_id: &str,
    levels: &[EntryLevel],
    assignment_id: Option<&str>,
    results: bool,
    actions: bool,
    cur: &Cursor,
) -> Result<crate::paging::Page<(EntryLevel, ReviewEntry)>> {
    let levels: Vec<String> = levels.iter().map(|l| format!("'{}'", l.as_str())).collect();
    let mut kinds = Vec::new();
    if results {
        kinds.push("'Result'");
    }
    if actions {
        kinds.push("'Action'");
    }
    let sql = format!(
        "SELECT seq, level, entry, action_id, subject_id, subject_type, question_id, result_key, result_value,
                action_name, action_status, action_result, error_kind, created_at
         FROM review_entries WHERE hit_id = ? AND level IN ({}) AND entry IN ({})
           AND (? = '' OR subject_id = ?) AND seq > ? ORDER BY seq LIMIT ?",
        levels.join(", "),
        kinds.join(", ")
    );
    let a = assignment_id.unwrap_or("");
    cur.requester_page(tx.query(&sql, params![hit_id, a, a, cur.seq, cur.fetch()])?, entry_from_row)
}

fn entry_from_row(r: &Row) -> Result<((EntryLevel, ReviewEntry), i64)> {
    let level = EntryLevel::parse(&r.string("level")?)?;
    let entry = match r.string("entry")?.as_str() {
        "Result" => ReviewEntry::Result(ReviewResult {
            action_id: r.string("action_id")?,
            subject_id: r.string("subject_id")?,
            subject_type: r.string("subject_type")?,
            question_id: r.opt_string("question_id")?,
            key: r.string("result_key")?,
            value: r.string("result_value")?,
        }),
        "Action" => ReviewEntry::Action(ReviewAction {
            action_id: r.string("action_id")?,
            action_name: r.string("action_name")?,
            target_id: r.string("subject_id")?,
            target_type: r.string("subject_type")?,
            status: r.string("action_status")?,
            complete_time: r.i64("created_at")?,
            result: r.string("action_result")?,
            error_kind: match r.opt_string("error_kind")? {
                None => None,
                Some(k) => Some(super::recorded_kind(&k).ok_or_else(|| corrupt("review action error", &k))?),
            },
        }),
        other => return Err(corrupt("review entry kind", other)),
    };
    Ok(((level, entry), r.i64("seq")?))
}

impl EntryLevel {
    pub fn as_str(self) -> &'static str {
        match self {
            EntryLevel::Assignment => "Assignment",
            EntryLevel::Hit => "HIT",
        }
    }

    fn parse(s: &str) -> Result<EntryLevel> {
        match s {
            "Assignment" => Ok(EntryLevel::Assignment),
            "HIT" => Ok(EntryLevel::Hit),
            other => Err(corrupt("review policy level", other)),
        }
    }
}
