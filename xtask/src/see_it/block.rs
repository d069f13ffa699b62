//! Reading the "See it" block of a patch message: what the attendee types, in which
//! terminal, and what they should see.
//!
//! ```text
//! See it (optional words, maybe on more lines):
//!   terminal 1 $ cargo run
//!   terminal 2 $ curl -s localhost:8080/sum -H 'content-type: application/json' -d '{"a":1,"b":2}'
//!   {"v":3}
//!   terminal 1 shows:
//!   ts=… level=INFO msg=called method=sum a=1 b=2 v=3
//! Now stop it and …            <- prose: the block ends here; the rest is done by hand
//! ```
//!
//! The block starts at the first `  terminal ` line after `See it` and ends at the first line
//! not indented by two spaces. Lines under a command are what that command prints; lines
//! under `terminal N shows:` are what terminal N printed meanwhile (a server's log). A
//! `cargo run` keeps running: it occupies its terminal, and what it prints is that
//! terminal's. Any other command runs to its end, and one with no lines under it must print
//! nothing at all (step 06's greps prove a dependency is absent that way). How a printed
//! line is compared with a shown one: see `matching`.

use anyhow::{Context, Result, bail};

pub struct Block {
    pub actions: Vec<Action>,
    /// The prose line right after the block ("Now stop stringsvc …"), when the block goes on
    /// by hand: nothing from there on is replayed.
    pub manual_tail: Option<String>,
}

pub struct Action {
    pub terminal: u32,
    pub kind: Kind,
    /// Lines to find, in order, in what the command prints or what the terminal shows.
    pub expected: Vec<String>,
}

pub enum Kind {
    /// `terminal N $ COMMAND`
    Run(String),
    /// `terminal N shows:`
    Shows,
}

impl Block {
    /// The commands typed, in order.
    pub fn commands(&self) -> impl Iterator<Item = &str> {
        self.actions.iter().filter_map(|action| match &action.kind {
            Kind::Run(command) => Some(command.as_str()),
            Kind::Shows => None,
        })
    }

    /// Whether a command of the block runs `program` (its first word).
    pub fn runs(&self, program: &str) -> bool {
        self.commands()
            .any(|command| command.split_whitespace().next() == Some(program))
    }

    /// How many expected lines the block holds.
    pub fn expected_lines(&self) -> usize {
        self.actions
            .iter()
            .map(|action| action.expected.len())
            .sum()
    }
}

/// The See it block of a patch message, or None if the message has no `See it` line.
pub fn parse(message: &str) -> Result<Option<Block>> {
    let mut lines = message
        .lines()
        .skip_while(|line| !line.starts_with("See it"));
    if lines.next().is_none() {
        return Ok(None);
    }
    let mut block = Block {
        actions: Vec::new(),
        manual_tail: None,
    };
    for line in lines.skip_while(|line| !line.starts_with("  terminal ")) {
        let Some(text) = line.strip_prefix("  ") else {
            if !line.trim().is_empty() {
                block.manual_tail = Some(line.to_owned());
            }
            break;
        };
        match text.strip_prefix("terminal ") {
            Some(rest) => block.actions.push(action(rest).with_context(|| {
                format!(
                    "cannot read `{line}`: expected `terminal N $ COMMAND` or `terminal N shows:`"
                )
            })?),
            // The block starts at a terminal line, so there is always an action to extend.
            None => {
                if let Some(action) = block.actions.last_mut() {
                    action.expected.push(text.to_owned());
                }
            }
        }
    }
    if block.actions.is_empty() {
        bail!("the See it block has no `  terminal N …` line");
    }
    Ok(Some(block))
}

/// `N $ COMMAND` or `N shows:`, the rest of a terminal line.
fn action(rest: &str) -> Option<Action> {
    let (number, rest) = rest.split_once(' ')?;
    let kind = match rest.strip_prefix("$ ") {
        Some(command) => Kind::Run(command.trim().to_owned()),
        None if rest.trim_end() == "shows:" => Kind::Shows,
        None => return None,
    };
    Some(Action {
        terminal: number.parse().ok()?,
        kind,
        expected: Vec::new(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The shape of step 16: prose before the block, three terminals, a manual tail.
    const STEP_16: &str = "Step 16: x

Why: indented lines before See it are not the block:
  git diff --cached -M --stat

See it (three terminals):
  terminal 1 $ cargo run --bin stringsvc
  terminal 2 $ cargo run
  terminal 3 $ curl -s localhost:8080/concat -d '{\"a\":\"foo\",\"b\":\"bar\"}'
  {\"v\":\"FOOBAR\"}
Now stop stringsvc (ctrl-c in terminal 1) and send the same request:
  {\"code\":\"dependency\",\"error\":\"…\"}
with status 500.
";

    #[test]
    fn commands_outputs_and_the_manual_tail() {
        let block = parse(STEP_16).unwrap().unwrap();
        let commands: Vec<&str> = block.commands().collect();
        assert_eq!(commands[..2], ["cargo run --bin stringsvc", "cargo run"]);
        assert_eq!(block.actions[2].terminal, 3);
        assert_eq!(block.actions[2].expected, ["{\"v\":\"FOOBAR\"}"]);
        assert!(block.actions[0].expected.is_empty());
        assert_eq!(block.expected_lines(), 1);
        assert!(block.runs("curl"));
        assert!(block.manual_tail.unwrap().starts_with("Now stop stringsvc"));
    }

    #[test]
    fn shows_collects_the_lines_under_it_and_a_blank_line_ends_the_block() {
        let message = "See it (two lines on the server's stderr for one request):
  terminal 1 $ cargo run
  ts=… level=INFO msg=listening addr=127.0.0.1:8080
  terminal 2 $ curl -s localhost:8080/sum
  {\"v\":3}
  terminal 1 shows:
  service=add method=concat a=\"1\" b=\"2\" v=\"12\"
  method=concat took=…

Exercise: exercises/03-mult.
";
        let block = parse(message).unwrap().unwrap();
        assert_eq!(block.actions.len(), 3);
        assert_eq!(block.actions[0].expected.len(), 1);
        assert!(matches!(block.actions[2].kind, Kind::Shows));
        assert_eq!(block.actions[2].expected.len(), 2);
        assert!(block.manual_tail.is_none());
    }

    #[test]
    fn a_command_expected_to_print_nothing_has_no_lines() {
        let message = "See it: prose first,
on two lines (both greps print nothing):
  terminal 1 $ grep -n 'use crate::' src/service.rs
  terminal 1 $ grep -rn 'crate::service' src/kit

Patch: 06-layout
";
        let block = parse(message).unwrap().unwrap();
        assert_eq!(block.actions.len(), 2);
        assert!(
            block
                .actions
                .iter()
                .all(|action| action.expected.is_empty())
        );
        assert!(!block.runs("curl"));
    }

    #[test]
    fn no_see_it_no_block_and_a_malformed_terminal_line_is_an_error() {
        assert!(parse("Step 01: x\n\nno block here\n").unwrap().is_none());
        assert!(parse("See it:\n  terminal one $ cargo run\n").is_err());
        assert!(parse("See it:\n  terminal 1 runs cargo\n").is_err());
        assert!(parse("See it: only prose.\n").is_err());
    }
}
