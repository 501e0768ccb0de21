//! One storage story, run on SQLite and on PostgreSQL: migrations, units of work, conflicts
//! retried to the right answer, unique keys, the SQL dialect both share.

use openturk_storage::{params, Db, StorageError, Tx};
use std::sync::Arc;

fn pg_server() -> String {
    if let Ok(u) = std::env::var("OPENTURK_TEST_PG_URL") {
        return u;
    }
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/../../scripts/pg-start");
    let out = std::process::Command::new(script).output().expect("run scripts/pg-start");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).unwrap().trim().to_string()
}

fn unique(prefix: &str) -> String {
    let n = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_nanos();
    format!("{prefix}_{n:x}_{}", std::process::id())
}

#[test]
fn story_on_sqlite() {
    let dir = std::env::temp_dir().join(unique("ot-storage"));
    story(Db::open(dir.join("t.db").to_str().unwrap()).unwrap());
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn story_on_postgres() {
    let server = pg_server();
    let name = unique("ot_storage");
    let mut admin = postgres::Client::connect(&server, postgres::NoTls).unwrap();
    admin.batch_execute(&format!("CREATE DATABASE {name}")).unwrap();
    story(Db::open(&format!("{}/{name}", server.rsplit_once('/').unwrap().0)).unwrap());
    admin.batch_execute(&format!("DROP DATABASE {name} WITH (FORCE)")).unwrap();
}

fn story(db: Db) {
    // Migrations ran at open; running them again applies nothing.
    assert!(db.migrate().unwrap().is_empty());

    // A unit of work commits all or nothing.
    db.write(|tx: &mut dyn Tx| -> Result<(), StorageError> {
        tx.execute("INSERT INTO meta (key, value) VALUES (?, ?)", params!["counter", "0"])?;
        tx.execute("INSERT INTO ledger_accounts (account_id, balance_cents) VALUES (?, ?)", params!["a", 0i64])?;
        Ok(())
    })
    .unwrap();
    let failed: Result<(), StorageError> = db.write(|tx: &mut dyn Tx| {
        tx.execute("UPDATE ledger_accounts SET balance_cents = 999 WHERE account_id = ?", params!["a"])?;
        Err(StorageError::Database("caller gave up".into()))
    });
    assert!(failed.is_err());
    let bal = db
        .read(|tx: &mut dyn Tx| {
            tx.query_one("SELECT balance_cents FROM ledger_accounts WHERE account_id = ?", params!["a"])?
                .i64("balance_cents")
        })
        .unwrap();
    assert_eq!(bal, 0, "rolled back");

    // Read-modify-write from many threads: conflicts are retried, no update is lost.
    let db = Arc::new(db);
    let threads: Vec<_> = (0..8)
        .map(|_| {
            let db = db.clone();
            std::thread::spawn(move || {
                for _ in 0..25 {
                    db.write(|tx: &mut dyn Tx| -> Result<(), StorageError> {
                        let v = tx
                            .query_one("SELECT balance_cents FROM ledger_accounts WHERE account_id = ?", params!["a"])?
                            .i64("balance_cents")?;
                        tx.execute(
                            "UPDATE ledger_accounts SET balance_cents = ? WHERE account_id = ?",
                            params![v + 1, "a"],
                        )?;
                        Ok(())
                    })
                    .unwrap();
                }
            })
        })
        .collect();
    for t in threads {
        t.join().unwrap();
    }
    let bal = db
        .read(|tx: &mut dyn Tx| {
            tx.query_one("SELECT balance_cents FROM ledger_accounts WHERE account_id = ?", params!["a"])?
                .i64("balance_cents")
        })
        .unwrap();
    assert_eq!(bal, 200);

    // A unique key: the racing loser is retried and then sees the winner's row.
    let winners: Vec<_> = (0..6)
        .map(|i| {
            let db = db.clone();
            std::thread::spawn(move || {
                db.write(|tx: &mut dyn Tx| -> Result<String, StorageError> {
                    if let Some(r) = tx.query_opt(
                        "SELECT result_id FROM request_tokens WHERE requester_id = ? AND operation = ? AND token = ?",
                        params!["r", "op", "t"],
                    )? {
                        return r.string("result_id");
                    }
                    let mine = format!("result-{i}");
                    tx.execute(
                        "INSERT INTO request_tokens (requester_id, operation, token, result_id, created_at) VALUES (?, ?, ?, ?, ?)",
                        params!["r", "op", "t", &mine, 0i64],
                    )?;
                    Ok(mine)
                })
                .unwrap()
            })
        })
        .collect();
    let results: Vec<String> = winners.into_iter().map(|t| t.join().unwrap()).collect();
    assert!(results.iter().all(|r| *r == results[0]), "all see one winner: {results:?}");

    // The shared dialect: RETURNING, ON CONFLICT, CAST(SUM) and NULLs.
    let (id, sum, none) = db
        .write(|tx: &mut dyn Tx| -> Result<_, StorageError> {
            let id = tx.query_one("INSERT INTO ledger_transactions (kind, ref_id, created_at) VALUES (?, ?, ?) RETURNING txn_id", params!["k", None::<String>, 1i64])?.i64("txn_id")?;
            tx.execute(
                "INSERT INTO ledger_accounts (account_id, balance_cents) VALUES (?, ?) ON CONFLICT (account_id) DO UPDATE SET balance_cents = ledger_accounts.balance_cents + excluded.balance_cents",
                params!["a", 5i64],
            )?;
            let sum = tx.query_one("SELECT CAST(SUM(balance_cents) AS BIGINT) AS total FROM ledger_accounts", &[])?.i64("total")?;
            let none = tx.query_one("SELECT ref_id FROM ledger_transactions WHERE txn_id = ?", params![id])?.opt_string("ref_id")?;
            Ok((id, sum, none))
        })
        .unwrap();
    assert!(id > 0);
    assert_eq!(sum, 205);
    assert_eq!(none, None);
}
