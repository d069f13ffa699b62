//! Builds a workshop binary from a source tree and runs it on a free loopback port, so that
//! exercise checks can talk to it over HTTP and read what it logs.

use std::io::{BufRead, BufReader, Read};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};
use serde_json::Value;

/// `cargo build --bins` in `dir`; returns the path of the binary called `name`.
pub fn build_binary(dir: &Path, name: &str) -> Result<PathBuf> {
    let output = Command::new(env!("CARGO"))
        .current_dir(dir)
        .args([
            "build",
            "--offline",
            "--bins",
            "--message-format=json-render-diagnostics",
        ])
        .stderr(Stdio::inherit())
        .output()
        .context("could not run cargo build")?;
    if !output.status.success() {
        bail!("the code does not build yet (cargo build failed, see above)");
    }
    for line in String::from_utf8_lossy(&output.stdout).lines() {
        let Ok(message) = serde_json::from_str::<Value>(line) else {
            continue;
        };
        let is_named_bin = message["reason"] == "compiler-artifact"
            && message["target"]["name"] == name
            && message["target"]["kind"][0] == "bin";
        if let (true, Some(path)) = (is_named_bin, message["executable"].as_str()) {
            return Ok(PathBuf::from(path));
        }
    }
    bail!("cargo build produced no binary called {name}")
}

/// A running service process, stopped when dropped.
pub struct Service {
    child: Child,
    pub base_url: String,
    output: Arc<Mutex<String>>,
    agent: ureq::Agent,
}

pub struct Reply {
    pub status: u16,
    pub body: String,
}

impl Reply {
    pub fn json(&self) -> Option<Value> {
        serde_json::from_str(&self.body).ok()
    }
}

impl Service {
    /// Starts `binary --addr 127.0.0.1:PORT extra_args…` and waits until it accepts connections.
    pub fn start(binary: &Path, extra_args: &[&str]) -> Result<Service> {
        let addr = free_local_addr()?;
        let mut child = Command::new(binary)
            .arg("--addr")
            .arg(addr.to_string())
            .args(extra_args)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .with_context(|| format!("could not start {}", binary.display()))?;
        let output = Arc::new(Mutex::new(String::new()));
        collect(child.stdout.take(), &output);
        collect(child.stderr.take(), &output);
        let agent = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .proxy(None)
            .timeout_global(Some(Duration::from_secs(10)))
            .build()
            .into();
        let mut service = Service {
            child,
            base_url: format!("http://{addr}"),
            output,
            agent,
        };
        service.wait_until_listening(addr)?;
        Ok(service)
    }

    fn wait_until_listening(&mut self, addr: SocketAddr) -> Result<()> {
        let deadline = Instant::now() + Duration::from_secs(30);
        while TcpStream::connect(addr).is_err() {
            if let Some(status) = self.child.try_wait()? {
                bail!(
                    "the service exited ({status}) before listening on {addr}; it printed:\n{}",
                    self.output()
                );
            }
            if Instant::now() > deadline {
                bail!("the service did not listen on {addr} within 30 s");
            }
            thread::sleep(Duration::from_millis(25));
        }
        Ok(())
    }

    /// Everything the service printed so far, stdout and stderr interleaved by line.
    pub fn output(&self) -> String {
        self.output
            .lock()
            .map(|text| text.clone())
            .unwrap_or_default()
    }

    pub fn post_json(&self, path: &str, body: &str) -> Result<Reply> {
        let response = self
            .agent
            .post(format!("{}{path}", self.base_url))
            .header("content-type", "application/json")
            .send(body);
        reply(response, path)
    }
}

impl Drop for Service {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn reply(
    response: Result<ureq::http::Response<ureq::Body>, ureq::Error>,
    path: &str,
) -> Result<Reply> {
    let mut response = response.with_context(|| format!("no HTTP answer for {path}"))?;
    let status = response.status().as_u16();
    let body = response.body_mut().read_to_string().unwrap_or_default();
    Ok(Reply { status, body })
}

/// Copies a child's output into `sink`, line by line, on a background thread.
fn collect(stream: Option<impl Read + Send + 'static>, sink: &Arc<Mutex<String>>) {
    let Some(stream) = stream else { return };
    let sink = Arc::clone(sink);
    thread::spawn(move || {
        for line in BufReader::new(stream).lines().map_while(Result::ok) {
            if let Ok(mut text) = sink.lock() {
                text.push_str(&line);
                text.push('\n');
            }
        }
    });
}

fn free_local_addr() -> Result<SocketAddr> {
    Ok(TcpListener::bind("127.0.0.1:0")?.local_addr()?)
}
