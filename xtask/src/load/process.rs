//! A service process whose output goes to a log file of its own, so the load demo can count
//! the lines it logs per request; stopped when dropped, however the demo ends.

use std::fs::{File, OpenOptions};
use std::net::{SocketAddr, TcpListener};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::thread;
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};

use crate::child::KillOnDrop;
use harness::loopback_addr_in;

pub struct LoggedService {
    pub name: &'static str,
    pub addr: SocketAddr,
    log: PathBuf,
    process: KillOnDrop,
}

impl LoggedService {
    /// Starts `binary --addr 127.0.0.1:0` with `env`, its stdout and stderr appended to
    /// `NAME.log` in `log_dir` (the listening line is on stdout at step 00, on stderr once
    /// the service logs structured lines), and waits for the address it reports.
    pub fn start(
        name: &'static str,
        binary: &Path,
        env: &[(&str, &str)],
        log_dir: &Path,
    ) -> Result<LoggedService> {
        let log = log_dir.join(format!("{name}.log"));
        let _ = std::fs::remove_file(&log);
        // Appending, both streams share the file without overwriting each other's lines.
        let stderr = OpenOptions::new()
            .create(true)
            .append(true)
            .open(&log)
            .with_context(|| format!("could not create {}", log.display()))?;
        let stdout = stderr.try_clone()?;
        let mut command = Command::new(binary);
        // Only `env` configures the service, not the caller's shell.
        for (variable, _) in std::env::vars_os() {
            let variable = variable.to_string_lossy();
            if variable.starts_with("ADDSVC_") || variable.starts_with("STRINGSVC_") {
                command.env_remove(variable.as_ref());
            }
        }
        let process = KillOnDrop(
            command
                .envs(env.iter().copied())
                .args(["--addr", "127.0.0.1:0"])
                .stdin(Stdio::null())
                .stdout(stdout)
                .stderr(stderr)
                .spawn()
                .with_context(|| format!("could not start {}", binary.display()))?,
        );
        let mut service = LoggedService {
            name,
            addr: SocketAddr::from(([127, 0, 0, 1], 0)),
            log,
            process,
        };
        service.addr = service.wait_for_listening_addr()?;
        Ok(service)
    }

    pub fn pid(&self) -> u32 {
        self.process.0.id()
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }

    /// Lines in the log once it has stopped growing: the services write their logs on a
    /// background thread, after the replies, so a count taken at once would miss some.
    pub fn log_lines_when_quiet(&self) -> Result<u64> {
        let quiet = Quiet {
            settle: Duration::from_millis(500),
            poll: Duration::from_millis(50),
            at_most: Duration::from_secs(15),
        };
        quiet.wait(|| self.log_size())?;
        Ok(count_lines(&std::fs::read(&self.log)?))
    }

    fn log_size(&self) -> Result<u64> {
        Ok(File::open(&self.log)?.metadata()?.len())
    }

    fn wait_for_listening_addr(&mut self) -> Result<SocketAddr> {
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            let log =
                String::from_utf8_lossy(&std::fs::read(&self.log).unwrap_or_default()).into_owned();
            if let Some(addr) = log.lines().find_map(loopback_addr_in) {
                return Ok(addr);
            }
            if let Some(status) = self.process.0.try_wait()? {
                bail!(
                    "{} stopped ({status}) before listening; it printed:\n{log}",
                    self.name
                );
            }
            if Instant::now() > deadline {
                bail!(
                    "{} reported no listening address within 30 s; it printed:\n{log}",
                    self.name
                );
            }
            thread::sleep(Duration::from_millis(50));
        }
    }
}

/// How long a count must hold still to be final, how often to look, and for how long at most.
pub struct Quiet {
    pub settle: Duration,
    pub poll: Duration,
    pub at_most: Duration,
}

impl Quiet {
    /// The value of `read` once it has not changed for `settle` (or after `at_most`).
    pub fn wait<T: PartialEq>(&self, read: impl Fn() -> Result<T>) -> Result<T> {
        let deadline = Instant::now() + self.at_most;
        let mut last = read()?;
        let mut unchanged_since = Instant::now();
        while unchanged_since.elapsed() < self.settle && Instant::now() < deadline {
            thread::sleep(self.poll);
            let now = read()?;
            if now != last {
                last = now;
                unchanged_since = Instant::now();
            }
        }
        Ok(last)
    }
}

pub fn count_lines(bytes: &[u8]) -> u64 {
    bytes.iter().filter(|&&byte| byte == b'\n').count() as u64
}

/// A port nothing listens on now: bound, then released for a process to take.
pub fn free_loopback_addr() -> Result<SocketAddr> {
    Ok(TcpListener::bind("127.0.0.1:0")?.local_addr()?)
}
