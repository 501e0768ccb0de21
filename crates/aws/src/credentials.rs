//! The operator's credentials: static ones from the config, or the standard AWS chain, whose
//! answers are kept until five minutes before they expire.

use crate::{AwsError, AwsSettings};
use aws_credential_types::provider::ProvideCredentials;
use std::time::{Duration, SystemTime};
use tokio::sync::Mutex;

/// A set of credentials to sign with.
#[derive(Clone)]
pub struct Credentials {
    pub access_key_id: String,
    pub secret_access_key: String,
    pub session_token: Option<String>,
}

impl std::fmt::Debug for Credentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Credentials").field("access_key_id", &self.access_key_id).finish_non_exhaustive()
    }
}

pub(crate) enum CredentialSource {
    Static(Credentials),
    Chain(Mutex<Option<(Credentials, Option<SystemTime>)>>),
}

/// How long before its expiry a chain's answer is asked for again.
const REFRESH_BEFORE: Duration = Duration::from_secs(300);

impl CredentialSource {
    pub(crate) fn new(s: &AwsSettings) -> Result<CredentialSource, AwsError> {
        match (&s.access_key_id, &s.secret_access_key) {
            (Some(id), Some(secret)) => Ok(CredentialSource::Static(Credentials {
                access_key_id: id.clone(),
                secret_access_key: secret.clone(),
                session_token: s.session_token.clone(),
            })),
            (None, None) => Ok(CredentialSource::Chain(Mutex::new(None))),
            _ => Err(AwsError::Invalid(
                "aws.access_key_id and aws.secret_access_key go together: set both or neither".to_owned(),
            )),
        }
    }

    pub(crate) async fn get(&self) -> Result<Credentials, AwsError> {
        let cache = match self {
            CredentialSource::Static(c) => return Ok(c.clone()),
            CredentialSource::Chain(cache) => cache,
        };
        let mut cached = cache.lock().await;
        if let Some((c, expiry)) = cached.as_ref() {
            let fresh = expiry.is_none_or(|e| SystemTime::now() + REFRESH_BEFORE < e);
            if fresh {
                return Ok(c.clone());
            }
        }
        // Built per refresh: the chain reads the environment and files when it is built.
        let chain = aws_config::default_provider::credentials::DefaultCredentialsChain::builder().build().await;
        let answer = chain.provide_credentials().await.map_err(|e| AwsError::Credentials(e.to_string()))?;
        let c = Credentials {
            access_key_id: answer.access_key_id().to_owned(),
            secret_access_key: answer.secret_access_key().to_owned(),
            session_token: answer.session_token().map(str::to_owned),
        };
        *cached = Some((c.clone(), answer.expiry()));
        Ok(c)
    }
}
