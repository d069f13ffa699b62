//! An actix-web app served on a thread of its own, so that a test (async or
//! not) and the tool can run the stand-ins they need beside their own work.

use std::io;
use std::net::{SocketAddr, TcpListener};
use std::sync::mpsc;
use std::thread::{self, JoinHandle};

use actix_web::dev::ServerHandle;
use actix_web::{App, HttpServer, web};

/// A running app; stopped, its port released, when dropped.
pub struct Background {
    addr: SocketAddr,
    handle: ServerHandle,
    thread: Option<JoinHandle<()>>,
}

impl Background {
    /// Serves the routes `configure` sets up on `addr` (port 0: a free one).
    pub fn start(
        addr: SocketAddr,
        configure: impl Fn(&mut web::ServiceConfig) + Clone + Send + 'static,
    ) -> io::Result<Background> {
        let listener = TcpListener::bind(addr)?;
        let addr = listener.local_addr()?;
        let (started, handle) = mpsc::channel();
        let thread = thread::spawn(move || {
            actix_web::rt::System::new().block_on(async move {
                let server = HttpServer::new(move || App::new().configure(configure.clone()))
                    .workers(1)
                    // A test's ctrl-c is the test runner's, not this app's.
                    .disable_signals()
                    .shutdown_timeout(0)
                    .listen(listener);
                match server {
                    Ok(server) => {
                        let server = server.run();
                        let _ = started.send(Ok(server.handle()));
                        let _ = server.await;
                    }
                    Err(error) => {
                        let _ = started.send(Err(error));
                    }
                }
            });
        });
        let handle = handle
            .recv()
            .map_err(|_| io::Error::other("the app's thread ended before it served"))??;
        Ok(Background {
            addr,
            handle,
            thread: Some(thread),
        })
    }

    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// Stops serving at once: open connections are closed, and the port is
    /// free again when this returns. Stopping twice does nothing.
    pub fn stop(&mut self) {
        if let Some(thread) = self.thread.take() {
            // The stop command is sent at once; its future only reports
            // completion, which joining the thread waits for.
            drop(self.handle.stop(false));
            let _ = thread.join();
        }
    }
}

impl Drop for Background {
    fn drop(&mut self) {
        self.stop();
    }
}
