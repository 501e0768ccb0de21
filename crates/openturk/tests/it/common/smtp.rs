//! A real SMTP server for the email tests: tests/smtp/sink.py (aiosmtpd), started by
//! scripts/smtp-sink on 127.0.0.1:port.

use openturk_service::outbox::Transport;
use openturk_service::smtp::{SmtpSettings, SmtpTransport, TlsMode};
use openturk_service::Service;
use serde_json::Value;
use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::sync::Arc;
use std::time::Duration;

/// The server; each message it receives comes out of `next` as `{"mail_from", "rcpt_tos", "data"}`.
pub struct SmtpSink {
    child: Child,
    messages: mpsc::Receiver<Value>,
}

impl SmtpSink {
    pub fn start(port: u16) -> SmtpSink {
        let script = std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../scripts/smtp-sink");
        let mut child = Command::new(script)
            .arg(port.to_string())
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .expect("start scripts/smtp-sink");
        let (tx, rx) = mpsc::channel();
        let (ready_tx, ready_rx) = mpsc::channel();
        let out = child.stdout.take().unwrap();
        std::thread::spawn(move || {
            for line in BufReader::new(out).lines().map_while(Result::ok) {
                if line.starts_with("listening ") {
                    let _ = ready_tx.send(());
                } else if let Ok(v) = serde_json::from_str::<Value>(&line) {
                    let _ = tx.send(v);
                }
            }
        });
        // The first start on a fresh machine installs aiosmtpd into the virtualenv.
        ready_rx.recv_timeout(Duration::from_secs(600)).expect("the SMTP server started");
        SmtpSink { child, messages: rx }
    }

    /// The next message received, waiting at most 20 s.
    pub fn next(&self) -> Value {
        self.messages.recv_timeout(Duration::from_secs(20)).expect("a message reached the SMTP server")
    }

    /// A message received within `d`, if any.
    pub fn next_within(&self, d: Duration) -> Option<Value> {
        self.messages.recv_timeout(d).ok()
    }
}

impl Drop for SmtpSink {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// An SMTP transport to the sink on `port` (plain text, no sign-in).
pub fn transport(port: u16) -> SmtpTransport {
    SmtpTransport::new(&SmtpSettings {
        host: "127.0.0.1".into(),
        port,
        from: "OpenTurk <noreply@openturk.test>".into(),
        username: None,
        password: None,
        tls: TlsMode::None,
        timeout: Duration::from_secs(10),
    })
    .unwrap()
}

/// Runs `svc`'s outbox deliverer over `transport` until the returned sender is dropped.
pub fn deliverer(svc: &Service, transport: Arc<dyn Transport>) -> tokio::sync::oneshot::Sender<()> {
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    tokio::spawn(svc.clone().run_deliverer(transport, async move {
        let _ = stopped.await;
    }));
    stop
}

/// Splits a received message into its headers (names lower-cased) and its body as sent.
pub fn parse_message(data: &str) -> (Vec<(String, String)>, String) {
    let data = data.replace("\r\n", "\n");
    let (head, body) = data.split_once("\n\n").expect("headers and a body");
    let headers =
        head.lines().filter_map(|l| l.split_once(": ")).map(|(k, v)| (k.to_ascii_lowercase(), v.to_string())).collect();
    (headers, body.to_string())
}

/// Like [`parse_message`], with a quoted-printable body decoded.
pub fn parse_decoded(data: &str) -> (Vec<(String, String)>, String) {
    let (headers, body) = parse_message(data);
    let qp = headers.iter().any(|(k, v)| k == "content-transfer-encoding" && v == "quoted-printable");
    let body = if qp { unquote(&body) } else { body };
    (headers, body)
}

/// Decodes a quoted-printable body (RFC 2045 6.7): soft line breaks and `=XX` escapes.
pub fn unquote(qp: &str) -> String {
    let joined = qp.replace("=\n", "");
    let b = joined.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'=' && i + 2 < b.len() {
            out.push(u8::from_str_radix(std::str::from_utf8(&b[i + 1..i + 3]).unwrap(), 16).unwrap());
            i += 3;
        } else {
            out.push(b[i]);
            i += 1;
        }
    }
    String::from_utf8(out).unwrap()
}
