//! A worker's dashboard: earnings, approval rate, the last 45 days day by day, bonuses with
//! their reasons and rejected work with the requester's feedback. The worker API
//! (`GET /dashboard`) and the site (`GET /dashboard`) both show [`Service::worker_dashboard`].

use crate::error::Result;
use crate::workers::WorkerProfile;
use crate::Service;
use openturk_domain::clock::Millis;
use openturk_domain::Money;
use openturk_storage::params;

/// Days in the daily table, today (by the marketplace clock, UTC) included.
pub const DASHBOARD_DAYS: i64 = 45;
/// At most this many of the most recent bonuses, and of the most recent rejections, are listed.
pub const DASHBOARD_RECENT: i64 = 100;
const DAY_MS: i64 = 86_400_000;

/// Approved out of reviewed (approved + rejected) assignments.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ApprovalRate {
    pub approved: i64,
    pub rejected: i64,
}

impl ApprovalRate {
    /// The rate in percent with one decimal, rounded half up ("66.7"); `None` when nothing has
    /// been reviewed yet.
    pub fn percent(&self) -> Option<String> {
        let total = self.approved + self.rejected;
        if total <= 0 {
            return None;
        }
        let tenths = (self.approved * 1000 + total / 2) / total;
        Some(format!("{}.{}", tenths / 10, tenths % 10))
    }
}

/// One UTC day of the daily table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DayStats {
    /// Midnight UTC that starts the day.
    pub start: Millis,
    /// "2026-11-23".
    pub date: String,
    /// Assignments submitted that day.
    pub submitted: i64,
    /// Assignments approved that day (by the requester or automatically).
    pub approved: i64,
    /// Assignments rejected that day (and not approved since).
    pub rejected: i64,
    /// Assignments submitted that day that are still waiting for review.
    pub pending: i64,
    /// Rewards approved that day plus bonuses granted that day.
    pub earnings: Money,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BonusPaid {
    pub assignment_id: String,
    pub hit_id: String,
    pub title: String,
    pub amount: Money,
    pub reason: String,
    pub granted_at: Millis,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RejectedWork {
    pub assignment_id: String,
    pub hit_id: String,
    pub title: String,
    pub reward: Money,
    pub rejected_at: Millis,
    /// None when the requester gave none.
    pub feedback: Option<String>,
}

#[derive(Debug, Clone)]
pub struct Dashboard {
    /// Earnings (pending, approved, bonuses, available) and counts by status.
    pub profile: WorkerProfile,
    pub approval_rate: ApprovalRate,
    /// [`DASHBOARD_DAYS`] days, oldest first; the last one is today.
    pub days: Vec<DayStats>,
    /// The most recent bonuses first.
    pub bonuses: Vec<BonusPaid>,
    /// The most recent rejections first.
    pub rejected: Vec<RejectedWork>,
}

impl Dashboard {
    /// The highest day's earnings (for charts); zero when there were none.
    pub fn max_day_earnings(&self) -> Money {
        self.days.iter().map(|d| d.earnings).max_by_key(|m| m.0).unwrap_or(Money(0))
    }
}

/// "YYYY-MM-DD" of a day number since the epoch.
fn civil_date(days: i64) -> String {
    let (y, m, d) = openturk_domain::clock::civil_from_days(days);
    format!("{y:04}-{m:02}-{d:02}")
}

/// The empty days of the table that ends with the day holding `now`.
fn empty_days(now: Millis) -> Vec<DayStats> {
    let today = now.div_euclid(DAY_MS);
    (today - DASHBOARD_DAYS + 1..=today)
        .map(|d| DayStats {
            start: d * DAY_MS,
            date: civil_date(d),
            submitted: 0,
            approved: 0,
            rejected: 0,
            pending: 0,
            earnings: Money(0),
        })
        .collect()
}

/// The day of the table a time falls in, if any.
fn day_index(days: &[DayStats], at: Option<Millis>) -> Option<usize> {
    let (first, at) = (days.first()?.start, at?);
    let i = (at - first).div_euclid(DAY_MS);
    (0..days.len() as i64).contains(&i).then_some(i as usize)
}

impl Service {
    /// The worker's dashboard. Earnings and counts are [`Service::worker_profile`]'s; the rest is
    /// read here, the days bucketed by the marketplace clock in UTC.
    pub fn worker_dashboard(&self, worker_id: &str) -> Result<Dashboard> {
        let now = self.now();
        // One transaction: the earnings and the day table agree even while reviews land.
        let (profile, days, bonuses, rejected) = self.read(|tx| {
            let profile = crate::workers::profile_in(tx, worker_id)?;
            let mut days = empty_days(now);
            let since = days[0].start;
            let rows = tx.query(
                "SELECT submitted_at, approved_at, rejected_at, status, reward_cents FROM assignments
                 WHERE worker_id = ? AND (submitted_at >= ? OR approved_at >= ? OR rejected_at >= ?)",
                params![worker_id, since, since, since],
            )?;
            for r in &rows {
                let (submitted, approved, rejected) =
                    (r.opt_i64("submitted_at")?, r.opt_i64("approved_at")?, r.opt_i64("rejected_at")?);
                let (status, reward) = (r.string("status")?, Money(r.i64("reward_cents")?));
                if let Some(i) = day_index(&days, submitted) {
                    days[i].submitted += 1;
                    if status == "Submitted" {
                        days[i].pending += 1;
                    }
                }
                if let Some(i) = day_index(&days, approved) {
                    days[i].approved += 1;
                    days[i].earnings = days[i].earnings + reward;
                }
                if let Some(i) = day_index(&days, rejected) {
                    days[i].rejected += 1;
                }
            }
            let rows = tx.query(
                "SELECT amount_cents, created_at FROM bonuses WHERE worker_id = ? AND created_at >= ?",
                params![worker_id, since],
            )?;
            for r in &rows {
                if let Some(i) = day_index(&days, Some(r.i64("created_at")?)) {
                    days[i].earnings = days[i].earnings + Money(r.i64("amount_cents")?);
                }
            }
            let bonuses = tx
                .query(
                    "SELECT b.assignment_id, b.hit_id, h.title, b.amount_cents, b.reason, b.created_at
                     FROM bonuses b JOIN hits h ON h.hit_id = b.hit_id
                     WHERE b.worker_id = ? ORDER BY b.seq DESC LIMIT ?",
                    params![worker_id, DASHBOARD_RECENT],
                )?
                .iter()
                .map(|r| {
                    Ok(BonusPaid {
                        assignment_id: r.string("assignment_id")?,
                        hit_id: r.string("hit_id")?,
                        title: r.string("title")?,
                        amount: Money(r.i64("amount_cents")?),
                        reason: r.string("reason")?,
                        granted_at: r.i64("created_at")?,
                    })
                })
                .collect::<Result<Vec<_>>>()?;
            let rejected = tx
                .query(
                    "SELECT a.assignment_id, a.hit_id, h.title, a.reward_cents, a.rejected_at, a.requester_feedback
                     FROM assignments a JOIN hits h ON h.hit_id = a.hit_id
                     WHERE a.worker_id = ? AND a.status = 'Rejected'
                     ORDER BY a.rejected_at DESC, a.seq DESC LIMIT ?",
                    params![worker_id, DASHBOARD_RECENT],
                )?
                .iter()
                .map(|r| {
                    Ok(RejectedWork {
                        assignment_id: r.string("assignment_id")?,
                        hit_id: r.string("hit_id")?,
                        title: r.string("title")?,
                        reward: Money(r.i64("reward_cents")?),
                        rejected_at: r.i64("rejected_at")?,
                        feedback: r.opt_string("requester_feedback")?,
                    })
                })
                .collect::<Result<Vec<_>>>()?;
            Ok((profile, days, bonuses, rejected))
        })?;
        let count = |st: &str| profile.counts.iter().find(|(k, _)| *k == st).map_or(0, |(_, n)| *n);
        let approval_rate = ApprovalRate { approved: count("Approved"), rejected: count("Rejected") };
        Ok(Dashboard { profile, approval_rate, days, bonuses, rejected })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn approval_rate_rounds_half_up_and_is_none_without_reviews() {
        assert_eq!(ApprovalRate { approved: 0, rejected: 0 }.percent(), None);
        assert_eq!(ApprovalRate { approved: 2, rejected: 1 }.percent().as_deref(), Some("66.7"));
        assert_eq!(ApprovalRate { approved: 1, rejected: 1 }.percent().as_deref(), Some("50.0"));
        assert_eq!(ApprovalRate { approved: 5, rejected: 0 }.percent().as_deref(), Some("100.0"));
        assert_eq!(ApprovalRate { approved: 0, rejected: 3 }.percent().as_deref(), Some("0.0"));
    }

    #[test]
    fn days_end_today_in_utc() {
        // 2024-02-29 12:34:56 UTC.
        let now = 1_709_210_096_000;
        let days = empty_days(now);
        assert_eq!(days.len() as i64, DASHBOARD_DAYS);
        assert_eq!(days.last().unwrap().date, "2024-02-29");
        assert_eq!(days[0].date, "2024-01-16");
        assert_eq!(day_index(&days, Some(now)), Some(44));
        assert_eq!(day_index(&days, Some(days[0].start)), Some(0));
        assert_eq!(day_index(&days, Some(days[0].start - 1)), None);
        assert_eq!(day_index(&days, Some(now + DAY_MS)), None);
        assert_eq!(day_index(&days, None), None);
    }
}
