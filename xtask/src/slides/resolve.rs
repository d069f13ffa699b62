//! A directive of the slide sources, resolved: the code or output it names, read at its
//! step from a replay of the series, as a fenced Markdown block.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use anyhow::{Context, Result, bail};

use super::directive::Directive;
use super::{items, patch_text};
use crate::activity::Activity;
use crate::series;
use crate::walk::Scratch;

/// The contents of every file a directive reads, at its step: the series replayed patch by
/// patch in a scratch worktree of `root`'s HEAD. A file absent at its step maps to None.
/// With `show`, a line on the terminal says which step is being applied.
pub fn files_at_steps(
    root: &Path,
    steps: &[series::Step],
    directives: &[(String, Directive)],
    show: bool,
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
    let activity = show.then(|| Activity::new("slides", Some(last as usize + 1)));
    for number in 0..=last {
        if let Some(activity) = &activity {
            activity.begin(&format!("reading the code of step {number:02}"));
        }
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
        if let Some(activity) = &activity {
            activity.done();
        }
    }
    if let Some(activity) = activity {
        activity.finish();
    }
    Ok(files)
}

/// A directive's Markdown: a fenced block of the code or output it names.
pub fn resolve(
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

#[cfg(test)]
mod tests {
    use super::*;

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
