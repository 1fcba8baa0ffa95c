//! `okta-emulator`: the Identity Source emulator as a process, for any client (curl, Okta's
//! SDKs, the `okta-import` CLI). Prints its base URL on standard output and runs until
//! SIGINT or SIGTERM.

use std::fmt::Display;
use std::io::Write;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use chrono::TimeDelta;
use clap::Parser;
use okta_identity_source_emulator::{Emulator, MAX_CLOCK_SKEW, ServiceApp};

/// The environment variable of the API tokens accepted.
const TOKENS_VARIABLE: &str = "OKTA_EMULATOR_API_TOKEN";

/// A local Okta Identity Source service: the real wire protocol and rules, no Okta org.
#[derive(Parser)]
#[command(name = "okta-emulator", version)]
struct Args {
    /// The port to listen on; 0 picks a free one.
    #[arg(long, default_value_t = 8089)]
    port: u16,
    /// The address to listen on: an IP address, or localhost.
    #[arg(long, default_value_t = IpAddr::V4(Ipv4Addr::LOCALHOST), value_parser = parse_host)]
    host: IpAddr,
    /// An API token accepted as `Authorization: SSWS <token>` (repeatable). Prefer the
    /// environment variable, comma-separated, over putting tokens in the command line.
    /// Spaces around each token are left out.
    #[arg(
        long = "api-token",
        env = TOKENS_VARIABLE,
        value_delimiter = ',',
        hide_env_values = true,
        // A token may start with `-`: taken, rather than shown back as an unknown flag.
        allow_hyphen_values = true,
        value_parser = parse_api_token
    )]
    api_tokens: Vec<String>,
    /// An identity source id (`0oa…`) to serve (repeatable).
    #[arg(long = "identity-source", required = true, value_parser = parse_identity_source)]
    identity_sources: Vec<String>,
    /// An OAuth 2.0 service app as CLIENT_ID=PUBLIC_KEY_PEM_FILE (repeatable).
    #[arg(long = "service-app", value_parser = parse_service_app)]
    service_apps: Vec<(String, PathBuf)>,
    /// How long an import stays TRIGGERED, e.g. 0s, 500ms, 2m.
    #[arg(long, default_value = "0s", value_parser = parse_duration)]
    processing_time: Duration,
    /// How long after a start-import a new session is refused.
    #[arg(long, default_value = "5m", value_parser = parse_duration)]
    cool_down: Duration,
    /// How long a CREATED session may stay idle before it expires.
    #[arg(long, default_value = "24h", value_parser = parse_duration)]
    session_expiry: Duration,
    /// API requests allowed in each rate-limit window, at least 1.
    #[arg(long, default_value_t = 600, value_parser = clap::value_parser!(u32).range(1..))]
    rate_limit: u32,
    /// The length of a rate-limit window, at least a millisecond.
    #[arg(long, default_value = "1m", value_parser = parse_window)]
    rate_limit_window: Duration,
    /// How far the service's clock runs ahead of this machine's, e.g. 10m, or behind, -10m
    /// (at most a day): the sessions' times, Date and X-Rate-Limit-Reset follow it.
    #[arg(long, default_value = "0s", allow_hyphen_values = true, value_parser = parse_skew)]
    clock_skew: TimeDelta,
    /// How long an OAuth 2.0 access token it issues is valid.
    #[arg(long, default_value = "1h", value_parser = parse_positive)]
    token_lifetime: Duration,
    /// How long a request's headers, and then its body, may take to arrive, and an answer
    /// may wait to be read, before the connection is closed.
    #[arg(long, default_value = "30s", value_parser = parse_positive)]
    request_timeout: Duration,
    /// How many connections are served at once; more wait to be accepted.
    #[arg(long, default_value_t = 512, value_parser = clap::value_parser!(u32).range(1..))]
    max_connections: u32,
    /// How many finished sessions (CLOSED, COMPLETED, ERROR, EXPIRED) each identity source
    /// keeps, at least 1 (a client must see its session finish); older ones are forgotten
    /// (GET answers 404), so memory stays bounded.
    #[arg(long, default_value_t = 1000, value_parser = clap::value_parser!(u32).range(1..))]
    finished_sessions_kept: u32,
}

impl std::fmt::Debug for Args {
    /// Everything but the API tokens, which are secrets: only their number is shown.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Args")
            .field("port", &self.port)
            .field("host", &self.host)
            .field(
                "api_tokens",
                &format_args!("<{} redacted>", self.api_tokens.len()),
            )
            .field("identity_sources", &self.identity_sources)
            .field("service_apps", &self.service_apps)
            .field("processing_time", &self.processing_time)
            .field("cool_down", &self.cool_down)
            .field("session_expiry", &self.session_expiry)
            .field("rate_limit", &self.rate_limit)
            .field("rate_limit_window", &self.rate_limit_window)
            .field("clock_skew", &self.clock_skew)
            .field("token_lifetime", &self.token_lifetime)
            .field("request_timeout", &self.request_timeout)
            .field("max_connections", &self.max_connections)
            .field("finished_sessions_kept", &self.finished_sessions_kept)
            .finish()
    }
}

/// An IP address, or `localhost` for 127.0.0.1.
fn parse_host(text: &str) -> Result<IpAddr, String> {
    if text.eq_ignore_ascii_case("localhost") {
        return Ok(IpAddr::V4(Ipv4Addr::LOCALHOST));
    }
    text.parse()
        .map_err(|_| format!("{text:?} is not an IP address (nor localhost)"))
}

/// A duration as humantime reads it: `500ms`, `30s`, `5m`, `24h`, `1h 30m`.
fn parse_duration(text: &str) -> Result<Duration, String> {
    humantime::parse_duration(text)
        .map_err(|error| format!("{text:?} is not a duration like 500ms, 30s, 5m or 24h: {error}"))
}

/// A duration of at least a millisecond: a token or a request given no time at all is
/// refused before it could be used.
fn parse_positive(text: &str) -> Result<Duration, String> {
    let duration = parse_duration(text)?;
    if duration < Duration::from_millis(1) {
        return Err(format!("{text:?} is no time: give at least 1ms"));
    }
    Ok(duration)
}

/// A rate-limit window: a window of no time would let every request through.
fn parse_window(text: &str) -> Result<Duration, String> {
    let window = parse_duration(text)?;
    if window < Duration::from_millis(1) {
        return Err(format!("{text:?} is no window: give at least 1ms"));
    }
    Ok(window)
}

/// A duration that may be negative (`-10m`), at most a day either way.
fn parse_skew(text: &str) -> Result<TimeDelta, String> {
    let (behind, length) = match text.strip_prefix('-') {
        Some(length) => (true, length),
        None => (false, text.strip_prefix('+').unwrap_or(text)),
    };
    let length = parse_duration(length)?;
    let skew = TimeDelta::from_std(length)
        .ok()
        .filter(|skew| *skew <= MAX_CLOCK_SKEW)
        .ok_or_else(|| format!("{text:?} is more than a day"))?;
    Ok(if behind { -skew } else { skew })
}

/// A token without the spaces around it (`OKTA_EMULATOR_API_TOKEN="a, b"`); an empty one (two
/// commas, one at an end) is refused, as no client can send it.
fn parse_api_token(text: &str) -> Result<String, String> {
    match text.trim() {
        "" => Err(
            "an API token of --api-token or OKTA_EMULATOR_API_TOKEN is empty (two commas in a \
             row, or one at an end?)"
                .into(),
        ),
        token => Ok(token.to_owned()),
    }
}

/// Refuses a token with a control character other than a tab (a line break), which no
/// client can send in a header. Checked once the arguments are read, as an error of the
/// parser would show the token.
fn check_api_token(token: &str) -> Result<(), String> {
    match token.chars().any(|c| c.is_control() && c != '\t') {
        true => Err(
            "an API token of --api-token or OKTA_EMULATOR_API_TOKEN has a control character \
             (a line break?), which no client can send in a header"
                .into(),
        ),
        false => Ok(()),
    }
}

/// An identity source id: letters and digits, as Okta's are (and as `okta-import` takes
/// them); it goes into every URL path of the API.
fn parse_identity_source(text: &str) -> Result<String, String> {
    if text.is_empty() || !text.chars().all(|c| c.is_ascii_alphanumeric()) {
        return Err(
            "not an identity source id: it must be letters and digits, like \
             0oa3l6l6WK6h0R0QW0g4"
                .into(),
        );
    }
    Ok(text.to_owned())
}

fn parse_service_app(text: &str) -> Result<(String, PathBuf), String> {
    match text.split_once('=') {
        Some((client_id, path)) if !client_id.is_empty() && !path.is_empty() => {
            Ok((client_id.to_owned(), PathBuf::from(path)))
        }
        _ => Err(format!("{text:?} is not CLIENT_ID=PUBLIC_KEY_PEM_FILE")),
    }
}

fn builder(args: Args) -> Result<okta_identity_source_emulator::EmulatorBuilder, String> {
    let mut builder = Emulator::builder()
        .bind(SocketAddr::new(args.host, args.port))
        .processing_time(args.processing_time)
        .cool_down(args.cool_down)
        .session_expiry(args.session_expiry)
        .rate_limit(args.rate_limit, args.rate_limit_window)
        .clock_skew(args.clock_skew)
        .token_lifetime(args.token_lifetime)
        .request_timeout(args.request_timeout)
        .max_connections(args.max_connections as usize)
        .finished_sessions_kept(args.finished_sessions_kept as usize);
    for source in args.identity_sources {
        builder = builder.identity_source(source);
    }
    for token in args.api_tokens {
        check_api_token(&token)?;
        builder = builder.api_token(token);
    }
    for (client_id, path) in args.service_apps {
        let pem = read_key(&path).map_err(|error| {
            format!(
                "cannot read the public key of {client_id} at {}: {error}",
                path.display()
            )
        })?;
        builder = builder.service_app(ServiceApp::new(client_id, pem));
    }
    Ok(builder)
}

/// The most a public key file is read: a PEM key takes a few kilobytes.
const LARGEST_KEY_FILE: u64 = 1 << 20;

/// The bytes of the key file at `path`: a regular file (a pipe would hold the start up until
/// a writer came; a device may never end) of at most [`LARGEST_KEY_FILE`] bytes.
fn read_key(path: &std::path::Path) -> std::io::Result<Vec<u8>> {
    use std::io::{Error, ErrorKind, Read};
    // Looked at before it is opened: opening a FIFO waits for a writer.
    if !std::fs::metadata(path)?.is_file() {
        return Err(Error::new(
            ErrorKind::InvalidInput,
            "it is not a regular file (a folder, a pipe or a device); give the PEM file",
        ));
    }
    let file = std::fs::File::open(path)?;
    let mut pem = Vec::new();
    file.take(LARGEST_KEY_FILE + 1).read_to_end(&mut pem)?;
    if pem.len() as u64 > LARGEST_KEY_FILE {
        return Err(Error::new(
            ErrorKind::InvalidInput,
            "it is larger than 1 MiB, which no PEM public key is",
        ));
    }
    Ok(pem)
}

/// Listens for SIGINT and (on Unix) SIGTERM from now on: the future resolves on the first.
/// Called before the base URL is printed, so that a supervisor that stops the emulator as
/// soon as it reads the URL stops it cleanly, not by the signal's default action.
fn stop_signal() -> impl std::future::Future<Output = ()> {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{Signal, SignalKind, signal};
        let interrupt = signal(SignalKind::interrupt()).ok();
        let terminate = signal(SignalKind::terminate()).ok();
        async fn received(signal: Option<Signal>) {
            match signal {
                Some(mut signal) => {
                    signal.recv().await;
                }
                None => std::future::pending().await,
            }
        }
        async move {
            tokio::select! {
                () = received(interrupt) => {}
                () = received(terminate) => {}
            }
        }
    }
    #[cfg(not(unix))]
    {
        async {
            let _ = tokio::signal::ctrl_c().await;
        }
    }
}

#[tokio::main]
async fn main() -> ExitCode {
    let args = match Args::try_parse() {
        Ok(args) => args,
        // clap would say only that an argument is not UTF-8, not that the variable is
        // (`--help` and a token given as a flag do not read it).
        Err(error)
            if error.kind() == clap::error::ErrorKind::InvalidUtf8
                && std::env::var_os(TOKENS_VARIABLE)
                    .is_some_and(|tokens| tokens.to_str().is_none()) =>
        {
            say(format_args!(
                "{TOKENS_VARIABLE} is not valid UTF-8: set it to the API tokens, comma-separated"
            ));
            return ExitCode::from(2);
        }
        Err(error) => error.exit(),
    };
    let no_tokens = args.api_tokens.is_empty() && args.service_apps.is_empty();
    let emulator = match builder(args) {
        Ok(builder) => builder.start().await.map_err(|error| error.to_string()),
        Err(message) => Err(message),
    };
    let emulator = match emulator {
        Ok(emulator) => emulator,
        Err(message) => {
            say(message);
            return ExitCode::FAILURE;
        }
    };
    if no_tokens {
        say(
            "no --api-token, OKTA_EMULATOR_API_TOKEN or --service-app: every API call will answer 401",
        );
    }
    let stopped = stop_signal();
    // For every address (0.0.0.0), the URL names loopback, which a client here can reach.
    if let Err(error) = print_base_url(emulator.base_url()) {
        return cannot_print(emulator, error).await;
    }
    let address = emulator.address();
    if address.ip().is_unspecified() {
        say(format_args!(
            "listening on every address ({address}); from another machine use this one's \
             address and port {}",
            address.port()
        ));
    }
    say("serving; stop with Ctrl-C or SIGTERM");
    stopped.await;
    emulator.shutdown().await;
    say("stopped");
    ExitCode::SUCCESS
}

/// Prints the base URL, the one line of standard output, which a script reads to find the
/// emulator.
fn print_base_url(url: &str) -> std::io::Result<()> {
    let mut stdout = std::io::stdout().lock();
    writeln!(stdout, "{url}").and_then(|()| stdout.flush())
}

/// Stops the emulator whose base URL could not be printed (a full disk, a closed pipe): no
/// client could find it.
async fn cannot_print(emulator: Emulator, error: std::io::Error) -> ExitCode {
    emulator.shutdown().await;
    say(format_args!(
        "cannot print the base URL on standard output ({error}); stopped"
    ));
    ExitCode::FAILURE
}

/// Says `message` on standard error. One that can't be written (standard error closed, a
/// pipe whose reader has gone) is let go: the emulator serves on, and stops as asked.
fn say(message: impl Display) {
    let _ = writeln!(std::io::stderr(), "okta-emulator: {message}");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_arguments_debug_output_holds_no_token() {
        let args = Args::parse_from([
            "okta-emulator",
            "--identity-source",
            "0oa1",
            "--api-token",
            "first-secret,second-secret",
        ]);
        let text = format!("{args:?}");
        assert!(!text.contains("secret"), "{text}");
        assert!(text.contains("<2 redacted>"), "{text}");
    }

    fn parse(args: &[&str]) -> Result<Args, String> {
        Args::try_parse_from(std::iter::once("okta-emulator").chain(args.iter().copied()))
            .map_err(|error| error.to_string())
    }

    #[tokio::test]
    async fn tokens_are_trimmed_and_each_is_accepted_as_sent() {
        let args = parse(&[
            "--port",
            "0",
            "--identity-source",
            "0oa1",
            "--api-token",
            "first, second ",
        ])
        .unwrap();
        assert_eq!(args.api_tokens, ["first", "second"]);
        let dashed = parse(&[
            "--identity-source",
            "0oa1",
            "--api-token",
            "-starts-with-a-dash",
        ]);
        assert_eq!(dashed.unwrap().api_tokens, ["-starts-with-a-dash"]);
        let emulator = builder(args).unwrap().start().await.unwrap();
        for token in ["first", "second"] {
            let status = reqwest::Client::new()
                .get(format!(
                    "{}/api/v1/identity-sources/0oa1/sessions",
                    emulator.base_url()
                ))
                .header("Authorization", format!("SSWS {token}"))
                .send()
                .await
                .unwrap()
                .status();
            assert_eq!(status, 200, "SSWS {token}");
        }
        emulator.shutdown().await;
    }

    #[test]
    fn a_token_no_client_can_send_is_refused_without_being_shown() {
        let built = |token: &str| {
            builder(parse(&["--identity-source", "0oa1", "--api-token", token]).unwrap())
        };
        for token in ["a\nb", "secret\u{1}x", "x\u{7f}"] {
            let error = built(token).err().unwrap();
            assert!(error.contains("has a control character"), "{error}");
            assert!(!error.contains("secret"), "{error}");
        }
        assert!(built("a\tb").is_ok());
    }

    #[test]
    fn a_key_file_that_is_no_regular_file_or_too_large_is_refused_before_it_is_read() {
        let dir = std::env::temp_dir().join(format!("okta-emulator-keys-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let refused = |path: &std::path::Path| read_key(path).unwrap_err().to_string();
        assert!(refused(&dir).starts_with("it is not a regular file"));
        #[cfg(unix)]
        {
            assert!(
                refused(std::path::Path::new("/dev/zero")).starts_with("it is not a regular file")
            );
            let fifo = dir.join("key.pub");
            let made = std::process::Command::new("mkfifo").arg(&fifo).status();
            if made.is_ok_and(|status| status.success()) {
                // No writer ever comes: refused without waiting for one.
                assert!(refused(&fifo).starts_with("it is not a regular file"));
            }
        }
        let large = dir.join("large.pem");
        std::fs::write(&large, vec![b'a'; (LARGEST_KEY_FILE + 1) as usize]).unwrap();
        assert!(refused(&large).contains("larger than 1 MiB"));
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn keeping_no_finished_session_is_refused() {
        let kept = |n: &str| parse(&["--identity-source", "0oa1", "--finished-sessions-kept", n]);
        assert!(kept("0").is_err());
        assert!(kept("1").is_ok());
    }

    #[test]
    fn an_empty_token_is_refused() {
        for tokens in ["a,,b", "a,", " ", "a, ,b"] {
            let error = parse(&["--identity-source", "0oa1", "--api-token", tokens])
                .err()
                .unwrap();
            assert!(
                error.contains("an API token of --api-token or OKTA_EMULATOR_API_TOKEN is empty"),
                "{tokens:?}: {error}"
            );
        }
    }

    #[test]
    fn an_identity_source_id_that_is_empty_or_breaks_a_path_is_refused() {
        for id in [
            "",
            " ",
            "0oa 1",
            " 0oa1",
            "0oa1/sessions",
            "../0oa1",
            "0oa1?x",
        ] {
            let error = parse(&["--identity-source", id]).err().unwrap();
            assert!(
                error.contains("not an identity source id: it must be letters and digits"),
                "{id:?}: {error}"
            );
        }
        let args = parse(&["--identity-source", "0oa3l6l6WK6h0R0QW0g4"]).unwrap();
        assert_eq!(args.identity_sources, ["0oa3l6l6WK6h0R0QW0g4"]);
    }

    #[test]
    fn a_rate_limit_of_no_request_is_refused() {
        let error = parse(&["--identity-source", "0oa1", "--rate-limit", "0"])
            .err()
            .unwrap();
        assert!(
            error.contains("invalid value '0' for '--rate-limit"),
            "{error}"
        );
        let args = parse(&["--identity-source", "0oa1", "--rate-limit", "1"]).unwrap();
        assert_eq!(args.rate_limit, 1);
    }

    #[test]
    fn every_setting_reaches_the_emulator_and_no_time_is_refused() {
        let args = parse(&[
            "--identity-source",
            "0oa1",
            "--token-lifetime",
            "2s",
            "--request-timeout",
            "750ms",
            "--max-connections",
            "3",
            "--finished-sessions-kept",
            "7",
            "--cool-down",
            "4s",
        ])
        .unwrap();
        let built = format!("{:?}", builder(args).unwrap());
        for setting in [
            "token_lifetime: 2s",
            "max_connections: 3, request_timeout: 750ms",
            "body_timeout: 750ms",
            "finished_sessions_kept: 7",
            "cool_down: 4s",
        ] {
            assert!(built.contains(setting), "{setting}: {built}");
        }
        for flag in ["--token-lifetime", "--request-timeout"] {
            let error = parse(&["--identity-source", "0oa1", flag, "0s"])
                .err()
                .unwrap();
            assert!(
                error.contains("\"0s\" is no time: give at least 1ms"),
                "{error}"
            );
        }
        let error = parse(&["--identity-source", "0oa1", "--max-connections", "0"])
            .err()
            .unwrap();
        assert!(
            error.contains("invalid value '0' for '--max-connections"),
            "{error}"
        );
    }

    #[test]
    fn durations_are_read_with_or_without_a_space_and_a_bad_unit_is_named() {
        assert_eq!(parse_duration("500ms"), Ok(Duration::from_millis(500)));
        assert_eq!(parse_duration("5 minutes"), Ok(Duration::from_secs(300)));
        assert_eq!(parse_duration("1h 30m"), Ok(Duration::from_secs(5_400)));
        let error = parse_duration("5 parsecs").unwrap_err();
        assert!(error.contains("unknown time unit \"parsecs\""), "{error}");
    }
}
