//! The outbox's email transport: SMTP through `lettre` (async, on tokio; TLS by rustls with the
//! system's root certificates).

use crate::outbox::{Delivery, Transport};
use lettre::message::{header::ContentType, Mailbox};
use lettre::transport::smtp::authentication::Credentials;
use lettre::transport::smtp::client::{Tls, TlsParameters};
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use std::future::Future;
use std::pin::Pin;
use std::time::Duration;

/// How the connection to the SMTP server is protected.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum TlsMode {
    /// Plain text, for a relay on the same host or network (port 25).
    None,
    /// STARTTLS, required (the usual submission port 587).
    Starttls,
    /// TLS from the first byte (port 465).
    Tls,
}

impl TlsMode {
    pub fn parse(s: &str) -> Option<TlsMode> {
        match s {
            "none" => Some(TlsMode::None),
            "starttls" => Some(TlsMode::Starttls),
            "tls" => Some(TlsMode::Tls),
            _ => None,
        }
    }
}

/// Where and how to send email.
#[derive(Debug, Clone)]
pub struct SmtpSettings {
    pub host: String,
    pub port: u16,
    /// The From address, e.g. `OpenTurk <noreply@example.org>`.
    pub from: String,
    pub username: Option<String>,
    pub password: Option<String>,
    pub tls: TlsMode,
    /// A bound on one send, well under the outbox lease (`outbox::LEASE_MS`).
    pub timeout: Duration,
}

#[derive(Debug, thiserror::Error)]
pub enum SmtpSetupError {
    #[error("smtp.from '{0}' is not an email address such as 'OpenTurk <noreply@example.org>'")]
    From(String),
    #[error("smtp.username and smtp.password go together: set both or neither")]
    Credentials,
    #[error("smtp TLS setup for {host}: {message}")]
    Tls { host: String, message: String },
}

/// Sends the outbox's emails over SMTP.
pub struct SmtpTransport {
    mailer: AsyncSmtpTransport<Tokio1Executor>,
    from: Mailbox,
}

impl SmtpTransport {
    pub fn new(s: &SmtpSettings) -> Result<SmtpTransport, SmtpSetupError> {
        let from: Mailbox = s.from.parse().map_err(|_| SmtpSetupError::From(s.from.clone()))?;
        let tls_params = || {
            TlsParameters::new_rustls(s.host.clone())
                .map_err(|e| SmtpSetupError::Tls { host: s.host.clone(), message: e.to_string() })
        };
        let tls = match s.tls {
            TlsMode::None => Tls::None,
            TlsMode::Starttls => Tls::Required(tls_params()?),
            TlsMode::Tls => Tls::Wrapper(tls_params()?),
        };
        let mut b = AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(s.host.clone())
            .port(s.port)
            .tls(tls)
            .timeout(Some(s.timeout));
        match (&s.username, &s.password) {
            (Some(u), Some(p)) => b = b.credentials(Credentials::new(u.clone(), p.clone())),
            (None, None) => {}
            _ => return Err(SmtpSetupError::Credentials),
        }
        Ok(SmtpTransport { mailer: b.build(), from })
    }

    pub async fn send_email(&self, e: &crate::outbox::Email) -> Result<(), String> {
        let to: Mailbox = e.to.parse().map_err(|err| format!("recipient '{}' is not an address: {err}", e.to))?;
        let mut msg = Message::builder();
        if let Some(id) = &e.id {
            msg = msg.message_id(Some(format!("<{id}@{}>", self.from.email.domain())));
        }
        let msg = msg
            .from(self.from.clone())
            .to(to)
            .subject(e.subject.clone())
            .header(ContentType::TEXT_PLAIN)
            .body(e.text.clone())
            .map_err(|err| format!("cannot build the message: {err}"))?;
        self.mailer.send(msg).await.map(|_| ()).map_err(|err| err.to_string())
    }
}

impl Transport for SmtpTransport {
    fn send<'a>(&'a self, d: &'a Delivery) -> Pin<Box<dyn Future<Output = Result<(), String>> + Send + 'a>> {
        Box::pin(async move {
            match d {
                Delivery::Email(e) => self.send_email(e).await,
                other => Err(format!("the SMTP transport does not send {} deliveries", other.channel())),
            }
        })
    }
}

/// Whether `s` is an email address a message can be sent to (the worker's own setting).
pub fn is_address(s: &str) -> bool {
    s.len() <= 254 && s.parse::<lettre::Address>().is_ok()
}
