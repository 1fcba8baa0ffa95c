//! The `User-Agent` of every request: the product of the crate requests are made through
//! (`<crate-name>/<version>`), then the suffix the user set.

use std::sync::OnceLock;

use reqwest::header::HeaderValue;

/// The product sent when no crate named its own.
const RUNTIME_PRODUCT: &str = concat!(env!("CARGO_PKG_NAME"), "/", env!("CARGO_PKG_VERSION"));

/// The `User-Agent` of one client and its clones, fixed the first time it is named or sent.
#[derive(Debug)]
pub(crate) struct UserAgent {
    suffix: Option<String>,
    header: OnceLock<HeaderValue>,
}

impl UserAgent {
    /// `suffix` (trimmed; blank is none) follows the product, or `None` when it has
    /// characters a header cannot carry.
    pub(crate) fn new(suffix: Option<&str>) -> Option<Self> {
        let suffix = suffix.map(str::trim).filter(|suffix| !suffix.is_empty());
        let agent = Self {
            suffix: suffix.map(str::to_owned),
            header: OnceLock::new(),
        };
        agent.compose(RUNTIME_PRODUCT).map(|_| agent)
    }

    /// Names the crate requests are sent through; the first name given is kept.
    pub(crate) fn identify(&self, product: &str) {
        if let Some(header) = self.compose(product) {
            let _ = self.header.set(header);
        }
    }

    /// The header to send: the product named first, or the runtime's own.
    pub(crate) fn header(&self) -> HeaderValue {
        self.header
            .get_or_init(|| {
                self.compose(RUNTIME_PRODUCT)
                    .unwrap_or_else(|| HeaderValue::from_static(RUNTIME_PRODUCT))
            })
            .clone()
    }

    fn compose(&self, product: &str) -> Option<HeaderValue> {
        let text = match &self.suffix {
            Some(suffix) => format!("{product} {suffix}"),
            None => product.to_owned(),
        };
        HeaderValue::from_str(&text).ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_first_product_named_is_sent_before_the_suffix() {
        let agent = UserAgent::new(Some(" hr-sync/2.1 ")).expect("a valid suffix");
        agent.identify("petstore-client/1.2.0");
        agent.identify("other/9.9.9");
        assert_eq!(agent.header(), "petstore-client/1.2.0 hr-sync/2.1");
    }

    #[test]
    fn without_a_product_the_runtime_names_itself_and_keeps_that() {
        let agent = UserAgent::new(None).expect("no suffix");
        assert_eq!(agent.header(), "api-client-runtime/0.1.0");
        agent.identify("late/1.0.0");
        assert_eq!(agent.header(), "api-client-runtime/0.1.0");
    }

    #[test]
    fn a_suffix_a_header_cannot_carry_is_refused() {
        assert!(UserAgent::new(Some("hr-sync\n2.1")).is_none());
        assert!(UserAgent::new(Some("   ")).is_some());
    }
}
