//! A user's custom attributes, name and value, in the order they were first set (a removed
//! one, set again, comes last). Most users have one or two, found by a scan of a short list;
//! a user sent with many (a profile may carry tens of thousands of short ones) has them found
//! through a table of their places instead, so that each attribute set costs the same
//! whatever the count, and an import can't take time that grows with its square.

use std::hash::BuildHasher;

use hashbrown::{DefaultHashBuilder, HashTable};

use crate::profile::{CompactBytes, same};

/// The most attributes kept in a plain list, found by a scan.
const SCANNED: usize = 16;

#[derive(Debug, Clone)]
pub(crate) enum CustomAttributes {
    /// At most [`SCANNED`] attributes.
    Few(Vec<(CompactBytes, CompactBytes)>),
    Many(Box<Many>),
}

/// Attributes with a table of their places. A removed one leaves a hole, so that no place
/// moves; the holes are closed once they are as many as the attributes.
#[derive(Debug, Clone)]
pub(crate) struct Many {
    list: Vec<Option<(CompactBytes, CompactBytes)>>,
    /// Places in `list`, by the hash of the name.
    places: HashTable<u32>,
    hasher: DefaultHashBuilder,
    /// The attributes in `list`, holes left out.
    count: usize,
}

impl Default for CustomAttributes {
    fn default() -> Self {
        Self::Few(Vec::new())
    }
}

impl PartialEq for CustomAttributes {
    fn eq(&self, other: &Self) -> bool {
        self.iter().eq(other.iter())
    }
}

impl Eq for CustomAttributes {}

impl CustomAttributes {
    /// Sets attribute `name` to `value`, or with `None` removes it.
    #[inline(always)]
    pub(crate) fn set(&mut self, name: &[u8], value: Option<&[u8]>) {
        let list = match self {
            Self::Few(list) => list,
            Self::Many(many) => return many.set(name, value),
        };
        let found = list
            .iter()
            .position(|(stored, _)| same(stored.as_bytes(), name));
        match (found, value) {
            (Some(at), Some(text)) => list[at].1.replace(text),
            (None, Some(text)) if list.len() == SCANNED => {
                let mut many = Many::from(std::mem::take(list));
                many.set(name, Some(text));
                *self = Self::Many(Box::new(many));
            }
            (None, Some(text)) => {
                // Room for one at first: most users have one or two custom attributes, if
                // any. More grow the list as usual.
                if list.is_empty() {
                    list.reserve_exact(1);
                }
                list.push((CompactBytes::new(name), CompactBytes::new(text)));
            }
            (Some(at), None) => {
                list.remove(at);
            }
            (None, None) => {}
        }
    }

    /// Each attribute's name and value, in the order they were first set.
    pub(crate) fn iter(&self) -> impl Iterator<Item = (&[u8], &[u8])> {
        let (few, many) = match self {
            Self::Few(list) => (list.as_slice(), [].as_slice()),
            Self::Many(many) => ([].as_slice(), many.list.as_slice()),
        };
        let attributes = few.iter().chain(many.iter().flatten());
        attributes.map(|(name, value)| (name.as_bytes(), value.as_bytes()))
    }
}

impl From<Vec<(CompactBytes, CompactBytes)>> for Many {
    fn from(list: Vec<(CompactBytes, CompactBytes)>) -> Self {
        let mut many = Self {
            list: list.into_iter().map(Some).collect(),
            places: HashTable::new(),
            hasher: DefaultHashBuilder::default(),
            count: 0,
        };
        many.index();
        many
    }
}

impl Many {
    fn set(&mut self, name: &[u8], value: Option<&[u8]>) {
        let hash = self.hasher.hash_one(name);
        let list = &mut self.list;
        let found = self.places.find_entry(hash, |&at| {
            list[at as usize]
                .as_ref()
                .is_some_and(|(stored, _)| same(stored.as_bytes(), name))
        });
        match (found, value) {
            (Ok(place), Some(text)) => {
                if let Some((_, stored)) = &mut list[*place.get() as usize] {
                    stored.replace(text);
                }
            }
            (Ok(place), None) => {
                let (at, _) = place.remove();
                list[at as usize] = None;
                self.count -= 1;
                if list.len() >= 2 * self.count + SCANNED {
                    self.index();
                }
            }
            (Err(absent), Some(text)) => {
                // More than `u32::MAX` attributes can't be sent to one user: an upload is
                // about 200 KB, and a session takes 50.
                let at = u32::try_from(list.len()).unwrap_or(u32::MAX);
                list.push(Some((CompactBytes::new(name), CompactBytes::new(text))));
                let hasher = &self.hasher;
                let rehash = |&at: &u32| match &list[at as usize] {
                    Some((stored, _)) => hasher.hash_one(stored.as_bytes()),
                    None => 0,
                };
                absent.into_table().insert_unique(hash, at, rehash);
                self.count += 1;
            }
            (Err(_), None) => {}
        }
    }

    /// Closes the holes in the list and makes the table of places again.
    fn index(&mut self) {
        self.list.retain(Option::is_some);
        self.count = self.list.len();
        self.places.clear();
        let hasher = &self.hasher;
        let hash = |attribute: &Option<(CompactBytes, CompactBytes)>| match attribute {
            Some((name, _)) => hasher.hash_one(name.as_bytes()),
            None => 0,
        };
        for (at, attribute) in self.list.iter().enumerate() {
            let list = &self.list;
            let at = u32::try_from(at).unwrap_or(u32::MAX);
            self.places
                .insert_unique(hash(attribute), at, |&at| hash(&list[at as usize]));
        }
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use proptest::prelude::*;

    use super::*;

    /// What the attributes should be: names and values, in the order first set.
    #[derive(Default)]
    struct Model(Vec<(Vec<u8>, Vec<u8>)>);

    impl Model {
        fn set(&mut self, name: &[u8], value: Option<&[u8]>) {
            let found = self.0.iter().position(|(stored, _)| stored == name);
            match (found, value) {
                (Some(at), Some(text)) => self.0[at].1 = text.to_vec(),
                (None, Some(text)) => self.0.push((name.to_vec(), text.to_vec())),
                (Some(at), None) => drop(self.0.remove(at)),
                (None, None) => {}
            }
        }
    }

    proptest! {
        /// Whatever the attributes set and removed, across the change from a list to a
        /// table and back through holes closed, they are what setting each in turn gives.
        #[test]
        fn attributes_are_what_setting_each_in_turn_gives(
            steps in proptest::collection::vec((0u8..60, proptest::option::of(0u8..4)), 0..400),
        ) {
            let (mut attributes, mut model) = (CustomAttributes::default(), Model::default());
            for (name, value) in steps {
                let name = format!("attribute-{name}");
                let value = value.map(|value| vec![b'v'; usize::from(value) * 10]);
                attributes.set(name.as_bytes(), value.as_deref());
                model.set(name.as_bytes(), value.as_deref());
                let stored: Vec<_> = attributes.iter().map(|(n, v)| (n.to_vec(), v.to_vec())).collect();
                prop_assert_eq!(&stored, &model.0);
            }
        }
    }

    #[test]
    fn a_hundred_thousand_attributes_are_each_found_at_once() {
        let mut attributes = CustomAttributes::default();
        for round in 0..3 {
            for n in 0..100_000 {
                let value = format!("{round}");
                attributes.set(n.to_string().as_bytes(), Some(value.as_bytes()));
            }
        }
        let stored: BTreeMap<_, _> = attributes.iter().collect();
        assert_eq!(stored.len(), 100_000);
        assert!(stored.values().all(|value| *value == b"2"));
        for n in (0..100_000).step_by(2) {
            attributes.set(n.to_string().as_bytes(), None);
        }
        assert_eq!(attributes.iter().count(), 50_000);
        let Many { list, count, .. } = match &attributes {
            CustomAttributes::Many(many) => many.as_ref(),
            CustomAttributes::Few(_) => panic!("a list of 100,000"),
        };
        assert_eq!(*count, 50_000);
        assert!(list.len() < 2 * 50_000 + SCANNED, "holes are closed");
    }
}
