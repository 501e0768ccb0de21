//! Finding work: the HIT groups a worker may see, from the `hit_groups` summary (see
//! `groups.rs`), sorted, searched and paged by keyset, with each worker's eligibility applied
//! (`eligibility.rs`).

use crate::eligibility::Standing;
use crate::error::{Error, Result};
use crate::paging::{self, Page};
use crate::Service;
use base64::Engine;
use openturk_domain::clock::Millis;
use openturk_domain::eligibility::Action;
use openturk_domain::qualification::QualificationRequirement;
use openturk_domain::Money;
use openturk_storage::{params, Row, Value};

/// The most rows read by one query when some were left out for the worker; a page reads more
/// until it is full, up to [`MAX_SCANNED`] rows.
const CHUNK: i64 = 500;
/// A page stops looking after this many rows left out, and ends early with a NextToken that
/// resumes after them: a worker qualified for almost nothing still gets an answer quickly.
const MAX_SCANNED: usize = 5_000;

#[derive(Debug, Clone)]
pub struct HitGroup {
    pub hit_group_id: String,
    pub hit_type_id: String,
    pub title: String,
    pub description: String,
    pub keywords: Option<String>,
    pub reward: Money,
    pub assignment_duration_secs: i64,
    pub hits_available: i64,
    pub assignments_available: i64,
    pub requester_id: String,
    pub requester_name: String,
    pub expires_at: Millis,
    pub created_at: Millis,
    /// The type's QualificationRequirements, to show the worker.
    pub requirements: Vec<QualificationRequirement>,
    /// Whether the worker the list is for meets every requirement that guards accepting.
    pub qualified: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GroupSort {
    /// Newest groups first (the default).
    Newest,
    RewardDesc,
    MostAvailable,
    Title,
}

impl GroupSort {
    pub fn parse(s: &str) -> Option<GroupSort> {
        match s {
            "Newest" => Some(GroupSort::Newest),
            "RewardDesc" => Some(GroupSort::RewardDesc),
            "MostAvailable" => Some(GroupSort::MostAvailable),
            "Title" => Some(GroupSort::Title),
            _ => None,
        }
    }
    /// The columns of the order after which a page resumes, the group ID breaking ties. Every
    /// column of one order runs the same way, so "after the key" is one row-value comparison,
    /// which both databases answer with a range read of the order's index (see
    /// 0002_hit_groups.sql).
    fn keys(self) -> &'static [&'static str] {
        match self {
            GroupSort::Newest => &["created_at", "hit_group_id"],
            GroupSort::RewardDesc => &["reward_cents", "created_at", "hit_group_id"],
            GroupSort::MostAvailable => &["assignments_available", "created_at", "hit_group_id"],
            GroupSort::Title => &["title", "hit_group_id"],
        }
    }

    fn descending(self) -> bool {
        !matches!(self, GroupSort::Title)
    }

    /// `WHERE` for the rows after the key `(k1, k2, …)`.
    fn after(self) -> String {
        let cols: Vec<String> = self.keys().iter().map(|c| format!("g.{c}")).collect();
        let marks = vec!["?"; cols.len()].join(", ");
        format!("({}) {} ({marks})", cols.join(", "), if self.descending() { "<" } else { ">" })
    }

    fn order_by(self) -> String {
        let dir = if self.descending() { " DESC" } else { "" };
        self.keys().iter().map(|c| format!("g.{c}{dir}")).collect::<Vec<_>>().join(", ")
    }
}

#[derive(Debug, Clone, Default)]
pub struct GroupQuery {
    pub query: Option<String>,
    pub min_reward: Option<Money>,
    pub sort: Option<GroupSort>,
    pub next_token: Option<String>,
    pub max_results: Option<i64>,
    /// Only this requester's groups (the requester's page).
    pub requester_id: Option<String>,
    /// The worker the list is for: groups whose requirements hide them from this worker
    /// (DiscoverPreviewAndAccept), and those of requesters who blocked it, are left out. None
    /// is a visitor with no qualifications at all.
    pub worker_id: Option<String>,
    /// Only the groups whose HITs the worker could accept ("qualified for").
    pub qualified_only: bool,
}

impl Service {
    /// HIT groups a worker can take work from: unexpired, with assignments available, not
    /// hidden from the worker by their requirements or by a block.
    ///
    /// Pages resume after the last group's sort key (keyset paging), so groups added while a
    /// worker pages through the list shift nothing: no group is shown twice or skipped because
    /// of them.
    pub fn list_hit_groups(&self, q: &GroupQuery) -> Result<Page<HitGroup>> {
        let sort = q.sort.unwrap_or(GroupSort::Newest);
        let mut after = match q.next_token.as_deref() {
            None => None,
            Some(t) => Some(decode_group_token(t, sort)?),
        };
        let limit = paging::page_size(q.max_results)? as usize;
        let min_reward = q.min_reward.map(|m| m.0).unwrap_or(0);
        // Only the conditions asked for, so that the planner sees each query's real shape.
        let mut filter = String::new();
        let mut args: Vec<Value> = params![self.now(), min_reward].to_vec();
        // Each word of the query must begin a word of the group's title, description or keywords.
        for (lo, hi) in crate::groups::query_words(q.query.as_deref().unwrap_or("")) {
            filter.push_str(
                " AND g.hit_group_id IN (SELECT w.hit_group_id FROM hit_group_words w WHERE w.word >= ? AND w.word < ?)",
            );
            args.extend([lo.into(), hi.into()]);
        }
        if let Some(r) = &q.requester_id {
            filter.push_str(" AND g.requester_id = ?");
            args.push(r.clone().into());
        }
        if let Some(w) = &q.worker_id {
            filter.push_str(&format!(" AND {}", crate::blocks::not_blocked_sql("g.requester_id")));
            args.push(w.clone().into());
        }
        let select = |resume: bool, n: i64| {
            format!(
                "SELECT g.hit_group_id, g.hit_type_id, g.title, g.description, g.keywords, g.reward_cents,
                        g.assignment_duration_secs, g.hits_available, g.assignments_available, g.requester_id, r.name,
                        g.expires_at, g.created_at, g.requirements
                 FROM hit_groups g JOIN requesters r ON r.requester_id = g.requester_id
                 WHERE g.hits_available > 0 AND g.expires_at > ? AND g.reward_cents >= ?{filter}{}
                 ORDER BY {} LIMIT {n}",
                if resume { format!(" AND {}", sort.after()) } else { String::new() },
                sort.order_by()
            )
        };
        self.read(|tx| {
            let standing = match &q.worker_id {
                Some(w) => Standing::load(tx, w, self.mode())?,
                None => Standing::visitor(),
            };
            let mut items: Vec<HitGroup> = Vec::with_capacity(limit);
            let mut scanned = 0usize;
            loop {
                // One more than the page: whether there is a next page. The first query reads just
                // that; if the worker's filter left rows out, the next reads what the share shown
                // so far says is missing, with a margin.
                let want = (limit + 1 - items.len()) as i64;
                let n = if scanned == 0 {
                    want
                } else {
                    let shown = items.len().max(1) as f64 / scanned as f64;
                    ((want as f64 / shown) * 1.25).ceil().clamp(8.0, CHUNK as f64) as i64
                };
                let mut a = args.clone();
                if let Some(key) = &after {
                    a.extend(key.iter().cloned());
                }
                let rows = tx.query(&select(after.is_some(), n), &a)?;
                // The last row read, shown or not: where the next query resumes.
                let mut hidden_tail: Option<HitGroup> = None;
                for r in &rows {
                    let g = group_from_row(r, &standing)?;
                    scanned += 1;
                    let shown = standing.unmet(&g.requirements, Action::Discover).is_empty()
                        && (g.qualified || !q.qualified_only);
                    if !shown {
                        hidden_tail = Some(g);
                        continue;
                    }
                    if items.len() == limit {
                        let next = items.last().map(|l| encode_group_token(l, sort));
                        return Ok(Page { items, next_token: next });
                    }
                    hidden_tail = None;
                    items.push(g);
                }
                if (rows.len() as i64) < n {
                    return Ok(Page { items, next_token: None });
                }
                let Some(tail) = hidden_tail.or_else(|| items.last().cloned()) else {
                    return Ok(Page { items, next_token: None });
                };
                after = Some(key_of(&tail, sort));
                if scanned >= MAX_SCANNED {
                    return Ok(Page { items, next_token: Some(encode_group_token(&tail, sort)) });
                }
            }
        })
    }
}

fn group_from_row(r: &Row, standing: &Standing) -> Result<HitGroup> {
    let requirements: Vec<QualificationRequirement> = match r.opt_string("requirements")? {
        None => Vec::new(),
        Some(json) => serde_json::from_str(&json).map_err(|e| crate::error::corrupt("QualificationRequirements", e))?,
    };
    let qualified = standing.unmet(&requirements, Action::Accept).is_empty();
    Ok(HitGroup {
        hit_group_id: r.string("hit_group_id")?,
        hit_type_id: r.string("hit_type_id")?,
        title: r.string("title")?,
        description: r.string("description")?,
        keywords: r.opt_string("keywords")?,
        reward: Money(r.i64("reward_cents")?),
        assignment_duration_secs: r.i64("assignment_duration_secs")?,
        hits_available: r.i64("hits_available")?,
        assignments_available: r.i64("assignments_available")?,
        requester_id: r.string("requester_id")?,
        requester_name: r.string("name")?,
        expires_at: r.i64("expires_at")?,
        created_at: r.i64("created_at")?,
        requirements,
        qualified,
    })
}

/// A group's sort key, the values a page resumes after.
fn key_of(g: &HitGroup, sort: GroupSort) -> Vec<Value> {
    sort.keys()
        .iter()
        .map(|col| match *col {
            "created_at" => Value::Int(g.created_at),
            "reward_cents" => Value::Int(g.reward.0),
            "assignments_available" => Value::Int(g.assignments_available),
            "title" => Value::Text(g.title.clone()),
            _ => Value::Text(g.hit_group_id.clone()),
        })
        .collect()
}

/// The NextToken of a group listing: `og2.` and the base64 of the JSON array of the last
/// group's sort key, e.g. `[created_at, "hit_group_id"]`.
fn encode_group_token(g: &HitGroup, sort: GroupSort) -> String {
    let key: Vec<serde_json::Value> = key_of(g, sort)
        .into_iter()
        .map(|v| match v {
            Value::Int(i) => i.into(),
            Value::Text(t) => t.into(),
            _ => serde_json::Value::Null,
        })
        .collect();
    let json = serde_json::to_vec(&key).expect("a key serializes");
    format!("og2.{}", base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(json))
}

fn decode_group_token(t: &str, sort: GroupSort) -> Result<Vec<Value>> {
    let invalid = || {
        Error::invalid(format!("NextToken '{t}' is invalid; pass the NextToken of an earlier page with the same sort"))
    };
    let json = t
        .strip_prefix("og2.")
        .and_then(|b| base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(b).ok())
        .ok_or_else(invalid)?;
    let key: Vec<serde_json::Value> = serde_json::from_slice(&json).map_err(|_| invalid())?;
    let cols = sort.keys();
    if key.len() != cols.len() {
        return Err(invalid());
    }
    key.into_iter()
        .zip(cols)
        .map(|(v, col)| match (*col, v) {
            ("title" | "hit_group_id", serde_json::Value::String(s)) => Ok(Value::Text(s)),
            ("created_at" | "reward_cents" | "assignments_available", serde_json::Value::Number(n)) => {
                n.as_i64().map(Value::Int).ok_or_else(invalid)
            }
            _ => Err(invalid()),
        })
        .collect()
}
