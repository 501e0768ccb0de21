//! Secret access keys must stay usable for SigV4 verification, so they are sealed, not hashed:
//! ChaCha20-Poly1305 under a 256-bit master key that never enters the database. The master
//! key comes from `OPENTURK_MASTER_KEY` (64 hex digits) or from the file `master.key` in the data
//! directory, created with mode 0600 on first start.

use chacha20poly1305::aead::{Aead, KeyInit};
use chacha20poly1305::{ChaCha20Poly1305, Key, Nonce};
use rand::RngCore;
use std::path::Path;

#[derive(Clone)]
pub struct Sealer {
    cipher: ChaCha20Poly1305,
    /// Keys for other purposes (signing download URLs) are derived from the master key, so that
    /// every replica that shares it shares them, and none of them is the sealing key itself.
    derive: [u8; 32],
}

impl Sealer {
    pub fn from_key(key: [u8; 32]) -> Self {
        use hmac::Mac;
        let mut mac = <hmac::Hmac<sha2::Sha256> as Mac>::new_from_slice(&key).expect("HMAC takes any key length");
        mac.update(b"openturk derived keys v1");
        let derive = mac.finalize().into_bytes().into();
        Sealer { cipher: ChaCha20Poly1305::new(Key::from_slice(&key)), derive }
    }

    /// A 256-bit key for `purpose`, derived from the master key (HMAC-SHA256).
    pub fn derive_key(&self, purpose: &str) -> [u8; 32] {
        use hmac::Mac;
        let mut mac =
            <hmac::Hmac<sha2::Sha256> as Mac>::new_from_slice(&self.derive).expect("HMAC takes any key length");
        mac.update(purpose.as_bytes());
        mac.finalize().into_bytes().into()
    }

    /// Loads the master key from `OPENTURK_MASTER_KEY`, else from `DIR/master.key`, creating it.
    pub fn load_or_create(dir: &Path) -> Result<Self, String> {
        if let Ok(hexkey) = std::env::var("OPENTURK_MASTER_KEY") {
            return Self::parse_hex(hexkey.trim()).map_err(|e| format!("OPENTURK_MASTER_KEY: {e}"));
        }
        let path = dir.join("master.key");
        match std::fs::read_to_string(&path) {
            Ok(s) => Self::parse_hex(s.trim()).map_err(|e| format!("{}: {e}", path.display())),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                std::fs::create_dir_all(dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
                let mut key = [0u8; 32];
                rand::thread_rng().fill_bytes(&mut key);
                write_private(&path, &hex::encode(key)).map_err(|e| format!("cannot write {}: {e}", path.display()))?;
                Ok(Self::from_key(key))
            }
            Err(e) => Err(format!("cannot read {}: {e}", path.display())),
        }
    }

    fn parse_hex(s: &str) -> Result<Self, String> {
        let v = hex::decode(s).map_err(|_| "the master key must be 64 hex digits".to_string())?;
        let key: [u8; 32] = v.try_into().map_err(|_| "the master key must be 64 hex digits".to_string())?;
        Ok(Self::from_key(key))
    }

    /// nonce ‖ ciphertext ‖ tag.
    pub fn seal(&self, plaintext: &[u8]) -> Vec<u8> {
        let mut nonce = [0u8; 12];
        rand::thread_rng().fill_bytes(&mut nonce);
        let ct = self.cipher.encrypt(Nonce::from_slice(&nonce), plaintext).expect("encryption cannot fail");
        let mut out = nonce.to_vec();
        out.extend_from_slice(&ct);
        out
    }

    pub fn open(&self, sealed: &[u8]) -> Option<Vec<u8>> {
        if sealed.len() < 12 {
            return None;
        }
        let (nonce, ct) = sealed.split_at(12);
        self.cipher.decrypt(Nonce::from_slice(nonce), ct).ok()
    }
}

/// Writes a file only its owner can read.
pub fn write_private(path: &Path, contents: &str) -> std::io::Result<()> {
    use std::io::Write;
    let mut opts = std::fs::OpenOptions::new();
    opts.write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        opts.mode(0o600);
    }
    let mut f = opts.open(path)?;
    f.write_all(contents.as_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_and_tamper() {
        let s = Sealer::from_key([7; 32]);
        let sealed = s.seal(b"secret");
        assert_eq!(s.open(&sealed).unwrap(), b"secret");
        let mut bad = sealed.clone();
        *bad.last_mut().unwrap() ^= 1;
        assert!(s.open(&bad).is_none());
        assert!(Sealer::from_key([8; 32]).open(&sealed).is_none());
    }
}
