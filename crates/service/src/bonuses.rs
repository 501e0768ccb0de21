//! Bonuses: SendBonus (paid through the ledger, idempotent by UniqueRequestToken) and
//! ListBonusPayments.

use crate::error::{Error, Result};
use crate::hits::{check_token, record_token};
use crate::paging::{Cursor, Page};
use crate::{accounts, ledger, repo, Service};
use openturk_domain::clock::Millis;
use openturk_domain::validate;
use openturk_domain::{ErrorKind, Money};
use openturk_storage::params;

const MAX_BONUS_REASON: usize = 4096;
/// The largest single bonus: 1,000,000.00 (keeps the books far from integer overflow).
const MAX_BONUS: Money = Money(100_000_000);

#[derive(Debug, Clone)]
pub struct Bonus {
    pub worker_id: String,
    pub assignment_id: String,
    pub amount: Money,
    pub reason: String,
    pub granted_at: Millis,
}

impl Service {
    /// SendBonus: only to the worker who worked the assignment; a repeated token pays nothing.
    pub fn send_bonus(
        &self,
        requester_id: &str,
        worker_id: &str,
        assignment_id: &str,
        amount: &str,
        reason: &str,
        token: Option<&str>,
    ) -> Result<()> {
        let amount = Money::parse_amount("BonusAmount", amount)?;
        if amount.0 <= 0 || amount > MAX_BONUS {
            return Err(Error::invalid(format!(
                "BonusAmount {amount} must be greater than 0.00 and at most {MAX_BONUS}"
            )));
        }
        validate::text("Reason", reason, MAX_BONUS_REASON, false)?;
        validate::no_control_chars("Reason", reason)?;
        validate::unique_request_token(token)?;
        self.write_for(requester_id, |tx| {
            let now = self.now();
            if let Some(t) = token {
                if let Some(existing) = check_token(tx, requester_id, "SendBonus", t, now)? {
                    return Err(Error::new(
                        ErrorKind::DuplicateRequest,
                        format!("A bonus with UniqueRequestToken '{t}' was already sent for assignment {existing}"),
                    ));
                }
            }
            let a = self.own_assignment(tx, requester_id, assignment_id)?;
            if a.worker_id != worker_id {
                return Err(Error::invalid(format!(
                    "Assignment {assignment_id} was not worked by worker {worker_id}; a bonus can go only to the worker who worked the assignment"
                )));
            }
            let fee = self.config().fees.bonus_fee(amount);
            let w = ledger::worker(worker_id);
            accounts::spend(tx, self.mode(), requester_id, "bonus", assignment_id, now, &[(&w, amount), (ledger::PLATFORM_FEES, fee)])?;
            tx.execute(
                "INSERT INTO bonuses (requester_id, worker_id, assignment_id, hit_id, amount_cents, fee_cents, reason, created_at)
                 VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                params![requester_id, worker_id, assignment_id, &a.hit_id, amount.0, fee.0, reason, now],
            )?;
            if let Some(t) = token {
                record_token(tx, requester_id, "SendBonus", t, assignment_id, now)?;
            }
            Ok(())
        })
    }

    /// ListBonusPayments by HIT or by assignment (exactly one).
    pub fn list_bonus_payments(
        &self,
        requester_id: &str,
        hit_id: Option<&str>,
        assignment_id: Option<&str>,
        next_token: Option<&str>,
        max_results: Option<i64>,
    ) -> Result<Page<Bonus>> {
        let (col, id) = match (hit_id, assignment_id) {
            (Some(h), None) => ("hit_id", h),
            (None, Some(a)) => ("assignment_id", a),
            _ => return Err(Error::invalid("ListBonusPayments takes exactly one of HITId and AssignmentId")),
        };
        let cur = Cursor::forward(next_token, max_results)?;
        let sql = format!(
            "SELECT worker_id, assignment_id, amount_cents, reason, created_at, seq FROM bonuses
             WHERE requester_id = ? AND {col} = ? AND seq > ? ORDER BY seq LIMIT ?"
        );
        self.read(|tx| {
            if col == "hit_id" {
                repo::own_hit(tx, requester_id, id)?;
            } else {
                self.own_assignment(tx, requester_id, id)?;
            }
            cur.requester_page(tx.query(&sql, params![requester_id, id, cur.seq, cur.fetch()])?, |r| {
                Ok((
                    Bonus {
                        worker_id: r.string("worker_id")?,
                        assignment_id: r.string("assignment_id")?,
                        amount: Money(r.i64("amount_cents")?),
                        reason: r.string("reason")?,
                        granted_at: r.i64("created_at")?,
                    },
                    r.i64("seq")?,
                ))
            })
        })
    }
}
