//! Worker passwords: Argon2id hashing under a cap on concurrent hashes, and the throttling of
//! failed sign-ins. Every surface that creates or signs in a worker (the worker API, the admin
//! command, the website) goes through here, so the limits hold for all of them.

use crate::error::{Error, Result};
use argon2::password_hash::{Output, ParamsString, PasswordHash, SaltString};
use argon2::{Algorithm, Argon2, Block, Params, Version};
use openturk_domain::clock::Millis;
use openturk_domain::ErrorKind;
use parking_lot::{Condvar, Mutex};
use std::collections::HashMap;
use std::net::IpAddr;

/// Hashes passwords with Argon2id (the crate's default parameters: 19 MiB, 2 passes), at most
/// `cap` at a time. Each hash needs its 19 MiB; uncapped, 64 concurrent sign-ins took about
/// 940 MiB. The memory of a hash is kept and reused by the next one instead of being freed:
/// freed 19 MiB blocks stay in the allocator's per-thread arenas, so a capped but fresh
/// allocation per hash would still grow the process with every thread that ever hashed.
pub(crate) struct Hasher {
    cap: usize,
    pool: Mutex<Pool>,
    freed: Condvar,
}

struct Pool {
    free: Vec<Vec<Block>>,
    /// Buffers in existence: in `free` or in use.
    created: usize,
}

/// A buffer lent by the pool; given back on drop, even if the hash panics.
struct Lease<'a> {
    hasher: &'a Hasher,
    blocks: Vec<Block>,
}

impl Drop for Lease<'_> {
    fn drop(&mut self) {
        let blocks = std::mem::take(&mut self.blocks);
        self.hasher.pool.lock().free.push(blocks);
        self.hasher.freed.notify_one();
    }
}

fn internal(e: impl std::fmt::Display) -> Error {
    Error::new(ErrorKind::Internal, format!("password hashing failed: {e}"))
}

impl Hasher {
    pub(crate) fn new(cap: usize) -> Hasher {
        Hasher { cap: cap.max(1), pool: Mutex::new(Pool { free: Vec::new(), created: 0 }), freed: Condvar::new() }
    }

    /// Waits for a free buffer (this blocks the calling thread: callers run on blocking threads).
    fn lease(&self) -> Lease<'_> {
        let mut pool = self.pool.lock();
        loop {
            if let Some(blocks) = pool.free.pop() {
                return Lease { hasher: self, blocks };
            }
            if pool.created < self.cap {
                pool.created += 1;
                drop(pool);
                let blocks = vec![Block::default(); Params::default().block_count()];
                return Lease { hasher: self, blocks };
            }
            self.freed.wait(&mut pool);
        }
    }

    /// Argon2 into `out` with pooled memory (or, for a stored hash made with more memory than
    /// today's default, a buffer of its own, still under the cap).
    fn compute(
        &self,
        params: &Params,
        algorithm: Algorithm,
        version: Version,
        pwd: &[u8],
        salt: &[u8],
        out: &mut [u8],
    ) -> Result<()> {
        let argon = Argon2::new(algorithm, version, params.clone());
        let mut lease = self.lease();
        let n = params.block_count();
        if n <= lease.blocks.len() {
            argon.hash_password_into_with_memory(pwd, salt, out, &mut lease.blocks[..n]).map_err(internal)
        } else {
            argon.hash_password_into_with_memory(pwd, salt, out, vec![Block::default(); n]).map_err(internal)
        }
    }

    /// A PHC string (`$argon2id$v=19$m=19456,t=2,p=1$…`) for a new password.
    pub(crate) fn hash(&self, password: &str) -> Result<String> {
        let params = Params::default();
        let salt = SaltString::generate(&mut rand::rngs::OsRng);
        let mut salt_buf = [0u8; 64];
        let salt_bytes = salt.decode_b64(&mut salt_buf).map_err(internal)?;
        let mut out = [0u8; Params::DEFAULT_OUTPUT_LEN];
        self.compute(&params, Algorithm::Argon2id, Version::V0x13, password.as_bytes(), salt_bytes, &mut out)?;
        let phc = PasswordHash {
            algorithm: Algorithm::Argon2id.ident(),
            version: Some(Version::V0x13.into()),
            params: ParamsString::try_from(&params).map_err(internal)?,
            salt: Some(salt.as_salt()),
            hash: Some(Output::new(&out).map_err(internal)?),
        };
        Ok(phc.to_string())
    }

    /// Whether `password` matches the stored PHC string.
    pub(crate) fn verify(&self, stored: &str, password: &str) -> Result<bool> {
        let unreadable = || Error::new(ErrorKind::Internal, "stored password hash is unreadable");
        let phc = PasswordHash::new(stored).map_err(|_| unreadable())?;
        let algorithm = Algorithm::try_from(phc.algorithm).map_err(|_| unreadable())?;
        let version = phc.version.map(Version::try_from).transpose().map_err(|_| unreadable())?.unwrap_or_default();
        let params = Params::try_from(&phc).map_err(|_| unreadable())?;
        let (Some(salt), Some(expected)) = (phc.salt, phc.hash) else { return Err(unreadable()) };
        let mut salt_buf = [0u8; 64];
        let salt_bytes = salt.decode_b64(&mut salt_buf).map_err(|_| unreadable())?;
        let mut out = vec![0u8; expected.len()];
        self.compute(&params, algorithm, version, password.as_bytes(), salt_bytes, &mut out)?;
        // Output's equality is constant-time.
        Ok(Output::new(&out).map_err(internal)? == expected)
    }
}

/// Limits on failed sign-ins, counted in fixed windows of the marketplace clock.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SignInLimits {
    /// Failed sign-ins one account may have in a window before its sign-ins are refused.
    pub failures_per_account: u32,
    /// Failed sign-ins one client address may have in a window before its sign-ins are refused.
    pub failures_per_address: u32,
    /// The window's length.
    pub window_secs: i64,
}

impl Default for SignInLimits {
    fn default() -> Self {
        SignInLimits { failures_per_account: 10, failures_per_address: 50, window_secs: 15 * 60 }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
enum Key {
    Account(String),
    Address(IpAddr),
}

#[derive(Debug, Clone, Copy)]
struct Window {
    start: Millis,
    failures: u32,
}

/// Failed sign-ins by account and by client address, in this process's memory: with several
/// replicas each counts its own (a client spread over `n` replicas gets `n` times the limit),
/// which is enough to make guessing slow without a database write per failure.
#[derive(Default)]
pub(crate) struct Throttle {
    windows: Mutex<HashMap<Key, Window>>,
}

/// Beyond this many tracked keys, expired windows are dropped, so that a flood of made-up
/// user names cannot grow the map without end.
const PRUNE_ABOVE: usize = 100_000;

impl Throttle {
    /// Refuses before any hashing when the account or the address has used up its failures.
    pub(crate) fn check(&self, limits: &SignInLimits, account: &str, addr: Option<IpAddr>, now: Millis) -> Result<()> {
        let window_ms = limits.window_secs * 1000;
        let windows = self.windows.lock();
        let blocked = |key: &Key, limit: u32| {
            windows.get(key).filter(|w| now < w.start + window_ms && w.failures >= limit).map(|w| w.start + window_ms)
        };
        if let Some(until) = blocked(&Key::Account(account.to_string()), limits.failures_per_account) {
            return Err(throttled(
                format!(
                    "Too many failed sign-ins for '{account}' ({} in {} minutes); try again in {} seconds",
                    limits.failures_per_account,
                    limits.window_secs / 60,
                    secs_until(now, until)
                ),
                secs_until(now, until),
            ));
        }
        if let Some(until) = addr.and_then(|a| blocked(&Key::Address(a), limits.failures_per_address)) {
            return Err(throttled(
                format!(
                    "Too many failed sign-ins from your address ({} in {} minutes); try again in {} seconds",
                    limits.failures_per_address,
                    limits.window_secs / 60,
                    secs_until(now, until)
                ),
                secs_until(now, until),
            ));
        }
        Ok(())
    }

    pub(crate) fn record_failure(&self, limits: &SignInLimits, account: &str, addr: Option<IpAddr>, now: Millis) {
        let window_ms = limits.window_secs * 1000;
        let mut windows = self.windows.lock();
        if windows.len() > PRUNE_ABOVE {
            windows.retain(|_, w| now < w.start + window_ms);
        }
        let keys = std::iter::once(Key::Account(account.to_string())).chain(addr.map(Key::Address));
        for key in keys {
            let w = windows.entry(key).or_insert(Window { start: now, failures: 0 });
            if now >= w.start + window_ms {
                *w = Window { start: now, failures: 0 };
            }
            w.failures += 1;
        }
    }

    /// A right password clears the account's count (not the address's: one account of one's
    /// own must not reset the count of guesses at others').
    pub(crate) fn record_success(&self, account: &str) {
        self.windows.lock().remove(&Key::Account(account.to_string()));
    }
}

fn secs_until(now: Millis, until: Millis) -> i64 {
    ((until - now) + 999).max(1000) / 1000
}

fn throttled(message: String, retry_after_secs: i64) -> Error {
    Error::Throttled { message, retry_after_secs }
}

#[cfg(test)]
mod tests {
    use super::*;
    use argon2::password_hash::{PasswordHasher, PasswordVerifier};
    use std::sync::Arc;

    #[test]
    fn hashes_are_standard_phc_strings_both_ways() {
        let h = Hasher::new(2);
        let mine = h.hash("correct horse").unwrap();
        assert!(mine.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"), "{mine}");
        // The argon2 crate's own verifier accepts ours, and we accept its (stored before the cap).
        Argon2::default().verify_password(b"correct horse", &PasswordHash::new(&mine).unwrap()).unwrap();
        let salt = SaltString::generate(&mut rand::rngs::OsRng);
        let theirs = Argon2::default().hash_password(b"correct horse", &salt).unwrap().to_string();
        assert!(h.verify(&theirs, "correct horse").unwrap());
        assert!(!h.verify(&theirs, "wrong horse").unwrap());
        assert!(h.verify(&mine, "correct horse").unwrap());
        assert!(!h.verify(&mine, "correct horse ").unwrap());
        // A hash made with other parameters (less memory here) still verifies.
        let small = Argon2::new(Algorithm::Argon2id, Version::V0x13, Params::new(4096, 3, 1, None).unwrap())
            .hash_password(b"pw", &salt)
            .unwrap()
            .to_string();
        assert!(h.verify(&small, "pw").unwrap());
        assert!(h.verify("not a hash", "pw").is_err());
    }

    #[test]
    fn no_more_buffers_than_the_cap_however_many_hash_at_once() {
        let h = Arc::new(Hasher::new(2));
        let threads: Vec<_> = (0..8)
            .map(|i| {
                let h = h.clone();
                std::thread::spawn(move || h.hash(&format!("password {i}")).unwrap())
            })
            .collect();
        for t in threads {
            t.join().unwrap();
        }
        let pool = h.pool.lock();
        assert_eq!((pool.created, pool.free.len()), (2, 2));
    }

    #[test]
    fn throttle_windows_follow_the_given_clock() {
        let limits = SignInLimits { failures_per_account: 2, failures_per_address: 3, window_secs: 60 };
        let t = Throttle::default();
        let ip: IpAddr = "192.0.2.7".parse().unwrap();
        let other: IpAddr = "192.0.2.8".parse().unwrap();
        t.record_failure(&limits, "a", Some(ip), 0);
        t.check(&limits, "a", Some(ip), 0).unwrap();
        t.record_failure(&limits, "a", Some(ip), 1_000);
        let e = t.check(&limits, "a", Some(other), 1_000).unwrap_err();
        assert!(matches!(e, Error::Throttled { retry_after_secs: 59, .. }), "{e:?}");
        t.check(&limits, "b", Some(ip), 1_000).unwrap();
        t.record_failure(&limits, "b", Some(ip), 2_000);
        let e = t.check(&limits, "c", Some(ip), 2_000).unwrap_err();
        assert!(e.to_string().contains("from your address"), "{e}");
        t.check(&limits, "c", Some(other), 2_000).unwrap();
        t.check(&limits, "c", None, 2_000).unwrap();
        // The window starts at the first failure and ends 60 s later.
        t.check(&limits, "a", Some(other), 60_000).unwrap();
        t.check(&limits, "c", Some(ip), 60_000).unwrap();
        t.record_success("b");
        t.check(&limits, "b", None, 2_000).unwrap();
    }
}
