//! The position of every record read, by its number, in a few bytes for a whole file.
//!
//! A record's position is needed again only when a later record repeats its id. Positions
//! move in step with the record's number: in a CSV file, record n is on line n + 1 and has
//! index n. So they are kept as runs: a run says where its first record is and that each
//! next one is one further on; a new run starts only where that stops being true (a field
//! spanning lines, a blank line, another file). A file with no such break is one run.

use std::sync::Arc;

use crate::record::{Input, Position};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Run {
    /// The number of its first record.
    first: u32,
    /// An index into `Positions::files`, or `NO_FILE`.
    file: u32,
    /// The first record's line, or `NO_LINE`.
    line: u64,
    index: u64,
    input: Option<Input>,
}

const NO_FILE: u32 = u32::MAX;
const NO_LINE: u64 = u64::MAX;

/// Where a record is, borrowed from it: its own position, its number in its input, which
/// is its index when the position has none (0), and that input, unless the position says.
#[derive(Debug, Clone, Copy)]
pub struct At<'p> {
    pub position: &'p Position,
    pub number: u64,
    pub input: Input,
}

impl<'p> At<'p> {
    /// Record `number` of `input`, at `position`.
    pub fn new(position: &'p Position, number: u64, input: Input) -> Self {
        Self {
            position,
            number,
            input,
        }
    }

    /// A position numbered already, of the users unless it says.
    #[cfg(test)]
    pub fn numbered(position: &'p Position) -> Self {
        Self::new(position, position.index, Input::Users)
    }

    /// The record's index: its position's, or its number.
    pub fn index(self) -> u64 {
        match self.position.index {
            0 => self.number,
            index => index,
        }
    }

    /// Its input: the position's, or the one it was read from.
    pub fn input(self) -> Input {
        self.position.input.unwrap_or(self.input)
    }

    /// The position as reported: the record's own, numbered, its input said.
    pub fn to_position(self) -> Position {
        Position {
            index: self.index(),
            input: Some(self.input()),
            ..self.position.clone()
        }
    }
}

/// The positions of records numbered in increasing order.
#[derive(Debug, Default)]
pub struct Positions {
    runs: Vec<Run>,
    files: Vec<Arc<str>>,
}

impl Positions {
    /// Records that record `ordinal` (higher than any before) is `at`.
    pub fn push(&mut self, ordinal: u32, at: At<'_>) {
        let (position, index, input) = (at.position, at.index(), Some(at.input()));
        let file = self.file_number(position.file.as_ref());
        let line = position.line.unwrap_or(NO_LINE);
        if let Some(last) = self.runs.last() {
            let step = u64::from(ordinal - last.first);
            let line_follows = (line == NO_LINE && last.line == NO_LINE)
                || Some(line) == last.line.checked_add(step);
            if last.file == file
                && last.input == input
                && line_follows
                && Some(index) == last.index.checked_add(step)
            {
                return;
            }
        }
        self.runs.push(Run {
            first: ordinal,
            file,
            line,
            index,
            input,
        });
    }

    /// The position of record `ordinal`, which was pushed.
    pub fn get(&self, ordinal: u32) -> Position {
        let after = self.runs.partition_point(|run| run.first <= ordinal);
        let Some(run) = after.checked_sub(1).map(|run| self.runs[run]) else {
            return Position::default();
        };
        let step = u64::from(ordinal - run.first);
        Position {
            file: (run.file != NO_FILE).then(|| self.files[run.file as usize].clone()),
            line: (run.line != NO_LINE).then(|| run.line + step),
            index: run.index + step,
            input: run.input,
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_file_read_in_step_is_one_run() {
        let file: Arc<str> = Arc::from("users.csv");
        let mut positions = Positions::default();
        for n in 1..=10_000u32 {
            let n = u64::from(n);
            let position = Position::in_file(file.clone(), n + 1, n);
            positions.push(n as u32 + 4, At::numbered(&position));
        }
        assert_eq!(positions.get(4_325).input, Some(Input::Users));
        assert_eq!(positions.runs.len(), 1);
        assert_eq!(positions.get(4_325).to_string(), "users.csv:4322");
        assert_eq!(positions.get(4_325).index, 4_321);
    }

    #[test]
    fn breaks_start_runs_and_every_position_comes_back() {
        let (a, b): (Arc<str>, Arc<str>) = (Arc::from("a.csv"), Arc::from("b.txt"));
        let given = [
            Position::in_file(a.clone(), 2, 1),
            Position::in_file(a.clone(), 3, 2),
            Position::in_file(a.clone(), 6, 3), // after a field of three lines
            Position::in_file(a, 7, 4),
            Position::in_file(b.clone(), 1, 1),
            Position::in_file(b, 2, 2),
            Position::record(1),
            Position::record(2),
            Position::record(7),
            Position::record(8),
        ]
        .map(|position| Position {
            input: Some(Input::Users),
            ..position
        });
        let mut deactivation = given[9].clone();
        deactivation.input = Some(Input::Deactivations);
        let given = [&given[..9], &[deactivation]].concat();
        let mut positions = Positions::default();
        let ordinals = [0, 1, 2, 3, 10, 11, 12, 13, 14, 15];
        for (ordinal, position) in ordinals.iter().zip(&given) {
            positions.push(*ordinal, At::numbered(position));
        }
        // The deactivation, in step with the user before it, starts a run of its own.
        assert_eq!(positions.runs.len(), 6);
        for (ordinal, position) in ordinals.iter().zip(&given) {
            assert_eq!(&positions.get(*ordinal), position);
        }
    }
}
