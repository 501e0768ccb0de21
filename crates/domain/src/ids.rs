//! Identifiers in MTurk's shapes: 30 upper-case letters and digits for HITs, HIT types,
//! groups and assignments; `A` and 13 more for workers; AWS-like access keys.

use rand::Rng;
use sha2::{Digest, Sha256};

const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";

fn random_id(len: usize) -> String {
    let mut rng = rand::thread_rng();
    (0..len).map(|_| ALPHABET[rng.gen_range(0..ALPHABET.len())] as char).collect()
}

/// 30 characters from a digest, for IDs that must be the same for the same content.
fn digest_id(parts: &[&str]) -> String {
    let mut h = Sha256::new();
    for p in parts {
        h.update((p.len() as u64).to_be_bytes());
        h.update(p.as_bytes());
    }
    let d = h.finalize();
    // 32 bytes give 30 characters with a small bias that does not matter for an identifier.
    d.iter().take(30).map(|b| ALPHABET[(*b as usize) % ALPHABET.len()] as char).collect()
}

pub fn new_hit_id() -> String {
    random_id(30)
}
pub fn new_assignment_id() -> String {
    random_id(30)
}
/// Custom qualification types: 30 characters like MTurk's, which never collide with the
/// system types' IDs (those start with `0` or `2`).
pub fn new_qualification_type_id() -> String {
    format!("3{}", random_id(29))
}
pub fn new_qualification_request_id() -> String {
    format!("3{}", random_id(29))
}
/// HIT layouts: 30 characters like MTurk's Layout IDs (`20HKUDD8XMB3Q00OM8XUWO6T4EGODA`).
pub fn new_hit_layout_id() -> String {
    random_id(30)
}
pub fn new_worker_id() -> String {
    format!("A{}", random_id(13))
}
pub fn new_requester_id() -> String {
    format!("A{}", random_id(13))
}
pub fn new_access_key_id() -> String {
    format!("AKIA{}", random_id(16))
}
pub fn new_secret_access_key() -> String {
    const B64: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut rng = rand::thread_rng();
    (0..40).map(|_| B64[rng.gen_range(0..B64.len())] as char).collect()
}
pub fn new_token(bytes: usize) -> String {
    let mut rng = rand::thread_rng();
    let v: Vec<u8> = (0..bytes).map(|_| rng.gen()).collect();
    hex::encode(v)
}

/// A HIT type's ID is a digest of its owner and its canonical property values, so the same
/// values always give the same ID (CreateHITType is idempotent by value).
pub fn hit_type_id(requester_id: &str, canonical_properties: &str) -> String {
    digest_id(&["hit-type", requester_id, canonical_properties])
}

/// HITs of one HIT type form one group, which workers see as one line in the HIT list.
pub fn hit_group_id(hit_type_id: &str) -> String {
    digest_id(&["hit-group", hit_type_id])
}

pub fn is_worker_id(s: &str) -> bool {
    s.starts_with('A')
        && (13..=15).contains(&s.len())
        && s.bytes().all(|b| b.is_ascii_uppercase() || b.is_ascii_digit())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shapes() {
        assert_eq!(new_hit_id().len(), 30);
        assert!(is_worker_id(&new_worker_id()));
        assert_eq!(hit_type_id("R", "x"), hit_type_id("R", "x"));
        assert_ne!(hit_type_id("R", "x"), hit_type_id("S", "x"));
        assert_eq!(hit_type_id("R", "x").len(), 30);
        assert_ne!(hit_group_id("T"), hit_type_id("", "T"));
    }
}
