//! A service under test: its process, and an HTTP client to call it with.

use std::any::Any;
use std::path::Path;
use std::time::Duration;

use reqwest::{Method, RequestBuilder, StatusCode};
use serde_json::Value;

use crate::process::Process;

/// A running service, killed when dropped, and what it depends on, dropped
/// after it.
pub struct Server {
    process: Process,
    base_url: String,
    client: reqwest::Client,
    dependencies: Vec<Box<dyn Any + Send + Sync>>,
}

impl Server {
    /// Starts `binary` with `args` and `env` (see [`Process::start`]), on a
    /// free port unless `args` name an `--addr`; panics, with what the
    /// service printed, when it does not start.
    pub async fn start(binary: &str, args: &[&str], env: &[(&str, &str)]) -> Server {
        install_crypto_provider();
        let free_port: &[&str] = if args.contains(&"--addr") {
            &[]
        } else {
            &["--addr", "127.0.0.1:0"]
        };
        let process = Process::start(Path::new(binary), &[free_port, args].concat(), env)
            .unwrap_or_else(|error| panic!("{error}"));
        Server {
            base_url: process.base_url(),
            process,
            client: reqwest::Client::builder()
                .no_proxy()
                .timeout(Duration::from_secs(10))
                .build()
                .expect("an HTTP client builds"),
            dependencies: Vec::new(),
        }
    }

    /// Keeps `dependency` (a stand-in, another server) running as long as
    /// this server: it is dropped after the server stopped.
    pub fn holding(mut self, dependency: impl Any + Send + Sync) -> Server {
        self.dependencies.push(Box::new(dependency));
        self
    }

    pub fn base_url(&self) -> &str {
        &self.base_url
    }

    /// POSTs a raw body with a JSON content type; returns the status and the
    /// body parsed as JSON (`Value::Null` when the body is not JSON).
    pub async fn post(&self, path: &str, body: &str) -> (StatusCode, Value) {
        let request = self
            .request(Method::POST, path)
            .header("content-type", "application/json")
            .body(body.to_owned());
        let (status, text) = answer(request).await;
        (status, serde_json::from_str(&text).unwrap_or(Value::Null))
    }

    /// GETs `path`; returns the status and the body as text.
    pub async fn get(&self, path: &str) -> (StatusCode, String) {
        answer(self.request(Method::GET, path)).await
    }

    /// A request of any method to `path`, for tests that need more control.
    pub fn request(&self, method: Method, path: &str) -> RequestBuilder {
        self.client
            .request(method, format!("{}{path}", self.base_url))
    }

    /// Waits until what the server printed satisfies `done`, for 5 s at most
    /// (log lines trail the response: a logger writes them on a thread of its
    /// own); returns all of it.
    pub async fn output_when(&self, done: impl Fn(&str) -> bool) -> String {
        let deadline = tokio::time::Instant::now() + Duration::from_secs(5);
        loop {
            let output = self.process.output();
            if done(&output) || tokio::time::Instant::now() > deadline {
                return output;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    /// Stops the server as ctrl-c or a cluster would (SIGTERM), so that it
    /// shuts down cleanly, and waits until it has exited. The wait yields to
    /// the test's other tasks, such as a request still in flight.
    pub async fn stop(&mut self) {
        self.process
            .request_stop()
            .expect("SIGTERM reaches the server");
        let deadline = tokio::time::Instant::now() + Duration::from_secs(15);
        while self
            .process
            .try_wait()
            .expect("the server can be waited for")
            .is_none()
        {
            assert!(
                tokio::time::Instant::now() < deadline,
                "the server did not stop within 15 s of SIGTERM"
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    /// Sends SIGTERM and returns at once: the test watches what the server
    /// does while it stops.
    pub fn request_stop(&mut self) {
        self.process
            .request_stop()
            .expect("SIGTERM reaches the server");
    }

    /// Kills the server at once (SIGKILL), as a crash would.
    pub fn kill(&mut self) {
        self.process.kill();
    }
}

/// Sends `request`; returns the status and the body as text.
async fn answer(request: RequestBuilder) -> (StatusCode, String) {
    let response = request
        .send()
        .await
        .expect("the request reaches the server");
    let status = response.status();
    let text = response
        .text()
        .await
        .expect("the response body is readable");
    (status, text)
}

/// pact_* (addsvc's dev-dependencies) switch on reqwest's TLS without
/// choosing a crypto provider; without one, building any reqwest client
/// panics. Choose one, once per process.
pub fn install_crypto_provider() {
    let _ = rustls::crypto::ring::default_provider().install_default();
}
