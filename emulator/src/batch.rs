//! What a session keeps of a checked bulk request until its import completes: the body
//! itself, and where its users and their attributes are in it, so completing an import reads
//! no JSON again and a request's 200 users take a handful of allocations, not one per string,
//! and no string is copied (but those with escapes, kept unescaped after the body). A
//! standard attribute is kept as its place in
//! [`PROFILE_FIELDS`](crate::rules::PROFILE_FIELDS), so applying it compares no names.

use std::ops::Range;

pub(crate) mod spare;

/// The users of one checked bulk request, in the order sent.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub(crate) struct Batch {
    /// The body, then the strings of the body that had escapes, unescaped.
    text: String,
    users: Vec<BatchUser>,
    attributes: Vec<BatchAttribute>,
}

/// A batch being filled while its body is read: strings are kept as where they are in the
/// body, or, when they had escapes, copied after it.
#[derive(Debug)]
pub(crate) struct BatchBuilder<'b> {
    body: &'b str,
    /// The unescaped strings, which come after the body in [`Batch::text`].
    escaped: String,
    users: Vec<BatchUser>,
    attributes: Vec<BatchAttribute>,
}

/// A filled batch that waits for its body to be handed over: [`Pending::into_batch`].
#[derive(Debug)]
pub(crate) struct Pending {
    escaped: String,
    users: Vec<BatchUser>,
    attributes: Vec<BatchAttribute>,
}

/// A user: its external id, and its attributes as a range of [`Batch::attributes`].
#[derive(Debug, Clone, PartialEq, Eq)]
struct BatchUser {
    external_id: Range<usize>,
    attributes: Range<usize>,
}

/// An attribute's name, and its value or `None` for `null` (remove the attribute).
#[derive(Debug, Clone, PartialEq, Eq)]
struct BatchAttribute {
    name: StoredName,
    value: Option<Range<usize>>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum StoredName {
    Standard(usize),
    Custom(Range<usize>),
}

/// An attribute's name: a standard attribute's place in
/// [`PROFILE_FIELDS`](crate::rules::PROFILE_FIELDS), or a custom attribute's name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Name<'a> {
    Standard(usize),
    /// The UTF-8 bytes of the name.
    Custom(&'a [u8]),
}

impl<'b> BatchBuilder<'b> {
    /// An empty batch of strings from `body`, with room for `users` users and `attributes`
    /// attributes.
    pub(crate) fn new(body: &'b str, users: usize, attributes: usize) -> Self {
        let (users, attributes) = spare::places(users, attributes);
        Self {
            body,
            escaped: String::new(),
            users,
            attributes,
        }
    }

    /// Adds an attribute to the user [`BatchBuilder::push_user`] adds next: the standard
    /// attribute at `field` in [`PROFILE_FIELDS`](crate::rules::PROFILE_FIELDS), or else the
    /// custom attribute `name`, with its value's UTF-8 bytes (`None`: sent as `null`).
    #[inline]
    pub(crate) fn push_attribute(
        &mut self,
        field: Option<usize>,
        name: &[u8],
        value: Option<&[u8]>,
    ) {
        let name = match field {
            Some(field) => StoredName::Standard(field),
            None => StoredName::Custom(self.place(name)),
        };
        let value = value.map(|value| self.place(value));
        self.attributes.push(BatchAttribute { name, value });
    }

    /// Adds a user, with the attributes pushed since the previous user.
    pub(crate) fn push_user(&mut self, external_id: &[u8]) {
        let external_id = self.place(external_id);
        let start = self.users.last().map_or(0, |user| user.attributes.end);
        self.users.push(BatchUser {
            external_id,
            attributes: start..self.attributes.len(),
        });
    }

    /// The batch, without the body.
    pub(crate) fn finish(self) -> Pending {
        Pending {
            escaped: self.escaped,
            users: self.users,
            attributes: self.attributes,
        }
    }

    /// Where the UTF-8 `text` is in the final [`Batch::text`]: in the body when it is a
    /// slice of it, else copied after it.
    #[inline]
    fn place(&mut self, text: &[u8]) -> Range<usize> {
        let offset = (text.as_ptr() as usize).wrapping_sub(self.body.as_ptr() as usize);
        match offset.checked_add(text.len()) {
            Some(end) if end <= self.body.len() => offset..end,
            _ => self.copy(text),
        }
    }

    /// Copies `text` after the body; where it will be. Out of line: few strings have escapes.
    #[inline(never)]
    fn copy(&mut self, text: &[u8]) -> Range<usize> {
        let start = self.body.len() + self.escaped.len();
        // `text` is UTF-8: the lossy reading borrows it as it is.
        self.escaped.push_str(&String::from_utf8_lossy(text));
        start..self.body.len() + self.escaped.len()
    }
}

impl Pending {
    /// The batch, with the body it was filled from.
    pub(crate) fn into_batch(self, body: String) -> Batch {
        let mut text = body;
        text.push_str(&self.escaped);
        Batch {
            text,
            users: self.users,
            attributes: self.attributes,
        }
    }
}

impl Batch {
    /// How many users the batch holds.
    pub(crate) fn len(&self) -> usize {
        self.users.len()
    }

    /// Each user's external id (the bytes of its UTF-8 string, as the directory keeps it) and
    /// attributes, in the order sent.
    pub(crate) fn users(&self) -> impl Iterator<Item = (&[u8], Attributes<'_>)> {
        self.users.iter().map(|user| {
            let attributes = Attributes {
                text: &self.text,
                entries: self.attributes[user.attributes.clone()].iter(),
            };
            (&self.text.as_bytes()[user.external_id.clone()], attributes)
        })
    }
}

/// Its buffers are kept for the batches to come ([`spare`]).
impl Drop for Batch {
    fn drop(&mut self) {
        let text = std::mem::take(&mut self.text).into_bytes();
        spare::keep(
            text,
            std::mem::take(&mut self.users),
            std::mem::take(&mut self.attributes),
        );
    }
}

/// A user's attributes: name, and value or `None` for `null`.
pub(crate) struct Attributes<'a> {
    text: &'a str,
    entries: std::slice::Iter<'a, BatchAttribute>,
}

impl<'a> Attributes<'a> {
    /// The next attribute, its custom name and its value as the bytes of their UTF-8
    /// strings, as the directory keeps them: taken from the text with no check of character
    /// boundaries.
    #[inline(always)]
    pub(crate) fn next_bytes(&mut self) -> Option<(Name<'a>, Option<&'a [u8]>)> {
        let text = self.text;
        let attribute = self.entries.next()?;
        let value = attribute.value.clone();
        Some((
            name(attribute, text),
            value.map(|range| &text.as_bytes()[range]),
        ))
    }
}

/// An attribute's name, its custom name taken from `text`.
#[inline]
fn name<'a>(attribute: &BatchAttribute, text: &'a str) -> Name<'a> {
    match &attribute.name {
        StoredName::Standard(field) => Name::Standard(*field),
        StoredName::Custom(range) => Name::Custom(&text.as_bytes()[range.clone()]),
    }
}

#[cfg(test)]
impl<'a> Iterator for Attributes<'a> {
    type Item = (Name<'a>, Option<&'a str>);

    fn next(&mut self) -> Option<Self::Item> {
        let text = self.text;
        self.entries.next().map(|attribute| {
            let value = attribute.value.clone();
            (name(attribute, text), value.map(|range| &text[range]))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn users_come_back_with_their_own_attributes_in_the_order_sent() {
        let body = String::from("e1 a@b.co dept");
        let bytes = body.as_bytes();
        let (e1, email, dept) = (&bytes[0..2], &bytes[3..9], &bytes[10..14]);
        let mut builder = BatchBuilder::new(&body, 3, 3);
        builder.push_attribute(Some(1), b"email", Some(email));
        builder.push_attribute(None, dept, None);
        builder.push_user(e1);
        builder.push_user("é2".as_bytes());
        builder.push_attribute(None, dept, Some(b""));
        builder.push_user(b"e3");
        let batch = builder.finish().into_batch(body.clone());
        let users: Vec<(&str, Vec<_>)> = batch
            .users()
            .map(|(id, attributes)| (std::str::from_utf8(id).unwrap(), attributes.collect()))
            .collect();
        assert_eq!(
            users,
            [
                (
                    "e1",
                    vec![
                        (Name::Standard(1), Some("a@b.co")),
                        (Name::Custom(b"dept"), None)
                    ]
                ),
                ("é2", vec![]),
                ("e3", vec![(Name::Custom(b"dept"), Some(""))]),
            ]
        );
        assert_eq!(batch.len(), 3);
        assert_eq!(
            batch.text, "e1 a@b.co depté2e3",
            "only strings from elsewhere are copied"
        );
    }
}
