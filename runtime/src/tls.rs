//! TLS for the HTTP client: rustls on the `ring` crypto provider, with the platform's
//! certificate verifier. reqwest is built without a provider of its own, so that one
//! provider is compiled (the one client assertions are signed with), not two.

use std::sync::Arc;

use rustls::ClientConfig;
use rustls_platform_verifier::BuilderVerifierExt;

use super::error::ConfigError;

/// A reqwest client builder whose TLS is rustls on `ring`, verifying certificates as the
/// platform does: the start of a client for [`ClientBuilder::http_client`].
///
/// It follows no redirects, as the client the builder makes does (reqwest's default
/// follows ten): reqwest drops `Authorization` when a redirect leads to another host, but
/// not a credential in a header of another name (an API key in `X-Api-Key`), which would
/// go wherever the redirect points. `.redirect(…)` changes it.
///
/// reqwest is built without a crypto provider here, so its own `Client::new()` and
/// `Client::builder()` fail to build a client (they panic) unless the application installs
/// one, e.g. `rustls::crypto::ring::default_provider().install_default()`.
///
/// [`ClientBuilder::http_client`]: super::ClientBuilder::http_client
pub fn http_client_builder() -> Result<reqwest::ClientBuilder, ConfigError> {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let mut config = ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .and_then(BuilderVerifierExt::with_platform_verifier)
        .map_err(|error| ConfigError::new(format!("TLS could not be set up: {error}")))?
        .with_no_client_auth();
    // reqwest is built for HTTP/1.1 only.
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(reqwest::Client::builder()
        .tls_backend_preconfigured(config)
        .redirect(reqwest::redirect::Policy::none()))
}

/// Whether `error` is a TLS handshake answered with something other than TLS: most often
/// a server that speaks plain HTTP (its `HTTP/1.1 400` is no TLS record), reached with an
/// `https://` URL. Sending again can only fail the same way.
pub(crate) fn is_answer_without_tls(error: &(dyn std::error::Error + 'static)) -> bool {
    matches!(
        tls_error(error),
        Some(rustls::Error::InvalidMessage(
            rustls::InvalidMessage::InvalidContentType
        ))
    )
}

/// Whether `error` is the server's certificate refused (issued by no authority the machine
/// trusts, expired, for another name). Sending again can only fail the same way.
pub(crate) fn is_certificate_refused(error: &(dyn std::error::Error + 'static)) -> bool {
    matches!(tls_error(error), Some(rustls::Error::InvalidCertificate(_)))
}

/// The TLS error among the causes of `error`, if there is one.
fn tls_error<'e>(error: &'e (dyn std::error::Error + 'static)) -> Option<&'e rustls::Error> {
    let mut cause = Some(error);
    while let Some(error) = cause {
        if let Some(tls) = error.downcast_ref::<rustls::Error>() {
            return Some(tls);
        }
        // An `io::Error` shows the error it wraps but does not give it as its source.
        cause = match error.downcast_ref::<std::io::Error>() {
            Some(io) => io
                .get_ref()
                .map(|inner| inner as &(dyn std::error::Error + 'static)),
            None => error.source(),
        };
    }
    None
}
