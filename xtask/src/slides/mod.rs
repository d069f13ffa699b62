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
mod patch_text;
pub mod render;

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};

use crate::series;
use crate::walk::Scratch;
use directive::Directive;

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
    let built = build(root)?;
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
pub fn build(root: &Path) -> Result<Built> {
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
    let files = files_at_steps(root, &steps, &directives)?;
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

/// The contents of every file a directive reads, at its step: the series replayed patch by
/// patch in a scratch worktree of `root`'s HEAD. A file absent at its step maps to None.
fn files_at_steps(
    root: &Path,
    steps: &[series::Step],
    directives: &[(String, Directive)],
) -> Result<BTreeMap<(u32, String), Option<String>>> {
    let mut wanted: BTreeMap<u32, BTreeSet<String>> = BTreeMap::new();
    for (_, directive) in directives {
        if let Some(file) = directive.file_at_step() {
            wanted
                .entry(directive.step())
                .or_default()
                .insert(file.to_owned());
        }
    }
    let mut files = BTreeMap::new();
    let Some(last) = wanted.keys().last().copied() else {
        return Ok(files);
    };
    let scratch = Scratch::new(root, "slides")?;
    for number in 0..=last {
        if number > 0 {
            let step = &steps[number as usize - 1];
            scratch
                .git
                .apply(&step.path, false)
                .with_context(|| format!("{} does not apply", step.name))?;
        }
        for file in wanted.get(&number).into_iter().flatten() {
            let text = std::fs::read_to_string(scratch.dir().join(file)).ok();
            files.insert((number, file.clone()), text);
        }
    }
    Ok(files)
}

/// A directive's Markdown: a fenced block of the code or output it names.
fn resolve(
    root: &Path,
    steps: &[series::Step],
    files: &BTreeMap<(u32, String), Option<String>>,
    directive: &Directive,
) -> Result<String> {
    let patch_of = |step: u32| -> Result<String> {
        let step = &steps[step as usize - 1];
        series::read(&step.path)
    };
    match directive {
        Directive::Item {
            step,
            file,
            kind,
            name,
        } => {
            let Some(Some(source)) = files.get(&(*step, file.clone())) else {
                bail!("{file} does not exist at step {step:02}");
            };
            let code = items::extract(source, *kind, name)
                .with_context(|| format!("in {file} at step {step:02}"))?;
            Ok(format!("```rust\n// {file}, step {step:02}\n{code}\n```"))
        }
        Directive::Hunk {
            step,
            file,
            containing,
            added_only,
        } => {
            if *step == 0 {
                bail!("step 00 has no patch");
            }
            let patch = patch_of(*step)?;
            let code = patch_text::hunk(&patch, file, containing.as_deref(), *added_only)
                .with_context(|| format!("in patches/{}.patch", steps[*step as usize - 1].name))?;
            Ok(if *added_only {
                format!("```rust\n// {file}, added by step {step:02}\n{code}\n```")
            } else {
                format!("```diff\n@@ {file}, step {step:02} @@\n{code}\n```")
            })
        }
        Directive::ReadmeTable { heading } => {
            readme_table(&series::read(&root.join("README.md"))?, heading)
        }
        Directive::SeeIt { step } => {
            if *step == 0 {
                bail!("step 00 has no message");
            }
            let patch = patch_of(*step)?;
            let lines = patch_text::see_it_lines(series::header(&patch))?;
            Ok(format!("```console\n{}\n```", lines.join("\n")))
        }
    }
}

/// The first Markdown table after the heading `## {heading}` of `readme`.
fn readme_table(readme: &str, heading: &str) -> Result<String> {
    let title = format!("## {heading}");
    let Some(start) = readme.lines().position(|line| line.trim_end() == title) else {
        bail!("README.md has no heading `{title}`");
    };
    let table: Vec<&str> = readme
        .lines()
        .skip(start + 1)
        .take_while(|line| !line.starts_with("## "))
        .skip_while(|line| !line.starts_with('|'))
        .take_while(|line| line.starts_with('|'))
        .collect();
    if table.is_empty() {
        bail!("README.md has no table under `{title}`");
    }
    Ok(table.join("\n"))
}

/// The titles of the slides in `markdown` that have no speaker note (an HTML comment that
/// is not a Marp directive such as `_class: lead`) starting with their minutes.
fn slides_without_timed_notes(markdown: &str) -> Vec<String> {
    split_slides(markdown)
        .iter()
        .filter(|slide| {
            !slide.split("<!--").skip(1).any(|comment| {
                let note = comment.split("-->").next().unwrap_or_default().trim();
                let first = note.split_whitespace().next().unwrap_or_default();
                let second = note.split_whitespace().nth(1).unwrap_or_default();
                first.chars().all(|c| c.is_ascii_digit() || c == '.')
                    && !first.is_empty()
                    && second.starts_with("min")
            })
        })
        .map(|slide| {
            slide
                .lines()
                .find(|line| line.starts_with('#'))
                .unwrap_or("(untitled)")
                .trim_start_matches('#')
                .trim()
                .to_owned()
        })
        .collect()
}

/// The slides of a Marp source, front matter left out: a `---` line after a blank line,
/// outside code fences, starts the next one.
fn split_slides(markdown: &str) -> Vec<String> {
    let mut lines = markdown.lines().peekable();
    if lines.peek() == Some(&"---") {
        lines.next();
        for line in lines.by_ref() {
            if line == "---" {
                break;
            }
        }
    }
    let mut slides = vec![String::new()];
    let (mut fenced, mut previous_blank) = (false, true);
    for line in lines {
        if line.starts_with("```") {
            fenced = !fenced;
        }
        if !fenced && line == "---" && previous_blank {
            slides.push(String::new());
        } else if let Some(slide) = slides.last_mut() {
            slide.push_str(line);
            slide.push('\n');
        }
        previous_blank = line.trim().is_empty();
    }
    slides.retain(|slide| !slide.trim().is_empty());
    slides
}

/// Slides in a Marp source: a `---` line after a blank line, outside code fences and the
/// front matter, starts the next one.
pub fn count_slides(markdown: &str) -> usize {
    split_slides(markdown).len()
}

/// The deck says in its front matter where it comes from (a YAML comment: not a slide, not
/// a note).
fn mark_generated(deck: &str) -> String {
    let notice =
        "# Generated by `cargo workshop slides` from slides/src/: edit those, then rerun it.";
    match deck.strip_prefix("---\n") {
        Some(rest) => format!("---\n{notice}\n{rest}\n"),
        None => format!("{deck}\n"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slides_are_counted_outside_fences_and_front_matter() {
        let deck = "---\nmarp: true\n---\n\n# One\n\n---\n\n# Two\n\n```\n---\n```\n\nText\n---\n";
        // The last `---` follows text: Markdown reads it as a heading underline.
        assert_eq!(count_slides(deck), 2);
        assert_eq!(count_slides(""), 0);
    }

    #[test]
    fn every_slide_needs_a_note_that_starts_with_its_minutes() {
        let deck = "<!-- _class: lead -->\n\n# Timed\n\n<!--\n2 min. Say it.\n-->\n\n---\n\n# Untimed\n\n<!-- Say it. -->\n\n---\n\n<!-- _class: lead -->\n\n# Bare\n";
        assert_eq!(slides_without_timed_notes(deck), ["Untimed", "Bare"]);
    }

    #[test]
    fn a_readme_table_is_found_under_its_heading() {
        let readme =
            "# x\n\n## The day\n\nSome words.\n\n| a | b |\n|---|---|\n| 1 | 2 |\n\nAfter.\n";
        assert_eq!(
            readme_table(readme, "The day").unwrap(),
            "| a | b |\n|---|---|\n| 1 | 2 |"
        );
        assert!(readme_table(readme, "Steps").is_err());
    }
}
