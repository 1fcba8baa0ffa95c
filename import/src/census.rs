//! The ids that may occur more than once in an input, found in a few bits an id.
//!
//! A check that keeps no id can't tell a repeated one, but one that keeps every id grows
//! with the input. So the first read of a [`Source`](crate::Source) keeps none: it notes
//! each id in a census, which holds them exactly while they are few (at most
//! [`CensusLimits::exact_ids`], under 1.2 MB), then in a [`GrowingFilter`]. An id the
//! census may have noted before is a *candidate*, kept exactly: every id that occurs twice
//! is one, and so are the filter's false positives (about 1 % of the ids, under 2 %). When
//! there are none, the first read's plan is exact: no id repeats. When there are, one more
//! read checks everything again keeping only the candidates, which is exact too, as every
//! other id occurs once.
//!
//! That second read must see the ids the census saw: the census also keeps a digest of the
//! ids in the order they came, and the reads compare theirs.

use std::collections::HashSet;

use crate::growing_filter::GrowingFilter;
use crate::seen::Fingerprint;

/// The ids that may occur more than once.
pub type Candidates = HashSet<Fingerprint>;

/// How much a census holds exactly, and how its filter is sized.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct CensusLimits {
    /// The most ids held exactly (8 bytes and a control byte each).
    pub exact_ids: usize,
    /// The ids the filter's first stage is sized for.
    pub first_stage: usize,
    /// The first stage's rate of false positives when full.
    pub false_positives: f64,
}

impl Default for CensusLimits {
    fn default() -> Self {
        Self {
            // As many as a table of 2¹⁷ slots holds (7/8 of them): about 1.2 MB.
            exact_ids: (1 << 17) / 8 * 7,
            first_stage: 1 << 18,
            false_positives: 0.01,
        }
    }
}

/// Notes ids and finds those noted more than once.
#[derive(Debug, Default)]
pub struct Census {
    finder: Option<Finder>,
    sequence: Sequence,
}

/// The order-sensitive digest of the ids noted.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Sequence(u64);

#[derive(Debug)]
struct Finder {
    limits: CensusLimits,
    /// The ids (their second halves) while there are at most `limits.exact_ids`.
    exact: hashbrown::HashSet<u64>,
    /// Then every id, in a filter.
    filter: Option<GrowingFilter>,
    candidates: Candidates,
}

impl Census {
    /// A census that finds candidates within `limits`.
    pub fn finding(limits: CensusLimits) -> Self {
        Self {
            finder: Some(Finder {
                limits,
                exact: hashbrown::HashSet::new(),
                filter: None,
                candidates: Candidates::new(),
            }),
            sequence: Sequence::default(),
        }
    }

    /// Notes the id of `fingerprint`.
    pub fn note(&mut self, fingerprint: Fingerprint) {
        self.sequence.add(fingerprint);
        if let Some(finder) = &mut self.finder {
            finder.note(fingerprint);
        }
    }

    /// The digest of the ids noted, in order.
    pub fn sequence(&self) -> Sequence {
        self.sequence
    }

    /// The ids that may have been noted more than once (none when not finding).
    pub fn into_candidates(self) -> Candidates {
        self.finder
            .map(|finder| finder.candidates)
            .unwrap_or_default()
    }
}

impl Sequence {
    fn add(&mut self, fingerprint: Fingerprint) {
        let [low, high] = fingerprint.halves();
        self.0 = (self.0.rotate_left(23) ^ low ^ high.rotate_left(32))
            .wrapping_mul(0x9e37_79b9_7f4a_7c15);
    }
}

impl Finder {
    fn note(&mut self, fingerprint: Fingerprint) {
        // 64 keyed-random bits: two ids share them with a chance of 2⁻⁶⁴, which would
        // only make one more candidate.
        let hash = fingerprint.halves()[1];
        // Full: spilled before an insert would grow the table only to drop it.
        if self.filter.is_none() && self.exact.len() >= self.limits.exact_ids {
            self.spill();
        }
        let maybe_seen = match &mut self.filter {
            Some(filter) => filter.insert(hash),
            None => !self.exact.insert(hash),
        };
        if maybe_seen {
            self.candidates.insert(fingerprint);
        }
    }

    /// Moves the ids held exactly into a filter, for good.
    fn spill(&mut self) {
        let first_stage = self.limits.first_stage.max(self.exact.len());
        let mut filter = GrowingFilter::new(first_stage, self.limits.false_positives);
        for hash in std::mem::take(&mut self.exact) {
            filter.insert(hash);
        }
        self.filter = Some(filter);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::seen::Fingerprinter;

    fn census(exact_ids: usize, first_stage: usize, false_positives: f64) -> Census {
        Census::finding(CensusLimits {
            exact_ids,
            first_stage,
            false_positives,
        })
    }

    #[test]
    fn held_exactly_only_repeats_are_candidates() {
        let ids = Fingerprinter::default();
        let mut census = census(1_000, 1_000, 0.01);
        for id in ["a", "b", "c", "b", "d", "b", "a"] {
            census.note(ids.of(id));
        }
        let expected: Candidates = [ids.of("a"), ids.of("b")].into();
        assert_eq!(census.into_candidates(), expected);
    }

    #[test]
    fn past_the_exact_limit_every_repeat_is_still_a_candidate() {
        let ids = Fingerprinter::default();
        let mut census = census(100, 200, 0.01);
        for n in 0..5_000 {
            census.note(ids.of(&format!("e-{n}")));
        }
        // Repeats of ids noted before the spill and after it.
        for n in [3, 99, 100, 4_999] {
            census.note(ids.of(&format!("e-{n}")));
        }
        let candidates = census.into_candidates();
        for n in [3, 99, 100, 4_999] {
            assert!(candidates.contains(&ids.of(&format!("e-{n}"))), "e-{n}");
        }
        // And a few false positives: the stages' rates add up to under 2 %.
        assert!(candidates.len() < 4 + 150, "{}", candidates.len());
    }

    #[test]
    fn a_tiny_filter_makes_many_candidates_of_ids_noted_once() {
        let ids = Fingerprinter::default();
        let mut census = census(0, 64, 0.5);
        for n in 0..2_000 {
            census.note(ids.of(&format!("e-{n}")));
        }
        let candidates = census.into_candidates().len();
        assert!(candidates > 100, "{candidates}");
    }

    #[test]
    fn the_sequence_tells_another_order_or_another_id() {
        let ids = Fingerprinter::default();
        let sequence = |names: &[&str]| {
            let mut census = Census::default();
            names.iter().for_each(|name| census.note(ids.of(name)));
            census.sequence()
        };
        assert_eq!(sequence(&["a", "b", "c"]), sequence(&["a", "b", "c"]));
        assert_ne!(sequence(&["a", "b", "c"]), sequence(&["a", "c", "b"]));
        assert_ne!(sequence(&["a", "b", "c"]), sequence(&["a", "b", "b"]));
        assert_ne!(sequence(&["a", "b"]), sequence(&["a", "b", "b"]));
    }
}
