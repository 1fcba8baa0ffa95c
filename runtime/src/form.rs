//! Form bodies (`application/x-www-form-urlencoded`): each property of the body written in
//! the style its `encoding` gives (OpenAPI 3.0, "Encoding Object"), with the query
//! parameters' writer. Unless said, a property is `style: form, explode: true`: a list as
//! its name repeated (`k=a&k=b`), an object as one pair per property. In `deepObject`, an
//! object is `k[x]=1` and a list's items take their index (`k[0]=a`).

use serde::Serialize;
use serde_json::Value;

use super::query::{value_pairs, DeepItems, ObjectStyle};

/// The text of `body` as a form, the properties named in `styles` written in their style
/// and the others as `form` exploded; `null` properties are left out.
pub(crate) fn form_text(
    body: &(impl Serialize + ?Sized),
    styles: &[(&str, ObjectStyle)],
) -> Result<String, String> {
    let failed = |why: String| format!("the request body could not be written as a form: {why}");
    let properties = match crate::json_value::to_value(body) {
        Ok(Value::Object(properties)) => properties,
        Ok(other) => return Err(failed(format!("it is {}, not an object", kind(&other)))),
        Err(error) => return Err(failed(error.to_string())),
    };
    let mut pairs = Vec::with_capacity(properties.len());
    for (name, value) in properties.iter().filter(|(_, value)| !value.is_null()) {
        let style = styles
            .iter()
            .find(|(styled, _)| styled == name)
            .map_or(ObjectStyle::FormExploded, |(_, style)| *style);
        pairs.extend(value_pairs(name, value, style, DeepItems::Indexed));
    }
    serde_urlencoded::to_string(&pairs).map_err(|error| failed(error.to_string()))
}

/// A word for a JSON value's kind, in a message.
fn kind(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "text",
        Value::Array(_) => "a list",
        Value::Object(_) => "an object",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn properties_are_written_in_their_encodings_style() {
        let body = json!({
            "email": "a@b.c",
            "gone": null,
            "tags": ["x", "y z"],
            "metadata": {"order": "6735", "note": "a&b"},
            "preferred_locales": ["en", "fr"],
            "address": {"city": "Paris", "lines": ["1 rue"]},
            "limits": {"a": 1, "b": 2},
            "filter": {"q": "x"},
            "ids": [1, 2],
        });
        let styles = [
            ("metadata", ObjectStyle::DeepObject),
            ("preferred_locales", ObjectStyle::DeepObject),
            ("address", ObjectStyle::DeepObject),
            ("limits", ObjectStyle::Form),
            ("filter", ObjectStyle::Json),
            ("ids", ObjectStyle::Form),
        ];
        let text = form_text(&body, &styles).unwrap();
        assert_eq!(
            text,
            "address%5Bcity%5D=Paris&address%5Blines%5D%5B0%5D=1+rue\
             &email=a%40b.c\
             &filter=%7B%22q%22%3A%22x%22%7D\
             &ids=1%2C2\
             &limits=a%2C1%2Cb%2C2\
             &metadata%5Bnote%5D=a%26b&metadata%5Border%5D=6735\
             &preferred_locales%5B0%5D=en&preferred_locales%5B1%5D=fr\
             &tags=x&tags=y+z"
        );
    }

    #[test]
    fn an_object_property_in_the_default_style_is_one_pair_per_property() {
        let body = json!({"page": {"size": 2, "after": "x"}, "n": 1.5, "on": true});
        assert_eq!(
            form_text(&body, &[]).unwrap(),
            "n=1.5&on=true&after=x&size=2"
        );
    }

    #[test]
    fn a_body_that_is_not_an_object_is_an_error_that_says_so() {
        for (body, kind) in [
            (json!(["a"]), "a list"),
            (json!("a"), "text"),
            (json!(null), "null"),
        ] {
            let error = form_text(&body, &[]).unwrap_err();
            assert_eq!(
                error,
                format!(
                    "the request body could not be written as a form: it is {kind}, not an object"
                )
            );
        }
    }
}
