//! `cargo workshop slides`: the talk as one Marp deck. The sources (`slides/src/*.md`, one
//! file per part, in order) carry include directives (see `directive`) that name code of a
//! step; the command replays the series in a scratch worktree, reads each named item at its
//! step, and writes the deck (`slides/deck.md`) and the presenter's demo script
//! (`slides/demo-script.md`, every step's See it block). Both are committed; verify fails
//! when a directive no longer resolves or when either file is not what the command writes.
//! `--render` then makes `slides/out/deck.html` and `deck.pdf` with Marp (see `render`).

mod check;
mod demo_script;
mod directive;
mod items;
mod marp;
mod patch_text;
pub mod render;
mod resolve;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};

use crate::series;
use marp::{count_slides, mark_generated, slides_without_timed_notes};
use resolve::{files_at_steps, resolve};

pub const DECK: &str = "slides/deck.md";
pub const DEMO_SCRIPT: &str = "slides/demo-script.md";
const SOURCES: &str = "slides/src";

/// What the command writes, and what verify compares with the committed files.
pub struct Built {
    /// (path relative to the repository, contents)
    pub files: Vec<(PathBuf, String)>,
    /// (source file name, slides it makes), in deck order.
    pub parts: Vec<(String, usize)>,
}

impl Built {
    pub fn slide_count(&self) -> usize {
        self.parts.iter().map(|(_, slides)| slides).sum()
    }

    /// The generated files that differ from those in `root`.
    pub fn stale_files(&self, root: &Path) -> Vec<String> {
        self.files
            .iter()
            .filter(|(path, text)| series::read(&root.join(path)).ok().as_deref() != Some(text))
            .map(|(path, _)| path.display().to_string())
            .collect()
    }
}

/// `cargo workshop slides [--render]`.
pub fn run(root: &Path, render: bool) -> Result<()> {
    let built = build(root, true)?;
    for (path, text) in &built.files {
        std::fs::write(root.join(path), text)
            .with_context(|| format!("could not write {}", path.display()))?;
        println!("wrote {} ({} bytes)", path.display(), text.len());
    }
    for (part, slides) in &built.parts {
        println!("  {part}: {slides} slides");
    }
    println!("{} slides in all", built.slide_count());
    if render {
        let rendered = render::render(root, &root.join(DECK))?;
        rendered.check(built.slide_count())?;
        println!("{}", rendered.summary());
    }
    Ok(())
}

/// Resolves every directive of the sources in `root` against the series of `root`'s HEAD
/// and returns the deck and demo script; fails naming every directive that does not resolve.
/// With `show`, a line on the terminal says how far the replay is.
pub fn build(root: &Path, show: bool) -> Result<Built> {
    let sources = read_sources(root)?;
    let steps = series::steps(root)?;
    let mut problems = Vec::new();
    let mut directives = Vec::new();
    for source in &sources {
        for (number, line) in source.text.lines().enumerate() {
            if let Some(parsed) = directive::parse(line) {
                let place = format!("{}:{}: `{line}`", source.path, number + 1);
                match parsed {
                    Ok(directive) if directive.step() as usize > steps.len() => {
                        problems.push(format!("{place}: there is no step {:02}", directive.step()))
                    }
                    Ok(directive) => directives.push((line.to_owned(), directive)),
                    Err(error) => problems.push(format!("{place}: {error:#}")),
                }
            }
        }
    }
    let files = files_at_steps(root, &steps, &directives, show)?;
    let mut resolved: BTreeMap<String, String> = BTreeMap::new();
    for (line, directive) in &directives {
        match resolve(root, &steps, &files, directive) {
            Ok(markdown) => {
                resolved.insert(line.clone(), markdown);
            }
            Err(error) => {
                let place = sources
                    .iter()
                    .find_map(|source| {
                        let at = source.text.lines().position(|text| text == line)?;
                        Some(format!("{}:{}", source.path, at + 1))
                    })
                    .unwrap_or_default();
                problems.push(format!("{place}: `{line}`: {error:#}"));
            }
        }
    }
    let mut parts = Vec::new();
    let mut deck = Vec::new();
    for source in &sources {
        let text: Vec<String> = source
            .text
            .lines()
            .map(|line| {
                resolved
                    .get(line)
                    .cloned()
                    .unwrap_or_else(|| line.to_owned())
            })
            .collect();
        let text = text.join("\n");
        for title in slides_without_timed_notes(&text) {
            problems.push(format!(
                "{}: the slide \"{title}\" has no speaker notes saying its minutes (<!-- N min. … -->)",
                source.path
            ));
        }
        parts.push((source.path.clone(), count_slides(&text)));
        deck.push(text.trim().to_owned());
    }
    if !problems.is_empty() {
        bail!(
            "{} problem(s) in the slides:\n  {}",
            problems.len(),
            problems.join("\n  ")
        );
    }
    let deck = mark_generated(&deck.join("\n\n---\n\n"));
    let demo = demo_script::render(&steps)?;
    Ok(Built {
        files: vec![(DECK.into(), deck), (DEMO_SCRIPT.into(), demo)],
        parts,
    })
}

struct Source {
    /// Relative to the repository, for messages.
    path: String,
    text: String,
}

fn read_sources(root: &Path) -> Result<Vec<Source>> {
    let dir = root.join(SOURCES);
    let mut paths: Vec<PathBuf> = std::fs::read_dir(&dir)
        .with_context(|| format!("could not read {}", dir.display()))?
        .filter_map(|entry| entry.ok().map(|entry| entry.path()))
        .filter(|path| path.extension().is_some_and(|ext| ext == "md"))
        .collect();
    paths.sort();
    paths
        .iter()
        .map(|path| {
            Ok(Source {
                path: format!(
                    "{SOURCES}/{}",
                    path.file_name().unwrap_or_default().to_string_lossy()
                ),
                text: series::read(path)?,
            })
        })
        .collect()
}
