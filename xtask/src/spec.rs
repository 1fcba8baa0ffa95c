//! `cargo xtask spec`: derive `spec/identity-source.yaml` from Okta's official document and
//! our corrections, or check that the committed spec is what they give.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use generator::spec::{self, Sources};

use crate::{display_path, surface_report, told, workspace_root, write_atomically};
use generator::write::one_line;

/// The operations the client ships, by operationId: the spec keeps these and nothing else.
pub const OPERATIONS: [&str; 7] = [
    "listIdentitySourceSessions",
    "createIdentitySourceSession",
    "getIdentitySourceSession",
    "deleteIdentitySourceSession",
    "startImportFromIdentitySource",
    "uploadIdentitySourceDataForDelete",
    "uploadIdentitySourceDataForUpsert",
];

/// Our corrections to Okta's document, as an OpenAPI Overlay 1.0 document.
const OVERLAY: &str = "spec/identity-source.overlay.yaml";
/// The spec the client is generated from.
const SPEC: &str = "spec/identity-source.yaml";

#[derive(clap::Args)]
pub struct Spec {
    /// Okta's official management API document (YAML or JSON), e.g.
    /// ../shared/okta/management-minimal.2026.06.3.yaml.
    #[arg(long, value_name = "FILE")]
    from: PathBuf,
    /// Write nothing; fail, naming the first difference, if the spec is not what the
    /// official document and the overlay give.
    #[arg(long)]
    check: bool,
    /// The overlay of corrections. [default: spec/identity-source.overlay.yaml]
    #[arg(long, value_name = "FILE")]
    overlay: Option<PathBuf>,
    /// The spec to write or check. [default: spec/identity-source.yaml]
    #[arg(long, value_name = "FILE")]
    spec: Option<PathBuf>,
}

impl Spec {
    pub fn run(self) -> Result<ExitCode, String> {
        let root = workspace_root();
        let overlay = self.overlay.unwrap_or_else(|| root.join(OVERLAY));
        let target = self.spec.unwrap_or_else(|| root.join(SPEC));
        let derived = derive(&root, &self.from, &overlay)?;
        let target_name = display_path(&root, &target);
        let current = match std::fs::read_to_string(&target) {
            Ok(text) => Some(text),
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => None,
            Err(error) => return Err(format!("cannot read {}: {error}", target.display())),
        };
        if current.as_deref() == Some(derived.as_str()) {
            println!(
                "{target_name} is up to date with {}.",
                display_path(&root, &self.from)
            );
            return Ok(ExitCode::SUCCESS);
        }
        if self.check {
            eprintln!(
                "{target_name} is not what {} and {} give:",
                display_path(&root, &self.from),
                display_path(&root, &overlay)
            );
            eprintln!(
                "{}",
                first_difference(current.as_deref().unwrap_or(""), &derived)
            );
            eprintln!(
                "Run `cargo xtask spec --from {}` to rewrite it.",
                self.from.display()
            );
            return Ok(ExitCode::FAILURE);
        }
        if let Some(current) = &current {
            match surface_report(current, &derived, false) {
                Ok(report) => print!("{report}"),
                Err(error) => eprintln!("warning: no change report: {error}"),
            }
        }
        write_atomically(&target, &derived)?;
        println!("wrote {target_name}; run `cargo xtask codegen` to regenerate the client.");
        Ok(ExitCode::SUCCESS)
    }
}

/// The spec `official` and `overlay` give.
fn derive(root: &Path, official: &Path, overlay: &Path) -> Result<String, String> {
    let read = |path: &Path| {
        crate::read_spec(path)
            .map_err(|error| format!("cannot read {}: {error}", crate::shown(path)))
    };
    let official_text = read(official)?;
    let overlay_text = read(overlay)?;
    let preamble = format!(
        "Made by `cargo xtask spec` from Okta's {} and our corrections in {}. Do not edit: \
         correct the overlay.",
        file_name(official),
        file_name(overlay)
    );
    let sources = Sources {
        official: &official_text,
        overlay: &overlay_text,
        operation_ids: &OPERATIONS,
        preamble: &preamble,
    };
    spec::derive(&sources).map_err(|error| match error {
        spec::DeriveError::Official(_) => {
            format!(
                "{}: {}",
                one_line(&display_path(root, official)),
                told(&error)
            )
        }
        spec::DeriveError::Overlay(_) => {
            format!(
                "{}: {}",
                one_line(&display_path(root, overlay)),
                told(&error)
            )
        }
        spec::DeriveError::Result(_) => told(&error),
    })
}

/// How the spec's first line names a file: by its name alone, so the line does not depend on
/// where the files are.
fn file_name(path: &Path) -> String {
    path.file_name().map_or_else(
        || path.display().to_string(),
        |name| name.to_string_lossy().into_owned(),
    )
}

/// The first line where `current` and `derived` differ, with both versions of it.
fn first_difference(current: &str, derived: &str) -> String {
    let mut current_lines = current.lines();
    let mut derived_lines = derived.lines();
    let mut number = 1;
    loop {
        match (current_lines.next(), derived_lines.next()) {
            (Some(a), Some(b)) if a == b => number += 1,
            (a, b) => {
                return format!(
                    "  first difference at line {number}:\n    committed: {}\n    derived:   {}",
                    a.unwrap_or("(end of file)"),
                    b.unwrap_or("(end of file)")
                );
            }
        }
    }
}
