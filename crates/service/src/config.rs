use crate::passwords::SignInLimits;
use openturk_domain::fees::FeePolicy;
use openturk_domain::model::Mode;

/// The service's settings; the binary fills them from its config file, environment and flags.
#[derive(Debug, Clone)]
pub struct ServiceConfig {
    pub mode: Mode,
    pub fees: FeePolicy,
    /// How long after a HIT becomes reviewable it is disposed of (MTurk: 120 days).
    pub disposal_after_secs: i64,
    /// How many assignments a worker may hold in progress at once.
    pub max_assignments_in_progress: i64,
    /// How many of one requester's assignments a worker may hold in progress (MTurk: 10).
    pub max_assignments_in_progress_per_requester: i64,
    /// Whether workers may sign themselves up through the worker API.
    pub open_signup: bool,
    /// How long a worker session token lives.
    pub session_ttl_secs: i64,
    /// How far X-Amz-Date may be from our clock.
    pub signature_max_skew_secs: i64,
    /// How many Argon2 password hashes (19 MiB each) may run at once; more wait their turn.
    pub max_concurrent_password_hashes: usize,
    /// Limits on failed sign-ins.
    pub sign_in_limits: SignInLimits,
    /// Whether an SMTP server is configured: NotifyWorkers queues email (for workers with an
    /// address) only then, as nothing would send it otherwise.
    pub email_enabled: bool,
    /// The bound on one file uploaded as an answer (`[blobs] max_file_bytes`).
    pub max_file_bytes: u64,
    /// The bound on the bytes of all uploads held in memory at once (`[blobs]
    /// max_upload_memory_bytes`); an upload that would pass it is refused, to be tried again.
    pub max_upload_memory_bytes: u64,
}

impl Default for ServiceConfig {
    fn default() -> Self {
        ServiceConfig {
            mode: Mode::Sandbox,
            fees: FeePolicy::default(),
            disposal_after_secs: 120 * 24 * 3600,
            max_assignments_in_progress: 25,
            max_assignments_in_progress_per_requester: 10,
            open_signup: true,
            session_ttl_secs: 7 * 24 * 3600,
            signature_max_skew_secs: 15 * 60,
            max_concurrent_password_hashes: default_hash_concurrency(),
            sign_in_limits: SignInLimits::default(),
            email_enabled: false,
            max_file_bytes: crate::blobs::DEFAULT_MAX_FILE_BYTES,
            max_upload_memory_bytes: crate::blobs::DEFAULT_MAX_UPLOAD_MEMORY_BYTES,
        }
    }
}

/// The sandbox's AvailableBalance, as MTurk's: 10,000.00.
pub const SANDBOX_BALANCE_CENTS: i64 = 1_000_000;

/// One hash per core: hashing is CPU-bound, so more at once would not finish sooner, only hold
/// more memory.
pub fn default_hash_concurrency() -> usize {
    std::thread::available_parallelism().map(|n| n.get()).unwrap_or(2)
}
