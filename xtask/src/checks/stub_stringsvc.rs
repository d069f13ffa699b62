//! A stand-in for stringsvc that a check controls: it answers POST /uppercase like the real
//! one, after a delay of the check's choosing, and counts the calls it receives. What it
//! counts is what addsvc did, whatever addsvc's code looks like.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::thread;
use std::time::Duration;

use anyhow::Result;
use serde_json::{Value, json};

/// A running stub, stopped when dropped.
pub struct StubStringsvc {
    pub base_url: String,
    calls: Arc<AtomicUsize>,
    stopped: Arc<AtomicBool>,
}

impl StubStringsvc {
    /// A stub on a free loopback port that answers each call after `delay`.
    pub fn start(delay: Duration) -> Result<StubStringsvc> {
        let listener = TcpListener::bind("127.0.0.1:0")?;
        listener.set_nonblocking(true)?;
        let base_url = format!("http://{}", listener.local_addr()?);
        let calls = Arc::new(AtomicUsize::new(0));
        let stopped = Arc::new(AtomicBool::new(false));
        let (counted, stop) = (Arc::clone(&calls), Arc::clone(&stopped));
        thread::spawn(move || {
            while !stop.load(Ordering::Relaxed) {
                match listener.accept() {
                    Ok((stream, _)) => {
                        let counted = Arc::clone(&counted);
                        thread::spawn(move || answer(stream, delay, &counted));
                    }
                    Err(_) => thread::sleep(Duration::from_millis(5)),
                }
            }
        });
        Ok(StubStringsvc {
            base_url,
            calls,
            stopped,
        })
    }

    /// The calls received so far.
    pub fn calls(&self) -> usize {
        self.calls.load(Ordering::Relaxed)
    }
}

impl Drop for StubStringsvc {
    fn drop(&mut self) {
        self.stopped.store(true, Ordering::Relaxed);
    }
}

/// Reads one request, waits `delay`, answers its string uppercased and closes the connection
/// (one call per connection keeps the stub simple; a client opens another).
fn answer(stream: TcpStream, delay: Duration, calls: &AtomicUsize) {
    let _ = stream.set_nonblocking(false);
    let mut reader = BufReader::new(&stream);
    let mut length = 0;
    let mut line = String::new();
    while reader.read_line(&mut line).is_ok_and(|read| read > 0) && line.trim() != "" {
        if let Some((name, value)) = line.split_once(':')
            && name.eq_ignore_ascii_case("content-length")
        {
            length = value.trim().parse().unwrap_or(0);
        }
        line.clear();
    }
    let mut body = vec![0; length];
    if reader.read_exact(&mut body).is_err() {
        return;
    }
    calls.fetch_add(1, Ordering::Relaxed);
    thread::sleep(delay);
    let request: Value = serde_json::from_slice(&body).unwrap_or_default();
    let upper = request["s"].as_str().unwrap_or_default().to_uppercase();
    let reply = json!({ "v": upper }).to_string();
    let _ = write!(
        &stream,
        "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{reply}",
        reply.len()
    );
}
