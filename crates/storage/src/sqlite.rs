//! Embedded SQLite in WAL mode: one writer connection behind a mutex (writers are serialized
//! anyway; queuing them here avoids busy-waiting inside SQLite) and a pool of readers, which
//! WAL lets run beside the writer.

use crate::{Backend, Result, Row, StorageError, Tx, UnitError, Value};
use parking_lot::Mutex;
use rusqlite::types::{ToSqlOutput, ValueRef};
use rusqlite::{Connection, ErrorCode, ToSql};
use std::path::{Path, PathBuf};
use std::sync::Arc;

#[derive(Clone)]
pub struct SqliteDb {
    inner: Arc<Inner>,
}

struct Inner {
    path: PathBuf,
    writer: Mutex<Connection>,
    readers: Mutex<Vec<Connection>>,
}

/// Readers kept open for reuse; more may be opened under load and are then closed.
const IDLE_READERS: usize = 64;
/// How often the background checkpointer folds the WAL back into the database.
const CHECKPOINT_EVERY: std::time::Duration = std::time::Duration::from_millis(500);
/// A WAL longer than this many pages (64 MiB at 4 KiB) is checkpointed with RESTART, which
/// waits for readers so that the next writer starts the WAL over from its beginning. Under
/// constant reads a PASSIVE checkpoint never lets the WAL start over, so without this it only
/// grows (7.7 GiB beside a 189 MiB database after the site benchmark's seeding,
/// docs/benchmarks.md). RESTART rather than TRUNCATE: the file keeps its pages (cut back to
/// JOURNAL_SIZE_LIMIT when it restarts), so busy writes do not pay to truncate it and grow it
/// again every few seconds (truncating and page-cache churn were 7% of the server's CPU in the
/// site cycle).
const WAL_TRUNCATE_PAGES: i64 = 16_384;
/// What a WAL file is cut back to when SQLite resets it.
const JOURNAL_SIZE_LIMIT: i64 = 64 << 20;

/// Each connection's page cache is kept small (4 MB): SQLite walks the whole cache's hash table
/// when a write transaction ends, which cost more than the extra page reads saved (measured
/// with openturk-bench: GetHIT +20% against 32 MB).
fn connect(path: &Path) -> Result<Connection> {
    let c = Connection::open(path).map_err(map_err)?;
    c.execute_batch(
        "PRAGMA journal_mode = WAL;
         PRAGMA synchronous = NORMAL;
         PRAGMA foreign_keys = ON;
         PRAGMA busy_timeout = 10000;
         PRAGMA cache_size = -4000;
         PRAGMA wal_autocheckpoint = 0;",
    )
    .map_err(map_err)?;
    c.query_row(&format!("PRAGMA journal_size_limit = {JOURNAL_SIZE_LIMIT}"), [], |_| Ok(())).map_err(map_err)?;
    c.set_prepared_statement_cache_capacity(256);
    Ok(c)
}

impl SqliteDb {
    /// Runs one round of the background checkpointer now, on its own connection (for tests and
    /// tools); returns the WAL's length in pages before it.
    pub fn checkpoint_now(&self) -> Result<i64> {
        let conn = connect(&self.inner.path)?;
        checkpoint(&conn).map_err(map_err)
    }

    pub fn open(path: &Path) -> Result<SqliteDb> {
        if let Some(dir) = path.parent() {
            if !dir.as_os_str().is_empty() {
                std::fs::create_dir_all(dir)
                    .map_err(|e| StorageError::Config(format!("cannot create {}: {e}", dir.display())))?;
            }
        }
        let writer = connect(path)?;
        let inner =
            Arc::new(Inner { path: path.to_path_buf(), writer: Mutex::new(writer), readers: Mutex::new(Vec::new()) });
        spawn_checkpointer(Arc::downgrade(&inner))?;
        Ok(SqliteDb { inner })
    }

    pub(crate) fn run<T, E: UnitError>(
        &self,
        write: bool,
        f: &mut impl FnMut(&mut dyn Tx) -> std::result::Result<T, E>,
    ) -> std::result::Result<T, E> {
        if write {
            // Uncontended, the unit of work runs right here. Contended, waiting for the writer
            // would idle an async worker thread that could serve other requests meanwhile, so
            // on a multi-threaded runtime the wait is handed to `block_in_place`.
            if let Some(mut conn) = self.inner.writer.try_lock() {
                return run_in(&mut conn, "BEGIN IMMEDIATE", f);
            }
            let on_runtime = tokio::runtime::Handle::try_current()
                .is_ok_and(|h| h.runtime_flavor() == tokio::runtime::RuntimeFlavor::MultiThread);
            if on_runtime {
                tokio::task::block_in_place(|| {
                    let mut conn = self.inner.writer.lock();
                    run_in(&mut conn, "BEGIN IMMEDIATE", f)
                })
            } else {
                let mut conn = self.inner.writer.lock();
                run_in(&mut conn, "BEGIN IMMEDIATE", f)
            }
        } else {
            let conn = self.inner.readers.lock().pop();
            let mut conn = match conn {
                Some(c) => c,
                None => connect(&self.inner.path)?,
            };
            let r = run_in(&mut conn, "BEGIN", f);
            let mut pool = self.inner.readers.lock();
            if pool.len() < IDLE_READERS {
                pool.push(conn);
            }
            r
        }
    }
}

/// Checkpoints the WAL off the commit path: SQLite's automatic checkpoint would run inside
/// some unlucky writer's commit, with every other writer queued behind it. Stops when the
/// database is dropped.
fn spawn_checkpointer(db: std::sync::Weak<Inner>) -> Result<()> {
    let path = db.upgrade().map(|i| i.path.clone()).unwrap_or_default();
    let conn = connect(&path)?;
    std::thread::Builder::new()
        .name("sqlite-checkpoint".into())
        .spawn(move || loop {
            std::thread::sleep(CHECKPOINT_EVERY);
            if db.upgrade().is_none() {
                return;
            }
            if let Err(e) = checkpoint(&conn) {
                tracing::warn!(error = %e, "WAL checkpoint failed");
            }
        })
        .map_err(|e| StorageError::Config(format!("cannot start the checkpoint thread: {e}")))?;
    Ok(())
}

/// One round of the checkpointer: PASSIVE (never waits), then RESTART if the WAL has grown
/// past [`WAL_TRUNCATE_PAGES`]. Returns the WAL's length in pages before it.
fn checkpoint(conn: &Connection) -> rusqlite::Result<i64> {
    let log_pages: i64 = conn.query_row("PRAGMA wal_checkpoint(PASSIVE)", [], |r| r.get(1))?;
    if log_pages > WAL_TRUNCATE_PAGES {
        // Waits (up to busy_timeout) for readers of the old WAL and holds writers meanwhile:
        // a rare pause of a few milliseconds against a WAL without bound.
        conn.query_row("PRAGMA wal_checkpoint(RESTART)", [], |_| Ok(()))?;
    }
    Ok(log_pages)
}

/// Runs a statement without parameters through the statement cache (BEGIN, COMMIT…).
fn exec_cached(conn: &Connection, sql: &str) -> rusqlite::Result<()> {
    conn.prepare_cached(sql)?.execute([]).map(|_| ())
}

fn run_in<T, E: UnitError>(
    conn: &mut Connection,
    begin: &str,
    f: &mut impl FnMut(&mut dyn Tx) -> std::result::Result<T, E>,
) -> std::result::Result<T, E> {
    exec_cached(conn, begin).map_err(map_err)?;
    let mut tx = SqliteTx { conn };
    match f(&mut tx) {
        Ok(v) => match exec_cached(conn, "COMMIT") {
            Ok(()) => Ok(v),
            Err(e) => {
                let _ = exec_cached(conn, "ROLLBACK");
                Err(map_err(e).into())
            }
        },
        Err(e) => {
            let _ = exec_cached(conn, "ROLLBACK");
            Err(e)
        }
    }
}

struct SqliteTx<'a> {
    conn: &'a Connection,
}

impl ToSql for Value {
    fn to_sql(&self) -> rusqlite::Result<ToSqlOutput<'_>> {
        Ok(match self {
            Value::Null => ToSqlOutput::Borrowed(ValueRef::Null),
            Value::Int(v) => ToSqlOutput::Borrowed(ValueRef::Integer(*v)),
            Value::Text(s) => ToSqlOutput::Borrowed(ValueRef::Text(s.as_bytes())),
            Value::Blob(b) => ToSqlOutput::Borrowed(ValueRef::Blob(b)),
        })
    }
}

impl Tx for SqliteTx<'_> {
    fn execute(&mut self, sql: &str, params: &[Value]) -> Result<u64> {
        let mut st = self.conn.prepare_cached(sql).map_err(map_err)?;
        let n = st.execute(rusqlite::params_from_iter(params.iter())).map_err(map_err)?;
        Ok(n as u64)
    }

    fn query(&mut self, sql: &str, params: &[Value]) -> Result<Vec<Row>> {
        let mut st = self.conn.prepare_cached(sql).map_err(map_err)?;
        let ncols = st.column_count();
        let columns: std::sync::Arc<[String]> = st.column_names().into_iter().map(String::from).collect();
        let mut rows = st.query(rusqlite::params_from_iter(params.iter())).map_err(map_err)?;
        let mut out = Vec::new();
        while let Some(r) = rows.next().map_err(map_err)? {
            let mut vals = Vec::with_capacity(ncols);
            for i in 0..ncols {
                vals.push(match r.get_ref(i).map_err(map_err)? {
                    ValueRef::Null => Value::Null,
                    ValueRef::Integer(v) => Value::Int(v),
                    ValueRef::Real(v) => Value::Int(v as i64),
                    ValueRef::Text(t) => Value::Text(String::from_utf8_lossy(t).into_owned()),
                    ValueRef::Blob(b) => Value::Blob(b.to_vec()),
                });
            }
            out.push(Row::new(columns.clone(), vals));
        }
        Ok(out)
    }

    fn batch(&mut self, sql: &str) -> Result<()> {
        self.conn.execute_batch(sql).map_err(map_err)
    }

    fn backend(&self) -> Backend {
        Backend::Sqlite
    }
}

fn map_err(e: rusqlite::Error) -> StorageError {
    if let rusqlite::Error::SqliteFailure(f, msg) = &e {
        let text = msg.clone().unwrap_or_else(|| f.to_string());
        match f.code {
            ErrorCode::DatabaseBusy | ErrorCode::DatabaseLocked => return StorageError::Conflict(text),
            ErrorCode::ConstraintViolation
                if f.extended_code == rusqlite::ffi::SQLITE_CONSTRAINT_UNIQUE
                    || f.extended_code == rusqlite::ffi::SQLITE_CONSTRAINT_PRIMARYKEY =>
            {
                return StorageError::Unique(text)
            }
            _ => {}
        }
    }
    StorageError::Database(e.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn wal_bytes(path: &Path) -> u64 {
        std::fs::metadata(path.with_extension("db-wal")).map(|m| m.len()).unwrap_or(0)
    }

    #[test]
    fn a_wal_that_readers_kept_from_restarting_is_cut_back() {
        let dir = std::env::temp_dir().join(format!("openturk-wal-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("t.db");
        let db = SqliteDb::open(&path).unwrap();
        {
            let w = db.inner.writer.lock();
            w.execute_batch("CREATE TABLE t (x BLOB)").unwrap();
            // About 80 MiB of WAL: more than WAL_TRUNCATE_PAGES.
            w.execute_batch("BEGIN").unwrap();
            let blob = vec![7u8; 4000];
            for _ in 0..20_000 {
                w.execute("INSERT INTO t (x) VALUES (?)", [&blob]).unwrap();
            }
            w.execute_batch("COMMIT").unwrap();
        }
        // A reader whose snapshot is in the WAL: no checkpoint can start the WAL over meanwhile.
        let reader = connect(&path).unwrap();
        reader.execute_batch("BEGIN").unwrap();
        let n: i64 = reader.query_row("SELECT COUNT(*) FROM t", [], |r| r.get(0)).unwrap();
        assert_eq!(n, 20_000);
        assert!(wal_bytes(&path) > JOURNAL_SIZE_LIMIT as u64, "the WAL grew: {}", wal_bytes(&path));
        reader.execute_batch("COMMIT").unwrap();
        // Once the reader is done, the next round lets the WAL start over (the background thread
        // may have done it already), and the next write, starting it over, cuts it back.
        db.checkpoint_now().unwrap();
        db.inner.writer.lock().execute("INSERT INTO t (x) VALUES (x'00')", []).unwrap();
        assert!(wal_bytes(&path) <= JOURNAL_SIZE_LIMIT as u64, "the WAL is {} bytes", wal_bytes(&path));
        drop(db);
        let _ = std::fs::remove_dir_all(&dir);
    }
}
