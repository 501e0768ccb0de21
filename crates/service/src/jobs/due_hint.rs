//! This process's lower bound on when scheduled work next falls due, so that a call with nothing
//! due skips the schedule (on SQLite, where this process is the only writer, entirely).
//!
//! The bound must never pass a job that is committed, or about to be. Two kinds of writer touch
//! it: a unit that schedules a job *lowers* it (before its commit, and again after), and a pass
//! over the schedule *raises* it to what it read. A pass that read the schedule just before
//! another unit's commit would raise the bound past that unit's job; so every lowering counts a
//! version, and a pass raises only if no lowering happened since it took its snapshot (before
//! it read). The lowering after the commit closes the last gap: a pass that read before the
//! commit and raises after it finds the version moved; one that snapshots after the commit reads
//! the job. A plain atomic with compare-and-swap would not do: lowering to the value it already
//! has changes nothing a compare can see.

use openturk_domain::clock::Millis;
use std::sync::Mutex;

#[derive(Debug)]
pub(crate) struct DueHint {
    /// (the bound, lowerings so far)
    state: Mutex<(Millis, u64)>,
}

/// What a pass over the schedule saw before reading it.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Snapshot(u64);

impl DueHint {
    /// Unknown: the first call looks at the schedule.
    pub(crate) fn unknown() -> DueHint {
        DueHint { state: Mutex::new((Millis::MIN, 0)) }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, (Millis, u64)> {
        // The state is two integers, valid after any panic.
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// No work falls due before this.
    pub(crate) fn get(&self) -> Millis {
        self.lock().0
    }

    /// Work falls due at `due` (scheduled, or seen in the schedule): lowers the bound to it,
    /// never raising it. Says whether the bound moved.
    pub(crate) fn lower(&self, due: Millis) -> bool {
        let mut s = self.lock();
        s.1 += 1;
        if due < s.0 {
            s.0 = due;
            true
        } else {
            false
        }
    }

    /// Taken before a pass reads the schedule.
    pub(crate) fn snapshot(&self) -> Snapshot {
        Snapshot(self.lock().1)
    }

    /// After a pass read that the next work falls due at `next`: the bound becomes `next` if
    /// nothing was scheduled since `seen`; otherwise it is only lowered to it.
    pub(crate) fn raise(&self, seen: Snapshot, next: Millis) {
        let mut s = self.lock();
        if s.1 == seen.0 {
            s.0 = next;
        } else {
            s.0 = s.0.min(next);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_pass_that_read_before_a_commit_never_raises_the_bound_past_its_job() {
        // The unit lowers the bound to 100 before committing; a pass snapshots, reads the
        // schedule without the job (next: 500) and raises after the unit's commit lowered again.
        let h = DueHint::unknown();
        h.raise(h.snapshot(), 1000);
        assert_eq!(h.get(), 1000);
        assert!(h.lower(100));
        let seen = h.snapshot();
        h.lower(100); // after the commit: no change to the bound, but a lowering all the same
        h.raise(seen, 500);
        assert_eq!(h.get(), 100);

        // The same pass raising before the unit's second lowering: that lowering restores it.
        let seen = h.snapshot();
        h.raise(seen, 500);
        assert_eq!(h.get(), 500, "nothing was scheduled since the snapshot");
        assert!(h.lower(100));
        assert_eq!(h.get(), 100);
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
