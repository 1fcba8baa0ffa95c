//! YAML merge keys (`<<: *defaults`, `<<: [*a, *b]`), applied as <https://yaml.org/type/merge.html>
//! says: the keys of the mappings merged in are added to the mapping unless it has them
//! already, an earlier mapping of a list winning over a later one. They take the place of
//! the `<<` key, so the order of the keys (the order of an object's properties, of an
//! API's paths) stays the order in which the document shows them.

use serde_yaml::{Mapping, Value};

use super::position;
use super::tree::key_token;
use crate::diagnostic::{Diagnostic, Pointer};

/// The key that merges mappings into the one that holds it.
pub(super) const MERGE_KEY: &str = "<<";

/// Applies every merge key of `tree`, read from `text`, at any depth; an error names the
/// `<<` whose value is not a mapping or a list of mappings, and its line.
pub(super) fn apply(tree: &mut Value, text: &str) -> Result<(), Diagnostic> {
    let mut tokens = Vec::new();
    apply_at(tree, &mut tokens).map_err(|()| {
        let pointer = Pointer::of_tokens(&tokens);
        let line = position::of(text, &tokens)
            .map(|(line, column)| format!(" (line {line}, column {column})"))
            .unwrap_or_default();
        Diagnostic::at(
            &pointer,
            format!("a YAML merge key `<<` must be given a mapping or a list of mappings{line}"),
        )
        .with_help("write `<<: *anchor` or `<<: [*first, *second]`, where each anchor is a mapping")
    })
}

/// Applies the merge keys in `value`, at `tokens`; on an error `tokens` are those of the
/// merge key refused.
fn apply_at(value: &mut Value, tokens: &mut Vec<String>) -> Result<(), ()> {
    match value {
        Value::Mapping(mapping) => {
            if mapping.contains_key(MERGE_KEY) {
                tokens.push(MERGE_KEY.to_owned());
                *mapping = merged(std::mem::take(mapping))?;
                tokens.pop();
            }
            for (key, value) in mapping.iter_mut() {
                tokens.push(key_token(key));
                apply_at(value, tokens)?;
                tokens.pop();
            }
        }
        Value::Sequence(items) => {
            for (index, item) in items.iter_mut().enumerate() {
                tokens.push(index.to_string());
                apply_at(item, tokens)?;
                tokens.pop();
            }
        }
        Value::Tagged(tagged) => apply_at(&mut tagged.value, tokens)?,
        _ => {}
    }
    Ok(())
}

/// `mapping` with its `<<` replaced by the keys of the mappings it names that `mapping`
/// does not have.
fn merged(mut mapping: Mapping) -> Result<Mapping, ()> {
    let Some(place) = mapping
        .keys()
        .position(|key| key.as_str() == Some(MERGE_KEY))
    else {
        return Ok(mapping);
    };
    let sources = mapping.shift_remove(MERGE_KEY).map(merge_sources);
    let mut added = Mapping::new();
    for mut source in sources.transpose()?.unwrap_or_default() {
        // A mapping merged in may merge others itself.
        if source.contains_key(MERGE_KEY) {
            source = merged(source)?;
        }
        for (key, value) in source {
            if !mapping.contains_key(&key) && !added.contains_key(&key) {
                added.insert(key, value);
            }
        }
    }
    let mut result = Mapping::with_capacity(mapping.len() + added.len());
    let mut added = Some(added);
    for (index, (key, value)) in mapping.into_iter().enumerate() {
        if index == place {
            result.extend(added.take().unwrap_or_default());
        }
        result.insert(key, value);
    }
    result.extend(added.unwrap_or_default());
    Ok(result)
}

/// The mappings a `<<` merges: one, or a list of them.
fn merge_sources(value: Value) -> Result<Vec<Mapping>, ()> {
    match value {
        Value::Mapping(mapping) => Ok(vec![mapping]),
        Value::Sequence(items) => items
            .into_iter()
            .map(|item| match item {
                Value::Mapping(mapping) => Ok(mapping),
                _ => Err(()),
            })
            .collect(),
        _ => Err(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn applied(text: &str) -> Result<String, String> {
        let mut tree: Value = serde_yaml::from_str(text).expect("YAML");
        apply(&mut tree, text).map_err(|error| error.to_string())?;
        Ok(serde_yaml::to_string(&tree).expect("writes"))
    }

    #[test]
    fn merged_keys_take_the_place_of_the_merge_key_and_never_replace_a_key() {
        let text = "base: &base {a: 1, b: 2}\nmore: &more {b: 3, c: 4, d: 5}\nthing: {z: 0, <<: [*base, *more], d: 6}\n";
        let expected = "base:\n  a: 1\n  b: 2\nmore:\n  b: 3\n  c: 4\n  d: 5\nthing:\n  z: 0\n  a: 1\n  b: 2\n  c: 4\n  d: 6\n";
        assert_eq!(applied(text).as_deref(), Ok(expected));
    }

    #[test]
    fn merges_apply_at_any_depth_and_inside_what_is_merged() {
        let text = "a: &a {x: 1}\nb: &b {<<: *a, y: 2}\nlist: [{<<: *b, z: 3}]\n";
        let expected = "a:\n  x: 1\nb:\n  x: 1\n  y: 2\nlist:\n- x: 1\n  y: 2\n  z: 3\n";
        assert_eq!(applied(text).as_deref(), Ok(expected));
    }

    #[test]
    fn a_merge_of_anything_but_mappings_is_located() {
        for text in ["paths:\n  /a: {<<: 3}\n", "paths:\n  /a: {<<: [{}, [1]]}\n"] {
            let error = applied(text).expect_err("refused");
            assert!(
                error.starts_with("at #/paths/~1a/<<: a YAML merge key `<<` must be given a mapping or a list of mappings (line 2, column"),
                "{error}"
            );
        }
    }
}
