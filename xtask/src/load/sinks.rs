//! `cargo workshop load --log-sinks`: what the lossless logger costs when its output cannot
//! keep up. addsvc's /sum under wrk three times, its logs (stderr and stdout) going to a
//! file, to /dev/null, and to a pipe this tool drains at a fixed rate. When the pipe is
//! full, the logger's thread blocks on it, the queue fills, and the worker threads that log
//! block on the queue: every request on those workers waits. The lines that reach the pipe
//! are counted, to show that none was dropped.

use std::fs::File;
use std::io::Read;
use std::net::{SocketAddr, TcpStream};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::thread;
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};

use super::process::{Quiet, count_lines, free_loopback_addr};
use super::wrk::{self, Report, Settings};
use crate::child::KillOnDrop;

/// How fast the slow pipe is drained: a log shipper that has fallen behind.
const SLOW_PIPE_BYTES_PER_SECOND: usize = 256 * 1024;
const SUM_BODY: &str = r#"{"a":1,"b":2}"#;

#[derive(Clone, Copy)]
enum Sink {
    File,
    Null,
    SlowPipe,
}

impl Sink {
    fn describe(self) -> String {
        match self {
            Sink::File => "a file".to_owned(),
            Sink::Null => "/dev/null".to_owned(),
            Sink::SlowPipe => format!(
                "a pipe drained at {} KiB/s",
                SLOW_PIPE_BYTES_PER_SECOND / 1024
            ),
        }
    }
}

struct Run {
    sink: Sink,
    wrk: Report,
    /// Lines that reached the sink during the run, where they can be counted.
    lines: Option<u64>,
}

pub fn run(addsvc: &Path, settings: &Settings, scratch: &Path) -> Result<()> {
    let mut runs = Vec::new();
    for sink in [Sink::File, Sink::Null, Sink::SlowPipe] {
        println!(
            "addsvc /sum, logs to {}: {} s of wrk…",
            sink.describe(),
            settings.seconds
        );
        runs.push(measure(addsvc, sink, settings, scratch)?);
    }
    println!(
        "\n{:<34} {:>10} {:>10} {:>10} {:>16}",
        "addsvc /sum, logs to", "req/s", "p50", "p99", "lines/request"
    );
    for run in &runs {
        let per_request = run.lines.map_or_else(
            || "-".to_owned(),
            |lines| format!("{:.2}", lines as f64 / run.wrk.requests.max(1) as f64),
        );
        println!(
            "{:<34} {:>10.0} {:>10?} {:>10?} {:>16}",
            run.sink.describe(),
            run.wrk.requests_per_second,
            run.wrk.p50,
            run.wrk.p99,
            per_request
        );
    }
    println!(
        "\nEvery line is kept: when the sink is slower than the requests, the requests slow \
         down to its pace instead of losing lines."
    );
    Ok(())
}

fn measure(addsvc: &Path, sink: Sink, settings: &Settings, scratch: &Path) -> Result<Run> {
    let addr = free_loopback_addr()?;
    let mut command = Command::new(addsvc);
    command
        .args(["--addr", &addr.to_string()])
        .env_remove("ADDSVC_STRINGSVC_URL")
        .env_remove("ADDSVC_LOG_FORMAT")
        .stdin(Stdio::null());
    let log = scratch.join("addsvc-log-sink.log");
    match sink {
        Sink::File => {
            let file = File::create(&log)?;
            command.stdout(file.try_clone()?).stderr(file);
        }
        Sink::Null => {
            command.stdout(Stdio::null()).stderr(Stdio::null());
        }
        Sink::SlowPipe => {
            command.stdout(Stdio::piped()).stderr(Stdio::piped());
        }
    }
    let mut child = KillOnDrop(command.spawn().context("could not start addsvc")?);
    let piped = match sink {
        Sink::SlowPipe => Some(drain_slowly(&mut child.0)?),
        _ => None,
    };
    wait_until_accepting(addr, &mut child.0)?;
    let url = format!("http://{addr}/sum");
    let lines_so_far = || -> Result<Option<u64>> {
        Ok(match (sink, &piped) {
            (Sink::File, _) => Some(count_lines(&std::fs::read(&log)?)),
            (_, Some(piped)) => Some(piped.load(Ordering::SeqCst)),
            _ => None,
        })
    };
    let quiet = Quiet {
        settle: Duration::from_secs(1),
        poll: Duration::from_millis(100),
        at_most: Duration::from_secs(60),
    };
    let before = quiet.wait(lines_so_far)?;
    let wrk = wrk::run(&url, SUM_BODY, settings, scratch)?;
    // The lines of the last requests reach the sink after their replies.
    let after = quiet.wait(lines_so_far)?;
    let lines = after.zip(before).map(|(after, before)| after - before);
    Ok(Run { sink, wrk, lines })
}

/// Reads the child's stderr at SLOW_PIPE_BYTES_PER_SECOND, counting the lines read.
fn drain_slowly(child: &mut Child) -> Result<Arc<AtomicU64>> {
    let stdout = child.stdout.take().context("addsvc's stdout")?;
    let mut stderr = child.stderr.take().context("addsvc's stderr")?;
    // stdout carries nothing once the service logs structured lines; drained at full speed.
    thread::spawn(move || std::io::copy(&mut { stdout }, &mut std::io::sink()));
    let lines = Arc::new(AtomicU64::new(0));
    let counted = Arc::clone(&lines);
    thread::spawn(move || {
        let mut buffer = [0u8; 4096];
        let started = Instant::now();
        let mut read = 0usize;
        loop {
            match stderr.read(&mut buffer) {
                Ok(0) | Err(_) => return,
                Ok(count) => {
                    counted.fetch_add(count_lines(&buffer[..count]), Ordering::SeqCst);
                    read += count;
                    let due =
                        Duration::from_secs_f64(read as f64 / SLOW_PIPE_BYTES_PER_SECOND as f64);
                    if let Some(ahead) = due.checked_sub(started.elapsed()) {
                        thread::sleep(ahead);
                    }
                }
            }
        }
    });
    Ok(lines)
}

/// Waits until addsvc accepts connections on `addr`: with its logs in /dev/null, its
/// listening line cannot be read.
fn wait_until_accepting(addr: SocketAddr, child: &mut Child) -> Result<()> {
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        if TcpStream::connect(addr).is_ok() {
            return Ok(());
        }
        if let Some(status) = child.try_wait()? {
            bail!("addsvc stopped ({status}) before it listened on {addr}");
        }
        if Instant::now() > deadline {
            bail!("addsvc did not listen on {addr} within 30 s");
        }
        thread::sleep(Duration::from_millis(50));
    }
}
