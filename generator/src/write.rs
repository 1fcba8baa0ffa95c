//! Writing the generated files, or checking that they are up to date. This is the only
//! module that touches the file system.

use std::collections::BTreeSet;
use std::fmt;
use std::fs;
use std::io;
use std::path::{Path, PathBuf};

use crate::GeneratedFile;

/// The words every generated or copied file has in its first line; files under the output
/// directory that have them, and that the generator no longer makes, are stale.
const MARKER: &str = "by `cargo xtask codegen`";

/// What happened (or, when checking, would happen) to one file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Change {
    Created,
    Updated,
    Removed,
}

impl fmt::Display for Change {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Created => "created",
            Self::Updated => "updated",
            Self::Removed => "removed",
        })
    }
}

/// The files that differ between the output directory and the generated crate.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Report {
    /// Paths relative to the output directory, in path order.
    pub changes: Vec<(String, Change)>,
    /// How many files were already as generated.
    pub unchanged: usize,
}

impl Report {
    pub fn is_up_to_date(&self) -> bool {
        self.changes.is_empty()
    }
}

/// An I/O failure, with the path it happened on.
#[derive(Debug, thiserror::Error)]
#[error("{}: {source}", path.display())]
pub struct WriteError {
    pub path: PathBuf,
    #[source]
    pub source: io::Error,
}

fn at(path: &Path) -> impl FnOnce(io::Error) -> WriteError + '_ {
    move |source| WriteError {
        path: path.to_owned(),
        source,
    }
}

/// Compares `files` with what is under `out`, writing nothing.
pub fn check(out: &Path, files: &[GeneratedFile]) -> Result<Report, WriteError> {
    let mut report = Report::default();
    for file in files {
        let path = out.join(&file.path);
        match fs::read(&path) {
            Ok(existing) if existing == file.contents.as_bytes() => report.unchanged += 1,
            Ok(_) => report.changes.push((file.path.clone(), Change::Updated)),
            Err(error) if error.kind() == io::ErrorKind::NotFound => {
                report.changes.push((file.path.clone(), Change::Created));
            }
            Err(error) => return Err(at(&path)(error)),
        }
    }
    let wanted: BTreeSet<&str> = files.iter().map(|file| file.path.as_str()).collect();
    for stale in generated_files(out)? {
        if !wanted.contains(stale.as_str()) {
            report.changes.push((stale, Change::Removed));
        }
    }
    report.changes.sort();
    Ok(report)
}

/// Brings `out` up to date with `files`: writes what changed (each file through a temporary
/// file renamed into place) and removes stale generated files. All temporary files are
/// written before anything is renamed, so a failure to write leaves `out` as it was.
pub fn write(out: &Path, files: &[GeneratedFile]) -> Result<Report, WriteError> {
    let report = check(out, files)?;
    let mut staged = Vec::new();
    let result = stage(out, files, &report, &mut staged);
    if let Err(error) = result {
        for (temporary, _) in &staged {
            let _ = fs::remove_file(temporary);
        }
        return Err(error);
    }
    for (temporary, path) in &staged {
        fs::rename(temporary, path).map_err(at(path))?;
    }
    for (relative, change) in &report.changes {
        if *change == Change::Removed {
            let path = out.join(relative);
            fs::remove_file(&path).map_err(at(&path))?;
        }
    }
    Ok(report)
}

/// Writes each changed file to a temporary file beside its destination.
fn stage(
    out: &Path,
    files: &[GeneratedFile],
    report: &Report,
    staged: &mut Vec<(PathBuf, PathBuf)>,
) -> Result<(), WriteError> {
    let changed: BTreeSet<&str> = report
        .changes
        .iter()
        .filter(|(_, change)| *change != Change::Removed)
        .map(|(path, _)| path.as_str())
        .collect();
    for file in files
        .iter()
        .filter(|file| changed.contains(file.path.as_str()))
    {
        let path = out.join(&file.path);
        if let Some(parent) = path.parent() {
            fs::create_dir_all(parent).map_err(at(parent))?;
        }
        let mut temporary = path.clone().into_os_string();
        temporary.push(".codegen-tmp");
        let temporary = PathBuf::from(temporary);
        fs::write(&temporary, &file.contents).map_err(at(&temporary))?;
        staged.push((temporary, path));
    }
    Ok(())
}

/// The generated files under `out` (relative paths), found by their first line. The build
/// directory and hidden directories are skipped.
fn generated_files(out: &Path) -> Result<Vec<String>, WriteError> {
    let mut found = Vec::new();
    let mut pending = vec![out.to_owned()];
    while let Some(directory) = pending.pop() {
        let entries = match fs::read_dir(&directory) {
            Ok(entries) => entries,
            Err(error) if error.kind() == io::ErrorKind::NotFound => continue,
            Err(error) => return Err(at(&directory)(error)),
        };
        for entry in entries {
            let entry = entry.map_err(at(&directory))?;
            let path = entry.path();
            let name = entry.file_name();
            let file_type = entry.file_type().map_err(at(&path))?;
            if file_type.is_dir() {
                if name != "target" && !name.to_string_lossy().starts_with('.') {
                    pending.push(path);
                }
            } else if file_type.is_file() && first_line_has_marker(&path)? {
                if let Ok(relative) = path.strip_prefix(out) {
                    let relative: Vec<String> = relative
                        .components()
                        .map(|part| part.as_os_str().to_string_lossy().into_owned())
                        .collect();
                    found.push(relative.join("/"));
                }
            }
        }
    }
    Ok(found)
}

fn first_line_has_marker(path: &Path) -> Result<bool, WriteError> {
    use io::{BufRead, Read};
    let file = fs::File::open(path).map_err(at(path))?;
    let mut first_line = Vec::new();
    io::BufReader::new(file.take(512))
        .read_until(b'\n', &mut first_line)
        .map_err(at(path))?;
    Ok(String::from_utf8_lossy(&first_line).contains(MARKER))
}
