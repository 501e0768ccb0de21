//! PostgreSQL, for deployments with several stateless replicas. Every read-write unit of work
//! runs SERIALIZABLE; conflicts (SQLSTATE 40001, 40P01) and unique violations are reported as
//! retryable so [`crate::Db::write`] runs the unit again.

use crate::{Backend, Result, Row, StorageError, Tx, UnitError, Value};
use bytes::BytesMut;
use parking_lot::Mutex;
use postgres::types::{to_sql_checked, IsNull, ToSql, Type};
use postgres::{Client, NoTls, Statement};
use std::collections::HashMap;
use std::mem::ManuallyDrop;
use std::sync::Arc;

#[derive(Clone)]
pub struct PgDb {
    inner: Arc<Inner>,
}

struct Inner {
    config: postgres::Config,
    idle: Mutex<Vec<PgConn>>,
    /// Connections open (idle or in use); callers wait when it reaches MAX_CONNECTIONS.
    open: Mutex<usize>,
    freed: parking_lot::Condvar,
}

struct PgConn {
    client: ManuallyDrop<Client>,
    /// Prepared statements by their `?` SQL text.
    statements: HashMap<String, Statement>,
}

/// Connections per process. Callers beyond this wait for one to be free rather than open
/// more: PostgreSQL does better with a few busy connections than with many.
const MAX_CONNECTIONS: usize = 32;

impl PgDb {
    pub fn open(url: &str) -> Result<PgDb> {
        let config: postgres::Config =
            url.parse().map_err(|e| StorageError::Config(format!("bad PostgreSQL URL: {e}")))?;
        let db = PgDb {
            inner: Arc::new(Inner {
                config,
                idle: Mutex::new(Vec::new()),
                open: Mutex::new(1),
                freed: parking_lot::Condvar::new(),
            }),
        };
        let c = db.connect()?;
        db.inner.idle.lock().push(c);
        Ok(db)
    }

    fn connect(&self) -> Result<PgConn> {
        let client = self.inner.config.connect(NoTls).map_err(map_err)?;
        Ok(PgConn { client: ManuallyDrop::new(client), statements: HashMap::new() })
    }

    pub(crate) fn run<T, E: UnitError>(
        &self,
        write: bool,
        key: Option<&str>,
        f: &mut impl FnMut(&mut dyn Tx) -> std::result::Result<T, E>,
    ) -> std::result::Result<T, E> {
        let mut conn = self.checkout()?;
        if let Some(k) = key {
            // A session-level lock, taken before BEGIN so that the transaction's snapshot is
            // taken after the previous holder committed.
            if let Err(e) = conn.client.execute("SELECT pg_advisory_lock(hashtextextended($1, 0))", &[&k]) {
                self.checkin(conn);
                return Err(map_err(e).into());
            }
        }
        let begin = if write {
            "BEGIN ISOLATION LEVEL SERIALIZABLE"
        } else {
            "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY"
        };
        let r = (|| {
            conn.client.batch_execute(begin).map_err(map_err)?;
            let mut tx = PgTx { conn: &mut conn };
            match f(&mut tx) {
                Ok(v) => match conn.client.batch_execute("COMMIT") {
                    Ok(()) => Ok(v),
                    Err(e) => {
                        let _ = conn.client.batch_execute("ROLLBACK");
                        Err(map_err(e).into())
                    }
                },
                Err(e) => {
                    let _ = conn.client.batch_execute("ROLLBACK");
                    Err(e)
                }
            }
        })();
        if let Some(k) = key {
            let _ = conn.client.execute("SELECT pg_advisory_unlock(hashtextextended($1, 0))", &[&k]);
        }
        self.checkin(conn);
        r
    }

    /// An idle connection, a new one while under the limit, or the next one freed.
    fn checkout(&self) -> Result<PgConn> {
        loop {
            if let Some(c) = self.inner.idle.lock().pop() {
                return Ok(c);
            }
            let mut open = self.inner.open.lock();
            if *open < MAX_CONNECTIONS {
                *open += 1;
                drop(open);
                return self.connect().inspect_err(|_| *self.inner.open.lock() -= 1);
            }
            self.inner.freed.wait_for(&mut open, std::time::Duration::from_millis(50));
        }
    }

    fn checkin(&self, conn: PgConn) {
        if conn.client.is_closed() {
            *self.inner.open.lock() -= 1;
        } else {
            self.inner.idle.lock().push(conn);
        }
        self.inner.freed.notify_one();
    }
}

impl Drop for PgConn {
    /// The synchronous client closes its connection by blocking on a runtime of its own, which
    /// panics on a thread that drives async tasks (as when a server shuts down), so the client
    /// is closed on a short-lived thread of its own.
    fn drop(&mut self) {
        // SAFETY: `client` is never used again after this; `drop` runs once.
        let client = unsafe { ManuallyDrop::take(&mut self.client) };
        let _ = std::thread::Builder::new().name("pg-close".into()).spawn(move || drop(client));
    }
}

/// Rewrites `?` placeholders to `$1, $2, …`, leaving quoted text alone.
pub(crate) fn numbered_placeholders(sql: &str) -> String {
    let mut out = String::with_capacity(sql.len() + 16);
    let mut n = 0;
    let mut quote: Option<char> = None;
    for c in sql.chars() {
        match (quote, c) {
            (Some(q), c) if c == q => {
                quote = None;
                out.push(c)
            }
            (Some(_), c) => out.push(c),
            (None, '\'' | '"') => {
                quote = Some(c);
                out.push(c)
            }
            (None, '?') => {
                n += 1;
                out.push('$');
                out.push_str(&n.to_string());
            }
            (None, c) => out.push(c),
        }
    }
    out
}

struct PgTx<'a> {
    conn: &'a mut PgConn,
}

impl PgTx<'_> {
    fn statement(&mut self, sql: &str) -> Result<Statement> {
        if let Some(s) = self.conn.statements.get(sql) {
            return Ok(s.clone());
        }
        let s = self.conn.client.prepare(&numbered_placeholders(sql)).map_err(map_err)?;
        self.conn.statements.insert(sql.to_string(), s.clone());
        Ok(s)
    }
}

impl ToSql for Value {
    fn to_sql(
        &self,
        ty: &Type,
        out: &mut BytesMut,
    ) -> std::result::Result<IsNull, Box<dyn std::error::Error + Sync + Send>> {
        match self {
            Value::Null => Ok(IsNull::Yes),
            Value::Int(v) => match *ty {
                Type::INT2 => (i16::try_from(*v)?).to_sql(ty, out),
                Type::INT4 => (i32::try_from(*v)?).to_sql(ty, out),
                Type::BOOL => (*v != 0).to_sql(ty, out),
                _ => v.to_sql(ty, out),
            },
            Value::Text(s) => s.as_str().to_sql(ty, out),
            Value::Blob(b) => b.as_slice().to_sql(ty, out),
        }
    }
    fn accepts(_: &Type) -> bool {
        true
    }
    to_sql_checked!();
}

fn params(values: &[Value]) -> Vec<&(dyn ToSql + Sync)> {
    values.iter().map(|v| v as &(dyn ToSql + Sync)).collect()
}

impl Tx for PgTx<'_> {
    fn execute(&mut self, sql: &str, values: &[Value]) -> Result<u64> {
        let st = self.statement(sql)?;
        self.conn.client.execute(&st, &params(values)).map_err(map_err)
    }

    fn query(&mut self, sql: &str, values: &[Value]) -> Result<Vec<Row>> {
        let st = self.statement(sql)?;
        let rows = self.conn.client.query(&st, &params(values)).map_err(map_err)?;
        let mut out = Vec::with_capacity(rows.len());
        let mut columns: Option<std::sync::Arc<[String]>> = None;
        for r in rows {
            let columns =
                columns.get_or_insert_with(|| r.columns().iter().map(|c| c.name().to_string()).collect()).clone();
            let mut vals = Vec::with_capacity(r.len());
            for (i, col) in r.columns().iter().enumerate() {
                let col_err = |e: postgres::Error| StorageError::Column(col.name().to_string(), e.to_string());
                let v = match *col.type_() {
                    Type::INT8 => r.try_get::<_, Option<i64>>(i).map_err(col_err)?.map(Value::Int),
                    Type::INT4 => r.try_get::<_, Option<i32>>(i).map_err(col_err)?.map(|v| Value::Int(v as i64)),
                    Type::INT2 => r.try_get::<_, Option<i16>>(i).map_err(col_err)?.map(|v| Value::Int(v as i64)),
                    Type::BOOL => r.try_get::<_, Option<bool>>(i).map_err(col_err)?.map(|v| Value::Int(v as i64)),
                    Type::BYTEA => r.try_get::<_, Option<Vec<u8>>>(i).map_err(col_err)?.map(Value::Blob),
                    Type::TEXT | Type::VARCHAR | Type::NAME | Type::BPCHAR => {
                        r.try_get::<_, Option<String>>(i).map_err(col_err)?.map(Value::Text)
                    }
                    ref t => {
                        return Err(StorageError::Column(
                            col.name().to_string(),
                            format!("unsupported PostgreSQL type {t} (cast it to BIGINT or TEXT in the query)"),
                        ))
                    }
                };
                vals.push(v.unwrap_or(Value::Null));
            }
            out.push(Row::new(columns, vals));
        }
        Ok(out)
    }

    fn batch(&mut self, sql: &str) -> Result<()> {
        self.conn.client.batch_execute(sql).map_err(map_err)
    }

    fn backend(&self) -> Backend {
        Backend::Postgres
    }
}

fn map_err(e: postgres::Error) -> StorageError {
    use postgres::error::SqlState;
    if let Some(db) = e.as_db_error() {
        let code = db.code();
        if *code == SqlState::T_R_SERIALIZATION_FAILURE || *code == SqlState::T_R_DEADLOCK_DETECTED {
            return StorageError::Conflict(db.message().to_string());
        }
        if *code == SqlState::UNIQUE_VIOLATION {
            return StorageError::Unique(db.message().to_string());
        }
        return StorageError::Database(format!("{}: {}", code.code(), db.message()));
    }
    StorageError::Database(e.to_string())
}

#[cfg(test)]
mod tests {
    #[test]
    fn placeholders() {
        assert_eq!(super::numbered_placeholders("a = ? AND b = '?' AND c = ?"), "a = $1 AND b = '?' AND c = $2");
    }
}
