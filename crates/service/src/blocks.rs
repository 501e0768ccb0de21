//! Worker blocks: CreateWorkerBlock, DeleteWorkerBlock and ListWorkerBlocks, and the one check
//! that enforcement calls ([`is_blocked`]).
//!
//! A block is one row of `worker_blocks` per (requester, worker). Two indexes serve the two
//! ways it is asked:
//! - `worker_blocks_pair (requester_id, worker_id)`, unique: "did this requester block this
//!   worker?" on accept and preview ([`is_blocked`]), and the count behind the 100,000 limit;
//! - `worker_blocks_by_worker (worker_id, requester_id)`: "which requesters blocked this
//!   worker?", to filter many requesters' HIT groups for one worker in the same query
//!   ([`not_blocked_sql`], one indexed probe per group's requester).

use crate::error::{Error, Result};
use crate::paging::{Cursor, Page};
use crate::Service;
use openturk_domain::clock::Millis;
use openturk_domain::{ids, validate};
use openturk_storage::{params, Tx};

/// MTurk: "You can block up to 100,000 Workers."
pub const MAX_BLOCKS_PER_REQUESTER: i64 = 100_000;

/// The longest Reason kept. MTurk documents none; OpenTurk bounds what it stores per block.
pub const MAX_REASON_CHARS: usize = 4096;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WorkerBlock {
    pub worker_id: String,
    pub reason: String,
    pub created_at: Millis,
}

/// Whether `requester_id` has blocked `worker_id`, inside the caller's unit of work. This is
/// the check that search, preview and accept make for one HIT (index `worker_blocks_pair`).
pub fn is_blocked(tx: &mut dyn Tx, requester_id: &str, worker_id: &str) -> Result<bool> {
    Ok(tx
        .query_opt(
            "SELECT 1 FROM worker_blocks WHERE requester_id = ? AND worker_id = ?",
            params![requester_id, worker_id],
        )?
        .is_some())
}

/// A `WHERE` condition that keeps the rows whose requester (the column `requester_col`) has
/// not blocked the worker bound to its one `?` placeholder, e.g.
/// `not_blocked_sql("h.requester_id")` in the HIT-group listing, with the worker's ID as the
/// argument. Served by the index `worker_blocks_by_worker (worker_id, requester_id)`.
pub fn not_blocked_sql(requester_col: &str) -> String {
    format!("NOT EXISTS (SELECT 1 FROM worker_blocks wb WHERE wb.worker_id = ? AND wb.requester_id = {requester_col})")
}

/// MTurk's answer for a missing, malformed or unknown WorkerId (API Reference,
/// DeleteWorkerBlock).
fn invalid_worker() -> Error {
    Error::invalid("WorkerId is invalid.")
}

fn check_reason(reason: &str, required: bool) -> Result<()> {
    if required && reason.trim().is_empty() {
        return Err(Error::invalid("Reason is required: say why the Worker is blocked (the Worker does not see it)."));
    }
    validate::text("Reason", reason, MAX_REASON_CHARS, true)?;
    validate::no_control_chars("Reason", reason)?;
    Ok(())
}

fn worker_exists(tx: &mut dyn Tx, worker_id: &str) -> Result<bool> {
    Ok(tx.query_opt("SELECT 1 FROM workers WHERE worker_id = ?", params![worker_id])?.is_some())
}

impl Service {
    /// CreateWorkerBlock. Blocking a worker who is already blocked replaces the reason.
    /// Assignments the worker already holds are kept (issue 7: a block does not take away an
    /// accepted assignment); what it stops is finding and accepting more.
    pub fn create_worker_block(&self, requester_id: &str, worker_id: &str, reason: &str) -> Result<()> {
        if !ids::is_worker_id(worker_id) {
            return Err(invalid_worker());
        }
        check_reason(reason, true)?;
        let now = self.now();
        self.write_for(requester_id, |tx| {
            if !worker_exists(tx, worker_id)? {
                return Err(invalid_worker());
            }
            if !is_blocked(tx, requester_id, worker_id)? {
                let n = tx
                    .query_one("SELECT COUNT(*) AS n FROM worker_blocks WHERE requester_id = ?", params![requester_id])?
                    .i64("n")?;
                if n >= MAX_BLOCKS_PER_REQUESTER {
                    return Err(Error::invalid(format!(
                        "You can block up to 100,000 Workers, and you have blocked {n}; unblock one with \
                         DeleteWorkerBlock first."
                    )));
                }
            }
            tx.execute(
                "INSERT INTO worker_blocks (requester_id, worker_id, reason, created_at) VALUES (?, ?, ?, ?)
                 ON CONFLICT (requester_id, worker_id) DO UPDATE SET reason = excluded.reason",
                params![requester_id, worker_id, reason, now],
            )?;
            Ok(())
        })
    }

    /// DeleteWorkerBlock: succeeds also when the worker is not blocked, as MTurk's does. The
    /// reason is checked but not kept (the worker never sees it, and nothing lists it).
    pub fn delete_worker_block(&self, requester_id: &str, worker_id: &str, reason: Option<&str>) -> Result<()> {
        if !ids::is_worker_id(worker_id) {
            return Err(invalid_worker());
        }
        if let Some(r) = reason {
            check_reason(r, false)?;
        }
        self.write_for(requester_id, |tx| {
            if !worker_exists(tx, worker_id)? {
                return Err(invalid_worker());
            }
            tx.execute(
                "DELETE FROM worker_blocks WHERE requester_id = ? AND worker_id = ?",
                params![requester_id, worker_id],
            )?;
            Ok(())
        })
    }

    /// ListWorkerBlocks: the requester's blocks in the order they were made.
    pub fn list_worker_blocks(
        &self,
        requester_id: &str,
        next_token: Option<&str>,
        max_results: Option<i64>,
    ) -> Result<Page<WorkerBlock>> {
        let cur = Cursor::forward(next_token, max_results)?;
        self.read(|tx| {
            let rows = tx.query(
                "SELECT worker_id, reason, created_at, seq FROM worker_blocks
                 WHERE requester_id = ? AND seq > ? ORDER BY seq LIMIT ?",
                params![requester_id, cur.seq, cur.fetch()],
            )?;
            cur.requester_page(rows, |r| {
                Ok((
                    WorkerBlock {
                        worker_id: r.string("worker_id")?,
                        reason: r.string("reason")?,
                        created_at: r.i64("created_at")?,
                    },
                    r.i64("seq")?,
                ))
            })
        })
    }

    /// [`is_blocked`] in a unit of its own, for callers outside one (the website's messages).
    pub fn is_worker_blocked(&self, requester_id: &str, worker_id: &str) -> Result<bool> {
        self.read(|tx| is_blocked(tx, requester_id, worker_id))
    }
}
