//! A TCP proxy on a free loopback port that passes everything on, and holds what the server
//! answers for a fixed delay first: a registry whose news takes time to reach its watchers,
//! as on a busy cluster, instead of the milliseconds of a laptop.

use std::io::{Read, Write};
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream};
use std::sync::mpsc;
use std::thread;
use std::time::{Duration, Instant};

use anyhow::Result;

pub struct DelayProxy {
    addr: SocketAddr,
}

impl DelayProxy {
    /// Proxies to `server`, delaying each piece of its answers by `delay`; runs until the
    /// check's process ends.
    pub fn start(server: SocketAddr, delay: Duration) -> Result<DelayProxy> {
        let listener = TcpListener::bind("127.0.0.1:0")?;
        let addr = listener.local_addr()?;
        thread::spawn(move || {
            for client in listener.incoming().map_while(Result::ok) {
                if let Ok(upstream) = TcpStream::connect(server) {
                    connect(client, upstream, delay);
                }
            }
        });
        Ok(DelayProxy { addr })
    }

    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }
}

/// Pumps `client` to `upstream` at once, and `upstream` to `client` `delay` late.
fn connect(client: TcpStream, upstream: TcpStream, delay: Duration) {
    let (Ok(client_reader), Ok(upstream_writer)) = (client.try_clone(), upstream.try_clone())
    else {
        return;
    };
    thread::spawn(move || pump(client_reader, upstream_writer));
    let (held, release) = mpsc::channel::<(Instant, Vec<u8>)>();
    let mut upstream_reader = upstream;
    thread::spawn(move || {
        let mut buffer = [0; 16 * 1024];
        while let Ok(read @ 1..) = upstream_reader.read(&mut buffer) {
            if held
                .send((Instant::now(), buffer[..read].to_vec()))
                .is_err()
            {
                return;
            }
        }
    });
    let mut client_writer = client;
    thread::spawn(move || {
        // In order, each piece `delay` after it arrived.
        for (arrived, bytes) in release {
            thread::sleep((arrived + delay).saturating_duration_since(Instant::now()));
            if client_writer.write_all(&bytes).is_err() {
                return;
            }
        }
        let _ = client_writer.shutdown(Shutdown::Write);
    });
}

fn pump(mut from: TcpStream, mut to: TcpStream) {
    let _ = std::io::copy(&mut from, &mut to);
    let _ = to.shutdown(Shutdown::Write);
}
