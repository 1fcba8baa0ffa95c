//! `cargo xtask diff OLD NEW`: what changes in the generated client's API surface from one
//! OpenAPI document to another.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use generator::{Options, surface};

#[derive(clap::Args)]
pub struct Diff {
    /// The earlier OpenAPI 3.0 document (YAML or JSON).
    old: PathBuf,
    /// The later OpenAPI 3.0 document.
    new: PathBuf,
    /// Compare only the operations with this tag; repeat for several tags. Default: all.
    #[arg(long = "tag", value_name = "TAG")]
    tags: Vec<String>,
    /// Leave out what cannot be generated rather than fail, as `codegen` does.
    #[arg(long)]
    skip_unsupported: bool,
    /// Print the report as Markdown, for a changelog entry.
    #[arg(long)]
    markdown: bool,
    /// Exit with 1 when a change is breaking (the report is printed all the same), for a
    /// CI that must not let one through unnoticed.
    #[arg(long)]
    fail_on_breaking: bool,
}

impl Diff {
    pub fn run(self) -> Result<ExitCode, String> {
        let options = Options {
            tags: self.tags.clone(),
            skip_unsupported: self.skip_unsupported,
            ..Options::default()
        };
        let old = surface_of(&self.old, &options)?;
        let new = surface_of(&self.new, &options)?;
        let changes = surface::diff(&old, &new);
        print!("{}", crate::render(&changes, self.markdown));
        let breaking = surface::bump(&changes) == surface::Bump::Major;
        Ok(match self.fail_on_breaking && breaking {
            true => ExitCode::FAILURE,
            false => ExitCode::SUCCESS,
        })
    }
}

fn surface_of(path: &Path, options: &Options) -> Result<surface::Surface, String> {
    let text = crate::read_spec(path)
        .map_err(|error| format!("cannot read {}: {error}", crate::shown(path)))?;
    generator::surface_of(&text, options)
        .map_err(|error| format!("{}: {}", crate::shown(path), crate::told(&error)))
}
