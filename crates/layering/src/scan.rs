//! Finding every `crate::`, `super::` and `self::` path in a token stream: in `use` trees with
//! their brace groups (`use crate::{a::X, b::{c, d}}`), in types and expressions, and inside macro
//! invocations (`tracing::info!(…)`, `matches!(…)`), whose tokens a syntax tree leaves unparsed.

use proc_macro2::{Delimiter, Spacing, TokenStream, TokenTree};

use crate::path::{Anchor, WrittenPath};

/// Every path in `stream` that starts with `crate`, `super` or `self` followed by `::`.
pub fn anchored_paths(stream: TokenStream) -> Vec<WrittenPath> {
    let mut found = Vec::new();
    scan(stream, &mut found);
    found
}

/// Appends the anchored paths of `stream`, descending into every group.
fn scan(stream: TokenStream, found: &mut Vec<WrittenPath>) {
    let tokens: Vec<TokenTree> = stream.into_iter().collect();
    let mut at = 0;
    while at < tokens.len() {
        if let Some(anchor) = anchor_at(&tokens, at) {
            at = read_path(&tokens, at, anchor, found);
            continue;
        }
        if let TokenTree::Group(group) = &tokens[at] {
            scan(group.stream(), found);
        }
        at += 1;
    }
}

/// The anchor starting a path at `at`: `crate`, `self` or `super` followed by `::` and not itself
/// following a `::` (so `a::self` in a `use` group is not taken for a new path).
fn anchor_at(tokens: &[TokenTree], at: usize) -> Option<Anchor> {
    let TokenTree::Ident(ident) = &tokens[at] else {
        return None;
    };
    let anchor = match ident.to_string().as_str() {
        "crate" => Anchor::Crate,
        "self" => Anchor::SelfModule,
        "super" => Anchor::Super(1),
        _ => return None,
    };
    let after_separator = at >= 2 && is_separator(tokens, at - 2);
    (is_separator(tokens, at + 1) && !after_separator).then_some(anchor)
}

/// Whether `tokens[at..]` starts with `::`.
fn is_separator(tokens: &[TokenTree], at: usize) -> bool {
    matches!(
        (tokens.get(at), tokens.get(at + 1)),
        (Some(TokenTree::Punct(first)), Some(TokenTree::Punct(second)))
            if first.as_char() == ':' && first.spacing() == Spacing::Joint && second.as_char() == ':'
    )
}

/// Reads the path whose anchor is at `start`, records it (or, when it ends in a brace group, each
/// path of the group) and returns the index of the first token after it.
fn read_path(
    tokens: &[TokenTree],
    start: usize,
    mut anchor: Anchor,
    found: &mut Vec<WrittenPath>,
) -> usize {
    let line = tokens[start].span().start().line;
    let mut segments = Vec::new();
    let mut at = start + 1;
    while is_separator(tokens, at) {
        at += 2;
        match tokens.get(at) {
            Some(TokenTree::Ident(ident)) => {
                let name = ident.to_string();
                match anchor {
                    Anchor::Super(levels) if name == "super" && segments.is_empty() => {
                        anchor = Anchor::Super(levels + 1);
                    }
                    _ => segments.push(name),
                }
                at += 1;
            }
            Some(TokenTree::Group(group)) if group.delimiter() == Delimiter::Brace => {
                let base = WrittenPath {
                    anchor,
                    segments,
                    line,
                };
                read_group(group.stream(), &base, found);
                return at + 1;
            }
            // `*`, `<…>` (a turbofish) or anything else ends the path.
            _ => break,
        }
    }
    found.push(WrittenPath {
        anchor,
        segments,
        line,
    });
    at
}

/// Records the paths of a `use` brace group that follows `base::`: `{a::X, b::{c, d}, self, *}`.
fn read_group(stream: TokenStream, base: &WrittenPath, found: &mut Vec<WrittenPath>) {
    let tokens: Vec<TokenTree> = stream.into_iter().collect();
    let mut any = false;
    for element in tokens.split(|token| matches!(token, TokenTree::Punct(p) if p.as_char() == ','))
    {
        let Some(first) = element.first() else {
            continue;
        };
        any = true;
        let mut path = WrittenPath {
            line: first.span().start().line,
            ..base.clone()
        };
        let mut at = 0;
        loop {
            match element.get(at) {
                Some(TokenTree::Ident(ident)) if ident == "self" && at == 0 => {}
                Some(TokenTree::Ident(ident)) => path.segments.push(ident.to_string()),
                Some(TokenTree::Group(group)) if group.delimiter() == Delimiter::Brace => {
                    read_group(group.stream(), &path, found);
                    break;
                }
                _ => {
                    found.push(path);
                    break;
                }
            }
            at += 1;
            if is_separator(element, at) {
                at += 2;
            } else {
                found.push(path);
                break;
            }
        }
    }
    if !any {
        found.push(base.clone());
    }
}
