//! The "See it" block of each patch message, replayed: every command typed in the tree of
//! its step, every line shown compared with what the commands and services really print.
//! verify does it for every step (`see it at step NN`); `cargo workshop see-it NN` does it
//! for one, in your tree at that step.
//!
//! `block` reads a block, `matching` says whether a printed line is the one shown, and
//! `replay` starts and stops what the block runs.

mod block;
mod matching;
mod replay;

use std::path::Path;

use anyhow::{Context, Result, bail};

use crate::proof::Proof;
use crate::series;
use crate::tools::{self, CURL, ETCD, Tool};
pub use block::{Block, parse as parse_block};

/// The See it block of step `name` (`08-structured-logging`) in `root`, if its message has one.
pub fn block_of_step(root: &Path, name: &str) -> Result<Option<Block>> {
    let patch = root.join("patches").join(format!("{name}.patch"));
    let text = series::read(&patch)?;
    block::parse(series::header(&text)).with_context(|| format!("in the message of {name}"))
}

/// The programs the block runs that cargo cannot provide.
pub fn tools_needed(block: &Block) -> Vec<&'static Tool> {
    [&CURL, &ETCD]
        .into_iter()
        .filter(|tool| block.runs(tool.program))
        .collect()
}

/// Replays `block` in `dir` for a table row: whether every line was seen, and a one-line
/// account (the first mismatch when there is one; its whole output is printed above).
pub fn verdict(dir: &Path, block: &Block) -> Proof {
    match replay::replay(dir, block) {
        Ok(lines) => {
            let commands = block.commands().count();
            let mut detail = format!("commands run: {commands}, expected lines seen: {lines}");
            if let Some(tail) = &block.manual_tail {
                detail.push_str(&format!("; then by hand: \"{}\"", shorten(tail, 50)));
            }
            Proof::Held(detail)
        }
        Err(error) => {
            let text = format!("{error:#}");
            println!("{text}");
            let one_line: Vec<&str> = text.lines().map(str::trim).collect();
            Proof::Failed(shorten(&one_line.join(" "), 400))
        }
    }
}

/// `cargo workshop see-it NN`: replays step NN's block in the tree at `root`.
pub fn run(root: &Path, step: u32) -> Result<bool> {
    let steps = series::steps(root)?;
    let Some(step) = steps.iter().find(|found| found.number == step) else {
        bail!(
            "there is no step {step:02}; the series has steps 01 to {:02}",
            steps.len()
        );
    };
    let block = block_of_step(root, &step.name)?
        .with_context(|| format!("the message of {} has no See it block", step.name))?;
    let needs = tools_needed(&block);
    let missing = tools::missing(&needs);
    if !missing.is_empty() {
        bail!("{}", tools::describe_missing(&missing));
    }
    println!(
        "Replaying the See it block of {} in {}",
        step.name,
        root.display()
    );
    let proof = verdict(root, &block);
    println!(
        "see it at step {:02}: {} ({})",
        step.number,
        if proof.held() { "ok" } else { "FAILED" },
        proof.detail()
    );
    Ok(proof.held())
}

/// `text` cut to at most `chars` characters, with `…` where it was cut.
fn shorten(text: &str, chars: usize) -> String {
    match text.char_indices().nth(chars) {
        Some((at, _)) => format!("{}…", &text[..at]),
        None => text.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_see_it_block_of_the_series_reads() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap();
        for step in series::steps(root).unwrap() {
            if let Err(error) = block_of_step(root, &step.name) {
                panic!("{error:#}");
            }
        }
    }
}
