//! What the slides quote from a step's patch file: a hunk of its diff to one file, and the
//! See it block of its message, each as the message and the diff say it.

use anyhow::{Result, bail};

use crate::see_it;

/// The hunk of `patch`'s diff to `file` that holds `containing` (the only hunk when None).
/// With `added_only`, the added lines alone, without their `+`: new code shown as code.
pub fn hunk(patch: &str, file: &str, containing: Option<&str>, added_only: bool) -> Result<String> {
    let header = format!("diff --git a/{file} b/{file}");
    let Some(start) = patch.lines().position(|line| line == header) else {
        bail!("the patch does not change {file}");
    };
    let mut hunks: Vec<Vec<&str>> = Vec::new();
    for line in patch
        .lines()
        .skip(start + 1)
        .take_while(|line| !line.starts_with("diff --git "))
    {
        if line.starts_with("@@") {
            hunks.push(vec![line]);
        } else if let Some(hunk) = hunks.last_mut() {
            hunk.push(line);
        }
    }
    let matching: Vec<&Vec<&str>> = hunks
        .iter()
        .filter(|hunk| containing.is_none_or(|text| hunk.iter().any(|line| line.contains(text))))
        .collect();
    let hunk = match (matching.as_slice(), containing) {
        ([hunk], _) => hunk,
        ([], Some(text)) => bail!("no hunk of its diff to {file} holds `{text}`"),
        (several, Some(text)) => bail!(
            "{} hunks of its diff to {file} hold `{text}`: quote a longer text",
            several.len()
        ),
        (several, None) => bail!(
            "its diff to {file} has {} hunks: say which with hunk=\"text in it\"",
            several.len()
        ),
    };
    let text: Vec<&str> = if added_only {
        hunk.iter()
            .filter_map(|line| line.strip_prefix('+'))
            .collect()
    } else {
        hunk.iter().skip(1).copied().collect()
    };
    Ok(text.join("\n"))
}

/// The See it block of a patch message as the attendee reads it: the terminal lines and
/// what they print, unindented.
pub fn see_it_lines(message: &str) -> Result<Vec<String>> {
    if see_it::parse_block(message)?.is_none() {
        bail!("the message has no See it block");
    }
    Ok(message
        .lines()
        .skip_while(|line| !line.starts_with("See it"))
        .skip_while(|line| !line.starts_with("  terminal "))
        .map_while(|line| line.strip_prefix("  "))
        .map(str::to_owned)
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    const PATCH: &str = "Step 05: x

See it:
  terminal 1 $ cargo run
  terminal 2 $ curl -s localhost:8080/sum
  {\"v\":3}
Then by hand.

diff --git a/src/a.rs b/src/a.rs
--- a/src/a.rs
+++ b/src/a.rs
@@ -1,2 +1,3 @@ fn one
 keep
+pub struct Added;
@@ -9,2 +10,2 @@ fn two
-old
+new
diff --git a/src/b.rs b/src/b.rs
@@ -1 +1 @@
-b
+c
";

    #[test]
    fn a_hunk_by_the_text_it_holds() {
        assert_eq!(
            hunk(PATCH, "src/a.rs", Some("struct Added"), false).unwrap(),
            " keep\n+pub struct Added;"
        );
        assert_eq!(hunk(PATCH, "src/a.rs", Some("new"), true).unwrap(), "new");
        assert_eq!(hunk(PATCH, "src/b.rs", None, false).unwrap(), "-b\n+c");
        assert!(hunk(PATCH, "src/a.rs", None, false).is_err());
        assert!(hunk(PATCH, "src/a.rs", Some("nowhere"), false).is_err());
        assert!(hunk(PATCH, "src/c.rs", None, false).is_err());
    }

    #[test]
    fn the_see_it_block_without_the_prose_after_it() {
        assert_eq!(
            see_it_lines(PATCH).unwrap(),
            [
                "terminal 1 $ cargo run",
                "terminal 2 $ curl -s localhost:8080/sum",
                "{\"v\":3}"
            ]
        );
    }
}
