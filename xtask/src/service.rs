//! Builds a workshop binary from a source tree and runs it on a free loopback port, so that
//! exercise checks can talk to it over HTTP and read what it logs.

use std::io::{BufRead, BufReader, Read};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::mpsc::{self, Sender};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::Duration;

use anyhow::{Context, Result, bail};
use serde_json::Value;

use crate::cargo::build_bins;
use crate::child::KillOnDrop;

/// `cargo build --bins` in `dir`; returns the path of the binary called `name`.
pub fn build_binary(dir: &Path, name: &str) -> Result<PathBuf> {
    build_bins(dir, &[])?
        .into_iter()
        .find(|(built, _)| built == name)
        .map(|(_, path)| path)
        .with_context(|| format!("cargo build produced no binary called {name}"))
}

/// An HTTP client for the services the tool starts: loopback, so no proxy; an error
/// status is an answer to judge, not a failure of the call.
pub fn http_agent() -> ureq::Agent {
    ureq::Agent::config_builder()
        .http_status_as_error(false)
        .proxy(None)
        .timeout_global(Some(Duration::from_secs(10)))
        .build()
        .into()
}

/// A running service process, stopped when dropped.
pub struct Service {
    /// Stopped when the service is dropped, or earlier by `terminate`.
    process: KillOnDrop,
    pub base_url: String,
    output: Arc<Mutex<String>>,
    agent: ureq::Agent,
}

pub struct Reply {
    pub status: u16,
    pub body: String,
    headers: ureq::http::HeaderMap,
}

impl Reply {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|value| value.to_str().ok())
    }

    pub fn json(&self) -> Option<Value> {
        serde_json::from_str(&self.body).ok()
    }
}

impl Service {
    /// Starts `binary --addr 127.0.0.1:0 extra_args…`, so the OS picks a free port, and reads
    /// the address the service reports, whatever the format of its log line.
    pub fn start(binary: &Path, extra_args: &[&str]) -> Result<Service> {
        Self::start_with_env(binary, extra_args, &[])
    }

    /// Like [`Service::start`], with environment variables set for the service: unlike a
    /// flag, a variable the service does not know (yet, at an early step) is harmless.
    pub fn start_with_env(
        binary: &Path,
        extra_args: &[&str],
        env: &[(&str, &str)],
    ) -> Result<Service> {
        let args = [&["--addr", "127.0.0.1:0"], extra_args].concat();
        Self::start_as_given(binary, &args, env)
    }

    /// Starts `binary` with exactly `args` and `env`, which must make it listen on a
    /// loopback address and say so.
    pub fn start_as_given(binary: &Path, args: &[&str], env: &[(&str, &str)]) -> Result<Service> {
        let mut command = Command::new(binary);
        // Only what is given here configures the service, not the caller's shell.
        without_service_env(&mut command);
        let mut child = command
            .envs(env.iter().copied())
            .args(args)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .with_context(|| format!("could not start {}", binary.display()))?;
        let output = Arc::new(Mutex::new(String::new()));
        let (found, addr) = mpsc::channel();
        collect(child.stdout.take(), &output, found.clone());
        collect(child.stderr.take(), &output, found);
        let agent = http_agent();
        let mut service = Service {
            process: KillOnDrop(child),
            base_url: String::new(),
            output,
            agent,
        };
        match addr.recv_timeout(Duration::from_secs(30)) {
            Ok(addr) => {
                service.base_url = format!("http://{addr}");
                Ok(service)
            }
            Err(_) => bail!(
                "the service reported no listening address within 30 s; it printed:\n{}",
                service.output()
            ),
        }
    }

    /// Everything the service printed so far, stdout and stderr interleaved by line.
    pub fn output(&self) -> String {
        self.output
            .lock()
            .map(|text| text.clone())
            .unwrap_or_default()
    }

    pub fn post_json(&self, path: &str, body: &str) -> Result<Reply> {
        self.post_json_with_headers(path, body, &[])
    }

    pub fn post_json_with_headers(
        &self,
        path: &str,
        body: &str,
        headers: &[(&str, &str)],
    ) -> Result<Reply> {
        post_json_with(
            &self.agent,
            &format!("{}{path}", self.base_url),
            body,
            headers,
        )
    }

    pub fn get(&self, path: &str) -> Result<Reply> {
        get_with(&self.agent, &format!("{}{path}", self.base_url))
    }

    /// Waits until what the service printed after `offset` bytes satisfies `done`, or 5 s
    /// pass (logs may trail the response: they are written on a background thread).
    pub fn output_after(&self, offset: usize, done: impl Fn(&str) -> bool) -> String {
        let deadline = std::time::Instant::now() + Duration::from_secs(5);
        loop {
            let output = self.output();
            let new = output.get(offset..).unwrap_or_default().to_owned();
            if done(&new) || std::time::Instant::now() > deadline {
                return new;
            }
            thread::sleep(Duration::from_millis(25));
        }
    }
}

/// Removes the services' variables (ADDSVC_…, STRINGSVC_…, and OpenTelemetry's OTEL_…) of
/// the caller's shell from what `command` inherits.
pub fn without_service_env(command: &mut Command) {
    for (name, _) in std::env::vars_os() {
        let name = name.to_string_lossy();
        if ["ADDSVC_", "STRINGSVC_", "OTEL_"]
            .iter()
            .any(|prefix| name.starts_with(prefix))
        {
            command.env_remove(name.as_ref());
        }
    }
}

impl Service {
    /// Stops the service as ctrl-c would (SIGTERM), so it shuts down cleanly and flushes what
    /// it buffers, and waits for it to exit.
    pub fn terminate(&mut self) -> Result<()> {
        self.process.terminate(Duration::from_secs(15))
    }
}

/// POST a JSON `body` to `url`, for a service reached at another address than the one it
/// reported (through a port mapping, say).
pub fn post_json_to(url: &str, body: &str) -> Result<Reply> {
    post_json_with(&http_agent(), url, body, &[])
}

/// GET `url`; see [`post_json_to`].
pub fn get_from(url: &str) -> Result<Reply> {
    get_with(&http_agent(), url)
}

fn post_json_with(
    agent: &ureq::Agent,
    url: &str,
    body: &str,
    headers: &[(&str, &str)],
) -> Result<Reply> {
    let mut request = agent.post(url).header("content-type", "application/json");
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    reply(request.send(body), url)
}

fn get_with(agent: &ureq::Agent, url: &str) -> Result<Reply> {
    reply(agent.get(url).call(), url)
}

fn reply(
    response: Result<ureq::http::Response<ureq::Body>, ureq::Error>,
    url: &str,
) -> Result<Reply> {
    let mut response = response.with_context(|| format!("no HTTP answer from {url}"))?;
    let status = response.status().as_u16();
    let headers = response.headers().clone();
    let body = response.body_mut().read_to_string().unwrap_or_default();
    Ok(Reply {
        status,
        body,
        headers,
    })
}

/// Copies a child's output into `sink` on a background thread, and sends the first
/// loopback address with a real port that it mentions.
fn collect(
    stream: Option<impl Read + Send + 'static>,
    sink: &Arc<Mutex<String>>,
    found: Sender<SocketAddr>,
) {
    let Some(stream) = stream else { return };
    let sink = Arc::clone(sink);
    thread::spawn(move || {
        for line in BufReader::new(stream).lines().map_while(Result::ok) {
            // Keep the line before announcing the address: whoever waits for the address
            // then finds the listening line already in the output, not among its own.
            if let Ok(mut text) = sink.lock() {
                text.push_str(&line);
                text.push('\n');
            }
            if let Some(addr) = loopback_addr_in(&line) {
                let _ = found.send(addr);
            }
        }
    });
}

/// Finds `127.0.0.1:PORT` (PORT not 0) in the line that says where the service listens;
/// other lines may name other addresses (addsvc logs its dependency's).
pub fn loopback_addr_in(line: &str) -> Option<SocketAddr> {
    if !line.contains("listening") {
        return None;
    }
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
