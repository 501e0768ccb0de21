//! This process's lower bound on when scheduled work next falls due, so that a call with nothing
//! due skips the schedule (on SQLite, where this process is the only writer, entirely).
//!
//! The bound must never pass a committed job. Two kinds of writer touch it: a unit that
//! scheduled a job *lowers* it once it has committed (`Service::after_commit`), and a pass over
//! the schedule *raises* it to what it read. A pass that read the schedule just before another
//! unit's commit would raise the bound past that unit's job; so every lowering counts a
//! version, and a pass raising takes into account what was lowered since its snapshot (taken
//! before it read): the bound becomes what it read, or the earliest job lowered since, if
//! earlier. A pass that read before a commit and raises after it counts that commit's lowering;
//! one that raises before it is undone by it; one that snapshots after it reads the job. A plain
//! atomic with compare-and-swap would not do: lowering to the value it already has changes
//! nothing a compare can see, and a pass that failed its swap would have to keep a bound that
//! is already due, making every following call look at the schedule again under load.

use openturk_domain::clock::Millis;
use std::collections::VecDeque;
use std::sync::Mutex;

/// Lowerings remembered for passes in flight (one per committed unit that scheduled). A pass that
/// took its snapshot more lowerings ago than this (a very slow one) only lowers the bound.
const REMEMBERED: usize = 4096;

#[derive(Debug)]
struct State {
    bound: Millis,
    /// Lowerings so far.
    version: u64,
    /// The latest lowerings: (version after it, due).
    recent: VecDeque<(u64, Millis)>,
}

#[derive(Debug)]
pub(crate) struct DueHint {
    state: Mutex<State>,
}

/// What a pass over the schedule saw before reading it.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Snapshot(u64);

impl DueHint {
    /// Unknown: the first call looks at the schedule.
    pub(crate) fn unknown() -> DueHint {
        DueHint {
            state: Mutex::new(State { bound: Millis::MIN, version: 0, recent: VecDeque::with_capacity(REMEMBERED) }),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        // The state stays consistent after any panic (each change is one assignment or push).
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// No work falls due before this.
    pub(crate) fn get(&self) -> Millis {
        self.lock().bound
    }

    /// Work falls due at `due` (scheduled, or seen in the schedule): lowers the bound to it,
    /// never raising it. Says whether the bound moved.
    pub(crate) fn lower(&self, due: Millis) -> bool {
        let mut s = self.lock();
        s.version += 1;
        if s.recent.len() == REMEMBERED {
            s.recent.pop_front();
        }
        let v = s.version;
        s.recent.push_back((v, due));
        if due < s.bound {
            s.bound = due;
            true
        } else {
            false
        }
    }

    /// Taken before a pass reads the schedule.
    pub(crate) fn snapshot(&self) -> Snapshot {
        Snapshot(self.lock().version)
    }

    /// After a pass read that the next work falls due at `next`: the bound becomes `next`, or
    /// the earliest work lowered since `seen` if that is earlier.
    pub(crate) fn raise(&self, seen: Snapshot, next: Millis) {
        let mut s = self.lock();
        let forgotten = s.recent.front().is_some_and(|&(v, _)| v > seen.0 + 1);
        if forgotten {
            s.bound = s.bound.min(next);
            return;
        }
        // Newest last: only the lowerings since the snapshot are looked at.
        let since = s.recent.iter().rev().take_while(|&&(v, _)| v > seen.0).map(|&(_, due)| due).min();
        s.bound = since.map_or(next, |d| d.min(next));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_pass_that_read_before_a_commit_never_raises_the_bound_past_its_job() {
        // A pass snapshots and reads the schedule (next: 500) while a unit that scheduled a job
        // at 100 has not committed; the unit commits and lowers; the pass raises.
        let h = DueHint::unknown();
        h.raise(h.snapshot(), 1000);
        assert_eq!(h.get(), 1000);
        let seen = h.snapshot();
        assert!(h.lower(100));
        h.raise(seen, 500);
        assert_eq!(h.get(), 100);

        // The same, with the bound already at the job's time (another job at 100 that this pass
        // did): lowering to the value the bound has changes nothing a compare could see, and
        // still counts.
        let seen = h.snapshot();
        assert!(!h.lower(100));
        h.raise(seen, 500);
        assert_eq!(h.get(), 100);

        // A pass that raises before the unit's lowering: the lowering undoes it.
        let seen = h.snapshot();
        h.raise(seen, 500);
        assert_eq!(h.get(), 500, "nothing was scheduled since the snapshot");
        assert!(h.lower(100));
        assert_eq!(h.get(), 100);
    }

    #[test]
    fn later_work_scheduled_meanwhile_does_not_keep_a_bound_that_is_due() {
        // The bound is due (50 ≤ now); a pass reads that the next work is at 500 while calls
        // schedule work for 700 and 300: the bound becomes 300, not 50, so the next call need
        // not look again.
        let h = DueHint::unknown();
        h.raise(h.snapshot(), 50);
        let seen = h.snapshot();
        assert!(!h.lower(700));
        assert!(!h.lower(300));
        h.raise(seen, 500);
        assert_eq!(h.get(), 300);
        let seen = h.snapshot();
        h.lower(900);
        h.raise(seen, 500);
        assert_eq!(h.get(), 500);
    }

    #[test]
    fn a_pass_older_than_what_is_remembered_only_lowers() {
        let h = DueHint::unknown();
        h.raise(h.snapshot(), 50);
        let seen = h.snapshot();
        for i in 0..=REMEMBERED as i64 {
            h.lower(1000 + i);
        }
        h.raise(seen, 500);
        assert_eq!(h.get(), 50, "it cannot know what was lowered since, so it keeps the bound");
        let seen = h.snapshot();
        h.raise(seen, 500);
        assert_eq!(h.get(), 500);
    }

    #[test]
    fn a_pass_with_nothing_scheduled_meanwhile_sets_the_bound() {
        let h = DueHint::unknown();
        assert_eq!(h.get(), Millis::MIN);
        let seen = h.snapshot();
        h.raise(seen, 300);
        assert_eq!(h.get(), 300);
        assert!(!h.lower(400), "a later job leaves the bound");
        let seen = h.snapshot();
        h.raise(seen, Millis::MAX);
        assert_eq!(h.get(), Millis::MAX);
    }
}
