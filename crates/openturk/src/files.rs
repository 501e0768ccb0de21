//! `openturk files pending`: uploaded files waiting to be deleted, for an operator to see a
//! deletion that keeps failing (the deleter retries it for ever, backing off to an hour).

use anyhow::Result;
use clap::Subcommand;
use openturk_service::blobs::PendingDeletion;
use openturk_service::Service;

#[derive(Subcommand)]
pub enum FilesCmd {
    /// Lists files waiting to be deleted (their HIT disposed of, or their submit never
    /// committed), soonest first, with attempts and the last error.
    Pending {
        /// At most this many.
        #[arg(long, default_value_t = 50)]
        limit: i64,
    },
}

pub fn run(svc: &Service, cmd: FilesCmd) -> Result<()> {
    match cmd {
        FilesCmd::Pending { limit } => print!("{}", table(&svc.pending_file_deletions(limit)?)),
    }
    Ok(())
}

fn table(rows: &[PendingDeletion]) -> String {
    let mut out = format!(
        "{:<32}  {:<30}  {:<8}  {:>12}  {:<20}  {:>8}  last error\n",
        "file key", "hit", "state", "bytes", "next try", "attempts"
    );
    for r in rows {
        out.push_str(&format!(
            "{:<32}  {:<30}  {:<8}  {:>12}  {:<20}  {:>8}  {}\n",
            r.file_key,
            r.hit_id,
            r.state,
            r.size_bytes,
            openturk_domain::clock::format_iso8601(r.delete_at),
            r.attempts,
            r.last_error.as_deref().unwrap_or("-").replace('\n', " ")
        ));
    }
    out
}
