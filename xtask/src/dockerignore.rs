//! `.dockerignore`: which paths of the build context a container build never sees. The
//! rules are the engine's (moby's `ignorefile` and `patternmatcher`, with the syntax of Go's
//! `filepath.Match`): a line starting with `#` is a comment; a pattern is cleaned like a
//! path and loses a leading `/`; `*` and `?` stay within one path segment, `**` spans any
//! number of them, `[…]` is a class of characters (`[^…]` negated) and `\` escapes; a
//! pattern matches a path or any directory above it, a leading `!` takes paths back in, and
//! the last rule that matches wins. A pattern the engine refuses, failing the build, is an
//! error here too. Where globset cannot follow the engine: it matches bytes, so a character
//! beyond ASCII is more than one `?` and never matches a class; and a `**` glued to other
//! characters (`**.md`, `a**b`) is two `*` to it, where the engine's regex crosses `/`.

use std::path::Path;
use std::str::Chars;

use anyhow::{Context, Result, bail};
use globset::{GlobBuilder, GlobSet, GlobSetBuilder};

pub struct DockerIgnore {
    /// One glob per rule, in the file's order, so that a match's index is its rule's.
    globs: GlobSet,
    /// Per rule: whether it leaves paths out (rather than taking them back in with `!`).
    excludes: Vec<bool>,
}

impl DockerIgnore {
    /// The rules of `context/.dockerignore`; none when there is no such file.
    pub fn read(context: &Path) -> Result<DockerIgnore> {
        let path = context.join(".dockerignore");
        if !path.exists() {
            return DockerIgnore::parse("");
        }
        let text = std::fs::read_to_string(&path)
            .with_context(|| format!("could not read {}", path.display()))?;
        DockerIgnore::parse(&text).with_context(|| format!("could not read {}", path.display()))
    }

    /// The rules of a `.dockerignore` text; an error names the first line the engine refuses.
    pub fn parse(text: &str) -> Result<DockerIgnore> {
        let mut globs = GlobSetBuilder::new();
        let mut excludes = Vec::new();
        let text = text.strip_prefix('\u{feff}').unwrap_or(text);
        for (index, line) in text.lines().enumerate() {
            // The engine looks for `#` before it trims: ` #x` is a pattern.
            if line.starts_with('#') || line.trim().is_empty() {
                continue;
            }
            let line = line.trim();
            let (exclude, pattern) = match line.strip_prefix('!') {
                Some(pattern) => (false, pattern.trim()),
                None => (true, line),
            };
            let glob = glob(pattern).with_context(|| format!("line {}: {line}", index + 1))?;
            globs.add(glob);
            excludes.push(exclude);
        }
        Ok(DockerIgnore {
            globs: globs.build()?,
            excludes,
        })
    }

    /// Whether the build never sees `path` (relative to the context, `/`-separated).
    pub fn excludes(&self, path: &str) -> bool {
        let path = clean(path.trim_start_matches('/'));
        // As in the engine, nothing leaves out the whole context.
        if path == "." {
            return false;
        }
        let ends = path.match_indices('/').map(|(end, _)| end);
        let last_rule = ends
            .chain([path.len()])
            .flat_map(|end| self.globs.matches(&path[..end]))
            .max();
        last_rule.is_some_and(|rule| self.excludes[rule])
    }
}

/// A pattern as the engine cleans it, in globset's syntax.
fn glob(pattern: &str) -> Result<globset::Glob> {
    if pattern.is_empty() {
        bail!("`!` without a pattern");
    }
    let cleaned = clean(pattern);
    let relative = match cleaned.strip_prefix('/') {
        Some(rest) if !rest.is_empty() => rest,
        _ => &cleaned,
    };
    Ok(GlobBuilder::new(&translate(relative)?)
        .literal_separator(true)
        .backslash_escape(true)
        .build()?)
}

/// Go's `filepath.Clean` on `/`: no empty or `.` segments, each `..` folded into the
/// segment before it, `.` for nothing.
fn clean(path: &str) -> String {
    let rooted = path.starts_with('/');
    let mut segments: Vec<&str> = Vec::new();
    for segment in path.split('/') {
        match segment {
            "" | "." => {}
            ".." if segments.last().is_some_and(|last| *last != "..") => {
                segments.pop();
            }
            ".." if rooted => {}
            segment => segments.push(segment),
        }
    }
    let joined = segments.join("/");
    if rooted {
        format!("/{joined}")
    } else if joined.is_empty() {
        ".".to_owned()
    } else {
        joined
    }
}

/// Go's pattern syntax in globset's: the two read `*`, `?` and a `**` segment alike, but
/// Go's classes and escapes differ, and globset's `{a,b}` is literal text to Go.
fn translate(pattern: &str) -> Result<String> {
    let mut glob = String::new();
    let mut chars = pattern.chars();
    while let Some(c) = chars.next() {
        match c {
            '*' | '?' | '/' => glob.push(c),
            '[' => glob.push_str(&class(&mut chars)?),
            '\\' => literal(&mut glob, chars.next().context("it ends in a lone `\\`")?),
            c => literal(&mut glob, c),
        }
    }
    Ok(glob)
}

fn literal(glob: &mut String, c: char) {
    if "\\*?[]{},".contains(c) {
        glob.push('\\');
    }
    glob.push(c);
}

/// A Go class, read after its `[`, in globset's syntax. Go's: `^` negates (`!` is a
/// character), `\` escapes, `-` and `]` must be escaped, and a class may match `/`.
/// globset's: no escapes (so `]` comes first, `-` last, `!` and `^` never first), and its
/// classes never match `/`, which is added as an alternative where Go's class matches it.
fn class(chars: &mut Chars) -> Result<String> {
    let negated = chars.clone().next() == Some('^');
    if negated {
        chars.next();
    }
    let mut ranges = Vec::new();
    loop {
        let lo = match chars.next() {
            Some(']') if !ranges.is_empty() => break,
            c => class_char(c, chars)?,
        };
        let hi = if chars.clone().next() == Some('-') {
            chars.next();
            class_char(chars.next(), chars)?
        } else {
            lo
        };
        if hi < lo {
            bail!("the class range {lo}-{hi} runs backwards");
        }
        ranges.push((lo, hi));
    }

    // Characters awkward in a globset class stand alone, cut off the ends of their ranges.
    let awkward = |c: u32| char::from_u32(c).filter(|c| "]-!^[".contains(*c));
    let (mut plain, mut alone) = (String::new(), Vec::new());
    let mut slash = false;
    for (lo, hi) in ranges {
        slash |= lo <= '/' && '/' <= hi;
        let (mut lo, mut hi) = (u32::from(lo), u32::from(hi));
        while let Some(c) = awkward(lo).filter(|_| lo <= hi) {
            alone.push(c);
            lo += 1;
        }
        while let Some(c) = awkward(hi).filter(|_| lo <= hi) {
            alone.push(c);
            hi -= 1;
        }
        // Only ASCII was cut off, so both ends are still characters.
        let (lo, hi) = (char::from_u32(lo), char::from_u32(hi));
        match (lo, hi) {
            (Some(lo), Some(hi)) if lo < hi => plain.extend([lo, '-', hi]),
            (Some(lo), Some(hi)) if lo == hi => plain.push(lo),
            _ => {}
        }
    }

    let mut alternatives = Vec::new();
    if negated {
        let first = if alone.contains(&']') { "]" } else { "" };
        let middle: String = alone.iter().filter(|c| !"]-".contains(**c)).collect();
        let last = if alone.contains(&'-') { "-" } else { "" };
        alternatives.push(format!("[!{first}{plain}{middle}{last}]"));
    } else {
        if !plain.is_empty() {
            alternatives.push(format!("[{plain}]"));
        }
        alternatives.extend(alone.iter().map(|c| format!("\\{c}")));
    }
    if slash != negated {
        alternatives.push("/".to_owned());
    }
    Ok(match alternatives.as_slice() {
        [one] => one.clone(),
        _ => format!("{{{}}}", alternatives.join(",")),
    })
}

fn class_char(c: Option<char>, chars: &mut Chars) -> Result<char> {
    match c {
        None => bail!("a class without its `]`"),
        Some('-' | ']') => bail!("a class with an unescaped `-` or `]`"),
        Some('\\') => chars.next().context("a class without its `]`"),
        Some(c) => Ok(c),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_directory_rule_excludes_what_is_under_it() {
        let ignore = DockerIgnore::parse("# build output\ntarget/\n/.git\n").unwrap();
        assert!(ignore.excludes("target/release/addsvc"));
        assert!(ignore.excludes(".git/HEAD"));
        assert!(!ignore.excludes("src/main.rs"));
        assert!(!ignore.excludes("xtask/target-notes.md"));
    }

    #[test]
    fn stars_stay_in_a_segment_and_double_stars_span_them() {
        let ignore = DockerIgnore::parse("*.md\n**/*.patch\n").unwrap();
        assert!(ignore.excludes("README.md"));
        assert!(!ignore.excludes("docs/README.md"));
        assert!(ignore.excludes("patches/01-x.patch"));
        assert!(ignore.excludes("a.patch"));
    }

    #[test]
    fn the_last_matching_rule_wins() {
        let ignore = DockerIgnore::parse("src\n!src/main.rs\n").unwrap();
        assert!(!ignore.excludes("src/main.rs"));
        assert!(ignore.excludes("src/lib.rs"));
    }

    #[test]
    fn double_stars_match_any_number_of_directories_between() {
        let ignore = DockerIgnore::parse("**/target\ndocs/**/draft\n").unwrap();
        assert!(ignore.excludes("target/debug/x"));
        assert!(ignore.excludes("xtask/bare-addsvc/target/x"));
        assert!(ignore.excludes("docs/draft"));
        assert!(ignore.excludes("docs/a/b/draft/notes.md"));
        assert!(!ignore.excludes("src/docs/draft"));
        assert!(!ignore.excludes("targets/x"));
    }

    #[test]
    fn a_class_matches_one_of_its_characters() {
        let ignore = DockerIgnore::parse("[ab].md\nv[0-9]\n").unwrap();
        assert!(ignore.excludes("a.md"));
        assert!(ignore.excludes("b.md"));
        assert!(!ignore.excludes("c.md"));
        assert!(!ignore.excludes("ab.md"));
        assert!(ignore.excludes("v7/notes"));
        assert!(!ignore.excludes("vx"));
    }

    #[test]
    fn a_caret_negates_a_class_and_a_bang_is_a_character() {
        let ignore = DockerIgnore::parse("[^a].md\n").unwrap();
        assert!(ignore.excludes("b.md"));
        assert!(!ignore.excludes("a.md"));
        let ignore = DockerIgnore::parse("[!a].md\n").unwrap();
        assert!(ignore.excludes("!.md"));
        assert!(ignore.excludes("a.md"));
        assert!(!ignore.excludes("b.md"));
    }

    #[test]
    fn a_class_may_match_a_slash_as_in_go() {
        let ignore = DockerIgnore::parse("a[^x]b\n").unwrap();
        assert!(ignore.excludes("a/b"));
        assert!(ignore.excludes("acb"));
        assert!(!ignore.excludes("axb"));
    }

    #[test]
    fn awkward_characters_in_a_class_are_kept() {
        let ignore = DockerIgnore::parse(r"x[\]\-^!]").unwrap();
        for path in ["x]", "x-", "x^", "x!"] {
            assert!(ignore.excludes(path), "{path}");
        }
        assert!(!ignore.excludes("xa"));
        let ignore = DockerIgnore::parse(r"x[^\]\-!]").unwrap();
        for path in ["x]", "x-", "x!"] {
            assert!(!ignore.excludes(path), "{path}");
        }
        assert!(ignore.excludes("xa"));
    }

    #[test]
    fn a_backslash_escapes_and_braces_are_literal() {
        let ignore = DockerIgnore::parse("\\*.md\nnotes\\[1]\n{a,b}\n").unwrap();
        assert!(ignore.excludes("*.md"));
        assert!(!ignore.excludes("README.md"));
        assert!(ignore.excludes("notes[1]"));
        assert!(!ignore.excludes("notes1"));
        assert!(ignore.excludes("{a,b}"));
        assert!(!ignore.excludes("a"));
    }

    #[test]
    fn patterns_are_cleaned_and_only_a_first_column_hash_is_a_comment() {
        let ignore = DockerIgnore::parse("/a/./b/../c/\n #x\n").unwrap();
        assert!(ignore.excludes("a/c/d"));
        assert!(!ignore.excludes("a/b/d"));
        assert!(ignore.excludes("#x"));
        assert!(!ignore.excludes("."));
    }

    #[test]
    fn a_pattern_the_engine_refuses_is_an_error() {
        for bad in ["[ab", "[]a]", "[a-]", "[z-a]", "a\\", "!"] {
            assert!(DockerIgnore::parse(bad).is_err(), "{bad}");
        }
    }
}
