//! A child process the tool started, stopped when dropped: however a command ends (done,
//! failed, or an error on the way), it leaves nothing running.

use std::process::Child;

/// Kills and reaps a child process when dropped.
pub struct KillOnDrop(pub Child);

impl Drop for KillOnDrop {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}
