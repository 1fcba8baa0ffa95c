//! `--report FILE.json`: created before the import starts, so that a name already taken is
//! refused before anything is sent, and never overwriting a file the tool did not create.

use std::fs::{File, OpenOptions};
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

use serde::Serialize;

use crate::config::ConfigError;

/// A report file made by this run; removed again if the run ends without a report.
pub struct ReportFile {
    path: PathBuf,
    file: Option<File>,
}

impl ReportFile {
    /// Creates the file; refuses a path that exists.
    pub fn create(path: &Path) -> Result<Self, ConfigError> {
        let file = OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(path)
            .map_err(|error| {
                let why = match error.kind() {
                    std::io::ErrorKind::AlreadyExists => {
                        "it exists, and okta-import never overwrites a file".to_string()
                    }
                    _ => error.to_string(),
                };
                ConfigError::new(format!(
                    "cannot create the report {}: {why}",
                    path.display()
                ))
            })?;
        Ok(Self {
            path: path.to_path_buf(),
            file: Some(file),
        })
    }

    /// Writes the report as pretty JSON and closes the file.
    pub fn write(mut self, report: &impl Serialize) -> std::io::Result<()> {
        let Some(file) = self.file.take() else {
            return Ok(());
        };
        let mut out = BufWriter::new(file);
        serde_json::to_writer_pretty(&mut out, report)?;
        out.write_all(b"\n")?;
        out.flush()
    }
}

impl Drop for ReportFile {
    fn drop(&mut self) {
        if self.file.take().is_some() {
            // Created by this run and never written: leave nothing behind.
            let _ = std::fs::remove_file(&self.path);
        }
    }
}
