//! Decoding a 2xx body, and where in it a JSON body stopped decoding.

use serde::de::DeserializeOwned;

/// Why a 2xx body is not what the operation declares.
#[derive(Debug)]
pub(crate) struct Failure {
    /// What serde_json reported.
    pub(crate) source: serde_json::Error,
    /// Where in the body it failed ([`path`]), when below the top.
    pub(crate) path: Option<String>,
}

impl From<serde_json::Error> for Failure {
    fn from(source: serde_json::Error) -> Self {
        Self { source, path: None }
    }
}

/// Decodes `body` as `T`. serde_json alone reads it; only when that fails is the body
/// read again to find where, so an answer that decodes costs nothing more.
pub(crate) fn json<T: DeserializeOwned>(body: &[u8]) -> Result<T, Failure> {
    serde_json::from_slice(body).map_err(|source| Failure {
        source,
        path: path::<T>(body),
    })
}

/// Where in `body` decoding it as `T` fails, as its fields and items from the top
/// (`users[3].profile.email`), or `None` when it fails at the top (not JSON, another type,
/// text after the value) or does not fail.
fn path<T: DeserializeOwned>(body: &[u8]) -> Option<String> {
    let mut deserializer = serde_json::Deserializer::from_slice(body);
    below_top(
        serde_path_to_error::deserialize::<_, T>(&mut deserializer)
            .err()?
            .path(),
    )
}

/// `path` as text, unless it is the top's.
fn below_top(path: &serde_path_to_error::Path) -> Option<String> {
    path.iter().next().is_some().then(|| path.to_string())
}

/// `value` as `T`, or an error whose words say where in it it stopped decoding: serde_json
/// gives no line and column for a value already read.
pub(crate) fn value<T, E>(value: &serde_json::Value) -> Result<T, E>
where
    T: DeserializeOwned,
    E: serde::de::Error,
{
    T::deserialize(value).map_err(|error| {
        let tracked = serde_path_to_error::deserialize::<_, T>(value).err();
        match tracked.and_then(|tracked| below_top(tracked.path())) {
            Some(path) => E::custom(format_args!("{error} at `{path}`")),
            None => E::custom(error),
        }
    })
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use serde::Deserialize;

    use super::*;

    #[derive(Debug, Deserialize)]
    #[allow(dead_code)]
    struct Session {
        id: String,
        users: Vec<User>,
        extra: Option<BTreeMap<String, u32>>,
    }

    #[derive(Debug, Deserialize)]
    #[allow(dead_code)]
    struct User {
        #[serde(rename = "externalId")]
        external_id: String,
    }

    fn failed(body: &str) -> Failure {
        json::<Session>(body.as_bytes()).unwrap_err()
    }

    #[test]
    fn a_failure_says_where_in_the_body_it_is() {
        let body = r#"{"id": "s1", "users": [{"externalId": "a"}, {"externalId": 7}]}"#;
        let failure = failed(body);
        assert_eq!(failure.path.as_deref(), Some("users[1].externalId"));
        // serde_json's own error, line and column, is kept as it was.
        assert_eq!(failure.source.column(), 60);
        assert!(failure.source.is_data());

        let failure = failed(r#"{"id": "s1", "users": [], "extra": {"x": "many"}}"#);
        assert_eq!(failure.path.as_deref(), Some("extra.x"));
        let failure = failed(r#"{"id": "s1", "users": [{"externalId": "a"}"#);
        assert_eq!(failure.path.as_deref(), Some("users"));
        assert!(failure.source.is_eof());
    }

    #[test]
    fn a_failure_at_the_top_has_no_path() {
        for body in [
            "<html>",
            "[]",
            r#"{"id": "s1"}"#,
            r#"{"id": "s1", "users": []} x"#,
            "",
        ] {
            let failure = failed(body);
            assert_eq!(failure.path, None, "{body}");
        }
        assert_eq!(json::<u32>(b"5").ok(), Some(5));
    }

    #[test]
    fn a_value_s_failure_says_where_in_it_it_is() {
        let value = serde_json::json!({"id": "s1", "users": [{"externalId": false}]});
        let error = super::value::<Session, serde_json::Error>(&value).unwrap_err();
        assert_eq!(
            error.to_string(),
            "invalid type: boolean `false`, expected a string at `users[0].externalId`"
        );
        let error = super::value::<Session, serde_json::Error>(&serde_json::json!(3)).unwrap_err();
        assert_eq!(
            error.to_string(),
            "invalid type: integer `3`, expected struct Session"
        );
    }
}
