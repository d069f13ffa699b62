//! verify's rows for the talk: every include directive of the slides resolves against the
//! series, the committed deck and demo script are what `cargo workshop slides` writes, and,
//! where node and chromium are installed, the deck renders to HTML and PDF with one
//! section and one page per slide and every image embedded.

use std::path::Path;

use super::Verify;
use crate::proof::Proof;
use crate::slides;
use crate::tools::{CHROMIUM, NODE, PDFINFO};

impl Verify {
    /// `dir` holds the committed tree (its HEAD is the base of the series); `root` is the
    /// repository verify was started in, whose slides/node_modules has Marp.
    pub(super) fn slides_rows(&mut self, root: &Path, dir: &Path) {
        println!("\n== slides");
        let mut slide_count = None;
        self.table
            .row("slides: every include resolves, deck current", || {
                let built = match slides::build(dir, false) {
                    Ok(built) => built,
                    Err(error) => return Proof::Failed(format!("{error:#}")),
                };
                let stale = built.stale_files(dir);
                if !stale.is_empty() {
                    return Proof::Failed(format!(
                        "stale: {} not what `cargo workshop slides` writes; run it and commit",
                        stale.join(", ")
                    ));
                }
                slide_count = Some(built.slide_count());
                Proof::Held(format!("{} slides", built.slide_count()))
            });
        // A deck that does not build has nothing to render.
        let Some(slide_count) = slide_count else {
            return;
        };
        self.row_with_tools(
            "slides render: HTML and PDF, one slide each".to_owned(),
            &[&NODE, &CHROMIUM, &PDFINFO],
            || {
                // Rendered into the scratch tree, from its committed deck, with root's Marp.
                let rendered = slides::render::render_with(root, dir, &dir.join(slides::DECK))
                    .and_then(|rendered| rendered.check(slide_count).map(|()| rendered));
                match rendered {
                    Ok(rendered) => Proof::Held(rendered.summary()),
                    Err(error) => Proof::Failed(format!("{error:#}")),
                }
            },
        );
    }
}
