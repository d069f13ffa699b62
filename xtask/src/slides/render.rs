//! Rendering the deck with Marp (pinned in slides/package.json, installed by `npm ci` in
//! slides/, which `cargo workshop setup` runs): one self-contained HTML file with Marp's
//! presenter view, and a PDF with the speaker notes and an outline, printed by chromium.
//! The diagrams are embedded as data: URIs, and the theme loads nothing remote, so both
//! render and show with no network, from file://.
//! What verify asks of the result is in `check`.

use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{Context, Result, bail, ensure};

use crate::tools::{CHROMIUM, NODE, PDFINFO};

const OUT: &str = "slides/out";
const THEME: &str = "slides/theme/workshop.css";
pub const MARP: &str = "slides/node_modules/@marp-team/marp-cli/marp-cli.js";

pub struct Rendered {
    pub html: PathBuf,
    pub pdf: PathBuf,
    /// Images the Markdown shows, each of which the HTML must carry.
    pub(super) images: usize,
}

/// Renders `deck` (a Marp source under `root`) into `root/slides/out/`, using the Marp of
/// `root/slides/node_modules`.
pub fn render(root: &Path, deck: &Path) -> Result<Rendered> {
    render_with(root, root, deck)
}

/// Renders `deck` into `out_root/slides/out/` with the Marp and theme of `tools_root`.
pub fn render_with(tools_root: &Path, out_root: &Path, deck: &Path) -> Result<Rendered> {
    let root = tools_root;
    let marp = root.join(MARP);
    ensure!(
        marp.is_file(),
        "Marp is not installed: run `npm ci` in slides/ (`cargo workshop setup` does it)"
    );
    let chromium = CHROMIUM
        .path()
        .with_context(|| format!("no `{}` on PATH", CHROMIUM.program))?;
    let out = out_root.join(OUT);
    std::fs::create_dir_all(&out)?;
    let base = deck.parent().unwrap_or(root);
    let rendered = Rendered {
        html: out.join("deck.html"),
        pdf: out.join("deck.pdf"),
        images: read_text(deck)?.matches("](img/").count(),
    };
    // The PDF is printed from the Markdown's own directory, where img/ is.
    let formats: [(&Path, &[&str]); 2] = [
        (&rendered.html, &[]),
        (
            &rendered.pdf,
            &[
                "--pdf",
                "--pdf-notes",
                "--pdf-outlines",
                "--allow-local-files",
            ],
        ),
    ];
    for (target, flags) in formats {
        let output = Command::new(NODE.program)
            .arg(&marp)
            .arg(deck)
            .arg("--theme")
            .arg(out_root.join(THEME))
            .args(flags)
            .arg("--output")
            .arg(target)
            .env("CHROME_PATH", &chromium)
            .output()
            .context("could not run node")?;
        let said = String::from_utf8_lossy(&output.stderr);
        print!("{said}");
        if !output.status.success() || !target.is_file() {
            bail!("marp could not write {}", target.display());
        }
    }
    let html = read_text(&rendered.html)?;
    std::fs::write(&rendered.html, embed_images(&html, base)?)?;
    Ok(rendered)
}

impl Rendered {
    pub fn summary(&self) -> String {
        let size = |path: &Path| std::fs::metadata(path).map(|meta| meta.len()).unwrap_or(0);
        format!(
            "{} ({} KiB, {} images embedded), {} ({} KiB, {} pages)",
            self.html.display(),
            size(&self.html) / 1024,
            self.images,
            self.pdf.display(),
            size(&self.pdf) / 1024,
            pdf_pages(&self.pdf).unwrap_or(0)
        )
    }
}

fn read_text(path: &Path) -> Result<String> {
    std::fs::read_to_string(path).with_context(|| format!("could not read {}", path.display()))
}

/// `html` with every `src="img/…"` replaced by a data: URI of the file, so that the page
/// carries its diagrams. (Markdown refuses SVG data: URIs in an image, so this happens
/// after Marp.)
fn embed_images(html: &str, base: &Path) -> Result<String> {
    const ATTRIBUTE: &str = "src=\"img/";
    let mut text = String::with_capacity(html.len());
    let mut rest = html;
    while let Some(at) = rest.find(ATTRIBUTE) {
        let (before, after) = rest.split_at(at + "src=\"".len());
        text.push_str(before);
        let end = after.find('"').context("an img src is not closed")?;
        let path = &after[..end];
        let bytes = std::fs::read(base.join(path))
            .with_context(|| format!("the deck shows {path}, which does not exist"))?;
        let mime = if path.ends_with(".svg") {
            "image/svg+xml"
        } else {
            "image/png"
        };
        text.push_str(&format!("data:{mime};base64,{}", base64(&bytes)));
        rest = &after[end..];
    }
    text.push_str(rest);
    Ok(text)
}

fn base64(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut text = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let word = (u32::from(chunk[0]) << 16)
            | (u32::from(*chunk.get(1).unwrap_or(&0)) << 8)
            | u32::from(*chunk.get(2).unwrap_or(&0));
        for index in 0..4 {
            if index <= chunk.len() {
                text.push(ALPHABET[(word >> (18 - 6 * index) & 63) as usize] as char);
            } else {
                text.push('=');
            }
        }
    }
    text
}

/// The page count pdfinfo reads in `pdf`.
pub(super) fn pdf_pages(pdf: &Path) -> Result<usize> {
    let output = Command::new(PDFINFO.program)
        .arg(pdf)
        .output()
        .context("could not run pdfinfo")?;
    String::from_utf8_lossy(&output.stdout)
        .lines()
        .find_map(|line| line.strip_prefix("Pages:"))
        .and_then(|pages| pages.trim().parse().ok())
        .with_context(|| format!("pdfinfo says no page count for {}", pdf.display()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64_pads_like_the_standard() {
        assert_eq!(base64(b"Man"), "TWFu");
        assert_eq!(base64(b"Ma"), "TWE=");
        assert_eq!(base64(b"M"), "TQ==");
    }
}
