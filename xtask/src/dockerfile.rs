//! Reads a Dockerfile as far as the tool replays it without a container engine: its
//! stages, and in each the files it copies, the commands it runs and where, its
//! environment and its entrypoint. Build arguments are not expanded and heredocs are not
//! read: the workshop's Dockerfile needs neither, and a line the tool cannot read fails the
//! replay instead of being guessed at.

use std::path::Path;

use anyhow::{Context, Result, bail};

/// The stages of a Dockerfile, in order.
#[derive(Debug, Default)]
pub struct Dockerfile {
    pub stages: Vec<Stage>,
}

/// One `FROM … [AS name]` and the instructions after it.
#[derive(Debug, Default)]
pub struct Stage {
    pub name: Option<String>,
    /// The image or earlier stage it starts from.
    pub base: String,
    /// The working directory after the stage's last WORKDIR ("/" without one).
    pub workdir: String,
    pub copies: Vec<Copy>,
    pub runs: Vec<Run>,
    /// ENV of this stage only, in order; see [`Dockerfile::env`] for what it inherits.
    pub env: Vec<(String, String)>,
    pub entrypoint: Vec<String>,
    pub cmd: Vec<String>,
    pub exposed: Vec<u16>,
}

/// A COPY or ADD.
#[derive(Debug, Clone)]
pub struct Copy {
    /// `--from=`: a stage (or image) to copy from instead of the build context.
    pub from: Option<String>,
    pub sources: Vec<String>,
    pub destination: String,
    /// The working directory the instruction ran in, against which relative paths count.
    pub workdir: String,
}

/// A RUN, in shell form.
#[derive(Debug, Clone)]
pub struct Run {
    pub shell: String,
    pub workdir: String,
}

impl Dockerfile {
    pub fn read(path: &Path) -> Result<Dockerfile> {
        let text = std::fs::read_to_string(path)
            .with_context(|| format!("could not read {}", path.display()))?;
        parse(&text).with_context(|| format!("could not read {}", path.display()))
    }

    pub fn stage(&self, name: &str) -> Option<&Stage> {
        self.stages
            .iter()
            .find(|stage| stage.name.as_deref() == Some(name))
    }

    /// The environment a container of `stage` starts with: its ENV over that of the
    /// earlier stage it is built on, if any (an image's own ENV is unknown here).
    pub fn env(&self, stage: &Stage) -> Vec<(String, String)> {
        let mut env = match self.stage(&stage.base) {
            Some(base) if !std::ptr::eq(base, stage) => self.env(base),
            _ => Vec::new(),
        };
        for (name, value) in &stage.env {
            env.retain(|(known, _)| known != name);
            env.push((name.clone(), value.clone()));
        }
        env
    }
}

impl Stage {
    /// Every `cargo build …` the stage's RUNs execute, as words, in order, with the
    /// working directory it runs in.
    pub fn cargo_builds(&self) -> Vec<(Vec<String>, String)> {
        self.runs
            .iter()
            .flat_map(|run| {
                shell_commands(&run.shell)
                    .into_iter()
                    .filter(|words| words.len() > 1 && words[0] == "cargo" && words[1] == "build")
                    .map(|words| (words, run.workdir.clone()))
            })
            .collect()
    }
}

/// Parses the text of a Dockerfile.
pub fn parse(text: &str) -> Result<Dockerfile> {
    let mut file = Dockerfile::default();
    for (line, instruction) in logical_lines(text) {
        let (keyword, rest) = instruction
            .split_once(char::is_whitespace)
            .unwrap_or((instruction.as_str(), ""));
        let keyword = keyword.to_ascii_uppercase();
        let rest = rest.trim();
        if keyword == "FROM" {
            file.stages.push(from(rest));
            continue;
        }
        let Some(stage) = file.stages.last_mut() else {
            if keyword == "ARG" {
                continue;
            }
            bail!("line {line}: {keyword} before any FROM");
        };
        match keyword.as_str() {
            "WORKDIR" => stage.workdir = join(&stage.workdir, rest),
            "COPY" | "ADD" => stage.copies.push(copy(rest, &stage.workdir, line)?),
            "RUN" => stage.runs.push(Run {
                shell: if rest.starts_with('[') {
                    exec_or_shell(rest)?.join(" ")
                } else {
                    rest.to_owned()
                },
                workdir: stage.workdir.clone(),
            }),
            "ENV" => stage.env.extend(env(rest, line)?),
            "ENTRYPOINT" => stage.entrypoint = exec_or_shell(rest)?,
            "CMD" => stage.cmd = exec_or_shell(rest)?,
            "EXPOSE" => {
                for port in rest.split_whitespace() {
                    let number = port.split('/').next().unwrap_or(port);
                    stage.exposed.push(
                        number
                            .parse()
                            .with_context(|| format!("line {line}: EXPOSE {port}"))?,
                    );
                }
            }
            _ => {}
        }
    }
    Ok(file)
}

/// The instructions of the file with their first line numbers: comments dropped, lines
/// ending in a backslash joined with the next (comment lines inside them dropped too).
fn logical_lines(text: &str) -> Vec<(usize, String)> {
    let mut lines = Vec::new();
    let mut current: Option<(usize, String)> = None;
    for (index, raw) in text.lines().enumerate() {
        let trimmed = raw.trim();
        if trimmed.starts_with('#') || (trimmed.is_empty() && current.is_none()) {
            continue;
        }
        let (continues, content) = match trimmed.strip_suffix('\\') {
            Some(content) => (true, content.trim_end()),
            None => (false, trimmed),
        };
        let entry = current.get_or_insert_with(|| (index + 1, String::new()));
        if !entry.1.is_empty() && !content.is_empty() {
            entry.1.push(' ');
        }
        entry.1.push_str(content);
        if !continues {
            lines.extend(current.take());
        }
    }
    lines.extend(current);
    lines
}

fn from(rest: &str) -> Stage {
    let words: Vec<&str> = rest
        .split_whitespace()
        .filter(|word| !word.starts_with("--"))
        .collect();
    let name = match words.as_slice() {
        [_, as_, name, ..] if as_.eq_ignore_ascii_case("as") => Some((*name).to_owned()),
        _ => None,
    };
    Stage {
        name,
        base: words.first().copied().unwrap_or_default().to_owned(),
        workdir: "/".to_owned(),
        ..Stage::default()
    }
}

fn copy(rest: &str, workdir: &str, line: usize) -> Result<Copy> {
    let mut words = exec_or_shell(rest)?;
    let mut from = None;
    words.retain(|word| match word.strip_prefix("--") {
        Some(flag) => {
            if let Some(stage) = flag.strip_prefix("from=") {
                from = Some(stage.to_owned());
            }
            false
        }
        None => true,
    });
    let Some(destination) = words.pop() else {
        bail!("line {line}: COPY without a destination");
    };
    if words.is_empty() {
        bail!("line {line}: COPY without a source");
    }
    Ok(Copy {
        from,
        sources: words,
        destination,
        workdir: workdir.to_owned(),
    })
}

/// `["a", "b"]` (exec form) or shell words.
fn exec_or_shell(rest: &str) -> Result<Vec<String>> {
    if rest.starts_with('[') {
        return serde_json::from_str(rest).context("an exec form that is not a JSON array");
    }
    Ok(shell_words(rest))
}

/// `ENV A=1 B="two words"`, or the old `ENV A one value`.
fn env(rest: &str, line: usize) -> Result<Vec<(String, String)>> {
    let words = shell_words(rest);
    if words.first().is_some_and(|word| !word.contains('=')) {
        let (name, value) = rest.split_once(char::is_whitespace).unwrap_or((rest, ""));
        return Ok(vec![(name.to_owned(), value.trim().to_owned())]);
    }
    words
        .into_iter()
        .map(|word| match word.split_once('=') {
            Some((name, value)) => Ok((name.to_owned(), value.to_owned())),
            None => bail!("line {line}: ENV {word} has no value"),
        })
        .collect()
}

/// A path as seen from `workdir`, absolute, without `.`, `..` or a trailing slash.
pub fn join(workdir: &str, path: &str) -> String {
    let full = if path.starts_with('/') {
        path.to_owned()
    } else {
        format!("{workdir}/{path}")
    };
    let mut segments: Vec<&str> = Vec::new();
    for segment in full.split('/') {
        match segment {
            "" | "." => {}
            ".." => {
                segments.pop();
            }
            segment => segments.push(segment),
        }
    }
    format!("/{}", segments.join("/"))
}

/// The simple commands of a shell line, as words: split at `&&`, `||`, `;` and `|`
/// outside quotes, quotes removed.
pub fn shell_commands(text: &str) -> Vec<Vec<String>> {
    let mut commands = vec![Vec::new()];
    for token in tokens(text) {
        match token {
            Token::Separator => commands.push(Vec::new()),
            Token::Word(word) => commands.last_mut().expect("never empty").push(word),
        }
    }
    commands.retain(|words| !words.is_empty());
    commands
}

fn shell_words(text: &str) -> Vec<String> {
    shell_commands(text).into_iter().flatten().collect()
}

enum Token {
    Word(String),
    Separator,
}

fn tokens(text: &str) -> Vec<Token> {
    let mut tokens = Vec::new();
    let mut word: Option<String> = None;
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\'' => {
                let word = word.get_or_insert_with(String::new);
                word.extend(chars.by_ref().take_while(|&c| c != '\''));
            }
            '"' => {
                let word = word.get_or_insert_with(String::new);
                while let Some(c) = chars.next() {
                    match c {
                        '"' => break,
                        '\\' => word.extend(chars.next()),
                        c => word.push(c),
                    }
                }
            }
            '\\' => word.get_or_insert_with(String::new).extend(chars.next()),
            ';' | '&' | '|' => {
                tokens.extend(word.take().map(Token::Word));
                if chars.peek() == Some(&c) {
                    chars.next();
                }
                tokens.push(Token::Separator);
            }
            c if c.is_whitespace() => tokens.extend(word.take().map(Token::Word)),
            c => word.get_or_insert_with(String::new).push(c),
        }
    }
    tokens.extend(word.map(Token::Word));
    tokens
}

#[cfg(test)]
mod tests {
    use super::*;

    const FILE: &str = r#"
# syntax comment
FROM rust:1 AS build
WORKDIR /src
COPY Cargo.toml Cargo.lock ./
RUN mkdir src \
 # a comment inside the continuation
 && echo 'fn main() {}' > src/main.rs \
 && cargo build --release
COPY ["src", "src"]
RUN touch src/main.rs; cargo build --release --bin "addsvc"
ENV A=1 B="two words"

FROM build AS tested
ENV B=three

FROM scratch AS addsvc
COPY --from=build --chown=1:1 /src/target/release/addsvc /bin/addsvc
ENV ADDR 0.0.0.0:8080
EXPOSE 8080/tcp
ENTRYPOINT ["/bin/addsvc"]
"#;

    #[test]
    fn stages_with_their_copies_builds_env_and_entrypoint() {
        let file = parse(FILE).unwrap();
        let names: Vec<_> = file.stages.iter().map(|s| s.name.as_deref()).collect();
        assert_eq!(names, [Some("build"), Some("tested"), Some("addsvc")]);
        let build = file.stage("build").unwrap();
        assert_eq!(build.copies[0].sources, ["Cargo.toml", "Cargo.lock"]);
        assert_eq!(build.copies[1].sources, ["src"]);
        assert_eq!(build.copies[1].workdir, "/src");
        let builds: Vec<String> = build
            .cargo_builds()
            .into_iter()
            .map(|(words, _)| words.join(" "))
            .collect();
        assert_eq!(
            builds,
            [
                "cargo build --release",
                "cargo build --release --bin addsvc"
            ]
        );
        let addsvc = file.stage("addsvc").unwrap();
        assert_eq!(addsvc.copies[0].from.as_deref(), Some("build"));
        assert_eq!(addsvc.copies[0].sources, ["/src/target/release/addsvc"]);
        assert_eq!(addsvc.entrypoint, ["/bin/addsvc"]);
        assert_eq!(addsvc.exposed, [8080]);
        assert_eq!(
            file.env(addsvc),
            [("ADDR".to_owned(), "0.0.0.0:8080".to_owned())]
        );
    }

    #[test]
    fn a_stage_inherits_the_env_of_the_stage_it_is_built_on() {
        let file = parse(FILE).unwrap();
        let env = file.env(file.stage("tested").unwrap());
        assert_eq!(
            env,
            [
                ("A".to_owned(), "1".to_owned()),
                ("B".to_owned(), "three".to_owned())
            ]
        );
    }

    #[test]
    fn an_instruction_before_from_is_refused() {
        assert!(parse("COPY a b\nFROM x").is_err());
    }
}
