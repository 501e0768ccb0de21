//! Signature V4 authentication of Requester API calls.
//!
//! Beyond the generic SigV4 check (`openturk_protocol::sigv4`), this endpoint requires what
//! AWS's MTurk endpoint requires of a signature: a credential scope for the `mturk-requester`
//! service, a region of a sane shape, and `X-Amz-Target` among the signed headers, because the
//! operation is named by that header and not by the signed body or path.

use openturk_protocol::sigv4::{self, Authorization, RequestParts, SigV4Error};
use openturk_protocol::ApiError;
use openturk_service::accounts::AccessKey;
use openturk_service::Service;
use parking_lot::RwLock;
use std::collections::HashMap;
use std::sync::Arc;

/// The service name every signature's credential scope must carry.
pub const SERVICE_NAME: &str = "mturk-requester";
/// Regions are short names such as `us-east-1`; anything longer is refused before any work.
const MAX_REGION: usize = 32;
/// AWS access key IDs are 16 to 128 characters.
const MAX_ACCESS_KEY_ID: usize = 128;
/// How much of an unknown access key ID an error message repeats.
const ECHOED_ACCESS_KEY_ID: usize = 32;

/// Signing keys by (access key, date, region): deriving one costs four HMACs, and a client
/// uses the same one all day. Only keys that verified a signature are kept, so a caller without
/// the secret cannot add entries; the cache is bounded by entries and by bytes all the same.
#[derive(Default)]
pub struct SigningKeyCache {
    inner: RwLock<CacheInner>,
}

#[derive(Default)]
struct CacheInner {
    keys: HashMap<Scope, [u8; 32]>,
    /// Bytes held by the keys' strings and values (the map's own overhead aside).
    bytes: usize,
}

/// (access key, date, region); the service is always [`SERVICE_NAME`].
type Scope = (String, String, String);

const MAX_CACHED: usize = 10_000;
const MAX_CACHED_BYTES: usize = 2 << 20;

impl SigningKeyCache {
    fn scope(key: &AccessKey, auth: &Authorization) -> Scope {
        (key.access_key_id.clone(), auth.date.clone(), auth.region.clone())
    }

    fn get(&self, scope: &Scope) -> Option<[u8; 32]> {
        self.inner.read().keys.get(scope).copied()
    }

    /// Keeps a signing key that has just verified a signature.
    fn keep(&self, scope: Scope, key: [u8; 32]) {
        let size = scope.0.len() + scope.1.len() + scope.2.len() + key.len();
        let mut w = self.inner.write();
        if w.keys.len() >= MAX_CACHED || w.bytes + size > MAX_CACHED_BYTES {
            w.keys.clear();
            w.bytes = 0;
        }
        if w.keys.insert(scope, key).is_none() {
            w.bytes += size;
        }
    }

    /// How many keys and bytes the cache holds (for tests and diagnostics).
    pub fn usage(&self) -> (usize, usize) {
        let r = self.inner.read();
        (r.keys.len(), r.bytes)
    }
}

/// Authenticates a request: checks the credential scope, finds its key, and checks its
/// signature and date.
pub fn authenticate(
    service: &Service,
    cache: &SigningKeyCache,
    parts: &RequestParts,
) -> Result<Arc<AccessKey>, ApiError> {
    let auth = sigv4::authorization_of(parts).map_err(sig_error)?;
    check_scope(&auth)?;
    let unknown = || {
        let shown = sigv4::shown_up_to(&auth.access_key_id, ECHOED_ACCESS_KEY_ID);
        ApiError::protocol(
            "UnrecognizedClientException",
            400,
            format!("The security token included in the request is invalid: no access key {shown} exists."),
        )
    };
    if auth.access_key_id.len() > MAX_ACCESS_KEY_ID {
        return Err(unknown());
    }
    let key = service
        .access_key(&auth.access_key_id)
        .map_err(|e| ApiError::ServiceFault { message: e.to_string() })?
        .ok_or_else(unknown)?;
    let scope = SigningKeyCache::scope(&key, &auth);
    let cached = cache.get(&scope);
    let signing_key =
        cached.unwrap_or_else(|| sigv4::signing_key(&key.secret_access_key, &auth.date, &auth.region, &auth.service));
    // Signatures are dated by the client's wall clock, so they are checked against ours, not
    // against the marketplace clock (which tests may move).
    let now = openturk_domain::clock::Clock::now_ms(&openturk_domain::SystemClock).div_euclid(1000);
    sigv4::verify_with_key(parts, &auth, &signing_key, now, service.config().signature_max_skew_secs)
        .map_err(sig_error)?;
    if cached.is_none() {
        cache.keep(scope, signing_key);
    }
    Ok(key)
}

/// What MTurk's endpoint requires of the credential scope and the signed headers, checked
/// before the database or any HMAC is touched.
fn check_scope(auth: &Authorization) -> Result<(), ApiError> {
    let invalid = |m: String| ApiError::protocol("InvalidSignatureException", 400, m);
    if auth.service != SERVICE_NAME {
        return Err(invalid(format!("Credential should be scoped to correct service: '{SERVICE_NAME}'.")));
    }
    let region_ok = auth.region.len() <= MAX_REGION
        && auth.region.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
    if !region_ok {
        return Err(invalid(
            "Credential should be scoped to a valid region: a name such as 'us-east-1' (lower-case letters, digits and '-', at most 32)."
                .to_string(),
        ));
    }
    // The operation is the X-Amz-Target header: unsigned, it could be changed after signing
    // (a GetAssignment turned into an ApproveAssignment). Every AWS SDK signs it.
    if !auth.signed_headers.iter().any(|h| h == "x-amz-target") {
        return Err(ApiError::protocol(
            "IncompleteSignatureException",
            400,
            "'X-Amz-Target' must be a 'SignedHeader' in the AWS Authorization: it names the operation.",
        ));
    }
    Ok(())
}

fn sig_error(e: SigV4Error) -> ApiError {
    let (code, status) = match &e {
        SigV4Error::Missing => ("MissingAuthenticationTokenException", 403),
        SigV4Error::Incomplete(_) | SigV4Error::BadDate(_) => ("IncompleteSignatureException", 400),
        SigV4Error::Expired(_) => ("RequestExpired", 400),
        SigV4Error::Mismatch => ("InvalidSignatureException", 400),
    };
    ApiError::protocol(code, status, e.to_string())
}
