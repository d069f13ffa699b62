//! Replaying a See it block in a tree, the way an attendee would type it: a `cargo run`
//! occupies its terminal with a server, every other command runs to its end, and what each
//! printed is compared with what the block shows.
//!
//! A server is the built binary started directly, not through cargo: it starts at once,
//! and stopping it stops the service itself. It listens on its default port, as in the
//! block, so every port the block names must be free first. A daemon the block starts
//! (etcd) occupies its terminal too, and is ready once its port accepts connections.
//! Everything started is stopped when the replay ends, however it ends.

use std::collections::{BTreeMap, BTreeSet};
use std::io::{BufRead, BufReader, Read};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::{Duration, Instant};

use anyhow::{Context, Result, anyhow, bail};

use super::block::{Action, Block, Kind};
use super::matching::in_order;
use crate::cargo::build_bins;
use crate::child::KillOnDrop;
use harness::{loopback_addr_in, without_service_env};

/// The binary `cargo run` starts when no `--bin` or `-p` is given.
const DEFAULT_BINARY: &str = "addsvc";
/// Where each service listens unless told otherwise.
const DEFAULT_PORTS: [(&str, u16); 2] = [("addsvc", 8080), ("stringsvc", 8081)];
/// Programs other than the services that keep running in their terminal, with the ports
/// they take by default: the first one answers once they are ready.
const DAEMONS: [(&str, &[u16]); 1] = [("etcd", &[2379, 2380])];
const SERVER_START: Duration = Duration::from_secs(30);
/// Logs may trail the answer: slog writes them on a background thread.
const LOG_WAIT: Duration = Duration::from_secs(5);
const COMMAND_TIMEOUT: Duration = Duration::from_secs(300);

/// Replays `block` in `dir`; Ok: the number of expected lines seen. An error's first line
/// says what went wrong; the lines after it, what the terminal printed.
pub fn replay(dir: &Path, block: &Block) -> Result<usize> {
    for port in ports(block) {
        TcpListener::bind(("127.0.0.1", port)).map_err(|_| {
            anyhow!("port {port} is in use: stop what listens on it, then run again")
        })?;
    }
    let binaries: BTreeMap<String, PathBuf> = build_bins(dir, &[])?.into_iter().collect();
    let mut terminals: BTreeMap<u32, Terminal> = BTreeMap::new();
    for action in &block.actions {
        let terminal = terminals.entry(action.terminal).or_default();
        match &action.kind {
            Kind::Run(command) => {
                if let Some(server) = &terminal.server {
                    bail!(
                        "terminal {} is busy: `{}` still runs there",
                        action.terminal,
                        server.command
                    );
                }
                if let Some(ports) = daemon_ports(command) {
                    let daemon = Server::start_daemon(dir, command, ports, &terminal.lines)?;
                    terminal.server = Some(daemon);
                    terminal.expect(action, LOG_WAIT)?;
                    continue;
                }
                match server_invocation(command)? {
                    Some(invocation) => {
                        let name = &invocation.binary;
                        let binary = binaries
                            .get(name)
                            .with_context(|| format!("this step builds no binary `{name}`"))?;
                        let server =
                            Server::start(dir, binary, &invocation, command, &terminal.lines)?;
                        terminal.server = Some(server);
                        terminal.expect(action, LOG_WAIT)?;
                    }
                    None => terminal.finished(action, run_to_end(dir, command)?)?,
                }
            }
            Kind::Shows => terminal.expect(action, LOG_WAIT)?,
        }
    }
    Ok(block.expected_lines())
}

/// Every port the block names (`localhost:8080`, `127.0.0.1:8081`) or starts a server on.
fn ports(block: &Block) -> BTreeSet<u16> {
    let expected = block.actions.iter().flat_map(|action| &action.expected);
    let texts = block.commands().chain(expected.map(String::as_str));
    let mut ports = BTreeSet::new();
    for text in texts {
        for host in ["localhost:", "127.0.0.1:"] {
            for (at, _) in text.match_indices(host) {
                let digits: String = text[at + host.len()..]
                    .chars()
                    .take_while(char::is_ascii_digit)
                    .collect();
                ports.extend(digits.parse::<u16>().ok().filter(|port| *port != 0));
            }
        }
        ports.extend(daemon_ports(text).into_iter().flatten());
        if let Ok(Some(invocation)) = server_invocation(text) {
            let name = invocation.binary;
            let default = DEFAULT_PORTS.iter().find(|(service, _)| *service == name);
            ports.extend(default.map(|(_, port)| *port));
        }
    }
    ports
}

/// The ports of the daemon `command` starts, if it starts one.
fn daemon_ports(command: &str) -> Option<&'static [u16]> {
    let program = command.split_whitespace().next()?;
    DAEMONS
        .iter()
        .find(|(daemon, _)| *daemon == program)
        .map(|(_, ports)| *ports)
}

/// `[NAME=VALUE…] cargo run [--bin NAME | -p NAME] [-- ARGS…]`, the service a block starts.
#[derive(Debug, PartialEq)]
struct Invocation {
    binary: String,
    args: Vec<String>,
    /// The environment the command sets before `cargo`, as a shell would.
    env: Vec<(String, String)>,
}

/// The service `command` starts; None for any other command. A package here has one
/// binary, named after it.
fn server_invocation(command: &str) -> Result<Option<Invocation>> {
    let mut words = command.split_whitespace().peekable();
    let mut env = Vec::new();
    while let Some((name, value)) = words.peek().and_then(|word| assignment(word)) {
        env.push((name.to_owned(), value.to_owned()));
        words.next();
    }
    if (words.next(), words.next()) != (Some("cargo"), Some("run")) {
        return Ok(None);
    }
    let mut binary = DEFAULT_BINARY.to_owned();
    while let Some(word) = words.next() {
        match word {
            "--bin" | "-p" | "--package" => {
                binary = (words.next())
                    .with_context(|| format!("`{word}` without a name"))?
                    .to_owned()
            }
            "--" => {
                let args = words.map(str::to_owned).collect();
                return Ok(Some(Invocation { binary, args, env }));
            }
            other => bail!("cannot replay `{command}`: unknown option `{other}`"),
        }
    }
    Ok(Some(Invocation {
        binary,
        args: Vec::new(),
        env,
    }))
}

/// `NAME=VALUE` as the shell reads an assignment before a command: NAME is letters,
/// digits and underscores, not starting with a digit.
fn assignment(word: &str) -> Option<(&str, &str)> {
    let (name, value) = word.split_once('=')?;
    let valid = name
        .chars()
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
    valid.then_some((name, value))
}

/// One terminal of the block: what it printed, and the server that occupies it, if any.
#[derive(Default)]
struct Terminal {
    /// Every line printed in this terminal, by its server or by its finished commands.
    lines: Arc<Mutex<Vec<String>>>,
    /// How many of `lines` earlier expectations used up.
    seen: usize,
    server: Option<Server>,
}

impl Terminal {
    /// Finds the action's expected lines, in order, among the lines printed since the last
    /// match, waiting up to `wait` for them to appear.
    fn expect(&mut self, action: &Action, wait: Duration) -> Result<()> {
        let deadline = Instant::now() + wait;
        loop {
            let printed = self.lines.lock().expect("lines")[self.seen..].to_vec();
            match in_order(&action.expected, &printed) {
                Ok(used) => {
                    self.seen += used;
                    return Ok(());
                }
                Err(index) if Instant::now() >= deadline => {
                    bail!(
                        "{}",
                        mismatch(action, Some(&action.expected[index]), &printed)
                    )
                }
                Err(_) => thread::sleep(Duration::from_millis(50)),
            }
        }
    }

    /// Compares what a finished command printed with the action's expected lines, then
    /// shows it in this terminal. A command expected to print nothing must print nothing.
    fn finished(&mut self, action: &Action, printed: Vec<String>) -> Result<()> {
        let silent = printed.iter().all(|line| line.trim().is_empty());
        if action.expected.is_empty() && !silent {
            bail!("{}", mismatch(action, None, &printed));
        }
        if let Err(index) = in_order(&action.expected, &printed) {
            bail!(
                "{}",
                mismatch(action, Some(&action.expected[index]), &printed)
            );
        }
        let mut lines = self.lines.lock().expect("lines");
        lines.extend(printed);
        self.seen = lines.len();
        Ok(())
    }
}

/// "after `terminal 2 $ curl …`: expected `{"v":3}`; it printed:" and the printed lines.
fn mismatch(action: &Action, expected: Option<&str>, printed: &[String]) -> String {
    let after = match &action.kind {
        Kind::Run(command) => format!("terminal {} $ {command}", action.terminal),
        Kind::Shows => format!("terminal {} shows:", action.terminal),
    };
    let expected = match expected {
        Some(line) => format!("`{line}`"),
        None => "no output".to_owned(),
    };
    let mut text = format!("after `{after}`: expected {expected}; it printed:");
    if printed.is_empty() {
        text.push_str(" nothing");
    }
    for line in printed {
        text.push_str(&format!("\n    | {line}"));
    }
    text
}

/// A service started as the block's `cargo run` would, or a daemon it started; stopped when
/// dropped.
struct Server {
    child: KillOnDrop,
    command: String,
}

impl Server {
    /// Starts `binary` with the invocation's arguments and environment in `dir`, its stdout
    /// and stderr appended to `lines`, and waits until it says where it listens.
    fn start(
        dir: &Path,
        binary: &Path,
        invocation: &Invocation,
        command: &str,
        lines: &Arc<Mutex<Vec<String>>>,
    ) -> Result<Server> {
        let mut process = Command::new(binary);
        // Only the block configures the service, not the caller's shell.
        without_service_env(&mut process);
        process
            .args(&invocation.args)
            .envs(invocation.env.iter().map(|(name, value)| (name, value)))
            .current_dir(dir);
        let mut server = Server::launch(process, command, lines)?;
        let listening = || {
            let printed = lines.lock().expect("lines");
            printed.iter().any(|line| loopback_addr_in(line).is_some())
        };
        server.wait_until(listening, "said it was listening", lines)?;
        Ok(server)
    }

    /// Starts the daemon `command` through the shell (its words may hold `$(mktemp -d)`),
    /// its output appended to `lines`; waits until its first port accepts connections.
    fn start_daemon(
        dir: &Path,
        command: &str,
        ports: &[u16],
        lines: &Arc<Mutex<Vec<String>>>,
    ) -> Result<Server> {
        let mut shell = Command::new("sh");
        // `exec`: the daemon replaces the shell, so stopping the child stops the daemon.
        shell
            .args(["-c", &format!("exec {command}")])
            .current_dir(dir);
        let mut daemon = Server::launch(shell, command, lines)?;
        let accepting = || TcpStream::connect(("127.0.0.1", ports[0])).is_ok();
        let what = format!("accepted connections on port {}", ports[0]);
        daemon.wait_until(accepting, &what, lines)?;
        Ok(daemon)
    }

    /// Spawns `process`, its stdout and stderr appended to `lines` line by line.
    fn launch(process: Command, command: &str, lines: &Arc<Mutex<Vec<String>>>) -> Result<Server> {
        let (child, output) = spawn_with_output(process)?;
        let sink = Arc::clone(lines);
        thread::spawn(move || {
            for line in BufReader::new(output).lines().map_while(Result::ok) {
                sink.lock().expect("lines").push(line);
            }
        });
        Ok(Server {
            child: KillOnDrop(child),
            command: command.to_owned(),
        })
    }

    /// Waits until `ready` holds; fails, with what it printed, if it exits first or takes
    /// longer than SERVER_START.
    fn wait_until(
        &mut self,
        ready: impl Fn() -> bool,
        what: &str,
        lines: &Arc<Mutex<Vec<String>>>,
    ) -> Result<()> {
        let deadline = Instant::now() + SERVER_START;
        while !ready() {
            let exited = self.child.0.try_wait()?.is_some();
            if exited || Instant::now() >= deadline {
                let printed = lines.lock().expect("lines").join("\n    | ");
                bail!(
                    "`{}` never {what}; it printed:\n    | {printed}",
                    self.command
                );
            }
            thread::sleep(Duration::from_millis(50));
        }
        Ok(())
    }
}

/// Runs `command` with `sh -c` in `dir` to its end; returns the lines it printed on stdout
/// and stderr, as a terminal shows them.
fn run_to_end(dir: &Path, command: &str) -> Result<Vec<String>> {
    let mut shell = Command::new("sh");
    shell.args(["-c", command]).current_dir(dir);
    without_service_env(&mut shell);
    // Its own process group, so that a timeout stops cargo and what it started, too.
    #[cfg(unix)]
    std::os::unix::process::CommandExt::process_group(&mut shell, 0);
    let (mut child, mut output) = spawn_with_output(shell)?;
    let reading = thread::spawn(move || {
        let mut bytes = Vec::new();
        let _ = output.read_to_end(&mut bytes);
        String::from_utf8_lossy(&bytes)
            .lines()
            .map(str::to_owned)
            .collect()
    });
    let deadline = Instant::now() + COMMAND_TIMEOUT;
    while child.try_wait()?.is_none() {
        if Instant::now() >= deadline {
            #[cfg(unix)]
            let _ = Command::new("kill")
                .args(["-KILL", "--", &format!("-{}", child.id())])
                .status();
            let _ = child.kill();
            let _ = child.wait();
            bail!("`{command}` did not finish within {COMMAND_TIMEOUT:?}");
        }
        thread::sleep(Duration::from_millis(50));
    }
    reading
        .join()
        .map_err(|_| anyhow!("could not read what `{command}` printed"))
}

/// Spawns `command` with stdout and stderr into one pipe, interleaved as in a terminal.
fn spawn_with_output(mut command: Command) -> Result<(Child, std::io::PipeReader)> {
    let (reader, writer) = std::io::pipe()?;
    let child = command
        .stdin(Stdio::null())
        .stdout(writer.try_clone()?)
        .stderr(writer)
        .spawn()
        .with_context(|| format!("could not start {:?}", command.get_program()))?;
    // `command` still holds the pipe's writing ends; dropping it lets the reader see the end.
    drop(command);
    Ok((child, reader))
}

#[cfg(test)]
mod tests {
    use super::super::block::parse;
    use super::*;

    #[test]
    fn cargo_run_starts_the_built_binary_with_the_arguments_after_the_dashes() {
        let server = |command| {
            server_invocation(command)
                .unwrap()
                .map(|invocation| (invocation.binary, invocation.args))
        };
        assert_eq!(server("cargo run"), Some(("addsvc".to_owned(), vec![])));
        assert_eq!(
            server("cargo run --bin stringsvc"),
            Some(("stringsvc".to_owned(), vec![]))
        );
        assert_eq!(
            server("cargo run -p stringsvc -- --addr 127.0.0.1:8082"),
            Some((
                "stringsvc".to_owned(),
                vec!["--addr".into(), "127.0.0.1:8082".into()]
            ))
        );
        assert_eq!(
            server("cargo run -- --log-format json"),
            Some((
                "addsvc".to_owned(),
                vec!["--log-format".into(), "json".into()]
            ))
        );
        assert_eq!(server("cargo test --test api contract_consumer"), None);
        assert!(server_invocation("cargo run --release").is_err());
    }

    #[test]
    fn assignments_before_cargo_run_set_the_services_environment() {
        let invocation = server_invocation("ADDSVC_LOG_FORMAT=json RUST_LOG= cargo run -p addsvc")
            .unwrap()
            .unwrap();
        assert_eq!(invocation.binary, "addsvc");
        assert_eq!(
            invocation.env,
            [
                ("ADDSVC_LOG_FORMAT".to_owned(), "json".to_owned()),
                ("RUST_LOG".to_owned(), String::new())
            ]
        );
        assert_eq!(server_invocation("A=1 cargo test").unwrap(), None);
        assert_eq!(assignment("1A=x"), None);
        assert_eq!(assignment("--addr=x"), None);
    }

    #[test]
    fn the_ports_a_block_names_or_starts_a_server_on() {
        let block = parse(
            "See it:
  terminal 1 $ cargo run -p stringsvc
  terminal 2 $ curl -s localhost:8080/sum
  ts=… msg=dependency stringsvc=http://127.0.0.1:9090
",
        )
        .unwrap()
        .unwrap();
        assert_eq!(ports(&block), BTreeSet::from([8080, 8081, 9090]));
    }
}
