//! What verify asks of a rendered deck: the HTML, loaded in headless chromium, has one
//! section per slide, carries every image of the deck embedded, points at no image that is
//! neither embedded nor a file, and has no slide whose content runs off its bottom or a
//! code block wider than its slide; the PDF has one page per slide.

use std::path::Path;
use std::process::Command;

use anyhow::{Context, Result, ensure};

use super::render::{Rendered, pdf_pages};
use crate::tools::CHROMIUM;

/// Run in the page once it has loaded: marks `<body>` with the slides that overflow.
const MEASURE: &str = include_str!("measure.js");

impl Rendered {
    /// The HTML shows `slides` slides with every image resolved, and the PDF has as many pages.
    pub fn check(&self, slides: usize) -> Result<()> {
        let dom = dump_dom(&self.html, &self.html)?;
        let sections = dom.matches("<section").count();
        ensure!(
            sections == slides,
            "{} has {sections} <section> elements once loaded in chromium; the deck has {slides} slides",
            self.html.display()
        );
        let base = self.html.parent().unwrap_or(Path::new("."));
        let embedded = dom.matches("<img src=\"data:").count();
        ensure!(
            embedded == self.images,
            "{} shows {embedded} embedded images; the deck has {}",
            self.html.display(),
            self.images
        );
        let broken: Vec<String> = image_references(&dom)
            .into_iter()
            .filter(|reference| !resolves(reference, base))
            .collect();
        ensure!(
            broken.is_empty(),
            "{} refers to images that are neither embedded nor files: {}",
            self.html.display(),
            broken.join(", ")
        );
        let overflowing = self.overflowing()?;
        ensure!(
            overflowing.is_empty(),
            "slides that do not fit (number, and `wide` for a code block wider than the slide): {}",
            overflowing.join(", ")
        );
        let pages = pdf_pages(&self.pdf)?;
        ensure!(
            pages == slides,
            "{} has {pages} pages; the deck has {slides} slides",
            self.pdf.display()
        );
        Ok(())
    }

    /// The slides whose content does not fit, measured by chromium in a copy of the page.
    fn overflowing(&self) -> Result<Vec<String>> {
        let html = std::fs::read_to_string(&self.html)?;
        let measured = self.html.with_file_name("deck.measure.html");
        let script = format!("<script>{MEASURE}</script></body>");
        std::fs::write(&measured, html.replacen("</body>", &script, 1))?;
        let dom = dump_dom(&measured, &self.html);
        let _ = std::fs::remove_file(&measured);
        let dom = dom?;
        let marked = dom
            .split("data-overflowing=\"")
            .nth(1)
            .and_then(|rest| rest.split('"').next())
            .context("the measuring script did not run in chromium")?;
        Ok(marked.split_whitespace().map(str::to_owned).collect())
    }
}

/// The DOM of `html` after chromium has loaded it and run its scripts.
fn dump_dom(page: &Path, shown_as: &Path) -> Result<String> {
    let html = page.canonicalize()?;
    let output = Command::new(CHROMIUM.program)
        // The page is our own deck; chromium refuses to start as root without this.
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--hide-scrollbars",
        ])
        // Slides are laid out at the size they are shown; the page's scripts get time to run.
        .args([
            "--window-size=1280,720",
            "--virtual-time-budget=5000",
            "--dump-dom",
        ])
        .arg(format!("file://{}", html.display()))
        .output()
        .context("could not run chromium")?;
    ensure!(
        output.status.success(),
        "chromium could not load {}: {}",
        shown_as.display(),
        String::from_utf8_lossy(&output.stderr).trim()
    );
    Ok(String::from_utf8_lossy(&output.stdout).into_owned())
}

/// Every `src="…"` of an img and every `url(…)` in the page.
fn image_references(dom: &str) -> Vec<String> {
    let mut references = Vec::new();
    for piece in dom.split("<img").skip(1) {
        let tag = piece.split('>').next().unwrap_or_default();
        if let Some(src) = tag.split("src=\"").nth(1) {
            references.push(src.split('"').next().unwrap_or_default().to_owned());
        }
    }
    for piece in dom.split("url(").skip(1) {
        let inside = piece.split(')').next().unwrap_or_default();
        references.push(
            inside
                .trim_matches(|c| c == '"' || c == '\'' || c == ' ')
                .to_owned(),
        );
    }
    references
}

/// An embedded image, an in-page reference (`#id`), or a file next to the page.
fn resolves(reference: &str, base: &Path) -> bool {
    if reference.starts_with("data:") || reference.starts_with('#') {
        return true;
    }
    let path = reference.strip_prefix("file://").unwrap_or(reference);
    !path.contains("://") && (Path::new(path).is_file() || base.join(path).is_file())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_embedded_or_existing_images_resolve() {
        let dom = r#"<img src="data:image/svg+xml;base64,AA"><img src="https://x/y.png"><div style="background:url('missing.svg')">"#;
        let broken: Vec<String> = image_references(dom)
            .into_iter()
            .filter(|reference| !resolves(reference, Path::new("/nonexistent")))
            .collect();
        assert_eq!(broken, ["https://x/y.png", "missing.svg"]);
    }
}
