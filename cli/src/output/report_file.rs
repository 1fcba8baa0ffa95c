//! `--report FILE.json`: checked before the import starts, so that a name already taken or a
//! folder that can't be written to is refused before anything is sent, and created only when the
//! report is written, never overwriting a file and never removing one after the run.

use std::fs::{File, OpenOptions};
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

use serde::Serialize;

use crate::config::ConfigError;

/// Where this run writes its report.
pub struct ReportFile {
    path: PathBuf,
}

impl ReportFile {
    /// Checks that the file can be made: refuses a path that exists or can't be created.
    pub fn create(path: &Path) -> Result<Self, ConfigError> {
        let refuse = |why: String| {
            ConfigError::new(format!(
                "cannot create the report {}: {why}",
                path.display()
            ))
        };
        if path.symlink_metadata().is_ok() {
            return Err(refuse(
                "it exists, and okta-import never overwrites a file".into(),
            ));
        }
        // Made and removed at once, before anything is sent: proves the folder is writable.
        create_new(path).map_err(|error| refuse(error.to_string()))?;
        std::fs::remove_file(path).map_err(|error| refuse(error.to_string()))?;
        Ok(Self {
            path: path.to_path_buf(),
        })
    }

    /// Creates the file (never overwriting one made meanwhile) and writes the report as pretty
    /// JSON.
    pub fn write(self, report: &impl Serialize) -> std::io::Result<()> {
        let file = create_new(&self.path).map_err(|error| {
            std::io::Error::new(
                error.kind(),
                format!("cannot create the report {}: {error}", self.path.display()),
            )
        })?;
        let mut out = BufWriter::new(file);
        serde_json::to_writer_pretty(&mut out, report)?;
        out.write_all(b"\n")?;
        out.flush()
    }
}

/// Creates a file that must not exist yet.
fn create_new(path: &Path) -> std::io::Result<File> {
    OpenOptions::new().write(true).create_new(true).open(path)
}
