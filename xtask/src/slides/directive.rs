//! The include directives of the slide sources: one line of its own, `@include` or
//! `@see-it`, with `key=value` arguments (values with spaces in double quotes).
//!
//! ```text
//! @include step=06 file=src/kit/http.rs fn=post             an item by kind and name
//! @include step=05 file=src/main.rs impl="AddService for LoggingMiddleware"
//! @include step=05 patch=src/main.rs hunk="pub struct LoggingMiddleware"
//!                                      the hunk of step 05's patch to that file holding
//!                                      that text; view=added shows its added lines as Rust
//! @see-it step=07                      the step's See it block, as the message says it
//! @readme-table "The day"              the first table under that heading of README.md
//! ```
//!
//! Items are named, never numbered by line: a slide keeps showing the same code while the
//! code around it moves, and fails verify the day the item goes away.

use std::collections::BTreeMap;

use anyhow::{Context, Result, bail};

use super::items::Kind;

pub enum Directive {
    Item {
        step: u32,
        file: String,
        kind: Kind,
        name: String,
    },
    Hunk {
        step: u32,
        file: String,
        containing: Option<String>,
        added_only: bool,
    },
    SeeIt {
        step: u32,
    },
    ReadmeTable {
        heading: String,
    },
}

impl Directive {
    /// The step whose tree or patch it reads; a README table reads none.
    pub fn step(&self) -> u32 {
        match self {
            Directive::Item { step, .. }
            | Directive::Hunk { step, .. }
            | Directive::SeeIt { step } => *step,
            Directive::ReadmeTable { .. } => 0,
        }
    }

    /// The file this directive reads from the tree at its step, if any.
    pub fn file_at_step(&self) -> Option<&str> {
        match self {
            Directive::Item { file, .. } => Some(file),
            _ => None,
        }
    }
}

/// The directive on `line`, None when the line is ordinary Markdown.
pub fn parse(line: &str) -> Option<Result<Directive>> {
    let line = line.trim_end();
    if let Some(rest) = line.strip_prefix("@readme-table ") {
        let heading = rest.trim().trim_matches('"').to_owned();
        return Some(Ok(Directive::ReadmeTable { heading }));
    }
    let (verb, rest) = if let Some(rest) = line.strip_prefix("@include ") {
        ("include", rest)
    } else if let Some(rest) = line.strip_prefix("@see-it ") {
        ("see-it", rest)
    } else {
        return None;
    };
    Some(arguments(rest).and_then(|args| build(verb, args)))
}

fn build(verb: &str, mut args: BTreeMap<String, String>) -> Result<Directive> {
    let step = args
        .remove("step")
        .context("it names no step=NN")?
        .parse()
        .context("step= is not a number")?;
    let directive = if verb == "see-it" {
        Directive::SeeIt { step }
    } else if let Some(file) = args.remove("patch") {
        let added_only = match args.remove("view").as_deref() {
            None | Some("diff") => false,
            Some("added") => true,
            Some(other) => bail!("view={other}: expected view=diff or view=added"),
        };
        Directive::Hunk {
            step,
            file,
            containing: args.remove("hunk"),
            added_only,
        }
    } else {
        let file = args
            .remove("file")
            .context("it names no file= nor patch=")?;
        let (kind, name) = Kind::ALL
            .iter()
            .find_map(|(word, kind)| args.remove(*word).map(|name| (*kind, name)))
            .context("it names no item: fn=, struct=, enum=, trait=, impl=, type= or const=")?;
        Directive::Item {
            step,
            file,
            kind,
            name,
        }
    };
    if let Some(unknown) = args.keys().next() {
        bail!("unknown argument `{unknown}=`");
    }
    Ok(directive)
}

/// `a=1 b="two words"` as a map.
fn arguments(text: &str) -> Result<BTreeMap<String, String>> {
    let mut args = BTreeMap::new();
    let mut rest = text.trim();
    while !rest.is_empty() {
        let (key, after) = rest
            .split_once('=')
            .with_context(|| format!("`{rest}` is not key=value"))?;
        let (value, after) = match after.strip_prefix('"') {
            Some(quoted) => quoted
                .split_once('"')
                .with_context(|| format!("unclosed quote after {key}="))?,
            None => after.split_once(' ').unwrap_or((after, "")),
        };
        args.insert(key.trim().to_owned(), value.to_owned());
        rest = after.trim_start();
    }
    Ok(args)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn items_hunks_and_see_it_blocks() {
        let Some(Ok(Directive::Item {
            step,
            file,
            kind,
            name,
        })) = parse(r#"@include step=05 file=src/main.rs impl="AddService for LoggingMiddleware""#)
        else {
            panic!("not an item");
        };
        assert_eq!((step, file.as_str(), kind), (5, "src/main.rs", Kind::Impl));
        assert_eq!(name, "AddService for LoggingMiddleware");
        let Some(Ok(Directive::Hunk {
            containing,
            added_only,
            ..
        })) = parse(r#"@include step=05 patch=src/main.rs hunk="struct X" view=added"#)
        else {
            panic!("not a hunk");
        };
        assert_eq!(containing.as_deref(), Some("struct X"));
        assert!(added_only);
        assert!(matches!(
            parse("@see-it step=07"),
            Some(Ok(Directive::SeeIt { step: 7 }))
        ));
        assert!(parse("plain text @include").is_none());
        assert!(matches!(
            parse(r#"@readme-table "The day""#),
            Some(Ok(Directive::ReadmeTable { heading })) if heading == "The day"
        ));
    }

    #[test]
    fn a_directive_missing_its_item_or_with_a_typo_is_an_error() {
        assert!(parse("@include step=05 file=src/main.rs").unwrap().is_err());
        assert!(
            parse("@include step=05 file=src/main.rs fn=a colour=red")
                .unwrap()
                .is_err()
        );
        assert!(parse("@include file=src/main.rs fn=a").unwrap().is_err());
    }
}
