//! The etcd the tool's rolling restarts run against: a throwaway node from the harness on
//! free loopback ports, driven from the tool's blocking code, and the stringsvc keys in it.

use std::path::Path;
use std::thread;
use std::time::{Duration, Instant};

use anyhow::{Result, bail};
use harness::etcd::{self, Etcd};

use crate::service::Service;

/// Where stringsvc's instances register (stringsvc's own prefix).
const STRINGSVC_PREFIX: &str = "/services/stringsvc/";
/// How long new instances may take to register: a tenth of a second on a laptop.
const REGISTERING: Duration = Duration::from_secs(10);

pub struct Registry {
    runtime: tokio::runtime::Runtime,
    etcd: Etcd,
}

impl Registry {
    /// A node, ready; fails with the install command where etcd is missing. `what` names
    /// the command that needs it.
    pub fn start(what: &str) -> Result<Registry> {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()?;
        let Some(etcd) = runtime.block_on(Etcd::start_or_skip(what)) else {
            bail!("{what} needs etcd: {}", etcd::INSTALL);
        };
        Ok(Registry { runtime, etcd })
    }

    /// `http://127.0.0.1:PORT`, what stringsvc and addsvc are given.
    pub fn url(&self) -> String {
        self.etcd.url()
    }

    /// stringsvc from `binary` on a free port, registering here.
    pub fn stringsvc(&self, binary: &Path) -> Result<Service> {
        Service::start(binary, &["--etcd-url", &self.url()])
    }

    /// `count` stringsvcs from `binary`, once all of them are registered here.
    pub fn stringsvcs(&self, binary: &Path, count: usize) -> Result<Vec<Service>> {
        let stringsvcs = (0..count)
            .map(|_| self.stringsvc(binary))
            .collect::<Result<Vec<_>>>()?;
        wait_until("the stringsvcs register", REGISTERING, || {
            Ok(self.stringsvc_keys() == count)
        })?;
        Ok(stringsvcs)
    }

    /// How many stringsvc instances are registered now.
    pub fn stringsvc_keys(&self) -> usize {
        self.runtime
            .block_on(self.etcd.under(STRINGSVC_PREFIX))
            .len()
    }
}

/// Waits until `done` holds, checking every 20 ms, for `patience` at most.
pub fn wait_until(what: &str, patience: Duration, done: impl Fn() -> Result<bool>) -> Result<()> {
    let deadline = Instant::now() + patience;
    while !done()? {
        if Instant::now() > deadline {
            bail!("{what}: not within {patience:?}");
        }
        thread::sleep(Duration::from_millis(20));
    }
    Ok(())
}
