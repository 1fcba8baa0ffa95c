//! How fast code generation is, as a whole and stage by stage: `cargo bench -p generator`.
//!
//! Inputs:
//! - (a) `spec/identity-source.yaml`;
//! - (b) the `IdentitySource` tag of Okta's full management document;
//! - (c) every tag of that document, what cannot be generated left out (`--skip-unsupported`).
//!
//! Okta's document is read from `$OKTA_OFFICIAL_SPEC_DIR` (default `../shared/okta` beside
//! the workspace); without it (b) and (c) are skipped, saying so. When a stage fails on an
//! input, the diagnostic is printed and that stage, the stages after it and the whole
//! pipeline are skipped for that input. Loading is the same work for (b) and (c), so it is measured once,
//! under (b), together with other ways of reading the same document (`load_alternatives`).
//! divan's allocation counts are the benchmark thread's: every stage's, but not those of
//! `generate`, which runs the pipeline on a thread of its own.
//!
//! Without `--bench` (as under `cargo test --benches`) every benchmark runs once, and (b) and
//! (c) stand in `spec/identity-source.yaml` for Okta's document so the run stays short.

use std::path::PathBuf;
use std::sync::OnceLock;

use divan::{AllocProfiler, Bencher, Divan, black_box};
use generator::ir::Api;
use generator::{Options, emit, load, lower};
use openapiv3::OpenAPI;

#[global_allocator]
static ALLOC: AllocProfiler = AllocProfiler::system();

/// Okta's full document, in `$OKTA_OFFICIAL_SPEC_DIR`.
const OFFICIAL: &str = "management-minimal.2026.06.3.yaml";
const SPEC: &str = "spec/identity-source.yaml";

/// The inputs, numbered as in the module docs.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Input {
    A,
    B,
    C,
}

impl Input {
    const ALL: [Input; 3] = [Input::A, Input::B, Input::C];

    /// The module its benchmarks are in.
    fn module(self) -> &'static str {
        match self {
            Input::A => "a_spec",
            Input::B => "b_identity_source_tag",
            Input::C => "c_every_tag",
        }
    }

    fn tags(self) -> Vec<String> {
        match self {
            Input::B => vec!["IdentitySource".to_owned()],
            Input::A | Input::C => Vec::new(),
        }
    }
}

/// An input with what each stage needs: the text, and the result of the stage before.
struct Prepared {
    source_name: String,
    text: String,
    options: Options,
    document: Option<OpenAPI>,
    api: Option<Api>,
}

/// The prepared inputs, indexed by [`Input`]; `None` when the document is not there.
static PREPARED: OnceLock<[Option<Prepared>; 3]> = OnceLock::new();
/// Okta's document as YAML and converted to JSON, for `load_alternatives`.
static ALTERNATIVES: OnceLock<(String, String)> = OnceLock::new();

fn prepared(input: Input) -> &'static Prepared {
    PREPARED.get().expect("prepared in main")[input as usize]
        .as_ref()
        .expect("skipped when missing")
}

fn workspace_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn official_spec_dir() -> PathBuf {
    std::env::var_os("OKTA_OFFICIAL_SPEC_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| workspace_root().join("../shared/okta"))
}

fn main() {
    let measuring = std::env::args().any(|arg| arg == "--bench");
    let mut divan = Divan::from_args();
    let mut skip = Vec::new();
    let spec = std::fs::read_to_string(workspace_root().join(SPEC)).expect("the spec is readable");
    let official_path = official_spec_dir().join(OFFICIAL);
    // The text (b) and (c) start from, and how the generated files name it.
    let official = if !measuring {
        println!(
            "test mode: (b) and (c) run once on {SPEC} instead of Okta's document; \
             `cargo bench` measures the real inputs"
        );
        Some((spec.clone(), SPEC.to_owned()))
    } else {
        match std::fs::read_to_string(&official_path) {
            Ok(text) => Some((text, format!("../shared/okta/{OFFICIAL}"))),
            Err(error) => {
                println!(
                    "skipping (b) and (c) and load_alternatives: Okta's document {} can't be \
                     read ({error}); set OKTA_OFFICIAL_SPEC_DIR to the folder that holds {OFFICIAL}",
                    official_path.display()
                );
                None
            }
        }
    };
    if let Some((text, _)) = &official {
        ALTERNATIVES.get_or_init(|| (text.clone(), yaml_to_json(text)));
    } else {
        skip.push("load_alternatives".to_owned());
    }
    let prepared = Input::ALL.map(|input| {
        let (text, source_name) = match input {
            Input::A => (spec.clone(), SPEC.to_owned()),
            Input::B | Input::C => official.clone()?,
        };
        Some(prepare(input, text, source_name, &mut skip))
    });
    for (input, prepared) in Input::ALL.into_iter().zip(&prepared) {
        if prepared.is_none() {
            skip.push(input.module().to_owned());
        }
    }
    // (c) loads the same text as (b).
    if official.is_some() {
        println!(
            "c_every_tag::load is b_identity_source_tag::load: the same text, not measured twice"
        );
    }
    skip.push(format!("{}::load", Input::C.module()));
    PREPARED.get_or_init(|| prepared);
    for module in skip {
        let crate_name = env!("CARGO_CRATE_NAME");
        divan = divan.skip_regex(format!("^{crate_name}::{module}(::|$)"));
    }
    divan.main();
}

/// Runs each stage once on `text`; a stage that fails is reported, and it, the stages after
/// it and the whole pipeline are added to `skip`.
fn prepare(input: Input, text: String, source_name: String, skip: &mut Vec<String>) -> Prepared {
    let options = Options {
        tags: input.tags(),
        source_name: source_name.clone(),
        // Every tag of Okta's document has operations no client for one base URL can send
        // (another server, multipart uploads): left out, as `xtask codegen` leaves them.
        skip_unsupported: matches!(input, Input::C),
        ..Default::default()
    };
    let mut prepared = Prepared {
        source_name,
        text,
        options,
        document: None,
        api: None,
    };
    let module = input.module();
    let mut fail = |stage: &str, later: &[&str], diagnostic: generator::Diagnostic| {
        println!(
            "{module}: the {stage} stage fails, so it and the stages after it are skipped: {diagnostic}"
        );
        for stage in later.iter().chain(&[stage, "generate"]) {
            skip.push(format!("{module}::{stage}"));
        }
    };
    match load::load(&prepared.text) {
        Ok(document) => prepared.document = Some(document),
        Err(diagnostic) => {
            fail("load", &["lower", "tokens", "format"], diagnostic);
            return prepared;
        }
    }
    let document = prepared.document.as_ref().expect("loaded");
    match lower::lower(document, &prepared.options) {
        Ok(api) => prepared.api = Some(api),
        Err(diagnostic) => {
            fail("lower", &["tokens", "format"], diagnostic);
            return prepared;
        }
    }
    let api = prepared.api.as_ref().expect("lowered");
    if let Err(diagnostic) = emit::format(emit::tokens(api, "bench"), &prepared.source_name) {
        fail("format", &[], diagnostic);
    }
    prepared
}

/// The same document as JSON: a YAML alternative to compare loading with.
fn yaml_to_json(yaml: &str) -> String {
    let value: serde_json::Value = serde_yaml::from_str(yaml).expect("the document is YAML");
    serde_json::to_string(&value).expect("JSON values serialise")
}

fn bench_generate(bencher: Bencher, input: Input) {
    let prepared = prepared(input);
    bencher.bench(|| generator::generate(black_box(&prepared.text), &prepared.options));
}

fn bench_load(bencher: Bencher, input: Input) {
    let prepared = prepared(input);
    bencher.bench(|| load::load(black_box(&prepared.text)));
}

fn bench_lower(bencher: Bencher, input: Input) {
    let prepared = prepared(input);
    let document = prepared.document.as_ref().expect("loaded");
    bencher.bench(|| lower::lower(black_box(document), &prepared.options));
}

fn bench_tokens(bencher: Bencher, input: Input) {
    let api = prepared(input).api.as_ref().expect("lowered");
    bencher.bench(|| emit::tokens(black_box(api), "bench"));
}

fn bench_format(bencher: Bencher, input: Input) {
    let prepared = prepared(input);
    let api = prepared.api.as_ref().expect("lowered");
    bencher
        .with_inputs(|| emit::tokens(api, "bench"))
        .bench_values(|files| emit::format(files, &prepared.source_name));
}

/// The whole pipeline and each stage on one input.
macro_rules! stages {
    ($module:ident, $input:expr, $samples:literal) => {
        mod $module {
            use divan::Bencher;

            /// `generator::generate`: load, lower, emit and format.
            #[divan::bench(sample_count = $samples)]
            fn generate(bencher: Bencher) {
                super::bench_generate(bencher, $input);
            }

            /// `load::load`: YAML (or JSON) text to an `openapiv3::OpenAPI`.
            #[divan::bench(sample_count = $samples)]
            fn load(bencher: Bencher) {
                super::bench_load(bencher, $input);
            }

            /// `lower::lower`: the document to the IR.
            #[divan::bench(sample_count = $samples)]
            fn lower(bencher: Bencher) {
                super::bench_lower(bencher, $input);
            }

            /// `emit::tokens`: the IR to token streams.
            #[divan::bench(sample_count = $samples)]
            fn tokens(bencher: Bencher) {
                super::bench_tokens(bencher, $input);
            }

            /// `emit::format`: token streams to formatted files (syn + prettyplease).
            #[divan::bench(sample_count = $samples)]
            fn format(bencher: Bencher) {
                super::bench_format(bencher, $input);
            }
        }
    };
}

stages!(a_spec, super::Input::A, 100);
stages!(b_identity_source_tag, super::Input::B, 30);
stages!(c_every_tag, super::Input::C, 10);

/// Other ways to read Okta's document, to see what loading costs and what could be saved:
/// compare with `b_identity_source_tag::load` (`load::load` on the YAML text).
#[divan::bench_group(sample_count = 30)]
mod load_alternatives {
    use divan::{Bencher, black_box};
    use openapiv3::OpenAPI;

    fn yaml() -> &'static str {
        &super::ALTERNATIVES.get().expect("prepared in main").0
    }

    fn json() -> &'static str {
        &super::ALTERNATIVES.get().expect("prepared in main").1
    }

    /// The YAML parser alone: the text to a `serde_yaml::Value`, no OpenAPI types.
    #[divan::bench]
    fn yaml_to_value(bencher: Bencher) {
        bencher.bench(|| serde_yaml::from_str::<serde_yaml::Value>(black_box(yaml())));
    }

    /// YAML to `OpenAPI` without `serde_path_to_error` (no JSON pointer in errors).
    #[divan::bench]
    fn yaml_to_openapi(bencher: Bencher) {
        bencher.bench(|| serde_yaml::from_str::<OpenAPI>(black_box(yaml())));
    }

    /// `load::load` on the same document converted to JSON (JSON is YAML, so this is
    /// still serde_yaml).
    #[divan::bench]
    fn load_json(bencher: Bencher) {
        bencher.bench(|| generator::load::load(black_box(json())));
    }

    /// The JSON text read with serde_json instead.
    #[divan::bench]
    fn json_to_openapi(bencher: Bencher) {
        bencher.bench(|| serde_json::from_str::<OpenAPI>(black_box(json())));
    }

    /// serde_json with `serde_path_to_error`, as a JSON branch of `load` would read it.
    #[divan::bench]
    fn json_to_openapi_with_path(bencher: Bencher) {
        bencher.bench(|| {
            let mut deserializer = serde_json::Deserializer::from_str(black_box(json()));
            serde_path_to_error::deserialize::<_, OpenAPI>(&mut deserializer)
        });
    }
}
