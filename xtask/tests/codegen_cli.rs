//! `cargo xtask codegen` as a user runs it: exit codes, messages, and what it leaves on disk.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn spec() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../spec/identity-source.yaml")
}

fn codegen(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_xtask"))
        .arg("codegen")
        .args(args)
        .output()
        .expect("xtask runs")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// Every file under `dir` with its contents, in path order.
fn tree(dir: &Path) -> Vec<(PathBuf, Vec<u8>)> {
    let mut files = Vec::new();
    let mut pending = vec![dir.to_owned()];
    while let Some(dir) = pending.pop() {
        for entry in fs::read_dir(&dir).expect("readable") {
            let path = entry.expect("entry").path();
            if path.is_dir() {
                pending.push(path);
            } else {
                let contents = fs::read(&path).expect("readable");
                files.push((path, contents));
            }
        }
    }
    files.sort();
    files
}

#[test]
fn a_missing_spec_fails_with_one_paragraph_and_writes_nothing() {
    let dir = tempfile::tempdir().expect("temp dir");
    let out = dir.path().join("out");
    let result = codegen(&[
        "--spec",
        "/no/such/spec.yaml",
        "--out",
        out.to_str().expect("utf-8"),
    ]);
    assert_eq!(result.status.code(), Some(2));
    let stderr = text(&result.stderr);
    assert_eq!(stderr.trim().lines().count(), 1, "one paragraph: {stderr}");
    assert!(
        stderr.contains("cannot read the spec /no/such/spec.yaml"),
        "{stderr}"
    );
    assert!(stderr.contains("Nothing was written."), "{stderr}");
    assert!(!out.exists());
}

#[test]
fn a_broken_spec_fails_with_a_location_and_leaves_the_output_untouched() {
    let dir = tempfile::tempdir().expect("temp dir");
    let out = dir.path().join("out");
    let out_arg = out.to_str().expect("utf-8");
    assert!(
        codegen(&["--spec", spec().to_str().expect("utf-8"), "--out", out_arg])
            .status
            .success()
    );
    let before = tree(&out);

    let broken = dir.path().join("broken.yaml");
    let good = fs::read_to_string(spec()).expect("spec");
    fs::write(
        &broken,
        good.replace(
            "$ref: '#/components/schemas/IdentitySourceSessionStatus'",
            "$ref: '#/components/schemas/Nope'",
        ),
    )
    .expect("write");
    let result = codegen(&["--spec", broken.to_str().expect("utf-8"), "--out", out_arg]);
    assert_eq!(result.status.code(), Some(2));
    let stderr = text(&result.stderr);
    assert!(
        stderr.contains("at #/components/schemas/IdentitySourceSession/properties/status"),
        "{stderr}"
    );
    assert!(stderr.contains("points at nothing"), "{stderr}");
    assert_eq!(tree(&out), before, "the output is untouched");
}

#[test]
fn a_spec_with_several_problems_has_each_told_on_a_line() {
    let dir = tempfile::tempdir().expect("temp dir");
    let broken = dir.path().join("broken.yaml");
    let cookie = |path: &str| {
        format!(
            "  /{path}:\n    get:\n      operationId: get{path}\n      parameters: [{{name: c, in: cookie, required: true, schema: {{type: string}}}}]\n      responses: {{'204': {{description: ok}}}}\n"
        )
    };
    let document = format!(
        "openapi: 3.0.3\ninfo: {{title: t, version: '1'}}\npaths:\n{}{}",
        cookie("a"),
        cookie("b")
    );
    fs::write(&broken, document).expect("write");
    let out = dir.path().join("out");
    let result = codegen(&[
        "--spec",
        broken.to_str().expect("utf-8"),
        "--out",
        out.to_str().expect("utf-8"),
    ]);
    assert_eq!(result.status.code(), Some(2));
    let stderr = text(&result.stderr);
    let lines: Vec<&str> = stderr.trim().lines().collect();
    let shown = broken.display();
    assert_eq!(
        lines,
        [
            format!("error: {shown}: at #/paths/~1a/get/parameters/0: cookie parameters are not supported yet"),
            format!("error: {shown}: at #/paths/~1b/get/parameters/0: cookie parameters are not supported yet"),
            "2 problems: nothing was written (--skip-unsupported generates the rest without what they name).".to_owned(),
        ],
        "{stderr}"
    );
    assert!(!out.exists());
    // One problem that skipping leaves out is told with the way round it too; one of a
    // document that can't be read, without.
    let one = format!(
        "openapi: 3.0.3\ninfo: {{title: t, version: '1'}}\npaths:\n{}",
        cookie("a")
    );
    for (document, said) in [
        (
            one,
            "at #/paths/~1a/get/parameters/0: cookie parameters are not supported yet. Nothing was written (--skip-unsupported generates the rest without what it names).",
        ),
        ("openapi: [".to_owned(), ". Nothing was written."),
    ] {
        fs::write(&broken, document).expect("write");
        let result = codegen(&[
            "--spec",
            broken.to_str().expect("utf-8"),
            "--out",
            out.to_str().expect("utf-8"),
        ]);
        let stderr = text(&result.stderr);
        assert_eq!(stderr.trim().lines().count(), 1, "{stderr}");
        assert!(stderr.trim_end().ends_with(said), "{stderr}");
    }
}

#[test]
fn check_names_the_stale_file_after_a_description_changes_and_codegen_fixes_it() {
    let dir = tempfile::tempdir().expect("temp dir");
    let spec_copy = dir.path().join("spec.yaml");
    fs::copy(spec(), &spec_copy).expect("copy");
    let out = dir.path().join("out");
    let args = [
        "--spec",
        spec_copy.to_str().expect("utf-8"),
        "--out",
        out.to_str().expect("utf-8"),
    ];
    let first = codegen(&args);
    assert!(first.status.success(), "{}", text(&first.stderr));
    assert!(
        text(&first.stdout).contains("created"),
        "{}",
        text(&first.stdout)
    );
    let check: Vec<&str> = args.iter().copied().chain(["--check"]).collect();
    assert!(codegen(&check).status.success());

    let edited = fs::read_to_string(&spec_copy)
        .expect("read")
        .replace("Read an import session", "Fetch an import session");
    fs::write(&spec_copy, edited).expect("write");
    let stale = codegen(&check);
    assert_eq!(stale.status.code(), Some(1));
    let stderr = text(&stale.stderr);
    assert!(
        stderr.contains("src/apis/identity_source.rs is stale"),
        "{stderr}"
    );
    assert!(
        !stderr.contains("models.rs"),
        "only the changed file is named: {stderr}"
    );
    // The command that regenerates it is this one's, without `--check`.
    let again = format!(
        "Run `cargo xtask codegen {}` to regenerate it.",
        args.join(" ")
    );
    assert!(stderr.contains(&again), "{stderr}");

    let fix = codegen(&args);
    assert!(
        text(&fix.stdout).contains("updated"),
        "{}",
        text(&fix.stdout)
    );
    assert!(codegen(&check).status.success());
}

#[test]
fn stale_generated_files_are_removed_and_other_files_kept() {
    let dir = tempfile::tempdir().expect("temp dir");
    let out = dir.path().join("out");
    let spec = spec();
    let args = [
        "--spec",
        spec.to_str().expect("utf-8"),
        "--out",
        out.to_str().expect("utf-8"),
    ];
    assert!(codegen(&args).status.success());
    // A file an earlier run wrote, as its list says.
    let old = out.join("src/apis/old_tag.rs");
    fs::write(
        &old,
        "// Generated by `cargo xtask codegen` from spec/old.yaml. Do not edit.\n",
    )
    .expect("write");
    list_as_written(&out, "src/apis/old_tag.rs");
    let notes = out.join("NOTES.md");
    fs::write(&notes, "mine\n").expect("write");

    let check: Vec<&str> = args.iter().copied().chain(["--check"]).collect();
    let stale = codegen(&check);
    assert_eq!(stale.status.code(), Some(1));
    assert!(text(&stale.stderr).contains("src/apis/old_tag.rs is stale (would be removed)"));

    let result = codegen(&args);
    assert!(
        text(&result.stdout).contains("removed"),
        "{}",
        text(&result.stdout)
    );
    assert!(!old.exists());
    assert!(notes.exists());
}

#[test]
fn help_explains_every_flag() {
    let help = text(&codegen(&["--help"]).stdout);
    for flag in [
        "--check",
        "--spec <FILE>",
        "--tag <TAG>",
        "--out <DIR>",
        "--skip-unsupported",
        "--crate-name <NAME>",
        "--crate-version <VERSION>",
        "--description <TEXT>",
    ] {
        assert!(help.contains(flag), "{flag} in:\n{help}");
    }
}

/// The `[package]` and `[lib]` sections of a manifest: everything before `[features]` or
/// `[dependencies]`.
fn identity_sections(manifest: &str) -> String {
    manifest
        .lines()
        .skip(1)
        .take_while(|line| *line != "[features]" && *line != "[dependencies]")
        .collect::<Vec<_>>()
        .join("\n")
}

#[test]
fn the_okta_crate_keeps_its_identity_wherever_it_is_generated() {
    let dir = tempfile::tempdir().expect("temp dir");
    let out = dir.path().join("out");
    let run = codegen_into(out.to_str().expect("utf-8"), &[], dir.path());
    assert!(run.status.success(), "{}", text(&run.stderr));
    let manifest = fs::read_to_string(out.join("Cargo.toml")).expect("a manifest");
    let committed =
        fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("../generated/Cargo.toml"))
            .expect("the committed manifest");
    assert_eq!(identity_sections(&manifest), identity_sections(&committed));
    for line in [
        "name = \"okta-identity-source\"",
        "version = \"0.1.0\"",
        "description = \"Typed async client for Okta's Identity Source API (import sessions of a Custom Identity Source).\"",
        "keywords = [\"okta\", \"identity\", \"api-client\", \"scim\", \"hr\"]",
        "name = \"okta_identity_source\"",
    ] {
        assert!(
            manifest.lines().any(|l| l == line),
            "{line} in:\n{manifest}"
        );
    }
    // Outside the workspace, the runtime is found by its absolute path.
    let runtime = fs::canonicalize(Path::new(env!("CARGO_MANIFEST_DIR")).join("../runtime"))
        .expect("the runtime");
    assert!(
        manifest.contains(&format!("path = {:?}", runtime.display().to_string())),
        "{manifest}"
    );
}

#[test]
fn another_document_gets_the_identity_it_is_given_or_its_own() {
    let dir = tempfile::tempdir().expect("temp dir");
    let spec = dir.path().join("pets.yaml");
    fs::write(
        &spec,
        "openapi: 3.0.3\ninfo: {title: Pet Store, version: '2024-01', license: {name: MIT}}\npaths:\n  /pets:\n    get:\n      operationId: listPets\n      responses: {'204': {description: ok}}\n",
    )
    .expect("write the spec");
    let generate = |out: &str, extra: &[&str]| {
        let run = Command::new(env!("CARGO_BIN_EXE_xtask"))
            .arg("codegen")
            .args(["--spec", spec.to_str().expect("utf-8"), "--out", out])
            .args(extra)
            .output()
            .expect("xtask runs");
        assert!(run.status.success(), "{}", text(&run.stderr));
        fs::read_to_string(Path::new(out).join("Cargo.toml")).expect("a manifest")
    };
    let own = generate(dir.path().join("own").to_str().expect("utf-8"), &[]);
    assert_eq!(
        identity_sections(&own),
        "\n[package]\nname = \"pet-store\"\nversion = \"0.1.0\"\ndescription = \"Typed async client for Pet Store.\"\nedition = \"2021\"\nrust-version = \"1.88\"\nlicense = \"MIT\"\ncategories = [\"api-bindings\", \"web-programming::http-client\"]\npublish = false\n\n[lib]\nname = \"pet_store\"\n"
    );
    let given = generate(
        dir.path().join("given").to_str().expect("utf-8"),
        &[
            "--crate-name",
            "pets-client",
            "--crate-version",
            "2.1.0",
            "--description",
            "Pets, \"typed\".",
        ],
    );
    assert!(
        given.contains(
            "name = \"pets-client\"\nversion = \"2.1.0\"\ndescription = \"Pets, \\\"typed\\\".\""
        ),
        "{given}"
    );
    assert!(given.contains("[lib]\nname = \"pets_client\""), "{given}");
    // Nothing names a date, a JSON value or OAuth 2.0 scopes: no chrono, no serde_json, no
    // service-app feature.
    assert!(
        !given.contains("chrono") && !given.contains("serde_json") && !given.contains("[features]"),
        "{given}"
    );

    let refused = Command::new(env!("CARGO_BIN_EXE_xtask"))
        .arg("codegen")
        .args(["--spec", spec.to_str().expect("utf-8"), "--out"])
        .arg(dir.path().join("refused"))
        .args(["--crate-name", "pets client"])
        .output()
        .expect("xtask runs");
    assert_eq!(refused.status.code(), Some(2));
    assert!(
        text(&refused.stderr).contains("the crate name `pets client` is not a package name"),
        "{}",
        text(&refused.stderr)
    );
    assert!(!dir.path().join("refused").exists());
}

#[test]
fn skip_unsupported_warns_and_generates_the_rest() {
    let dir = tempfile::tempdir().expect("temp dir");
    let spec = dir.path().join("api.yaml");
    fs::write(
        &spec,
        "openapi: 3.0.3\ninfo: {title: t, version: '1'}\npaths:\n  /a:\n    get:\n      operationId: kept\n      responses: {'204': {description: ok}}\n  /b:\n    get:\n      operationId: skipped\n      parameters: [{name: c, in: cookie, required: true, schema: {type: string}}]\n      responses: {'204': {description: ok}}\n",
    )
    .expect("write the spec");
    let out = dir.path().join("out");
    let args = |skip: bool| {
        let mut args = vec![
            "--spec",
            spec.to_str().expect("utf-8"),
            "--out",
            out.to_str().expect("utf-8"),
        ];
        if skip {
            args.push("--skip-unsupported");
        }
        codegen(&args)
    };
    let strict = args(false);
    assert_eq!(strict.status.code(), Some(2));
    assert!(text(&strict.stderr).contains("cookie parameters are not supported yet"));
    assert!(!out.exists());

    let skipping = args(true);
    assert_eq!(
        skipping.status.code(),
        Some(0),
        "{}",
        text(&skipping.stderr)
    );
    let stderr = text(&skipping.stderr);
    assert!(
        stderr.contains("warning: ") && stderr.contains("at #/paths/~1b/get/parameters/0: cookie parameters are not supported yet; the operation `get /b` is skipped"),
        "{stderr}"
    );
    assert!(stderr.contains("1 warning: "), "{stderr}");
    let api = fs::read_to_string(out.join("src/apis/default.rs")).expect("generated");
    assert!(api.contains("pub fn kept("));
    assert!(!api.contains("pub fn skipped("));
}

/// Runs codegen from `spec()` into `out`, with `extra` arguments, in `cwd`.
fn codegen_into(out: &str, extra: &[&str], cwd: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_xtask"))
        .arg("codegen")
        .args(["--spec", spec().to_str().expect("utf-8"), "--out", out])
        .args(extra)
        .current_dir(cwd)
        .output()
        .expect("xtask runs")
}

/// Adds `path` to the list of files a run wrote in `out`, as if the last run had.
fn list_as_written(out: &Path, path: &str) {
    let list = out.join(generator::write::FILE_LIST);
    let mut text = fs::read_to_string(&list).expect("a list");
    text.push_str(path);
    text.push('\n');
    fs::write(list, text).expect("write");
}

/// Writes `files` (path, contents) under `dir`.
fn plant(dir: &Path, files: &[(&str, &str)]) {
    for (path, contents) in files {
        let path = dir.join(path);
        fs::create_dir_all(path.parent().expect("a parent")).expect("mkdir");
        fs::write(path, contents).expect("write");
    }
}

#[test]
fn a_directory_holding_a_users_crate_is_refused_and_left_untouched() {
    let dir = tempfile::tempdir().expect("temp dir");
    plant(
        dir.path(),
        &[
            ("Cargo.toml", "[package]\nname = \"mine\"\n"),
            ("rustfmt.toml", "max_width = 80\n"),
            ("src/lib.rs", "pub mod models;\n"),
            ("src/models.rs", "pub struct Mine;\n"),
        ],
    );
    let before = tree(dir.path());
    for extra in [&[][..], &["--check"]] {
        let result = codegen_into(dir.path().to_str().expect("utf-8"), extra, dir.path());
        assert_eq!(result.status.code(), Some(2), "{extra:?}");
        let stderr = text(&result.stderr);
        assert!(
            stderr.contains("is not empty and is not a crate made by `cargo xtask codegen`"),
            "{stderr}"
        );
        assert_eq!(tree(dir.path()), before, "nothing was written");
    }
}

#[test]
fn a_file_the_generator_did_not_write_is_never_overwritten() {
    let dir = tempfile::tempdir().expect("temp dir");
    let out = dir.path().join("out");
    let out_arg = out.to_str().expect("utf-8");
    assert!(codegen_into(out_arg, &[], dir.path()).status.success());
    // The user replaced a generated file with their own, and another went stale.
    fs::write(out.join("src/models.rs"), "pub struct Mine;\n").expect("write");
    fs::write(
        out.join("src/lib.rs"),
        "// Generated by `cargo xtask codegen` from spec/old.yaml. Do not edit.\n\n// stale\n",
    )
    .expect("write");
    let lib = fs::read(out.join("src/lib.rs")).expect("read");
    let result = codegen_into(out_arg, &[], dir.path());
    assert_eq!(result.status.code(), Some(2));
    let stderr = text(&result.stderr);
    assert!(
        stderr.contains("src/models.rs was not written by `cargo xtask codegen`"),
        "{stderr}"
    );
    assert!(stderr.contains("nothing was written"), "{stderr}");
    assert_eq!(
        fs::read_to_string(out.join("src/models.rs")).expect("read"),
        "pub struct Mine;\n"
    );
    assert_eq!(fs::read(out.join("src/lib.rs")).expect("read"), lib);
}

#[test]
fn stale_files_are_only_those_the_last_run_listed_that_start_with_the_exact_preamble() {
    let dir = tempfile::tempdir().expect("temp dir");
    let out = dir.path().join("out");
    let out_arg = out.to_str().expect("utf-8");
    assert!(codegen_into(out_arg, &[], dir.path()).status.success());
    let preamble = "// Generated by `cargo xtask codegen` from spec/old.yaml. Do not edit.\n";
    let mentions = format!("// Note: {preamble}");
    let goes_on = format!("{}; mine\n", preamble.trim_end());
    let kept = [
        ("src/mentions.rs", mentions.as_str()),
        ("src/goes_on.rs", goes_on.as_str()),
        // Copies of generated files the last run did not write.
        ("src/apis/old_tag.rs.bak", preamble),
        ("src/lib_backup.rs", preamble),
        ("Cargo.toml.orig", preamble),
        // A crate of its own below the output, and files outside `src/`.
        ("src/vendored/Cargo.toml", "[package]\nname = \"v\"\n"),
        ("src/vendored/src/lib.rs", preamble),
        ("examples/demo.rs", preamble),
        ("nested/Cargo.toml", "[package]\nname = \"n\"\n"),
        ("nested/src/lib.rs", preamble),
    ];
    plant(&out, &kept);
    plant(&out, &[("src/apis/old_tag.rs", preamble)]);
    list_as_written(&out, "src/apis/old_tag.rs");
    // Listed, but not a file of the generator's: kept.
    for (path, _) in &kept[..2] {
        list_as_written(&out, path);
    }

    let result = codegen_into(out_arg, &[], dir.path());
    assert!(result.status.success(), "{}", text(&result.stderr));
    let stdout = text(&result.stdout);
    assert!(stdout.contains("removed"), "{stdout}");
    assert!(!out.join("src/apis/old_tag.rs").exists());
    for (path, contents) in kept {
        assert_eq!(
            fs::read_to_string(out.join(path)).expect("kept"),
            contents,
            "{path}"
        );
    }
}

#[test]
fn out_dot_in_a_clone_and_out_root_are_refused() {
    let clone = tempfile::tempdir().expect("temp dir");
    plant(
        clone.path(),
        &[("Cargo.toml", "[workspace]\nmembers = [\"generated\"]\n")],
    );
    let generated = clone.path().join("generated");
    let first = codegen_into(generated.to_str().expect("utf-8"), &[], clone.path());
    assert!(first.status.success(), "{}", text(&first.stderr));
    let before = tree(clone.path());
    for (out, extra) in [(".", &[][..]), ("/", &[]), ("/", &["--check"])] {
        let result = codegen_into(out, extra, clone.path());
        assert_eq!(result.status.code(), Some(2), "--out {out} {extra:?}");
        let stderr = text(&result.stderr);
        assert!(
            stderr.contains("is not empty and is not a crate made by `cargo xtask codegen`"),
            "--out {out}: {stderr}"
        );
    }
    assert_eq!(tree(clone.path()), before, "nothing was written");
}

#[test]
fn check_ignores_crlf_line_endings() {
    let dir = tempfile::tempdir().expect("temp dir");
    let out = dir.path().join("out");
    let out_arg = out.to_str().expect("utf-8");
    assert!(codegen_into(out_arg, &[], dir.path()).status.success());
    for (path, contents) in tree(&out) {
        let text = String::from_utf8(contents).expect("utf-8");
        fs::write(path, text.replace('\n', "\r\n")).expect("write");
    }
    let check = codegen_into(out_arg, &["--check"], dir.path());
    assert!(check.status.success(), "{}", text(&check.stderr));
    assert!(text(&check.stdout).contains("is up to date"));
}

#[test]
fn nothing_about_the_surface_is_printed_when_the_write_is_refused() {
    let dir = tempfile::tempdir().expect("temp dir");
    plant(
        dir.path(),
        &[
            ("Cargo.toml", "[package]\nname = \"mine\"\n"),
            ("api-surface.jsonc", "not a surface\n"),
        ],
    );
    let before = tree(dir.path());
    let result = codegen_into(dir.path().to_str().expect("utf-8"), &[], dir.path());
    assert_eq!(result.status.code(), Some(2));
    let stderr = text(&result.stderr);
    assert!(stderr.contains("nothing was written"), "{stderr}");
    assert!(!stderr.contains("rewritten"), "{stderr}");
    assert_eq!(
        text(&result.stdout),
        "",
        "no report of a write that did not happen"
    );
    assert_eq!(tree(dir.path()), before);
}

/// A folder that is not an output is refused before anything in it is read: its recorded
/// surface, a pipe that nothing writes to, would be read forever.
#[test]
fn a_foreign_folder_is_refused_before_its_recorded_surface_is_read() {
    let dir = tempfile::tempdir().expect("temp dir");
    plant(
        dir.path(),
        &[("Cargo.toml", "[package]\nname = \"mine\"\n")],
    );
    let pipe = dir.path().join("api-surface.jsonc");
    let made = Command::new("mkfifo")
        .arg(&pipe)
        .status()
        .expect("mkfifo runs");
    assert!(made.success());
    let mut run = Command::new(env!("CARGO_BIN_EXE_xtask"))
        .arg("codegen")
        .args(["--spec", spec().to_str().expect("utf-8"), "--out"])
        .arg(dir.path())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("xtask runs");
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    while run.try_wait().expect("waits").is_none() {
        if std::time::Instant::now() > deadline {
            run.kill().expect("killed");
            panic!("still running after a minute: it is reading the pipe");
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    let result = run.wait_with_output().expect("its output");
    assert_eq!(result.status.code(), Some(2));
    let stderr = text(&result.stderr);
    assert!(
        stderr.contains("is not empty and is not a crate made by `cargo xtask codegen`"),
        "{stderr}"
    );
    assert!(fs::symlink_metadata(&pipe).is_ok_and(|pipe| !pipe.is_file()));
}

/// What a first run stopped midway (Ctrl-C, a kill) left is the generator's own: the next
/// run goes on over it, and `--check` tells it as stale first.
#[test]
fn a_first_run_stopped_midway_is_finished_by_the_next() {
    let dir = tempfile::tempdir().expect("temp dir");
    let out = dir.path().join("out");
    let out_arg = out.to_str().expect("utf-8");
    assert!(codegen_into(out_arg, &[], dir.path()).status.success());
    let lib = fs::read(out.join("src/lib.rs")).expect("generated");
    fs::remove_dir_all(&out).expect("removed");
    fs::create_dir_all(out.join("src")).expect("mkdir");
    fs::write(out.join("Cargo.toml.codegen-tmp"), "").expect("write");
    fs::write(out.join("src/lib.rs.codegen-tmp"), &lib).expect("write");

    let check = codegen_into(out_arg, &["--check"], dir.path());
    assert_eq!(check.status.code(), Some(1));
    let stderr = text(&check.stderr);
    assert!(
        stderr.contains("removed") && stderr.contains("lib.rs.codegen-tmp"),
        "{stderr}"
    );
    let run = codegen_into(out_arg, &[], dir.path());
    assert!(run.status.success(), "{}", text(&run.stderr));
    let left: Vec<PathBuf> = tree(&out).into_iter().map(|(path, _)| path).collect();
    assert!(
        left.iter()
            .all(|path| !path.to_string_lossy().ends_with(".codegen-tmp")),
        "{left:?}"
    );
    assert!(
        codegen_into(out_arg, &["--check"], dir.path())
            .status
            .success()
    );
}

#[test]
fn a_surface_that_cannot_be_read_is_reported_once_rewritten() {
    let dir = tempfile::tempdir().expect("temp dir");
    let out = dir.path().join("out");
    let out_arg = out.to_str().expect("utf-8");
    assert!(codegen_into(out_arg, &[], dir.path()).status.success());
    let recorded = fs::read_to_string(out.join("api-surface.jsonc")).expect("recorded");
    let preamble = recorded.lines().next().expect("a preamble");
    fs::write(
        out.join("api-surface.jsonc"),
        format!("{preamble}\nnot a surface\n"),
    )
    .expect("write");
    let result = codegen_into(out_arg, &[], dir.path());
    assert!(result.status.success());
    let stderr = text(&result.stderr);
    assert!(stderr.contains("was not an API surface"), "{stderr}");
    assert!(stderr.contains("it was rewritten"), "{stderr}");
    assert_eq!(
        fs::read_to_string(out.join("api-surface.jsonc")).expect("rewritten"),
        recorded
    );
}

#[test]
fn control_characters_in_a_file_name_are_printed_escaped() {
    let dir = tempfile::tempdir().expect("temp dir");
    let spec = dir.path().join("evil\u{1b}[2J\tname.yaml");
    // The document's own text (a path) in an error is escaped too.
    fs::write(&spec, "openapi: 3.0.3\ninfo: {title: t, version: '1'}\npaths: {\"/a\\e[2J\": {get: {responses: {'200': {description: []}}}}}\n").expect("write");
    let out = dir.path().join("out\u{1b}]0;x\u{7}");
    let run = |spec: &Path| {
        Command::new(env!("CARGO_BIN_EXE_xtask"))
            .arg("codegen")
            .arg("--spec")
            .arg(spec)
            .arg("--out")
            .arg(&out)
            .output()
            .expect("xtask runs")
    };
    let failed = run(&spec);
    assert_eq!(failed.status.code(), Some(2));
    let stderr = text(&failed.stderr);
    assert!(
        stderr.contains("evil\\u{1b}[2J\\tname.yaml: at #/paths"),
        "{stderr}"
    );
    fs::write(
        &spec,
        "openapi: 3.0.3\ninfo: {title: t, version: '1'}\npaths: {}\n",
    )
    .expect("write");
    let generated = run(&spec);
    assert!(generated.status.success(), "{}", text(&generated.stderr));
    for output in [
        &failed.stdout,
        &failed.stderr,
        &generated.stdout,
        &generated.stderr,
    ] {
        let output = text(output);
        assert!(
            !output.chars().any(|c| c.is_control() && c != '\n'),
            "{output:?}"
        );
    }
    let stdout = text(&generated.stdout);
    assert!(stdout.contains("out\\u{1b}]0;x\\u{7}"), "{stdout}");
    assert!(stdout.contains("evil\\u{1b}[2J\\tname.yaml."), "{stdout}");
}

#[test]
fn the_spec_is_named_the_same_however_its_path_is_written() {
    let dir = tempfile::tempdir().expect("temp dir");
    fs::create_dir(dir.path().join("sub")).expect("mkdir");
    let spec_path = dir.path().join("api.yaml");
    fs::copy(spec(), &spec_path).expect("copy");
    let out = dir.path().join("out");
    let run = |spec: &str, cwd: &Path| {
        Command::new(env!("CARGO_BIN_EXE_xtask"))
            .args(["codegen", "--spec", spec, "--out"])
            .arg(&out)
            .current_dir(cwd)
            .output()
            .expect("xtask runs")
    };
    let first = run(spec_path.to_str().expect("utf-8"), Path::new("/"));
    assert!(first.status.success(), "{}", text(&first.stderr));
    let manifest = fs::read_to_string(out.join("Cargo.toml")).expect("generated");
    assert_eq!(
        manifest.lines().next(),
        Some("# Generated by `cargo xtask codegen` from api.yaml. Do not edit.")
    );
    for (spec, cwd) in [
        ("api.yaml", dir.path()),
        ("../api.yaml", &dir.path().join("sub")),
    ] {
        let again = run(spec, cwd);
        let stdout = text(&again.stdout);
        assert!(stdout.contains(" 0 changed, "), "{spec}: {stdout}");
    }
    let inside = Path::new(env!("CARGO_MANIFEST_DIR")).join("../spec/identity-source.yaml");
    let okta = run(inside.to_str().expect("utf-8"), dir.path());
    assert!(okta.status.success(), "{}", text(&okta.stderr));
    let manifest = fs::read_to_string(out.join("Cargo.toml")).expect("generated");
    assert_eq!(
        manifest.lines().next(),
        Some("# Generated by `cargo xtask codegen` from spec/identity-source.yaml. Do not edit.")
    );
}

/// A stale check whose paths are not UTF-8 names the command to run all the same.
#[cfg(unix)]
#[test]
fn a_stale_check_of_a_path_that_is_not_utf8_names_the_command_to_run() {
    use std::os::unix::ffi::OsStrExt;
    let dir = tempfile::tempdir().expect("temp dir");
    let out = dir.path().join(std::ffi::OsStr::from_bytes(b"out-\xff"));
    let run = |check: bool| {
        Command::new(env!("CARGO_BIN_EXE_xtask"))
            .arg("codegen")
            .args(["--spec", spec().to_str().expect("utf-8")])
            .arg("--out")
            .arg(&out)
            .args(check.then_some("--check"))
            .output()
            .expect("xtask runs")
    };
    assert!(run(false).status.success());
    let lib = out.join("src/lib.rs");
    let changed = fs::read_to_string(&lib).expect("read") + "// changed\n";
    fs::write(&lib, changed).expect("write");
    let stale = run(true);
    assert_eq!(stale.status.code(), Some(1), "{}", text(&stale.stderr));
    let stderr = text(&stale.stderr);
    assert!(stderr.contains("--out '"), "{stderr}");
    assert!(
        stderr.contains("out-\u{fffd}'` to regenerate it."),
        "{stderr}"
    );
}
