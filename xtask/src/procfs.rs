//! What Linux's /proc says about a process and about TCP connections, read with the procfs
//! crate. Every reader answers `None` where there is no /proc (macOS, Windows): the load
//! demo then shows "n/a" for these columns, and the doctor says a port is taken without
//! saying by what.

/// TCP connections to `port` on this host, counted from the client side.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Connections {
    pub established: usize,
    /// Closed by the client and waiting out TIME_WAIT: many of these mean connections were
    /// opened per request instead of reused.
    pub time_wait: usize,
}

#[cfg(target_os = "linux")]
mod linux {
    use ::procfs::net::{TcpNetEntry, TcpState};
    use ::procfs::process::{FDTarget, Process};

    use super::Connections;

    /// Peak resident set size of process `pid` in bytes (`VmHWM`, the high-water mark).
    pub fn peak_rss_bytes(pid: u32) -> Option<u64> {
        let kilobytes = Process::new(pid as i32).ok()?.status().ok()?.vmhwm?;
        Some(kilobytes * 1024)
    }

    /// CPU time process `pid` has used so far, all threads, user plus system, in seconds.
    pub fn cpu_seconds(pid: u32) -> Option<f64> {
        let stat = Process::new(pid as i32).ok()?.stat().ok()?;
        Some((stat.utime + stat.stime) as f64 / ::procfs::ticks_per_second() as f64)
    }

    pub fn connections_to(port: u16) -> Option<Connections> {
        Some(count_connections_to(&::procfs::net::tcp().ok()?, port))
    }

    /// The process listening on `port`: the socket's inode in the TCP tables, then the
    /// process with a descriptor on that socket.
    pub fn listener_of(port: u16) -> Option<String> {
        let tables = [::procfs::net::tcp(), ::procfs::net::tcp6()];
        let inode = tables.into_iter().flatten().flatten().find_map(|entry| {
            (entry.state == TcpState::Listen && entry.local_address.port() == port)
                .then_some(entry.inode)
        })?;
        ::procfs::process::all_processes()
            .ok()?
            .flatten()
            .find_map(|process| {
                let holds = process
                    .fd()
                    .ok()?
                    .flatten()
                    .any(|fd| matches!(fd.target, FDTarget::Socket(socket) if socket == inode));
                let name = process.stat().ok()?.comm;
                holds.then(|| format!("{name} (pid {})", process.pid))
            })
    }

    /// Counts the entries whose remote end is `port`: one per client socket. (On loopback
    /// each connection also has a server-side entry, with `port` as the local end.)
    pub fn count_connections_to(entries: &[TcpNetEntry], port: u16) -> Connections {
        let mut connections = Connections::default();
        for entry in entries.iter().filter(|e| e.remote_address.port() == port) {
            match entry.state {
                TcpState::Established => connections.established += 1,
                TcpState::TimeWait => connections.time_wait += 1,
                _ => {}
            }
        }
        connections
    }
}

#[cfg(target_os = "linux")]
pub use linux::{connections_to, cpu_seconds, listener_of, peak_rss_bytes};

#[cfg(not(target_os = "linux"))]
mod elsewhere {
    use super::Connections;

    pub fn peak_rss_bytes(_pid: u32) -> Option<u64> {
        None
    }

    pub fn cpu_seconds(_pid: u32) -> Option<f64> {
        None
    }

    pub fn connections_to(_port: u16) -> Option<Connections> {
        None
    }

    pub fn listener_of(_port: u16) -> Option<String> {
        None
    }
}

#[cfg(not(target_os = "linux"))]
pub use elsewhere::{connections_to, cpu_seconds, listener_of, peak_rss_bytes};

#[cfg(all(test, target_os = "linux"))]
mod tests {
    use std::io::Cursor;
    use std::net::TcpListener;

    use ::procfs::FromBufReadSI;
    use ::procfs::net::TcpNetEntries;

    use super::*;

    #[test]
    fn counts_client_sockets_to_the_port_by_state() {
        // Port 8081 is 1F91: two established clients, one in TIME_WAIT, the server's own
        // sides (local 1F91) and the listener are not counted, nor another port.
        let net_tcp = "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode
   0: 0100007F:1F91 00000000:0000 0A 00000000:00000000 00:00000000 00000000  1000        0 1 1 0 100 0 0 10 0
   1: 0100007F:A001 0100007F:1F91 01 00000000:00000000 00:00000000 00000000  1000        0 2 1 0 20 4 30 10 -1
   2: 0100007F:1F91 0100007F:A001 01 00000000:00000000 00:00000000 00000000  1000        0 3 1 0 20 4 30 10 -1
   3: 0100007F:A002 0100007F:1F91 01 00000000:00000000 00:00000000 00000000  1000        0 4 1 0 20 4 30 10 -1
   4: 0100007F:A003 0100007F:1F91 06 00000000:00000000 03:00001770 00000000     0        0 0 3 0
   5: 0100007F:A004 0100007F:1F90 01 00000000:00000000 00:00000000 00000000  1000        0 5 1 0 20 4 30 10 -1
";
        let entries =
            TcpNetEntries::from_buf_read(Cursor::new(net_tcp), ::procfs::current_system_info())
                .unwrap()
                .0;
        assert_eq!(
            linux::count_connections_to(&entries, 8081),
            Connections {
                established: 2,
                time_wait: 1
            }
        );
    }

    #[test]
    fn this_process_is_named_as_the_listener_of_its_port_and_uses_cpu_and_memory() {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let holder = listener_of(port).expect("a listener is found");
        assert!(
            holder.ends_with(&format!("(pid {})", std::process::id())),
            "{holder}"
        );
        // A test process may not have used one clock tick yet: spin until it has.
        let started = std::time::Instant::now();
        while cpu_seconds(std::process::id()) == Some(0.0) && started.elapsed().as_secs() < 5 {
            std::hint::black_box((0..10_000u64).sum::<u64>());
        }
        assert!(cpu_seconds(std::process::id()).is_some_and(|seconds| seconds > 0.0));
        assert!(peak_rss_bytes(std::process::id()).is_some_and(|bytes| bytes > 1024 * 1024));
    }
}
