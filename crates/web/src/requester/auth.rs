//! Signature V4 authentication of Requester API calls.

use openturk_protocol::sigv4::{self, RequestParts, SigV4Error};
use openturk_protocol::ApiError;
use openturk_service::accounts::AccessKey;
use openturk_service::Service;
use parking_lot::RwLock;
use std::collections::HashMap;
use std::sync::Arc;

/// Signing keys by (access key, date, region, service): deriving one costs four HMACs, and a
/// client uses the same one all day.
#[derive(Default)]
pub struct SigningKeyCache {
    keys: RwLock<HashMap<Scope, [u8; 32]>>,
}

/// (access key, date, region, service).
type Scope = (String, String, String, String);

const MAX_CACHED: usize = 10_000;

impl SigningKeyCache {
    fn get(&self, key: &AccessKey, date: &str, region: &str, service: &str) -> [u8; 32] {
        let k = (key.access_key_id.clone(), date.to_string(), region.to_string(), service.to_string());
        if let Some(v) = self.keys.read().get(&k) {
            return *v;
        }
        let v = sigv4::signing_key(&key.secret_access_key, date, region, service);
        let mut w = self.keys.write();
        if w.len() >= MAX_CACHED {
            w.clear();
        }
        w.insert(k, v);
        v
    }
}

/// Authenticates a request: finds its key and checks its signature and date.
pub fn authenticate(
    service: &Service,
    cache: &SigningKeyCache,
    parts: &RequestParts,
) -> Result<Arc<AccessKey>, ApiError> {
    let auth = sigv4::authorization_of(parts).map_err(sig_error)?;
    let key = service
        .access_key(&auth.access_key_id)
        .map_err(|e| ApiError::ServiceFault { message: e.to_string() })?
        .ok_or_else(|| {
        ApiError::protocol(
            "UnrecognizedClientException",
            400,
            format!(
                "The security token included in the request is invalid: no access key {} exists.",
                auth.access_key_id
            ),
        )
    })?;
    let signing_key = cache.get(&key, &auth.date, &auth.region, &auth.service);
    // Signatures are dated by the client's wall clock, so they are checked against ours, not
    // against the marketplace clock (which tests may move).
    let now = openturk_domain::clock::Clock::now_ms(&openturk_domain::SystemClock).div_euclid(1000);
    sigv4::verify_with_key(parts, &auth, &signing_key, now, service.config().signature_max_skew_secs)
        .map_err(sig_error)?;
    Ok(key)
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
