//! The generator on documents made to cover what it supports (`tests/fixtures/specs/`), and
//! on every tag of Okta's official document: what they generate is pinned by snapshots, and
//! every generated crate must compile without warnings.

use std::path::{Path, PathBuf};
use std::time::Instant;

use generator::{GeneratedFile, Options, generate, write};
use tests::{okta_official_spec_dir, workspace_root};

/// Where the fixture documents are: every `.yaml` and `.json` file there is one, named by
/// its file stem.
const FIXTURE_DIR: &str = "tests/fixtures/specs";

/// The fixtures' names and paths (relative to the workspace), sorted by name.
fn fixtures() -> Vec<(String, String)> {
    let dir = workspace_root().join(FIXTURE_DIR);
    let mut fixtures: Vec<(String, String)> = std::fs::read_dir(&dir)
        .expect("the fixture directory is readable")
        .map(|entry| entry.expect("a fixture directory entry").path())
        .filter(|path| {
            path.extension()
                .is_some_and(|extension| extension == "yaml" || extension == "json")
        })
        .map(|path| {
            let file = path.file_name().expect("a file name").to_string_lossy();
            let stem = path.file_stem().expect("a file stem").to_string_lossy();
            (stem.into_owned(), format!("{FIXTURE_DIR}/{file}"))
        })
        .collect();
    fixtures.sort();
    fixtures
}

/// What a fixture generates, as the crate `fixture-NAME`, and its warnings.
fn fixture(name: &str, path: &str) -> (Vec<GeneratedFile>, Vec<String>) {
    let text = std::fs::read_to_string(workspace_root().join(path)).expect("fixture readable");
    let options = Options {
        source_name: path.to_owned(),
        crate_name: Some(format!("fixture-{name}")),
        ..Default::default()
    };
    let generated = generate(&text, &options)
        .unwrap_or_else(|diagnostic| panic!("{name} does not generate: {diagnostic}"));
    let warnings = generated
        .warnings
        .iter()
        .map(|warning| format!("{}: {warning}", warning.severity))
        .collect();
    (generated.files, warnings)
}

/// The warnings (when there are any), then the emitted Rust files, one after the other.
fn emitted(files: &[GeneratedFile], warnings: &[String]) -> String {
    let warnings = warnings
        .iter()
        .map(|warning| format!("// {warning}\n"))
        .collect::<String>();
    let warnings = match warnings.is_empty() {
        true => warnings,
        false => format!("// ---- warnings ----\n{warnings}"),
    };
    let files: String = files
        .iter()
        .filter(|file| file.path.starts_with("src/"))
        .map(|file| format!("// ---- {} ----\n{}", file.path, file.contents))
        .collect();
    warnings + &files
}

#[test]
fn fixtures_generate_what_their_snapshots_show() {
    let fixtures = fixtures();
    assert!(fixtures.len() >= 4, "fixtures found: {fixtures:?}");
    for (name, path) in fixtures {
        let (files, warnings) = fixture(&name, &path);
        insta::assert_snapshot!(format!("fixture_{name}"), emitted(&files, &warnings));
    }
}

#[test]
fn skip_unsupported_leaves_out_what_cannot_be_generated_with_warnings() {
    let document = "openapi: 3.0.3
info: {title: t, version: '1'}
paths:
  /good:
    get:
      operationId: good
      responses:
        '200':
          description: ok
          content:
            application/json:
              schema: {$ref: '#/components/schemas/Partly'}
  /bad:
    get:
      operationId: bad
      parameters:
        - {name: c, in: cookie, required: true, schema: {type: string}}
      responses:
        '204': {description: ok}
  /partial:
    get:
      operationId: partial
      parameters:
        - {name: session, in: cookie, schema: {type: string}}
        - {name: q, in: query, schema: {type: string}}
      responses:
        '200':
          description: ok
          content:
            application/json:
              schema: {not: {type: integer}}
components:
  schemas:
    Partly:
      type: object
      properties:
        fine: {type: string}
        odd: {not: {type: string}}
        broken: {$ref: '#/components/schemas/Missing'}
";
    let strict = Options::default();
    let error = generate(document, &strict).expect_err("fails without skipping");
    assert_eq!(
        error.to_string(),
        "at #/components/schemas/Partly/properties/odd: `not` is not supported yet (simplify this schema, or generate only the tags that do not use it with --tag)"
    );
    let skipping = Options {
        skip_unsupported: true,
        ..Default::default()
    };
    let generated = generate(document, &skipping).expect("generates when skipping");
    let warnings: Vec<String> = generated
        .warnings
        .iter()
        .map(|warning| format!("{}: {warning}", warning.severity))
        .collect();
    assert_eq!(
        warnings,
        [
            "warning: at #/components/schemas/Partly/properties/odd: `not` is not supported yet; the property `odd` of `Partly` is `serde_json::Value` (simplify this schema, or generate only the tags that do not use it with --tag)",
            "warning: at #/components/schemas/Partly/properties/broken: `$ref: #/components/schemas/Missing` points at nothing; the property `broken` of `Partly` is `serde_json::Value` (define `Missing` under #/components/schemas)",
            "warning: at #/paths/~1bad/get/parameters/0: cookie parameters are not supported yet; the operation `get /bad` is skipped",
            "warning: at #/paths/~1partial/get/parameters/0: cookie parameters are not supported yet; the optional parameter `session` is left out",
            "warning: at #/paths/~1partial/get/responses/200/content/application~1json/schema: `not` is not supported yet; the response body is `serde_json::Value` (simplify this schema, or generate only the tags that do not use it with --tag)",
        ]
    );
    let code = emitted(&generated.files, &[]);
    assert!(
        code.contains("pub fn partial(&self) -> PartialCall"),
        "{code}"
    );
    assert!(code.contains("pub fn q(self, q: &str) -> Self"), "{code}");
    assert!(code.contains("pub fn good("), "{code}");
    assert!(!code.contains("pub fn bad("), "{code}");
    assert!(
        code.contains("pub odd: Option<serde_json::Value>"),
        "{code}"
    );
    assert!(
        code.contains("pub broken: Option<serde_json::Value>"),
        "{code}"
    );
    assert!(code.contains("pub fine: Option<String>"), "{code}");
}

/// The operations of Okta's official document (2026.06.3) that every tag leaves out, with
/// `--skip-unsupported`: none. (The uploads of images, whose bodies are
/// `multipart/form-data` only, and the disaster-recovery operations, sent to a server of
/// their own, were left out before such bodies and servers were made.)
const OKTA_OPERATIONS_LEFT_OUT: &[&str] = &[];

/// Generates each crate into a workspace of its own under `target/`, each under its own name
/// (`--crate-name`), with a crate that names each library, and runs `cargo clippy` on all of
/// them with warnings denied, clippy's included. The
/// dependencies resolve from the workspace's `Cargo.lock`, offline, and build once into
/// `target/generated-check`, which later runs reuse.
#[test]
fn generated_crates_compile_without_warnings() {
    let mut crates: Vec<(String, Vec<GeneratedFile>)> = fixtures()
        .iter()
        .map(|(name, path)| (format!("fixture-{name}"), fixture(name, path).0))
        .collect();
    let official = okta_official_spec_dir().join("management-minimal.2026.06.3.yaml");
    match std::fs::read_to_string(&official) {
        Ok(text) => {
            let options = Options {
                source_name: "management-minimal.2026.06.3.yaml".into(),
                crate_name: Some("okta-every-tag".into()),
                skip_unsupported: true,
                ..Default::default()
            };
            let started = Instant::now();
            let generated = generate(&text, &options).unwrap_or_else(|diagnostic| {
                panic!("every tag of the official document: {diagnostic}")
            });
            println!(
                "every tag of {} generated in {:.1?}: {} files, {} warnings",
                official.display(),
                started.elapsed(),
                generated.files.len(),
                generated.warnings.len()
            );
            // Only the operations no client built for one base URL can send are left out.
            let skipped: Vec<&str> = generated
                .warnings
                .iter()
                .filter_map(|warning| {
                    let text = warning.message.split("; the operation `").nth(1)?;
                    text.strip_suffix("` is skipped")
                })
                .collect();
            assert_eq!(
                skipped, OKTA_OPERATIONS_LEFT_OUT,
                "{:#?}",
                generated.warnings
            );
            crates.push(("okta-every-tag".into(), generated.files));
        }
        Err(_) => println!(
            "skipped every tag of Okta's official document: {} is not there (set OKTA_OFFICIAL_SPEC_DIR)",
            official.display()
        ),
    }

    let target = workspace_root().join("target/generated-check");
    let root = target.join("crates");
    let _ = std::fs::remove_dir_all(&root);
    std::fs::create_dir_all(&root).expect("create the check workspace");
    for (name, files) in &crates {
        write::write(&root.join(name), files).expect("write a generated crate");
    }
    write_user(&root.join("user"), &crates);
    let members: Vec<String> = crates
        .iter()
        .map(|(name, _)| format!("{name:?}"))
        .chain(["\"user\"".to_owned()])
        .collect();
    std::fs::write(
        root.join("Cargo.toml"),
        format!(
            "[workspace]\nresolver = \"2\"\nmembers = [{}]\n\n[patch.crates-io]\napi-client-runtime = {{ path = {:?} }}\n",
            members.join(", "),
            workspace_root().join("runtime")
        ),
    )
    .expect("write the check workspace manifest");
    std::fs::copy(workspace_root().join("Cargo.lock"), root.join("Cargo.lock"))
        .expect("copy Cargo.lock");

    let started = Instant::now();
    tests::cargo_succeeds(
        &root,
        &target.join("target"),
        &["clippy", "--workspace"],
        "the generated crates do not compile cleanly or clippy warns",
    );
    println!(
        "cargo clippy of {} crates: {:.1?}",
        crates.len(),
        started.elapsed()
    );
}

/// A crate generated from `tests/fixtures/wire/optional-parameters.yaml`, with the request
/// test `tests/fixtures/wire/wire.rs`, run against a local server: the setters of a call put
/// their values on the wire, a parameter left unset is not sent, and object, map and JSON
/// query parameters are written as their styles say.
#[test]
fn parameters_reach_the_wire_as_their_styles_say() {
    run_wire_test("wire", "optional-parameters.yaml", "wire.rs");
}

/// A crate generated from `tests/fixtures/wire/nullable.yaml`, with the test
/// `tests/fixtures/wire/nulls.rs`: responses holding `null` in items, map values, named
/// arrays and as the whole body decode with the generated types.
#[test]
fn nulls_decode_wherever_the_document_allows_them() {
    run_wire_test("nulls", "nullable.yaml", "nulls.rs");
}

/// A crate generated from `tests/fixtures/wire/unions.yaml`, with the test
/// `tests/fixtures/wire/unions.rs`: a union tried member by member decodes each value as the
/// narrowest member that takes it (a time before text, an integer before a number).
#[test]
fn unions_decode_each_value_as_the_narrowest_member_that_takes_it() {
    run_wire_test("unions", "unions.yaml", "unions.rs");
}

/// A crate generated from `tests/fixtures/wire/anonymous.yaml`, which declares no security
/// scheme, with the test `tests/fixtures/wire/anonymous.rs`: a client built with
/// `Auth::none()` sends no credentials, and one given none at all is refused at build.
#[test]
fn a_client_of_an_api_without_security_schemes_sends_no_credentials() {
    run_wire_test("anonymous", "anonymous.yaml", "anonymous.rs");
}

/// A crate generated from `tests/fixtures/wire/security.yaml` (a bearer scheme and an API
/// key in the query), with the test `tests/fixtures/wire/security.rs`: operations with
/// `security: []` or an empty requirement `{}` are sent without the client's credentials,
/// the others with them.
#[test]
fn operations_that_require_no_security_are_sent_without_credentials() {
    run_wire_test("security", "security.yaml", "security.rs");
}

/// A crate generated from `tests/fixtures/wire/media.yaml`, with the test
/// `tests/fixtures/wire/media.rs`: a response under `*/*` decodes as its model (asking for
/// JSON; an HTML answer is a decode error), a string under `*/*` is text and a binary one
/// bytes, and a form body writes an array, a map, deepObject and JSON properties as its
/// `encoding` says.
#[test]
fn media_ranges_decode_as_their_schema_and_form_properties_follow_their_encoding() {
    run_wire_test("media", "media.yaml", "media.rs");
}

/// A crate generated from `tests/fixtures/specs/multipart.yaml`, with the test
/// `tests/fixtures/wire/multipart.rs`: every property of a `multipart/form-data` body is a
/// part, in the order of the description whatever the order they were set in; a file with
/// its name and media type (or the part's name and the encoding's or the default type),
/// text as it is, an object as JSON or one text part per property in `deepObject`; a media
/// type that could add a header is refused before anything is sent.
#[test]
fn multipart_bodies_send_each_property_as_a_part() {
    run_wire_test("multipart", "../specs/multipart.yaml", "multipart.rs");
}

/// A crate generated from `tests/fixtures/specs/servers.yaml`, with the test
/// `tests/fixtures/wire/servers.rs`: an operation of a server of its own is sent there (or
/// where `ClientBuilder::server_url` says) with the client's credentials, a server of its
/// own in plain http is refused before sending, and the API's own server written otherwise
/// is the base URL.
#[test]
fn operations_of_other_servers_are_sent_to_them() {
    run_wire_test("servers", "../specs/servers.yaml", "servers.rs");
}

/// A crate generated from `tests/fixtures/wire/docs.yaml`, whose descriptions hold what
/// rustdoc warns about (bare URLs, `<name>` that is no HTML, `items[0]` that is no link),
/// documents with rustdoc's warnings denied.
#[test]
fn descriptions_document_without_rustdoc_warnings() {
    let (dir, target) = wire_crate("docs", "docs.yaml");
    tests::cargo_succeeds(
        &dir,
        &target,
        &["doc", "--no-deps"],
        "rustdoc warned about the generated docs",
    );
}

/// Generates the crate `fixture-NAME` from `tests/fixtures/wire/SPEC` and runs
/// `tests/fixtures/wire/TEST` (which names the library `LIB`) as its integration test.
fn run_wire_test(name: &str, spec: &str, test: &str) {
    let (dir, target) = wire_crate(name, spec);
    // The test, and the one-shot server every wire test uses as its module `one_shot`.
    std::fs::create_dir_all(dir.join("tests/one_shot")).expect("create tests/one_shot/");
    for (from, to) in [(test, test), ("one_shot.rs", "one_shot/mod.rs")] {
        let text = std::fs::read_to_string(workspace_root().join("tests/fixtures/wire").join(from))
            .expect("a test file");
        std::fs::write(
            dir.join("tests").join(to),
            text.replace("use LIB::", &format!("use fixture_{name}::")),
        )
        .expect("write a test file");
    }
    let stem = test.trim_end_matches(".rs");
    tests::cargo_succeeds(
        &dir,
        &target,
        &["test", "--test", stem],
        &format!("the test {test} failed"),
    );
}

/// Writes the crate `fixture-NAME` generated from `tests/fixtures/wire/SPEC`, a workspace of
/// its own with tokio to test with; its directory and the target directory to build it in.
fn wire_crate(name: &str, spec: &str) -> (PathBuf, PathBuf) {
    let path = format!("tests/fixtures/wire/{spec}");
    let (files, warnings) = fixture(name, &path);
    assert_eq!(warnings, Vec::<String>::new());
    let target = workspace_root().join("target/generated-check");
    let dir = target.join(name);
    let _ = std::fs::remove_dir_all(&dir);
    write::write(&dir, &files).expect("write the generated crate");
    let manifest_path = dir.join("Cargo.toml");
    let manifest = std::fs::read_to_string(&manifest_path).expect("the manifest");
    std::fs::write(
        &manifest_path,
        format!(
            "{manifest}\n[dev-dependencies]\ntokio = {{ version = \"1\", features = [\"macros\", \"rt\"] }}\n\n[workspace]\n\n[patch.crates-io]\napi-client-runtime = {{ path = {:?} }}\n",
            workspace_root().join("runtime")
        ),
    )
    .expect("write the manifest");
    std::fs::copy(workspace_root().join("Cargo.lock"), dir.join("Cargo.lock"))
        .expect("copy Cargo.lock");
    (dir, target.join("target"))
}

/// A crate that depends on each generated crate by its package name and names its library
/// (the package name with `_`), so that a crate whose manifest and name disagree fails; that
/// holds each crate's quick start, so that each compiles; and that needs every model type to
/// be `Send` and `Sync`, which the compiler proves here, in a crate of its own at its default
/// recursion limit, as in any crate that holds a value across an `.await` in a spawned task.
fn write_user(dir: &Path, crates: &[(String, Vec<GeneratedFile>)]) {
    let dependencies: String = crates
        .iter()
        .map(|(name, _)| format!("{name} = {{ path = \"../{name}\" }}\n"))
        .collect();
    let uses: String = crates
        .iter()
        .enumerate()
        .map(|(index, (name, files))| {
            let library = name.replace('-', "_");
            let send_sync: String = model_types(files)
                .map(|model| format!("    send_sync::<{library}::models::{model}>();\n"))
                .collect();
            format!(
                "pub use {library}::Client as Client{index};\npub mod quick_start_{index} {{\n{}}}\npub fn send_sync_{index}() {{\n{send_sync}}}\n",
                quick_start(files)
            )
        })
        .collect();
    std::fs::create_dir_all(dir.join("src")).expect("create the user crate");
    std::fs::write(
        dir.join("Cargo.toml"),
        format!("[package]\nname = \"user\"\nversion = \"0.0.0\"\nedition = \"2021\"\npublish = false\n\n[dependencies]\n{dependencies}"),
    )
    .expect("write the user crate's manifest");
    std::fs::write(
        dir.join("src/lib.rs"),
        format!("//! Names every generated library.\nfn send_sync<T: Send + Sync>() {{}}\n{uses}"),
    )
    .expect("write the user crate's library");
}

/// The names of the structs and enums a generated crate's models module defines.
fn model_types(files: &[GeneratedFile]) -> impl Iterator<Item = &str> {
    let models = files.iter().find(|file| file.path == "src/models.rs");
    let lines = models.into_iter().flat_map(|file| file.contents.lines());
    lines.filter_map(|line| {
        let name = line
            .strip_prefix("pub struct ")
            .or_else(|| line.strip_prefix("pub enum "))?;
        name.split([' ', '(', '{', '<']).next()
    })
}

/// The quick start on the front page of a generated crate, as the code its doctest compiles
/// (hidden lines shown), its function public; empty when the crate has none.
fn quick_start(files: &[GeneratedFile]) -> String {
    let lib = &files
        .iter()
        .find(|file| file.path == "src/lib.rs")
        .expect("a lib.rs")
        .contents;
    lib.lines()
        .filter_map(|line| line.strip_prefix("//!"))
        .map(|line| line.strip_prefix(' ').unwrap_or(line))
        .skip_while(|line| *line != "```no_run")
        .skip(1)
        .take_while(|line| *line != "```")
        .map(|line| {
            let line = line.strip_prefix("# ").unwrap_or(line);
            format!(
                "{}\n",
                line.replacen("async fn quick_start", "pub async fn quick_start", 1)
            )
        })
        .collect()
}
