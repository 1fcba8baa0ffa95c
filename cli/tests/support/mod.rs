//! Running the `okta-import` binary in a directory of its own, with only the environment given.

#![allow(dead_code)]

pub mod people;

use std::path::{Path, PathBuf};
use std::process::Command;

/// What a run of the binary did.
#[derive(Debug)]
pub struct Run {
    /// The exit code.
    pub code: i32,
    /// Standard output.
    pub stdout: String,
    /// Standard error.
    pub stderr: String,
}

impl Run {
    /// Standard output and standard error together, for snapshots and for searching.
    pub fn all(&self) -> String {
        format!(
            "exit code: {}\n--- stdout\n{}--- stderr\n{}",
            self.code, self.stdout, self.stderr
        )
    }
}

/// A directory for a test's files, where the binary runs.
pub struct Workdir {
    dir: tempfile::TempDir,
    env: Vec<(String, String)>,
}

impl Workdir {
    /// An empty directory and an empty environment.
    pub fn new() -> Self {
        Self {
            dir: tempfile::tempdir().expect("a temporary directory"),
            env: Vec::new(),
        }
    }

    /// The directory.
    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    /// Writes a file in the directory and returns its path.
    pub fn write(&self, name: &str, bytes: impl AsRef<[u8]>) -> PathBuf {
        let path = self.dir.path().join(name);
        std::fs::write(&path, bytes).expect("writing a test file");
        path
    }

    /// Sets an environment variable for the runs.
    pub fn env(mut self, name: &str, value: &str) -> Self {
        self.env.push((name.into(), value.into()));
        self
    }

    /// The environment of a run against `base_url` and identity source `source`, signed in with
    /// `token`.
    pub fn against(self, base_url: &str, source: &str, token: &str) -> Self {
        self.env("OKTA_ORG_URL", base_url)
            .env("OKTA_IDENTITY_SOURCE_ID", source)
            .env("OKTA_API_TOKEN", token)
    }

    /// `okta-import ARGS` to run here, with no terminal and only the environment set on this.
    pub fn command(&self, args: &[&str]) -> Command {
        let mut command = Command::new(env!("CARGO_BIN_EXE_okta-import"));
        command
            .args(args)
            .current_dir(self.dir.path())
            .env_clear()
            .envs(self.env.iter().map(|(k, v)| (k, v)));
        command
    }

    /// Runs `okta-import ARGS` here, with no terminal and only the environment set on this.
    pub fn run(&self, args: &[&str]) -> Run {
        let output = self.command(args).output().expect("running okta-import");
        Run::from(output)
    }

    /// Runs `okta-import ARGS` on a blocking thread, so that an emulator in this process keeps
    /// answering.
    pub async fn run_async(&self, args: &[&str]) -> Run {
        tokio::task::block_in_place(|| self.run(args))
    }
}

impl From<std::process::Output> for Run {
    fn from(output: std::process::Output) -> Self {
        Run {
            code: output.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
        }
    }
}
