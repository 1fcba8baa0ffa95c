//! A JSON request body of a known type, serialised once: from a typed value, or from bytes
//! serialised beforehand.

use std::fmt;
use std::marker::PhantomData;

use bytes::Bytes;
use serde::Serialize;

/// The JSON body of an operation whose request body is a `T`: what an operation with a
/// required JSON body takes (`body: impl Into<JsonBody<T>>`).
///
/// It is made from a reference to the typed body, `&T` (so `api.create(&item)` compiles and
/// reads as it did with a `&T` parameter), which is serialised at once, or from JSON
/// serialised beforehand
/// with [`from_serialized`](Self::from_serialized): bytes written while the data was read
/// or checked, reused for several calls, or kept instead of the values to save memory.
///
/// Either way the JSON is held as [`Bytes`]: cloning a `JsonBody` and retrying a call share
/// the same buffer, never copy it.
///
/// The type parameter is what makes a body of one operation impossible to pass to another
/// by mistake: a `JsonBody<NewUser>` is not a `JsonBody<Group>`, even when both are bytes
/// underneath. Name the type where the bytes are made
/// (`JsonBody::<NewUser>::from_serialized(json)`), and keep the `JsonBody` rather than the
/// bytes from then on:
///
/// ```compile_fail
/// # use api_client_runtime::JsonBody;
/// struct NewUser;
/// struct Group;
/// fn create_group(body: impl Into<JsonBody<Group>>) {}
///
/// let user = JsonBody::<NewUser>::from_serialized(r#"{"name":"ada"}"#);
/// create_group(user); // a `JsonBody<NewUser>` is not a `JsonBody<Group>`
/// ```
///
/// There is no conversion from an owned `T`: with one, Clippy would ask every caller that
/// lends a temporary (`&body()`) to move it instead, and serialising borrows it anyway.
/// An optional body stays an `Option<&T>` parameter: with `impl Into<…>` in an `Option`, a
/// plain `None` would have no type.
pub struct JsonBody<T: ?Sized> {
    /// The JSON, or why the typed body could not be serialised (reported when the call is
    /// sent, as a request that can't be built).
    json: Result<Bytes, String>,
    /// `fn(&T)`: the body says which type it holds, without owning one, so it is `Send`
    /// and `Sync` whatever `T` is.
    body: PhantomData<fn(&T)>,
}

impl<T: ?Sized> JsonBody<T> {
    /// A body of JSON serialised beforehand, sent as it is.
    ///
    /// The bytes are not checked: the caller vouches that they are a `T` serialised as
    /// JSON (for instance written by `serde_json` from a `T`, or from its parts in the
    /// order `T` serialises them). Checking would mean parsing them, which is the cost
    /// this saves; a server refuses a body that is not what it expects.
    pub fn from_serialized(json: impl Into<Bytes>) -> Self {
        Self {
            json: Ok(json.into()),
            body: PhantomData,
        }
    }

    /// The JSON, or `None` when the typed body could not be serialised (a map with keys
    /// that are not strings).
    pub fn as_bytes(&self) -> Option<&[u8]> {
        self.json.as_ref().ok().map(|json| json.as_ref())
    }

    /// The JSON to send, or the message of the error to report.
    pub(crate) fn into_json(self) -> Result<Bytes, String> {
        self.json
    }
}

impl<T: Serialize + ?Sized> JsonBody<T> {
    /// The JSON of `body`, serialised now.
    pub fn new(body: &T) -> Self {
        let json = serde_json::to_vec(body)
            .map(Bytes::from)
            .map_err(|error| format!("the request body could not be serialised: {error}"));
        Self {
            json,
            body: PhantomData,
        }
    }
}

impl<T: Serialize + ?Sized> From<&T> for JsonBody<T> {
    fn from(body: &T) -> Self {
        Self::new(body)
    }
}

// What a `&[T]` or `&str` parameter took by coercion, a list or text body still takes.
impl<T: Serialize> From<&Vec<T>> for JsonBody<[T]> {
    fn from(body: &Vec<T>) -> Self {
        Self::new(body.as_slice())
    }
}

impl<T: Serialize, const N: usize> From<&[T; N]> for JsonBody<[T]> {
    fn from(body: &[T; N]) -> Self {
        Self::new(body.as_slice())
    }
}

impl From<&String> for JsonBody<str> {
    fn from(body: &String) -> Self {
        Self::new(body.as_str())
    }
}

impl<T: ?Sized> Clone for JsonBody<T> {
    fn clone(&self) -> Self {
        Self {
            json: self.json.clone(),
            body: PhantomData,
        }
    }
}

/// The type and the size, not the JSON, which may hold personal data.
impl<T: ?Sized> fmt::Debug for JsonBody<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut debug = f.debug_struct("JsonBody");
        debug.field("type", &std::any::type_name::<T>());
        match &self.json {
            Ok(json) => debug.field("bytes", &json.len()),
            Err(error) => debug.field("error", error),
        };
        debug.finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Serialize)]
    struct Item {
        name: &'static str,
    }

    #[test]
    fn typed_and_serialised_bodies_hold_the_same_json() {
        let item = Item { name: "a\"b" };
        let by_reference: JsonBody<Item> = (&item).into();
        let expected = br#"{"name":"a\"b"}"#.as_slice();
        assert_eq!(by_reference.as_bytes(), Some(expected));
        let ready = JsonBody::<Item>::from_serialized(expected);
        assert_eq!(ready.as_bytes(), Some(expected));
        let list: JsonBody<[u8]> = (&vec![1, 2]).into();
        assert_eq!(list.as_bytes(), Some(b"[1,2]".as_slice()));
        let text: JsonBody<str> = (&"é".to_owned()).into();
        assert_eq!(text.as_bytes(), Some("\"é\"".as_bytes()));
    }

    #[test]
    fn clones_share_the_buffer_and_debug_shows_no_content() {
        let body = JsonBody::<Item>::from_serialized(br#"{"name":"secret"}"#.to_vec());
        let clone = body.clone();
        assert_eq!(
            body.as_bytes().map(<[u8]>::as_ptr),
            clone.as_bytes().map(<[u8]>::as_ptr)
        );
        let debug = format!("{body:?}");
        assert!(
            debug.contains("bytes: 17") && !debug.contains("secret"),
            "{debug}"
        );
    }

    #[test]
    fn a_body_that_cannot_be_serialised_says_why() {
        let map = std::collections::HashMap::from([((1, 2), 3)]);
        let body = JsonBody::new(&map);
        assert_eq!(body.as_bytes(), None);
        let error = body.into_json().unwrap_err();
        assert!(error.contains("could not be serialised"), "{error}");
    }
}
