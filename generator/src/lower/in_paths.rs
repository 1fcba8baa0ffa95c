//! `$ref`s into `#/paths`: OpenAPI lets a reference point at any part of the document, and
//! some documents reuse an operation's parameter or response from another operation that
//! way (`$ref: '#/paths/~1v2~1account~1keys~1%7Bid%7D/get/parameters/0'`, DigitalOcean's)
//! rather than from `#/components`.

use openapiv3::{Operation, Parameter, PathItem, Paths, ReferenceOr, Response, StatusCode};

use super::pointer_token;
use crate::diagnostic::Pointer;

/// The parameter `reference` points at: `#/paths/{path}/parameters/{index}` or
/// `#/paths/{path}/{method}/parameters/{index}`.
pub(super) fn parameter<'d>(
    paths: &'d Paths,
    reference: &str,
) -> Option<&'d ReferenceOr<Parameter>> {
    let (item, rest) = path_item(paths, reference)?;
    match rest.as_slice() {
        [list, index] if list == "parameters" => item.parameters.get(index.parse::<usize>().ok()?),
        [method, list, index] if list == "parameters" => {
            let operation = operation(item, method)?;
            operation.parameters.get(index.parse::<usize>().ok()?)
        }
        _ => None,
    }
}

/// The response `reference` points at: `#/paths/{path}/{method}/responses/{status}`, the
/// status a code, a range (`4XX`) or `default`.
pub(super) fn response<'d>(paths: &'d Paths, reference: &str) -> Option<&'d ReferenceOr<Response>> {
    let (item, rest) = path_item(paths, reference)?;
    let [method, list, status] = rest.as_slice() else {
        return None;
    };
    if list != "responses" {
        return None;
    }
    let responses = &operation(item, method)?.responses;
    if status == "default" {
        return responses.default.as_ref();
    }
    // A range is read in either case, as the document's keys are (`4XX`, `4xx`).
    let status = status.to_ascii_uppercase();
    let status = match status.strip_suffix("XX") {
        Some(class) => StatusCode::Range(class.parse().ok()?),
        None => StatusCode::Code(status.parse().ok()?),
    };
    responses.responses.get(&status)
}

/// Whether `reference` points into `#/paths`.
pub(super) fn is_in(reference: &str) -> bool {
    reference.starts_with("#/paths/")
}

/// Where a reference into `#/paths` points, its tokens decoded as every pointer's are.
pub(super) fn pointer(reference: &str) -> Option<Pointer> {
    let tokens = reference.strip_prefix("#/")?.split('/');
    tokens
        .map(pointer_token)
        .try_fold(Pointer::root(), |pointer, token| Some(pointer.push(token?)))
}

/// The path item a reference into `#/paths` starts at, and the decoded tokens after it.
fn path_item<'d>(paths: &'d Paths, reference: &str) -> Option<(&'d PathItem, Vec<String>)> {
    let mut tokens = reference
        .strip_prefix("#/paths/")?
        .split('/')
        .map(pointer_token);
    let path = tokens.next()??;
    let rest = tokens.collect::<Option<Vec<String>>>()?;
    match paths.paths.get(&path)? {
        ReferenceOr::Item(item) => Some((item, rest)),
        ReferenceOr::Reference { .. } => None,
    }
}

fn operation<'d>(item: &'d PathItem, method: &str) -> Option<&'d Operation> {
    match method {
        "get" => item.get.as_ref(),
        "put" => item.put.as_ref(),
        "post" => item.post.as_ref(),
        "delete" => item.delete.as_ref(),
        "options" => item.options.as_ref(),
        "head" => item.head.as_ref(),
        "patch" => item.patch.as_ref(),
        "trace" => item.trace.as_ref(),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use openapiv3::OpenAPI;

    use super::*;

    const DOCUMENT: &str = r#"
openapi: 3.0.3
info: {title: T, version: '1'}
paths:
  /a/{id}:
    parameters:
      - {name: id, in: path, required: true, schema: {type: string}}
    get:
      parameters:
        - {name: q, in: query, schema: {type: string}}
      responses:
        '200': {description: ok}
        4XX: {description: refused}
        default: {description: otherwise}
"#;

    fn paths() -> Paths {
        let document: OpenAPI = serde_yaml::from_str(DOCUMENT).expect("a document");
        document.paths
    }

    fn name(parameter: Option<&ReferenceOr<Parameter>>) -> Option<&str> {
        match parameter? {
            ReferenceOr::Item(parameter) => Some(&parameter.parameter_data_ref().name),
            ReferenceOr::Reference { .. } => None,
        }
    }

    fn description(response: Option<&ReferenceOr<Response>>) -> Option<&str> {
        match response? {
            ReferenceOr::Item(response) => Some(&response.description),
            ReferenceOr::Reference { .. } => None,
        }
    }

    #[test]
    fn parameters_of_path_items_and_operations_are_found_with_their_escapes_undone() {
        let paths = paths();
        let found = |reference| name(parameter(&paths, reference));
        assert_eq!(found("#/paths/~1a~1%7Bid%7D/parameters/0"), Some("id"));
        assert_eq!(found("#/paths/~1a~1{id}/get/parameters/0"), Some("q"));
        for nothing in [
            "#/paths/~1a~1{id}/parameters/1",
            "#/paths/~1a~1{id}/put/parameters/0",
            "#/paths/~1a~1{id}/get/parameters/x",
            "#/paths/~1b/parameters/0",
            "#/paths/~1a~1{id}/get/responses/200",
            "#/paths/~1a~1{id}/get/parameters/0/schema",
            "#/components/parameters/q",
        ] {
            assert_eq!(found(nothing), None, "{nothing}");
        }
    }

    #[test]
    fn responses_are_found_by_code_range_or_default() {
        let paths = paths();
        let found = |reference| description(response(&paths, reference));
        assert_eq!(found("#/paths/~1a~1{id}/get/responses/200"), Some("ok"));
        assert_eq!(
            found("#/paths/~1a~1{id}/get/responses/4XX"),
            Some("refused")
        );
        assert_eq!(
            found("#/paths/~1a~1{id}/get/responses/4xx"),
            Some("refused")
        );
        assert_eq!(
            found("#/paths/~1a~1{id}/get/responses/default"),
            Some("otherwise")
        );
        for nothing in [
            "#/paths/~1a~1{id}/get/responses/404",
            "#/paths/~1a~1{id}/get/responses/5XX",
            "#/paths/~1a~1{id}/get/parameters/0",
            "#/paths/~1a~1{id}/parameters/0",
        ] {
            assert_eq!(found(nothing), None, "{nothing}");
        }
    }

    #[test]
    fn the_place_of_a_reference_is_written_as_every_pointer_is() {
        let at = pointer("#/paths/~1a~1%7Bid%7D/get/responses/200").expect("a pointer");
        assert_eq!(at.to_string(), "#/paths/~1a~1{id}/get/responses/200");
    }
}
