//! The generator can be packaged: `cargo package -p generator --list` holds every source
//! file of the crate and every file its code embeds at build time, and none of those is
//! outside the package.

use std::path::{Component, Path, PathBuf};
use std::process::Command;

use tests::workspace_root;

/// The files `cargo package` would put in the generator's package, relative to its root.
fn package_list() -> Vec<String> {
    let output = Command::new(std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into()))
        .args([
            "package",
            "-p",
            "generator",
            "--list",
            "--allow-dirty",
            "--offline",
        ])
        .current_dir(workspace_root())
        .output()
        .expect("cargo package runs");
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8_lossy(&output.stdout)
        .lines()
        .map(str::to_owned)
        .collect()
}

/// Every `.rs` file under `dir`, relative to `root`, with `/` separators.
fn rust_files(root: &Path, dir: &Path, found: &mut Vec<String>) {
    for entry in std::fs::read_dir(dir).expect("readable directory") {
        let path = entry.expect("an entry").path();
        if path.is_dir() {
            rust_files(root, &path, found);
        } else if path.extension().is_some_and(|extension| extension == "rs") {
            found.push(relative(root, &path).expect("under the root"));
        }
    }
}

/// `path` relative to `root` with `.` and `..` resolved, or `None` when it is outside it.
fn relative(root: &Path, path: &Path) -> Option<String> {
    let mut parts: Vec<String> = Vec::new();
    for component in path.strip_prefix(root).ok()?.components() {
        match component {
            Component::Normal(part) => parts.push(part.to_string_lossy().into_owned()),
            Component::ParentDir => {
                parts.pop()?;
            }
            Component::CurDir => {}
            Component::RootDir | Component::Prefix(_) => return None,
        }
    }
    Some(parts.join("/"))
}

/// The files `source` (at `file`) embeds with `include_str!`/`include_bytes!`, resolved
/// from its directory. Each must be a plain literal: a computed path could not be checked.
fn embedded(file: &Path, source: &str) -> Vec<PathBuf> {
    let mut found = Vec::new();
    for macro_name in ["include_str!(", "include_bytes!("] {
        for (start, _) in source.match_indices(macro_name) {
            let argument = &source[start + macro_name.len()..];
            let literal = argument
                .strip_prefix('"')
                .and_then(|rest| rest.split_once('"'))
                .map(|(path, _)| path)
                .unwrap_or_else(|| {
                    panic!(
                        "{}: {macro_name} takes a computed path, which this test cannot check",
                        file.display()
                    )
                });
            found.push(file.parent().expect("a directory").join(literal));
        }
    }
    found
}

#[test]
fn the_generator_package_holds_every_file_it_builds_from() {
    let crate_root = workspace_root().join("generator");
    let listed = package_list();
    let mut sources = Vec::new();
    rust_files(&crate_root, &crate_root.join("src"), &mut sources);
    assert!(sources.len() > 10, "the generator's sources: {sources:?}");
    for source in &sources {
        assert!(
            listed.contains(source),
            "{source} is not packaged: {listed:?}"
        );
        let path = crate_root.join(source);
        let text = std::fs::read_to_string(&path).expect("readable source");
        for file in embedded(&path, &text) {
            let inside = relative(&crate_root, &file).unwrap_or_else(|| {
                panic!(
                    "{source} embeds {}, which is outside the generator's package",
                    file.display()
                )
            });
            assert!(
                listed.contains(&inside),
                "{source} embeds {inside}, which is not packaged"
            );
        }
    }
}

#[test]
fn an_embedded_file_outside_the_package_is_found() {
    let crate_root = workspace_root().join("generator");
    let file = crate_root.join("src/templates.rs");
    let embeds = embedded(
        &file,
        r#"const T: &str = include_str!("../../templates/Cargo.toml");"#,
    );
    assert_eq!(embeds.len(), 1);
    assert_eq!(relative(&crate_root, &embeds[0]), None);
    assert_eq!(
        relative(&crate_root, &crate_root.join("src/../src/lib.rs")).as_deref(),
        Some("src/lib.rs")
    );
}
