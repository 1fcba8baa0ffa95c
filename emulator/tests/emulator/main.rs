//! The emulator against the generated client (and raw HTTP where the client can't say it).

mod binary;
mod limits_and_faults;
mod oauth;
mod operations;
mod robustness;
mod rules;
mod support;
