//! The API surface change report: each later version of `tests/fixtures/surface/base.yaml`
//! in that folder against it (adding a case is adding a file), and Okta's two official
//! releases against each other.

use generator::{Options, surface};
use tests::{okta_official_spec_dir, workspace_root};

fn surface_of(text: &str, options: &Options) -> surface::Surface {
    generator::surface_of(text, options).unwrap_or_else(|error| panic!("no surface: {error}"))
}

fn report(old: &str, new: &str, options: &Options) -> (String, surface::Bump) {
    let changes = surface::diff(&surface_of(old, options), &surface_of(new, options));
    (surface::report_text(&changes), surface::bump(&changes))
}

#[test]
fn each_fixture_pair_reports_its_changes_and_the_bump_they_imply() {
    let dir = workspace_root().join("tests/fixtures/surface");
    let base = std::fs::read_to_string(dir.join("base.yaml")).expect("base readable");
    let mut cases: Vec<_> = std::fs::read_dir(&dir)
        .expect("fixture folder")
        .map(|entry| entry.expect("entry").path())
        .filter(|path| path.file_name().is_some_and(|name| name != "base.yaml"))
        .collect();
    cases.sort();
    assert!(cases.len() >= 5, "the fixture pairs are there: {cases:?}");
    for path in cases {
        let name = path
            .file_stem()
            .expect("a name")
            .to_string_lossy()
            .into_owned();
        let text = std::fs::read_to_string(&path).expect("fixture readable");
        let (report, bump) = report(&base, &text, &Options::default());
        let expected = match name.as_str() {
            "unchanged" => surface::Bump::None,
            "operation-added" => surface::Bump::Minor,
            _ => surface::Bump::Major,
        };
        assert_eq!(bump, expected, "{name}:\n{report}");
        insta::assert_snapshot!(format!("surface_{name}"), report);
    }
}

#[test]
fn the_markdown_report_groups_breaking_and_added_changes() {
    let dir = workspace_root().join("tests/fixtures/surface");
    let read = |name: &str| std::fs::read_to_string(dir.join(name)).expect("fixture readable");
    let old = surface_of(&read("field-removed.yaml"), &Options::default());
    let new = surface_of(&read("operation-added.yaml"), &Options::default());
    insta::assert_snapshot!(surface::report_markdown(&surface::diff(&old, &new)));
}

#[test]
fn a_recorded_surface_reads_back_as_it_was() {
    let text = std::fs::read_to_string(workspace_root().join("spec/identity-source.yaml"))
        .expect("spec readable");
    let surface = surface_of(&text, &Options::default());
    let recorded = surface.recorded("// preamble").expect("writes");
    assert!(recorded.is_ascii());
    assert_eq!(
        surface::Surface::from_recorded(&recorded).expect("reads"),
        surface
    );
}

#[test]
fn okta_releases_add_group_membership_and_user_operations_without_breaking_anything() {
    let dir = okta_official_spec_dir();
    let read = |release: &str| {
        std::fs::read_to_string(dir.join(format!("management-minimal.{release}.yaml"))).ok()
    };
    let (Some(old), Some(new)) = (read("2025.08.0"), read("2026.06.3")) else {
        println!(
            "skipped: Okta's official documents are not in {} (set OKTA_OFFICIAL_SPEC_DIR)",
            dir.display()
        );
        return;
    };
    let options = Options {
        tags: vec!["IdentitySource".into()],
        ..Options::default()
    };
    let (report, bump) = report(&old, &new, &options);
    assert_eq!(bump, surface::Bump::Minor, "{report}");
    for added in [
        "create_identity_source_groups",
        "create_identity_source_groups_memberships",
        "get_identity_source_user",
    ] {
        assert!(
            report.contains(&format!("+ operation `IdentitySourceApi::{added}`")),
            "{report}"
        );
    }
    insta::assert_snapshot!(report);
}
