//! `cargo workshop doctor`: is this laptop ready for the day? What every part needs (Rust
//! with rustfmt and clippy, git, the crates of the series in cargo's cache, the services'
//! ports, room on disk) and, per part of the day, the optional programs with the command that
//! installs each. Exits with failure when something every part needs is missing.

use std::net::TcpListener;
use std::path::Path;
use std::process::Command;

use anyhow::Result;

use crate::cargo::cargo;
use crate::procfs;
use crate::tools::{self, Tool};

/// The ports the services listen on in the steps' See it blocks: addsvc, then stringsvc and
/// the two more instances of steps 24 to 31, and etcd's from step 29.
const PORTS: [(u16, &str); 6] = [
    (8080, "addsvc"),
    (8081, "stringsvc"),
    (8082, "stringsvc's second instance, steps 24–31"),
    (8083, "stringsvc's third instance, steps 24–28"),
    (2379, "etcd's clients, steps 29–31"),
    (2380, "etcd's peers, steps 29–31"),
];
/// What the builds take, about: the day's steps 2 GiB, `cargo workshop verify` 4.5 GiB more
/// (measured: target/workshop/ after a whole verify, 4.2 GiB).
const DISK_NEEDED_GIB: u64 = 7;

/// The optional programs, by the part of the day that uses them.
const PARTS: [(&str, &[&Tool]); 8] = [
    ("the See it blocks of every step", &[&tools::CURL]),
    (
        "registration in a registry, etcd 3.4 or newer (steps 29 and on)",
        &[&tools::ETCD],
    ),
    (
        "the metrics demo against Prometheus (steps 07 and on)",
        &[&tools::PROMETHEUS, &tools::PROMTOOL],
    ),
    ("CI for your own copy (step 21)", &[&tools::ACTIONLINT]),
    (
        "containers and a cluster, checked (steps 22 and 23)",
        &[&tools::HADOLINT, &tools::KUBERNETES_VALIDATE],
    ),
    (
        "the guided run on a laptop cluster (exercises 22 and 23)",
        &[&tools::DOCKER, &tools::KIND, &tools::KUBECTL],
    ),
    (
        "the load demo, for the instructor (--central: haproxy)",
        &[&tools::WRK, &tools::HAPROXY],
    ),
    (
        "the slides, for the instructor",
        &[&tools::NODE, &tools::NPM, &tools::CHROMIUM, &tools::PDFINFO],
    ),
];

/// One finding: met or not, and what it says.
struct Finding {
    ok: bool,
    what: String,
}

pub fn run(root: &Path) -> Result<bool> {
    println!("What every part of the day needs:");
    let needed = [
        rust(root),
        components(root),
        git(),
        crates_cached(root),
        disk(root),
    ];
    let ports: Vec<Finding> = PORTS
        .iter()
        .map(|(port, who)| port_free(*port, who))
        .collect();
    let mut ready = true;
    for finding in needed.iter().chain(&ports) {
        ready &= finding.ok;
        println!(
            "  {}  {}",
            if finding.ok { "ok  " } else { "MISS" },
            finding.what
        );
    }
    println!("\nWhat some parts need (verify skips a row whose program is missing):");
    let mut missing = 0;
    for (part, needs) in PARTS {
        let absent = tools::missing(needs);
        missing += absent.len();
        let status = if absent.is_empty() { "ok  " } else { "miss" };
        let names: Vec<&str> = needs.iter().map(|tool| tool.program).collect();
        println!("  {status}  {part}: {}", names.join(", "));
        for tool in absent {
            println!("        no {}: {}", tool.program, tool.install_here());
        }
    }
    println!(
        "\n{}",
        match (ready, missing) {
            (true, 0) => "Ready for every part of the day.".to_owned(),
            (true, n) => format!(
                "Ready: `cargo run` and `cargo workshop verify` work here; {n} optional \
                 program(s) missing, for the parts named above."
            ),
            (false, _) => "Not ready: fix the MISS lines above, then run `cargo workshop doctor` \
                           again."
                .to_owned(),
        }
    );
    Ok(ready)
}

/// rustc at least the workspace's rust-version.
fn rust(root: &Path) -> Finding {
    let wanted = rust_version(root).unwrap_or_else(|| "1.89".to_owned());
    let output = program_output("rustc", &["--version"]);
    let found = output
        .as_deref()
        .and_then(|text| text.split_whitespace().nth(1));
    let ok = found.is_some_and(|version| at_least(version, &wanted));
    Finding {
        ok,
        what: match found {
            Some(version) if ok => {
                format!("rustc {version} (the workspace needs {wanted} or newer)")
            }
            Some(version) => format!(
                "rustc {version} is older than the workspace's {wanted}: rustup update stable"
            ),
            None => "rustc not found: install Rust from https://rustup.rs".to_owned(),
        },
    }
}

/// The workspace's `rust-version`, from the root Cargo.toml.
fn rust_version(root: &Path) -> Option<String> {
    let manifest = std::fs::read_to_string(root.join("Cargo.toml")).ok()?;
    let line = manifest
        .lines()
        .find(|line| line.trim_start().starts_with("rust-version"))?;
    Some(line.split('"').nth(1)?.to_owned())
}

/// Whether dotted version `found` is at least `wanted` (`1.91.1` ≥ `1.89`).
fn at_least(found: &str, wanted: &str) -> bool {
    let parts = |version: &str| -> Vec<u64> {
        version
            .split(['.', '-'])
            .map_while(|part| part.parse().ok())
            .collect()
    };
    parts(found) >= parts(wanted)
}

/// rustfmt and clippy, which every step's gate runs.
fn components(root: &Path) -> Finding {
    let works = |args: &[&str]| {
        cargo(root)
            .args(args)
            .output()
            .is_ok_and(|output| output.status.success())
    };
    let missing: Vec<&str> = [
        ("rustfmt", ["fmt", "--version"]),
        ("clippy", ["clippy", "--version"]),
    ]
    .iter()
    .filter(|(_, args)| !works(args))
    .map(|(name, _)| *name)
    .collect();
    Finding {
        ok: missing.is_empty(),
        what: if missing.is_empty() {
            "cargo fmt and cargo clippy".to_owned()
        } else {
            format!(
                "cargo fmt and cargo clippy: missing {}; rustup component add {}",
                missing.join(", "),
                missing.join(" ")
            )
        },
    }
}

/// git, and what `core.autocrlf` does to the patches.
fn git() -> Finding {
    let Some(version) = program_output("git", &["--version"]) else {
        return Finding {
            ok: false,
            what: "git not found: install it (https://git-scm.com)".to_owned(),
        };
    };
    let autocrlf = program_output("git", &["config", "--get", "core.autocrlf"])
        .map(|value| value.trim().to_owned())
        .filter(|value| !value.is_empty());
    Finding {
        ok: true,
        what: format!(
            "{}; core.autocrlf {} (either way .gitattributes checks text files out with LF, \
             so the patches apply)",
            version.trim(),
            autocrlf.map_or_else(|| "unset".to_owned(), |value| format!("= {value}"))
        ),
    }
}

/// Every crate of Cargo.lock in cargo's cache, so that every step builds offline.
fn crates_cached(root: &Path) -> Finding {
    let cached = cargo(root)
        .args(["fetch", "--locked", "--offline"])
        .output()
        .is_ok_and(|output| output.status.success());
    Finding {
        ok: cached,
        what: if cached {
            "every crate of the series is in cargo's cache: the day runs offline".to_owned()
        } else {
            "crates of the series are not downloaded yet: cargo workshop setup (online, once)"
                .to_owned()
        },
    }
}

/// Room left where the builds go.
fn disk(root: &Path) -> Finding {
    let free_kib = program_output("df", &["-Pk", &root.display().to_string()]).and_then(|text| {
        let line = text.lines().nth(1)?;
        line.split_whitespace().nth(3)?.parse::<u64>().ok()
    });
    match free_kib {
        Some(kib) => {
            let gib = kib / (1024 * 1024);
            Finding {
                ok: gib >= DISK_NEEDED_GIB,
                what: format!(
                    "{gib} GiB free on the disk of {} (the day's builds and a whole \
                     verify take about {DISK_NEEDED_GIB} GiB)",
                    root.display()
                ),
            }
        }
        None => Finding {
            ok: true,
            what: format!(
                "free disk unknown (no df here); the day's builds and a whole verify take \
                 about {DISK_NEEDED_GIB} GiB"
            ),
        },
    }
}

/// A port the See it blocks use, free or taken (and by what, where /proc tells).
fn port_free(port: u16, who: &str) -> Finding {
    let free = TcpListener::bind(("127.0.0.1", port)).is_ok();
    Finding {
        ok: free,
        what: if free {
            format!("port {port} free ({who})")
        } else {
            let by =
                procfs::listener_of(port).map_or_else(String::new, |name| format!(" by {name}"));
            format!("port {port} ({who}) is taken{by}: stop it before the day")
        },
    }
}

fn program_output(program: &str, args: &[&str]) -> Option<String> {
    let output = Command::new(program).args(args).output().ok()?;
    output
        .status
        .success()
        .then(|| String::from_utf8_lossy(&output.stdout).into_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions_compare_part_by_part() {
        assert!(at_least("1.91.1", "1.89"));
        assert!(at_least("1.89.0", "1.89"));
        assert!(!at_least("1.88.0", "1.89"));
        assert!(at_least("1.100.0", "1.89"));
        assert!(at_least("1.92.0-nightly", "1.89"));
    }

    #[test]
    fn a_port_held_here_is_taken_and_named() {
        let held = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = held.local_addr().unwrap().port();
        let finding = port_free(port, "a test");
        assert!(!finding.ok, "{}", finding.what);
        if Path::new("/proc/net/tcp").exists() {
            assert!(
                finding
                    .what
                    .contains(&format!("pid {}", std::process::id())),
                "{}",
                finding.what
            );
        }
        drop(held);
        assert!(port_free(port, "a test").ok);
    }
}
