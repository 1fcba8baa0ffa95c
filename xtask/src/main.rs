//! Project commands. `cargo xtask codegen` regenerates the client crate from the spec,
//! `cargo xtask spec` derives the spec from Okta's official document and our corrections,
//! `cargo xtask diff` says what changed in the API surface between two documents.

mod diff;
mod spec;

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use generator::write::{self, Report, one_line};
use generator::{Generated, Options, surface};

#[derive(Parser)]
#[command(
    about = "Project commands for the Okta Identity Source client generator.",
    after_help = EXIT_CODES
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Regenerate the client crate from the OpenAPI document.
    ///
    /// Reads the document, generates the whole crate in memory, then writes the files that
    /// changed and removes generated files that are no longer made. Nothing is written when
    /// the document can't be read or generated from.
    #[command(after_help = EXIT_CODES)]
    Codegen(Codegen),
    /// Derive spec/identity-source.yaml from Okta's official document and our corrections.
    ///
    /// Keeps the operations the client ships and the components they reach, applies the
    /// overlay spec/identity-source.overlay.yaml, and writes the spec, after printing what
    /// changes in the client's API surface.
    #[command(after_help = EXIT_CODES)]
    Spec(spec::Spec),
    /// Say what changed in the generated API surface between two OpenAPI documents:
    /// breaking and additive changes and the version bump they imply.
    #[command(after_help = DIFF_EXIT_CODES)]
    Diff(diff::Diff),
}

#[derive(clap::Args)]
struct Codegen {
    /// Write nothing; fail, naming each stale file, if the output is not up to date.
    #[arg(long)]
    check: bool,
    /// The OpenAPI 3.0 or 3.1 document (YAML or JSON) to generate from.
    /// [default: spec/identity-source.yaml in the workspace]
    #[arg(long, value_name = "FILE")]
    spec: Option<PathBuf>,
    /// Generate only the operations with this tag; repeat for several tags. Default: all.
    #[arg(long = "tag", value_name = "TAG")]
    tags: Vec<String>,
    /// The directory of the generated crate. [default: generated/ in the workspace]
    #[arg(long, value_name = "DIR")]
    out: Option<PathBuf>,
    /// Leave out what cannot be generated, with a warning for each, rather than fail:
    /// an operation is skipped, a property or union member becomes `serde_json::Value`.
    #[arg(long)]
    skip_unsupported: bool,
    /// Print the change report of the API surface as Markdown, for a changelog entry.
    #[arg(long)]
    markdown: bool,
    /// The generated crate's package name (its library name has `_` for `-`).
    /// [default: the document's title in kebab case; okta-identity-source for the default spec]
    #[arg(long, value_name = "NAME")]
    crate_name: Option<String>,
    /// The generated crate's version.
    /// [default: the document's version when it is a semantic version, else 0.1.0]
    #[arg(long, value_name = "VERSION")]
    crate_version: Option<String>,
    /// The generated crate's description. [default: one naming the document's title]
    #[arg(long, value_name = "TEXT")]
    description: Option<String>,
    /// Follow this vendor's conventions (`okta`). [default: the document's
    /// `x-client-profile`, else none: the standards alone]
    #[arg(long, value_name = "NAME", value_parser = profile)]
    profile: Option<generator::ir::Profile>,
}

/// A profile by name, for `--profile`.
fn profile(name: &str) -> Result<generator::ir::Profile, String> {
    generator::ir::Profile::named(name).ok_or_else(|| {
        let known: Vec<&str> = generator::ir::Profile::ALL
            .iter()
            .map(|(name, _)| *name)
            .collect();
        format!(
            "`{name}` is not a client profile; the known profiles are: {}",
            known.join(", ")
        )
    })
}

/// The identity of the crate generated from the workspace's spec, spec/identity-source.yaml:
/// what `--crate-name`, `--crate-version` and `--description` default to for it, and its
/// keywords.
const OKTA_IDENTITY_SOURCE: (&str, &str, &str, &[&str]) = (
    "okta-identity-source",
    "0.1.0",
    "Typed async client for Okta's Identity Source API (import sessions of a Custom Identity Source).",
    &["okta", "identity", "api-client", "scim", "hr"],
);

/// What the exit codes say, for scripts: a stale output told apart from a failure.
const EXIT_CODES: &str = "Exit codes: 0 done, or up to date; 1 `--check` found the output out of date; \
2 an error (its message says what failed, and where) or a usage error.";

/// What `diff`'s exit codes say, for a CI that gates on breaking changes.
const DIFF_EXIT_CODES: &str = "Exit codes: 0 the report was printed; 1 with --fail-on-breaking, \
a change is breaking; 2 an error (its message says what failed, and where) or a usage error.";

fn main() -> ExitCode {
    let outcome = match Cli::parse().command {
        Command::Codegen(codegen) => codegen.run(),
        Command::Spec(spec) => spec.run(),
        Command::Diff(diff) => diff.run(),
    };
    match outcome {
        Ok(code) => code,
        Err(message) => {
            eprintln!("error: {message}");
            ExitCode::from(2)
        }
    }
}

impl Codegen {
    fn run(self) -> Result<ExitCode, String> {
        let root = workspace_root();
        let default_spec = root.join("spec/identity-source.yaml");
        let spec = self.spec.unwrap_or_else(|| default_spec.clone());
        let spec_name = shown(&spec);
        let (name, version, description, keywords) = OKTA_IDENTITY_SOURCE;
        let is_okta = same_file(&spec, &default_spec);
        let default = |value: &str| is_okta.then(|| value.to_owned());
        let text = read_spec(&spec).map_err(|error| {
            format!("cannot read the spec {spec_name}: {error}. Nothing was written.")
        })?;
        // generated/ is the Okta crate's: another document's crate goes where it is told.
        let out = match self.out {
            Some(out) => out,
            None if is_okta => root.join("generated"),
            None => {
                return Err(format!(
                    "--out is needed with --spec {spec_name}: the default output, generated/, is the crate of spec/identity-source.yaml. Nothing was written."
                ));
            }
        };
        let options = Options {
            tags: self.tags,
            source_name: source_name(&root, &spec),
            skip_unsupported: self.skip_unsupported,
            profile: self.profile,
            runtime_path: Some(runtime_path(&root, &out)),
            crate_name: self.crate_name.or_else(|| default(name)),
            crate_version: self.crate_version.or_else(|| default(version)),
            description: self.description.or_else(|| default(description)),
            keywords: match is_okta {
                true => keywords.iter().map(|keyword| keyword.to_string()).collect(),
                false => Vec::new(),
            },
        };
        let Generated {
            files,
            warnings,
            surface,
        } = generator::generate(&text, &options)
            .map_err(|diagnostic| problems(&spec_name, &diagnostic))?;
        for warning in &warnings {
            eprintln!("warning: {spec_name}: {}", told(warning));
        }
        match warnings.len() {
            0 => {}
            1 => eprintln!("1 warning: what it names was left out or ignored."),
            n => eprintln!("{n} warnings: what they name was left out or ignored."),
        }
        let out_name = one_line(&display_path(&root, &out)).into_owned();
        let source_name = one_line(&options.source_name).into_owned();
        if self.check {
            let report = write::check(&out, &files).map_err(|error| error.to_string())?;
            if report.is_up_to_date() {
                println!("{out_name} is up to date ({} files).", report.unchanged);
                return Ok(ExitCode::SUCCESS);
            }
            eprintln!("{out_name} is not up to date with {source_name}:");
            print_changes(&report, &out_name, true);
            eprintln!("Run `{}` to regenerate it.", this_command_without_check());
            return Ok(ExitCode::FAILURE);
        }
        // Compared before the write replaces the recorded surface, printed once it did; read
        // only from a directory that the write would not refuse.
        write::ensure_output_directory(&out).map_err(|error| error.to_string())?;
        let changes = surface_changes(&out, &surface, self.markdown);
        let report = write::write(&out, &files).map_err(|error| match error {
            write::WriteError::Io { .. } => format!("{error}; {out_name} was left as it was."),
            error => error.to_string(),
        })?;
        changes.print();
        print_changes(&report, &out_name, false);
        println!(
            "{out_name}: {} changed, {} unchanged, from {source_name}.",
            report.changes.len(),
            report.unchanged,
        );
        Ok(ExitCode::SUCCESS)
    }
}

/// What changes for users between the surface recorded in the output and the new one, to
/// print once the new one is written.
enum SurfaceChanges {
    /// The report (text or Markdown).
    Report(String),
    /// No surface was recorded: the file that would hold it.
    Unrecorded(PathBuf),
    /// What was recorded could not be read, and why.
    Unreadable(PathBuf, String),
}

/// A problem of a document, on one line: what it quotes of the document (a path, a name)
/// can't move the cursor or recolour a terminal.
pub(crate) fn told(problem: &impl std::fmt::Display) -> String {
    one_line(&problem.to_string()).into_owned()
}

/// What is wrong with the spec `spec_name`: its problem, or each of its problems on a line
/// of its own.
fn problems(spec_name: &str, diagnostic: &generator::Diagnostic) -> String {
    let mut text = format!("{spec_name}: {}", told(diagnostic));
    if diagnostic.more.is_empty() {
        text.push_str(match diagnostic.skippable {
            true => ". Nothing was written (--skip-unsupported generates the rest without what it names).",
            false => ". Nothing was written.",
        });
        return text;
    }
    for other in &diagnostic.more {
        text.push_str(&format!("\nerror: {spec_name}: {}", told(other)));
    }
    text.push_str(&format!(
        "\n{} problems: nothing was written (--skip-unsupported generates the rest without what they name).",
        diagnostic.more.len() + 1
    ));
    text
}

/// Compares the surface recorded in `out` with `new`. Only a regular file of at most
/// [`MAX_RECORDED_SURFACE`] bytes is read (not a pipe, which might never end).
fn surface_changes(out: &Path, new: &surface::Surface, markdown: bool) -> SurfaceChanges {
    let recorded = out.join(surface::FILE);
    let Ok(metadata) = std::fs::metadata(&recorded) else {
        return SurfaceChanges::Unrecorded(recorded);
    };
    if !metadata.is_file() || metadata.len() > MAX_RECORDED_SURFACE {
        let what = match metadata.is_file() {
            true => "a file larger than any API surface",
            false => "not a file",
        };
        return SurfaceChanges::Unreadable(recorded, what.to_owned());
    }
    let text = match std::fs::read_to_string(&recorded) {
        Ok(text) => text,
        Err(error) => return SurfaceChanges::Unreadable(recorded, error.to_string()),
    };
    match surface::Surface::from_recorded(&text) {
        Ok(old) => SurfaceChanges::Report(render(&surface::diff(&old, new), markdown)),
        Err(error) => SurfaceChanges::Unreadable(recorded, error.to_string()),
    }
}

/// The largest recorded surface read, some hundred times that of an API of a thousand
/// operations.
const MAX_RECORDED_SURFACE: u64 = 256 * 1024 * 1024;

impl SurfaceChanges {
    fn print(&self) {
        match self {
            Self::Report(report) => print!("{report}"),
            Self::Unrecorded(recorded) => println!(
                "No API surface recorded in {}: nothing to compare with.",
                shown(recorded)
            ),
            Self::Unreadable(recorded, error) => eprintln!(
                "warning: {} was not an API surface ({}); it was rewritten.",
                shown(recorded),
                one_line(error)
            ),
        }
    }
}

/// The command that ran, without `--check`: `cargo xtask codegen --spec a.yaml --out out`,
/// each argument with a space or a quote in single quotes (one not UTF-8 shown with `�`),
/// on one line.
fn this_command_without_check() -> String {
    let args = std::env::args_os()
        .skip(1)
        .map(|arg| arg.to_string_lossy().into_owned())
        .filter(|arg| arg != "--check");
    let quoted = args.map(|arg| {
        let plain = !arg.is_empty()
            && arg
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "-_./=:,@+".contains(c));
        match plain {
            true => arg,
            false => format!("'{}'", arg.replace('\'', r"'\''")),
        }
    });
    let command = std::iter::once("cargo xtask".to_owned())
        .chain(quoted)
        .collect::<Vec<_>>()
        .join(" ");
    one_line(&command).into_owned()
}

/// A path as the messages print it: control characters escaped (see [`one_line`]).
fn shown(path: &Path) -> String {
    one_line(&path.display().to_string()).into_owned()
}

/// The change report between the API surfaces of two documents.
fn surface_report(old: &str, new: &str, markdown: bool) -> Result<String, String> {
    let options = Options::default();
    let old = generator::surface_of(old, &options)
        .map_err(|error| format!("the current spec: {}", told(&error)))?;
    let new = generator::surface_of(new, &options)
        .map_err(|error| format!("the new spec: {}", told(&error)))?;
    Ok(render(&surface::diff(&old, &new), markdown))
}

fn render(changes: &[surface::Change], markdown: bool) -> String {
    if markdown {
        surface::report_markdown(changes)
    } else {
        surface::report_text(changes)
    }
}

/// Writes `text` to `path` through a new file beside it, renamed into place, so a failure
/// leaves the old file whole; a file already there under the temporary name is not touched.
fn write_atomically(path: &Path, text: &str) -> Result<(), String> {
    let mut temporary = path.as_os_str().to_owned();
    temporary.push(".xtask-tmp");
    let temporary = PathBuf::from(temporary);
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(&temporary)
        .map_err(|error| format!("cannot create {}: {error}", temporary.display()))?;
    std::io::Write::write_all(&mut file, text.as_bytes())
        .and_then(|()| file.sync_all())
        .and_then(|()| std::fs::rename(&temporary, path))
        .map_err(|error| {
            let _ = std::fs::remove_file(&temporary);
            format!("cannot write {}: {error}", path.display())
        })
}

fn print_changes(report: &Report, out_name: &str, stale: bool) {
    for (path, change) in &report.changes {
        let line = if stale {
            format!("  {out_name}/{path} is stale (would be {change})")
        } else {
            format!("  {change} {out_name}/{path}")
        };
        if stale {
            eprintln!("{line}")
        } else {
            println!("{line}")
        }
    }
}

/// The workspace root, where the default spec and output are, so the command works from
/// any directory of the workspace.
fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .map_or_else(|| PathBuf::from("."), Path::to_path_buf)
}

/// The largest document read: a hundred times the largest public API description known
/// (AWS EC2's, 4.7 MB as JSON).
const LARGEST_SPEC: u64 = 512 << 20;

/// The text of the document at `path`: a regular file (a pipe may never end, a device
/// never does) of at most [`LARGEST_SPEC`] bytes, in UTF-8.
pub(crate) fn read_spec(path: &Path) -> std::io::Result<String> {
    use std::io::{Error, ErrorKind, Read};
    // Looked at before it is opened: opening a FIFO waits for a writer.
    let metadata = std::fs::metadata(path)?;
    if metadata.is_dir() {
        return Err(Error::new(ErrorKind::InvalidInput, "it is a folder"));
    }
    if !metadata.is_file() {
        return Err(Error::new(
            ErrorKind::InvalidInput,
            "it is not a regular file (a pipe, a device or a socket); give the document's file",
        ));
    }
    let mut bytes = Vec::new();
    let file = std::fs::File::open(path)?;
    file.take(LARGEST_SPEC + 1).read_to_end(&mut bytes)?;
    if bytes.len() as u64 > LARGEST_SPEC {
        return Err(Error::new(
            ErrorKind::InvalidInput,
            format!("it is larger than {} MiB", LARGEST_SPEC >> 20),
        ));
    }
    String::from_utf8(bytes)
        .map_err(|_| Error::new(ErrorKind::InvalidData, "stream did not contain valid UTF-8"))
}

/// `path` as the file system resolves it (links and `..` followed), part by part: a part
/// that does not exist yet is taken as written, and a `..` after it goes back up from it
/// (nothing there can be a link): the same folder however it is spelled.
fn resolved(path: &Path) -> PathBuf {
    let absolute = std::path::absolute(path).unwrap_or_else(|_| path.to_owned());
    let mut resolved = PathBuf::new();
    for part in absolute.components() {
        match part {
            std::path::Component::ParentDir => {
                resolved.pop();
            }
            part => resolved.push(part),
        }
        if let Ok(canonical) = std::fs::canonicalize(&resolved) {
            resolved = canonical;
        }
    }
    resolved
}

/// Whether `a` and `b` name the same existing file.
fn same_file(a: &Path, b: &Path) -> bool {
    match (std::fs::canonicalize(a), std::fs::canonicalize(b)) {
        (Ok(a), Ok(b)) => a == b,
        _ => false,
    }
}

/// How a crate generated into `out` finds the workspace's runtime crate: relative to `out`
/// when `out` is inside the workspace (`../runtime` for `generated/`), absolute otherwise.
fn runtime_path(root: &Path, out: &Path) -> String {
    match in_workspace(root, out) {
        Some(inside) => {
            let depth = inside.split('/').filter(|part| !part.is_empty()).count();
            format!("{}runtime", "../".repeat(depth))
        }
        None => resolved(root).join("runtime").display().to_string(),
    }
}

/// How the generated files name the spec: its path from the workspace root when it is
/// inside the workspace (`spec/identity-source.yaml`), else its file name, however the path
/// was written (relative or absolute, with `..` or links), so that the same spec gives the
/// same files.
fn source_name(root: &Path, spec: &Path) -> String {
    in_workspace(root, spec).unwrap_or_else(|| {
        resolved(spec).file_name().map_or_else(
            || spec.display().to_string(),
            |name| name.to_string_lossy().into_owned(),
        )
    })
}

/// `path` relative to the workspace root when it is inside it, with `/` separators, so the
/// preamble of generated files does not depend on where the workspace is.
fn display_path(root: &Path, path: &Path) -> String {
    in_workspace(root, path).unwrap_or_else(|| path.display().to_string())
}

/// `path` from the workspace root `root`, with `/` separators, when it is inside it (links
/// and `..` followed).
fn in_workspace(root: &Path, path: &Path) -> Option<String> {
    let path = resolved(path);
    let inside = path.strip_prefix(resolved(root)).ok()?;
    Some(
        inside
            .components()
            .map(|part| part.as_os_str().to_string_lossy())
            .collect::<Vec<_>>()
            .join("/"),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_spec_that_is_no_regular_file_is_refused_before_it_is_read() {
        let dir = tempfile::tempdir().unwrap();
        let refused = |path: &Path| read_spec(path).unwrap_err().to_string();
        assert_eq!(refused(dir.path()), "it is a folder");
        #[cfg(unix)]
        {
            assert!(refused(Path::new("/dev/zero")).starts_with("it is not a regular file"));
            let fifo = dir.path().join("fifo");
            let made = std::process::Command::new("mkfifo").arg(&fifo).status();
            if made.is_ok_and(|status| status.success()) {
                // No writer ever comes: refused without waiting for one.
                assert!(refused(&fifo).starts_with("it is not a regular file"));
            }
        }
        let file = dir.path().join("spec.yaml");
        std::fs::write(&file, "openapi: 3.0.3\n").unwrap();
        assert_eq!(read_spec(&file).unwrap(), "openapi: 3.0.3\n");
    }

    #[test]
    fn the_runtime_is_found_the_same_way_however_the_output_is_spelled() {
        let root = workspace_root();
        let plain = runtime_path(&root, &root.join("generated"));
        assert_eq!(plain, "../runtime");
        assert_eq!(
            runtime_path(&root, &root.join("generated/../generated")),
            plain
        );
        assert_eq!(
            runtime_path(&root, &root.join("new/deeper/crate")),
            "../../../runtime"
        );
        // Up from a folder not made yet.
        assert_eq!(
            runtime_path(&root, &root.join("new/deeper/../crate")),
            "../../runtime"
        );
        assert_eq!(runtime_path(&root, &root.join("new/../generated")), plain);
        #[cfg(unix)]
        {
            let dir = tempfile::tempdir().unwrap();
            let link = dir.path().join("workspace");
            std::os::unix::fs::symlink(&root, &link).unwrap();
            assert_eq!(runtime_path(&root, &link.join("generated")), plain);
            // Outside the workspace: the runtime's own path, links resolved.
            let outside = runtime_path(&link, &dir.path().join("crate"));
            assert_eq!(Path::new(&outside), resolved(&root).join("runtime"));
        }
    }

    #[test]
    fn another_documents_crate_needs_an_output_of_its_own() {
        let dir = tempfile::tempdir().unwrap();
        let spec = dir.path().join("petstore.yaml");
        std::fs::write(&spec, "openapi: 3.0.3\n").unwrap();
        let Command::Codegen(codegen) = Cli::try_parse_from(
            ["xtask", "codegen", "--check", "--spec"]
                .map(Into::into)
                .into_iter()
                .chain([spec.into_os_string()]),
        )
        .unwrap()
        .command
        else {
            panic!("a codegen command");
        };
        let error = codegen.run().unwrap_err();
        assert!(error.starts_with("--out is needed with --spec "), "{error}");
    }
}
