//! What a session keeps of a checked bulk request until its import completes: the users and
//! their attributes, every string in one buffer, so completing an import reads no JSON again
//! and a request's 200 users take a handful of allocations, not one per string. A standard
//! attribute is kept as its place in [`PROFILE_FIELDS`](crate::rules::PROFILE_FIELDS), so
//! applying it compares no names.

use std::ops::Range;

/// The users of one checked bulk request, in the order sent.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub(crate) struct Batch {
    /// Every string of the batch, one after the other, unescaped.
    text: String,
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
    Custom(&'a str),
}

impl Batch {
    /// An empty batch with room for `users` users, `attributes` attributes and `text_bytes`
    /// bytes of strings.
    pub(crate) fn with_capacity(users: usize, attributes: usize, text_bytes: usize) -> Self {
        Self {
            text: String::with_capacity(text_bytes),
            users: Vec::with_capacity(users),
            attributes: Vec::with_capacity(attributes),
        }
    }

    /// Adds an attribute (`None`: sent as `null`) to the user [`Batch::push_user`] adds next.
    pub(crate) fn push_attribute(&mut self, name: Name<'_>, value: Option<&str>) {
        let name = match name {
            Name::Standard(field) => StoredName::Standard(field),
            Name::Custom(name) => StoredName::Custom(self.push_text(name)),
        };
        let value = value.map(|value| self.push_text(value));
        self.attributes.push(BatchAttribute { name, value });
    }

    /// Adds a user, with the attributes pushed since the previous user.
    pub(crate) fn push_user(&mut self, external_id: &str) {
        let external_id = self.push_text(external_id);
        let start = self.users.last().map_or(0, |user| user.attributes.end);
        self.users.push(BatchUser {
            external_id,
            attributes: start..self.attributes.len(),
        });
    }

    /// How many users the batch holds.
    pub(crate) fn len(&self) -> usize {
        self.users.len()
    }

    /// Each user's external id and attributes, in the order sent.
    pub(crate) fn users(&self) -> impl Iterator<Item = (&str, Attributes<'_>)> {
        self.users.iter().map(|user| {
            let attributes = Attributes {
                text: &self.text,
                entries: self.attributes[user.attributes.clone()].iter(),
            };
            (&self.text[user.external_id.clone()], attributes)
        })
    }

    fn push_text(&mut self, text: &str) -> Range<usize> {
        let start = self.text.len();
        self.text.push_str(text);
        start..self.text.len()
    }
}

/// A user's attributes: name, and value or `None` for `null`.
pub(crate) struct Attributes<'a> {
    text: &'a str,
    entries: std::slice::Iter<'a, BatchAttribute>,
}

impl<'a> Iterator for Attributes<'a> {
    type Item = (Name<'a>, Option<&'a str>);

    fn next(&mut self) -> Option<Self::Item> {
        let text = self.text;
        self.entries.next().map(|attribute| {
            let name = match &attribute.name {
                StoredName::Standard(field) => Name::Standard(*field),
                StoredName::Custom(range) => Name::Custom(&text[range.clone()]),
            };
            (name, attribute.value.clone().map(|range| &text[range]))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn users_come_back_with_their_own_attributes_in_the_order_sent() {
        let mut batch = Batch::with_capacity(3, 3, 0);
        batch.push_attribute(Name::Standard(1), Some("a@b.co"));
        batch.push_attribute(Name::Custom("dept"), None);
        batch.push_user("e1");
        batch.push_user("é2");
        batch.push_attribute(Name::Custom("dept"), Some(""));
        batch.push_user("e3");
        let users: Vec<(&str, Vec<_>)> = batch
            .users()
            .map(|(id, attributes)| (id, attributes.collect()))
            .collect();
        assert_eq!(
            users,
            [
                (
                    "e1",
                    vec![
                        (Name::Standard(1), Some("a@b.co")),
                        (Name::Custom("dept"), None)
                    ]
                ),
                ("é2", vec![]),
                ("e3", vec![(Name::Custom("dept"), Some(""))]),
            ]
        );
        assert_eq!(batch.len(), 3);
    }
}
