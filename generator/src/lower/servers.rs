//! The servers of the API: the client sends every request to the one base URL it is built
//! with, so an operation may list other servers only when they are the API's own; and the
//! first of them is the one the examples build a client for.

use super::Lowerer;
use crate::diagnostic::{Diagnostic, Pointer};

impl<'d> Lowerer<'d> {
    /// An error when the path item or operation at `at` lists `servers` other than the
    /// document's: the client sends every request to the one base URL it is built with.
    /// Servers that every operation shares (`common`) are as good as the document's.
    pub(super) fn own_servers(
        &self,
        servers: &[openapiv3::Server],
        at: &Pointer,
        common: Option<&[&str]>,
    ) -> Result<(), Diagnostic> {
        let own = urls(servers);
        if own.is_empty() || own == urls(&self.document.servers) || Some(own.as_slice()) == common {
            return Ok(());
        }
        Err(Diagnostic::at(
            &at.push("servers"),
            "`servers` on a path item or an operation is not supported yet",
        )
        .with_help("the client sends every request to the base URL it is built with; generate the operations of another server from a document of their own"))
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

/// The URLs of `servers`, in order.
fn urls(servers: &[openapiv3::Server]) -> Vec<&str> {
    servers.iter().map(|server| server.url.as_str()).collect()
}
