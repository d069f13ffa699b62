//! Builds a workshop binary from a source tree and runs it on a free loopback port, so that
//! exercise checks can talk to it over HTTP (see `crate::http`) and read what it logs.

use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::{Context, Result};
use harness::Process;

use crate::cargo::build_bins;
use crate::http::{Reply, get_with, http_agent, post_json_with};

/// `cargo build --bins` in `dir`; returns the path of the binary called `name`.
pub fn build_binary(dir: &Path, name: &str) -> Result<PathBuf> {
    build_bins(dir, &[])?
        .into_iter()
        .find(|(built, _)| built == name)
        .map(|(_, path)| path)
        .with_context(|| format!("cargo build produced no binary called {name}"))
}

/// A running service process, stopped when dropped.
pub struct Service {
    process: Process,
    pub base_url: String,
    agent: ureq::Agent,
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
        let process = Process::start(binary, args, env)?;
        Ok(Service {
            base_url: process.base_url(),
            process,
            agent: http_agent(),
        })
    }

    /// Everything the service printed so far, stdout and stderr interleaved by line.
    pub fn output(&self) -> String {
        self.process.output()
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
        self.process
            .output_after(offset, Duration::from_secs(5), done)
    }

    /// Stops the service as ctrl-c would (SIGTERM), so it shuts down cleanly and flushes what
    /// it buffers, and waits for it to exit.
    pub fn terminate(&mut self) -> Result<()> {
        self.process.terminate(Duration::from_secs(15))?;
        Ok(())
    }
}
