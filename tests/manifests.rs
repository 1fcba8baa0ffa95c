//! The crates' manifests tell the truth: one minimum supported Rust version (`rust-version`)
//! for every crate of the workspace, the generated one and the README, and no locked
//! dependency that needs a newer Rust than that. Read from `cargo metadata`, so no other
//! toolchain is needed; clippy's `incompatible_msrv` lint checks our own code against it.

use std::process::Command;

use serde_json::Value;
use tests::workspace_root;

/// A Rust version as `(major, minor, patch)`, from `1.88` or `1.88.0`.
fn version(text: &str) -> (u32, u32, u32) {
    let mut parts = text.trim().split('.').map(|part| {
        part.parse::<u32>()
            .unwrap_or_else(|_| panic!("a version: {text}"))
    });
    let mut next = || parts.next().unwrap_or(0);
    (next(), next(), next())
}

/// `cargo metadata` of the workspace, with the dependencies `Cargo.lock` pins: every one,
/// for every platform, so cargo fetches those a build here never needed (a fresh machine
/// has only those).
fn metadata() -> Value {
    let output = Command::new(std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into()))
        .args(["metadata", "--format-version", "1", "--locked"])
        .current_dir(workspace_root())
        .output()
        .expect("cargo metadata runs");
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    serde_json::from_slice(&output.stdout).expect("cargo metadata prints JSON")
}

/// Each package as (name, version, rust-version), and whether it is a workspace member.
fn packages(metadata: &Value) -> Vec<(String, String, Option<String>, bool)> {
    let members: Vec<&str> = metadata["workspace_members"]
        .as_array()
        .expect("workspace members")
        .iter()
        .filter_map(Value::as_str)
        .collect();
    metadata["packages"]
        .as_array()
        .expect("packages")
        .iter()
        .map(|package| {
            let text = |key: &str| package[key].as_str().map(str::to_owned);
            let id = package["id"].as_str().unwrap_or_default();
            (
                text("name").unwrap_or_default(),
                text("version").unwrap_or_default(),
                text("rust_version"),
                members.contains(&id),
            )
        })
        .collect()
}

/// The one `rust-version` every workspace member (the generated crate included) declares.
fn our_msrv(packages: &[(String, String, Option<String>, bool)]) -> String {
    let declared: Vec<(&str, Option<&str>)> = packages
        .iter()
        .filter(|(_, _, _, member)| *member)
        .map(|(name, _, rust_version, _)| (name.as_str(), rust_version.as_deref()))
        .collect();
    let first = declared[0]
        .1
        .expect("the workspace declares a rust-version");
    for (name, rust_version) in &declared {
        assert_eq!(
            rust_version.map(version),
            Some(version(first)),
            "{name} declares rust-version {rust_version:?}, others {first}"
        );
    }
    first.to_owned()
}

#[test]
fn every_crate_and_the_readme_name_one_msrv() {
    let msrv = our_msrv(&packages(&metadata()));
    let readme = std::fs::read_to_string(workspace_root().join("README.md")).expect("README");
    let stated = readme
        .split_once("With a Rust toolchain (")
        .and_then(|(_, rest)| rest.split_once(' '))
        .map(|(stated, _)| stated)
        .expect("the README's Set up names the Rust version");
    assert_eq!(version(stated), version(&msrv), "README says {stated}");
}

#[test]
fn no_locked_dependency_needs_a_newer_rust_than_ours() {
    let packages = packages(&metadata());
    let msrv = version(&our_msrv(&packages));
    let newer: Vec<String> = packages
        .iter()
        .filter(|(_, _, rust_version, member)| {
            !member
                && rust_version
                    .as_deref()
                    .is_some_and(|needs| version(needs) > msrv)
        })
        .map(|(name, version, rust_version, _)| {
            format!(
                "{name} {version} needs {}",
                rust_version.as_deref().unwrap_or_default()
            )
        })
        .collect();
    assert!(
        newer.is_empty(),
        "locked dependencies newer than our rust-version {msrv:?}: {newer:?}"
    );
}
