//! Builds the attendee's services and the bare baseline in release, in one cargo run: a debug
//! build would measure missing optimisations, not the cost of the workshop's layers.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result};

use crate::cargo::build_bins;

pub struct Binaries {
    pub addsvc: PathBuf,
    /// None before step 15, which adds stringsvc.
    pub stringsvc: Option<PathBuf>,
    pub bare: PathBuf,
}

pub fn build_release(root: &Path) -> Result<Binaries> {
    let mut args = vec![
        "--release",
        "--package",
        "addsvc",
        "--package",
        "bare-addsvc",
    ];
    // stringsvc is a package of its own from step 15 on.
    if root.join("stringsvc").join("Cargo.toml").is_file() {
        args.extend(["--package", "stringsvc"]);
    }
    let built = build_bins(root, &args)?;
    let find = |name: &str| {
        built
            .iter()
            .find(|(built_name, _)| built_name == name)
            .map(|(_, path)| path.clone())
    };
    Ok(Binaries {
        addsvc: find("addsvc").context("cargo build produced no addsvc binary")?,
        stringsvc: find("stringsvc"),
        bare: find("bare-addsvc").context("cargo build produced no bare-addsvc binary")?,
    })
}
