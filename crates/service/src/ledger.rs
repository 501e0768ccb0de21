//! Double-entry books. Every movement of money is one ledger transaction whose entries sum to
//! zero; each account's balance column is kept equal to the sum of its entries, in the same
//! database transaction as the state change that moved the money.
//!
//! Accounts:
//! - `requester:{id}:available`: prepaid money a requester may spend (production);
//! - `requester:{id}:hold`: money set aside for assignments that may still be paid;
//! - `worker:{id}`: a worker's earnings;
//! - `platform:fees`: the marketplace's fees;
//! - `external:deposits`: the outside world; goes negative as deposits come in;
//! - `sandbox:{id}`: in sandbox mode, where a requester's (play) money comes from; one per
//!   requester, so that requesters never contend for one row.

use crate::error::{Error, Result};
use openturk_domain::{ErrorKind, Money};
use openturk_storage::{params, Tx};

pub const PLATFORM_FEES: &str = "platform:fees";
pub const EXTERNAL: &str = "external:deposits";

pub fn available(requester_id: &str) -> String {
    format!("requester:{requester_id}:available")
}
pub fn hold(requester_id: &str) -> String {
    format!("requester:{requester_id}:hold")
}
pub fn sandbox_faucet(requester_id: &str) -> String {
    format!("sandbox:{requester_id}")
}
pub fn worker(worker_id: &str) -> String {
    format!("worker:{worker_id}")
}

/// Records one balanced transaction. Entries of zero are skipped.
pub fn post(tx: &mut dyn Tx, kind: &str, ref_id: &str, now: i64, entries: &[(&str, Money)]) -> Result<()> {
    let sum: i64 = entries.iter().map(|(_, m)| m.0).sum();
    if sum != 0 {
        return Err(Error::new(ErrorKind::Internal, format!("unbalanced ledger transaction {kind} for {ref_id}")));
    }
    if entries.iter().all(|(_, m)| m.0 == 0) {
        return Ok(());
    }
    let txn = tx
        .query_one(
            "INSERT INTO ledger_transactions (kind, ref_id, created_at) VALUES (?, ?, ?) RETURNING txn_id",
            params![kind, ref_id, now],
        )?
        .i64("txn_id")?;
    for (account, amount) in entries {
        if amount.0 == 0 {
            continue;
        }
        tx.execute(
            "INSERT INTO ledger_accounts (account_id, balance_cents) VALUES (?, ?)
             ON CONFLICT (account_id) DO UPDATE SET balance_cents = ledger_accounts.balance_cents + excluded.balance_cents",
            params![*account, amount.0],
        )?;
        tx.execute(
            "INSERT INTO ledger_entries (txn_id, account_id, amount_cents) VALUES (?, ?, ?)",
            params![txn, *account, amount.0],
        )?;
    }
    Ok(())
}

pub fn balance(tx: &mut dyn Tx, account: &str) -> Result<Money> {
    Ok(Money(
        tx.query_opt("SELECT balance_cents FROM ledger_accounts WHERE account_id = ?", params![account])?
            .map(|r| r.i64("balance_cents"))
            .transpose()?
            .unwrap_or(0),
    ))
}

/// A problem `openturk ledger verify` found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Discrepancy(pub String);

/// Checks the books: every account's balance equals the sum of its entries, every transaction
/// sums to zero, all balances sum to zero, and each requester's hold equals what its HITs hold.
pub fn verify(tx: &mut dyn Tx) -> Result<(usize, Vec<Discrepancy>)> {
    let mut out = Vec::new();
    let rows = tx.query(
        "SELECT a.account_id, a.balance_cents, CAST(COALESCE(SUM(e.amount_cents), 0) AS BIGINT) AS entries_sum
         FROM ledger_accounts a LEFT JOIN ledger_entries e ON e.account_id = a.account_id
         GROUP BY a.account_id, a.balance_cents",
        &[],
    )?;
    let mut total = 0i64;
    let accounts = rows.len();
    for r in &rows {
        let (id, bal, sum) = (r.string("account_id")?, r.i64("balance_cents")?, r.i64("entries_sum")?);
        total += bal;
        if bal != sum {
            out.push(Discrepancy(format!("account {id}: balance {} but entries sum to {}", Money(bal), Money(sum))));
        }
    }
    if total != 0 {
        out.push(Discrepancy(format!("balances sum to {}, not 0.00", Money(total))));
    }
    for r in tx.query(
        "SELECT txn_id, CAST(SUM(amount_cents) AS BIGINT) AS imbalance FROM ledger_entries GROUP BY txn_id HAVING SUM(amount_cents) <> 0",
        &[],
    )? {
        out.push(Discrepancy(format!("transaction {} is unbalanced by {}", r.i64("txn_id")?, Money(r.i64("imbalance")?))));
    }
    for r in tx.query(
        "SELECT r.requester_id, CAST(COALESCE((SELECT SUM(h.held_cents) FROM hits h WHERE h.requester_id = r.requester_id), 0) AS BIGINT) AS held
         FROM requesters r",
        &[],
    )? {
        let (rid, held) = (r.string("requester_id")?, r.i64("held")?);
        let acct = balance(tx, &hold(&rid))?;
        if acct.0 != held {
            out.push(Discrepancy(format!("requester {rid}: hold account {acct} but its HITs hold {}", Money(held))));
        }
        if acct.0 < 0 {
            out.push(Discrepancy(format!("requester {rid}: negative hold {acct}")));
        }
    }
    Ok((accounts, out))
}

impl crate::Service {
    /// `openturk ledger verify`: the number of accounts, and every discrepancy found.
    pub fn verify_ledger(&self) -> Result<(usize, Vec<Discrepancy>)> {
        self.db().read(|tx: &mut dyn Tx| verify(tx))
    }
}
