//! From step 21 each tree has a CI workflow: actionlint must report nothing on it at every
//! step, and its run: steps must pass when replayed in order where the workflow is new and
//! at the last step (a replay builds in release: twice is enough).

use std::path::Path;

use super::Verify;
use crate::tools::ACTIONLINT;
use crate::workflow;

/// The step that adds .github/workflows/ci.yml.
const FIRST_CI_STEP: u32 = 21;

impl Verify {
    pub(super) fn workflow_rows(&mut self, dir: &Path, number: u32) {
        if !workflow::has_workflow(dir) {
            return;
        }
        println!("\n== actionlint at step {number:02}");
        self.row_with_tools(
            format!("actionlint at step {number:02}"),
            &[&ACTIONLINT],
            || match workflow::actionlint(dir) {
                Ok((true, _)) => (true, "reports nothing".to_owned()),
                Ok((false, printed)) => {
                    println!("{printed}");
                    let first = printed.lines().next().unwrap_or("failed").to_owned();
                    (false, first)
                }
                Err(error) => (false, format!("{error:#}")),
            },
        );
        if number == FIRST_CI_STEP || number == self.last_step {
            println!("\n== workflow replays at step {number:02}");
            self.table
                .row(
                    format!("workflow replays at step {number:02}"),
                    || match workflow::replay_in(dir) {
                        Ok(replay) => (replay.passed(), replay.summary()),
                        Err(error) => (false, format!("{error:#}")),
                    },
                );
        }
    }
}
