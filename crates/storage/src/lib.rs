//! One SQL storage interface over embedded SQLite and PostgreSQL.
//!
//! Callers write one SQL text with `?` placeholders in the subset both engines share
//! (`INSERT … ON CONFLICT`, `RETURNING`, `CAST(… AS BIGINT)`), and run it inside a unit of
//! work: [`Db::write`] or [`Db::read`]. A unit of work is a closure over a [`Tx`]; it runs in
//! one transaction and is run again when the database reports a serialization conflict, so
//! it must have no side effects outside the transaction.
//!
//! Isolation is serializable on both backends: SQLite serializes writers with
//! `BEGIN IMMEDIATE`; PostgreSQL runs `SERIALIZABLE` and we retry its conflicts. This is what
//! makes races (two workers and one slot, a retry and its original) safe on both.

mod migrate;
mod pg;
mod sqlite;
mod value;

pub use value::{Row, Value};

use std::path::Path;

#[derive(Debug, thiserror::Error)]
pub enum StorageError {
    /// A conflict with a concurrent transaction; the unit of work may be run again.
    #[error("serialization conflict: {0}")]
    Conflict(String),
    /// A unique constraint rejected a row. Retried too: after a retry, the unit of work sees
    /// the row that won and can answer accordingly.
    #[error("unique constraint violated: {0}")]
    Unique(String),
    #[error("database error: {0}")]
    Database(String),
    #[error("{0}")]
    Config(String),
    #[error("column {0}: {1}")]
    Column(String, String),
}

impl StorageError {
    pub fn is_retryable(&self) -> bool {
        matches!(self, StorageError::Conflict(_) | StorageError::Unique(_))
    }
}

pub type Result<T, E = StorageError> = std::result::Result<T, E>;

/// Errors of units of work must be able to carry storage errors, and tell whether they are one
/// that a retry may cure.
pub trait UnitError: From<StorageError> {
    fn is_retryable(&self) -> bool;
}

impl UnitError for StorageError {
    fn is_retryable(&self) -> bool {
        StorageError::is_retryable(self)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// A transaction in progress.
pub trait Tx {
    /// Runs a statement; returns the number of rows changed.
    fn execute(&mut self, sql: &str, params: &[Value]) -> Result<u64>;
    fn query(&mut self, sql: &str, params: &[Value]) -> Result<Vec<Row>>;
    fn backend(&self) -> Backend;
    /// Runs several statements without parameters (migrations).
    fn batch(&mut self, sql: &str) -> Result<()>;

    fn query_opt(&mut self, sql: &str, params: &[Value]) -> Result<Option<Row>> {
        Ok(self.query(sql, params)?.into_iter().next())
    }
    fn query_one(&mut self, sql: &str, params: &[Value]) -> Result<Row> {
        self.query_opt(sql, params)?.ok_or_else(|| StorageError::Database(format!("expected one row from: {sql}")))
    }
}

/// How long a unit of work keeps being retried on conflicts before the conflict is reported.
/// Under SERIALIZABLE one of any set of conflicting transactions always commits, so retries
/// make progress; the bound only stops a pathological pile-up.
const RETRY_FOR: std::time::Duration = std::time::Duration::from_secs(20);

/// A database handle; cheap to clone and share between threads.
#[derive(Clone)]
pub enum Db {
    Sqlite(sqlite::SqliteDb),
    Postgres(pg::PgDb),
}

impl Db {
    /// Opens `url`: `postgres://…` / `postgresql://…`, `sqlite://PATH`, or a plain file path.
    /// Applies pending migrations.
    pub fn open(url: &str) -> Result<Db> {
        let db = if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Db::Postgres(pg::PgDb::open(url)?)
        } else {
            let path = url.strip_prefix("sqlite://").unwrap_or(url);
            Db::Sqlite(sqlite::SqliteDb::open(Path::new(path))?)
        };
        db.migrate()?;
        Ok(db)
    }

    pub fn backend(&self) -> Backend {
        match self {
            Db::Sqlite(_) => Backend::Sqlite,
            Db::Postgres(_) => Backend::Postgres,
        }
    }

    /// Applies the embedded migrations that have not been applied yet. Idempotent, and safe
    /// when several processes start at once.
    pub fn migrate(&self) -> Result<Vec<String>> {
        migrate::run(self)
    }

    /// Runs `f` in a read-write transaction, again on conflict.
    pub fn write<T, E: UnitError>(&self, f: impl FnMut(&mut dyn Tx) -> Result<T, E>) -> Result<T, E> {
        self.write_keyed(None, f)
    }

    /// [`Db::write`] for units that all touch rows belonging to `key` (a requester's balance,
    /// say). On PostgreSQL, units with the same key queue on an advisory lock taken before
    /// their transaction starts, instead of colliding under SERIALIZABLE and being retried.
    /// SQLite serializes all writers anyway.
    pub fn write_keyed<T, E: UnitError>(
        &self,
        key: Option<&str>,
        mut f: impl FnMut(&mut dyn Tx) -> Result<T, E>,
    ) -> Result<T, E> {
        let mut attempt = 0;
        let start = std::time::Instant::now();
        loop {
            attempt += 1;
            let r = match self {
                Db::Sqlite(db) => db.run(true, &mut f),
                Db::Postgres(db) => db.run(true, key, &mut f),
            };
            match r {
                Err(e) if e.is_retryable() && start.elapsed() < RETRY_FOR => {
                    backoff(attempt);
                    continue;
                }
                r => return r,
            }
        }
    }

    /// Runs `f` in a read-only transaction (a consistent snapshot).
    pub fn read<T, E: UnitError>(&self, mut f: impl FnMut(&mut dyn Tx) -> Result<T, E>) -> Result<T, E> {
        let mut attempt = 0;
        let start = std::time::Instant::now();
        loop {
            attempt += 1;
            let r = match self {
                Db::Sqlite(db) => db.run(false, &mut f),
                Db::Postgres(db) => db.run(false, None, &mut f),
            };
            match r {
                Err(e) if e.is_retryable() && start.elapsed() < RETRY_FOR => {
                    backoff(attempt);
                    continue;
                }
                r => return r,
            }
        }
    }
}

fn backoff(attempt: usize) {
    use std::time::Duration;
    // Jittered, growing pause so that conflicting transactions stop colliding.
    let base = 1u64 << attempt.min(6);
    let jitter =
        (std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.subsec_nanos()).unwrap_or(0)
            % 1000) as u64;
    std::thread::sleep(Duration::from_micros(base * 200 + jitter));
}

/// Builds a `&[Value]` from expressions that convert into [`Value`].
#[macro_export]
macro_rules! params {
    () => { &[] as &[$crate::Value] };
    ($($x:expr),+ $(,)?) => { &[$($crate::Value::from($x)),+] as &[$crate::Value] };
}
