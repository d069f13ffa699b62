//! Starts the compiled `addsvc` binary for one test and stops it afterwards.

use std::net::{SocketAddr, TcpListener, TcpStream};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use reqwest::StatusCode;
use serde_json::Value;

/// A running addsvc process, killed when dropped.
pub struct Addsvc {
    child: Child,
    base_url: String,
    client: reqwest::Client,
}

impl Addsvc {
    pub async fn start() -> Self {
        // pact_* (dev-dependencies) switch on reqwest's TLS without choosing a crypto
        // provider; without one, building any reqwest client panics.
        let _ = rustls::crypto::ring::default_provider().install_default();
        let addr = free_local_addr();
        let child = Command::new(env!("CARGO_BIN_EXE_addsvc"))
            .arg("--addr")
            .arg(addr.to_string())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("addsvc binary starts");
        let mut server = Addsvc {
            child,
            base_url: format!("http://{addr}"),
            client: reqwest::Client::builder()
                .no_proxy()
                .timeout(Duration::from_secs(10))
                .build()
                .expect("HTTP client builds"),
        };
        server.wait_until_listening(addr).await;
        server
    }

    async fn wait_until_listening(&mut self, addr: SocketAddr) {
        let deadline = Instant::now() + Duration::from_secs(20);
        while TcpStream::connect(addr).is_err() {
            if let Some(status) = self.child.try_wait().expect("child status is readable") {
                panic!("addsvc exited before listening: {status}");
            }
            assert!(Instant::now() < deadline, "addsvc did not listen on {addr}");
            tokio::time::sleep(Duration::from_millis(20)).await;
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

impl Drop for Addsvc {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A loopback address whose port was free a moment ago.
fn free_local_addr() -> SocketAddr {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|listener| listener.local_addr())
        .expect("a free local port")
}
