//! Workers: accounts, sessions and their earnings. Finding work is `hit_list`.

pub use crate::hit_list::{GroupQuery, GroupSort, HitGroup};

use crate::error::{Error, Result};
use crate::{ledger, Service};
use openturk_domain::clock::Millis;
use openturk_domain::{ids, ErrorKind, Money};
use openturk_storage::{params, Tx};
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::net::IpAddr;

#[derive(Debug, Clone)]
pub struct NewWorker {
    pub username: String,
    pub password: String,
    pub country: String,
    pub subdivision: Option<String>,
    /// Where NotifyWorkers also sends email; optional.
    pub email: Option<String>,
}

#[derive(Debug, Clone)]
pub struct Session {
    pub token: String,
    pub worker_id: String,
    pub expires_at: Millis,
}

#[derive(Debug, Clone)]
pub struct WorkerProfile {
    pub worker_id: String,
    pub username: String,
    pub country: String,
    pub subdivision: Option<String>,
    pub email: Option<String>,
    pub created_at: Millis,
    /// Rewards of submitted work not yet approved or rejected.
    pub pending: Money,
    /// Rewards of approved work.
    pub approved: Money,
    pub bonuses: Money,
    /// What the worker's account holds: approved rewards plus bonuses.
    pub available: Money,
    pub counts: Vec<(&'static str, i64)>,
}

fn hash_token(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

fn check_new_worker(w: &NewWorker) -> Result<()> {
    let u = &w.username;
    if u.len() < 3
        || u.len() > 64
        || !u.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.' | '@'))
    {
        return Err(Error::invalid(format!(
            "Username '{u}' is invalid: use 3 to 64 letters, digits, '-', '_', '.' or '@'"
        )));
    }
    check_password(&w.password)?;
    if w.country.len() != 2 || !w.country.bytes().all(|b| b.is_ascii_uppercase()) {
        return Err(Error::invalid(format!("Country '{}' is not an ISO 3166-1 alpha-2 code such as US", w.country)));
    }
    if let Some(s) = &w.subdivision {
        if s.is_empty() || s.len() > 3 || !s.bytes().all(|b| b.is_ascii_alphanumeric()) {
            return Err(Error::invalid(format!("Subdivision '{s}' is not an ISO 3166-2 subdivision code such as CA")));
        }
    }
    if let Some(e) = &w.email {
        crate::messages::check_email(e)?;
    }
    Ok(())
}

/// The rule every new password follows.
fn check_password(p: &str) -> Result<()> {
    if p.chars().count() < 8 || p.len() > 1024 {
        return Err(Error::invalid("Password must have 8 to 1024 characters"));
    }
    Ok(())
}

impl Service {
    /// Changes a signed-in worker's password, given the current one. Wrong guesses count as
    /// failed sign-ins of the account (a stolen session cannot guess the password any faster),
    /// and every other session of the worker is ended: whoever else held one is signed out.
    pub fn change_password(&self, worker_id: &str, keep_token: &str, current: &str, new: &str) -> Result<()> {
        check_password(new)?;
        let row = self.inner.db.read(|tx: &mut dyn Tx| -> Result<_> {
            Ok(tx.query_opt("SELECT username, password_hash FROM workers WHERE worker_id = ?", params![worker_id])?)
        })?;
        let Some(row) = row else { return Err(crate::not_found(ErrorKind::WorkerNotFound, "Worker", worker_id)) };
        let (username, stored) = (row.string("username")?, row.string("password_hash")?);
        let limits = self.config().sign_in_limits;
        let throttle = &self.inner.throttle;
        throttle.check(&limits, &username, None, self.now())?;
        if current.len() > 1024 || !self.inner.hasher.verify(&stored, current)? {
            throttle.record_failure(&limits, &username, None, self.now());
            return Err(Error::invalid("The current password is wrong"));
        }
        let hash = self.inner.hasher.hash(new)?;
        let keep = hash_token(keep_token);
        self.write(|tx| {
            tx.execute("UPDATE workers SET password_hash = ? WHERE worker_id = ?", params![&hash, worker_id])?;
            tx.execute(
                "UPDATE worker_sessions SET revoked = 1 WHERE worker_id = ? AND token_hash <> ?",
                params![worker_id, &keep],
            )?;
            Ok(())
        })
    }

    /// Creates a worker (admin command, or sign-up when open).
    pub fn create_worker(&self, w: &NewWorker) -> Result<String> {
        check_new_worker(w)?;
        // Argon2id, memory-hard and under the cap on concurrent hashes (see `passwords`); done
        // outside the transaction.
        let hash = self.inner.hasher.hash(&w.password)?;
        let worker_id = ids::new_worker_id();
        let now = self.now();
        self.write(|tx| {
            if tx.query_opt("SELECT 1 FROM workers WHERE username = ?", params![&w.username])?.is_some() {
                return Err(Error::new(ErrorKind::Conflict, format!("Username '{}' is already taken", w.username)));
            }
            tx.execute(
                "INSERT INTO workers (worker_id, username, password_hash, country, subdivision, email, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
                params![&worker_id, &w.username, &hash, &w.country, w.subdivision.clone(), w.email.clone(), now],
            )?;
            Ok(worker_id.clone())
        })
    }

    /// Self sign-up through the worker API, when the configuration allows it.
    pub fn sign_up(&self, w: &NewWorker) -> Result<String> {
        if !self.config().open_signup {
            return Err(Error::new(
                ErrorKind::AccessDenied,
                "Sign-up is closed on this marketplace; ask its operator for an account",
            ));
        }
        self.create_worker(w)
    }

    /// Signs a worker in; returns a bearer token that expires. `client` is the caller's network
    /// address, when known: failed sign-ins are limited per account and per address
    /// (`ServiceConfig::sign_in_limits`), and over the limit the call is refused before any
    /// hashing with [`Error::Throttled`].
    pub fn sign_in(&self, username: &str, password: &str, client: Option<IpAddr>) -> Result<Session> {
        let limits = self.config().sign_in_limits;
        // No user name is longer than 64 characters: a longer one only names an account that
        // cannot exist, and must not make the throttle keep a key of any size.
        let account: String = username.chars().take(64).collect();
        let throttle = &self.inner.throttle;
        throttle.check(&limits, &account, client, self.now())?;
        let bad = || {
            throttle.record_failure(&limits, &account, client, self.now());
            Error::new(ErrorKind::Unauthenticated, "Username or password is wrong")
        };
        if username.len() > 64 || password.len() > 1024 {
            return Err(bad());
        }
        let row = self.inner.db.read(|tx: &mut dyn Tx| -> Result<_> {
            Ok(tx.query_opt("SELECT worker_id, password_hash FROM workers WHERE username = ?", params![username])?)
        })?;
        let Some(row) = row else { return Err(bad()) };
        let stored = row.string("password_hash")?;
        if !self.inner.hasher.verify(&stored, password)? {
            return Err(bad());
        }
        throttle.record_success(&account);
        let worker_id = row.string("worker_id")?;
        let token = ids::new_token(32);
        let now = self.now();
        let expires_at = now + self.config().session_ttl_secs * 1000;
        let th = hash_token(&token);
        self.write(|tx| {
            tx.execute(
                "INSERT INTO worker_sessions (token_hash, worker_id, created_at, expires_at) VALUES (?, ?, ?, ?)",
                params![&th, &worker_id, now, expires_at],
            )?;
            Ok(())
        })?;
        Ok(Session { token, worker_id, expires_at })
    }

    /// The worker a bearer token belongs to, if it is live.
    pub fn worker_of_token(&self, token: &str) -> Result<String> {
        let th = hash_token(token);
        let now = self.now();
        let row = self.inner.db.read(|tx: &mut dyn Tx| -> Result<_> {
            Ok(tx.query_opt(
                "SELECT worker_id FROM worker_sessions WHERE token_hash = ? AND revoked = 0 AND expires_at > ?",
                params![&th, now],
            )?)
        })?;
        match row {
            Some(r) => Ok(r.string("worker_id")?),
            None => Err(Error::new(
                ErrorKind::Unauthenticated,
                "The session token is invalid, expired or revoked; sign in again",
            )),
        }
    }

    /// The worker a site session's token belongs to, if it is live, and how many of its
    /// messages are unread (the site's navigation shows the count): one query for both, over
    /// the partial index of unread messages, since every page of the site reads it.
    pub fn site_session(&self, token: &str) -> Result<(String, i64)> {
        let th = hash_token(token);
        let now = self.now();
        let row = self.inner.db.read(|tx: &mut dyn Tx| -> Result<_> {
            Ok(tx.query_opt(
                "SELECT s.worker_id,
                        (SELECT COUNT(*) FROM worker_messages m WHERE m.worker_id = s.worker_id AND m.read_at IS NULL) AS unread
                 FROM worker_sessions s WHERE s.token_hash = ? AND s.revoked = 0 AND s.expires_at > ?",
                params![&th, now],
            )?)
        })?;
        match row {
            Some(r) => Ok((r.string("worker_id")?, r.i64("unread")?)),
            None => Err(Error::new(
                ErrorKind::Unauthenticated,
                "The session token is invalid, expired or revoked; sign in again",
            )),
        }
    }

    pub fn revoke_token(&self, token: &str) -> Result<()> {
        let th = hash_token(token);
        self.write(|tx| {
            tx.execute("UPDATE worker_sessions SET revoked = 1 WHERE token_hash = ?", params![&th])?;
            Ok(())
        })
    }

    /// The worker's profile, earnings and assignment counts.
    pub fn worker_profile(&self, worker_id: &str) -> Result<WorkerProfile> {
        self.read(|tx| profile_in(tx, worker_id))
    }

    /// The HIT's question document for a worker who holds or previews it.
    pub fn hit_for_worker(&self, hit_id: &str) -> Result<openturk_domain::model::Hit> {
        self.read(|tx| {
            crate::repo::load_hit(tx, hit_id)?
                .filter(|h| !h.deleted)
                .ok_or_else(|| crate::not_found(ErrorKind::HitNotFound, "Hit", hit_id))
        })
    }
}

/// The worker's profile, earnings and assignment counts, inside a unit of work (the dashboard
/// reads them in the same transaction as its daily figures).
pub(crate) fn profile_in(tx: &mut dyn Tx, worker_id: &str) -> Result<WorkerProfile> {
    let r = tx
        .query_opt(
            "SELECT username, country, subdivision, created_at, email FROM workers WHERE worker_id = ?",
            params![worker_id],
        )?
        .ok_or_else(|| crate::not_found(ErrorKind::WorkerNotFound, "Worker", worker_id))?;
    // One pass over the worker's assignments: how many, and their rewards, by status.
    let mut by_status: HashMap<String, (i64, Money)> = HashMap::new();
    for row in tx.query(
        "SELECT status, COUNT(*) AS n, CAST(COALESCE(SUM(reward_cents), 0) AS BIGINT) AS rewards FROM assignments
         WHERE worker_id = ? GROUP BY status",
        params![worker_id],
    )? {
        by_status.insert(row.string("status")?, (row.i64("n")?, Money(row.i64("rewards")?)));
    }
    let of = |st: &str| by_status.get(st).copied().unwrap_or((0, Money(0)));
    let counts: Vec<(&'static str, i64)> = ["Accepted", "Submitted", "Approved", "Rejected", "Returned", "Abandoned"]
        .into_iter()
        .map(|st| (st, of(st).0))
        .collect();
    let (pending, approved) = (of("Submitted").1, of("Approved").1);
    let bonuses = Money(
        tx.query_one(
            "SELECT CAST(COALESCE(SUM(amount_cents), 0) AS BIGINT) AS bonuses FROM bonuses WHERE worker_id = ?",
            params![worker_id],
        )?
        .i64("bonuses")?,
    );
    let available = ledger::balance(tx, &ledger::worker(worker_id))?;
    Ok(WorkerProfile {
        worker_id: worker_id.to_string(),
        username: r.string("username")?,
        country: r.string("country")?,
        subdivision: r.opt_string("subdivision")?,
        email: r.opt_string("email")?,
        created_at: r.i64("created_at")?,
        pending,
        approved,
        bonuses,
        available,
        counts,
    })
}
