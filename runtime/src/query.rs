//! Query parameters whose value is an object (or a list of objects), written the way the
//! parameter's `style` says (OpenAPI 3.0, "Style Values"), or as JSON when the parameter
//! is described by `content`.

use serde::Serialize;
use serde_json::Value;

/// How a query parameter holding an object is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[allow(dead_code)] // Which styles are used depends on the API description.
pub enum ObjectStyle {
    /// `style: form, explode: true` (the default): one pair per property,
    /// `role=admin&firstName=Alex`; a list property repeats its name.
    FormExploded,
    /// `style: form, explode: false`: names and values joined, `id=role,admin,firstName,Alex`;
    /// in a query, a comma of a name or a value is escaped (`%2C`), the separators are not,
    /// as a list's items are (`Request::query_joined`).
    Form,
    /// `style: deepObject`: `id[role]=admin&id[firstName]=Alex`; nested objects nest the
    /// brackets, list items repeat the name (objects in a list take their index).
    DeepObject,
    /// Described by `content: application/json`: the JSON text, `id={"role":"admin"}`.
    Json,
}

/// How `deepObject` names the scalar items of a list.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum DeepItems {
    /// The name repeated, `id[tags]=a&id[tags]=b`: query parameters.
    Repeated,
    /// Each with its index, `id[tags][0]=a&id[tags][1]=b`: form bodies, as the APIs that
    /// describe them with `deepObject` (Stripe's) read them.
    Indexed,
}

/// The query pairs that write `value` as the parameter `name` in `style`; properties that
/// are `null` are left out.
pub(crate) fn object_pairs(
    name: &str,
    value: &(impl Serialize + ?Sized),
    style: ObjectStyle,
) -> Result<Vec<(String, String)>, String> {
    Ok(value_pairs(
        name,
        &query_value(name, value)?,
        style,
        DeepItems::Repeated,
    ))
}

/// The items of the query parameter `name` holding `value` in `form` style without
/// explode, to be joined by commas: see [`form_items`].
pub(crate) fn object_items(
    name: &str,
    value: &(impl Serialize + ?Sized),
) -> Result<Vec<String>, String> {
    Ok(form_items(&query_value(name, value)?).unwrap_or_default())
}

/// The value of the query parameter `name` as JSON data.
fn query_value(name: &str, value: &(impl Serialize + ?Sized)) -> Result<Value, String> {
    crate::json_value::to_value(value)
        .map_err(|error| format!("the query parameter `{name}` could not be written: {error}"))
}

/// The pairs that write `value` as `name` in `style`, the items of lists in `deepObject`
/// named as `items` says.
pub(crate) fn value_pairs(
    name: &str,
    value: &Value,
    style: ObjectStyle,
    items: DeepItems,
) -> Vec<(String, String)> {
    let mut pairs = Vec::new();
    match style {
        ObjectStyle::Json => pairs.push((name.to_owned(), value.to_string())),
        ObjectStyle::FormExploded => exploded(name, value, &mut pairs),
        ObjectStyle::Form => {
            if let Some(items) = form_items(value) {
                pairs.push((name.to_owned(), items.join(",")));
            }
        }
        ObjectStyle::DeepObject => deep(name.to_owned(), value, items, &mut pairs),
    }
    pairs
}

/// One pair per property (or per item of a list property); a list of objects gives the
/// pairs of each in turn.
fn exploded(name: &str, value: &Value, pairs: &mut Vec<(String, String)>) {
    match value {
        Value::Null => {}
        Value::Object(properties) => {
            for (property, value) in properties {
                match value {
                    Value::Null => {}
                    Value::Array(items) => {
                        pairs.extend(items.iter().map(|item| (property.clone(), text(item))))
                    }
                    value => pairs.push((property.clone(), text(value))),
                }
            }
        }
        Value::Array(items) => items.iter().for_each(|item| exploded(name, item, pairs)),
        scalar => pairs.push((name.to_owned(), text(scalar))),
    }
}

/// What `form` style without explode joins by commas: `name`, `value`, `name`, `value` for
/// an object, the items of a list, the text of a scalar; `None` for null.
fn form_items(value: &Value) -> Option<Vec<String>> {
    Some(match value {
        Value::Null => return None,
        Value::Object(properties) => properties
            .iter()
            .filter(|(_, value)| !value.is_null())
            .flat_map(|(property, value)| [property.clone(), text(value)])
            .collect(),
        Value::Array(items) => items.iter().map(text).collect(),
        scalar => vec![text(scalar)],
    })
}

/// `prefix[property]=value`, nesting for objects inside; objects and lists in a list take
/// their index, scalars too when `items` says.
fn deep(prefix: String, value: &Value, items: DeepItems, pairs: &mut Vec<(String, String)>) {
    match value {
        Value::Null => {}
        Value::Object(properties) => {
            for (property, value) in properties {
                deep(format!("{prefix}[{property}]"), value, items, pairs);
            }
        }
        Value::Array(list) => {
            for (index, item) in list.iter().enumerate() {
                let name = match item {
                    Value::Object(_) | Value::Array(_) => format!("{prefix}[{index}]"),
                    _ if items == DeepItems::Indexed => format!("{prefix}[{index}]"),
                    _ => prefix.clone(),
                };
                deep(name, item, items, pairs);
            }
        }
        scalar => pairs.push((prefix, text(scalar))),
    }
}

/// A value as query text: a string as it is, other scalars as JSON writes them, an object
/// or a list as JSON.
fn text(value: &Value) -> String {
    match value {
        Value::String(text) => text.clone(),
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn pairs(value: Value, style: ObjectStyle) -> Vec<(String, String)> {
        object_pairs("id", &value, style).unwrap()
    }

    fn owned(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|(name, value)| ((*name).to_owned(), (*value).to_owned()))
            .collect()
    }

    /// The examples of the style table in OpenAPI 3.0.3, "Style Examples".
    #[test]
    fn objects_are_written_as_the_style_table_says() {
        let object = json!({"R": 100, "G": 200, "B": 150});
        assert_eq!(
            pairs(object.clone(), ObjectStyle::FormExploded),
            owned(&[("B", "150"), ("G", "200"), ("R", "100")])
        );
        assert_eq!(
            pairs(object.clone(), ObjectStyle::Form),
            owned(&[("id", "B,150,G,200,R,100")])
        );
        assert_eq!(
            pairs(object.clone(), ObjectStyle::DeepObject),
            owned(&[("id[B]", "150"), ("id[G]", "200"), ("id[R]", "100")])
        );
        assert_eq!(
            pairs(object, ObjectStyle::Json),
            owned(&[("id", r#"{"B":150,"G":200,"R":100}"#)])
        );
    }

    #[test]
    fn nulls_lists_and_nested_objects() {
        let value = json!({"name": "x", "gone": null, "tags": ["a", "b"], "at": {"lat": 1.5}});
        assert_eq!(
            pairs(value.clone(), ObjectStyle::FormExploded),
            owned(&[
                ("at", r#"{"lat":1.5}"#),
                ("name", "x"),
                ("tags", "a"),
                ("tags", "b")
            ])
        );
        assert_eq!(
            pairs(value, ObjectStyle::DeepObject),
            owned(&[
                ("id[at][lat]", "1.5"),
                ("id[name]", "x"),
                ("id[tags]", "a"),
                ("id[tags]", "b")
            ])
        );
        let list = json!([{"a": 1}, {"a": 2}]);
        assert_eq!(
            pairs(list.clone(), ObjectStyle::FormExploded),
            owned(&[("a", "1"), ("a", "2")])
        );
        assert_eq!(
            pairs(list, ObjectStyle::DeepObject),
            owned(&[("id[0][a]", "1"), ("id[1][a]", "2")])
        );
        assert_eq!(pairs(Value::Null, ObjectStyle::Form), owned(&[]));
    }
}
