//! Runs git in a given directory and turns failures into readable errors.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use anyhow::{Context, Result, bail};

/// Name and e-mail for commits made by the tool itself (series branches, verify's scratch
/// commits), so it works on machines where git has no identity configured.
const IDENTITY: [&str; 4] = [
    "-c",
    "user.name=workshop",
    "-c",
    "user.email=workshop@localhost",
];

pub struct Git {
    dir: PathBuf,
    /// An index of the tool's own instead of the repository's (GIT_INDEX_FILE).
    index: Option<PathBuf>,
}

impl Git {
    pub fn new(dir: impl Into<PathBuf>) -> Self {
        Git {
            dir: dir.into(),
            index: None,
        }
    }

    /// The same repository, staging into `index` instead of the attendee's index: trees and
    /// commits built there leave their staged files alone.
    pub fn with_index(&self, index: &ScratchIndex) -> Git {
        Git {
            dir: self.dir.clone(),
            index: Some(index.path.clone()),
        }
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    fn command(&self, args: &[&str]) -> Command {
        let mut command = Command::new("git");
        command.arg("-C").arg(&self.dir).args(IDENTITY).args(args);
        if let Some(index) = &self.index {
            command.env("GIT_INDEX_FILE", index);
        }
        command
    }

    fn output(&self, args: &[&str]) -> Result<Output> {
        self.command(args)
            .output()
            .with_context(|| format!("could not run git {}", args.join(" ")))
    }

    /// Runs git and returns its standard output; fails with git's own message.
    pub fn run(&self, args: &[&str]) -> Result<String> {
        let output = self.output(args)?;
        if !output.status.success() {
            bail!(
                "git {} failed in {}:\n{}",
                args.join(" "),
                self.dir.display(),
                String::from_utf8_lossy(&output.stderr).trim_end()
            );
        }
        String::from_utf8(output.stdout).context("git printed something that is not UTF-8")
    }

    /// Runs git and only reports whether it succeeded.
    pub fn succeeds(&self, args: &[&str]) -> Result<bool> {
        Ok(self.output(args)?.status.success())
    }

    /// `git apply` of one patch file onto the working tree.
    pub fn apply(&self, patch: &Path, reverse: bool) -> Result<()> {
        let patch = patch.to_string_lossy();
        let mut args = vec!["apply", "--whitespace=nowarn"];
        if reverse {
            args.push("-R");
        }
        args.push(&patch);
        self.run(&args).map(drop)
    }

    /// Commits everything in the working tree with an exact message (no comment stripping).
    pub fn commit_all(&self, message: &str) -> Result<String> {
        self.run(&["add", "--all"])?;
        self.run(&[
            "commit",
            "--quiet",
            "--allow-empty",
            "--no-verify",
            "--cleanup=verbatim",
            "-m",
            message,
        ])?;
        Ok(self.run(&["rev-parse", "HEAD"])?.trim().to_owned())
    }

    /// A commit of `tree` on `parent` with an exact message, made without touching HEAD,
    /// any index or the working tree.
    pub fn commit_tree(&self, tree: &str, parent: &str, message: &str) -> Result<String> {
        let commit = self.run(&["commit-tree", tree, "-p", parent, "-m", message])?;
        Ok(commit.trim().to_owned())
    }

    /// The diff a patch file carries, with every option that could change its bytes pinned,
    /// so regenerating the series is byte-identical on any machine.
    pub fn series_diff(&self, from: &str, to: &str) -> Result<String> {
        self.run(&[
            "-c",
            "core.quotepath=false",
            "-c",
            "diff.suppressBlankEmpty=false",
            "-c",
            "diff.noprefix=false",
            "-c",
            "diff.mnemonicPrefix=false",
            "diff",
            "--no-color",
            "--no-ext-diff",
            "--no-textconv",
            "--no-renames",
            "--full-index",
            "--diff-algorithm=myers",
            "--indent-heuristic",
            "--unified=3",
            "--src-prefix=a/",
            "--dst-prefix=b/",
            from,
            to,
            "--",
            ".",
            ":(exclude)patches",
            ":(exclude)solutions",
        ])
    }
}

/// An index file in the system's temp dir, removed when dropped.
pub struct ScratchIndex {
    path: PathBuf,
}

impl ScratchIndex {
    pub fn new(label: &str) -> ScratchIndex {
        let path =
            std::env::temp_dir().join(format!("workshop-index-{label}-{}", std::process::id()));
        let _ = std::fs::remove_file(&path);
        ScratchIndex { path }
    }
}

impl Drop for ScratchIndex {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.path);
    }
}
