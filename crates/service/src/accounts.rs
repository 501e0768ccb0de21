//! Requesters, their access keys, deposits and balances.

use crate::error::{Error, Result};
use crate::{ledger, Service};
use openturk_domain::model::Mode;
use openturk_domain::{ids, ErrorKind, Money};
use openturk_storage::{params, Tx};
use std::sync::Arc;

/// A requester's key pair, as the request authenticator needs it.
#[derive(Debug, Clone)]
pub struct AccessKey {
    pub access_key_id: String,
    pub secret_access_key: String,
    pub requester_id: String,
    pub requester_name: String,
    pub read_only: bool,
}

#[derive(Debug, Clone)]
pub struct RequesterSummary {
    pub requester_id: String,
    pub name: String,
    pub keys: Vec<(String, bool)>,
    pub available: Money,
    pub on_hold: Money,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Balance {
    pub available: Money,
    pub on_hold: Money,
}

fn valid_name(name: &str) -> Result<()> {
    let ok = !name.is_empty()
        && name.len() <= 64
        && name.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.' | '@'));
    if !ok {
        return Err(Error::invalid(format!(
            "requester name '{name}' is invalid: use 1 to 64 letters, digits, '-', '_', '.' or '@'"
        )));
    }
    Ok(())
}

impl Service {
    /// Creates a requester with one full-access key pair.
    pub fn create_requester(&self, name: &str) -> Result<AccessKey> {
        valid_name(name)?;
        let now = self.now();
        let requester_id = ids::new_requester_id();
        self.write(|tx| {
            if tx.query_opt("SELECT 1 FROM requesters WHERE name = ?", params![name])?.is_some() {
                return Err(Error::new(ErrorKind::Conflict, format!("a requester named '{name}' already exists")));
            }
            tx.execute(
                "INSERT INTO requesters (requester_id, name, created_at) VALUES (?, ?, ?)",
                params![&requester_id, name, now],
            )?;
            self.insert_key(tx, &requester_id, name, false, now)
        })
    }

    /// Adds a key pair to a requester; read-only keys may call only Get* and List* operations.
    pub fn add_key(&self, name: &str, read_only: bool) -> Result<AccessKey> {
        let now = self.now();
        self.write(|tx| {
            let rid = tx
                .query_opt("SELECT requester_id FROM requesters WHERE name = ?", params![name])?
                .ok_or_else(|| Error::new(ErrorKind::NotFound, format!("no requester is named '{name}'")))?
                .string("requester_id")?;
            self.insert_key(tx, &rid, name, read_only, now)
        })
    }

    fn insert_key(&self, tx: &mut dyn Tx, rid: &str, name: &str, read_only: bool, now: i64) -> Result<AccessKey> {
        let key = AccessKey {
            access_key_id: ids::new_access_key_id(),
            secret_access_key: ids::new_secret_access_key(),
            requester_id: rid.to_string(),
            requester_name: name.to_string(),
            read_only,
        };
        let sealed = self.inner.sealer.seal(key.secret_access_key.as_bytes());
        tx.execute(
            "INSERT INTO access_keys (access_key_id, requester_id, secret_sealed, read_only, created_at) VALUES (?, ?, ?, ?, ?)",
            params![&key.access_key_id, rid, sealed, read_only, now],
        )?;
        Ok(key)
    }

    /// Looks up an access key for request authentication. Found keys are cached; keys are
    /// never changed once made, so the cache cannot go stale.
    pub fn access_key(&self, access_key_id: &str) -> Result<Option<Arc<AccessKey>>> {
        if let Some(k) = self.inner.keys.read().get(access_key_id) {
            return Ok(Some(k.clone()));
        }
        let row = self.inner.db.read(|tx: &mut dyn Tx| -> Result<_> {
            Ok(tx.query_opt(
                "SELECT k.secret_sealed, k.requester_id, r.name, k.read_only
                 FROM access_keys k JOIN requesters r ON r.requester_id = k.requester_id
                 WHERE k.access_key_id = ?",
                params![access_key_id],
            )?)
        })?;
        let Some(row) = row else { return Ok(None) };
        let secret =
            self.inner.sealer.open(&row.blob("secret_sealed")?).and_then(|s| String::from_utf8(s).ok()).ok_or_else(
                || {
                    Error::new(
                        ErrorKind::Internal,
                        format!("the secret of access key {access_key_id} cannot be unsealed: wrong master key?"),
                    )
                },
            )?;
        let key = Arc::new(AccessKey {
            access_key_id: access_key_id.to_string(),
            secret_access_key: secret,
            requester_id: row.string("requester_id")?,
            requester_name: row.string("name")?,
            read_only: row.bool("read_only")?,
        });
        self.inner.keys.write().insert(access_key_id.to_string(), key.clone());
        Ok(Some(key))
    }

    /// Whether any requester exists yet (first start creates `default`).
    pub fn has_requesters(&self) -> Result<bool> {
        self.inner.db.read(|tx: &mut dyn Tx| -> Result<bool> {
            Ok(tx.query_opt("SELECT 1 FROM requesters LIMIT 1", &[])?.is_some())
        })
    }

    /// Adds prepaid money to a requester's account (production mode only).
    pub fn deposit(&self, name: &str, amount: Money) -> Result<Balance> {
        if self.mode() != Mode::Production {
            return Err(Error::invalid(
                "deposits are for production mode; in sandbox mode every requester's AvailableBalance is 10000.00",
            ));
        }
        if amount.0 <= 0 {
            return Err(Error::invalid(format!("deposit amount {amount} must be greater than 0.00")));
        }
        let now = self.now();
        self.write(|tx| {
            let rid = tx
                .query_opt("SELECT requester_id FROM requesters WHERE name = ?", params![name])?
                .ok_or_else(|| Error::new(ErrorKind::NotFound, format!("no requester is named '{name}'")))?
                .string("requester_id")?;
            ledger::post(tx, "deposit", &rid, now, &[(ledger::EXTERNAL, -amount), (&ledger::available(&rid), amount)])?;
            balance_of(tx, self.mode(), &rid)
        })
    }

    pub fn balance(&self, requester_id: &str) -> Result<Balance> {
        self.read(|tx| balance_of(tx, self.mode(), requester_id))
    }

    pub fn list_requesters(&self) -> Result<Vec<RequesterSummary>> {
        self.read(|tx| {
            let mut out = Vec::new();
            for r in tx.query("SELECT requester_id, name FROM requesters ORDER BY created_at, name", &[])? {
                let rid = r.string("requester_id")?;
                let keys = tx
                    .query(
                        "SELECT access_key_id, read_only FROM access_keys WHERE requester_id = ? ORDER BY created_at",
                        params![&rid],
                    )?
                    .iter()
                    .map(|k| Ok((k.string("access_key_id")?, k.bool("read_only")?)))
                    .collect::<Result<Vec<_>>>()?;
                let b = balance_of(tx, self.mode(), &rid)?;
                out.push(RequesterSummary {
                    requester_id: rid,
                    name: r.string("name")?,
                    keys,
                    available: b.available,
                    on_hold: b.on_hold,
                });
            }
            Ok(out)
        })
    }
}

pub(crate) fn balance_of(tx: &mut dyn Tx, mode: Mode, rid: &str) -> Result<Balance> {
    let on_hold = ledger::balance(tx, &ledger::hold(rid))?;
    let available = match mode {
        Mode::Sandbox => Money(crate::config::SANDBOX_BALANCE_CENTS),
        Mode::Production => ledger::balance(tx, &ledger::available(rid))?,
    };
    Ok(Balance { available, on_hold })
}

/// Where a requester's spending comes from: its prepaid account, or in sandbox mode the faucet.
pub(crate) fn funding_account(mode: Mode, rid: &str) -> String {
    match mode {
        Mode::Sandbox => ledger::sandbox_faucet(rid),
        Mode::Production => ledger::available(rid),
    }
}

/// Moves `amount` from the requester's funds to `to` entries, refusing in production mode when
/// the available balance is short. Nothing is written when it refuses.
pub(crate) fn spend(
    tx: &mut dyn Tx,
    mode: Mode,
    rid: &str,
    kind: &str,
    ref_id: &str,
    now: i64,
    to: &[(&str, Money)],
) -> Result<()> {
    let total: Money = to.iter().fold(Money::ZERO, |a, (_, m)| a + *m);
    let from = funding_account(mode, rid);
    if mode == Mode::Production && total.0 > 0 {
        let have = ledger::balance(tx, &from)?;
        if have < total {
            return Err(Error::new(
                ErrorKind::InsufficientFunds,
                format!(
                    "This Requester has insufficient funds in their account to complete this transaction: it needs {total} but has {have} available. Deposit more with `openturk requester deposit`."
                ),
            ));
        }
    }
    let mut entries: Vec<(&str, Money)> = vec![(&from, -total)];
    entries.extend_from_slice(to);
    ledger::post(tx, kind, ref_id, now, &entries)
}
