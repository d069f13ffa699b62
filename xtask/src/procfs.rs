//! What Linux's /proc says about a process and about TCP connections. Every reader answers
//! `None` where there is no /proc (macOS, Windows): the load demo then shows "n/a" for
//! these columns, and the doctor says a port is taken without saying by what.

use std::process::Command;
use std::sync::OnceLock;

/// Peak resident set size of process `pid` in bytes (`VmHWM`, the high-water mark).
pub fn peak_rss_bytes(pid: u32) -> Option<u64> {
    parse_vm_hwm(&std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?)
}

/// CPU time process `pid` has used so far, all threads, user plus system, in seconds.
pub fn cpu_seconds(pid: u32) -> Option<f64> {
    let ticks = parse_cpu_ticks(&std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?)?;
    Some(ticks as f64 / clock_ticks_per_second())
}

/// TCP connections to `port` on this host, counted from the client side.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Connections {
    pub established: usize,
    /// Closed by the client and waiting out TIME_WAIT: many of these mean connections were
    /// opened per request instead of reused.
    pub time_wait: usize,
}

pub fn connections_to(port: u16) -> Option<Connections> {
    Some(parse_connections_to(
        &std::fs::read_to_string("/proc/net/tcp").ok()?,
        port,
    ))
}

/// The process listening on `port`, as Linux's /proc says: the socket's inode in
/// /proc/net/tcp, then the process with a descriptor on that socket. None elsewhere.
pub fn listener_of(port: u16) -> Option<String> {
    let inode = ["/proc/net/tcp", "/proc/net/tcp6"]
        .iter()
        .find_map(|table| {
            let text = std::fs::read_to_string(table).ok()?;
            text.lines().skip(1).find_map(|line| {
                let fields: Vec<&str> = line.split_whitespace().collect();
                let local_port = fields.get(1)?.rsplit(':').next()?;
                let listening = fields.get(3) == Some(&"0A");
                (listening && u16::from_str_radix(local_port, 16).ok() == Some(port))
                    .then(|| fields.get(9).map(|inode| (*inode).to_owned()))
                    .flatten()
            })
        })?;
    let socket = format!("socket:[{inode}]");
    std::fs::read_dir("/proc")
        .ok()?
        .flatten()
        .find_map(|process| {
            let pid = process.file_name().to_str()?.parse::<u32>().ok()?;
            let holds = std::fs::read_dir(process.path().join("fd"))
                .ok()?
                .flatten()
                .any(|fd| {
                    std::fs::read_link(fd.path())
                        .is_ok_and(|link| link.as_os_str() == socket.as_str())
                });
            let name = std::fs::read_to_string(process.path().join("comm")).ok()?;
            holds.then(|| format!("{} (pid {pid})", name.trim()))
        })
}

/// Reads `VmHWM:   12345 kB` from the text of /proc/PID/status.
fn parse_vm_hwm(status: &str) -> Option<u64> {
    let line = status.lines().find(|line| line.starts_with("VmHWM:"))?;
    let mut fields = line["VmHWM:".len()..].split_whitespace();
    let kilobytes: u64 = fields.next()?.parse().ok()?;
    (fields.next() == Some("kB")).then_some(kilobytes * 1024)
}

/// utime + stime, in clock ticks, from the text of /proc/PID/stat. The command name in
/// parentheses may hold spaces and parentheses itself, so fields are counted from its end.
fn parse_cpu_ticks(stat: &str) -> Option<u64> {
    let after_name = &stat[stat.rfind(')')? + 1..];
    // Fields 14 (utime) and 15 (stime) of proc(5); field 3 (state) is the first after the name.
    let mut fields = after_name.split_whitespace().skip(14 - 3);
    let utime: u64 = fields.next()?.parse().ok()?;
    let stime: u64 = fields.next()?.parse().ok()?;
    Some(utime + stime)
}

/// Counts the lines of /proc/net/tcp whose remote end is `port`: one per client socket.
/// (On loopback each connection also has a server-side line, with `port` as the local end.)
fn parse_connections_to(net_tcp: &str, port: u16) -> Connections {
    const ESTABLISHED: &str = "01";
    const TIME_WAIT: &str = "06";
    let mut connections = Connections::default();
    for line in net_tcp.lines().skip(1) {
        let fields: Vec<&str> = line.split_whitespace().collect();
        let (Some(remote), Some(state)) = (fields.get(2), fields.get(3)) else {
            continue;
        };
        let remote_port = remote
            .rsplit_once(':')
            .and_then(|(_, hex)| u16::from_str_radix(hex, 16).ok());
        if remote_port != Some(port) {
            continue;
        }
        match *state {
            ESTABLISHED => connections.established += 1,
            TIME_WAIT => connections.time_wait += 1,
            _ => {}
        }
    }
    connections
}

/// The unit of /proc/PID/stat's times. 100 on every common Linux; asked anyway.
fn clock_ticks_per_second() -> f64 {
    static TICKS: OnceLock<f64> = OnceLock::new();
    *TICKS.get_or_init(|| {
        Command::new("getconf")
            .arg("CLK_TCK")
            .output()
            .ok()
            .and_then(|output| String::from_utf8(output.stdout).ok())
            .and_then(|text| text.trim().parse().ok())
            .unwrap_or(100.0)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_high_water_mark_in_bytes() {
        let status =
            "Name:\taddsvc\nVmPeak:\t  812345 kB\nVmHWM:\t   10240 kB\nVmRSS:\t    9000 kB\n";
        assert_eq!(parse_vm_hwm(status), Some(10240 * 1024));
        assert_eq!(parse_vm_hwm("Name:\taddsvc\n"), None);
    }

    #[test]
    fn adds_user_and_system_ticks_whatever_the_command_name() {
        let stat = "4242 (tokio (rt) 1) S 1 4242 4242 0 -1 4194560 1523 0 0 0 \
                    250 75 0 0 20 0 3 0 123456 812345678 2500 18446744073709551615";
        assert_eq!(parse_cpu_ticks(stat), Some(325));
        assert_eq!(parse_cpu_ticks("4242 (addsvc) S 1"), None);
    }

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
        assert_eq!(
            parse_connections_to(net_tcp, 8081),
            Connections {
                established: 2,
                time_wait: 1
            }
        );
    }
}
