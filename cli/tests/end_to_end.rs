//! The `okta-import` binary, run as a user runs it, against the emulator of the Identity
//! Source service started in the test process.

mod support;

use std::process::{Command, Stdio};
use std::time::Duration;

use okta_identity_source_emulator::{Emulator, Fault, SessionStatus};
use serde_json::Value;
use support::{RUN_LIMIT, Run, Workdir, ended, people, until_while_running, wait_within};

const SOURCE: &str = "0oaTEST0000000000001";
const TOKEN: &str = "00SECRETtokenNEVERshown-4f1c9";
/// Short waits, so that an import of several sessions takes a moment.
const FAST: [&str; 4] = ["--cool-down", "30ms", "--poll-interval", "100ms"];

async fn emulator() -> Emulator {
    emulator_processing_for(Duration::from_millis(10)).await
}

/// An emulator whose imports take `processing` once started.
async fn emulator_processing_for(processing: Duration) -> Emulator {
    Emulator::builder()
        .identity_source(SOURCE)
        .api_token(TOKEN)
        .processing_time(processing)
        .cool_down(Duration::from_millis(30))
        .start()
        .await
        .expect("the emulator starts")
}

/// A CSV of the employees numbered `numbers`.
fn people_csv(numbers: std::ops::RangeInclusive<u64>) -> Vec<u8> {
    let mut csv = Vec::new();
    people::write_csv(&mut csv, numbers, 7).expect("writing to memory");
    csv
}

fn args<'a>(first: &[&'a str], then: &[&'a str]) -> Vec<&'a str> {
    first.iter().chain(then).copied().collect()
}

#[test]
fn help_is_pinned() {
    let dir = Workdir::new();
    for (name, args) in [
        ("help", &["--help"][..]),
        ("help_users", &["users", "--help"]),
        ("help_sessions", &["sessions", "--help"]),
        ("help_demo", &["demo", "--help"]),
    ] {
        let run = dir.run(args);
        assert_eq!(run.code, 0, "{}", run.all());
        insta::assert_snapshot!(name, run.stdout);
    }
}

/// A case of a run that must fail: its name, its arguments and its environment.
struct Case {
    name: &'static str,
    args: &'static [&'static str],
    env: &'static [(&'static str, &'static str)],
}

#[test]
fn usage_and_configuration_errors_exit_2_and_say_what_to_set() {
    const ORG: (&str, &str) = ("OKTA_ORG_URL", "https://dev-1.okta.com");
    let cases = [
        Case {
            name: "no_command",
            args: &[],
            env: &[],
        },
        Case {
            name: "unknown_flag",
            args: &["users", "users.csv", "--api-token", "x"],
            env: &[],
        },
        Case {
            name: "no_org",
            args: &["users", "users.csv"],
            env: &[],
        },
        Case {
            name: "no_source",
            args: &["users", "users.csv"],
            env: &[ORG],
        },
        Case {
            name: "no_token",
            args: &["sessions", "list", "--source", "0oa1"],
            env: &[ORG],
        },
        Case {
            name: "plain_http_org",
            args: &[
                "sessions",
                "list",
                "--org",
                "http://dev-1.okta.com",
                "--source",
                "0oa1",
            ],
            env: &[("OKTA_API_TOKEN", "t0k3n")],
        },
        Case {
            name: "org_without_scheme",
            args: &[
                "sessions",
                "list",
                "--org",
                "dev-1.okta.com",
                "--source",
                "0oa1",
            ],
            env: &[("OKTA_API_TOKEN", "t0k3n")],
        },
        Case {
            name: "org_with_the_api_path",
            args: &[
                "sessions",
                "list",
                "--org",
                "https://dev-1.okta.com/api/v1/",
                "--source",
                "0oa1",
            ],
            env: &[("OKTA_API_TOKEN", "t0k3n")],
        },
        Case {
            name: "token_with_its_scheme",
            args: &["sessions", "list", "--source", "0oa1"],
            env: &[ORG, ("OKTA_API_TOKEN", "SSWS 00abc")],
        },
        Case {
            name: "org_is_an_api_url",
            args: &[
                "sessions",
                "list",
                "--org",
                "https://dev-1.okta.com/api/v1/identity-sources/0oa1/sessions",
                "--source",
                "0oa1",
            ],
            env: &[("OKTA_API_TOKEN", "t0k3n")],
        },
        Case {
            name: "source_not_an_id",
            args: &["sessions", "list", "--source", ".."],
            env: &[ORG, ("OKTA_API_TOKEN", "t0k3n")],
        },
        Case {
            name: "private_key_missing",
            args: &[
                "sessions",
                "list",
                "--source",
                "0oa1",
                "--client-id",
                "0oa9",
                "--private-key",
                "none.pem",
            ],
            env: &[ORG],
        },
        Case {
            name: "bad_duration",
            args: &["users", "users.csv", "--cool-down", "5"],
            env: &[],
        },
        Case {
            name: "source_too_long",
            args: &[
                "sessions",
                "list",
                "--source",
                "0oa1234567890123456789012345678901234567890123456789012345678901234",
            ],
            env: &[ORG, ("OKTA_API_TOKEN", "t0k3n")],
        },
        Case {
            name: "quiet_and_verbose",
            args: &["users", "users.csv", "-q", "-v", "--dry-run"],
            env: &[],
        },
        Case {
            name: "blank_org",
            args: &["sessions", "list", "--org", "   ", "--source", "0oa1"],
            env: &[("OKTA_API_TOKEN", "t0k3n")],
        },
        Case {
            name: "admin_org",
            args: &["sessions", "list", "--source", "0oa1"],
            env: &[
                ("OKTA_ORG_URL", "https://dev-1-admin.okta.com"),
                ("OKTA_API_TOKEN", "t0k3n"),
            ],
        },
        Case {
            name: "org_template_left_in",
            args: &["sessions", "list", "--source", "0oa1"],
            env: &[
                ("OKTA_ORG_URL", "https://{yourOktaDomain}"),
                ("OKTA_API_TOKEN", "t0k3n"),
            ],
        },
        Case {
            name: "token_on_two_lines",
            args: &["sessions", "list", "--source", "0oa1"],
            env: &[ORG, ("OKTA_API_TOKEN", "00abc\n00def")],
        },
        Case {
            name: "blank_client_id",
            args: &[
                "sessions",
                "list",
                "--source",
                "0oa1",
                "--client-id",
                " ",
                "--private-key",
                "none.pem",
            ],
            env: &[ORG],
        },
    ];
    for case in cases {
        let dir = case
            .env
            .iter()
            .fold(Workdir::new(), |dir, (k, v)| dir.env(k, v));
        dir.write("users.csv", "externalId,email\ne1,a@example.com\n");
        let run = dir.run(case.args);
        assert_eq!(run.code, 2, "{}: {}", case.name, run.all());
        insta::assert_snapshot!(format!("config_{}", case.name), run.all());
    }
}

/// A bad input: the case's name, the file written, its bytes, the arguments, the exit code.
type BadInput = (
    &'static str,
    &'static str,
    &'static [u8],
    &'static [&'static str],
    i32,
);

#[test]
fn each_bad_input_says_where_and_what_with_its_exit_code() {
    let cases: [BadInput; 16] = [
        ("missing_file", "other.csv", b"", &["users", "users.csv", "--dry-run"], 2),
        ("no_external_id_column", "users.csv", b"id,email\n1,a@example.com\n", &["users", "users.csv", "--dry-run"], 2),
        ("unknown_extension", "users.txt", b"externalId\n1\n", &["users", "users.txt", "--dry-run"], 2),
        (
            "wrong_column_count",
            "users.csv",
            b"externalId,email,firstName\ne1,a@example.com,A\ne2,b@example.com\ne3,c@example.com,C,x\n",
            &["users", "users.csv", "--dry-run"],
            1,
        ),
        (
            "invalid_utf8",
            "users.csv",
            b"externalId,email,firstName\ne1,a@example.com,Ren\xe9\n",
            &["users", "users.csv", "--dry-run"],
            1,
        ),
        (
            "bad_json",
            "users.jsonl",
            b"{\"externalId\":\"e1\",\"profile\":{\"email\":\"a@example.com\"}}\n{\"externalId\":\"e2\",\"profile\":{\"email\":\"b@example.com\"}\n{\"externalId\":\"e3\",\"profile\":{\"level\":3}}\n",
            &["users", "users.jsonl", "--dry-run"],
            1,
        ),
        (
            "unclosed_quote",
            "users.csv",
            b"externalId,email,nickName\ne1,a@example.com,\"Al\ne2,b@example.com,B\ne3,c@example.com,C\n",
            &["users", "users.csv", "--dry-run"],
            1,
        ),
        (
            "byte_order_mark",
            "users.csv",
            b"\xEF\xBB\xBFexternalId,Email\ne1,a@example.com\n",
            &["users", "users.csv", "--dry-run"],
            0,
        ),
        (
            "duplicate_external_id",
            "users.csv",
            b"externalId,email\ne1,a@example.com\ne1,b@example.com\n",
            &["users", "users.csv", "--dry-run"],
            1,
        ),
        (
            "missing_deactivation_file",
            "users.csv",
            b"externalId\ne1\n",
            &["users", "users.csv", "--deactivate", "leavers.txt", "--dry-run"],
            2,
        ),
        ("bad_map_file", "users.csv", b"externalId\ne1\n", &["users", "users.csv", "--map", "users.csv", "--dry-run"], 2),
        ("report_exists", "users.csv", b"externalId\ne1\n", &["users", "users.csv", "--report", "users.csv", "--dry-run"], 2),
        ("header_only", "users.csv", b"externalId,email\n", &["users", "users.csv", "--dry-run"], 2),
        ("empty_jsonl", "users.jsonl", b"", &["users", "users.jsonl", "--dry-run"], 2),
        ("report_new_folder", "users.csv", b"externalId\ne1\n", &["users", "users.csv", "--report", "reports/", "--dry-run"], 2),
        ("report_existing_folder", "users.csv", b"externalId\ne1\n", &["users", "users.csv", "--report", ".", "--dry-run"], 2),
    ];
    for (name, file, bytes, args, code) in cases {
        let dir = Workdir::new();
        dir.write(file, bytes);
        let run = dir.run(args);
        assert_eq!(run.code, code, "{name}: {}", run.all());
        insta::assert_snapshot!(format!("input_{name}"), run.all());
        assert_eq!(
            std::fs::read(dir.path().join(file)).unwrap(),
            bytes,
            "{name}: the input is left as it was"
        );
    }
}

#[test]
fn a_session_id_that_is_no_okta_id_is_a_usage_error() {
    let dir = Workdir::new().against("http://127.0.0.1:9", SOURCE, TOKEN);
    let long = "a".repeat(100_000);
    for id in [".", "..", "aps1/../x", "aps 1", long.as_str()] {
        let run = dir.run(&["sessions", "get", id]);
        assert_eq!(run.code, 2, "{}", run.all());
        assert!(
            run.stderr
                .contains("not a session id: Okta's are letters and digits"),
            "{}",
            run.all()
        );
    }
}

#[test]
fn an_empty_session_id_is_a_usage_error() {
    let dir = Workdir::new().against("http://127.0.0.1:9", SOURCE, TOKEN);
    for command in ["get", "cancel"] {
        for id in ["", "  "] {
            let run = dir.run(&["sessions", command, id]);
            assert_eq!(run.code, 2, "{}", run.all());
            assert!(
                run.stderr.contains("a session id (aps…) can't be empty"),
                "{}",
                run.all()
            );
        }
    }
}

#[cfg(unix)]
#[test]
fn a_variable_that_is_not_utf8_is_named_as_such_and_never_shown() {
    use std::os::unix::ffi::OsStrExt;
    let dir = Workdir::new().against("http://127.0.0.1:9", SOURCE, TOKEN);
    for (variable, said) in [
        (
            "OKTA_API_TOKEN",
            "OKTA_API_TOKEN is not valid UTF-8: set it to the API token as Okta shows it",
        ),
        ("OKTA_ORG_URL", "--org or OKTA_ORG_URL is not valid UTF-8"),
        (
            "OKTA_IDENTITY_SOURCE_ID",
            "--source or OKTA_IDENTITY_SOURCE_ID is not valid UTF-8",
        ),
    ] {
        let child = dir
            .command(&["sessions", "list"])
            .env(variable, std::ffi::OsStr::from_bytes(b"00secret\xff"))
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let run = Run::from(wait_within(child, RUN_LIMIT));
        assert_eq!(run.code, 2, "{}", run.all());
        assert!(
            run.stderr.starts_with(&format!("error: {said}\n")),
            "{}",
            run.all()
        );
        assert!(!run.stderr.contains("secret"), "{}", run.all());
    }
}

#[test]
fn a_poll_interval_under_100ms_is_a_usage_error() {
    let dir = Workdir::new();
    dir.write("users.csv", b"externalId\ne1\n");
    let run = dir.run(&["users", "users.csv", "--dry-run", "--poll-interval", "0ms"]);
    assert_eq!(run.code, 2, "{}", run.all());
    insta::assert_snapshot!("config_poll_interval_too_short", run.all());
    let run = dir.run(&[
        "users",
        "users.csv",
        "--dry-run",
        "--poll-interval",
        "100ms",
    ]);
    assert_eq!(run.code, 0, "{}", run.all());
}

#[test]
fn a_duration_longer_than_a_week_is_a_usage_error() {
    let dir = Workdir::new();
    dir.write("users.csv", b"externalId\ne1\n");
    for flag in ["--cool-down", "--stale-after", "--poll-interval"] {
        let run = dir.run(&["users", "users.csv", "--dry-run", flag, "99999999999h"]);
        assert_eq!(run.code, 2, "{}", run.all());
        assert!(
            run.stderr
                .contains("`99999999999h` is longer than a week, the longest taken"),
            "{}",
            run.all()
        );
    }
    let run = dir.run(&["users", "users.csv", "--dry-run", "--stale-after", "7days"]);
    assert_eq!(run.code, 0, "{}", run.all());
}

#[test]
fn a_directory_given_as_an_input_file_is_refused_with_exit_2() {
    let dir = Workdir::new();
    dir.write("users.csv", b"externalId\ne1\n");
    std::fs::create_dir(dir.path().join("folder.csv")).unwrap();
    std::fs::create_dir(dir.path().join("leavers")).unwrap();
    let run = dir.run(&["users", "folder.csv", "--dry-run"]);
    assert_eq!(run.code, 2, "{}", run.all());
    insta::assert_snapshot!("input_directory_as_users_file", run.all());
    let run = dir.run(&["users", "users.csv", "--deactivate", "leavers", "--dry-run"]);
    assert_eq!(run.code, 2, "{}", run.all());
    insta::assert_snapshot!("input_directory_as_deactivation_file", run.all());
}

/// Standard input and a pipe can't be read twice; the error says why a file is needed and
/// what to do, at once (a pipe with no writer is never opened).
#[cfg(unix)]
#[test]
fn a_stream_given_as_an_input_file_says_to_save_it_to_a_file_first() {
    let dir = Workdir::new();
    dir.write("users.csv", b"externalId\ne1\n");
    let fifo = Command::new("mkfifo")
        .arg(dir.path().join("pipe.csv"))
        .status()
        .unwrap();
    assert!(fifo.success());
    for (args, path, what) in [
        (
            &["users", "-", "--dry-run"][..],
            "-",
            "it is standard input",
        ),
        (
            &["users", "pipe.csv", "--dry-run"],
            "pipe.csv",
            "it is a pipe",
        ),
        (
            &[
                "users",
                "users.csv",
                "--deactivate",
                "pipe.csv",
                "--dry-run",
            ],
            "pipe.csv",
            "it is a pipe",
        ),
    ] {
        let run = dir.run(args);
        assert_eq!(run.code, 2, "{}", run.all());
        let said = format!(
            "error: cannot read {path}: {what}, and okta-import needs a regular file: it reads \
             the file twice, to check every record before anything is sent, then to send them; \
             save the stream to a file first (… > users.csv) and pass that file\n"
        );
        assert_eq!(run.stderr, said, "{}", run.all());
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_closed_stdout_does_not_lose_the_report_of_an_import() {
    let emulator = emulator().await;
    let dir = Workdir::new().against(emulator.base_url(), SOURCE, TOKEN);
    dir.write("users.csv", people_csv(1..=20));
    let mut command = dir.command(&args(&["users", "users.csv", "--report", "r.json"], &FAST));
    let mut child = command
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("running okta-import");
    drop(child.stdout.take());
    let output = tokio::task::block_in_place(|| wait_within(child, RUN_LIMIT));
    assert_eq!(emulator.users(SOURCE).len(), 20, "the import ran");
    let run = Run::from(output);
    // The summary's reader went away (`| head`): the import's outcome stands.
    assert_eq!(run.code, 0, "{}", run.all());
    assert!(!run.stderr.contains("error"), "{}", run.all());
    let report = std::fs::read(dir.path().join("r.json")).expect("the report is kept");
    let report: Value = serde_json::from_slice(&report).expect("the report is complete JSON");
    assert_eq!(report["invalid"], serde_json::json!([]), "{report}");
    assert!(
        !report["sessions"].as_array().unwrap().is_empty(),
        "{report}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn files_that_hold_no_record_are_an_input_error_and_nothing_is_sent() {
    let emulator = emulator().await;
    let dir = Workdir::new().against(emulator.base_url(), SOURCE, TOKEN);
    dir.write("hr.csv", "externalId,email\n");
    dir.write("leavers.txt", "# none today\n\n");
    let run = dir.run_async(&["users", "hr.csv"]).await;
    assert_eq!(run.code, 2, "{}", run.all());
    assert_eq!(
        run.stderr,
        "error: hr.csv holds no records: nothing to import\n"
    );
    let run = dir
        .run_async(&["users", "hr.csv", "--deactivate", "leavers.txt"])
        .await;
    assert_eq!(run.code, 2, "{}", run.all());
    assert_eq!(
        run.stderr,
        "error: hr.csv and leavers.txt hold no records: nothing to import\n"
    );
    assert!(emulator.requests().is_empty(), "{:?}", emulator.requests());
}

#[tokio::test(flavor = "multi_thread")]
async fn an_import_of_deactivations_alone_says_what_it_did() {
    let emulator = emulator().await;
    let dir = Workdir::new().against(emulator.base_url(), SOURCE, TOKEN);
    dir.write("hr.csv", people_csv(1..=2));
    let run = dir.run_async(&args(&["users", "hr.csv"], &FAST)).await;
    assert_eq!(run.code, 0, "{}", run.all());
    dir.write("hr.csv", "externalId,email\n");
    dir.write("leavers.txt", "emp-0000001\nemp-0000002\n");
    let run = dir
        .run_async(&args(
            &["users", "hr.csv", "--deactivate", "leavers.txt"],
            &FAST,
        ))
        .await;
    assert_eq!(run.code, 0, "{}", run.all());
    assert!(
        run.stderr.contains("uploaded 2 of 2 deactivations\n"),
        "{}",
        run.all()
    );
    assert!(
        run.stdout.ends_with("\nEvery deactivation was imported.\n"),
        "{}",
        run.all()
    );
    assert!(!run.all().contains("users\n"), "{}", run.all());
    assert!(emulator.users(SOURCE).values().all(|user| !user.active));
}

#[tokio::test(flavor = "multi_thread")]
async fn a_report_path_naming_a_folder_or_standard_output_is_refused_before_anything_is_sent() {
    let emulator = emulator().await;
    let dir = Workdir::new().against(emulator.base_url(), SOURCE, TOKEN);
    dir.write("users.csv", people_csv(1..=3));
    std::fs::create_dir(dir.path().join("old")).unwrap();
    for folder in ["new/", "old"] {
        let run = dir
            .run_async(&["users", "users.csv", "--report", folder])
            .await;
        assert_eq!(run.code, 2, "{}", run.all());
        let said = format!(
            "error: cannot create the report {folder}: it names a folder; give the report a file \
             name, such as {}\n",
            std::path::Path::new(folder).join("report.json").display()
        );
        assert_eq!(run.stderr, said, "{}", run.all());
    }
    // Nor is `-` made a file: many tools take it for standard output.
    let run = dir
        .run_async(&["users", "users.csv", "--report", "-"])
        .await;
    assert_eq!(run.code, 2, "{}", run.all());
    assert!(
        run.stderr
            .starts_with("error: cannot create the report -: `-` is no file here"),
        "{}",
        run.all()
    );
    assert!(!dir.path().join("-").exists());
    assert!(emulator.requests().is_empty(), "{:?}", emulator.requests());
}

/// A report that can't be written when the import ends (its folder removed meanwhile) is
/// said after the summary, which is still printed, with its path and how the import ended,
/// and the run exits 1.
#[tokio::test(flavor = "multi_thread")]
async fn a_report_that_cannot_be_written_at_the_end_does_not_lose_the_summary() {
    let run = import_whose_report_is_spoiled(|folder| std::fs::remove_dir(folder).unwrap()).await;
    let said = run.stderr.lines().last().unwrap_or_default();
    assert!(
        said.starts_with(
            "error: cannot write the report reports/r.json: the folder reports does not exist"
        ) && said.ends_with("; the import itself completed: every user was imported"),
        "{}",
        run.all()
    );
}

/// A file made under the report's name during the import is kept as it is, and the error
/// says so.
#[tokio::test(flavor = "multi_thread")]
async fn a_report_made_by_someone_else_meanwhile_is_kept_and_the_error_says_so() {
    let run = import_whose_report_is_spoiled(|folder| {
        std::fs::write(folder.join("r.json"), "theirs").unwrap()
    })
    .await;
    assert!(
        run.stderr.ends_with(
            "error: cannot write the report reports/r.json: a file of that name was made \
             meanwhile, and okta-import never overwrites a file; the import itself completed: \
             every user was imported\n"
        ),
        "{}",
        run.all()
    );
}

/// Imports 20 users with `--report reports/r.json`, calling `spoil` with the report's folder
/// once the import has begun; returns the run, checked to have imported them and exited 1.
async fn import_whose_report_is_spoiled(spoil: impl FnOnce(&std::path::Path)) -> Run {
    let emulator = emulator_processing_for(Duration::from_millis(500)).await;
    let dir = Workdir::new().against(emulator.base_url(), SOURCE, TOKEN);
    dir.write("users.csv", people_csv(1..=20));
    let folder = dir.path().join("reports");
    std::fs::create_dir(&folder).unwrap();
    let mut child = dir.spawn(&args(
        &["users", "users.csv", "--report", "reports/r.json"],
        &FAST,
    ));
    until_while_running(&mut child, "the session was created", || {
        !emulator.sessions(SOURCE).is_empty()
    })
    .await;
    spoil(&folder);
    let run = ended(child);
    assert_eq!(run.code, 1, "{}", run.all());
    assert_eq!(emulator.users(SOURCE).len(), 20, "the import ran");
    assert!(
        run.stdout.contains("Every user was imported."),
        "{}",
        run.all()
    );
    if folder.exists() {
        let names: Vec<_> = std::fs::read_dir(&folder).unwrap().collect();
        assert_eq!(names.len(), 1, "no temporary file is left: {names:?}");
        let kept = std::fs::read_to_string(folder.join("r.json")).unwrap();
        assert_eq!(kept, "theirs");
    }
    run
}

/// `/dev/full`, where every write fails as on a full disk.
#[cfg(target_os = "linux")]
fn dev_full() -> std::fs::File {
    std::fs::OpenOptions::new()
        .write(true)
        .open("/dev/full")
        .unwrap()
}

/// `okta-import [flags] users users.csv --report r.json` in `dir`, its standard output and
/// error as given, run to its end.
#[cfg(target_os = "linux")]
fn import_writing_to(
    dir: &Workdir,
    flags: &[&str],
    stdout: Stdio,
    stderr: Stdio,
) -> std::process::Output {
    let command = [flags, &["users", "users.csv", "--report", "r.json"]].concat();
    let child = dir
        .command(&args(&command, &FAST))
        .stdout(stdout)
        .stderr(stderr)
        .spawn()
        .expect("running okta-import");
    tokio::task::block_in_place(|| wait_within(child, RUN_LIMIT))
}

/// Progress lines, `-v` events and messages that can't be written (standard error full or
/// closed) are lost; the import goes on to the end and the report says what was done.
#[cfg(target_os = "linux")]
#[tokio::test(flavor = "multi_thread")]
async fn a_standard_error_that_cannot_be_written_does_not_stop_the_import() {
    let emulator = emulator().await;
    let dir = Workdir::new().against(emulator.base_url(), SOURCE, TOKEN);
    dir.write("users.csv", people_csv(1..=20));
    let output = import_writing_to(&dir, &["-v"], Stdio::piped(), Stdio::from(dev_full()));
    assert_eq!(output.status.code(), Some(0), "{output:?}");
    assert_eq!(
        emulator.users(SOURCE).len(),
        20,
        "the import ran to the end"
    );
    assert_no_open_session(&emulator);
    let report: Value =
        serde_json::from_slice(&std::fs::read(dir.path().join("r.json")).unwrap()).unwrap();
    assert_eq!(report["sessions"][0]["status"], "COMPLETED", "{report}");
}

/// A summary that can't be written to standard output (a full disk) is said with how the
/// import ended; a listing whose reader went away (`| head`) is done.
#[cfg(target_os = "linux")]
#[tokio::test(flavor = "multi_thread")]
async fn a_standard_output_that_cannot_be_written_leaves_the_import_s_outcome() {
    let emulator = emulator().await;
    let dir = Workdir::new().against(emulator.base_url(), SOURCE, TOKEN);
    dir.write("users.csv", people_csv(1..=20));
    // A closed pipe: `a_closed_stdout_does_not_lose_the_report_of_an_import`.
    let output = import_writing_to(&dir, &[], Stdio::from(dev_full()), Stdio::piped());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains(
            "error: cannot write the summary to standard output: No space left on device \
             (os error 28); the import itself completed: "
        ),
        "{stderr}"
    );
    let report: Value =
        serde_json::from_slice(&std::fs::read(dir.path().join("r.json")).unwrap()).unwrap();
    assert_eq!(report["outcome"], "completed", "{report}");

    // A listing read in part is done.
    let mut child = dir
        .command(&["sessions", "list"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("running okta-import");
    drop(child.stdout.take());
    let output = tokio::task::block_in_place(|| wait_within(child, RUN_LIMIT));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(0), "{stderr}");
    assert!(stderr.is_empty(), "{stderr}");
}

#[tokio::test(flavor = "multi_thread")]
async fn an_invalid_record_stops_a_real_import_before_anything_is_sent_and_skip_imports_the_rest() {
    let emulator = emulator().await;
    let dir = Workdir::new().against(emulator.base_url(), SOURCE, TOKEN);
    dir.write("users.csv", b"externalId,email\ne1,a@example.com\ne2,not an email\ne3,c@example.com,extra\ne4,d@example.com\n");
    let run = dir.run_async(&args(&["users", "users.csv"], &FAST)).await;
    assert_eq!(run.code, 1, "{}", run.all());
    assert!(
        run.stderr.contains(
            "invalid: users.csv:4: externalId \"e3\": column 3: 3 fields where the header has 2"
        ),
        "{}",
        run.all()
    );
    assert_eq!(emulator.requests().len(), 0, "nothing is sent");

    let run = dir
        .run_async(&args(
            &[
                "users",
                "users.csv",
                "--on-invalid",
                "skip",
                "--report",
                "r.json",
            ],
            &FAST,
        ))
        .await;
    assert_eq!(run.code, 1, "something was invalid: {}", run.all());
    let ids: Vec<String> = emulator.users(SOURCE).into_keys().collect();
    assert_eq!(ids, ["e1", "e4"]);
    let report: Value =
        serde_json::from_slice(&std::fs::read(dir.path().join("r.json")).unwrap()).unwrap();
    let lines: Vec<Option<u64>> = report["invalid"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["position"]["line"].as_u64())
        .collect();
    assert_eq!(lines, [Some(3), Some(4)], "{report}");
    assert_eq!(report["outcome"], "incomplete", "{report}");
    assert_eq!(report["error"], Value::Null, "{report}");
    assert_eq!(
        report["invalid"][1]["reasons"][0],
        "column 3: 3 fields where the header has 2"
    );
}

/// Past the first 20 invalid records, the summary says where the rest are: in the report
/// written, or in one `--report` would write.
#[test]
fn the_invalid_records_not_listed_are_said_to_be_in_the_report() {
    let dir = Workdir::new();
    let rows: String = (1..=23).map(|i| format!("e{i},not an email\n")).collect();
    dir.write("users.csv", format!("externalId,email\n{rows}"));
    let more = "… and 3 more invalid records";

    let run = dir.run(&["users", "users.csv", "--dry-run"]);
    assert_eq!(run.code, 1, "{}", run.all());
    assert_eq!(
        run.stderr.matches("invalid: users.csv:").count(),
        20,
        "{}",
        run.all()
    );
    assert!(
        run.stderr
            .contains(&format!("{more} (--report FILE lists them all)")),
        "{}",
        run.all()
    );

    let run = dir.run(&["users", "users.csv", "--dry-run", "--report", "r.json"]);
    assert_eq!(run.code, 1, "{}", run.all());
    assert!(
        run.stderr
            .contains(&format!("{more} (the report r.json lists them all)")),
        "{}",
        run.all()
    );
    let report: Value =
        serde_json::from_slice(&std::fs::read(dir.path().join("r.json")).unwrap()).unwrap();
    assert_eq!(
        report["invalid"].as_array().map(Vec::len),
        Some(23),
        "{report}"
    );
}

/// What a record holds (an attribute's name with a line break) is printed on its record's
/// line: it can't start a line that passes for one of the command's own.
#[test]
fn a_line_break_in_a_record_cannot_start_a_line_of_its_own() {
    let dir = Workdir::new();
    dir.write(
        "users.jsonl",
        "{\"externalId\":\"e1\",\"profile\":{\"\\nerror: nothing is wrong \":\"v\"}}\n",
    );
    let run = dir.run(&["users", "users.jsonl", "--dry-run"]);
    assert_eq!(run.code, 1, "{}", run.all());
    assert!(
        run.stderr
            .contains("invalid: users.jsonl:1: externalId \"e1\": "),
        "{}",
        run.all()
    );
    assert!(
        run.stderr.contains("`\\nerror: nothing is wrong `"),
        "{}",
        run.all()
    );
    assert!(
        !run.stderr
            .lines()
            .any(|line| line.starts_with("error: nothing")),
        "{}",
        run.all()
    );
}

/// A leaver whose user record in the same run is invalid, for whatever reason (a rule of
/// Okta's, a field too many, a value of the wrong JSON type), is not deactivated: both were
/// meant, so the deactivation is refused too.
#[tokio::test(flavor = "multi_thread")]
async fn a_leaver_whose_user_record_is_invalid_is_not_deactivated() {
    let emulator = emulator().await;
    let dir = Workdir::new().against(emulator.base_url(), SOURCE, TOKEN);
    dir.write(
        "users.csv",
        b"externalId,email\ne1,not an email\ne2,b@example.com,extra\ne3,c@example.com\n",
    );
    dir.write(
        "users.jsonl",
        b"{\"externalId\":\"e1\",\"profile\":{\"email\":5}}\n\
          {\"externalId\":\"e3\",\"profile\":{\"email\":\"c@example.com\"}}\n",
    );
    dir.write("gone.txt", b"e1\ne2\ne4\n");
    for (users, refused) in [("users.csv", &["e1", "e2"][..]), ("users.jsonl", &["e1"])] {
        let report = format!("{users}.report.json");
        let run = dir
            .run_async(&args(
                &[
                    "users",
                    users,
                    "--deactivate",
                    "gone.txt",
                    "--on-invalid",
                    "skip",
                    "--report",
                    &report,
                ],
                &FAST,
            ))
            .await;
        assert_eq!(run.code, 1, "something was invalid: {}", run.all());
        let report: Value =
            serde_json::from_slice(&std::fs::read(dir.path().join(&report)).unwrap()).unwrap();
        let invalid = report["invalid"].as_array().unwrap();
        let deactivations_refused: Vec<&str> = invalid
            .iter()
            .filter(|r| {
                r["reasons"][0]
                    .as_str()
                    .is_some_and(|reason| reason.starts_with("externalId is also a user"))
            })
            .filter_map(|r| r["external_id"].as_str())
            .collect();
        assert_eq!(deactivations_refused, refused, "{users}: {report}");
        let sent = report["sessions"][0]["deactivations"].as_u64();
        assert_eq!(sent, Some(3 - refused.len() as u64), "{users}: {report}");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_quote_never_closed_stops_even_a_skipping_import_before_anything_is_sent() {
    let emulator = emulator().await;
    let dir = Workdir::new().against(emulator.base_url(), SOURCE, TOKEN);
    // The home address's quote is never closed: the records after it are part of it.
    let mut text = b"externalId,email,homeAddress\ne1,a@example.com,\"1 Main St\n".to_vec();
    for n in 2..=40 {
        text.extend(format!("e{n},u{n}@example.com,{n} Elm St\n").bytes());
    }
    dir.write("users.csv", &text);
    let skip_dry = ["--on-invalid", "skip", "--dry-run"];
    for extra in [&[][..], &["--on-invalid", "skip"], &skip_dry] {
        let mut given = vec!["users", "users.csv"];
        given.extend(extra);
        let run = dir.run_async(&args(&given, &FAST)).await;
        assert_eq!(run.code, 1, "{}", run.all());
        assert!(
            run.stderr.contains(
                "invalid: users.csv:2: externalId \"e1\": column 3: a quote opened at line 2 is never closed: the rest of the file, to line 41, was read as one field"
            ),
            "{}",
            run.all()
        );
        assert_eq!(
            emulator.requests().len(),
            0,
            "nothing is sent: {}",
            run.all()
        );
        if extra.contains(&"skip") {
            // A dry run, which reads the file once, says the import would stop too.
            assert!(
                run.stderr.contains(
                    "the file is not imported (invalid records can be skipped, not the rest of a file)"
                ) && (!extra.contains(&"--dry-run")
                    || run.stderr.contains("error: the import would stop: users.csv:2: column 3:")),
                "{}",
                run.all()
            );
        }
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn an_import_that_outlasts_its_deadline_stops_and_says_its_session_goes_on() {
    let emulator = emulator_processing_for(Duration::from_secs(60)).await;
    let dir = Workdir::new().against(emulator.base_url(), SOURCE, TOKEN);
    dir.write("users.csv", people_csv(1..=3));
    let run = dir
        .run_async(&args(&["users", "users.csv", "--deadline", "1s"], &FAST))
        .await;
    assert_eq!(run.code, 1, "{}", run.all());
    let sessions = emulator.sessions(SOURCE);
    assert_eq!(sessions.len(), 1);
    assert_eq!(sessions[0].status, SessionStatus::Triggered, "{sessions:?}");
    let id = &sessions[0].id;
    assert!(
        run.stderr.contains(&format!(
            "error: the import stopped: the import did not finish within 1s; session {id} was \
             started and its import goes on in Okta: okta-import sessions get {id}"
        )),
        "{}",
        run.all()
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_cool_down_that_would_end_past_the_deadline_stops_the_import_at_once() {
    let emulator = emulator().await;
    let dir = Workdir::new().against(emulator.base_url(), SOURCE, TOKEN);
    // Two sessions: the second would open five minutes after the first is started.
    dir.write("users.csv", people_csv(1..=10_001));
    let run = dir
        .run_async(&[
            "users",
            "users.csv",
            "--deadline",
            "1m",
            "--cool-down",
            "5m",
            "--poll-interval",
            "100ms",
        ])
        .await;
    assert_eq!(run.code, 1, "{}", run.all());
    assert!(
        run.stderr.contains(
            "error: the import stopped: the import cannot finish within 60s: it would wait for \
             the cool-down after a start until "
        ),
        "{}",
        run.all()
    );
    let sessions = emulator.sessions(SOURCE);
    assert_eq!(sessions.len(), 1, "{sessions:?}");
    assert_eq!(sessions[0].status, SessionStatus::Completed);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_dry_run_checks_everything_prints_the_plan_and_sends_nothing() {
    let emulator = emulator().await;
    let dir = Workdir::new().against(emulator.base_url(), SOURCE, TOKEN);
    dir.write("users.csv", people_csv(1..=12_000));
    dir.write("leavers.txt", "emp-0900001\nemp-0900002\n");
    let run = dir
        .run_async(&[
            "users",
            "users.csv",
            "--deactivate",
            "leavers.txt",
            "--dry-run",
            "--report",
            "plan.json",
        ])
        .await;
    assert_eq!(run.code, 0, "{}", run.all());
    insta::assert_snapshot!("dry_run", run.all());
    assert_eq!(emulator.requests().len(), 0, "a dry run sends nothing");
    let plan: Value =
        serde_json::from_slice(&std::fs::read(dir.path().join("plan.json")).unwrap()).unwrap();
    assert_eq!(plan["users"], 12_000);
    assert_eq!(plan["deactivations"], 2);
    assert_eq!(plan["sessions"].as_array().unwrap().len(), 2);
    assert_eq!(plan["dry_run"], true);
    assert_eq!(plan["outcome"], "planned");
}

#[test]
fn a_dry_run_report_says_how_the_plan_came_out() {
    let dir = Workdir::new();
    dir.write(
        "users.csv",
        "externalId,email\ne1,a@example.com\ne2,not an address\n",
    );
    let cases: [(&str, &[&str], i32, &str); 2] = [
        ("skipped.json", &["--on-invalid", "skip"], 1, "incomplete"),
        ("refused.json", &[], 1, "failed"),
    ];
    for (report, extra, code, outcome) in cases {
        let mut args = vec!["users", "users.csv", "--dry-run", "--report", report];
        args.extend_from_slice(extra);
        let run = dir.run(&args);
        assert_eq!(run.code, code, "{}", run.all());
        let report: Value =
            serde_json::from_slice(&std::fs::read(dir.path().join(report)).unwrap()).unwrap();
        assert_eq!(report["dry_run"], true);
        assert_eq!(report["outcome"], outcome, "{report}");
        assert_eq!(
            report["invalid"].as_array().map(Vec::len),
            Some(1),
            "{report}"
        );
    }
    let refused: Value =
        serde_json::from_slice(&std::fs::read(dir.path().join("refused.json")).unwrap()).unwrap();
    assert_eq!(refused["error"], "1 invalid record; nothing would be sent");
    assert!(refused.get("sessions").is_none(), "{refused}");
    // Each invalid record's fields in the order of every other report's.
    let text = std::fs::read_to_string(dir.path().join("refused.json")).unwrap();
    let order = [
        "\"position\"",
        "\"file\"",
        "\"line\"",
        "\"index\"",
        "\"external_id\"",
        "\"reasons\"",
    ]
    .map(|key| text.find(key).unwrap_or_else(|| panic!("{key}: {text}")));
    assert!(order.is_sorted(), "{text}");
}

#[tokio::test(flavor = "multi_thread")]
async fn twenty_five_thousand_users_and_a_deactivation_file_end_in_the_directory_as_intended() {
    let emulator = emulator().await;
    let dir = Workdir::new().against(emulator.base_url(), SOURCE, TOKEN);
    // Yesterday's import: 300 people who leave today.
    dir.write("yesterday.csv", people_csv(25_001..=25_300));
    let run = dir
        .run_async(&args(&["users", "yesterday.csv"], &FAST))
        .await;
    assert_eq!(run.code, 0, "{}", run.all());
    let requests_before = emulator.requests().len();
    // Today's: 25,000 people, and the 300 leavers, with -v logging every request.
    dir.write("users.csv", people_csv(1..=25_000));
    let leavers: String = (25_001..=25_300).map(|n| format!("emp-{n:07}\n")).collect();
    dir.write("leavers.txt", format!("externalId\n{leavers}"));
    let today = [
        "users",
        "users.csv",
        "--deactivate",
        "leavers.txt",
        "--report",
        "report.json",
        "-v",
    ];
    let run = dir.run_async(&args(&today, &FAST)).await;
    assert_eq!(run.code, 0, "{}", run.all());
    assert!(
        run.stdout
            .contains("Every user and every deactivation was imported."),
        "{}",
        run.stdout
    );

    let directory = emulator.users(SOURCE);
    assert_eq!(directory.len(), 25_300);
    assert_eq!(directory.values().filter(|u| !u.active).count(), 300);
    assert!(
        directory
            .range("emp-0025001".to_string()..)
            .all(|(_, u)| !u.active)
    );
    let csv = String::from_utf8(people_csv(1..=25_000)).unwrap();
    let mut rows = csv.lines().map(|line| line.to_string());
    let header: Vec<String> = rows.next().unwrap().split(',').map(String::from).collect();
    for (number, line) in (1..).zip(rows).step_by(997) {
        let user = &directory[&format!("emp-{number:07}")];
        assert!(user.active);
        let cells = csv_cells(&line);
        for (column, value) in header.iter().zip(cells).skip(1) {
            let stored = user.profile.get(column).and_then(Value::as_str);
            let expected = (!value.is_empty()).then_some(value.as_str());
            assert_eq!(stored, expected, "emp-{number:07} {column}");
        }
    }

    let report: Value =
        serde_json::from_slice(&std::fs::read(dir.path().join("report.json")).unwrap()).unwrap();
    check_report(&report, &emulator, requests_before);
    assert_no_token(&run, &report);
}

/// The cells of one line of the generated CSV (quoted cells hold commas but no quotes).
fn csv_cells(line: &str) -> Vec<String> {
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .from_reader(line.as_bytes());
    reader
        .records()
        .next()
        .unwrap()
        .unwrap()
        .iter()
        .map(String::from)
        .collect()
}

/// The report of today's import, field by field.
fn check_report(report: &Value, emulator: &Emulator, requests_before: usize) {
    let sessions = report["sessions"].as_array().unwrap();
    let emulated: Vec<_> = emulator.sessions(SOURCE).into_iter().skip(1).collect();
    assert_eq!(sessions.len(), 3, "25,300 records at 10,000 a session");
    assert_eq!(emulated.len(), 3);
    for (reported, emulated) in sessions.iter().zip(&emulated) {
        assert_eq!(reported["id"], emulated.id.as_str());
        assert_eq!(reported["status"], "COMPLETED");
        assert_eq!(emulated.status, SessionStatus::Completed);
        let records =
            reported["users"].as_u64().unwrap() + reported["deactivations"].as_u64().unwrap();
        assert_eq!(records, emulated.users_in_session as u64);
        assert_eq!(
            reported["uploads"].as_u64().unwrap(),
            emulated.upload_requests as u64
        );
    }
    let sum = |field: &str| {
        sessions
            .iter()
            .map(|s| s[field].as_u64().unwrap())
            .sum::<u64>()
    };
    assert_eq!(sum("users"), 25_000);
    assert_eq!(sum("deactivations"), 300);
    assert_eq!(report["users_sent"], 25_000);
    assert_eq!(report["users_deactivated"], 300);
    // The run it comes from, for whoever reads it later.
    let run = &report["run"];
    assert_eq!(
        run["tool"],
        concat!("okta-import ", env!("CARGO_PKG_VERSION"))
    );
    assert_eq!(run["org_url"], emulator.base_url());
    assert_eq!(run["identity_source"], SOURCE);
    assert_eq!(run["users_file"], "users.csv");
    assert_eq!(run["deactivations_file"], "leavers.txt");
    let time = |value: &Value| {
        chrono::DateTime::parse_from_rfc3339(value.as_str().unwrap_or_default())
            .unwrap_or_else(|error| panic!("{value}: {error}"))
    };
    assert!(time(&run["started_at"]) <= time(&report["finished_at"]));
    assert_eq!(report["outcome"], "completed");
    assert_eq!(report["error"], Value::Null);
    assert_eq!(report["signal"], Value::Null);
    assert_eq!(
        report["not_sent"],
        serde_json::json!({"users": 0, "deactivations": 0})
    );
    for empty in [
        "invalid",
        "warnings",
        "rejected",
        "found_active",
        "cancelled_others",
    ] {
        assert_eq!(report[empty], serde_json::json!([]), "{empty}");
    }
    assert_eq!(report["left_open"], Value::Null);
    let sent_today = (emulator.requests().len() - requests_before) as u64;
    assert_eq!(report["requests"], sent_today);
    assert!(
        sent_today > sum("uploads") + 6,
        "uploads, and a create and a start a session, and polls"
    );
    assert_eq!(report["retries"], 0);
    assert_eq!(report["rate_limited"], 0);
    assert!(report["elapsed_ms"].as_u64().is_some());
    let waits = report["waits"].as_array().unwrap();
    assert!(
        waits.iter().all(|w| w["reason"] == "cool_down"),
        "{waits:?}"
    );
}

/// The token appears nowhere: not in the output, the logs or the report.
fn assert_no_token(run: &Run, report: &Value) {
    assert!(run.stderr.contains("DEBUG"), "-v logs: {}", run.stderr);
    for (what, text) in [
        ("stdout", &run.stdout),
        ("stderr", &run.stderr),
        ("report", &report.to_string()),
    ] {
        assert!(!text.contains(TOKEN), "{what} shows the token");
        assert!(
            !text.contains(&TOKEN[4..16]),
            "{what} shows part of the token"
        );
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_wrong_token_fails_with_exit_1_and_is_not_shown() {
    let emulator = emulator().await;
    let wrong = "00WRONGtokenALSOsecret-77";
    let dir = Workdir::new().against(emulator.base_url(), SOURCE, wrong);
    dir.write("users.csv", "externalId,email\ne1,a@example.com\n");
    let run = dir.run_async(&["users", "users.csv", "-vv"]).await;
    assert_eq!(run.code, 1, "{}", run.all());
    assert!(run.stderr.contains("401"), "{}", run.stderr);
    assert!(
        !run.all().contains(wrong) && !run.all().contains("ALSOsecret"),
        "{}",
        run.all()
    );
    let hint = "; check the API token in OKTA_API_TOKEN, or the service app's --client-id, \
                --private-key and --key-id\n";
    assert!(run.stderr.contains(hint), "{}", run.stderr);
    let run = dir.run_async(&["sessions", "list"]).await;
    assert_eq!(run.code, 1, "{}", run.all());
    assert!(run.stderr.ends_with(hint), "{}", run.stderr);
    assert!(!run.all().contains("ALSOsecret"));
}

/// The fixtures of the service app `0oaAPP1`'s EC keys.
const KEYS: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../tests/fixtures/oauth");

/// An emulator that knows only the service app `0oaAPP1` (its key `KEYS/ec-public.pem`),
/// and a directory whose environment points at it, with no token.
async fn service_app_emulator() -> (Emulator, Workdir) {
    let public = std::fs::read(format!("{KEYS}/ec-public.pem")).unwrap();
    let app = okta_identity_source_emulator::ServiceApp::new("0oaAPP1", public).key_id("kid-1");
    let emulator = Emulator::builder()
        .identity_source(SOURCE)
        .service_app(app)
        .processing_time(Duration::from_millis(10))
        .start()
        .await
        .unwrap();
    let dir = Workdir::new()
        .env("OKTA_ORG_URL", emulator.base_url())
        .env("OKTA_IDENTITY_SOURCE_ID", SOURCE);
    (emulator, dir)
}

#[tokio::test(flavor = "multi_thread")]
async fn a_service_app_signs_in_with_its_private_key_file_instead_of_a_token() {
    let (emulator, dir) = service_app_emulator().await;
    dir.write("users.csv", people_csv(1..=300));
    let key = format!("{KEYS}/ec-private.pem");
    let sign_in = [
        "--client-id",
        "0oaAPP1",
        "--private-key",
        &key,
        "--key-id",
        "kid-1",
        "-vv",
    ];
    let run = dir
        .run_async(&args(&["users", "users.csv"], &args(&sign_in, &FAST)))
        .await;
    assert_eq!(run.code, 0, "{}", run.all());
    assert_eq!(emulator.users(SOURCE).len(), 300);
    let requests = emulator.requests();
    assert_eq!(
        requests
            .iter()
            .filter(|r| r.path == "/oauth2/v1/token")
            .count(),
        1
    );
    let mut api_calls = requests.iter().filter(|r| r.path.starts_with("/api/"));
    assert!(
        api_calls.clone().count() >= 4
            && api_calls.all(|r| r.header("authorization") == Some("Bearer <redacted>"))
    );
    let key_text = std::fs::read_to_string(&key).unwrap();
    let key_body = key_text.lines().nth(1).unwrap();
    assert!(
        !run.all().contains(key_body) && !run.all().contains("eyJ"),
        "no key, assertion or access token shown"
    );
    // A token in the environment beside the service app is not used, and the run says so.
    let with_token = Workdir::new()
        .env("OKTA_ORG_URL", emulator.base_url())
        .env("OKTA_IDENTITY_SOURCE_ID", SOURCE)
        .env("OKTA_API_TOKEN", "not-a-token");
    let mut list = vec!["sessions", "list"];
    list.extend_from_slice(&sign_in[..6]);
    let run = with_token.run_async(&list).await;
    assert_eq!(run.code, 0, "{}", run.all());
    assert!(
        run.stderr.contains(
            "note: signing in as the service app of --client-id; OKTA_API_TOKEN is set too and is not used"
        ),
        "{}",
        run.all()
    );
    // The key id goes into the assertion: another one names no key of the app.
    let mut wrong_kid = sign_in[..6].to_vec();
    wrong_kid[5] = "kid-2";
    let run = dir
        .run_async(&[&["sessions", "list"][..], &wrong_kid].concat())
        .await;
    assert_eq!(run.code, 1, "{}", run.all());
    assert!(
        run.stderr.contains("kid names no key of the client"),
        "{}",
        run.all()
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_session_left_open_stops_the_import_unless_cancel_stale_session_is_given() {
    let emulator = emulator().await;
    let dir = Workdir::new().against(emulator.base_url(), SOURCE, TOKEN);
    dir.write("users.csv", people_csv(1..=10));
    let client = okta_identity_source::Client::builder(emulator.base_url())
        .api_token(TOKEN)
        .build()
        .unwrap();
    let stale = okta_identity_source::IdentitySourceApi::new(client)
        .create_identity_source_session(SOURCE)
        .await
        .unwrap();

    // Exit code 3: nothing was sent, and a later run may succeed as it is.
    let run = dir.run_async(&args(&["users", "users.csv"], &FAST)).await;
    assert_eq!(run.code, 3, "{}", run.all());
    let said = format!(
        "error: the import stopped: another session of the identity source is active: {} (CREATED",
        stale.id
    );
    assert!(run.stderr.contains(&said), "{}", run.all());
    let hint = format!(
        "; if no other run is using it, cancel it with `okta-import sessions cancel {}`, or pass --cancel-stale-session\n",
        stale.id
    );
    assert!(run.stderr.ends_with(&hint), "{}", run.all());
    assert!(emulator.users(SOURCE).is_empty());

    // Created a moment ago, it may be another run's.
    let cancel = ["users", "users.csv", "--cancel-stale-session"];
    let run = dir.run_async(&args(&cancel, &FAST)).await;
    assert_eq!(run.code, 3, "{}", run.all());
    assert!(
        run.stderr.contains(
            "was updated less than 300s ago, so another run may be using it; it was not cancelled"
        ),
        "{}",
        run.all()
    );
    let hint = format!(
        "; if no other run is using it, cancel it with `okta-import sessions cancel {}`, or pass a shorter --stale-after\n",
        stale.id
    );
    assert!(run.stderr.ends_with(&hint), "{}", run.all());
    assert_eq!(emulator.sessions(SOURCE)[0].status, SessionStatus::Created);

    let run = dir
        .run_async(&args(
            &[&cancel[..], &["--stale-after", "0s"]].concat(),
            &FAST,
        ))
        .await;
    assert_eq!(run.code, 0, "{}", run.all());
    assert!(
        run.stderr
            .contains(&format!("Cancelled session {} of an earlier run", stale.id)),
        "{}",
        run.all()
    );
    let cancelled = format!("Cancelled another active session: {} (CREATED", stale.id);
    assert!(run.stdout.contains(&cancelled), "{}", run.all());
    assert_eq!(emulator.sessions(SOURCE)[0].status, SessionStatus::Closed);
    assert_eq!(emulator.users(SOURCE).len(), 10);
}

#[tokio::test(flavor = "multi_thread")]
async fn json_lines_are_imported_and_rate_limit_waits_are_logged_with_the_time_left() {
    let emulator = Emulator::builder()
        .identity_source(SOURCE)
        .api_token(TOKEN)
        .rate_limit(3, Duration::from_millis(800))
        .processing_time(Duration::from_millis(10))
        .cool_down(Duration::from_millis(30))
        .start()
        .await
        .unwrap();
    let dir = Workdir::new().against(emulator.base_url(), SOURCE, TOKEN);
    dir.write(
        "first.jsonl",
        "{\"externalId\":\"j7\",\"profile\":{\"email\":\"j7@example.com\",\"lastName\":\"Doe\"}}\n",
    );
    let run = dir.run_async(&args(&["users", "first.jsonl"], &FAST)).await;
    assert_eq!(run.code, 0, "{}", run.all());
    assert_eq!(
        emulator.users(SOURCE)["j7"].profile.get("lastName"),
        Some(&Value::from("Doe"))
    );
    let lines: String = (1..=450)
        .map(|n| format!("{{\"externalId\":\"j{n}\",\"profile\":{{\"email\":\"j{n}@example.com\",\"lastName\":null,\"team\":\"T{}\"}}}}\n", n % 3))
        .collect();
    dir.write("users.jsonl", lines);
    let run = dir
        .run_async(&args(
            &["users", "users.jsonl", "--concurrency", "1"],
            &FAST,
        ))
        .await;
    assert_eq!(run.code, 0, "{}", run.all());
    assert!(
        run.stderr.lines().any(|l| l.starts_with("waiting ")
            && l.contains(" (until ")
            && l.ends_with(" UTC) for the rate limit")),
        "{}",
        run.stderr
    );
    let directory = emulator.users(SOURCE);
    assert_eq!(directory.len(), 450);
    let user = &directory["j7"];
    assert_eq!(user.profile.get("team"), Some(&Value::from("T1")));
    assert_eq!(
        user.profile.get("lastName"),
        None,
        "null clears the attribute"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn without_a_terminal_progress_is_plain_log_lines_and_the_summary_a_table() {
    // An import that takes three seconds: the polls before it completes see it TRIGGERED,
    // even on a loaded machine.
    let emulator = emulator_processing_for(Duration::from_secs(3)).await;
    let dir = Workdir::new().against(emulator.base_url(), SOURCE, TOKEN);
    dir.write("users.csv", people_csv(1..=450));
    dir.write("leavers.txt", "emp-0000999\n");
    let import = [
        "users",
        "users.csv",
        "--deactivate",
        "leavers.txt",
        "--concurrency",
        "1",
    ];
    let run = dir.run_async(&args(&import, &FAST)).await;
    assert_eq!(run.code, 0, "{}", run.all());
    let session = &emulator.sessions(SOURCE)[0].id;
    // The session id, the number of polls and the time vary from run to run.
    let text = run.all().replace(session.as_str(), "aps…");
    let text: Vec<&str> = text
        .lines()
        .filter(|l| !l.starts_with("requests ") && !l.starts_with("time "))
        .collect();
    insta::assert_snapshot!("import_without_terminal", text.join("\n"));
}

#[tokio::test(flavor = "multi_thread")]
async fn an_upload_answered_504_is_sent_again_in_a_session_of_its_own() {
    let emulator = emulator().await;
    let dir = Workdir::new().against(emulator.base_url(), SOURCE, TOKEN);
    dir.write("users.csv", people_csv(1..=300));
    // The create goes through; the first upload is taken, then answered 504.
    emulator.inject(Fault::Pass { count: 1 });
    emulator.inject(Fault::StatusAfterCarryingOut {
        status: 504,
        count: 1,
    });
    let run = dir
        .run_async(&args(
            &[
                "users",
                "users.csv",
                "--concurrency",
                "1",
                "--report",
                "r.json",
            ],
            &FAST,
        ))
        .await;
    assert_eq!(run.code, 0, "{}", run.all());
    assert!(
        run.stderr.contains(
            "Session 1: an upload of 200 records is sent again in a session of its own after the others"
        ),
        "{}",
        run.all()
    );
    assert!(run.stderr.contains("session 2 of 2"), "{}", run.all());
    assert!(run.stdout.contains("uploads put aside"), "{}", run.all());
    let report: Value =
        serde_json::from_slice(&std::fs::read(dir.path().join("r.json")).unwrap()).unwrap();
    assert_eq!(report["outcome"], "completed", "{report}");
    assert_eq!(
        report["put_aside"].as_array().map(Vec::len),
        Some(1),
        "{report}"
    );
    assert_eq!(emulator.users(SOURCE).len(), 300);
}

/// An upload Okta refuses for good cancels the session and stops, or, with
/// `--on-refused-upload continue`, is left out while the rest is imported.
#[tokio::test(flavor = "multi_thread")]
async fn a_refused_upload_cancels_the_session_or_is_left_out_as_asked() {
    for extra in [None, Some("continue")] {
        let emulator = emulator().await;
        let dir = Workdir::new().against(emulator.base_url(), SOURCE, TOKEN);
        dir.write("users.csv", people_csv(1..=300));
        // The create goes through; the first upload is refused.
        emulator.inject(Fault::Pass { count: 1 });
        emulator.inject(Fault::Status {
            status: 400,
            count: 1,
        });
        let mut flags = vec![
            "users",
            "users.csv",
            "--concurrency",
            "1",
            "--report",
            "r.json",
        ];
        if let Some(what) = extra {
            flags.extend(["--on-refused-upload", what]);
        }
        let run = dir.run_async(&args(&flags, &FAST)).await;
        // Not everything was imported either way.
        assert_eq!(run.code, 1, "{extra:?}: {}", run.all());
        let report: Value =
            serde_json::from_slice(&std::fs::read(dir.path().join("r.json")).unwrap()).unwrap();
        assert_eq!(
            report["rejected"].as_array().map(Vec::len),
            Some(1),
            "{report}"
        );
        let sessions = emulator.sessions(SOURCE);
        match extra {
            None => {
                assert_eq!(sessions[0].status, SessionStatus::Closed, "{}", run.all());
                assert!(emulator.users(SOURCE).is_empty());
            }
            Some(_) => {
                assert_eq!(
                    sessions[0].status,
                    SessionStatus::Completed,
                    "{}",
                    run.all()
                );
                assert_eq!(emulator.users(SOURCE).len(), 100, "{}", run.all());
            }
        }
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_failed_import_says_what_failed_instead_of_a_summary_of_zeros() {
    let emulator = emulator().await;
    let dir = Workdir::new().against(emulator.base_url(), SOURCE, TOKEN);
    dir.write("users.csv", people_csv(1..=10));
    // Okta refuses to open the session: the token may not.
    emulator.inject(Fault::Status {
        status: 403,
        count: 1,
    });
    let run = dir
        .run_async(&args(&["users", "users.csv", "--report", "r.json"], &FAST))
        .await;
    assert_eq!(run.code, 1, "{}", run.all());
    assert!(emulator.sessions(SOURCE).is_empty(), "{}", run.all());
    let report: Value =
        serde_json::from_slice(&std::fs::read(dir.path().join("r.json")).unwrap()).unwrap();
    assert_eq!(report["outcome"], "failed", "{report}");
    let error = report["error"].as_str().unwrap_or_default();
    assert!(
        error.starts_with(
            "the import stopped: creating a session failed: createIdentitySourceSession: 403"
        ),
        "{report}"
    );
    assert_eq!(
        report["not_sent"],
        serde_json::json!({"users": 10, "deactivations": 0})
    );
    // The request id and the time vary from run to run.
    let text: Vec<String> = run
        .all()
        .lines()
        .filter(|l| !l.starts_with("time "))
        .map(|l| match (l.find("(request id "), l.rfind(')')) {
            (Some(from), Some(to)) if from < to => {
                format!("{}(request id …){}", &l[..from], &l[to + 1..])
            }
            _ => l.to_string(),
        })
        .collect();
    insta::assert_snapshot!("import_failed", text.join("\n"));
}

/// A refused connection, at the default verbosity: no tracing line of the engine, and the
/// error said once.
#[test]
fn a_refused_connection_is_said_once_with_no_log_line_and_no_lost_session() {
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", closed.local_addr().unwrap());
    drop(closed);
    let dir = Workdir::new().against(&url, SOURCE, TOKEN);
    dir.write("users.csv", people_csv(1..=3));
    let run = dir.run(&args(&["users", "users.csv"], &FAST));
    assert_eq!(run.code, 1, "{}", run.all());
    assert_eq!(
        run.all().matches("Connection refused").count(),
        1,
        "{}",
        run.all()
    );
    assert!(
        run.stderr.lines().last().is_some_and(
            |line| line.starts_with("error: the import stopped: creating a session failed")
        ),
        "{}",
        run.all()
    );
    // Nothing can have been made by a create that could not connect.
    for log in ["WARN", "okta_identity_source", "may have been made"] {
        assert!(!run.all().contains(log), "{}", run.all());
    }
    assert!(
        run.stdout
            .contains("The import did not finish; the error says why.\n"),
        "{}",
        run.all()
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_map_file_empty_as_null_and_last_wins_shape_what_reaches_the_directory() {
    let emulator = emulator().await;
    let dir = Workdir::new().against(emulator.base_url(), SOURCE, TOKEN);
    dir.write(
        "map.csv",
        "column,attribute\nEmployee ID,externalId\nGiven Name,firstName\nSalary,\n",
    );
    dir.write("hr.csv", "Employee ID,Given Name,LASTNAME,Salary,Cost Center\n1,Ada,Lovelace,100,CC-1\n2,Bob,Byron,90,CC-2\n1,Ada,King,100,CC-1\n");
    let run = dir
        .run_async(&args(
            &[
                "users",
                "hr.csv",
                "--map",
                "map.csv",
                "--duplicates",
                "last-wins",
                "--report",
                "r.json",
            ],
            &FAST,
        ))
        .await;
    assert_eq!(
        run.code,
        0,
        "a repeated id resolved by last-wins is no failure: {}",
        run.all()
    );
    let replaced = "warning: hr.csv:4: externalId \"1\" ";
    assert_eq!(run.stderr.matches(replaced).count(), 1, "{}", run.all());
    let report: Value =
        serde_json::from_slice(&std::fs::read(dir.path().join("r.json")).unwrap()).unwrap();
    assert_eq!(report["warnings"][0]["external_id"], "1");
    let dry = dir
        .run_async(&args(
            &[
                "users",
                "hr.csv",
                "--map",
                "map.csv",
                "--duplicates",
                "last-wins",
                "--dry-run",
            ],
            &FAST,
        ))
        .await;
    assert_eq!(dry.code, 0, "{}", dry.all());
    assert_eq!(dry.stderr.matches(replaced).count(), 1, "{}", dry.all());
    assert_eq!(report["users_sent"], 2);
    let profile = |id: &str| Value::Object(emulator.users(SOURCE)[id].profile.clone());
    assert_eq!(
        profile("1"),
        serde_json::json!({"firstName": "Ada", "lastName": "King", "Cost Center": "CC-1"})
    );

    dir.write(
        "clear.csv",
        "externalId,firstName,lastName,Cost Center\n2,,Byron-Smith,\n",
    );
    let run = dir.run_async(&args(&["users", "clear.csv"], &FAST)).await;
    assert_eq!(run.code, 0, "{}", run.all());
    assert_eq!(
        profile("2"),
        serde_json::json!({"firstName": "Bob", "lastName": "Byron-Smith", "Cost Center": "CC-2"}),
        "empty cells are left out"
    );
    let run = dir
        .run_async(&args(&["users", "clear.csv", "--empty-as-null"], &FAST))
        .await;
    assert_eq!(run.code, 0, "{}", run.all());
    assert_eq!(
        profile("2"),
        serde_json::json!({"lastName": "Byron-Smith", "Cost Center": "CC-2"}),
        "null clears firstName"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_map_row_naming_a_column_the_input_lacks_is_warned_about_once() {
    let emulator = emulator().await;
    let dir = Workdir::new().against(emulator.base_url(), SOURCE, TOKEN);
    dir.write(
        "map.csv",
        "column,attribute\nEmployee ID,externalId\nGiven Nmae,firstName\nGiven Name,firstName\n",
    );
    // An id given twice: the file is read three times (check, repeats, send).
    dir.write("hr.csv", "Employee ID,Given Name\n1,Ada\n2,Bob\n1,Ada\n");
    let run = dir
        .run_async(&args(
            &[
                "users",
                "hr.csv",
                "--map",
                "map.csv",
                "--duplicates",
                "last-wins",
            ],
            &FAST,
        ))
        .await;
    assert_eq!(run.code, 0, "{}", run.all());
    let warning = "warning: map.csv:3: hr.csv has no column `Given Nmae`; this row of the map is \
                   ignored\n";
    assert_eq!(run.stderr.matches(warning).count(), 1, "{}", run.all());
    assert_eq!(
        run.stderr.matches("warning: map.csv").count(),
        1,
        "{}",
        run.all()
    );
    assert_eq!(emulator.users(SOURCE).len(), 2);
}

/// A server that answers every request on its own thread with `status` and the JSON `body`;
/// its base URL.
fn canned_server(status: &'static str, body: &'static str) -> String {
    use std::io::{BufRead, BufReader, Write};
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            let mut reader = BufReader::new(&stream);
            let mut line = String::new();
            // The request's head; none of these requests has a body.
            while reader.read_line(&mut line).is_ok_and(|read| read > 2) {
                line.clear();
            }
            let _ = write!(
                &stream,
                "HTTP/1.1 {status}\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
                body.len()
            );
        }
    });
    url
}

/// `--request-timeout` bounds the wait for each answer of a server that never answers; a
/// zero one is refused, as it would give up on every answer.
#[tokio::test(flavor = "multi_thread")]
async fn a_server_that_never_answers_is_given_up_on_after_the_request_timeout() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    // Reads nothing and answers nothing; each connection is held open.
    std::thread::spawn(move || {
        let held: Vec<_> = listener.incoming().flatten().collect();
        drop(held);
    });
    let dir = Workdir::new().against(&url, SOURCE, TOKEN);
    let started = std::time::Instant::now();
    let run = dir
        .run_async(&["sessions", "list", "--request-timeout", "200ms"])
        .await;
    assert_eq!(run.code, 1, "{}", run.all());
    assert!(
        run.stderr.contains("no response within 200ms"),
        "{}",
        run.all()
    );
    // Three attempts of 200 ms and the waits between them, not three minutes.
    assert!(
        started.elapsed() < Duration::from_secs(30),
        "{:?}",
        started.elapsed()
    );

    let run = dir
        .run_async(&["sessions", "list", "--request-timeout", "0s"])
        .await;
    assert_eq!(run.code, 2, "{}", run.all());
    assert!(
        run.stderr.contains("`0s` would give up on every answer"),
        "{}",
        run.all()
    );
}

/// Text from the server can't reach the terminal as control sequences (colours, a title, the
/// cursor moved): each control character is printed as its escape.
#[tokio::test(flavor = "multi_thread")]
async fn control_characters_from_the_server_are_printed_escaped() {
    let sessions = r#"[{"id":"aps\u001b]0;pwned\u0007\u001b[31mX","identitySourceId":"0oa1","status":"CREATED\u009b2J","importType":"INCREMENTAL"}]"#;
    let dir = Workdir::new().against(&canned_server("200 OK", sessions), SOURCE, TOKEN);
    let run = dir.run_async(&["sessions", "list"]).await;
    assert_eq!(run.code, 0, "{}", run.all());
    assert!(
        run.stdout
            .contains("aps\\u{1b}]0;pwned\\u{7}\\u{1b}[31mX  CREATED\\u{9b}2J"),
        "{}",
        run.all()
    );
    assert_no_control_characters(&run);
    let refusal = r#"{"errorCode":"E0000006","errorSummary":"You do not\u001b[8m have permission","errorCauses":[]}"#;
    let dir = Workdir::new().against(&canned_server("403 Forbidden", refusal), SOURCE, TOKEN);
    let run = dir.run_async(&["sessions", "list"]).await;
    assert_eq!(run.code, 1, "{}", run.all());
    assert!(
        run.stderr.contains("You do not\\u{1b}[8m have"),
        "{}",
        run.all()
    );
    assert_no_control_characters(&run);
}

/// A line break in text from the server can't start a line of its own: not in a table,
/// and a session id that is no Okta id is not used.
#[tokio::test(flavor = "multi_thread")]
async fn a_line_break_from_the_server_cannot_start_a_line_of_its_own() {
    let sessions = r#"[{"id":"aps1\nFAKE  COMPLETED","identitySourceId":"0oa1","status":"CREATED","importType":"INCREMENTAL"}]"#;
    let dir = Workdir::new().against(&canned_server("200 OK", sessions), SOURCE, TOKEN);
    let run = dir.run_async(&["sessions", "list"]).await;
    assert_eq!(run.code, 0, "{}", run.all());
    let lines: Vec<&str> = run.stdout.lines().collect();
    assert_eq!(lines.len(), 2, "a header and one row: {}", run.all());
    assert!(
        lines[1].starts_with("aps1\\nFAKE  COMPLETED  CREATED"),
        "{}",
        run.all()
    );

    let created = r#"{"id":"aps1\nFAKE LINE","identitySourceId":"0oa1","status":"CREATED","importType":"INCREMENTAL"}"#;
    let dir = Workdir::new().against(&canned_server("201 Created", created), SOURCE, TOKEN);
    dir.write("users.csv", b"externalId,email\ne1,a@example.com\n");
    let run = dir.run_async(&["users", "users.csv"]).await;
    assert_eq!(run.code, 1, "{}", run.all());
    assert!(
        run.stderr.contains(
            r#"creating a session answered the id "aps1\nFAKE LINE", which is not an Okta id"#
        ),
        "{}",
        run.all()
    );
    assert!(
        !run.all().lines().any(|line| line.starts_with("FAKE")),
        "{}",
        run.all()
    );
}

/// A session of the import that Okta no longer finds (the emulator keeps no finished
/// session here, so the one started is gone when it is polled) is not blamed on the
/// identity source's id or the org URL, which served its create.
#[tokio::test(flavor = "multi_thread")]
async fn a_session_of_the_import_gone_from_okta_is_said_to_be_gone() {
    let emulator = Emulator::builder()
        .identity_source(SOURCE)
        .api_token(TOKEN)
        .processing_time(Duration::ZERO)
        .finished_sessions_kept(0)
        .start()
        .await
        .expect("the emulator starts");
    let dir = Workdir::new().against(emulator.base_url(), SOURCE, TOKEN);
    dir.write("users.csv", people_csv(1..=5));
    let run = dir.run_async(&args(&["users", "users.csv"], &FAST)).await;
    assert_eq!(run.code, 1, "{}", run.all());
    assert!(
        run.stderr.contains("404 Not Found (E0000007)")
            && run.stderr.contains(
                "; Okta no longer finds the session this import created: another client may have deleted it"
            )
            && !run.stderr.contains("check the identity source's id")
            && !run.stderr.contains("goes on in Okta"),
        "{}",
        run.all()
    );
}

/// A redirect is not followed (the token would go where it points), and the error says to
/// give the org's own URL.
#[tokio::test(flavor = "multi_thread")]
async fn a_redirect_is_not_followed_and_the_org_url_is_named_as_the_thing_to_fix() {
    let dir = Workdir::new().against(&canned_server("301 Moved Permanently", ""), SOURCE, TOKEN);
    let run = dir.run_async(&["sessions", "list"]).await;
    assert_eq!(run.code, 1, "{}", run.all());
    assert!(
        run.stderr.contains("301 Moved Permanently")
            && run.stderr.contains(
                "the org URL (--org or OKTA_ORG_URL) answers with a redirect, which is not followed"
            ),
        "{}",
        run.all()
    );
}

fn assert_no_control_characters(run: &Run) {
    let raw = |output: &str| output.contains(['\u{1b}', '\u{7}', '\u{9b}']);
    assert!(!raw(&run.stdout) && !raw(&run.stderr), "{}", run.all());
}

#[tokio::test(flavor = "multi_thread")]
async fn sessions_are_listed_shown_and_cancelled() {
    let emulator = emulator().await;
    let dir = Workdir::new().against(emulator.base_url(), SOURCE, TOKEN);
    let run = dir.run_async(&["sessions", "list"]).await;
    assert_eq!(
        (run.code, run.stdout.as_str()),
        (0, "No import sessions.\n"),
        "{}",
        run.all()
    );

    let client = okta_identity_source::Client::builder(emulator.base_url())
        .api_token(TOKEN)
        .build()
        .unwrap();
    let api = okta_identity_source::IdentitySourceApi::new(client);
    let session = api.create_identity_source_session(SOURCE).await.unwrap();
    let run = dir.run_async(&["sessions", "list"]).await;
    assert_eq!(run.code, 0, "{}", run.all());
    let lines: Vec<&str> = run.stdout.lines().collect();
    assert_eq!(lines.len(), 2, "{}", run.stdout);
    assert!(
        lines[0].starts_with("SESSION")
            && lines[1].starts_with(&format!("{}  CREATED  ", session.id)),
        "{}",
        run.stdout
    );

    let run = dir.run_async(&["sessions", "get", &session.id]).await;
    assert!(
        run.code == 0 && run.stdout.contains("CREATED"),
        "{}",
        run.all()
    );
    let run = dir.run_async(&["sessions", "cancel", &session.id]).await;
    assert_eq!(
        (run.code, run.stdout.clone()),
        (0, format!("Cancelled import session {}.\n", session.id)),
        "{}",
        run.all()
    );
    assert_eq!(emulator.sessions(SOURCE)[0].status, SessionStatus::Closed);
    let run = dir.run_async(&["sessions", "cancel", &session.id]).await;
    assert_eq!(
        run.code,
        1,
        "a closed session can't be cancelled: {}",
        run.all()
    );
    assert!(
        run.stderr.starts_with(&format!(
            "error: cancelling session {id} (only a CREATED or IN_PROGRESS one can be; \
             okta-import sessions get {id} shows its status): deleteIdentitySourceSession: 400",
            id = session.id
        )),
        "{}",
        run.stderr
    );
    // A cancel whose answer is lost is sent again, and refused, as the first closed the
    // session: it was cancelled as asked.
    let second = api.create_identity_source_session(SOURCE).await.unwrap();
    emulator.inject(Fault::StatusAfterCarryingOut {
        status: 504,
        count: 1,
    });
    let run = dir.run_async(&["sessions", "cancel", &second.id]).await;
    assert_eq!(
        (run.code, run.stdout.clone()),
        (0, format!("Cancelled import session {}.\n", second.id)),
        "{}",
        run.all()
    );
    let run = dir
        .run_async(&["sessions", "get", "apsNOSUCHSESSION"])
        .await;
    assert!(
        run.code == 1
            && run.stderr.starts_with(
                "error: reading session apsNOSUCHSESSION: getIdentitySourceSession: 404"
            ),
        "{}",
        run.all()
    );
    assert!(
        run.stderr
            .ends_with("and a session's id if one was given\n"),
        "{}",
        run.all()
    );
    // An identity source Okta does not know: what to check is said.
    dir.write("users.csv", people_csv(1..=2));
    let run = dir
        .run_async(&args(
            &["users", "users.csv", "--source", "0oaWRONG"],
            &FAST,
        ))
        .await;
    assert_eq!(run.code, 1, "{}", run.all());
    assert!(
        run.stderr.contains(
            "; check the identity source's id (--source or OKTA_IDENTITY_SOURCE_ID, 0oa…)"
        ),
        "{}",
        run.all()
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn ctrl_c_cancels_the_session_that_was_not_started_says_so_and_exits_130() {
    signal_an_import_whose_session_is_not_started(Stop::Interrupt).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn sigterm_cancels_the_session_that_was_not_started_says_so_and_exits_143() {
    signal_an_import_whose_session_is_not_started(Stop::Terminate).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn sighup_cancels_the_session_that_was_not_started_says_so_and_exits_129() {
    signal_an_import_whose_session_is_not_started(Stop::Hangup).await;
}

/// Under `nohup` (SIGHUP ignored when the process starts), or as a script's background job
/// (SIGINT ignored), a hang-up or a Ctrl-C changes nothing: the import goes on to its end.
#[cfg(unix)]
#[tokio::test(flavor = "multi_thread")]
async fn sighup_and_sigint_ignored_from_the_start_stay_ignored() {
    let emulator = emulator().await;
    let dir = Workdir::new().against(emulator.base_url(), SOURCE, TOKEN);
    dir.write("users.csv", people_csv(1..=300));
    emulator.inject(Fault::Delay {
        delay: Duration::from_millis(800),
        count: 2,
    });
    let import = dir.command(&args(&["users", "users.csv"], &FAST));
    let mut ignoring = Command::new("/bin/sh");
    ignoring
        .args(["-c", "trap '' HUP INT; exec \"$0\" \"$@\""])
        .arg(import.get_program())
        .args(import.get_args())
        .current_dir(dir.path())
        .env_clear()
        .envs(import.get_envs().filter_map(|(k, v)| Some((k, v?))))
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = ignoring.spawn().unwrap();
    until_while_running(&mut child, "the session was created", || {
        !emulator.sessions(SOURCE).is_empty()
    })
    .await;
    Stop::Hangup.send(&child);
    Stop::Interrupt.send(&child);
    let output = tokio::task::block_in_place(|| wait_within(child, RUN_LIMIT));
    let run = Run::from(output);
    assert_eq!(run.code, 0, "{}", run.all());
    assert!(!run.stderr.contains("SIG"), "{}", run.all());
    assert_eq!(emulator.users(SOURCE).len(), 300);
}

#[tokio::test(flavor = "multi_thread")]
async fn an_import_killed_before_its_report_is_written_leaves_no_empty_report() {
    signal_an_import_whose_session_is_not_started(Stop::Kill).await;
}

/// A signal sent to an import, and what the import says of it.
#[derive(Clone, Copy, PartialEq)]
enum Stop {
    Interrupt,
    Terminate,
    Hangup,
    Kill,
}

impl Stop {
    /// The `kill` flag that sends it.
    fn flag(self) -> &'static str {
        match self {
            Stop::Interrupt => "-INT",
            Stop::Terminate => "-TERM",
            Stop::Hangup => "-HUP",
            Stop::Kill => "-KILL",
        }
    }

    /// Sends it to `child`.
    fn send(self, child: &std::process::Child) {
        let kill = Command::new("kill")
            .args([self.flag(), &child.id().to_string()])
            .status()
            .unwrap();
        assert!(kill.success());
    }

    /// The number of the signal, by which the import it stopped ends, and the notice printed
    /// when it arrived.
    fn outcome(self) -> (i32, &'static str) {
        match self {
            Stop::Interrupt => (
                2,
                "Stopping cleanly after Ctrl-C (SIGINT); a second signal stops at once, without \
                 cleaning up.\n",
            ),
            Stop::Terminate => (
                15,
                "Stopping cleanly after SIGTERM; a second signal stops at once, without cleaning \
                 up.\n",
            ),
            Stop::Hangup => (
                1,
                "Stopping cleanly after SIGHUP; a second signal stops at once, without cleaning \
                 up.\n",
            ),
            Stop::Kill => (9, ""),
        }
    }

    /// Its name, as the report gives it.
    fn name(self) -> String {
        format!("SIG{}", &self.flag()[1..])
    }

    /// What the final error says happened.
    fn said(self) -> &'static str {
        match self {
            Stop::Interrupt => "interrupted by Ctrl-C (SIGINT)",
            Stop::Terminate => "terminated by SIGTERM",
            Stop::Hangup => "hung up (SIGHUP)",
            Stop::Kill => "",
        }
    }
}

/// No session of the emulator is `CREATED` or `IN_PROGRESS`: none was left open.
fn assert_no_open_session(emulator: &Emulator) {
    let open: Vec<_> = emulator
        .sessions(SOURCE)
        .into_iter()
        .filter(|s| s.status.is_open())
        .map(|s| (s.id, s.status))
        .collect();
    assert!(open.is_empty(), "sessions left open: {open:?}");
}

/// Starts `okta-import users` on 300 users with a report, the emulator answering its
/// create at once and holding the `held` requests after it for `delay` each.
fn import_with_requests_held(
    emulator: &Emulator,
    dir: &Workdir,
    delay: Duration,
    held: u32,
) -> std::process::Child {
    dir.write("users.csv", people_csv(1..=300));
    emulator.inject(Fault::Pass { count: 1 });
    emulator.inject(Fault::Delay { delay, count: held });
    dir.spawn(&args(&["users", "users.csv", "--report", "r.json"], &FAST))
}

/// Sends `signal` to an import whose session is not started yet: INT and TERM cancel the
/// session, write the report and exit with 128 + the signal's number; KILL leaves no report
/// file.
async fn signal_an_import_whose_session_is_not_started(signal: Stop) {
    let emulator = emulator().await;
    let dir = Workdir::new().against(emulator.base_url(), SOURCE, TOKEN);
    // The create is answered at once; the two uploads hang, so the session is not started.
    let mut child = import_with_requests_held(&emulator, &dir, Duration::from_secs(3), 2);
    until_while_running(&mut child, "the session was created", || {
        !emulator.sessions(SOURCE).is_empty()
    })
    .await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    signal.send(&child);
    let output = tokio::task::block_in_place(|| wait_within(child, RUN_LIMIT));
    if signal == Stop::Kill {
        assert!(
            !dir.path().join("r.json").exists(),
            "no empty report is left"
        );
        return;
    }
    let run = Run::from(output);
    let session = &emulator.sessions(SOURCE)[0];
    let (number, notice) = signal.outcome();
    // Ended by the signal itself, as a shell script's loop needs to stop on Ctrl-C; the
    // shell says 128 + its number.
    assert_eq!(run.signal, Some(number), "{}", run.all());
    assert_eq!(run.code, 128 + number, "{}", run.all());
    assert!(run.stderr.contains(notice), "{}", run.all());
    let said = format!(
        "error: {}; session {} was not started and has been cancelled\n",
        signal.said(),
        session.id
    );
    assert!(run.stderr.ends_with(&said), "{}", run.all());
    assert_eq!(session.status, SessionStatus::Closed);
    assert_no_open_session(&emulator);
    // The summary says first that the import did not finish.
    assert!(
        run.stdout
            .starts_with("The import did not finish; the error says why.\n\nSESSION "),
        "{}",
        run.all()
    );
    let report: Value =
        serde_json::from_slice(&std::fs::read(dir.path().join("r.json")).unwrap()).unwrap();
    assert_eq!(report["sessions"][0]["id"], session.id.as_str(), "{report}");
    assert_eq!(report["outcome"], "stopped", "{report}");
    assert_eq!(report["signal"], signal.name(), "{report}");
    let sent = report["users_sent"].as_u64().unwrap();
    assert_eq!(
        report["not_sent"]["users"].as_u64(),
        Some(300 - sent),
        "{report}"
    );
    assert!(sent < 300, "{report}");
}

/// A signal while the files are being checked ends the process at once: nothing was sent, so
/// there is nothing to cancel and no report to write.
#[cfg(target_os = "linux")]
#[tokio::test(flavor = "multi_thread")]
async fn ctrl_c_while_the_files_are_checked_stops_at_once_and_sends_nothing() {
    let emulator = emulator().await;
    let dir = Workdir::new().against(emulator.base_url(), SOURCE, TOKEN);
    // Under the 114,688 ids a census keeps exactly, so the check reads the file once.
    let users = dir.write("users.csv", people_csv(1..=100_000));
    let size = std::fs::metadata(&users).unwrap().len();
    let mut child = dir.spawn(&args(&["users", "users.csv", "--report", "r.json"], &FAST));
    // The check's read is under way: the file is open, not halfway read yet.
    while !read_position(&child, &users).is_some_and(|at| at > 0 && at < size / 2) {
        assert!(
            child.try_wait().unwrap().is_none(),
            "the import ended before the signal"
        );
        std::thread::sleep(Duration::from_millis(1));
    }
    // Nothing sent yet, so that was the check's read: had the check ended before this look,
    // the test fails here rather than on what the import says.
    assert!(
        emulator.requests().is_empty(),
        "the check ended before the signal"
    );
    Stop::Interrupt.send(&child);
    let run = ended(child);
    assert_eq!(run.code, 130, "{}", run.all());
    assert_eq!(
        run.stderr,
        "error: interrupted by Ctrl-C (SIGINT) before anything was sent; nothing changed in Okta\n",
        "{}",
        run.all()
    );
    assert!(emulator.requests().is_empty(), "{:?}", emulator.requests());
    assert!(!dir.path().join("r.json").exists(), "no report is written");
}

/// A dry run's report is written into a temporary file beside its name: a signal while it
/// is written stops the command at once and removes that file, and a file grown past
/// `ulimit -f` is a write error, not a kill, so nothing is left under either name.
#[cfg(target_os = "linux")]
#[test]
fn a_report_cut_short_by_a_signal_or_the_file_size_limit_leaves_no_temporary_file() {
    let dir = Workdir::new();
    // Every record invalid and skipped: a large report, listing each.
    let mut csv = String::from("externalId,email\n");
    for n in 0..100_000 {
        csv.push_str(&format!("b{n},not an email\n"));
    }
    dir.write("users.csv", csv);
    let dry_run = [
        "users",
        "users.csv",
        "--dry-run",
        "--on-invalid",
        "skip",
        "--report",
    ];
    let temporary = |dir: &Workdir| {
        std::fs::read_dir(dir.path())
            .unwrap()
            .filter_map(|entry| entry.ok())
            .filter(|entry| entry.file_name().to_string_lossy().ends_with(".tmp"))
            .map(|entry| entry.metadata().map(|data| data.len()).unwrap_or(0))
            .collect::<Vec<_>>()
    };

    let mut child = dir.spawn(&[&dry_run[..], &["r.json"]].concat());
    // The report is being written: its temporary file has grown.
    while !temporary(&dir).iter().any(|len| *len > 0) {
        assert!(
            child.try_wait().unwrap().is_none(),
            "the dry run ended before the signal"
        );
        std::thread::sleep(Duration::from_millis(1));
    }
    Stop::Interrupt.send(&child);
    let run = ended(child);
    assert_eq!(run.code, 130, "{}", run.all());
    assert!(
        run.stderr.contains("error: interrupted by Ctrl-C (SIGINT)"),
        "{}",
        run.all()
    );
    assert_eq!(temporary(&dir), Vec::<u64>::new());
    assert!(!dir.path().join("r.json").exists());

    // At most 64 KiB a file.
    let mut command = dir.command(&[&dry_run[..], &["limited.json"]].concat());
    // SAFETY: `setrlimit` is async-signal-safe, and nothing else runs between fork and exec.
    unsafe {
        use std::os::unix::process::CommandExt;
        command.pre_exec(|| {
            let limit = libc::rlimit {
                rlim_cur: 64 * 1024,
                rlim_max: 64 * 1024,
            };
            match libc::setrlimit(libc::RLIMIT_FSIZE, &limit) {
                0 => Ok(()),
                _ => Err(std::io::Error::last_os_error()),
            }
        });
    }
    let run = Run::from(command.output().unwrap());
    assert_eq!(run.code, 1, "{}", run.all());
    assert!(
        run.stderr
            .contains("error: cannot write the report limited.json: File too large (os error 27)"),
        "{}",
        run.all()
    );
    assert_eq!(temporary(&dir), Vec::<u64>::new());
    assert!(!dir.path().join("limited.json").exists());
}

/// Where `child` is in reading `path`, from `/proc`, if it has the file open.
#[cfg(target_os = "linux")]
fn read_position(child: &std::process::Child, path: &std::path::Path) -> Option<u64> {
    let path = path.canonicalize().ok()?;
    let process = std::path::PathBuf::from(format!("/proc/{}", child.id()));
    std::fs::read_dir(process.join("fd")).ok()?.find_map(|fd| {
        let fd = fd.ok()?;
        if std::fs::read_link(fd.path()).ok()? != path {
            return None;
        }
        let info = std::fs::read_to_string(process.join("fdinfo").join(fd.file_name())).ok()?;
        info.lines()
            .find_map(|line| line.strip_prefix("pos:"))
            .and_then(|at| at.trim().parse().ok())
    })
}

#[tokio::test(flavor = "multi_thread")]
async fn a_second_signal_stops_at_once_while_the_first_is_cancelling_the_session() {
    let emulator = emulator().await;
    let dir = Workdir::new().against(emulator.base_url(), SOURCE, TOKEN);
    // The create is answered at once; the two uploads hang, and so does the cancel.
    let mut child = import_with_requests_held(&emulator, &dir, Duration::from_secs(30), 3);
    // Requests are recorded when answered; the emulator's sessions show them carried out.
    let session_is = |uploads: usize, status: SessionStatus| {
        let sessions = emulator.sessions(SOURCE);
        sessions
            .first()
            .is_some_and(|s| s.upload_requests == uploads && s.status == status)
    };
    until_while_running(&mut child, "both uploads arrived", || {
        session_is(2, SessionStatus::InProgress)
    })
    .await;
    Stop::Interrupt.send(&child);
    // The first stop cancels the session; the answer is late.
    until_while_running(&mut child, "the session was cancelled", || {
        session_is(2, SessionStatus::Closed)
    })
    .await;
    Stop::Terminate.send(&child);
    let run = ended(child);
    assert_eq!(run.code, 143, "the second signal's code: {}", run.all());
    // The session it knows of is named; the cancel's answer never came.
    let id = emulator.sessions(SOURCE)[0].id.clone();
    let said = format!(
        "{}error: terminated by SIGTERM; stopped at once: session {id} of this import may \
         still be open (okta-import sessions cancel {id}), and the report may be missing\n",
        Stop::Interrupt.outcome().1
    );
    assert!(run.stderr.ends_with(&said), "{}", run.all());
    assert_no_open_session(&emulator);
}

#[tokio::test(flavor = "multi_thread")]
async fn ctrl_c_during_a_create_whose_session_cannot_be_looked_up_says_so() {
    let emulator = emulator().await;
    let dir = Workdir::new().against(emulator.base_url(), SOURCE, TOKEN);
    dir.write("users.csv", people_csv(1..=10));
    // The create is carried out but answered late; the look-up is refused (one whose
    // connections are dropped is sent again until the cancel timeout, 10 s, runs out).
    emulator.inject(Fault::Delay {
        delay: Duration::from_secs(5),
        count: 1,
    });
    emulator.inject(Fault::Status {
        status: 403,
        count: 100,
    });
    let mut child = dir.spawn(&args(&["users", "users.csv", "--report", "r.json"], &FAST));
    until_while_running(&mut child, "the session was created", || {
        !emulator.sessions(SOURCE).is_empty()
    })
    .await;
    Stop::Interrupt.send(&child);
    let run = ended(child);
    assert_eq!(run.code, 130, "{}", run.all());
    let said = "error: interrupted by Ctrl-C (SIGINT); a session being created may have been \
                made but was not found to cancel it: okta-import sessions list, then okta-import \
                sessions cancel ID for a CREATED one\n";
    assert!(run.stderr.ends_with(said), "{}", run.all());
    assert!(
        !run.stderr.contains("no session had been opened"),
        "{}",
        run.all()
    );
    let report: Value =
        serde_json::from_slice(&std::fs::read(dir.path().join("r.json")).unwrap()).unwrap();
    assert!(report["lost_create"].is_string(), "{report}");
}

#[tokio::test(flavor = "multi_thread")]
async fn ctrl_c_after_a_start_says_the_import_goes_on_in_okta() {
    let emulator = Emulator::builder()
        .identity_source(SOURCE)
        .api_token(TOKEN)
        .processing_time(Duration::from_secs(60))
        .cool_down(Duration::from_millis(30))
        .start()
        .await
        .unwrap();
    let dir = Workdir::new().against(emulator.base_url(), SOURCE, TOKEN);
    dir.write("users.csv", people_csv(1..=10));
    let mut child = dir.spawn(&args(&["users", "users.csv", "--report", "r.json"], &FAST));
    let started = || {
        let sessions = emulator.sessions(SOURCE);
        sessions
            .first()
            .is_some_and(|s| s.status == SessionStatus::Triggered)
    };
    until_while_running(&mut child, "the import was started", started).await;
    Stop::Interrupt.send(&child);
    let run = ended(child);
    let id = &emulator.sessions(SOURCE)[0].id;
    assert_eq!(run.code, 130, "{}", run.all());
    let said = format!(
        "error: interrupted by Ctrl-C (SIGINT); session {id} was started and its import goes on in Okta: \
         okta-import sessions get {id}\n"
    );
    assert!(run.stderr.ends_with(&said), "{}", run.all());
    assert_no_open_session(&emulator);
    let report: Value =
        serde_json::from_slice(&std::fs::read(dir.path().join("r.json")).unwrap()).unwrap();
    assert_eq!(report["sessions"][0]["status"], "TRIGGERED", "{report}");
    // Its import goes on: nothing is said of what it imported.
    assert!(!run.stdout.contains("imported"), "{}", run.all());
}

#[tokio::test(flavor = "multi_thread")]
async fn quiet_prints_no_progress_only_the_summary_and_errors() {
    let emulator = emulator().await;
    let dir = Workdir::new().against(emulator.base_url(), SOURCE, TOKEN);
    dir.write("users.csv", people_csv(1..=250));
    let run = dir
        .run_async(&args(&["users", "users.csv", "--quiet"], &FAST))
        .await;
    assert_eq!(run.code, 0, "{}", run.all());
    assert_eq!(run.stderr, "", "no progress");
    assert!(
        run.stdout.contains("Every user was imported.")
            && run
                .stdout
                .lines()
                .any(|l| l.starts_with("users sent") && l.ends_with(" 250")),
        "the summary: {}",
        run.stdout
    );
    assert_eq!(emulator.users(SOURCE).len(), 250);

    dir.write(
        "more.csv",
        "externalId,email\ne1,a@example.com\ne2,not an email\n",
    );
    let quiet = ["users", "more.csv", "--on-invalid", "skip", "--quiet"];
    let run = dir.run_async(&args(&quiet, &FAST)).await;
    assert_eq!(run.code, 1, "{}", run.all());
    let stderr: Vec<&str> = run.stderr.lines().collect();
    assert_eq!(stderr.len(), 2, "{}", run.all());
    assert!(
        stderr[0].starts_with("invalid: more.csv:3: "),
        "{}",
        run.all()
    );
    assert_eq!(
        stderr[1],
        "error: not everything was imported: 1 invalid record left out; fix the records said \
         above and run the import again (the users already imported are updated again, which \
         does no harm)"
    );
    assert!(run.stdout.contains("invalid records"), "{}", run.stdout);
    assert!(emulator.users(SOURCE).contains_key("e1"));
}

#[tokio::test(flavor = "multi_thread")]
async fn format_overrides_the_extension() {
    let emulator = emulator().await;
    let dir = Workdir::new().against(emulator.base_url(), SOURCE, TOKEN);
    dir.write("people.txt", people_csv(1..=3));
    let run = dir.run_async(&args(&["users", "people.txt"], &FAST)).await;
    assert_eq!(run.code, 2, "no format from .txt: {}", run.all());
    let run = dir
        .run_async(&args(&["users", "people.txt", "--format", "csv"], &FAST))
        .await;
    assert_eq!(run.code, 0, "{}", run.all());
    let line = |id: &str| format!("{{\"externalId\":\"{id}\",\"profile\":{{\"team\":\"T\"}}}}\n");
    dir.write("more.txt", line("j1"));
    dir.write("odd.csv", line("j2"));
    for file in ["more.txt", "odd.csv"] {
        let run = dir
            .run_async(&args(&["users", file, "--format", "jsonl"], &FAST))
            .await;
        assert_eq!(run.code, 0, "{file}: {}", run.all());
    }
    let directory = emulator.users(SOURCE);
    let ids: Vec<&str> = directory.keys().map(String::as_str).collect();
    assert_eq!(
        ids,
        ["emp-0000001", "emp-0000002", "emp-0000003", "j1", "j2"]
    );
    assert_eq!(directory["j2"].profile.get("team"), Some(&Value::from("T")));
}

#[test]
fn the_demo_imports_the_sample_and_exits_0() {
    let run = Workdir::new().run(&["demo"]);
    assert_eq!(run.code, 0, "{}", run.all());
    assert!(
        run.stdout.contains("Every user was imported."),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout
            .contains("The emulator's directory now holds 300 users (300 active)"),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout.contains("emp-0000001  Mordane Ravensworth"),
        "{}",
        run.stdout
    );
}

/// Stopped while its import runs, the demo says nothing is left behind: its emulator ends
/// with it (it said the import went on "in Okta", and to look at the session later, which
/// would ask a real org).
#[cfg(unix)]
#[test]
fn a_demo_stopped_after_its_start_says_its_emulator_ends_with_it() {
    use std::io::BufRead;
    // The import is processed for 300 ms once started: the signal comes within them, or
    // the demo is run again.
    for _ in 0..5 {
        let dir = Workdir::new();
        let mut child = dir.spawn(&["demo"]);
        let stderr = child.stderr.take().expect("piped");
        let mut lines = std::io::BufReader::new(stderr).lines();
        let mut said = Vec::new();
        for line in lines.by_ref() {
            let line = line.unwrap();
            let started = line.ends_with("import started");
            said.push(line);
            if started {
                Stop::Interrupt.send(&child);
                break;
            }
        }
        said.extend(lines.map(Result::unwrap));
        let run = Run::from(wait_within(child, RUN_LIMIT));
        let said = said.join("\n");
        // Too late: the import completed, before the process ended or after the signal.
        if run.code == 0 || said.contains("no session was left open") {
            continue;
        }
        assert_eq!(run.code, 130, "{said}");
        assert!(
            said.contains("the demo's emulator ends with this command, and its sessions with it"),
            "{said}"
        );
        assert!(!said.contains("okta-import sessions"), "{said}");
        return;
    }
    panic!("the demo's import completed before each of five signals");
}

#[test]
fn the_bundled_sample_is_what_the_generator_makes() {
    let mut sample = Vec::new();
    people::write_csv(&mut sample, 1..=300, 1).unwrap();
    let committed =
        std::fs::read(concat!(env!("CARGO_MANIFEST_DIR"), "/examples/users.csv")).unwrap();
    assert!(
        committed == sample,
        "regenerate: cargo run -p okta-import-cli --example fake_users -- 300 > cli/examples/users.csv"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_wait_to_retry_after_a_rate_limit_is_told_unless_quiet() {
    // A short window: the client waits for its reset, a second or two.
    let emulator = Emulator::builder()
        .identity_source(SOURCE)
        .api_token(TOKEN)
        .rate_limit(600, Duration::from_secs(2))
        .start()
        .await
        .unwrap();
    let dir = Workdir::new().against(emulator.base_url(), SOURCE, TOKEN);
    for quiet in [false, true] {
        emulator.inject(Fault::Status {
            status: 429,
            count: 1,
        });
        let command: &[&str] = match quiet {
            false => &["sessions", "list"],
            true => &["--quiet", "sessions", "list"],
        };
        let run = dir.run_async(command).await;
        assert_eq!(run.code, 0, "{}", run.all());
        let told = run.stderr.lines().any(|line| {
            line.starts_with(
                "listIdentitySourceSessions: Okta answered 429 Too Many Requests; retrying in ",
            ) && line.ends_with('s')
        });
        assert_eq!(told, !quiet, "{}", run.all());
    }
}

#[cfg(unix)]
#[tokio::test(flavor = "multi_thread")]
async fn a_private_key_other_users_can_read_is_warned_of() {
    use std::os::unix::fs::PermissionsExt;
    let (_emulator, dir) = service_app_emulator().await;
    dir.write(
        "key.pem",
        std::fs::read(format!("{KEYS}/ec-private.pem")).unwrap(),
    );
    let key = dir.path().join("key.pem");
    let list = [
        "sessions",
        "list",
        "--client-id",
        "0oaAPP1",
        "--private-key",
        "key.pem",
    ];
    for (mode, warned) in [(0o644, true), (0o600, false)] {
        std::fs::set_permissions(&key, std::fs::Permissions::from_mode(mode)).unwrap();
        let run = dir.run_async(&list).await;
        assert_eq!(run.code, 0, "{}", run.all());
        let warning = format!(
            "warning: other users can read the private key key.pem (mode {mode:o}); `chmod 600` it"
        );
        assert_eq!(run.stderr.contains(&warning), warned, "{}", run.all());
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn an_import_that_ends_in_error_says_that_none_of_its_users_were_imported() {
    let emulator = emulator().await;
    let dir = Workdir::new().against(emulator.base_url(), SOURCE, TOKEN);
    dir.write("users.csv", people_csv(1..=10));
    emulator.inject(Fault::ImportError { count: 1 });
    let run = dir
        .run_async(&args(&["users", "users.csv", "--report", "r.json"], &FAST))
        .await;
    assert_eq!(run.code, 1, "{}", run.all());
    let row = |name: &str| {
        run.stdout
            .lines()
            .find(|l| l.starts_with(name))
            .map(|l| l[name.len()..].trim().to_owned())
    };
    assert_eq!(row("users sent").as_deref(), Some("10"), "{}", run.all());
    assert_eq!(row("users imported").as_deref(), Some("0"), "{}", run.all());
    let id = &emulator.sessions(SOURCE)[0].id;
    assert!(
        run.stderr.contains(&format!(
            "error: not everything was imported: session {id} ended in ERROR with 10 users, \
             none of them imported; run the import again"
        )),
        "{}",
        run.all()
    );
    // None were sent, so none to count as imported.
    assert_eq!(row("deactivations imported"), None, "{}", run.all());
    let report: Value =
        serde_json::from_slice(&std::fs::read(dir.path().join("r.json")).unwrap()).unwrap();
    assert_eq!(report["sessions"][0]["status"], "ERROR", "{report}");
    assert_eq!(report["users_sent"], 10, "{report}");
    assert_eq!(report["users_imported"], 0, "{report}");
    assert!(emulator.users(SOURCE).is_empty());
}

#[test]
fn a_delimiter_reads_the_users_and_the_deactivations_and_is_checked() {
    let dir = Workdir::new();
    dir.write(
        "users.csv",
        b"externalId;email\ne1;a@example.com\ne2;b@example.com\n",
    );
    dir.write("leavers.csv", b"externalId;why\ne3;left\n");
    let files = [
        "users",
        "users.csv",
        "--deactivate",
        "leavers.csv",
        "--dry-run",
    ];
    let run = dir.run(&[&files[..], &["--delimiter", ";"]].concat());
    assert_eq!(run.code, 0, "{}", run.all());
    assert!(
        run.stdout
            .contains("2 users to create or update and 1 to deactivate"),
        "{}",
        run.all()
    );
    let run = dir.run(&files);
    assert_eq!(run.code, 2, "{}", run.all());
    assert!(run.stderr.contains("pass --delimiter ';'"), "{}", run.all());
    // A .tsv file is read with tabs unless told otherwise.
    dir.write("users.tsv", b"externalId\temail\ne1\ta@example.com\n");
    dir.write("leavers.tsv", b"externalId\twhy\ne3\tleft\n");
    let tsv = [
        "users",
        "users.tsv",
        "--deactivate",
        "leavers.tsv",
        "--dry-run",
    ];
    let run = dir.run(&tsv);
    assert_eq!(run.code, 0, "{}", run.all());
    assert!(
        run.stdout
            .contains("1 user to create or update and 1 to deactivate"),
        "{}",
        run.all()
    );
    for wrong in ["\"", "ab", "é"] {
        let run = dir.run(&[&files[..], &["--delimiter", wrong]].concat());
        assert_eq!(run.code, 2, "{}", run.all());
        assert!(run.stderr.contains("--delimiter <CHAR>"), "{}", run.all());
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_proxy_of_the_environment_is_not_used_for_an_org_on_this_machine() {
    let emulator = emulator().await;
    // Nothing listens there: a request sent through it would fail.
    let proxy = "http://127.0.0.1:9";
    let dir = Workdir::new()
        .against(emulator.base_url(), SOURCE, TOKEN)
        .env("HTTP_PROXY", proxy)
        .env("http_proxy", proxy)
        .env("ALL_PROXY", proxy);
    dir.write("users.csv", people_csv(1..=3));
    let run = dir.run_async(&args(&["users", "users.csv"], &FAST)).await;
    assert_eq!(run.code, 0, "{}", run.all());
    assert_eq!(emulator.users(SOURCE).len(), 3);
}

#[tokio::test(flavor = "multi_thread")]
async fn concurrency_bounds_the_uploads_in_flight() {
    let emulator = emulator().await;
    let dir = Workdir::new().against(emulator.base_url(), SOURCE, TOKEN);
    dir.write("users.csv", people_csv(1..=800));
    // The create goes through; the first two uploads are carried out at once and answered
    // a second later.
    emulator.inject(Fault::Pass { count: 1 });
    emulator.inject(Fault::Delay {
        delay: Duration::from_secs(1),
        count: 2,
    });
    let import = ["users", "users.csv", "--concurrency", "2"];
    let mut child = dir.spawn(&args(&import, &FAST));
    let uploads = || {
        emulator
            .sessions(SOURCE)
            .first()
            .map_or(0, |session| session.upload_requests)
    };
    until_while_running(&mut child, "two uploads arrived", || uploads() >= 2).await;
    // A third, past the concurrency, would be sent at once and not held.
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert_eq!(uploads(), 2);
    let run = ended(child);
    assert_eq!(run.code, 0, "{}", run.all());
    assert_eq!(emulator.users(SOURCE).len(), 800);
}

/// GNU `timeout` sends its signal to the process and then to its process group: the same
/// signal twice at once is one stop, which cancels the session as one signal does.
#[cfg(target_os = "linux")]
#[tokio::test(flavor = "multi_thread")]
async fn the_same_signal_to_the_process_and_its_group_at_once_is_one_stop() {
    use std::os::unix::process::CommandExt;
    let emulator = emulator().await;
    let dir = Workdir::new().against(emulator.base_url(), SOURCE, TOKEN);
    dir.write("users.csv", people_csv(1..=300));
    emulator.inject(Fault::Pass { count: 1 });
    emulator.inject(Fault::Delay {
        delay: Duration::from_secs(3),
        count: 2,
    });
    let mut child = dir
        .command(&args(&["users", "users.csv"], &FAST))
        .process_group(0)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    until_while_running(&mut child, "the uploads were sent", || {
        emulator
            .sessions(SOURCE)
            .first()
            .is_some_and(|session| session.upload_requests == 2)
    })
    .await;
    let pid = i32::try_from(child.id()).unwrap();
    // SAFETY: `kill` with the child's id, and with the id of the group it leads.
    let sent = unsafe {
        (
            libc::kill(pid, libc::SIGINT),
            libc::kill(-pid, libc::SIGINT),
        )
    };
    assert_eq!(sent, (0, 0));
    let run = ended(child);
    assert_eq!(run.code, 130, "{}", run.all());
    let id = &emulator.sessions(SOURCE)[0].id;
    assert!(
        run.stderr.ends_with(&format!(
            "session {id} was not started and has been cancelled\n"
        )),
        "{}",
        run.all()
    );
    assert_no_open_session(&emulator);
}

#[tokio::test(flavor = "multi_thread")]
async fn org_and_source_flags_win_over_the_environment() {
    let emulator = emulator().await;
    // The environment names an org nothing answers at and an unknown source.
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let nowhere = format!("http://{}", closed.local_addr().unwrap());
    drop(closed);
    let dir = Workdir::new().against(&nowhere, "0oaUNKNOWN", TOKEN);
    dir.write("users.csv", people_csv(1..=3));
    let flags = ["--org", emulator.base_url(), "--source", SOURCE];
    let run = dir
        .run_async(&args(
            &[&["users", "users.csv"][..], &flags].concat(),
            &FAST,
        ))
        .await;
    assert_eq!(run.code, 0, "{}", run.all());
    assert_eq!(emulator.users(SOURCE).len(), 3);
    // An id with spaces or a CR around it (a line of a `.env` file) is taken without them.
    let dir = Workdir::new().against(emulator.base_url(), &format!(" {SOURCE}\r"), TOKEN);
    let run = dir.run_async(&["sessions", "list"]).await;
    assert_eq!(run.code, 0, "{}", run.all());
}

#[tokio::test(flavor = "multi_thread")]
async fn v_logs_each_request_and_vv_the_http_stack_too() {
    let emulator = emulator().await;
    let dir = Workdir::new().against(emulator.base_url(), SOURCE, TOKEN);
    dir.write("users.csv", people_csv(1..=3));
    let mut logs = Vec::new();
    for verbosity in [None, Some("-v"), Some("-vv")] {
        let import = [&["users", "users.csv"][..], verbosity.as_slice()].concat();
        let run = dir.run_async(&args(&import, &FAST)).await;
        assert_eq!(run.code, 0, "{}", run.all());
        assert!(!run.all().contains(TOKEN), "{}", run.all());
        let lines = |from: &str| {
            run.stderr
                .lines()
                .filter(|l| l.contains(" DEBUG ") && l.contains(from))
                .count()
        };
        logs.push((lines(" api_client_runtime::"), lines(" hyper_util::")));
    }
    let [quiet, v, vv] = logs[..] else {
        unreachable!("three runs")
    };
    // Without -v no log line; with -v a line a request at least (4 requests) and none of the
    // HTTP stack's; with -vv the HTTP stack's too (its connection, at least).
    assert_eq!(quiet, (0, 0));
    assert!(v.0 >= 4 && v.1 == 0, "-v: {v:?}");
    assert!(vv.0 >= 4 && vv.1 > 0, "-vv: {vv:?}");
}

#[test]
fn csv_flags_given_for_a_json_lines_file_are_refused() {
    let dir = Workdir::new();
    dir.write("users.jsonl", b"{\"externalId\":\"e1\",\"profile\":{}}\n");
    dir.write("map.csv", b"column,attribute\nid,externalId\n");
    for (flags, named) in [
        (&["--map", "map.csv"][..], "--map"),
        (&["--empty-as-null"][..], "--empty-as-null"),
        (&["--delimiter", ";"][..], "--delimiter"),
    ] {
        let run = dir.run(&[&["users", "users.jsonl", "--dry-run"][..], flags].concat());
        assert_eq!(run.code, 2, "{}", run.all());
        assert!(
            run.stderr.starts_with(&format!(
                "error: {named} applies to a CSV users file, and users.jsonl is JSON Lines"
            )),
            "{}",
            run.all()
        );
    }
    // The delimiter of a CSV deactivation file beside it is taken.
    dir.write("leavers.csv", b"externalId;why\ne2;left\n");
    let beside = [
        "users",
        "users.jsonl",
        "--deactivate",
        "leavers.csv",
        "--delimiter",
        ";",
        "--dry-run",
    ];
    let run = dir.run(&beside);
    assert_eq!(run.code, 0, "{}", run.all());
}
