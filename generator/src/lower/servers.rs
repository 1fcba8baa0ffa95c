//! The servers of the API: the client sends a request to the base URL it is built with,
//! unless its operation lists servers of its own that leave out the API's first server;
//! then to the first of them. And the API's first server is the one the examples build a
//! client for.

use super::Lowerer;
use crate::diagnostic::{Diagnostic, Pointer};
use crate::ir::OwnServer;

impl<'d> Lowerer<'d> {
    /// The server an operation whose path item or self (at `at`) lists `servers` is sent
    /// to: `None` for the client's base URL, when they include the API's first server
    /// (Kubernetes' `https://kubernetes.local` is its document's `//kubernetes.local`);
    /// otherwise the first of them (Box's uploads go to `https://upload.box.com/api/2.0`;
    /// those of Linode's operations that list only its second server, `v4beta`, there).
    /// An error when it is no absolute `http(s)` URL once its variables take their
    /// defaults.
    pub(super) fn operation_server(
        &self,
        servers: &[openapiv3::Server],
        at: &Pointer,
    ) -> Result<Option<OwnServer>, Diagnostic> {
        let api = self.api_server().map(|server| server.url.as_str());
        let is_api_s =
            |server: &openapiv3::Server| api.is_some_and(|api| same_server(&server.url, api));
        let Some(first) = servers.first().filter(|_| !servers.iter().any(is_api_s)) else {
            return Ok(None);
        };
        if with_defaults(first).is_none() {
            return Err(Diagnostic::at(
                &at.push("servers").push(0).push("url"),
                format!("the operation's own server `{}` is no absolute http:// or https:// URL once its variables take their defaults", first.url),
            )
            .with_help("give the server as `https://HOST/PATH`, or its variables defaults that make it one"));
        }
        let variables = first
            .variables
            .iter()
            .flatten()
            .map(|(name, _)| name.clone())
            .collect();
        Ok(Some(OwnServer {
            url: first.url.trim().to_owned(),
            variables,
        }))
    }

    /// The API's first server, its variables given their defaults, when that makes an
    /// absolute `http(s)` URL.
    pub(super) fn default_server(&self) -> Option<String> {
        with_defaults(self.api_server()?)
    }

    /// The API's first server: the document's, or when it lists none, the first of the
    /// first operation's (or else its path item's); none when that lists none either.
    fn api_server(&self) -> Option<&'d openapiv3::Server> {
        if let Some(server) = self.document.servers.first() {
            return Some(server);
        }
        let item = self.document.paths.paths.values().next()?.as_item()?;
        let (_, operation) = item.iter().next()?;
        operation.servers.first().or(item.servers.first())
    }
}

/// `server`'s URL with its variables given their defaults, when that makes an absolute
/// `http(s)` URL.
fn with_defaults(server: &openapiv3::Server) -> Option<String> {
    let mut url = server.url.clone();
    for (name, variable) in server.variables.iter().flatten() {
        url = url.replace(&format!("{{{name}}}"), &variable.default);
    }
    let absolute = url.starts_with("https://") || url.starts_with("http://");
    (absolute
        && !url.contains(['{', '}', '"', '\\'])
        && !url.chars().any(|c| c.is_control() || c.is_whitespace()))
    .then_some(url)
}

/// Whether two server URLs name the same server: alike but for a trailing `/` and the
/// letter case of the scheme and host, a URL without a scheme (`//host`, which takes the
/// document's, and so the client's) alike with any.
fn same_server(a: &str, b: &str) -> bool {
    let (a, b) = (comparable(a), comparable(b));
    match (a.split_once("//"), b.split_once("//")) {
        (Some(("", a)), Some((_, b))) | (Some((_, a)), Some(("", b))) => a == b,
        _ => a == b,
    }
}

/// A server URL with no trailing `/`, its scheme and host (up to the path) in lower case.
fn comparable(url: &str) -> String {
    let url = url.trim_end_matches('/');
    let host_end = url.find("//").map_or(0, |at| {
        at + 2 + url[at + 2..].find('/').unwrap_or(url.len() - at - 2)
    });
    let (origin, path) = url.split_at(host_end);
    origin.to_ascii_lowercase() + path
}

#[cfg(test)]
mod tests {
    use super::same_server;

    #[test]
    fn servers_alike_but_for_case_a_trailing_slash_or_a_scheme_left_out_are_one() {
        let same = [
            ("https://api.example.com/v1", "https://api.example.com/v1/"),
            ("HTTPS://API.Example.com/v1", "https://api.example.com/v1"),
            ("//kubernetes.local", "https://kubernetes.local"),
            ("https://kubernetes.local", "//kubernetes.local/"),
            (
                "{protocol}://{hostname}/api/v3",
                "{protocol}://{hostname}/api/v3",
            ),
        ];
        for (a, b) in same {
            assert!(same_server(a, b), "{a} and {b}");
        }
        let different = [
            ("https://api.example.com/v1", "https://api.example.com/V1"),
            ("https://api.example.com/v1", "https://api.example.com/v2"),
            ("https://api.example.com", "http://api.example.com"),
            ("https://upload.box.com/api/2.0", "https://api.box.com/2.0"),
            ("//a.example.com", "https://b.example.com"),
            ("/v1", "https://api.example.com/v1"),
        ];
        for (a, b) in different {
            assert!(!same_server(a, b), "{a} and {b}");
        }
    }
}
