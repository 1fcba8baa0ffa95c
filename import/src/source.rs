//! An input the importer can read more than once, so that a run never holds all of it.

use std::borrow::Borrow;

use crate::record::{Deactivation, InvalidRecord, UserRecord};

/// Why an input could not be read (again): a file that went away, a connection that broke.
pub type ReadError = Box<dyn std::error::Error + Send + Sync>;

/// Records the importer can read from the start more than once, each time the same: a file
/// opened anew, a query run again.
///
/// [`Importer::run_source`](crate::Importer::run_source) reads it twice: once to check
/// and plan every record (with [`OnInvalid::Fail`](crate::OnInvalid::Fail) nothing may be
/// sent before the last one is checked), then again to send the records the plan kept,
/// one upload at a time, so that it holds no more than the uploads in flight. When some
/// ids may repeat, one more read in between tells which do (see
/// [`plan_source`](crate::plan_source)), so that neither read keeps every id. A record
/// that differs from the read before stops the import.
///
/// A pair of closures that each return an iterator is a source, and its users may be lent
/// (`|| users.iter().map(Ok)` over a `Vec<UserRecord>` the caller holds): each read borrows
/// them again, so nothing of them is copied or kept between the reads:
///
/// ```
/// # use okta_identity_source_import::{Deactivation, Source, UserRecord};
/// # use okta_identity_source::models::IdentitySourceUserProfileForUpsert as Profile;
/// fn source() -> impl Source {
///     let users = || (0..3).map(|n| Ok(UserRecord::new(format!("e-{n}"), Profile::default())));
///     let leavers = || ["e-9"].map(|id| Ok(Deactivation::new(id)));
///     (users, leavers)
/// }
///
/// /// The caller's users, lent to each read, and no one to deactivate.
/// fn lent(users: &[UserRecord]) -> impl Source + '_ {
///     (|| users.iter().map(Ok), std::iter::empty)
/// }
/// ```
pub trait Source {
    /// A user to create or update: a [`UserRecord`], or a borrowed one.
    type User: Borrow<UserRecord>;
    /// The users to create or update, one at a time.
    type Users: Iterator<Item = Result<Self::User, InvalidRecord>>;
    /// The users to deactivate, one at a time.
    type Deactivations: Iterator<Item = Result<Deactivation, InvalidRecord>>;

    /// The users, from the first.
    fn users(&mut self) -> Result<Self::Users, ReadError>;

    /// The users to deactivate, from the first.
    fn deactivations(&mut self) -> Result<Self::Deactivations, ReadError>;
}

impl<FU, FD, U, D, R> Source for (FU, FD)
where
    FU: FnMut() -> U,
    FD: FnMut() -> D,
    U: IntoIterator<Item = Result<R, InvalidRecord>>,
    D: IntoIterator<Item = Result<Deactivation, InvalidRecord>>,
    R: Borrow<UserRecord>,
{
    type User = R;
    type Users = U::IntoIter;
    type Deactivations = D::IntoIter;

    fn users(&mut self) -> Result<Self::Users, ReadError> {
        Ok((self.0)().into_iter())
    }

    fn deactivations(&mut self) -> Result<Self::Deactivations, ReadError> {
        Ok((self.1)().into_iter())
    }
}
