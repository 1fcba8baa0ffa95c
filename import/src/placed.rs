//! Which records are in the plan, in one bit a record, and what each upload must hold.
//!
//! A second read of the input sends the records this marks, by their number (users first,
//! then deactivations). Each record placed adds a mark of its id, number and size to its
//! upload's sum (and takes it away if a later record takes it out), so that the second read
//! can tell, before sending an upload, that it holds those very records: an input changed
//! in between stops the import rather than send what was not checked.

use crate::plan::BatchId;
use crate::seen::{Fingerprint, Fingerprinter};

/// The records in the plan, and the sum of the marks of each upload's records.
#[derive(Debug)]
pub struct Placed {
    /// The keys the ids were fingerprinted with.
    pub ids: Fingerprinter,
    /// Bit `n` is set while record `n` is in the plan.
    bits: Vec<u64>,
    /// By batch id.
    sums: Vec<u64>,
    /// The number of each batch's first record.
    firsts: Vec<u32>,
    /// How many records were read, placed or not.
    records_read: u64,
}

impl Placed {
    /// Nothing placed yet, ids fingerprinted with `ids`.
    pub fn new(ids: Fingerprinter) -> Self {
        Self {
            ids,
            bits: Vec::new(),
            sums: Vec::new(),
            firsts: Vec::new(),
            records_read: 0,
        }
    }

    /// Record `ordinal`, of `mark`, is in `batch`.
    pub fn place(&mut self, ordinal: u32, batch: BatchId, mark: u64) {
        let (word, bit) = (ordinal as usize / 64, ordinal % 64);
        if self.bits.len() <= word {
            self.bits.resize(word + 1, 0);
        }
        self.bits[word] |= 1 << bit;
        let batch = batch.0 as usize;
        if self.sums.len() <= batch {
            self.sums.resize(batch + 1, 0);
        }
        self.sums[batch] = self.sums[batch].wrapping_add(mark);
    }

    /// Record `ordinal`, of `mark`, is taken back out of `batch`.
    pub fn unplace(&mut self, ordinal: u32, batch: BatchId, mark: u64) {
        if let Some(word) = self.bits.get_mut(ordinal as usize / 64) {
            *word &= !(1 << (ordinal % 64));
        }
        if let Some(sum) = self.sums.get_mut(batch.0 as usize) {
            *sum = sum.wrapping_sub(mark);
        }
    }

    /// Whether record `ordinal` is in the plan.
    pub fn is_placed(&self, ordinal: u32) -> bool {
        self.bits
            .get(ordinal as usize / 64)
            .is_some_and(|word| word & (1 << (ordinal % 64)) != 0)
    }

    /// The sum of the marks of the records in `batch`.
    pub fn sum(&self, batch: BatchId) -> u64 {
        self.sums.get(batch.0 as usize).copied().unwrap_or(0)
    }

    /// Sets how many records were read, once the plan is done.
    pub fn set_records_read(&mut self, records: u64) {
        self.records_read = records;
    }

    /// How many records were read, placed or not.
    pub fn records_read(&self) -> u64 {
        self.records_read
    }

    /// Sets the number of each batch's first record, once the plan is done.
    pub fn set_firsts(&mut self, firsts: Vec<u32>) {
        self.firsts = firsts;
    }

    /// The batch placed record `ordinal` went to.
    pub fn batch_of(&self, ordinal: u32) -> BatchId {
        crate::plan::batch_of(&self.firsts, ordinal)
    }
}

/// What tells a placed record from any other: its id, its number and its size as JSON,
/// mixed into 64 bits.
pub fn mark(id: Fingerprint, ordinal: u32, bytes: usize) -> u64 {
    let [low, high] = id.halves();
    let mut x = low ^ high.rotate_left(17) ^ (u64::from(ordinal) << 32) ^ bytes as u64;
    // The finalizer of SplitMix64: every input bit moves about half the output bits.
    x = (x ^ (x >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    x ^ (x >> 31)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn records_placed_and_taken_out_leave_the_sums_of_those_in() {
        let ids = Fingerprinter::default();
        let mut placed = Placed::new(ids);
        let (a, b, c) = (ids.of("a"), ids.of("b"), ids.of("c"));
        placed.place(0, BatchId(0), mark(a, 0, 10));
        placed.place(1, BatchId(0), mark(b, 1, 10));
        placed.place(130, BatchId(1), mark(c, 130, 12));
        placed.unplace(0, BatchId(0), mark(a, 0, 10));
        placed.set_firsts(vec![0, 100]);
        assert_eq!(
            [0, 1, 2, 129, 130, 131, 100_000].map(|n| placed.is_placed(n)),
            [false, true, false, false, true, false, false]
        );
        assert_eq!(placed.sum(BatchId(0)), mark(b, 1, 10));
        assert_eq!(placed.sum(BatchId(1)), mark(c, 130, 12));
        assert_eq!(placed.sum(BatchId(7)), 0);
        assert_eq!(placed.batch_of(130), BatchId(1));
    }

    #[test]
    fn another_id_number_or_size_makes_another_mark() {
        let ids = Fingerprinter::default();
        let (a, b) = (ids.of("e-1"), ids.of("e-2"));
        let all = [
            mark(a, 1, 10),
            mark(b, 1, 10),
            mark(a, 2, 10),
            mark(a, 1, 11),
        ];
        for (n, one) in all.iter().enumerate() {
            assert!(all[n + 1..].iter().all(|other| other != one));
        }
    }
}
