//! `--report FILE.json`: checked before the import starts, so that a name already taken or a
//! folder that can't be written to is refused before anything is sent, and made only when the
//! report is written, never overwriting a file and never removing one after the run. The
//! report is written into a temporary file beside it and linked under its name once
//! complete: a run that fails or is killed while writing leaves no half-written report.

use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};
use std::sync::{Mutex, PoisonError};

use serde::Serialize;
use tempfile::NamedTempFile;

use crate::config::ConfigError;

/// The longest file name the usual file systems take (ext4, XFS, Btrfs, APFS, NTFS in
/// UTF-16 units), in bytes.
const MAX_NAME_BYTES: usize = 255;

/// The temporary file a report is being written into, while it is: a signal that ends the
/// process at once removes it ([`remove_staged`]), as no destructor runs then.
static STAGED: Mutex<Option<PathBuf>> = Mutex::new(None);

/// Removes the temporary file of a report being written, if one is: called just before a
/// signal ends the process at once, so that no half report is left under any name.
pub fn remove_staged() {
    let staged = STAGED.lock().unwrap_or_else(PoisonError::into_inner).take();
    if let Some(path) = staged {
        let _ = std::fs::remove_file(path);
    }
}

/// The temporary file noted as being written ([`STAGED`]) for as long as this lives.
struct Staging;

impl Staging {
    fn of(path: &Path) -> Self {
        *STAGED.lock().unwrap_or_else(PoisonError::into_inner) = Some(path.to_path_buf());
        Staging
    }
}

impl Drop for Staging {
    fn drop(&mut self) {
        STAGED.lock().unwrap_or_else(PoisonError::into_inner).take();
    }
}

/// Where this run writes its report.
pub struct ReportFile {
    path: PathBuf,
}

/// A report that could not be written at the end, with its path and why.
#[derive(Debug, thiserror::Error)]
#[error("cannot write the report {}: {}", .path.display(), why(.error))]
pub struct Unwritten {
    /// The report's path.
    pub path: PathBuf,
    /// What failed.
    pub error: std::io::Error,
}

/// Why a report could not be written: a file made under its name since the check is named
/// as such.
fn why(error: &std::io::Error) -> String {
    match error.kind() {
        std::io::ErrorKind::AlreadyExists => {
            "a file of that name was made meanwhile, and okta-import never overwrites a file".into()
        }
        _ => error.to_string(),
    }
}

impl ReportFile {
    /// Checks that the file can be made: refuses a path that names a folder (one that exists,
    /// or one ending in `/`), that exists, or whose folder can't be written to (a temporary
    /// file is made there and removed at once).
    pub fn create(path: &Path) -> Result<Self, ConfigError> {
        let refuse = |why: String| {
            ConfigError::new(format!(
                "cannot create the report {}: {why}",
                path.display()
            ))
        };
        // Taken by many tools for standard output; a file named `-` is given as `./-`.
        if path.as_os_str() == "-" {
            return Err(refuse(
                "`-` is no file here (the report is written to a file, not to standard output); give it a file name, such as report.json (or ./- for a file named `-`)".into(),
            ));
        }
        if names_a_folder(path) {
            return Err(refuse(format!(
                "it names a folder; give the report a file name, such as {}",
                path.join("report.json").display()
            )));
        }
        if path.symlink_metadata().is_ok() {
            return Err(refuse(
                "it exists, and okta-import never overwrites a file".into(),
            ));
        }
        // The temporary file made below has a short name of its own, so it can't tell.
        let name_bytes = path
            .file_name()
            .map_or(0, |name| name.as_encoded_bytes().len());
        if name_bytes > MAX_NAME_BYTES {
            return Err(refuse(format!(
                "its file name is {name_bytes} bytes long, and file systems take at most {MAX_NAME_BYTES}"
            )));
        }
        staged_beside(path).map_err(|error| refuse(error.to_string()))?;
        Ok(Self {
            path: path.to_path_buf(),
        })
    }

    /// Where the report goes.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Writes the report as pretty JSON, then gives it its name, never overwriting a file
    /// made meanwhile: on any failure nothing is left under either name.
    pub fn write(self, report: &impl Serialize) -> Result<(), Unwritten> {
        let written = (|| {
            let mut staged = staged_beside(&self.path)?;
            let _staging = Staging::of(staged.path());
            let mut out = BufWriter::new(staged.as_file_mut());
            serde_json::to_writer_pretty(&mut out, report)?;
            out.write_all(b"\n")?;
            out.flush()?;
            drop(out);
            staged
                .persist_noclobber(&self.path)
                .map_err(|error| error.error)?;
            Ok(())
        })();
        written.map_err(|error| Unwritten {
            path: self.path,
            error,
        })
    }
}

/// Whether `path` names a folder: an existing one, or one by its form (`reports/`,
/// `reports/.`, `..`), which no file can take.
fn names_a_folder(path: &Path) -> bool {
    let bytes = path.as_os_str().as_encoded_bytes();
    let last = bytes
        .rsplit(|byte| *byte == b'/' || (cfg!(windows) && *byte == b'\\'))
        .next()
        .unwrap_or_default();
    matches!(last, b"" | b"." | b"..") || path.is_dir()
}

/// A new temporary file in `path`'s folder, removed when dropped unless it is given a name;
/// made with the permissions a new file gets (not only its owner's, as temporary files are).
fn staged_beside(path: &Path) -> std::io::Result<NamedTempFile> {
    let folder = match path.parent() {
        Some(folder) if !folder.as_os_str().is_empty() => folder,
        _ => Path::new("."),
    };
    let mut builder = tempfile::Builder::new();
    builder.prefix(".okta-import-report-").suffix(".tmp");
    #[cfg(unix)]
    builder.permissions(std::os::unix::fs::PermissionsExt::from_mode(0o666));
    builder
        .tempfile_in(folder)
        .map_err(|error| of_folder(folder, &error))
}

/// An error making a file in `folder`, said of the folder (the temporary file's name, which
/// the error names, is nobody's concern).
fn of_folder(folder: &Path, error: &std::io::Error) -> std::io::Error {
    let text = error.to_string();
    let what = match error.kind() {
        // A folder that is there may still refuse new files so (`/proc`).
        std::io::ErrorKind::NotFound if !folder.exists() => "does not exist".to_string(),
        std::io::ErrorKind::PermissionDenied => "can't be written to".to_string(),
        _ => format!(
            "can't hold it: {}",
            text.split(" at path ").next().unwrap_or(&text)
        ),
    };
    std::io::Error::new(
        error.kind(),
        format!("the folder {} {what}", folder.display()),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The names in `folder`.
    fn names(folder: &Path) -> Vec<String> {
        let mut names: Vec<_> = std::fs::read_dir(folder)
            .unwrap()
            .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        names
    }

    /// A report whose serialising fails halfway, after some of it is written.
    struct FailsHalfway;

    impl Serialize for FailsHalfway {
        fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
            use serde::ser::{Error, SerializeMap};
            let mut map = serializer.serialize_map(None)?;
            map.serialize_entry("sessions", &vec!["a session"; 64])?;
            Err(S::Error::custom("the disk is full"))
        }
    }

    #[test]
    fn the_check_takes_no_name_and_leaves_nothing_behind() {
        let dir = tempfile::tempdir().unwrap();
        ReportFile::create(&dir.path().join("r.json")).unwrap();
        assert!(names(dir.path()).is_empty(), "{:?}", names(dir.path()));
        let path = dir.path().join("missing/r.json");
        let error = ReportFile::create(&path).err().unwrap();
        let said = format!(
            "cannot create the report {}: the folder {} does not exist",
            path.display(),
            dir.path().join("missing").display()
        );
        assert_eq!(error.to_string(), said);
    }

    #[test]
    fn a_file_name_too_long_for_a_file_system_is_refused_up_front() {
        let dir = tempfile::tempdir().unwrap();
        let longest = format!("{}.json", "r".repeat(250));
        ReportFile::create(&dir.path().join(&longest)).unwrap();
        let path = dir.path().join(format!("r{longest}"));
        let error = ReportFile::create(&path).err().unwrap();
        let said = format!(
            "cannot create the report {}: its file name is 256 bytes long, and file systems take at most 255",
            path.display()
        );
        assert_eq!(error.to_string(), said);
        assert!(names(dir.path()).is_empty(), "{:?}", names(dir.path()));
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn a_folder_that_is_there_but_takes_no_file_is_not_said_to_be_missing() {
        let error = ReportFile::create(Path::new("/proc/r.json")).err().unwrap();
        let said = error.to_string();
        assert!(
            said.starts_with("cannot create the report /proc/r.json: the folder /proc can't"),
            "{said}"
        );
    }

    #[test]
    fn a_path_that_names_a_folder_is_refused_up_front_with_a_file_name_to_give() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join("old")).unwrap();
        for name in ["new/", "new/.", "old", "old/", "..", "old/.."] {
            let path = dir.path().join(name);
            let error = ReportFile::create(&path).err().unwrap();
            let said = format!(
                "cannot create the report {}: it names a folder; give the report a file name, \
                 such as {}",
                path.display(),
                path.join("report.json").display()
            );
            assert_eq!(error.to_string(), said);
        }
        assert_eq!(names(dir.path()), ["old"]);
    }

    #[test]
    fn a_report_that_fails_while_written_leaves_no_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("r.json");
        let report = ReportFile::create(&path).unwrap();
        let error = report.write(&FailsHalfway).unwrap_err();
        let said = format!(
            "cannot write the report {}: the disk is full",
            path.display()
        );
        assert!(error.to_string().starts_with(&said), "{error}");
        assert!(names(dir.path()).is_empty(), "{:?}", names(dir.path()));
    }

    #[test]
    fn a_file_made_after_the_check_is_never_overwritten() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("r.json");
        let report = ReportFile::create(&path).unwrap();
        std::fs::write(&path, "theirs").unwrap();
        let error = report
            .write(&serde_json::json!({"sessions": []}))
            .unwrap_err();
        assert_eq!(
            error.error.kind(),
            std::io::ErrorKind::AlreadyExists,
            "{error}"
        );
        assert!(
            error
                .to_string()
                .contains("r.json: a file of that name was made meanwhile"),
            "{error}"
        );
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "theirs");
        assert_eq!(names(dir.path()), ["r.json"]);
    }

    #[test]
    fn the_report_is_whole_json_with_the_permissions_of_a_new_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("r.json");
        let report = serde_json::json!({"sessions": [{"id": "aps1"}], "invalid": []});
        ReportFile::create(&path).unwrap().write(&report).unwrap();
        let written: serde_json::Value =
            serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
        assert_eq!(written, report);
        assert_eq!(names(dir.path()), ["r.json"]);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let plain = dir.path().join("plain");
            std::fs::File::create(&plain).unwrap();
            let mode = |path: &Path| std::fs::metadata(path).unwrap().permissions().mode();
            assert_eq!(mode(&path), mode(&plain));
        }
    }
}
