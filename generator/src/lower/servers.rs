//! The servers of the API: the client sends every request to the base URL it is built
//! with, but an operation that lists servers other than the API's own, which it is sent to
//! (the first of them); and the first of the API's is the one the examples build a client
//! for.

use super::Lowerer;
use crate::diagnostic::{Diagnostic, Pointer};

impl<'d> Lowerer<'d> {
    /// The server an operation whose path item or self (at `at`) lists `servers` is sent
    /// to: `None` for the client's base URL, when they are among the document's (Linode
    /// lists one of its two for some operations; Kubernetes' `https://kubernetes.local` is
    /// its document's `//kubernetes.local`) or among those every operation shares
    /// (`common`); otherwise the first of them, its variables given their defaults (Box's
    /// uploads go to `https://upload.box.com/api/2.0`). An error when that is no absolute
    /// `http(s)` URL.
    pub(super) fn operation_server(
        &self,
        servers: &[openapiv3::Server],
        at: &Pointer,
        common: Option<&[&str]>,
    ) -> Result<Option<String>, Diagnostic> {
        let document = urls(&self.document.servers);
        let api = common.unwrap_or(&document);
        let among_api = |url: &&str| api.iter().any(|theirs| same_server(url, theirs));
        let Some(first) = servers
            .first()
            .filter(|_| !urls(servers).iter().any(among_api))
        else {
            return Ok(None);
        };
        let url = with_defaults(first).ok_or_else(|| {
            Diagnostic::at(
                &at.push("servers").push(0).push("url"),
                format!("the operation's own server `{}` is no absolute http:// or https:// URL once its variables take their defaults", first.url),
            )
            .with_help("give the server as `https://HOST/PATH`, or its variables defaults that make it one")
        })?;
        Ok(Some(url))
    }

    /// The API's first server, its variables given their defaults, when that makes an
    /// absolute `http(s)` URL: the document's, or else the one every operation lists.
    pub(super) fn default_server(&self) -> Option<String> {
        let server = match self.document.servers.first() {
            Some(server) => server,
            None => {
                self.common_servers()?;
                self.document.paths.paths.values().find_map(|item| {
                    let item = item.as_item()?;
                    let (_, operation) = item.iter().next()?;
                    operation.servers.first().or(item.servers.first())
                })?
            }
        };
        with_defaults(server)
    }

    /// The servers of every operation, when the document lists none of its own and each
    /// operation (or its path item) lists the same: the API's servers, said in each place.
    pub(super) fn common_servers(&self) -> Option<Vec<&'d str>> {
        if !self.document.servers.is_empty() {
            return None;
        }
        let mut common: Option<Vec<&'d str>> = None;
        for item in self.document.paths.paths.values() {
            let item = item.as_item()?;
            for (_, operation) in item.iter() {
                let servers = match operation.servers.as_slice() {
                    [] => &item.servers,
                    own => own,
                };
                let urls = urls(servers);
                if urls.is_empty() || common.as_ref().is_some_and(|common| *common != urls) {
                    return None;
                }
                common = Some(urls);
            }
        }
        common
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

/// The URLs of `servers`, in order.
fn urls(servers: &[openapiv3::Server]) -> Vec<&str> {
    servers.iter().map(|server| server.url.as_str()).collect()
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
