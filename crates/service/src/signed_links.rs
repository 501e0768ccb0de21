//! Signed, expiring link tokens: `SUBJECT.EXPIRES.SIGNATURE`, where SUBJECT names what the link
//! opens (a file key, a HIT ID: never containing `.`), EXPIRES is the marketplace clock's
//! millisecond time after which the token is refused, and SIGNATURE is HMAC-SHA256 (hex) of both
//! under a key derived from the master key for the link's purpose (`Sealer::derive_key`), so any
//! replica sharing the master key verifies it, nobody without it can make one, and a token made
//! for one purpose opens nothing of another.

use hmac::Mac;
use openturk_domain::clock::Millis;
use subtle::ConstantTimeEq;

fn mac(key: &[u8; 32], subject: &str, expires: Millis) -> Vec<u8> {
    let mut m = hmac::Hmac::<sha2::Sha256>::new_from_slice(key).expect("HMAC takes any key length");
    m.update(subject.as_bytes());
    m.update(b"\n");
    m.update(expires.to_string().as_bytes());
    m.finalize().into_bytes().to_vec()
}

/// A token for `subject`, valid until `expires`.
pub fn sign(key: &[u8; 32], subject: &str, expires: Millis) -> String {
    debug_assert!(!subject.contains('.'), "a subject never contains the separator");
    format!("{subject}.{expires}.{}", hex::encode(mac(key, subject, expires)))
}

/// Why a token is refused.
#[derive(Debug, PartialEq, Eq)]
pub enum Refused {
    Malformed,
    BadSignature,
    Expired,
}

/// The subject of a token that is genuine and not expired at `now`.
pub fn verify(key: &[u8; 32], token: &str, now: Millis) -> Result<String, Refused> {
    let mut parts = token.splitn(3, '.');
    let (Some(subject), Some(expires), Some(sig)) = (parts.next(), parts.next(), parts.next()) else {
        return Err(Refused::Malformed);
    };
    let expires: Millis = expires.parse().map_err(|_| Refused::Malformed)?;
    let sig = hex::decode(sig).map_err(|_| Refused::Malformed)?;
    if !bool::from(mac(key, subject, expires).ct_eq(&sig)) {
        return Err(Refused::BadSignature);
    }
    if now >= expires {
        return Err(Refused::Expired);
    }
    Ok(subject.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn genuine_tokens_verify_until_they_expire() {
        let k = [3u8; 32];
        let t = sign(&k, "abc123", 60_000);
        assert_eq!(verify(&k, &t, 59_999), Ok("abc123".to_string()));
        assert_eq!(verify(&k, &t, 60_000), Err(Refused::Expired));
        assert_eq!(verify(&[4u8; 32], &t, 0), Err(Refused::BadSignature));
        let forged = t.replace("60000", "99999999");
        assert_eq!(verify(&k, &forged, 0), Err(Refused::BadSignature));
        assert_eq!(verify(&k, "nonsense", 0), Err(Refused::Malformed));
    }
}
