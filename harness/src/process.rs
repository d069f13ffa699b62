//! A service binary running as a child process: started with exactly the
//! arguments and environment it is given, found by the address it says it
//! listens on, its output kept, stopped by PID.

use std::io::{self, BufRead, BufReader, Read};
use std::net::SocketAddr;
use std::path::Path;
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::mpsc::{self, Sender};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::{Duration, Instant};

use wait_timeout::ChildExt;

/// How long a service may take to say where it listens.
const STARTUP: Duration = Duration::from_secs(30);

/// A running service, killed when dropped.
pub struct Process {
    child: Child,
    addr: SocketAddr,
    output: Arc<Mutex<String>>,
}

impl Process {
    /// Starts `binary` with `args` and `env`, which must make it listen on a
    /// loopback address and log a line saying so (`--addr 127.0.0.1:0` lets
    /// the OS pick a free port, so no two runs race for one). The caller's
    /// ADDSVC_…, STRINGSVC_… and OTEL_… variables are not passed on: only what
    /// is given here configures the service.
    pub fn start(binary: &Path, args: &[&str], env: &[(&str, &str)]) -> io::Result<Process> {
        let mut command = Command::new(binary);
        without_service_env(&mut command);
        let mut child = command
            .envs(env.iter().copied())
            .args(args)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .map_err(|error| {
                io::Error::new(error.kind(), format!("{}: {error}", binary.display()))
            })?;
        let output = Arc::new(Mutex::new(String::new()));
        let (found, addr) = mpsc::channel();
        collect(child.stdout.take(), &output, found.clone());
        collect(child.stderr.take(), &output, found);
        let Ok(addr) = addr.recv_timeout(STARTUP) else {
            let _ = child.kill();
            let _ = child.wait();
            let printed = output.lock().map(|text| text.clone()).unwrap_or_default();
            return Err(io::Error::other(format!(
                "{} reported no listening address within {STARTUP:?}; it printed:\n{printed}",
                binary.display()
            )));
        };
        Ok(Process {
            child,
            addr,
            output,
        })
    }

    /// Where the service listens.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// `http://` and the address.
    pub fn base_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Everything the service printed so far, stdout and stderr interleaved
    /// by line.
    pub fn output(&self) -> String {
        self.output
            .lock()
            .map(|text| text.clone())
            .unwrap_or_default()
    }

    /// Waits until what the service printed after `offset` bytes satisfies
    /// `done`, or `patience` passes (log lines may trail the response that
    /// caused them: a logger writes them on a thread of its own); returns it.
    pub fn output_after(
        &self,
        offset: usize,
        patience: Duration,
        done: impl Fn(&str) -> bool,
    ) -> String {
        let deadline = Instant::now() + patience;
        loop {
            let new = self.output().get(offset..).unwrap_or_default().to_owned();
            if done(&new) || Instant::now() > deadline {
                return new;
            }
            thread::sleep(Duration::from_millis(20));
        }
    }

    /// Asks the service to stop as ctrl-c or a cluster would: SIGTERM (on
    /// Windows, which has no SIGTERM, it is killed).
    pub fn request_stop(&mut self) -> io::Result<()> {
        #[cfg(unix)]
        {
            let pid = i32::try_from(self.child.id())
                .ok()
                .and_then(rustix::process::Pid::from_raw)
                .ok_or_else(|| io::Error::other("the child has no valid PID"))?;
            rustix::process::kill_process(pid, rustix::process::Signal::TERM)?;
            Ok(())
        }
        #[cfg(not(unix))]
        {
            self.child.kill()
        }
    }

    /// Whether the service has exited, without waiting.
    pub fn try_wait(&mut self) -> io::Result<Option<ExitStatus>> {
        self.child.try_wait()
    }

    /// SIGTERM, then waits up to `patience` for the service to exit: it
    /// finishes what is in flight and flushes what it buffers.
    pub fn terminate(&mut self, patience: Duration) -> io::Result<ExitStatus> {
        self.request_stop()?;
        self.child.wait_timeout(patience)?.ok_or_else(|| {
            io::Error::new(
                io::ErrorKind::TimedOut,
                format!("the service did not stop within {patience:?} of SIGTERM"),
            )
        })
    }

    /// Kills the service at once (SIGKILL), as a crash would: nothing in
    /// flight is finished.
    pub fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for Process {
    fn drop(&mut self) {
        self.kill();
    }
}

/// Removes the services' variables (ADDSVC_…, STRINGSVC_…, and OpenTelemetry's
/// OTEL_…) of the caller's shell from what `command` inherits.
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

/// Copies a child's output into `sink` on a thread of its own, and sends the
/// first loopback address with a real port that a "listening" line names.
fn collect(
    stream: Option<impl Read + Send + 'static>,
    sink: &Arc<Mutex<String>>,
    found: Sender<SocketAddr>,
) {
    let Some(stream) = stream else { return };
    let sink = Arc::clone(sink);
    thread::spawn(move || {
        for line in BufReader::new(stream).lines().map_while(Result::ok) {
            // Keep the line before announcing the address: whoever waits for
            // the address then finds the listening line already kept.
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

/// Finds `127.0.0.1:PORT` (PORT not 0) in the line that says where a service
/// listens, whatever its log format; other lines may name other addresses
/// (addsvc logs its dependency's).
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

#[cfg(test)]
mod tests {
    use super::loopback_addr_in;

    #[test]
    fn the_listening_line_names_the_address_in_any_format() {
        let logfmt = "ts=… level=INFO msg=listening addr=127.0.0.1:40123";
        let json = r#"{"msg":"listening","addr":"127.0.0.1:40124"}"#;
        assert_eq!(loopback_addr_in(logfmt).unwrap().port(), 40123);
        assert_eq!(loopback_addr_in(json).unwrap().port(), 40124);
        assert_eq!(loopback_addr_in("msg=listening addr=127.0.0.1:0"), None);
        assert_eq!(loopback_addr_in("msg=calling url=127.0.0.1:8081"), None);
    }
}
