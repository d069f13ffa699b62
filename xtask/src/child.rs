//! A child process the tool started, stopped when dropped: however a command ends (done,
//! failed, or an error on the way), it leaves nothing running.

use std::process::{Child, Command};
use std::thread;
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};

/// Kills and reaps a child process when dropped.
pub struct KillOnDrop(pub Child);

impl Drop for KillOnDrop {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

impl KillOnDrop {
    /// Stops the process as ctrl-c would (SIGTERM), so it can shut down cleanly and flush
    /// what it buffers, and waits up to `patience` for it to exit.
    pub fn terminate(&mut self, patience: Duration) -> Result<()> {
        let pid = self.0.id().to_string();
        let status = Command::new("kill")
            .args(["-TERM", &pid])
            .status()
            .context("could not run kill")?;
        if !status.success() {
            bail!("kill -TERM {pid} failed");
        }
        let deadline = Instant::now() + patience;
        while self.0.try_wait()?.is_none() {
            if Instant::now() > deadline {
                bail!("the process did not stop within {patience:?} of SIGTERM");
            }
            thread::sleep(Duration::from_millis(20));
        }
        Ok(())
    }
}
