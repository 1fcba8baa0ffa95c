//! Running the `okta-import` binary in a directory of its own, with only the environment given.

#![allow(dead_code)]

pub mod people;

use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

/// The longest a run of the binary may take before the test kills it and fails: far past
/// what any run here needs on a loaded machine, so that a broken build fails the test
/// rather than hanging the whole run.
pub const RUN_LIMIT: Duration = Duration::from_secs(120);

/// What a run of the binary did.
#[derive(Debug)]
pub struct Run {
    /// The exit code, or 128 + the number of the signal that ended the process, as a shell
    /// gives it.
    pub code: i32,
    /// The signal that ended the process, if one did.
    pub signal: Option<i32>,
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

    /// Runs `okta-import ARGS` here, with no terminal and only the environment set on this,
    /// for at most [`RUN_LIMIT`].
    pub fn run(&self, args: &[&str]) -> Run {
        Run::from(wait_within(self.spawn(args), RUN_LIMIT))
    }

    /// Starts `okta-import ARGS` here, with no terminal, its output piped.
    pub fn spawn(&self, args: &[&str]) -> Child {
        self.command(args)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("running okta-import")
    }

    /// Runs `okta-import ARGS` on a blocking thread, so that an emulator in this process keeps
    /// answering.
    pub async fn run_async(&self, args: &[&str]) -> Run {
        tokio::task::block_in_place(|| self.run(args))
    }
}

impl From<std::process::Output> for Run {
    fn from(output: std::process::Output) -> Self {
        #[cfg(unix)]
        let signal = std::os::unix::process::ExitStatusExt::signal(&output.status);
        #[cfg(not(unix))]
        let signal = None;
        Run {
            code: output
                .status
                .code()
                .or(signal.map(|number| 128 + number))
                .unwrap_or(-1),
            signal,
            stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
        }
    }
}

/// Waits for `child` to end and collects what it wrote to its piped standard output and
/// error; past `limit`, kills it and fails the test.
pub fn wait_within(mut child: Child, limit: Duration) -> Output {
    fn drain(pipe: Option<impl Read + Send + 'static>) -> std::thread::JoinHandle<Vec<u8>> {
        std::thread::spawn(move || {
            let mut bytes = Vec::new();
            if let Some(mut pipe) = pipe {
                let _ = pipe.read_to_end(&mut bytes);
            }
            bytes
        })
    }
    let (stdout, stderr) = (drain(child.stdout.take()), drain(child.stderr.take()));
    let deadline = Instant::now() + limit;
    let status = loop {
        if let Some(status) = child.try_wait().expect("waiting for okta-import") {
            break status;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            panic!("okta-import did not end within {limit:?}");
        }
        std::thread::sleep(Duration::from_millis(5));
    };
    Output {
        status,
        stdout: stdout.join().unwrap_or_default(),
        stderr: stderr.join().unwrap_or_default(),
    }
}

/// What `child` did, once it ended (within [`RUN_LIMIT`]), waited for on a blocking thread so
/// that an emulator in this process keeps answering.
pub fn ended(child: Child) -> Run {
    Run::from(tokio::task::block_in_place(|| {
        wait_within(child, RUN_LIMIT)
    }))
}

/// Waits until `done` holds, looking every 5 ms, while `child` runs: fails the test when the
/// child ends first or `done` does not hold within [`RUN_LIMIT`].
pub async fn until_while_running(child: &mut Child, what: &str, mut done: impl FnMut() -> bool) {
    let deadline = Instant::now() + RUN_LIMIT;
    while !done() {
        if let Some(status) = child.try_wait().expect("looking at okta-import") {
            panic!("okta-import ended ({status}) before {what}");
        }
        assert!(
            Instant::now() < deadline,
            "{what} did not happen within {RUN_LIMIT:?}"
        );
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
}
