//! `.dockerignore`: which paths of the build context a container build never sees. The
//! rules are the engine's: a pattern matches a path or any directory above it, `*` and `?`
//! stay within one path segment, `**` spans any number of them, a leading `!` takes paths
//! back in, and the last rule that matches wins.

use std::path::Path;

use anyhow::{Context, Result};

pub struct DockerIgnore {
    rules: Vec<Rule>,
}

struct Rule {
    segments: Vec<String>,
    excludes: bool,
}

impl DockerIgnore {
    /// The rules of `context/.dockerignore`; none when there is no such file.
    pub fn read(context: &Path) -> Result<DockerIgnore> {
        let path = context.join(".dockerignore");
        if !path.exists() {
            return Ok(DockerIgnore::parse(""));
        }
        let text = std::fs::read_to_string(&path)
            .with_context(|| format!("could not read {}", path.display()))?;
        Ok(DockerIgnore::parse(&text))
    }

    pub fn parse(text: &str) -> DockerIgnore {
        let rules = text
            .lines()
            .map(str::trim)
            .filter(|line| !line.is_empty() && !line.starts_with('#'))
            .map(|line| {
                let (excludes, pattern) = match line.strip_prefix('!') {
                    Some(pattern) => (false, pattern),
                    None => (true, line),
                };
                Rule {
                    segments: segments(pattern),
                    excludes,
                }
            })
            .filter(|rule| !rule.segments.is_empty())
            .collect();
        DockerIgnore { rules }
    }

    /// Whether the build never sees `path` (relative to the context, `/`-separated).
    pub fn excludes(&self, path: &str) -> bool {
        let path = segments(path);
        let mut excluded = false;
        for rule in &self.rules {
            let matches = (1..=path.len()).any(|end| matches(&rule.segments, &path[..end]));
            if matches {
                excluded = rule.excludes;
            }
        }
        excluded
    }
}

/// `./a//b/` as ["a", "b"].
fn segments(path: &str) -> Vec<String> {
    path.split('/')
        .filter(|segment| !segment.is_empty() && *segment != ".")
        .map(str::to_owned)
        .collect()
}

fn matches(pattern: &[String], path: &[String]) -> bool {
    match pattern.split_first() {
        None => path.is_empty(),
        Some((first, rest)) if first == "**" => {
            (0..=path.len()).any(|skipped| matches(rest, &path[skipped..]))
        }
        Some((first, rest)) => match path.split_first() {
            Some((segment, path_rest)) => glob(first, segment) && matches(rest, path_rest),
            None => false,
        },
    }
}

/// `*` and `?` within one segment.
fn glob(pattern: &str, text: &str) -> bool {
    let (pattern, text): (Vec<char>, Vec<char>) =
        (pattern.chars().collect(), text.chars().collect());
    fn from(pattern: &[char], text: &[char]) -> bool {
        match pattern.split_first() {
            None => text.is_empty(),
            Some(('*', rest)) => (0..=text.len()).any(|skipped| from(rest, &text[skipped..])),
            Some(('?', rest)) => !text.is_empty() && from(rest, &text[1..]),
            Some((c, rest)) => text.first() == Some(c) && from(rest, &text[1..]),
        }
    }
    from(&pattern, &text)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_directory_rule_excludes_what_is_under_it() {
        let ignore = DockerIgnore::parse("# build output\ntarget/\n/.git\n");
        assert!(ignore.excludes("target/release/addsvc"));
        assert!(ignore.excludes(".git/HEAD"));
        assert!(!ignore.excludes("src/main.rs"));
        assert!(!ignore.excludes("xtask/target-notes.md"));
    }

    #[test]
    fn stars_stay_in_a_segment_and_double_stars_span_them() {
        let ignore = DockerIgnore::parse("*.md\n**/*.patch\n");
        assert!(ignore.excludes("README.md"));
        assert!(!ignore.excludes("docs/README.md"));
        assert!(ignore.excludes("patches/01-x.patch"));
        assert!(ignore.excludes("a.patch"));
    }

    #[test]
    fn the_last_matching_rule_wins() {
        let ignore = DockerIgnore::parse("src\n!src/main.rs\n");
        assert!(!ignore.excludes("src/main.rs"));
        assert!(ignore.excludes("src/lib.rs"));
    }
}
