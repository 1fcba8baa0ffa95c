//! One module per subcommand.

pub mod demo;
pub mod sessions;
pub mod users;
