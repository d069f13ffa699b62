//! A real etcd for a test: one throwaway node on free loopback ports, its data in a
//! temporary directory, stopped by PID. Where the `etcd` program is absent, the test is
//! skipped with the install command; with `WORKSHOP_REQUIRE_TOOLS` set (CI), it fails.

use std::io;
use std::net::TcpListener;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

/// Set (to anything) where every tool must be there: a test that needs etcd fails
/// without it instead of being skipped. `cargo workshop verify --require-tools` sets it.
pub const REQUIRE_TOOLS: &str = "WORKSHOP_REQUIRE_TOOLS";

/// How to install etcd where it is missing.
pub const INSTALL: &str =
    "etcd 3.4 or newer: sudo apt install etcd-server (Debian 12) or brew install etcd";

/// How long a node may take to answer `/health` with true: far above the ~0.3 s one takes.
const STARTUP: Duration = Duration::from_secs(20);

pub struct Etcd {
    child: Option<Child>,
    client_port: u16,
    peer_port: u16,
    data: tempfile::TempDir,
    http: reqwest::Client,
}

impl Etcd {
    /// A node, ready; `None` (the test says it is skipped, and why) where etcd is not
    /// installed and `WORKSHOP_REQUIRE_TOOLS` is unset.
    pub async fn start_or_skip(test: &str) -> Option<Etcd> {
        if !installed() {
            assert!(
                std::env::var_os(REQUIRE_TOOLS).is_none(),
                "{test} needs etcd, which is not installed: {INSTALL}"
            );
            eprintln!("skipped {test}: etcd is not installed ({INSTALL})");
            return None;
        }
        crate::install_crypto_provider();
        let mut etcd = Etcd {
            child: None,
            client_port: free_port(),
            peer_port: free_port(),
            data: tempfile::Builder::new()
                .prefix("etcd-test-")
                .tempdir()
                .expect("a temporary directory"),
            http: reqwest::Client::builder()
                .no_proxy()
                .timeout(Duration::from_secs(5))
                .build()
                .expect("an HTTP client builds"),
        };
        etcd.start().await.expect("etcd starts");
        Some(etcd)
    }

    /// `http://127.0.0.1:PORT`, what clients are given.
    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.client_port)
    }

    /// Starts the node again on the same ports and data, after [`Etcd::kill`].
    pub async fn start(&mut self) -> io::Result<()> {
        let client = self.url();
        let peer = format!("http://127.0.0.1:{}", self.peer_port);
        let child = Command::new("etcd")
            .args(["--name", "test", "--data-dir"])
            .arg(self.data.path().join("data"))
            .args(["--listen-client-urls", &client])
            .args(["--advertise-client-urls", &client])
            .args(["--listen-peer-urls", &peer])
            .args(["--initial-advertise-peer-urls", &peer])
            .args(["--initial-cluster", &format!("test={peer}")])
            .args(["--log-level", "error"])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()?;
        self.child = Some(child);
        let started = Instant::now();
        while started.elapsed() < STARTUP {
            let health = self.http.get(format!("{client}/health")).send().await;
            if let Ok(response) = health
                && let Ok(body) = response.json::<Value>().await
                && body["health"] == "true"
            {
                return Ok(());
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        Err(io::Error::other(format!(
            "etcd did not answer /health within {STARTUP:?}"
        )))
    }

    /// Kills the node at once (SIGKILL); its data stays, for [`Etcd::start`].
    pub fn kill(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// The keys under `prefix` with their values, in key order.
    pub async fn under(&self, prefix: &str) -> Vec<(String, String)> {
        let answer = self.range(prefix).await;
        let text = |value: &Value| String::from_utf8(decode(value.as_str().unwrap_or_default()));
        answer["kvs"]
            .as_array()
            .map(|kvs| {
                kvs.iter()
                    .map(|kv| {
                        (
                            text(&kv["key"]).expect("keys are UTF-8"),
                            text(&kv["value"]).expect("values are UTF-8"),
                        )
                    })
                    .collect()
            })
            .unwrap_or_default()
    }

    /// Puts `key` = `value`, on no lease: it stays until deleted.
    pub async fn put(&self, key: &str, value: &str) {
        let body = json!({ "key": encode(key.as_bytes()), "value": encode(value.as_bytes()) });
        self.post("kv/put", body).await;
    }

    /// Deletes `key`.
    pub async fn delete(&self, key: &str) {
        self.post("kv/deleterange", json!({ "key": encode(key.as_bytes()) }))
            .await;
    }

    /// Ends the lease of every key under `prefix` at once, as an operator or
    /// an expiry would: etcd deletes the keys.
    pub async fn revoke_leases_under(&self, prefix: &str) {
        let answer = self.range(prefix).await;
        for kv in answer["kvs"].as_array().into_iter().flatten() {
            let lease = kv["lease"].as_str().unwrap_or("0");
            self.post("lease/revoke", json!({ "ID": lease })).await;
        }
    }

    async fn range(&self, prefix: &str) -> Value {
        let body = json!({
            "key": encode(prefix.as_bytes()),
            "range_end": encode(&prefix_end(prefix.as_bytes())),
        });
        self.post("kv/range", body).await
    }

    async fn post(&self, path: &str, body: Value) -> Value {
        self.http
            .post(format!("{}/v3/{path}", self.url()))
            .json(&body)
            .send()
            .await
            .unwrap_or_else(|error| panic!("etcd answers {path}: {error}"))
            .json()
            .await
            .unwrap_or_else(|error| panic!("etcd answers {path} in JSON: {error}"))
    }
}

impl Drop for Etcd {
    fn drop(&mut self) {
        self.kill();
    }
}

/// Whether an `etcd` program is on PATH.
fn installed() -> bool {
    Command::new("etcd")
        .arg("--version")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|status| status.success())
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|listener| listener.local_addr())
        .expect("a free loopback port")
        .port()
}

/// The end of etcd's range for every key that starts with `prefix`: its last byte plus one.
fn prefix_end(prefix: &[u8]) -> Vec<u8> {
    let mut end = prefix.to_vec();
    while let Some(last) = end.pop() {
        if last < 0xff {
            end.push(last + 1);
            return end;
        }
    }
    // Only 0xff bytes: every key from the prefix on.
    vec![0]
}

fn encode(bytes: &[u8]) -> String {
    use base64::Engine;
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

fn decode(text: &str) -> Vec<u8> {
    use base64::Engine;
    base64::engine::general_purpose::STANDARD
        .decode(text)
        .expect("etcd sends base64")
}
