//! A real SMTP server for the email tests: tests/smtp/sink.py (aiosmtpd), started by
//! scripts/smtp-sink on 127.0.0.1:port.

use serde_json::Value;
use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
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
