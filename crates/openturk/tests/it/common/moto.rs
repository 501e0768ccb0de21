//! A real AWS-compatible server for the tests: moto's server (SQS, SNS, S3), started by
//! scripts/moto-server on a free port, and an `Aws` client pointed at it.

use openturk_service::aws::{Aws, AwsSettings};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

pub struct Moto {
    child: Child,
    /// `http://127.0.0.1:PORT`.
    pub url: String,
}

/// moto's default account, in the queue URLs and ARNs it makes.
pub const ACCOUNT: &str = "123456789012";

impl Moto {
    pub fn start() -> Moto {
        let port = super::free_port();
        let script = std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../scripts/moto-server");
        let child = Command::new(script)
            .arg(port.to_string())
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start scripts/moto-server");
        let moto = Moto { child, url: format!("http://127.0.0.1:{port}") };
        // The first start on a fresh machine installs moto into its virtualenv.
        let deadline = Instant::now() + Duration::from_secs(600);
        let probe = format!("127.0.0.1:{port}");
        loop {
            if let Ok(mut s) = std::net::TcpStream::connect(&probe) {
                use std::io::{Read, Write};
                let _ = s.write_all(b"GET /moto-api/data.json HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n");
                let mut head = [0u8; 12];
                if s.read_exact(&mut head).is_ok() && head.starts_with(b"HTTP/1.") {
                    return moto;
                }
            }
            assert!(Instant::now() < deadline, "moto's server did not start on port {port}");
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    /// Settings for a client of this server: its endpoint for every service, and moto's
    /// any-key credentials.
    pub fn settings(&self) -> AwsSettings {
        AwsSettings {
            region: Some("us-east-1".into()),
            access_key_id: Some("testing".into()),
            secret_access_key: Some("testing".into()),
            session_token: None,
            sqs_endpoint: Some(self.url.clone()),
            sns_endpoint: Some(self.url.clone()),
            s3_endpoint: Some(self.url.clone()),
            timeout: Duration::from_secs(10),
        }
    }

    pub fn aws(&self) -> Aws {
        Aws::new(self.settings()).unwrap()
    }
}

impl Drop for Moto {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
