//! The HIT-group summary (`hit_groups`): one row per group that workers find work in, kept in
//! step with its HITs by every write of a HIT, in the same transaction.
//!
//! Why a summary: the worker's HIT list shows groups, sorted and searched by group properties
//! and by how much work each has. Grouping every HIT on each page cost a scan of all HITs
//! (200 ms over 100,000); reading a range of one of the summary's indexes costs a page.
//!
//! A HIT adds to its group's counts while it is assignable: its status is Assignable (which the
//! life-cycle engine keeps true to the clock: an expiry is a scheduled settle) and it is not
//! deleted. It then adds one HIT and its open slots. [`hit_written`] applies the difference
//! between what a HIT added before a write and what it adds after, so a write costs a few
//! indexed statements whatever the group's size.

use crate::error::Result;
use openturk_domain::clock::Millis;
use openturk_domain::model::{Hit, HitStatus};
use openturk_storage::{params, Tx};

/// What one HIT adds to its group.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Share {
    pub group: String,
    /// Open slots, when the HIT is assignable; None when it adds nothing.
    pub slots: Option<i64>,
    pub expires_at: Millis,
}

impl Share {
    pub fn of(h: &Hit) -> Share {
        let assignable = h.status == HitStatus::Assignable && !h.deleted;
        Share { group: h.hit_group_id.clone(), slots: assignable.then(|| h.open_slots()), expires_at: h.expires_at }
    }
}

/// A HIT's stored row as it was before a write: what it added to its group, and its indexed
/// columns (a write sets only those that change: see `repo::save_hit`).
#[derive(Debug, Clone)]
pub(crate) struct Stored {
    pub share: Share,
    pub hit_type_id: String,
    pub status: String,
}

impl Stored {
    pub fn read(tx: &mut dyn Tx, hit_id: &str) -> Result<Option<Stored>> {
        let row = tx.query_opt(
            "SELECT hit_type_id, hit_group_id, status, deleted,
                    max_assignments - num_pending - num_submitted - num_completed AS open_slots, expires_at
             FROM hits WHERE hit_id = ?",
            params![hit_id],
        )?;
        let Some(r) = row else { return Ok(None) };
        let status = r.string("status")?;
        let assignable = status == HitStatus::Assignable.as_str() && !r.bool("deleted")?;
        Ok(Some(Stored {
            share: Share {
                group: r.string("hit_group_id")?,
                slots: assignable.then_some(r.i64("open_slots")?.max(0)),
                expires_at: r.i64("expires_at")?,
            },
            hit_type_id: r.string("hit_type_id")?,
            status,
        }))
    }
}

/// Keeps the summary in step with a HIT just written: `before` is what its row added before
/// the write (None for a new HIT), `hit` what it is now. Call after the HIT's row is written.
pub(crate) fn hit_written(tx: &mut dyn Tx, before: Option<&Share>, hit: &Hit) -> Result<()> {
    let after = Share::of(hit);
    if before == Some(&after) {
        return Ok(());
    }
    if before.is_none_or(|b| b.group != after.group) {
        ensure_group(tx, hit)?;
    }
    // What the write changes in each group it touches (one, or two when the HIT moved), so that
    // each group's row is updated once.
    let mut deltas: Vec<(&str, i64, i64)> = Vec::with_capacity(2);
    if let Some(b) = before {
        if let Some(slots) = b.slots {
            deltas.push((&b.group, -1, -slots));
        }
    }
    if let Some(slots) = after.slots {
        match deltas.iter_mut().find(|(g, _, _)| *g == after.group) {
            Some(d) => {
                d.1 += 1;
                d.2 += slots;
            }
            None => deltas.push((&after.group, 1, slots)),
        }
    }
    // The latest expiry among assignable HITs changes only when a HIT starts or stops being
    // assignable, moves to another group, or its expiry moves; it is re-read then (one step
    // down an index).
    let expiry_moved = before.is_none_or(|b| {
        b.slots.is_some() != after.slots.is_some() || b.expires_at != after.expires_at || b.group != after.group
    });
    for (group, hits, slots) in deltas {
        if expiry_moved {
            tx.execute(
                "UPDATE hit_groups SET hits_available = hits_available + ?,
                        assignments_available = assignments_available + ?,
                        expires_at = COALESCE((SELECT x.expires_at FROM hits x
                                               WHERE x.hit_group_id = ? AND x.status = 'Assignable' AND x.deleted = 0
                                               ORDER BY x.expires_at DESC LIMIT 1), 0)
                 WHERE hit_group_id = ?",
                params![hits, slots, group, group],
            )?;
        } else if hits != 0 || slots != 0 {
            tx.execute(
                "UPDATE hit_groups SET hits_available = hits_available + ?,
                        assignments_available = assignments_available + ?
                 WHERE hit_group_id = ?",
                params![hits, slots, group],
            )?;
        }
    }
    Ok(())
}

/// Creates the group's row (and its words) on its first HIT, or notes a newer HIT in it.
fn ensure_group(tx: &mut dyn Tx, h: &Hit) -> Result<()> {
    let updated = tx.execute(
        "UPDATE hit_groups SET created_at = ? WHERE hit_group_id = ? AND created_at < ?",
        params![h.created_at, &h.hit_group_id, h.created_at],
    )?;
    if updated > 0
        || tx.query_opt("SELECT 1 FROM hit_groups WHERE hit_group_id = ?", params![&h.hit_group_id])?.is_some()
    {
        return Ok(());
    }
    let s = &h.spec;
    let requirements = match s.qualification_requirements.as_slice() {
        [] => None,
        reqs => Some(serde_json::to_string(reqs).map_err(|e| crate::error::corrupt("QualificationRequirements", e))?),
    };
    tx.execute(
        "INSERT INTO hit_groups (hit_group_id, hit_type_id, requester_id, title, description, keywords, reward_cents,
                                 assignment_duration_secs, requirements, created_at, expires_at, hits_available,
                                 assignments_available)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 0, 0, 0)",
        params![
            &h.hit_group_id,
            &h.hit_type_id,
            &h.requester_id,
            &s.title,
            &s.description,
            s.keywords.clone(),
            s.reward.0,
            s.assignment_duration_secs,
            requirements,
            h.created_at,
        ],
    )?;
    index_words(tx, &h.hit_group_id, &s.title, &s.description, s.keywords.as_deref())
}

/// The most words of a query that count; more narrow nothing a worker would notice.
const MAX_QUERY_WORDS: usize = 8;
/// Words longer than this are cut (in the index and in queries alike).
const MAX_WORD_CHARS: usize = 40;

/// The searchable words of a text: runs of letters and digits, lower-cased, each once.
pub(crate) fn words(text: &str) -> Vec<String> {
    let mut out: Vec<String> = text
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(|w| w.chars().take(MAX_WORD_CHARS).collect::<String>().to_lowercase())
        .collect();
    out.sort();
    out.dedup();
    out
}

/// A query's words, each with the bounds of the index range of the words it begins.
pub(crate) fn query_words(query: &str) -> Vec<(String, String)> {
    words(query)
        .into_iter()
        .take(MAX_QUERY_WORDS)
        // Words compare byte by byte, and U+10FFFF's UTF-8 is above every other character's.
        .map(|w| {
            let above = format!("{w}\u{10FFFF}");
            (w, above)
        })
        .collect()
}

fn index_words(tx: &mut dyn Tx, group: &str, title: &str, description: &str, keywords: Option<&str>) -> Result<()> {
    let text = format!("{title}\n{description}\n{}", keywords.unwrap_or(""));
    for w in words(&text) {
        tx.execute("INSERT INTO hit_group_words (word, hit_group_id) VALUES (?, ?)", params![w, group])?;
    }
    Ok(())
}

/// Indexes the words of the groups that a migration summarised (it cannot split words), once.
pub(crate) fn index_migrated_words(tx: &mut dyn Tx) -> Result<()> {
    if tx.query_opt("SELECT 1 FROM meta WHERE key = 'hit_group_words'", &[])?.is_some() {
        return Ok(());
    }
    let groups = tx.query(
        "SELECT hit_group_id, title, description, keywords FROM hit_groups g
         WHERE NOT EXISTS (SELECT 1 FROM hit_group_words w WHERE w.hit_group_id = g.hit_group_id)",
        &[],
    )?;
    for g in &groups {
        index_words(
            tx,
            &g.string("hit_group_id")?,
            &g.string("title")?,
            &g.string("description")?,
            g.opt_string("keywords")?.as_deref(),
        )?;
    }
    tx.execute("INSERT INTO meta (key, value) VALUES ('hit_group_words', 'indexed')", &[])?;
    Ok(())
}
