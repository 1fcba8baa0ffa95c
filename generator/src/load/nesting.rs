//! How deep the flow collections (`[…]`, `{…}`) of a YAML text nest, found before the
//! YAML reader sees the text. libyaml's scanner looks at every open flow collection for
//! each token it reads, so a text that nests thousands deep takes time quadratic in its
//! depth (20,000 levels, 40 KB: 18 s in a debug build) before the reader's own limit (128) refuses it.
//!
//! The scan knows as much YAML as it takes not to count a bracket that opens nothing: one
//! inside a quoted, plain or block scalar, or a comment. It may miss a collection in a text
//! YAML would not read, never count one that is not there.

/// The deepest the flow collections may nest: the YAML reader refuses deeper nesting of
/// any kind, so no text it reads is refused here.
pub(super) const DEEPEST: usize = 128;

/// The line and column (from 1) where a flow collection of `text` opens deeper than
/// [`DEEPEST`], if one does.
pub(super) fn too_deep(text: &str) -> Option<(usize, usize)> {
    let at = Scan::new(text.as_bytes(), DEEPEST).too_deep()?;
    let before = &text[..at];
    let line_start = before.rfind('\n').map_or(0, |newline| newline + 1);
    let line = before.matches('\n').count() + 1;
    Some((line, before[line_start..].chars().count() + 1))
}

struct Scan<'t> {
    text: &'t [u8],
    /// How deep collections may nest.
    deepest: usize,
    at: usize,
    /// Where the current line starts.
    line: usize,
    /// How many flow collections are open here.
    depth: usize,
    /// Whether a node may start here (a collection, a quoted scalar, a block scalar).
    node_start: bool,
    /// Outside flow collections, the column of the collection whose value comes next:
    /// the line's indentation, or where its last key or entry began; `None` before the
    /// first. A scalar's lines go on while they are indented more.
    parent: Option<usize>,
    /// Where the last scalar outside flow collections began (a key, once `:` follows).
    scalar: usize,
    /// Outside flow collections, whether the last token was an indicator whose node is
    /// still to come (`key:`, `-`, an anchor): it may start on the next line, whose
    /// indentation then says nothing of the collection the node is in.
    node_to_come: bool,
    /// Just past the closing quote of the last quoted scalar: a `:` there follows a key.
    quote_end: usize,
    /// While a plain scalar outside flow collections may go on at the next line: the
    /// least indentation of its lines.
    plain: Option<usize>,
    /// Set by a block scalar's indicator (`|`, `>`): the least indentation of its lines,
    /// and their indentation once its first line says it.
    block_scalar: Option<(usize, Option<usize>)>,
}

impl<'t> Scan<'t> {
    fn new(text: &'t [u8], deepest: usize) -> Self {
        Scan {
            text,
            deepest,
            at: 0,
            line: 0,
            depth: 0,
            node_start: true,
            parent: None,
            scalar: 0,
            node_to_come: false,
            quote_end: usize::MAX,
            plain: None,
            block_scalar: None,
        }
    }

    fn byte(&self, at: usize) -> Option<u8> {
        self.text.get(at).copied()
    }

    /// Whether the byte at `at` ends a token: white space, a line's end or the text's.
    fn ends_token(&self, at: usize) -> bool {
        matches!(self.byte(at), None | Some(b' ' | b'\t' | b'\r' | b'\n'))
    }

    /// Whether the byte at `at` ends a token here: as [`Self::ends_token`], and inside a
    /// flow collection, an indicator of one (`,`, a bracket, a brace).
    fn ends_token_here(&self, at: usize) -> bool {
        self.ends_token(at)
            || self.depth > 0 && matches!(self.byte(at), Some(b',' | b'[' | b']' | b'{' | b'}'))
    }

    fn column(&self) -> usize {
        self.at - self.line
    }

    /// The least indentation of a scalar's lines after its first, outside flow collections.
    fn scalar_indent(&self) -> usize {
        self.parent.map_or(0, |parent| parent + 1)
    }

    /// The offset where a collection opens deeper than `deepest`, if one does.
    fn too_deep(mut self) -> Option<usize> {
        self.line_start()?;
        while let Some(byte) = self.byte(self.at) {
            let block = self.depth == 0;
            match byte {
                b'\n' => {
                    self.at += 1;
                    self.line_start()?;
                    continue;
                }
                b' ' | b'\t' | b'\r' => {}
                b'#' if self.at == self.line || self.ends_token(self.at - 1) => {
                    self.plain = None;
                    self.skip_line();
                    continue;
                }
                b'[' | b'{' if !block || self.node_start => {
                    self.node_to_come = false;
                    self.depth += 1;
                    if self.depth > self.deepest {
                        return Some(self.at);
                    }
                    self.node_start = true;
                }
                b']' | b'}' if !block => {
                    self.depth -= 1;
                    self.node_start = false;
                }
                b',' if !block => self.node_start = true,
                b'"' | b'\'' if self.node_start => {
                    self.scalar = self.column();
                    self.skip_quoted(byte)?;
                    self.quote_end = self.at;
                    self.node_start = false;
                    self.node_to_come = false;
                    continue;
                }
                b'-' | b'?' if self.node_start && self.ends_token(self.at + 1) => {
                    if block {
                        self.parent = Some(self.column());
                        self.node_to_come = true;
                    }
                }
                // In a flow collection, a key in quotes or brackets may have its `:` right
                // after it.
                b':' if self.ends_token_here(self.at + 1)
                    || !block
                        && (self.at == self.quote_end
                            || matches!(
                                self.at.checked_sub(1).and_then(|at| self.byte(at)),
                                Some(b']' | b'}')
                            )) =>
                {
                    self.node_start = true;
                    if block {
                        // What came before was a key.
                        self.parent = Some(self.scalar);
                        self.plain = None;
                        self.node_to_come = true;
                    }
                }
                b'|' | b'>' if block && self.node_start => {
                    self.node_to_come = false;
                    self.block_scalar = Some((self.scalar_indent().max(1), None));
                    self.skip_line();
                    continue;
                }
                // An anchor or a tag comes before the node it names.
                b'&' | b'!' if self.node_start => {
                    while !self.ends_token_here(self.at + 1) {
                        self.at += 1;
                    }
                }
                _ => {
                    if block && self.node_start {
                        self.scalar = self.column();
                        self.plain = Some(self.scalar_indent());
                    }
                    self.node_start = false;
                    self.node_to_come = false;
                }
            }
            self.at += 1;
        }
        None
    }

    /// At the start of a line: skips it while it belongs to a block scalar, and its
    /// indentation. `None` at the end of the text.
    fn line_start(&mut self) -> Option<()> {
        loop {
            self.line = self.at;
            let indent = self.text[self.at..]
                .iter()
                .take_while(|&&byte| byte == b' ')
                .count();
            let rest = &self.text[self.at + indent..];
            let blank = rest
                .iter()
                .take_while(|&&byte| byte != b'\n')
                .all(|&byte| byte == b' ' || byte == b'\t' || byte == b'\r');
            if let Some((least, content)) = self.block_scalar {
                let inside = match content {
                    _ if blank => rest.contains(&b'\n'),
                    Some(content) => indent >= content,
                    None if indent >= least => {
                        self.block_scalar = Some((least, Some(indent)));
                        true
                    }
                    None => false,
                };
                if inside {
                    self.skip_line();
                    self.at += 1;
                    if self.at >= self.text.len() {
                        return None;
                    }
                    continue;
                }
                self.block_scalar = None;
            }
            if self.depth == 0 && !blank {
                let goes_on =
                    self.plain.is_some_and(|least| indent >= least) && rest.first() != Some(&b'#');
                if !goes_on {
                    self.plain = None;
                    if self.parent.is_some() && !self.node_to_come {
                        self.parent = Some(indent);
                    }
                    self.node_to_come = false;
                    self.node_start = true;
                }
            }
            self.at += indent;
            return Some(());
        }
    }

    /// Moves to the end of the line (past a comment, a block scalar's indicator).
    fn skip_line(&mut self) {
        self.at = match memchr::memchr(b'\n', &self.text[self.at..]) {
            Some(newline) => self.at + newline,
            None => self.text.len(),
        };
    }

    /// Moves past the quoted scalar that opens here; `None` when it never closes.
    fn skip_quoted(&mut self, quote: u8) -> Option<()> {
        let mut at = self.at + 1;
        loop {
            let byte = self.byte(at)?;
            at += 1;
            if byte == b'\\' && quote == b'"' {
                at += 1;
            } else if byte == quote {
                if quote == b'\'' && self.byte(at) == Some(b'\'') {
                    at += 1;
                } else {
                    self.at = at;
                    return Some(());
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn nested(depth: usize) -> String {
        format!("a: {}{}\n", "[".repeat(depth), "]".repeat(depth))
    }

    #[test]
    fn collections_nesting_deeper_than_the_reader_takes_are_found_where_they_open() {
        assert_eq!(too_deep(&nested(DEEPEST)), None);
        assert_eq!(too_deep(&nested(DEEPEST + 1)), Some((1, DEEPEST + 4)));
        let mappings = format!("x: 1\nb:\n  - {}\n", "{a: ".repeat(10_000));
        assert_eq!(too_deep(&mappings), Some((3, 4 + 4 * DEEPEST + 1)));
        // A collection across lines, after an anchor, a tag, a key in a flow mapping.
        let across = format!("a: &x !!seq [\n{}\n", "[\n".repeat(DEEPEST));
        assert_eq!(too_deep(&across), Some((DEEPEST + 1, 1)));
        let keyed = format!("a: {}\n", "{k: ".repeat(DEEPEST + 1));
        assert!(too_deep(&keyed).is_some());
        let quoted_keys = format!("a: {}\n", "{\"k\":[".repeat(DEEPEST));
        assert!(too_deep(&quoted_keys).is_some());
    }

    #[test]
    fn brackets_that_open_nothing_are_not_counted() {
        let many = |line: &str| line.repeat(3 * DEEPEST);
        for text in [
            many("description: see [this and {that\n"),
            many("a: '[{'\nb: \"[{ \\\" [\"\nc: 'it''s [['\n"),
            many("# [[[\na: 1 # {{\n"),
            format!("d: |\n  [[\n{}e: 1\n", many("  [{\n\n")),
            format!("- d: >-\n    {{\n{}- e: [a]\n", many("    [[\n")),
            many("f: [it's, \"]]\", 'a''[b']\n"),
            // The lines of a plain scalar after its first, and of one that starts on the
            // line after its key.
            format!("g: a\n{}h: 1\n", many("  [b {\n")),
            format!("g:\n  a\n{}h: 1\n", many("  [b {\n")),
            format!("- g:\n    a\n{}", many("    [b {\n")),
            // A value in quotes right after a key in quotes or brackets, in a flow
            // collection.
            many("a: {\"k\":\"{{[\", \"l\":'[['}\n"),
            many("a: {[k]:\"{{[\", {l: 1}:'[['}\n"),
            format!("- i: a\n{}", many("   [b\n\n")),
            format!("a\n{}", many("[b\n")),
        ] {
            assert_eq!(too_deep(&text), None, "{text}");
        }
    }

    /// How deep the lists and mappings of `value` nest, in flow or block style.
    fn depth_of(value: &serde_yaml::Value) -> usize {
        match value {
            serde_yaml::Value::Sequence(items) => 1 + items.iter().map(depth_of).max().unwrap_or(0),
            serde_yaml::Value::Mapping(mapping) => {
                1 + mapping
                    .iter()
                    .map(|(key, value)| depth_of(key).max(depth_of(value)))
                    .max()
                    .unwrap_or(0)
            }
            serde_yaml::Value::Tagged(tagged) => depth_of(&tagged.value),
            _ => 0,
        }
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig { cases: 4096, ..Default::default() })]

        /// Any text ends the scan, and what it counts in a text YAML reads is there: a
        /// collection found deeper than `deepest` is one the reader nests at least as deep.
        #[test]
        fn the_scan_ends_and_counts_only_collections_that_are_there(
            text in "([\\[\\]{}'\"#|>:?&!,\\\\ \n\t\r-]|a|é|  |- |: |:\n  ){0,40}",
            deepest in 0_usize..4,
        ) {
            let found = Scan::new(text.as_bytes(), deepest).too_deep();
            if found.is_some()
                && let Ok(value) = serde_yaml::from_str::<serde_yaml::Value>(&text)
            {
                proptest::prop_assert!(depth_of(&value) > deepest, "{:?}", text);
            }
        }
    }

    #[test]
    fn scalars_end_where_their_indentation_does() {
        let deep = "[".repeat(DEEPEST + 1);
        let block = format!("a:\n  b: |\n     text\n  c: {deep}\n");
        assert_eq!(too_deep(&block), Some((4, 6 + DEEPEST)));
        let entry = format!("- b: >\n  c: {deep}\n");
        assert_eq!(too_deep(&entry), Some((2, 6 + DEEPEST)));
        let plain = format!("- b: a\n    a\n  c: {deep}\n");
        assert_eq!(too_deep(&plain), Some((3, 6 + DEEPEST)));
        let commented = format!("b: a # note\n  {deep}\n");
        assert_eq!(too_deep(&commented), Some((2, 3 + DEEPEST)));
    }
}
