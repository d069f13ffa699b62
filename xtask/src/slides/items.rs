//! Finds a Rust item by kind and name in a source file and cuts its text out, doc comments
//! and attributes included, by the line span syn reports. Whole lines are taken, so an
//! item that shares a line with another would bring that one along; rustfmt'd code never
//! does. Items are searched at the top level, in inline modules, and (for `fn Type::name`
//! or a unique method name) inside impl and trait blocks.

use anyhow::{Result, bail};
use syn::spanned::Spanned;
use syn::{ImplItem, Item, TraitItem};

/// What kind of item a directive asks for.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Kind {
    Fn,
    Struct,
    Enum,
    Trait,
    Impl,
    Type,
    Const,
}

impl Kind {
    pub const ALL: [(&'static str, Kind); 7] = [
        ("fn", Kind::Fn),
        ("struct", Kind::Struct),
        ("enum", Kind::Enum),
        ("trait", Kind::Trait),
        ("impl", Kind::Impl),
        ("type", Kind::Type),
        ("const", Kind::Const),
    ];

    pub fn keyword(self) -> &'static str {
        Kind::ALL
            .iter()
            .find(|(_, kind)| *kind == self)
            .map(|(word, _)| *word)
            .unwrap_or("item")
    }
}

/// One item found in a file: its kind, the name a directive would use, its lines (1-based,
/// inclusive).
struct Found {
    kind: Kind,
    name: String,
    first: usize,
    last: usize,
}

/// The text of the item of `kind` named `name` in `source`. An impl is named by its type
/// (`LoggingMiddleware`) or by trait and type (`AddService for LoggingMiddleware`).
pub fn extract(source: &str, kind: Kind, name: &str) -> Result<String> {
    let file = match syn::parse_file(source) {
        Ok(file) => file,
        Err(error) => bail!("the file does not parse as Rust: {error}"),
    };
    let mut found = Vec::new();
    collect(&file.items, &mut found);
    // An exact name wins over a shortened one: `fn sum` is the free function when there is
    // one, not also every `Type::sum`.
    let exact: Vec<&Found> = found
        .iter()
        .filter(|item| item.kind == kind && item.name == name)
        .collect();
    let matching: Vec<&Found> = if exact.is_empty() {
        found
            .iter()
            .filter(|item| item.kind == kind && names_match(&item.name, name))
            .collect()
    } else {
        exact
    };
    match matching.as_slice() {
        [item] => {
            let lines: Vec<&str> = source.lines().collect();
            Ok(dedent(&lines[item.first - 1..item.last]))
        }
        [] => {
            let mut names: Vec<String> = found
                .iter()
                .filter(|item| item.kind == kind)
                .map(|item| item.name.clone())
                .collect();
            names.dedup();
            let known = if names.is_empty() {
                format!("it has no {} at all", kind.keyword())
            } else {
                format!("it has: {}", names.join(", "))
            };
            bail!("no {} `{name}` ({known})", kind.keyword())
        }
        several => bail!(
            "{} items match {} `{name}`: name it more precisely (fn Type::method, impl Trait for Type)",
            several.len(),
            kind.keyword()
        ),
    }
}

/// `lines` without the indentation they all share: a method reads as if it were free.
fn dedent(lines: &[&str]) -> String {
    let indent = lines
        .iter()
        .filter(|line| !line.trim().is_empty())
        .map(|line| line.len() - line.trim_start().len())
        .min()
        .unwrap_or(0);
    lines
        .iter()
        .map(|line| line.get(indent..).unwrap_or("").trim_end())
        .collect::<Vec<_>>()
        .join("\n")
}

/// `wanted` names `found` by its last part: `post` finds the method `Client::post`,
/// `LoggingMiddleware` finds `AddService for LoggingMiddleware`.
fn names_match(found: &str, wanted: &str) -> bool {
    found.ends_with(&format!("::{wanted}")) || found.ends_with(&format!(" for {wanted}"))
}

fn collect(items: &[Item], found: &mut Vec<Found>) {
    for item in items {
        let (first, last) = lines_of(item, attrs_of(item));
        let mut push = |kind, name: String| {
            found.push(Found {
                kind,
                name,
                first,
                last,
            })
        };
        match item {
            Item::Fn(item) => push(Kind::Fn, item.sig.ident.to_string()),
            Item::Struct(item) => push(Kind::Struct, item.ident.to_string()),
            Item::Enum(item) => push(Kind::Enum, item.ident.to_string()),
            Item::Type(item) => push(Kind::Type, item.ident.to_string()),
            Item::Const(item) => push(Kind::Const, item.ident.to_string()),
            Item::Trait(item) => {
                let owner = item.ident.to_string();
                push(Kind::Trait, owner.clone());
                for inner in &item.items {
                    if let TraitItem::Fn(method) = inner {
                        let (first, last) = lines_of(method, &method.attrs);
                        found.push(Found {
                            kind: Kind::Fn,
                            name: format!("{owner}::{}", method.sig.ident),
                            first,
                            last,
                        });
                    }
                }
            }
            Item::Impl(item) => {
                let self_type = type_name(&item.self_ty);
                let name = match &item.trait_ {
                    Some((_, path, _)) => format!("{} for {self_type}", path_name(path)),
                    None => self_type.clone(),
                };
                push(Kind::Impl, name);
                for inner in &item.items {
                    if let ImplItem::Fn(method) = inner {
                        let (first, last) = lines_of(method, &method.attrs);
                        found.push(Found {
                            kind: Kind::Fn,
                            name: format!("{self_type}::{}", method.sig.ident),
                            first,
                            last,
                        });
                    }
                }
            }
            Item::Mod(item) => {
                if let Some((_, inner)) = &item.content {
                    collect(inner, found);
                }
            }
            _ => {}
        }
    }
}

/// First and last line of a node, its attributes (doc comments are attributes) included.
fn lines_of(node: &impl Spanned, attrs: &[syn::Attribute]) -> (usize, usize) {
    let span = node.span();
    let first = attrs
        .iter()
        .map(|attr| attr.span().start().line)
        .chain([span.start().line])
        .min()
        .unwrap_or(1);
    (first, span.end().line)
}

fn attrs_of(item: &Item) -> &[syn::Attribute] {
    match item {
        Item::Fn(item) => &item.attrs,
        Item::Struct(item) => &item.attrs,
        Item::Enum(item) => &item.attrs,
        Item::Type(item) => &item.attrs,
        Item::Const(item) => &item.attrs,
        Item::Trait(item) => &item.attrs,
        Item::Impl(item) => &item.attrs,
        Item::Mod(item) => &item.attrs,
        _ => &[],
    }
}

/// The last segment of a path with no generics: `super::AddService` is `AddService`.
fn path_name(path: &syn::Path) -> String {
    path.segments
        .last()
        .map(|segment| segment.ident.to_string())
        .unwrap_or_default()
}

fn type_name(ty: &syn::Type) -> String {
    match ty {
        syn::Type::Path(path) => path_name(&path.path),
        _ => "?".to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SOURCE: &str = "//! A module.

/// Says hello.
#[inline]
pub fn hello() -> &'static str {
    \"hello\"
}

pub struct Basic;

impl Greeter for Basic {
    fn greet(&self) -> String {
        hello().to_owned()
    }
}

pub trait Greeter {
    fn greet(&self) -> String;
}

fn greet() {}
";

    #[test]
    fn an_item_comes_with_its_doc_comment_and_attributes() {
        assert_eq!(
            extract(SOURCE, Kind::Fn, "hello").unwrap(),
            "/// Says hello.\n#[inline]\npub fn hello() -> &'static str {\n    \"hello\"\n}"
        );
    }

    #[test]
    fn impls_and_methods_are_found_by_their_names() {
        let by_type = extract(SOURCE, Kind::Impl, "Basic").unwrap();
        assert!(by_type.starts_with("impl Greeter for Basic {"));
        assert_eq!(
            by_type,
            extract(SOURCE, Kind::Impl, "Greeter for Basic").unwrap()
        );
        let method = extract(SOURCE, Kind::Fn, "Basic::greet").unwrap();
        assert!(
            method
                .trim_start()
                .starts_with("fn greet(&self) -> String {")
        );
    }

    #[test]
    fn a_missing_item_names_what_the_file_has_and_two_matches_are_ambiguous() {
        let error = extract(SOURCE, Kind::Struct, "Fancy")
            .unwrap_err()
            .to_string();
        assert_eq!(error, "no struct `Fancy` (it has: Basic)");
        let error = extract(SOURCE, Kind::Fn, "Greeter")
            .unwrap_err()
            .to_string();
        assert!(error.starts_with("no fn `Greeter`"), "{error}");
        let error = extract(SOURCE, Kind::Impl, "Basic").map(drop);
        assert!(error.is_ok());
    }

    #[test]
    fn an_exact_name_wins_and_two_shortened_matches_are_ambiguous() {
        assert_eq!(extract(SOURCE, Kind::Fn, "greet").unwrap(), "fn greet() {}");
        let two = SOURCE.replace("fn greet() {}", "");
        let error = extract(&two, Kind::Fn, "greet").unwrap_err().to_string();
        assert!(error.starts_with("2 items match fn `greet`"), "{error}");
    }
}
