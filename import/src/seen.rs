//! The external ids seen so far: the only state a dry run keeps per record.
//!
//! Finding a repeated id needs a set of every id seen, so this is the part of the memory
//! that grows with the input. Each id is kept as a 128-bit fingerprint (keyed SipHash,
//! with keys drawn for each set), never as text: two different ids share one with a
//! chance of about n² / 2¹²⁹, 10⁻²⁷ for a million ids. With it go the record's number in
//! the input, from which its position and its upload are found again
//! ([`Positions`](crate::positions::Positions), [`Planner::batch_of`](crate::plan::Planner::batch_of))
//! only when a repeat is found, and its size as JSON: 24 bytes in a vector, plus a 4-byte
//! index and a control byte in a hash table, about 30 bytes a record in all.

use std::hash::{BuildHasher, Hasher, RandomState};

use hashbrown::HashTable;
use siphasher::sip128::{Hasher128, SipHasher13};

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
    fingerprint: [u64; 2],
    ordinal: u32,
    /// The size as JSON, with `UNPLACED` set once the record is taken out of the plan.
    bytes: u32,
}

const UNPLACED: u32 = 1 << 31;

/// A set of external ids with, for each, the record that has it and whether that record is
/// still in the plan.
#[derive(Debug)]
pub struct Seen {
    entries: Vec<Entry>,
    /// Indices into `entries`.
    table: HashTable<u32>,
    keys: (u64, u64),
}

impl Default for Seen {
    fn default() -> Self {
        // Keys from the standard library's per-process random state.
        let random = RandomState::new();
        Self {
            entries: Vec::new(),
            table: HashTable::new(),
            keys: (random.hash_one(0u8), random.hash_one(1u8)),
        }
    }
}

impl Seen {
    /// How many ids.
    #[cfg(test)]
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Makes room for `additional` more ids.
    pub fn reserve(&mut self, additional: usize) {
        self.entries.reserve_exact(additional);
        let entries = &self.entries;
        self.table
            .reserve(additional, |&slot| entries[slot as usize].fingerprint[0]);
    }

    /// The record seen with `id`, if any.
    pub fn get(&self, id: &str) -> Option<Earlier> {
        let slot = self.find(self.fingerprint(id))?;
        let entry = self.entries[slot];
        Some(Earlier {
            ordinal: entry.ordinal,
            placed: entry.bytes & UNPLACED == 0,
            bytes: (entry.bytes & !UNPLACED) as usize,
        })
    }

    /// Whether the record numbered `ordinal` is the one with `id` that is in the plan.
    pub fn is_placed(&self, id: &str, ordinal: u32) -> bool {
        self.get(id)
            .is_some_and(|earlier| earlier.placed && earlier.ordinal == ordinal)
    }

    /// Records `id` as the id of record `ordinal`, in the plan with `bytes` of JSON;
    /// replaces what was recorded for it before.
    pub fn insert(&mut self, id: &str, ordinal: u32, bytes: usize) {
        // A placed record is at most an upload body, far under 2 GB.
        let bytes = u32::try_from(bytes).unwrap_or(u32::MAX) & !UNPLACED;
        let fingerprint = self.fingerprint(id);
        if let Some(slot) = self.find(fingerprint) {
            self.entries[slot] = Entry {
                fingerprint,
                ordinal,
                bytes,
            };
            return;
        }
        let slot = self.entries.len() as u32;
        self.entries.push(Entry {
            fingerprint,
            ordinal,
            bytes,
        });
        let entries = &self.entries;
        self.table.insert_unique(fingerprint[0], slot, |&slot| {
            entries[slot as usize].fingerprint[0]
        });
    }

    /// Marks the record with `id` as taken out of the plan.
    pub fn unplace(&mut self, id: &str) {
        if let Some(slot) = self.find(self.fingerprint(id)) {
            self.entries[slot].bytes |= UNPLACED;
        }
    }

    fn fingerprint(&self, id: &str) -> [u64; 2] {
        let mut hasher = SipHasher13::new_with_keys(self.keys.0, self.keys.1);
        hasher.write(id.as_bytes());
        let hash = hasher.finish128();
        [hash.h1, hash.h2]
    }

    fn find(&self, fingerprint: [u64; 2]) -> Option<usize> {
        self.table
            .find(fingerprint[0], |&slot| {
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
        let mut seen = Seen::default();
        for n in 0..10_000u32 {
            seen.insert(&format!("e-{n}"), n, 100 + n as usize);
        }
        assert_eq!(seen.len(), 10_000);
        let earlier = seen.get("e-4321").unwrap();
        assert_eq!(
            earlier,
            Earlier {
                ordinal: 4321,
                placed: true,
                bytes: 4421
            }
        );
        assert_eq!(seen.get("e-10000"), None);
        assert_eq!(seen.get("E-4321"), None);
        assert!(seen.is_placed("e-432", 432));
        assert!(!seen.is_placed("e-432", 433));
    }

    #[test]
    fn a_later_record_replaces_the_earlier_and_can_be_unplaced() {
        let mut seen = Seen::default();
        seen.insert("a", 1, 10);
        seen.insert("a", 9, 12);
        assert_eq!(seen.len(), 1);
        assert_eq!(
            seen.get("a"),
            Some(Earlier {
                ordinal: 9,
                placed: true,
                bytes: 12
            })
        );
        seen.unplace("a");
        assert_eq!(
            seen.get("a"),
            Some(Earlier {
                ordinal: 9,
                placed: false,
                bytes: 12
            })
        );
        assert!(!seen.is_placed("a", 9));
    }

    #[test]
    fn two_sets_fingerprint_the_same_id_differently() {
        let (one, two) = (Seen::default(), Seen::default());
        assert_ne!(one.fingerprint("e-1"), two.fingerprint("e-1"));
        assert_eq!(one.fingerprint("e-1"), one.fingerprint("e-1"));
    }
}
