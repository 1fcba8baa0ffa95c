//! `cargo xtask spec` and `cargo xtask diff` as a user runs them, on Okta's official
//! documents (from `$OKTA_OFFICIAL_SPEC_DIR`, default `../shared/okta`; each test that needs
//! them says it skips when they are not there).

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn xtask(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_xtask"))
        .args(args)
        .output()
        .expect("xtask runs")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// Okta's official document of `release`, or `None` (after saying the test skips).
fn official(release: &str) -> Option<PathBuf> {
    let dir = std::env::var_os("OKTA_OFFICIAL_SPEC_DIR")
        .map_or_else(|| workspace().join("../shared/okta"), PathBuf::from);
    let path = dir.join(format!("management-minimal.{release}.yaml"));
    if path.is_file() {
        Some(path)
    } else {
        println!(
            "skipped: Okta's official document {} is not there (set OKTA_OFFICIAL_SPEC_DIR)",
            path.display()
        );
        None
    }
}

fn overlay() -> PathBuf {
    workspace().join("spec/identity-source.overlay.yaml")
}

fn arg(path: &Path) -> &str {
    path.to_str().expect("utf-8 path")
}

#[test]
fn spec_check_passes_on_the_committed_spec() {
    let Some(from) = official("2026.06.3") else {
        return;
    };
    let result = xtask(&["spec", "--check", "--from", arg(&from)]);
    assert!(result.status.success(), "{}", text(&result.stderr));
    assert!(text(&result.stdout).contains("spec/identity-source.yaml is up to date"));
}

#[test]
fn spec_check_fails_naming_the_line_an_edited_overlay_changes() {
    let Some(from) = official("2026.06.3") else {
        return;
    };
    let dir = tempfile::tempdir().expect("temp dir");
    let edited = dir.path().join("identity-source.overlay.yaml");
    let original = fs::read_to_string(overlay()).expect("overlay readable");
    let changed = original.replace(
        "description: The kind of import; always `INCREMENTAL`.",
        "description: The kind of import, always incremental.",
    );
    assert_ne!(changed, original, "the edit applies");
    fs::write(&edited, changed).expect("written");
    let result = xtask(&[
        "spec",
        "--check",
        "--from",
        arg(&from),
        "--overlay",
        arg(&edited),
    ]);
    assert_eq!(result.status.code(), Some(1));
    let stderr = text(&result.stderr);
    assert!(
        stderr.contains("spec/identity-source.yaml is not what"),
        "{stderr}"
    );
    assert!(
        stderr.contains(
            "committed:           description: The kind of import; always `INCREMENTAL`."
        ),
        "{stderr}"
    );
    assert!(
        stderr
            .contains("derived:             description: The kind of import, always incremental."),
        "{stderr}"
    );
}

#[test]
fn spec_check_fails_naming_the_line_an_edited_official_document_changes() {
    let Some(from) = official("2026.06.3") else {
        return;
    };
    let dir = tempfile::tempdir().expect("temp dir");
    let edited = dir.path().join("management-minimal.2026.06.3.yaml");
    let original = fs::read_to_string(&from).expect("official readable");
    let changed = original.replace("timed-out after 24 hours", "timed-out after 12 hours");
    assert_ne!(changed, original, "the edit applies");
    fs::write(&edited, changed).expect("written");
    let result = xtask(&["spec", "--check", "--from", arg(&edited)]);
    assert_eq!(result.status.code(), Some(1));
    let stderr = text(&result.stderr);
    assert!(stderr.contains("first difference at line"), "{stderr}");
    assert!(stderr.contains("timed-out after 12 hours"), "{stderr}");
}

/// The spec `release` and the overlay give, written to a temporary file, as YAML.
fn derived(release: &str, dir: &Path) -> Option<serde_yaml::Value> {
    let from = official(release)?;
    let out = dir.join(format!("{release}.yaml"));
    let result = xtask(&["spec", "--from", arg(&from), "--spec", arg(&out)]);
    assert!(
        result.status.success(),
        "{release}: {}",
        text(&result.stderr)
    );
    Some(serde_yaml::from_str(&fs::read_to_string(&out).expect("written")).expect("YAML"))
}

#[test]
fn both_official_releases_give_the_seven_operations_with_our_corrections() {
    let dir = tempfile::tempdir().expect("temp dir");
    for release in ["2025.08.0", "2026.06.3"] {
        let Some(spec) = derived(release, dir.path()) else {
            return;
        };
        let operations: Vec<&serde_yaml::Value> = spec["paths"]
            .as_mapping()
            .expect("paths")
            .values()
            .flat_map(|item| item.as_mapping().expect("path item").values())
            .filter(|operation| operation.get("operationId").is_some())
            .collect();
        assert_eq!(operations.len(), 7, "{release}");
        for operation in &operations {
            let responses = &operation["responses"];
            for status in ["400", "401", "403", "404", "429"] {
                assert!(
                    responses.get(status).is_some(),
                    "{release}: {status} on {:?}",
                    operation["operationId"]
                );
            }
            let id = operation["operationId"].as_str().expect("id");
            // No operation is marked safe to send twice: the uploads are not (the same users
            // twice in one session make Okta's data inaccurate).
            assert!(operation.get("x-idempotent").is_none(), "{release}: {id}");
            if id == "createIdentitySourceSession" {
                assert!(
                    responses.get("201").is_some() && responses.get("200").is_none(),
                    "{release}"
                );
            }
        }
        let schemas = &spec["components"]["schemas"];
        let session = &schemas["IdentitySourceSession"];
        assert_eq!(
            session["required"],
            serde_yaml::to_value(["id", "status"]).expect("list"),
            "{release}"
        );
        let profile = &schemas["IdentitySourceUserProfileForUpsert"];
        assert_eq!(
            profile["additionalProperties"]["type"], "string",
            "{release}"
        );
        let profiles = &schemas["BulkUpsertRequestBody"]["properties"]["profiles"];
        assert_eq!(
            (profiles["minItems"].as_u64(), profiles["maxItems"].as_u64()),
            (Some(1), Some(200))
        );
        let scopes = &spec["components"]["securitySchemes"]["oauth2"]["flows"]["clientCredentials"]
            ["scopes"];
        assert_eq!(
            scopes.as_mapping().map(serde_yaml::Mapping::len),
            Some(2),
            "{release}"
        );
    }
}

#[test]
fn an_overlay_action_whose_target_is_missing_is_an_error_naming_it_and_nothing_is_written() {
    let Some(from) = official("2026.06.3") else {
        return;
    };
    let dir = tempfile::tempdir().expect("temp dir");
    let edited = dir.path().join("overlay.yaml");
    let mut overlay = fs::read_to_string(overlay()).expect("overlay readable");
    overlay.push_str(
        "  - target: $.components.schemas.IdentitySourceSessionList\n    description: Sessions come as a list\n    update: {type: array}\n",
    );
    fs::write(&edited, overlay).expect("written");
    let out = dir.path().join("spec.yaml");
    fs::write(&out, "kept\n").expect("written");
    let result = xtask(&[
        "spec",
        "--from",
        arg(&from),
        "--overlay",
        arg(&edited),
        "--spec",
        arg(&out),
    ]);
    assert_eq!(result.status.code(), Some(2));
    let stderr = text(&result.stderr);
    assert!(
        stderr.contains("the action `Sessions come as a list` (target `$.components.schemas.IdentitySourceSessionList`) matches nothing"),
        "{stderr}"
    );
    assert!(stderr.contains("at #/actions/"), "{stderr}");
    assert_eq!(fs::read_to_string(&out).expect("readable"), "kept\n");
}

#[test]
fn an_operation_missing_from_the_official_document_is_named() {
    let Some(from) = official("2026.06.3") else {
        return;
    };
    let dir = tempfile::tempdir().expect("temp dir");
    let edited = dir.path().join("official.yaml");
    let original = fs::read_to_string(&from).expect("official readable");
    fs::write(
        &edited,
        original.replace(
            "operationId: startImportFromIdentitySource",
            "operationId: startImport",
        ),
    )
    .expect("written");
    let result = xtask(&["spec", "--check", "--from", arg(&edited)]);
    assert_eq!(result.status.code(), Some(2));
    let stderr = text(&result.stderr);
    assert!(
        stderr.contains("no operation has the operationId startImportFromIdentitySource"),
        "{stderr}"
    );
}

#[test]
fn codegen_reports_what_changes_for_users_against_the_surface_it_recorded() {
    let dir = tempfile::tempdir().expect("temp dir");
    let out = dir.path().join("crate");
    let fixtures = workspace().join("tests/fixtures/surface");
    let run = |spec: &str, extra: &[&str]| {
        let spec = fixtures.join(spec);
        let mut args = vec!["codegen", "--spec", arg(&spec), "--out", arg(&out)];
        args.extend_from_slice(extra);
        xtask(&args)
    };
    let first = run("base.yaml", &[]);
    assert!(first.status.success(), "{}", text(&first.stderr));
    assert!(text(&first.stdout).contains("No API surface recorded"));
    let second = run("field-made-required.yaml", &["--markdown"]);
    assert!(second.status.success(), "{}", text(&second.stderr));
    let stdout = text(&second.stdout);
    assert!(
        stdout.contains("#### Breaking\n\n- field `name` of `Pet` is now required"),
        "{stdout}"
    );
    assert!(stdout.contains("a major version bump"), "{stdout}");
    let third = run("field-made-required.yaml", &[]);
    assert!(text(&third.stdout).contains("The API surface is unchanged"));
}

#[test]
fn diff_compares_any_two_documents() {
    let fixtures = workspace().join("tests/fixtures/surface");
    let result = xtask(&[
        "diff",
        arg(&fixtures.join("base.yaml")),
        arg(&fixtures.join("enum-value-removed.yaml")),
    ]);
    assert!(result.status.success(), "{}", text(&result.stderr));
    assert_eq!(
        text(&result.stdout),
        "API surface: 1 breaking and 0 additive changes: a major version bump (0.x: minor).\nBreaking:\n  - enum `PetStatus` lost the value `sold`\n"
    );
    let missing = xtask(&["diff", "/no/such.yaml", arg(&fixtures.join("base.yaml"))]);
    assert_eq!(missing.status.code(), Some(2));
    assert!(text(&missing.stderr).contains("cannot read /no/such.yaml"));
}

/// `--fail-on-breaking` exits with 1 when a change is breaking, the report printed all the
/// same, and with 0 when the changes are additive or there are none.
#[test]
fn diff_fails_on_a_breaking_change_when_asked() {
    let fixtures = workspace().join("tests/fixtures/surface");
    let fixture = |name: &str| fixtures.join(name);
    let diff = |old: &str, new: &str| {
        let (old, new) = (fixture(old), fixture(new));
        xtask(&["diff", arg(&old), arg(&new), "--fail-on-breaking"])
    };
    let breaking = diff("base.yaml", "enum-value-removed.yaml");
    assert_eq!(
        breaking.status.code(),
        Some(1),
        "{}",
        text(&breaking.stderr)
    );
    assert!(
        text(&breaking.stdout).contains("Breaking:\n  - enum `PetStatus` lost the value `sold`")
    );
    for (old, new) in [
        ("base.yaml", "base.yaml"),
        ("base.yaml", "operation-added.yaml"),
    ] {
        let run = diff(old, new);
        assert_eq!(
            run.status.code(),
            Some(0),
            "{old} -> {new}: {}",
            text(&run.stdout)
        );
    }
}
