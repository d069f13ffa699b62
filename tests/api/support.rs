//! Starts the compiled `addsvc` binary for one test and stops it afterwards.

use std::io::{BufRead, BufReader, Read};
use std::net::SocketAddr;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc::{self, Sender};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::Duration;

use reqwest::StatusCode;
use serde_json::Value;

/// A running service process, killed when dropped.
pub struct Server {
    child: Child,
    base_url: String,
    client: reqwest::Client,
}

impl Server {
    /// Starts addsvc on port 0, so the OS picks a free port, and reads the
    /// address it reports: no two tests can race for the same port.
    pub async fn addsvc() -> Self {
        // pact_* (dev-dependencies) switch on reqwest's TLS without choosing a crypto
        // provider; without one, building any reqwest client panics.
        let _ = rustls::crypto::ring::default_provider().install_default();
        let mut child = Command::new(env!("CARGO_BIN_EXE_addsvc"))
            .args(["--addr", "127.0.0.1:0"])
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("addsvc binary starts");
        let output = Arc::new(Mutex::new(String::new()));
        let (found, addr) = mpsc::channel();
        collect(child.stdout.take(), &output, found.clone());
        collect(child.stderr.take(), &output, found);
        let Ok(addr) = addr.recv_timeout(Duration::from_secs(20)) else {
            let _ = child.kill();
            panic!(
                "addsvc reported no listening address; it printed:\n{}",
                output.lock().unwrap()
            );
        };
        Server {
            child,
            base_url: format!("http://{addr}"),
            client: reqwest::Client::builder()
                .no_proxy()
                .timeout(Duration::from_secs(10))
                .build()
                .expect("HTTP client builds"),
        }
    }

    /// POSTs a raw body with a JSON content type; returns the status and the body parsed as JSON
    /// (`Value::Null` when the body is not JSON).
    pub async fn post(&self, path: &str, body: &str) -> (StatusCode, Value) {
        let response = self
            .client
            .post(format!("{}{path}", self.base_url))
            .header("content-type", "application/json")
            .body(body.to_owned())
            .send()
            .await
            .expect("request reaches addsvc");
        let status = response.status();
        let text = response.text().await.expect("response body is readable");
        (status, serde_json::from_str(&text).unwrap_or(Value::Null))
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Copies a child's output into `sink` on a background thread, and sends the
/// first loopback address with a real port that it mentions.
fn collect(
    stream: Option<impl Read + Send + 'static>,
    sink: &Arc<Mutex<String>>,
    found: Sender<SocketAddr>,
) {
    let Some(stream) = stream else { return };
    let sink = Arc::clone(sink);
    thread::spawn(move || {
        for line in BufReader::new(stream).lines().map_while(Result::ok) {
            if let Some(addr) = loopback_addr_in(&line) {
                let _ = found.send(addr);
            }
            let mut text = sink.lock().unwrap();
            text.push_str(&line);
            text.push('\n');
        }
    });
}

/// Finds `127.0.0.1:PORT` (PORT not 0) in a line of output, whatever its format.
fn loopback_addr_in(line: &str) -> Option<SocketAddr> {
    line.match_indices("127.0.0.1:").find_map(|(start, host)| {
        let rest = &line[start + host.len()..];
        let digits = rest
            .find(|c: char| !c.is_ascii_digit())
            .unwrap_or(rest.len());
        match rest[..digits].parse::<u16>() {
            Ok(port) if port != 0 => Some(SocketAddr::from(([127, 0, 0, 1], port))),
            _ => None,
        }
    })
}
