//! Starts the compiled `addsvc` binary for one test; the harness crate does
//! the rest (a free port, an HTTP client, the process killed when dropped).

pub use harness::Server;

/// addsvc on a free local port.
pub async fn addsvc() -> Server {
    Server::start(env!("CARGO_BIN_EXE_addsvc"), &[], &[]).await
}
