//! The external ids a check keeps exactly, with the record that has each.
//!
//! Finding a repeated id needs every id seen before it. Over iterators, which can be read
//! only once, this set holds every id placed, and grows with the input: each id is kept as
//! a 128-bit fingerprint (keyed SipHash, with keys drawn for each import), never as text: two
//! different ids share one with a chance of about n² / 2¹²⁹, 10⁻²⁷ for a million ids. With
//! it go the record's number in the input, from which its position and its upload are found
//! again ([`Positions`](crate::positions::Positions), [`Planner::batch_of`](crate::plan::Planner::batch_of))
//! only when a repeat is found, and its size as JSON: 24 bytes in a vector, plus a 4-byte
//! index and a control byte in a hash table, about 30 bytes a record in all.
//!
//! Over a [`Source`](crate::Source), which can be read again, a set keeps only the ids a
//! [`Census`](crate::census::Census) found may repeat ([`Seen::only`]): few of them.

use std::hash::{BuildHasher, Hasher, RandomState};
use std::sync::Arc;

use hashbrown::HashTable;
use siphasher::sip128::{Hasher128, SipHasher13};

use crate::census::Candidates;

/// A record seen before.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Earlier {
    /// Its number among all the records read (users first, then deactivations).
    pub ordinal: u32,
    /// Whether it is still in the plan (not taken out by a later record).
    pub placed: bool,
    /// Its size as JSON.
    pub bytes: usize,
}

#[derive(Debug, Clone, Copy)]
struct Entry {
    fingerprint: Fingerprint,
    ordinal: u32,
    /// The size as JSON, with `UNPLACED` set once the record is taken out of the plan.
    bytes: u32,
}

const UNPLACED: u32 = 1 << 31;

/// An id's fingerprint: 128 bits of keyed SipHash-1-3.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Fingerprint([u64; 2]);

impl Fingerprint {
    /// Its two 64-bit halves, each as random as the keys.
    pub fn halves(self) -> [u64; 2] {
        self.0
    }
}

/// Fingerprints ids with keys drawn anew for each import, so that no input can be made to
/// collide on purpose.
#[derive(Debug, Clone, Copy)]
pub struct Fingerprinter((u64, u64));

impl Default for Fingerprinter {
    fn default() -> Self {
        // Keys from the standard library's per-process random state.
        let random = RandomState::new();
        Self((random.hash_one(0u8), random.hash_one(1u8)))
    }
}

impl Fingerprinter {
    /// The fingerprint of `id`.
    pub fn of(&self, id: &str) -> Fingerprint {
        let mut hasher = SipHasher13::new_with_keys(self.0.0, self.0.1);
        hasher.write(id.as_bytes());
        let hash = hasher.finish128();
        Fingerprint([hash.h1, hash.h2])
    }
}

/// A set of external ids (by fingerprint) with, for each, the record that has it and
/// whether that record is still in the plan.
#[derive(Debug, Default)]
pub struct Seen {
    entries: Vec<Entry>,
    /// Indices into `entries`.
    table: HashTable<u32>,
    /// The only ids kept, when not all of them are.
    only: Option<Arc<Candidates>>,
}

impl Seen {
    /// A set that keeps the ids in `candidates` and no other: one told of any other id
    /// says it never saw it.
    pub fn only(candidates: Arc<Candidates>) -> Self {
        Self {
            only: Some(candidates),
            ..Self::default()
        }
    }

    /// How many ids.
    #[cfg(test)]
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Makes room for `additional` more ids.
    pub fn reserve(&mut self, additional: usize) {
        if self.only.is_some() {
            return;
        }
        self.entries.reserve_exact(additional);
        let entries = &self.entries;
        self.table
            .reserve(additional, |&slot| entries[slot as usize].fingerprint.0[0]);
    }

    /// The record seen with the id of `fingerprint`, if any.
    pub fn get(&self, fingerprint: Fingerprint) -> Option<Earlier> {
        let slot = self.find(fingerprint)?;
        let entry = self.entries[slot];
        Some(Earlier {
            ordinal: entry.ordinal,
            placed: entry.bytes & UNPLACED == 0,
            bytes: (entry.bytes & !UNPLACED) as usize,
        })
    }

    /// Records the id of `fingerprint` as the id of record `ordinal`, in the plan with
    /// `bytes` of JSON; replaces what was recorded for it before. Does nothing for an id
    /// the set does not keep.
    pub fn insert(&mut self, fingerprint: Fingerprint, ordinal: u32, bytes: usize) {
        if let Some(only) = &self.only
            && !only.contains(&fingerprint)
        {
            return;
        }
        // A placed record is at most an upload body, far under 2 GB.
        let bytes = u32::try_from(bytes).unwrap_or(u32::MAX) & !UNPLACED;
        let entry = Entry {
            fingerprint,
            ordinal,
            bytes,
        };
        let entries = &mut self.entries;
        let found = self.table.entry(
            fingerprint.0[0],
            |&slot| entries[slot as usize].fingerprint == fingerprint,
            |&slot| entries[slot as usize].fingerprint.0[0],
        );
        match found {
            hashbrown::hash_table::Entry::Occupied(slot) => entries[*slot.get() as usize] = entry,
            hashbrown::hash_table::Entry::Vacant(slot) => {
                slot.insert(entries.len() as u32);
                entries.push(entry);
            }
        }
    }

    /// Marks the record with the id of `fingerprint` as taken out of the plan.
    pub fn unplace(&mut self, fingerprint: Fingerprint) {
        if let Some(slot) = self.find(fingerprint) {
            self.entries[slot].bytes |= UNPLACED;
        }
    }

    fn find(&self, fingerprint: Fingerprint) -> Option<usize> {
        self.table
            .find(fingerprint.0[0], |&slot| {
                self.entries[slot as usize].fingerprint == fingerprint
            })
            .map(|&slot| slot as usize)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_found_with_their_record() {
        let (ids, mut seen) = (Fingerprinter::default(), Seen::default());
        for n in 0..10_000u32 {
            seen.insert(ids.of(&format!("e-{n}")), n, 100 + n as usize);
        }
        assert_eq!(seen.len(), 10_000);
        let earlier = seen.get(ids.of("e-4321")).unwrap();
        assert_eq!(
            earlier,
            Earlier {
                ordinal: 4321,
                placed: true,
                bytes: 4421
            }
        );
        assert_eq!(seen.get(ids.of("e-10000")), None);
        assert_eq!(seen.get(ids.of("E-4321")), None);
        assert_eq!(seen.get(ids.of("e-432")).map(|e| e.ordinal), Some(432));
    }

    #[test]
    fn a_later_record_replaces_the_earlier_and_can_be_unplaced() {
        let (ids, mut seen) = (Fingerprinter::default(), Seen::default());
        let a = ids.of("a");
        seen.insert(a, 1, 10);
        seen.insert(a, 9, 12);
        assert_eq!(seen.len(), 1);
        let later = Earlier {
            ordinal: 9,
            placed: true,
            bytes: 12,
        };
        assert_eq!(seen.get(a), Some(later));
        seen.unplace(a);
        let unplaced = Earlier {
            placed: false,
            ..later
        };
        assert_eq!(seen.get(a), Some(unplaced));
    }

    #[test]
    fn a_set_of_some_ids_keeps_those_only() {
        let ids = Fingerprinter::default();
        let mut seen = Seen::only(Arc::new([ids.of("a")].into()));
        seen.reserve(1_000);
        seen.insert(ids.of("a"), 1, 10);
        seen.insert(ids.of("b"), 2, 10);
        assert_eq!(seen.len(), 1);
        assert_eq!(seen.get(ids.of("a")).map(|a| a.ordinal), Some(1));
        assert_eq!(seen.get(ids.of("b")), None);
    }

    #[test]
    fn each_import_fingerprints_the_same_id_differently() {
        let (one, two) = (Fingerprinter::default(), Fingerprinter::default());
        assert_ne!(one.of("e-1"), two.of("e-1"));
        assert_eq!(one.of("e-1"), one.of("e-1"));
    }
}
