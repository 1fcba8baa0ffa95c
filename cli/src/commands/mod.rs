//! One module per subcommand.

pub mod sessions;
