//! The `okta-emulator` binary: started as a process, it prints its base URL, answers, and
//! shuts down cleanly on SIGINT and SIGTERM.

use std::process::Stdio;
use std::time::Duration;

use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::{Child, Command};

use okta_identity_source::{Client, IdentitySourceApi, RetryPolicy};

/// Starts the binary on a free port with a token from the environment; its base URL.
async fn spawn() -> (Child, String) {
    spawn_with(&[]).await
}

/// [`spawn`], with `more` arguments.
async fn spawn_with(more: &[&str]) -> (Child, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_okta-emulator"))
        .args([
            "--port",
            "0",
            "--identity-source",
            "0oaBin",
            "--cool-down",
            "0s",
        ])
        .args(more)
        .env("OKTA_EMULATOR_API_TOKEN", "from-env,second")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .expect("the binary starts");
    let stdout = child.stdout.take().expect("piped");
    let mut line = String::new();
    tokio::time::timeout(
        Duration::from_secs(30),
        BufReader::new(stdout).read_line(&mut line),
    )
    .await
    .expect("the base URL within 30 s")
    .expect("a line");
    (child, line.trim().to_owned())
}

/// The API of the binary at `base_url`, signed in with `token`, never retrying.
fn api_at(base_url: &str, token: &str) -> IdentitySourceApi {
    let client = Client::builder(base_url)
        .api_token(token)
        .retry_policy(RetryPolicy::never())
        .build()
        .unwrap();
    IdentitySourceApi::new(client)
}

async fn stop(child: &mut Child, signal: &str) {
    let pid = child.id().expect("running").to_string();
    let sent = Command::new("kill")
        .args([signal, &pid])
        .status()
        .await
        .expect("kill runs");
    assert!(sent.success());
    // Bounded: an emulator that does not stop fails the test rather than hanging the run.
    let status = tokio::time::timeout(Duration::from_secs(30), child.wait())
        .await
        .unwrap_or_else(|_| panic!("{signal}: the emulator did not stop within 30 s"))
        .expect("it exits");
    assert!(status.success(), "{signal}: {status}");
}

#[cfg(unix)]
#[tokio::test]
async fn the_binary_serves_until_sigterm_or_sigint() {
    for signal in ["-TERM", "-INT"] {
        let (mut child, base_url) = spawn().await;
        assert!(base_url.starts_with("http://127.0.0.1:"), "{base_url}");
        for token in ["from-env", "second"] {
            let api = api_at(&base_url, token);
            let session = api.create_identity_source_session("0oaBin").await.unwrap();
            api.delete_identity_source_session("0oaBin", &session.id)
                .await
                .unwrap();
        }
        stop(&mut child, signal).await;
    }
}

/// Standard error closed by its reader (`okta-emulator 2>&1 | head -1`): what it says is let
/// go, and it serves and stops as ever (it panicked, exit code 101).
#[cfg(unix)]
#[tokio::test]
async fn a_closed_standard_error_neither_stops_nor_fails_it() {
    let mut child = Command::new(env!("CARGO_BIN_EXE_okta-emulator"))
        .args(["--port", "0", "--identity-source", "0oaBin"])
        .env("OKTA_EMULATOR_API_TOKEN", "t")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .expect("the binary starts");
    drop(child.stderr.take());
    let mut base_url = String::new();
    let stdout = child.stdout.take().expect("piped");
    tokio::time::timeout(
        Duration::from_secs(30),
        BufReader::new(stdout).read_line(&mut base_url),
    )
    .await
    .expect("the base URL within 30 s")
    .expect("a line");
    let sessions = api_at(base_url.trim(), "t")
        .list_identity_source_sessions("0oaBin")
        .await
        .unwrap();
    assert!(sessions.is_empty());
    stop(&mut child, "-INT").await;
}

/// A base URL that can't be printed (a full disk) leaves no client a way to find it: it
/// stops, saying why (it panicked).
#[cfg(target_os = "linux")]
#[tokio::test]
async fn a_base_url_that_cannot_be_printed_stops_it_saying_why() {
    let full = std::fs::OpenOptions::new()
        .write(true)
        .open("/dev/full")
        .expect("/dev/full");
    let output = Command::new(env!("CARGO_BIN_EXE_okta-emulator"))
        .args(["--port", "0", "--identity-source", "0oaBin"])
        .env("OKTA_EMULATOR_API_TOKEN", "t")
        .stdout(full)
        .stderr(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .expect("the binary starts")
        .wait_with_output();
    let output = tokio::time::timeout(Duration::from_secs(30), output)
        .await
        .expect("it stops within 30 s")
        .expect("it runs");
    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains(
            "okta-emulator: cannot print the base URL on standard output (No space left on device"
        ),
        "{stderr}"
    );
}

#[cfg(unix)]
#[tokio::test]
async fn listening_on_every_address_it_prints_a_url_a_client_can_use() {
    let (mut child, base_url) = spawn_with(&["--host", "0.0.0.0"]).await;
    assert!(base_url.starts_with("http://127.0.0.1:"), "{base_url}");
    let (mut named, named_url) = spawn_with(&["--host", "localhost"]).await;
    assert!(named_url.starts_with("http://127.0.0.1:"), "{named_url}");
    stop(&mut named, "-TERM").await;
    let sessions = api_at(&base_url, "second")
        .list_identity_source_sessions("0oaBin")
        .await
        .unwrap();
    assert!(sessions.is_empty());
    stop(&mut child, "-TERM").await;
}

#[tokio::test]
async fn bad_arguments_fail_with_a_message() {
    let output = Command::new(env!("CARGO_BIN_EXE_okta-emulator"))
        .args(["--identity-source", "0oa1", "--cool-down", "5 parsecs"])
        .output()
        .await
        .unwrap();
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("\"5 parsecs\" is not a duration like 500ms, 30s, 5m or 24h: unknown time unit \"parsecs\""),
        "{stderr}"
    );
    for (flags, said) in [
        (
            ["--identity-source", "0oa-1"],
            "not an identity source id: it must be letters and digits",
        ),
        (
            ["--rate-limit-window", "0s"],
            "\"0s\" is no window: give at least 1ms",
        ),
    ] {
        let output = Command::new(env!("CARGO_BIN_EXE_okta-emulator"))
            .args(["--identity-source", "0oa1"])
            .args(flags)
            .output()
            .await
            .unwrap();
        assert_eq!(output.status.code(), Some(2), "{flags:?}");
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(stderr.contains(said), "{flags:?}: {stderr}");
    }
}

#[cfg(unix)]
#[tokio::test]
async fn tokens_that_are_not_utf_8_are_named_as_the_variable_s() {
    use std::os::unix::ffi::OsStrExt;
    let run = |args: &'static [&'static str]| {
        Command::new(env!("CARGO_BIN_EXE_okta-emulator"))
            .args(args)
            .env(
                "OKTA_EMULATOR_API_TOKEN",
                std::ffi::OsStr::from_bytes(b"secret\xff"),
            )
            .output()
    };
    let output = run(&["--port", "0", "--identity-source", "0oa1"])
        .await
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    assert_eq!(
        String::from_utf8_lossy(&output.stderr),
        "okta-emulator: OKTA_EMULATOR_API_TOKEN is not valid UTF-8: set it to the API tokens, comma-separated\n"
    );
    // Help does not read it, and says what the binary is.
    let help = run(&["--help"]).await.unwrap();
    assert_eq!(help.status.code(), Some(0));
    let help = String::from_utf8_lossy(&help.stdout);
    assert!(
        help.starts_with("A local Okta Identity Source service"),
        "{help}"
    );
}

#[cfg(unix)]
#[tokio::test]
async fn a_clock_skew_moves_the_times_the_binary_gives() {
    let (mut child, base_url) = spawn_with(&["--clock-skew", "-10m"]).await;
    let created = api_at(&base_url, "second")
        .create_identity_source_session("0oaBin")
        .await
        .unwrap()
        .created
        .unwrap();
    let behind = chrono::Utc::now() - created;
    assert!(
        behind > chrono::TimeDelta::minutes(9) && behind < chrono::TimeDelta::minutes(11),
        "{behind}"
    );
    stop(&mut child, "-TERM").await;
    let output = Command::new(env!("CARGO_BIN_EXE_okta-emulator"))
        .args(["--identity-source", "0oa1", "--clock-skew", "-2days"])
        .output()
        .await
        .unwrap();
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("\"-2days\" is more than a day"), "{stderr}");
}
