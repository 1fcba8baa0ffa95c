//! A Bloom filter that grows in stages, for a number of items not known ahead.
//!
//! Each stage is a [`fastbloom`] filter sized for twice as many items as the one before,
//! with half its rate of false positives, so that the rate over all stages stays under
//! twice the first one's however many items come, and the memory stays at most about 40
//! bits an item (10 to 20 when a stage is full). Items are hashes already (64 random bits
//! each), so the filter hashes nothing again.

use fastbloom::BloomFilter;

/// A set of 64-bit hashes that can say "maybe seen" of one it never held (a false positive),
/// never "not seen" of one it holds.
#[derive(Debug, Clone)]
pub struct GrowingFilter {
    stages: Vec<BloomFilter>,
    /// How many items the last stage was sized for, and how many it holds.
    capacity: usize,
    held: usize,
    /// The last stage's rate of false positives when full.
    false_positives: f64,
}

impl GrowingFilter {
    /// An empty filter whose first stage holds `capacity` items with a rate of false
    /// positives of `false_positives` (between 0 and 1) when full.
    pub fn new(capacity: usize, false_positives: f64) -> Self {
        let capacity = capacity.max(1);
        let false_positives = false_positives.clamp(f64::MIN_POSITIVE, 0.5);
        Self {
            stages: vec![stage(capacity, false_positives)],
            capacity,
            held: 0,
            false_positives,
        }
    }

    /// Adds `hash`; says whether it may have been added before (`false`: surely not).
    pub fn insert(&mut self, hash: u64) -> bool {
        if self.stages.iter().any(|stage| stage.contains_hash(hash)) {
            return true;
        }
        if self.held >= self.capacity {
            self.capacity = self.capacity.saturating_mul(2);
            self.false_positives /= 2.0;
            self.held = 0;
            self.stages.push(stage(
                self.capacity,
                self.false_positives.max(f64::MIN_POSITIVE),
            ));
        }
        if let Some(last) = self.stages.last_mut() {
            last.insert_hash(hash);
        }
        self.held += 1;
        false
    }

    /// How many stages it has grown to.
    #[cfg(test)]
    pub fn stages(&self) -> usize {
        self.stages.len()
    }
}

fn stage(capacity: usize, false_positives: f64) -> BloomFilter {
    BloomFilter::with_false_pos(false_positives).expected_items(capacity)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Well-spread 64-bit values, as fingerprints are.
    fn hash(n: u64) -> u64 {
        let mut x = n.wrapping_add(0x9e37_79b9_7f4a_7c15);
        x = (x ^ (x >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        x = (x ^ (x >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        x ^ (x >> 31)
    }

    #[test]
    fn what_was_added_is_always_found_and_few_others_are() {
        let mut filter = GrowingFilter::new(1_000, 0.01);
        let mut false_positives = 0;
        for n in 0..20_000 {
            false_positives += usize::from(filter.insert(hash(n)));
        }
        // 1,000, 2,000, 4,000, 8,000 and 16,000 items: five stages for 20,000.
        assert_eq!(filter.stages(), 5);
        for n in 0..20_000 {
            assert!(filter.insert(hash(n)), "{n} was added and is not found");
        }
        // Under 2 % in all (the stages' rates add up to at most 1 % + 0.5 % + ...).
        assert!(false_positives < 400, "{false_positives} false positives");
        assert!(
            false_positives > 0,
            "a 1 % filter that never errs is not one"
        );
    }

    #[test]
    fn a_tiny_filter_says_maybe_often_but_never_forgets() {
        let mut filter = GrowingFilter::new(64, 0.5);
        let maybes = (0..1_000).filter(|&n| filter.insert(hash(n))).count();
        assert!(maybes > 100, "{maybes}");
        assert!((0..1_000).all(|n| filter.insert(hash(n))));
    }
}
