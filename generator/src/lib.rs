//! Turns an OpenAPI 3.0 or 3.1 document into a typed Rust API client crate.
//!
//! The pipeline runs one way: [`load`](load::load) the document, [`lower`](lower::lower) it
//! into a small [IR](ir), [`emit`](emit::emit) Rust from the IR, and [`write`](mod@write) the files,
//! all in memory until the last step.

pub mod diagnostic;
pub mod emit;
pub mod ir;
pub mod load;
pub mod lower;
pub mod spec;
pub mod surface;
pub mod write;

pub use diagnostic::{Diagnostic, Pointer, Severity};

/// One file of the generated crate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GeneratedFile {
    /// The path relative to the crate root, with `/` separators.
    pub path: String,
    pub contents: String,
}

/// What to generate.
#[derive(Debug, Clone, Default)]
pub struct Options {
    /// Keep only the operations with one of these tags; all operations when empty.
    pub tags: Vec<String>,
    /// How the generated files name the document they came from, e.g. `spec/api.yaml`.
    pub source_name: String,
    /// Leave out what cannot be generated, with a warning, rather than fail: an operation
    /// is skipped, a property or union member becomes `serde_json::Value`.
    pub skip_unsupported: bool,
    /// The vendor whose conventions the client follows; `None` takes the document's
    /// `x-client-profile`, and without one the client follows the standards alone.
    pub profile: Option<ir::Profile>,
    /// Where the generated crate finds the runtime crate, relative to the crate (e.g.
    /// `../runtime`) or absolute; without it, the runtime comes from the registry by version.
    pub runtime_path: Option<String>,
    /// The generated crate's package name; by default the document's title in kebab case.
    pub crate_name: Option<String>,
    /// Its version; by default the document's version when it is a semantic version, else
    /// `0.1.0`.
    pub crate_version: Option<String>,
    /// Its description; by default one naming the document's title.
    pub description: Option<String>,
    /// Its keywords on crates.io; none by default.
    pub keywords: Vec<String>,
}

/// The generated crate, and the warnings about what was left out or ignored.
#[derive(Debug, Clone)]
pub struct Generated {
    pub files: Vec<GeneratedFile>,
    pub warnings: Vec<Diagnostic>,
    /// The public surface of the generated crate, also written to it as
    /// [`surface::FILE`] so that the next run can say what changed.
    pub surface: surface::Surface,
}

/// The stack the pipeline runs on: lowering recurses once per level of schema nesting
/// (at most 256 levels), which a small thread stack (2 MiB for tests) does not hold in a
/// debug build.
const STACK_SIZE: usize = 64 << 20;

/// Every file of the client crate generated from `document` (YAML or JSON text).
///
/// Runs on a thread of its own with a large stack; a bug that panics is reported as an
/// internal error rather than taking the caller down.
pub fn generate(document: &str, options: &Options) -> Result<Generated, Diagnostic> {
    on_large_stack(|| {
        let (api, warnings) = read_and_lower(document, options)?;
        let mut files = emit::emit(&api, options)?;
        let surface = surface::Surface::of(&api);
        files.push(surface_file(&surface, &options.source_name)?);
        files.push(write::file_list(&files, &options.source_name));
        Ok(Generated {
            files,
            warnings,
            surface,
        })
    })
}

/// The public surface of the client `document` (YAML or JSON text) would generate.
pub fn surface_of(document: &str, options: &Options) -> Result<surface::Surface, Diagnostic> {
    on_large_stack(|| {
        let (api, _) = read_and_lower(document, options)?;
        Ok(surface::Surface::of(&api))
    })
}

/// The IR of `text`, and the warnings about what reading and lowering left out. A document
/// with several problems has them all in the error ([`Diagnostic::more`]): found by
/// lowering it again, skipping what is unsupported.
fn read_and_lower(text: &str, options: &Options) -> Result<(ir::Api, Vec<Diagnostic>), Diagnostic> {
    match lowered(text, options) {
        Err(first) if !options.skip_unsupported => {
            let skipping = Options {
                skip_unsupported: true,
                ..options.clone()
            };
            Err(match lowered(text, &skipping) {
                Ok((api, _)) => with_the_others(first, api.skipped),
                Err(_) => first,
            })
        }
        lowered => lowered,
    }
}

/// `first` with the other problems among `found` (which may hold it too), each once: the
/// problems that skipping what is unsupported leaves out.
fn with_the_others(mut first: Diagnostic, found: Vec<Diagnostic>) -> Diagnostic {
    first.skippable = true;
    let same = |a: &Diagnostic, b: &Diagnostic| a.pointer == b.pointer && a.message == b.message;
    for problem in found {
        if !same(&problem, &first) && !first.more.iter().any(|known| same(known, &problem)) {
            first.more.push(problem);
        }
    }
    first
}

/// [`read_and_lower`] as the options say, the first problem the error.
fn lowered(text: &str, options: &Options) -> Result<(ir::Api, Vec<Diagnostic>), Diagnostic> {
    let load::Loaded {
        document,
        notes: mut warnings,
        ignored,
        ..
    } = load::read(text)?;
    let skipped_on_reading = skip_or_fail(ignored, options, &mut warnings)?;
    let (mut api, references_elsewhere) = lower::lower_noting_references(&document, options);
    if references_elsewhere {
        // Rare, and slower: read again with those schemas moved into the components
        // (the notes are the same as the first reading's).
        let moved = load::read_with_references_moved(text)?;
        api = lower::lower_with_unfollowed(&moved.document, options, moved.unfollowed);
    }
    let mut api = api?;
    api.skipped.splice(0..0, skipped_on_reading);
    warnings.append(&mut api.warnings);
    Ok((api, warnings))
}

/// The first of `unsupported` as the error, or, when what is unsupported is skipped, each
/// of them added to `warnings` and returned as the error it was.
fn skip_or_fail(
    unsupported: Vec<Diagnostic>,
    options: &Options,
    warnings: &mut Vec<Diagnostic>,
) -> Result<Vec<Diagnostic>, Diagnostic> {
    let mut skipped = Vec::with_capacity(unsupported.len());
    for diagnostic in unsupported {
        if !options.skip_unsupported {
            return Err(diagnostic);
        }
        warnings.push(diagnostic.clone().warning());
        skipped.push(diagnostic);
    }
    Ok(skipped)
}

fn surface_file(
    surface: &surface::Surface,
    source_name: &str,
) -> Result<GeneratedFile, Diagnostic> {
    let preamble = write::generated_preamble(source_name);
    let contents = surface.recorded(&preamble).map_err(|error| {
        Diagnostic::document(format!(
            "internal error: the API surface cannot be written: {error}"
        ))
    })?;
    Ok(GeneratedFile {
        path: surface::FILE.to_owned(),
        contents,
    })
}

/// Runs `pipeline` on a thread of its own with a large stack; a bug that panics is reported
/// as an internal error rather than taking the caller down.
fn on_large_stack<T: Send>(
    pipeline: impl FnOnce() -> Result<T, Diagnostic> + Send,
) -> Result<T, Diagnostic> {
    std::thread::scope(|scope| {
        let thread = std::thread::Builder::new()
            .name("generator".into())
            .stack_size(STACK_SIZE)
            .spawn_scoped(scope, pipeline)
            .map_err(|error| {
                Diagnostic::document(format!("could not start the generator's thread: {error}"))
            })?;
        thread.join().unwrap_or_else(|_| {
            Err(
                Diagnostic::document("internal error: the generator panicked on this document")
                    .with_help("please report this together with the document"),
            )
        })
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The options that skip what can't be generated.
    fn skipping() -> Options {
        Options {
            skip_unsupported: true,
            ..Default::default()
        }
    }

    /// The warnings of `generated`, as they are printed.
    fn warnings_of(generated: &Generated) -> Vec<String> {
        generated.warnings.iter().map(ToString::to_string).collect()
    }

    /// The generated file at `path`, which must be there (`what` says which it is).
    fn file<'a>(generated: &'a Generated, path: &str, what: &str) -> &'a GeneratedFile {
        generated
            .files
            .iter()
            .find(|file| file.path == path)
            .expect(what)
    }

    #[test]
    fn a_reference_in_place_to_itself_fails_or_is_skipped_saying_why() {
        let document = "openapi: 3.0.3
info: {title: t, version: '1'}
paths:
  /a:
    get:
      responses:
        '200':
          description: ok
          content: {application/json: {schema: {$ref: '#/components/schemas/A'}}}
components:
  schemas:
    A:
      type: object
      properties:
        x: {$ref: '#/components/schemas/A/properties/x'}
        y: {type: string}
";
        let cycle = "at #/components/schemas/A/properties/x: `$ref: #/components/schemas/A/properties/x` leads back to itself through references alone, never to a schema (a cycle)";
        let error = generate(document, &Options::default()).expect_err("a cycle");
        assert!(error.to_string().starts_with(cycle), "{error}");
        let skipping = skipping();
        let generated = generate(document, &skipping).expect("generates without `x`");
        assert!(
            generated
                .warnings
                .iter()
                .any(|warning| warning.to_string().starts_with(cycle)),
            "{:?}",
            generated.warnings
        );
    }

    #[test]
    fn a_broken_reference_in_place_fails_only_the_operations_that_use_it_and_warns_once() {
        let document = "openapi: 3.0.3
info: {title: t, version: '1'}
paths:
  /a:
    get:
      tags: [good]
      operationId: a
      responses:
        '200':
          description: ok
          content: {application/json: {schema: {$ref: '#/components/schemas/A/properties/inner'}}}
  /b:
    get:
      tags: [bad]
      operationId: b
      responses:
        '200':
          description: ok
          content: {application/json: {schema: {$ref: '#/components/schemas/A/properties/gone'}}}
components:
  schemas:
    A:
      type: object
      properties:
        inner: {type: object, properties: {v: {type: string}}}
    Unused:
      type: object
      properties:
        z: {$ref: '#/components/schemas/A/properties/missing'}
";
        let nothing = "at #/paths/~1b/get/responses/200/content/application~1json/schema: `$ref: #/components/schemas/A/properties/gone` points at nothing";
        let error = generate(document, &Options::default()).expect_err("`b` uses it");
        assert!(error.to_string().starts_with(nothing), "{error}");
        // Neither the operation left out by its tag nor the schema no operation uses fails.
        let good = Options {
            tags: vec!["good".to_owned()],
            ..Default::default()
        };
        let generated = generate(document, &good).expect("generates `a` alone");
        assert!(generated.warnings.is_empty(), "{:?}", generated.warnings);
        let skipping = skipping();
        let generated = generate(document, &skipping).expect("generates");
        let warnings: Vec<String> = warnings_of(&generated);
        assert_eq!(warnings.len(), 1, "{warnings:?}");
        assert!(warnings[0].starts_with(nothing), "{warnings:?}");
    }

    /// Two tags, one of which uses a 3.1 schema with no 3.0 form (`schema`).
    fn tagged_3_1(schema: &str) -> String {
        format!(
            "openapi: 3.1.0
info: {{title: t, version: '1'}}
paths:
  /a:
    get:
      tags: [good]
      operationId: a
      responses:
        '200': {{description: ok, content: {{application/json: {{schema: {{type: string}}}}}}}}
  /b:
    get:
      tags: [bad]
      operationId: b
      responses:
        '200': {{description: ok, content: {{application/json: {{schema: {{$ref: '#/components/schemas/U'}}}}}}}}
components:
  schemas:
    U: {schema}
"
        )
    }

    #[test]
    fn a_3_1_schema_with_no_3_0_form_fails_only_the_operations_that_use_it() {
        let cases = [
            (
                "{if: {type: string}, then: {minLength: 1}}",
                "at #/components/schemas/U/if: a conditional schema (`if`/`then`/`else`) cannot be converted to OpenAPI 3.0",
            ),
            (
                "{$dynamicRef: '#node'}",
                "at #/components/schemas/U/$dynamicRef: `$dynamicRef` cannot be converted to OpenAPI 3.0",
            ),
        ];
        for (schema, error) in cases {
            let document = tagged_3_1(schema);
            let help =
                " (simplify this schema, or generate only the tags that do not use it with --tag)";
            let failure = generate(&document, &Options::default()).expect_err("`bad` uses it");
            assert_eq!(failure.to_string(), format!("{error}{help}"));
            let good = Options {
                tags: vec!["good".into()],
                ..Default::default()
            };
            let generated = generate(&document, &good).expect("`good` does not use it");
            assert!(generated.warnings.is_empty(), "{:?}", generated.warnings);
            let skipping = skipping();
            let generated = generate(&document, &skipping).expect("skipped");
            let warnings: Vec<String> = warnings_of(&generated);
            assert_eq!(
                warnings,
                [format!(
                    "{error}; the response body is `serde_json::Value`{help}"
                )]
            );
            let bad = file(&generated, "src/apis/bad.rs", "the `bad` operations");
            assert!(
                bad.contents.contains("serde_json::Value"),
                "{}",
                bad.contents
            );
        }
    }

    #[test]
    fn a_3_1_property_with_no_3_0_form_is_json_when_skipped() {
        let document = tagged_3_1(
            "{type: object, properties: {pair: {type: array, prefixItems: [{type: string}]}, name: {type: string}}}",
        );
        let skipping = skipping();
        let generated = generate(&document, &skipping).expect("skipped");
        let warnings: Vec<String> = warnings_of(&generated);
        assert_eq!(warnings.len(), 1, "{warnings:?}");
        assert!(
            warnings[0].starts_with("at #/components/schemas/U/properties/pair/prefixItems: a tuple (`prefixItems`) cannot be converted to OpenAPI 3.0; "),
            "{warnings:?}"
        );
        let models = file(&generated, "src/models.rs", "the models");
        assert!(
            models
                .contents
                .contains("pub pair: Option<serde_json::Value>"),
            "{}",
            models.contents
        );
        assert!(
            models.contents.contains("pub name: Option<String>"),
            "{}",
            models.contents
        );
    }

    #[test]
    fn a_3_1_member_with_no_3_0_form_fails_the_schema_that_holds_it() {
        let components = "\n    Base: {type: object, properties: {a: {type: string}}}\n    Cond: {type: object, properties: {k: {type: string}}, if: {required: [k]}, then: {required: [a]}}";
        let cases = [
            (
                "{oneOf: [{type: string}, {type: array, prefixItems: [{type: integer}]}]}",
                "at #/components/schemas/U/properties/p/oneOf/1/prefixItems: a tuple (`prefixItems`) cannot be converted to OpenAPI 3.0",
            ),
            (
                "{allOf: [{$ref: '#/components/schemas/Base'}, {if: {required: [a]}, then: {required: [b]}}]}",
                "at #/components/schemas/U/properties/p/allOf/1/if: a conditional schema (`if`/`then`/`else`) cannot be converted to OpenAPI 3.0",
            ),
            (
                "{allOf: [{$ref: '#/components/schemas/Base'}, {$ref: '#/components/schemas/Cond'}]}",
                "at #/components/schemas/Cond/if: a conditional schema (`if`/`then`/`else`) cannot be converted to OpenAPI 3.0",
            ),
            (
                "{allOf: [{type: string}, {$ref: '#/components/schemas/Cond'}]}",
                "at #/components/schemas/Cond/if: a conditional schema (`if`/`then`/`else`) cannot be converted to OpenAPI 3.0",
            ),
            (
                "{oneOf: [{type: string}, {$ref: '#/components/schemas/Cond'}]}",
                "at #/components/schemas/Cond/if: a conditional schema (`if`/`then`/`else`) cannot be converted to OpenAPI 3.0",
            ),
        ];
        for (property, error) in cases {
            let document = tagged_3_1(&format!(
                "{{type: object, properties: {{p: {property}, name: {{type: string}}}}}}{components}"
            ));
            let failure = generate(&document, &Options::default()).expect_err("`bad` uses it");
            assert!(failure.to_string().starts_with(error), "{failure}");
            let skipping = skipping();
            let generated = generate(&document, &skipping).expect("skipped");
            let warnings: Vec<String> = warnings_of(&generated);
            assert_eq!(warnings.len(), 1, "{warnings:?}");
            assert!(warnings[0].starts_with(error), "{warnings:?}");
            let models = file(&generated, "src/models.rs", "the models");
            for field in [
                "pub p: Option<serde_json::Value>",
                "pub name: Option<String>",
            ] {
                assert!(
                    models.contents.contains(field),
                    "{field}: {}",
                    models.contents
                );
            }
        }
    }
}
