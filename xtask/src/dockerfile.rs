//! Reads a Dockerfile as far as the tool replays it without a container engine: its
//! stages, and in each the files it copies, the commands it runs and where, its
//! environment and its entrypoint. parse-dockerfile reads the file by the engine's rules
//! (continuations, comments, flags, exec forms, the escape directive); what a RUN hands the
//! shell is split into commands here. Build arguments are not expanded and heredocs are not
//! read: the workshop's Dockerfile needs neither, and a line the tool cannot read fails the
//! replay instead of being guessed at.

use std::path::Path;

use anyhow::{Context, Result, bail};
use parse_dockerfile::{Command, Flag, Instruction, Source, Span};

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
    // parse-dockerfile drops a byte order mark and counts its spans without it.
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let parsed = parse_dockerfile::parse(text)?;
    let escape = parsed
        .parser_directives
        .escape
        .as_ref()
        .map_or('\\', |directive| directive.value.value);
    let line = |span: &Span| text[..span.start].matches('\n').count() + 1;
    let mut file = Dockerfile::default();
    for parsed_stage in parsed.stages() {
        let from = parsed_stage.from;
        let mut stage = Stage {
            name: from.as_.as_ref().map(|(_, name)| name.value.to_string()),
            base: from.image.value.to_string(),
            workdir: "/".to_owned(),
            ..Stage::default()
        };
        for instruction in parsed_stage.instructions {
            match instruction {
                Instruction::Workdir(workdir) => {
                    stage.workdir = join(&stage.workdir, &workdir.arguments.value);
                }
                Instruction::Copy(c) => {
                    let line = line(&c.copy.span);
                    let copy = copy(&c.options, &c.src, &c.dest.value, &stage.workdir, line)?;
                    stage.copies.push(copy);
                }
                Instruction::Add(a) => {
                    let line = line(&a.add.span);
                    let copy = copy(&a.options, &a.src, &a.dest.value, &stage.workdir, line)?;
                    stage.copies.push(copy);
                }
                Instruction::Run(run) => {
                    if !run.here_docs.is_empty() {
                        bail!(
                            "line {}: RUN with a heredoc is not read",
                            line(&run.run.span)
                        );
                    }
                    let shell = match &run.arguments {
                        Command::Shell(shell) => unfold(shell.value, escape),
                        exec => words(exec, escape)?.join(" "),
                    };
                    stage.runs.push(Run {
                        shell,
                        workdir: stage.workdir.clone(),
                    });
                }
                Instruction::Env(e) => stage
                    .env
                    .extend(env(&e.arguments.value, line(&e.env.span))?),
                Instruction::Entrypoint(e) => stage.entrypoint = words(&e.arguments, escape)?,
                Instruction::Cmd(cmd) => stage.cmd = words(&cmd.arguments, escape)?,
                Instruction::Expose(expose) => {
                    for port in &expose.arguments {
                        let number = port.value.split('/').next().unwrap_or_default();
                        stage.exposed.push(number.parse().with_context(|| {
                            format!("line {}: EXPOSE {}", line(&expose.expose.span), port.value)
                        })?);
                    }
                }
                _ => {}
            }
        }
        file.stages.push(stage);
    }
    Ok(file)
}

/// A COPY or ADD run in `workdir`, from what parse-dockerfile read of it.
fn copy(
    options: &[Flag],
    sources: &[Source],
    destination: &str,
    workdir: &str,
    line: usize,
) -> Result<Copy> {
    let from = options
        .iter()
        .find(|flag| flag.name.value == "from")
        .and_then(|flag| flag.value.as_ref())
        .map(|stage| stage.value.to_string());
    let sources = sources
        .iter()
        .map(|source| match source {
            Source::Path(path) => Ok(path.value.to_string()),
            _ => bail!("line {line}: a COPY or ADD of a heredoc is not read"),
        })
        .collect::<Result<_>>()?;
    Ok(Copy {
        from,
        sources,
        destination: destination.to_owned(),
        workdir: workdir.to_owned(),
    })
}

/// An exec form's words, or a shell form's shell words.
fn words(command: &Command, escape: char) -> Result<Vec<String>> {
    Ok(match command {
        Command::Exec(words) => words
            .value
            .iter()
            .map(|word| word.value.to_string())
            .collect(),
        Command::Shell(shell) => shell_words(&unfold(shell.value, escape)),
        _ => bail!("a command that is neither an exec form nor a shell form"),
    })
}

/// A shell form as the engine hands it to the shell: parse-dockerfile keeps it as written,
/// so the escaped line breaks go here, with the comment and empty lines between them.
fn unfold(text: &str, escape: char) -> String {
    text.lines()
        .enumerate()
        .filter(|(index, line)| {
            let line = line.trim();
            *index == 0 || !(line.is_empty() || line.starts_with('#'))
        })
        .map(|(_, line)| line.trim_end().strip_suffix(escape).unwrap_or(line))
        .collect()
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

    #[test]
    fn an_exec_form_after_a_flag_is_a_json_array() {
        let file = parse(
            "FROM x AS build\n\
             COPY --from=build [\"/a b\", \"/c\"]\n\
             RUN --mount=type=cache,target=/x [\"sh\", \"-c\", \"echo\"]\n\
             RUN --mount=type=cache,target=/src/target cargo build --release\n",
        )
        .unwrap();
        let stage = &file.stages[0];
        assert_eq!(stage.copies[0].from.as_deref(), Some("build"));
        assert_eq!(stage.copies[0].sources, ["/a b"]);
        assert_eq!(stage.copies[0].destination, "/c");
        assert_eq!(stage.runs[0].shell, "sh -c echo");
        let builds: Vec<_> = stage
            .cargo_builds()
            .into_iter()
            .map(|(words, _)| words)
            .collect();
        assert_eq!(builds, [["cargo", "build", "--release"]]);
    }

    #[test]
    fn the_escape_directive_sets_the_line_continuation() {
        let file =
            parse("# escape=`\nFROM x\nRUN echo a `\n  # between\n && cargo build\n").unwrap();
        let builds = file.stages[0].cargo_builds();
        assert_eq!(builds[0].0, ["cargo", "build"]);
    }

    #[test]
    fn what_the_tool_cannot_read_is_refused() {
        for text in [
            "FROM x\nRUN <<EOF\necho\nEOF\n",
            "FROM x\nCOPY <<EOF /a\nhello\nEOF\n",
            "FROM x\nCOPY --from=x\n",
            "FROM x\nFETCH a b\n",
            "FROM x\nEXPOSE http\n",
        ] {
            assert!(parse(text).is_err(), "{text}");
        }
    }
}
