//! The emulator against the generated client (and raw HTTP where the client can't say it).

mod operations;
mod rules;
mod support;
