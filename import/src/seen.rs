//! The external ids seen so far, where each was and where it was placed: the only state a
//! dry run keeps per record.
//!
//! A million ids must fit in well under 200 MB, so the ids live end to end in one string
//! and the hash table holds only 4-byte indices into a vector of fixed-size entries: about
//! 70 bytes a record in all, against well over 100 for a `HashMap<String, _>`.

use std::hash::BuildHasher;
use std::sync::Arc;

use hashbrown::{DefaultHashBuilder, HashTable};

use crate::plan::BatchId;
use crate::record::Position;

/// Where a record with a given id was, and where it went.
#[derive(Debug, Clone, Copy)]
struct Entry {
    /// The id's hash, kept so that growing the table needs neither the id nor hashing.
    hash: u64,
    id_start: usize,
    id_len: u32,
    /// An index into `Seen::files`, or `NO_FILE`.
    file: u32,
    /// 0 when the record had no line.
    line: u64,
    index: u64,
    /// `NOT_PLACED` when the record was taken out of the plan.
    batch: u32,
    bytes: u32,
}

const NO_FILE: u32 = u32::MAX;
const NOT_PLACED: u32 = u32::MAX;

/// A record seen earlier.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Earlier {
    /// Where it was.
    pub position: Position,
    /// Where it was placed, unless it was taken out.
    pub batch: Option<BatchId>,
    /// Its serialized size.
    pub bytes: usize,
}

/// A set of external ids with, for each, where its record was and where it was placed.
#[derive(Debug, Default)]
pub struct Seen {
    ids: String,
    entries: Vec<Entry>,
    table: HashTable<u32>,
    hasher: DefaultHashBuilder,
    files: Vec<Arc<str>>,
}

impl Seen {
    /// How many ids.
    #[cfg(test)]
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// The record seen with `id`, if any.
    pub fn get(&self, id: &str) -> Option<Earlier> {
        let slot = self.find(id)?;
        Some(self.earlier(&self.entries[slot]))
    }

    /// Records `id` at `position`, placed in `batch` with `bytes`; replaces what was
    /// recorded for it before.
    pub fn insert(&mut self, id: &str, position: &Position, batch: BatchId, bytes: usize) {
        let file = self.file_number(position.file.as_ref());
        let (line, index) = (position.line.unwrap_or(0), position.index);
        let bytes = u32::try_from(bytes).unwrap_or(u32::MAX);
        if let Some(slot) = self.find(id) {
            let entry = &mut self.entries[slot];
            (entry.file, entry.line, entry.index) = (file, line, index);
            (entry.batch, entry.bytes) = (batch.0, bytes);
            return;
        }
        let hash = self.hasher.hash_one(id);
        let slot = self.entries.len() as u32;
        self.entries.push(Entry {
            hash,
            id_start: self.ids.len(),
            id_len: id.len() as u32,
            file,
            line,
            index,
            batch: batch.0,
            bytes,
        });
        self.ids.push_str(id);
        let entries = &self.entries;
        self.table
            .insert_unique(hash, slot, |&slot| entries[slot as usize].hash);
    }

    /// Marks the record with `id` as taken out of the plan.
    pub fn unplace(&mut self, id: &str) {
        if let Some(slot) = self.find(id) {
            self.entries[slot].batch = NOT_PLACED;
        }
    }

    fn find(&self, id: &str) -> Option<usize> {
        let hash = self.hasher.hash_one(id);
        let found = self.table.find(hash, |&slot| {
            let entry = &self.entries[slot as usize];
            entry.hash == hash && id_of(&self.ids, entry) == id
        });
        found.map(|&slot| slot as usize)
    }

    fn earlier(&self, entry: &Entry) -> Earlier {
        let file = (entry.file != NO_FILE).then(|| self.files[entry.file as usize].clone());
        Earlier {
            position: Position {
                file,
                line: (entry.line != 0).then_some(entry.line),
                index: entry.index,
            },
            batch: (entry.batch != NOT_PLACED).then_some(BatchId(entry.batch)),
            bytes: entry.bytes as usize,
        }
    }

    /// A small number for `file`; records come from few files, mostly in runs.
    fn file_number(&mut self, file: Option<&Arc<str>>) -> u32 {
        let Some(file) = file else {
            return NO_FILE;
        };
        if let Some(number) = self.files.iter().rposition(|known| known == file) {
            return number as u32;
        }
        self.files.push(file.clone());
        (self.files.len() - 1) as u32
    }
}

fn id_of<'a>(ids: &'a str, entry: &Entry) -> &'a str {
    &ids[entry.id_start..entry.id_start + entry.id_len as usize]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_found_with_where_they_were() {
        let mut seen = Seen::default();
        let file: Arc<str> = Arc::from("users.csv");
        for n in 0..10_000u64 {
            let position = Position::in_file(file.clone(), n + 2, n + 1);
            seen.insert(&format!("e-{n}"), &position, BatchId((n / 200) as u32), 100);
        }
        assert_eq!(seen.len(), 10_000);
        let earlier = seen.get("e-4321").unwrap();
        assert_eq!(earlier.position.to_string(), "users.csv:4323");
        assert_eq!(earlier.batch, Some(BatchId(21)));
        assert_eq!(seen.get("e-10000"), None);
        assert_eq!(seen.get("e-432"), seen.get("e-432"));
    }

    #[test]
    fn a_later_record_replaces_the_earlier_and_can_be_unplaced() {
        let mut seen = Seen::default();
        seen.insert("a", &Position::record(1), BatchId(0), 10);
        seen.insert("a", &Position::record(9), BatchId(3), 12);
        assert_eq!(seen.len(), 1);
        let earlier = seen.get("a").unwrap();
        assert_eq!(
            (earlier.position.index, earlier.batch, earlier.bytes),
            (9, Some(BatchId(3)), 12)
        );
        seen.unplace("a");
        assert_eq!(seen.get("a").unwrap().batch, None);
    }
}
