//! The input of an import as the engine reads it: more than once, to check every record
//! (twice when an id may repeat) and to send them, each read from the start of the files,
//! so that an import holds only the uploads in flight, never the file.

use std::sync::{Arc, OnceLock};

use okta_identity_source_import::{Deactivation, InvalidRecord, ReadError, Source, UserRecord};

use super::{Deactivations, InputError, RecordError, Users, deactivation_records, user_records};

/// The users of an import, one at a time.
pub type UserRecords = Box<dyn Iterator<Item = Result<UserRecord, InvalidRecord>> + Send>;
/// The users to deactivate, one at a time.
pub type DeactivationRecords = Box<dyn Iterator<Item = Result<Deactivation, InvalidRecord>> + Send>;

/// Opens a reader from the start: a file opened again, a text read again.
pub type Reopen<T> = Box<dyn FnMut() -> Result<T, InputError> + Send>;

/// A reader opened once already (its header checked), and how to open it again.
struct Reader<T> {
    opened: Option<T>,
    reopen: Reopen<T>,
}

impl<I: Send + 'static> Reader<Box<dyn Iterator<Item = I> + Send>> {
    /// Opens the reader, and reads its first record to tell whether it holds any (the
    /// record is kept for the first read).
    fn open(
        mut reopen: Reopen<Box<dyn Iterator<Item = I> + Send>>,
    ) -> Result<(Self, bool), InputError> {
        let mut opened = reopen()?;
        let first = opened.next();
        let empty = first.is_none();
        let opened: Box<dyn Iterator<Item = I> + Send> = Box::new(first.into_iter().chain(opened));
        Ok((
            Self {
                opened: Some(opened),
                reopen,
            },
            empty,
        ))
    }
}

impl<T> Reader<T> {
    /// The reader opened first, then new ones.
    fn read(&mut self) -> Result<T, InputError> {
        match self.opened.take() {
            Some(opened) => Ok(opened),
            None => (self.reopen)(),
        }
    }
}

/// The users and the deactivations of an import, each read from the start as many times as
/// the engine asks.
pub struct Input {
    users: Reader<Users>,
    deactivations: Option<Reader<Deactivations>>,
    /// Whether the files hold no record at all, valid or not.
    holds_nothing: bool,
    /// The first record past which a file could not be read, in any read: each read after
    /// it fails, so that the import stops before sending (with invalid records skipped,
    /// the records never read would otherwise be left out without a word).
    unreadable: Arc<OnceLock<RecordError>>,
}

/// A file that could not be read to its end.
#[derive(Debug, thiserror::Error)]
#[error(
    "{0}; the records after it were never read, so the file is not imported (invalid records \
     can be skipped, not the rest of a file)"
)]
pub struct NotReadToItsEnd(RecordError);

/// Tells, once the files were read, whether a read stopped before the end of one.
#[derive(Debug, Clone)]
pub struct ReadToItsEnd(Arc<OnceLock<RecordError>>);

impl ReadToItsEnd {
    /// The error of the first record past which a file could not be read, if any.
    pub fn error(&self) -> Option<NotReadToItsEnd> {
        self.0.get().cloned().map(NotReadToItsEnd)
    }
}

/// `rows`, noting in `unreadable` the first record past which they could not be read.
fn watched<T: Send + 'static>(
    rows: Box<dyn Iterator<Item = Result<T, RecordError>> + Send>,
    unreadable: &Arc<OnceLock<RecordError>>,
) -> Box<dyn Iterator<Item = Result<T, RecordError>> + Send> {
    let unreadable = Arc::clone(unreadable);
    Box::new(rows.inspect(move |row| {
        if let Err(error) = row
            && error.rest_unread
        {
            let _ = unreadable.set(error.clone());
        }
    }))
}

impl Input {
    /// Opens the users and the deactivations (when there are any) now, so that a file that
    /// can't be read or has a bad header stops the command before anything else; `users`
    /// and `deactivations` open them again for each later read.
    pub fn open(
        users: Reopen<Users>,
        deactivations: Option<Reopen<Deactivations>>,
    ) -> Result<Self, InputError> {
        let (users, no_users) = Reader::open(users)?;
        let (deactivations, no_deactivations) = match deactivations.map(Reader::open) {
            Some(opened) => {
                let (reader, empty) = opened?;
                (Some(reader), empty)
            }
            None => (None, true),
        };
        Ok(Self {
            users,
            deactivations,
            holds_nothing: no_users && no_deactivations,
            unreadable: Arc::default(),
        })
    }

    /// What tells whether a read of these files stopped before the end of one, to ask once
    /// the input is gone (a dry run reads it once, so no later read fails).
    pub fn read_to_its_end(&self) -> ReadToItsEnd {
        ReadToItsEnd(Arc::clone(&self.unreadable))
    }

    /// An error when an earlier read stopped before the end of a file.
    fn read_to_the_end_before(&self) -> Result<(), ReadError> {
        match self.unreadable.get() {
            Some(error) => Err(Box::new(NotReadToItsEnd(error.clone()))),
            None => Ok(()),
        }
    }

    /// Whether the users file and the deactivation file (if any) hold no record at all,
    /// valid or not: a header alone, blank lines, an empty file.
    pub fn holds_nothing(&self) -> bool {
        self.holds_nothing
    }
}

impl Source for Input {
    type User = UserRecord;
    type Users = UserRecords;
    type Deactivations = DeactivationRecords;

    fn users(&mut self) -> Result<Self::Users, ReadError> {
        self.read_to_the_end_before()?;
        let rows = watched(self.users.read()?, &self.unreadable);
        Ok(Box::new(user_records(rows)))
    }

    fn deactivations(&mut self) -> Result<Self::Deactivations, ReadError> {
        self.read_to_the_end_before()?;
        let rows: Deactivations = match &mut self.deactivations {
            Some(reader) => watched(reader.read()?, &self.unreadable),
            None => Box::new(std::iter::empty()),
        };
        Ok(Box::new(deactivation_records(rows)))
    }
}

#[cfg(test)]
mod tests {
    use std::io::Cursor;

    use super::*;
    use crate::args::Format;
    use crate::input::{ReadOptions, users_from_reader};

    fn sample(text: &'static str) -> Reopen<Users> {
        Box::new(move || {
            users_from_reader(
                Cursor::new(text.as_bytes()),
                "users.csv".into(),
                Format::Csv,
                &ReadOptions::default(),
            )
        })
    }

    #[test]
    fn every_read_starts_from_the_first_record() {
        let text = "externalId,email\ne-1,a@example.com\ne-2,b@example.com\n";
        let mut input = Input::open(sample(text), None).unwrap();
        for _ in 0..3 {
            let ids: Vec<String> = input
                .users()
                .unwrap()
                .map(|user| user.unwrap().external_id)
                .collect();
            assert_eq!(ids, ["e-1", "e-2"]);
            assert_eq!(input.deactivations().unwrap().count(), 0);
        }
    }

    #[test]
    fn a_header_alone_holds_nothing_and_one_record_valid_or_not_is_something() {
        for (text, nothing) in [
            ("externalId,email\n", true),
            ("externalId,email\n\n", true),
            ("externalId,email\ne-1,a@example.com\n", false),
            ("externalId,email\ne-1\n", false),
        ] {
            let mut input = Input::open(sample(text), None).unwrap();
            assert_eq!(input.holds_nothing(), nothing, "{text:?}");
            let first_read = input.users().unwrap().count();
            assert_eq!(first_read, input.users().unwrap().count(), "{text:?}");
            assert_eq!(first_read == 0, nothing, "{text:?}");
        }
    }

    #[test]
    fn after_a_read_that_could_not_reach_the_end_of_a_file_no_read_starts() {
        let text = "externalId,email\ne-1,a@example.com\ne-2,\"b@example.com\ne-3,c@example.com\n";
        let mut input = Input::open(sample(text), None).unwrap();
        let first: Vec<_> = input.users().unwrap().collect();
        assert_eq!(first.len(), 2, "{first:?}");
        assert!(first[0].is_ok() && first[1].is_err(), "{first:?}");
        for error in [
            input.users().err().map(|error| error.to_string()),
            input.deactivations().err().map(|error| error.to_string()),
        ] {
            assert_eq!(
                error.as_deref(),
                Some(
                    "users.csv:3: column 2: a quote opened at line 3 is never closed: the rest of the file, \
                     to line 4, was read as one field, and nothing after it can be read; the records \
                     after it were never read, so the file is not imported (invalid records can be \
                     skipped, not the rest of a file)"
                )
            );
        }
        // A record refused whose file goes on reads again as before.
        let text = "externalId,email\ne-1\ne-2,b@example.com\n";
        let mut input = Input::open(sample(text), None).unwrap();
        for _ in 0..2 {
            assert_eq!(input.users().unwrap().count(), 2);
        }
    }

    #[test]
    fn a_bad_header_stops_at_opening_and_a_failed_reopen_is_an_error() {
        assert!(Input::open(sample("email\na@example.com\n"), None).is_err());
        let mut opened = false;
        let once: Reopen<Users> = Box::new(move || {
            if std::mem::replace(&mut opened, true) {
                return Err(InputError::NotAFile {
                    path: "users.csv".into(),
                });
            }
            sample("externalId\ne-1\n")()
        });
        let mut input = Input::open(once, None).unwrap();
        assert_eq!(input.users().unwrap().count(), 1);
        let error = input.users().err().unwrap();
        assert_eq!(
            error.to_string(),
            "cannot read users.csv: it is not a regular file"
        );
    }
}
