//! What a session keeps of a checked bulk request until its import completes: the users and
//! their attributes, every string in one buffer, so completing an import reads no JSON again
//! and a request's 200 users take a handful of allocations, not one per string.

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
    name: Range<usize>,
    value: Option<Range<usize>>,
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

    /// Adds a user; the attributes pushed next are its own.
    pub(crate) fn push_user(&mut self, external_id: &str) {
        let external_id = self.push_text(external_id);
        let at = self.attributes.len();
        self.users.push(BatchUser {
            external_id,
            attributes: at..at,
        });
    }

    /// Adds an attribute to the last user pushed (`None`: sent as `null`).
    pub(crate) fn push_attribute(&mut self, name: &str, value: Option<&str>) {
        let name = self.push_text(name);
        let value = value.map(|value| self.push_text(value));
        self.attributes.push(BatchAttribute { name, value });
        if let Some(user) = self.users.last_mut() {
            user.attributes.end = self.attributes.len();
        }
    }

    /// How many users the batch holds.
    pub(crate) fn len(&self) -> usize {
        self.users.len()
    }

    /// Each user's external id and attributes, in the order sent.
    pub(crate) fn users(&self) -> impl Iterator<Item = (&str, Attributes<'_>)> {
        self.users.iter().map(|user| {
            let attributes = Attributes {
                batch: self,
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
    batch: &'a Batch,
    entries: std::slice::Iter<'a, BatchAttribute>,
}

impl<'a> Iterator for Attributes<'a> {
    type Item = (&'a str, Option<&'a str>);

    fn next(&mut self) -> Option<Self::Item> {
        let text = &self.batch.text;
        self.entries.next().map(|attribute| {
            let value = attribute.value.clone().map(|range| &text[range]);
            (&text[attribute.name.clone()], value)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn users_come_back_with_their_own_attributes_in_the_order_sent() {
        let mut batch = Batch::with_capacity(3, 3, 0);
        batch.push_user("e1");
        batch.push_attribute("email", Some("a@b.co"));
        batch.push_attribute("mobilePhone", None);
        batch.push_user("é2");
        batch.push_user("e3");
        batch.push_attribute("dept", Some(""));
        let users: Vec<(&str, Vec<_>)> = batch
            .users()
            .map(|(id, attributes)| (id, attributes.collect()))
            .collect();
        assert_eq!(
            users,
            [
                ("e1", vec![("email", Some("a@b.co")), ("mobilePhone", None)]),
                ("é2", vec![]),
                ("e3", vec![("dept", Some(""))]),
            ]
        );
        assert_eq!(batch.len(), 3);
    }
}
