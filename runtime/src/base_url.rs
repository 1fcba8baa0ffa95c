//! The org URL: what is accepted, and how it is shown in errors and `Debug` without the
//! credentials it may carry.

use std::net::IpAddr;

use reqwest::Url;

use super::error::ConfigError;

/// Checks and normalises the org URL `text`, naming it `what` in errors: `https://` (plain
/// `http://` only to a loopback host), a host, no credentials, query or fragment; a path is
/// kept as a prefix, without its trailing slash.
pub(crate) fn parse_as(text: &str, what: &str) -> Result<Url, ConfigError> {
    let text = text.trim();
    if let Some(host) = host_without_scheme(text) {
        let http = if is_loopback(host) {
            "http:// (for a loopback host, such as a local emulator) or "
        } else {
            ""
        };
        return Err(ConfigError::new(format!(
            "the {what} has no scheme: begin it with {http}https:// (it is not shown, as it may hold credentials)"
        )));
    }
    let mut url = Url::parse(text).map_err(|error| {
        ConfigError::new(format!(
            "the {what} is not a valid URL ({error}); it is not shown, as it may hold credentials"
        ))
    })?;
    let invalid = |why: &str| ConfigError::new(format!("the {what} `{}` {why}", shown(&url)));
    let Some(host) = url.host_str().filter(|host| !host.is_empty()) else {
        // Without a host, credentials are not told apart from the rest (`admin:pw@okta.com`).
        return Err(ConfigError::new(format!(
            "the {what} has no host: write it as https://HOST (it is not shown, as it may hold credentials)"
        )));
    };
    match url.scheme() {
        "https" => {}
        "http" if is_loopback(host) => {}
        "http" => {
            return Err(invalid(
                "uses plain http://, which is allowed only for loopback hosts; use https://",
            ))
        }
        other => return Err(invalid(&format!("has the scheme `{other}`; use https://"))),
    }
    // The URL standard lets more into a host than HTTP does (`{yourOktaDomain}`, a
    // placeholder left in): such a URL would fail on every request, not here.
    let in_host_name = |c: char| c.is_ascii_alphanumeric() || matches!(c, '-' | '.' | '_');
    // An IPv6 address is in brackets; a name has been put in punycode.
    let bad = match host.starts_with('[') {
        true => None,
        false => host.chars().find(|&c| !in_host_name(c)),
    };
    if let Some(bad) = bad {
        return Err(invalid(&format!(
            "has `{}` in its host, which no host name has (a placeholder left in?)",
            bad.escape_default()
        )));
    }
    if url.port() == Some(0) {
        return Err(invalid("has the port 0, which nothing listens on"));
    }
    if has_credentials(&url) {
        return Err(invalid(
            "contains credentials (a user name or password), which are never sent in the URL; authenticate with an API token or OAuth instead",
        ));
    }
    if url.query().is_some() || url.fragment().is_some() {
        return Err(invalid(
            "has a query or fragment (not shown here, as it may hold a secret); give only the scheme, host and an optional path",
        ));
    }
    let path = url.path().trim_end_matches('/').to_owned();
    url.set_path(&path);
    Ok(url)
}

/// The host `text` begins with when it has no scheme: `dev-123456.okta.com`,
/// `dev-123456.okta.com:443`, `localhost:8089`, `127.0.0.1:8089` or `[::1]:8089` (a name
/// before the first `:` is taken for a scheme unless it has a dot or is `localhost`).
fn host_without_scheme(text: &str) -> Option<&str> {
    if text.starts_with('[') {
        return Some(text.split_inclusive(']').next().unwrap_or(text));
    }
    match text.split_once(':') {
        None => Some(text.split('/').next().unwrap_or(text)),
        Some((host, _)) if host.contains('.') || host.eq_ignore_ascii_case("localhost") => {
            Some(host)
        }
        Some(_) => None,
    }
}

/// Whether `url`'s host is this machine (an emulator, a test server).
pub(crate) fn is_on_this_machine(url: &Url) -> bool {
    url.host_str().is_some_and(is_loopback)
}

/// Whether `host` (a name, an IP address, or an IPv6 address in brackets) is this machine:
/// `localhost`, a loopback address, or one written as an IPv6 address mapped from IPv4
/// (`[::ffff:127.0.0.1]`). A name is taken only as `localhost` itself, which resolvers keep
/// on this machine (not `localhost.`, which a DNS server answers).
fn is_loopback(host: &str) -> bool {
    let address = host.trim_start_matches('[').trim_end_matches(']');
    host.eq_ignore_ascii_case("localhost")
        || address.parse::<IpAddr>().is_ok_and(|ip| match ip {
            IpAddr::V6(v6) => v6
                .to_ipv4_mapped()
                .map_or(v6.is_loopback(), |v4| v4.is_loopback()),
            IpAddr::V4(v4) => v4.is_loopback(),
        })
}

/// The base URL text as it may be shown: what `url` parses it as, credentials replaced by
/// `<redacted>` and without query or fragment; nothing of a text that does not parse.
pub(crate) fn shown_text(text: &str) -> String {
    match Url::parse(text.trim()) {
        Ok(url) => shown(&url),
        Err(_) => "<not a valid URL>".to_owned(),
    }
}

/// `url` without its credentials (marked `<redacted>`), query and fragment.
fn shown(url: &Url) -> String {
    let mut clean = url.clone();
    // Neither fails on a URL with a host, the only kind that can carry credentials.
    let _ = clean.set_username("");
    let _ = clean.set_password(None);
    clean.set_query(None);
    clean.set_fragment(None);
    if !has_credentials(url) {
        return clean.into();
    }
    // A URL with a host is serialised as `scheme://host…`.
    let authority = clean.scheme().len() + "://".len();
    let text = clean.as_str();
    format!("{}<redacted>@{}", &text[..authority], &text[authority..])
}

fn has_credentials(url: &Url) -> bool {
    !url.username().is_empty() || url.password().is_some()
}

/// Whether `url` is at the same origin (scheme, host and port) as `base`.
pub(crate) fn same_origin(url: &Url, base: &Url) -> bool {
    url.origin() == base.origin()
}

/// An error when `url`, the base URL (called `what` in the message), is one the API is not
/// served at: the admin console's host of an org on one of Okta's own domains
/// (`dev-123456-admin.okta.com`), which Okta's SDKs refuse too. A custom domain may have
/// `-admin` in it for its own reasons.
#[cfg(feature = "okta")]
pub(crate) fn check_api_host(url: &Url, what: &str) -> Result<(), ConfigError> {
    const ADMIN_CONSOLES: [&str; 3] = [
        "-admin.okta.com",
        "-admin.oktapreview.com",
        "-admin.okta-emea.com",
    ];
    let host = url.host_str().unwrap_or_default().trim_end_matches('.');
    // The URL parser writes a host name in lower case.
    if ADMIN_CONSOLES.iter().any(|console| host.ends_with(console)) {
        return Err(ConfigError::new(format!(
            "the {what} is the admin console's (`-admin`): give the org's, without `-admin`, \
             like https://dev-123456.okta.com"
        )));
    }
    Ok(())
}

/// Any base URL will do.
#[cfg(not(feature = "okta"))]
pub(crate) fn check_api_host(_url: &Url, _what: &str) -> Result<(), ConfigError> {
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[cfg(feature = "okta")]
    #[test]
    fn the_admin_console_of_an_org_on_okta_s_domains_is_no_base_url() {
        for console in [
            "https://dev-123456-admin.okta.com",
            "https://acme-admin.oktapreview.com/",
            "https://ACME-ADMIN.okta-emea.com.",
            "https://acme-admin.okta-emea.com:443",
        ] {
            let url = Url::parse(console).expect("a URL");
            let error = check_api_host(&url, "org URL").expect_err(console);
            assert_eq!(
                error.message(),
                "the org URL is the admin console's (`-admin`): give the org's, without `-admin`, like https://dev-123456.okta.com"
            );
        }
        for org in [
            "https://dev-123456.okta.com",
            "https://login-admin.example.com",
            "http://127.0.0.1:8089",
            "https://admin.okta.com",
            "https://admin.okta.com.evil.example",
        ] {
            let url = Url::parse(org).expect("a URL");
            assert_eq!(check_api_host(&url, "org URL"), Ok(()), "{org}");
        }
    }

    #[test]
    fn every_spelling_that_carries_credentials_is_refused_and_redacted() {
        for text in [
            "https://user:s3cret@example.com",
            "https:///user:s3cret@example.com",
            "https:/user:s3cret@example.com",
            "https:\\\\user:s3cret@example.com",
            "https://user:s3c@ret@example.com/path?q=s3cret#s3cret",
        ] {
            let error = parse_as(text, "base URL").unwrap_err().to_string();
            assert!(error.contains("contains credentials"), "{text}: {error}");
            for shown in [error, shown_text(text)] {
                assert!(!shown.contains("s3c"), "{text}: {shown}");
                assert!(shown.contains("<redacted>@example.com"), "{text}: {shown}");
            }
        }
    }

    #[test]
    fn a_host_without_a_scheme_is_told_to_begin_with_https() {
        for text in ["dev-123456.okta.com", " dev-123456.okta.com:443/"] {
            let error = parse_as(text, "base URL").unwrap_err().to_string();
            assert!(
                error.contains("the base URL has no scheme: begin it with https://"),
                "{text}: {error}"
            );
            assert!(!error.contains("okta.com"), "{error}");
        }
        for text in [
            "localhost:8089",
            "127.0.0.1:8089/",
            "[::1]:8089",
            "LOCALHOST",
        ] {
            let error = parse_as(text, "base URL").unwrap_err().to_string();
            assert!(
                error.contains("has no scheme: begin it with http:// (for a loopback host, such as a local emulator) or https://"),
                "{text}: {error}"
            );
        }
        // Read as the scheme `admin`, with no host.
        let error = parse_as("admin:s3cret@dev-123456.okta.com", "base URL")
            .unwrap_err()
            .to_string();
        assert!(error.contains("the base URL has no host"), "{error}");
        assert!(!error.contains("s3cret"), "{error}");
    }

    /// What the URL standard takes in a host and HTTP does not (a placeholder left in) is
    /// refused here, not by every request; a name outside ASCII, an IP address and a port
    /// are taken.
    #[test]
    fn a_host_no_request_could_be_sent_to_is_refused() {
        for (text, bad) in [
            ("https://{yourOktaDomain}", "{"),
            ("https://dev-1.okta.com`", "`"),
            ("https://a}b.okta.com/x", "}"),
        ] {
            let error = parse_as(text, "base URL").unwrap_err().to_string();
            assert!(
                error.ends_with(&format!(
                    "has `{bad}` in its host, which no host name has (a placeholder left in?)"
                )),
                "{text}: {error}"
            );
        }
        let error = parse_as("https://dev-1.okta.com:0", "base URL").unwrap_err();
        assert!(error
            .to_string()
            .ends_with("has the port 0, which nothing listens on"));
        for text in [
            "https://dev-1.okta.com",
            "https://bücher.example",
            "http://127.0.0.1:8089",
            "http://[::1]:8089",
            "https://under_score.internal:8443/prefix",
        ] {
            assert!(parse_as(text, "base URL").is_ok(), "{text}");
        }
    }

    #[test]
    fn an_unparsable_url_is_never_echoed() {
        let text = "https://user:s3cret/x@example.com";
        let error = parse_as(text, "base URL").unwrap_err().to_string();
        assert!(error.contains("invalid port number"), "{error}");
        assert!(!error.contains("s3cret"), "{error}");
        assert_eq!(shown_text(text), "<not a valid URL>");
    }

    #[test]
    fn origins_compare_scheme_host_and_port() {
        let base = Url::parse("https://example.com/prefix").unwrap();
        let same = Url::parse("https://EXAMPLE.com:443/other?x").unwrap();
        assert!(same_origin(&same, &base));
        for other in [
            "http://example.com/prefix",
            "https://example.com:8443/prefix",
            "https://example.org/prefix",
        ] {
            assert!(!same_origin(&Url::parse(other).unwrap(), &base), "{other}");
        }
    }
}
