//! Migrations embedded in the binary, one SQL file per version and backend. They run in one
//! transaction each; on PostgreSQL an advisory lock keeps replicas that start together from
//! applying the same version twice.

use crate::{Backend, Db, Result, StorageError, Tx};

struct Migration {
    version: i64,
    name: &'static str,
    sqlite: &'static str,
    postgres: &'static str,
}

/// In version order. Versions are applied when absent, so a gap (a version added on another
/// branch) is filled when it arrives; a migration must not depend on a version other than those
/// before it that it names.
const MIGRATIONS: &[Migration] = &[
    Migration {
        version: 1,
        name: "init",
        sqlite: include_str!("migrations/sqlite/0001_init.sql"),
        postgres: include_str!("migrations/postgres/0001_init.sql"),
    },
    Migration {
        version: 2,
        name: "hit_groups",
        sqlite: include_str!("migrations/sqlite/0002_hit_groups.sql"),
        postgres: include_str!("migrations/postgres/0002_hit_groups.sql"),
    },
    Migration {
        version: 3,
        name: "qualifications",
        sqlite: include_str!("migrations/sqlite/0003_qualifications.sql"),
        postgres: include_str!("migrations/postgres/0003_qualifications.sql"),
    },
    Migration {
        version: 4,
        name: "blocks_messages",
        sqlite: include_str!("migrations/sqlite/0004_blocks_messages.sql"),
        postgres: include_str!("migrations/postgres/0004_blocks_messages.sql"),
    },
    Migration {
        version: 5,
        name: "unread_messages",
        sqlite: include_str!("migrations/sqlite/0005_unread_messages.sql"),
        postgres: include_str!("migrations/postgres/0005_unread_messages.sql"),
    },
    Migration {
        version: 6,
        name: "jobs",
        sqlite: include_str!("migrations/sqlite/0006_jobs.sql"),
        postgres: include_str!("migrations/postgres/0006_jobs.sql"),
    },
    Migration {
        version: 7,
        name: "notifications",
        sqlite: include_str!("migrations/sqlite/0007_notifications.sql"),
        postgres: include_str!("migrations/postgres/0007_notifications.sql"),
    },
    Migration {
        version: 8,
        name: "review_policies",
        sqlite: include_str!("migrations/sqlite/0008_review_policies.sql"),
        postgres: include_str!("migrations/postgres/0008_review_policies.sql"),
    },
    Migration {
        version: 9,
        name: "hit_layouts",
        sqlite: include_str!("migrations/sqlite/0009_hit_layouts.sql"),
        postgres: include_str!("migrations/postgres/0009_hit_layouts.sql"),
    },
    Migration {
        version: 10,
        name: "file_uploads",
        sqlite: include_str!("migrations/sqlite/0010_file_uploads.sql"),
        postgres: include_str!("migrations/postgres/0010_file_uploads.sql"),
    },
];

const LOCK_KEY: i64 = 0x6f70_656e_7475;

pub fn run(db: &Db) -> Result<Vec<String>> {
    db.write(|tx: &mut dyn Tx| -> Result<Vec<String>> {
        if tx.backend() == Backend::Postgres {
            tx.query("SELECT CAST(1 AS BIGINT) FROM (SELECT pg_advisory_xact_lock(?)) AS l", crate::params![LOCK_KEY])?;
        }
        tx.batch(
            "CREATE TABLE IF NOT EXISTS schema_migrations (
                version BIGINT PRIMARY KEY,
                name TEXT NOT NULL
            )",
        )?;
        let applied: Vec<i64> = tx
            .query("SELECT version FROM schema_migrations ORDER BY version", &[])?
            .iter()
            .map(|r| r.i64("version"))
            .collect::<Result<_>>()?;
        let mut done = Vec::new();
        for m in MIGRATIONS {
            if applied.contains(&m.version) {
                continue;
            }
            let sql = match tx.backend() {
                Backend::Sqlite => m.sqlite,
                Backend::Postgres => m.postgres,
            };
            tx.batch(sql).map_err(|e| StorageError::Database(format!("migration {} ({}): {e}", m.version, m.name)))?;
            tx.execute(
                "INSERT INTO schema_migrations (version, name) VALUES (?, ?)",
                crate::params![m.version, m.name],
            )?;
            done.push(format!("{:04}_{}", m.version, m.name));
        }
        Ok(done)
    })
}
