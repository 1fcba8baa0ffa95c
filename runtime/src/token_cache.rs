//! The access token of a client-credentials grant, shared by every clone of the client: fetched by one
//! caller at a time, its outcome (token or failure) handed to every caller that waited for
//! it, renewed shortly before it expires, kept in use until it expires when renewing it
//! fails, and dropped when the API rejects it.

use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

use super::auth::{BoxError, TokenFuture, TokenSource};
use super::client::Transport;
use super::error::Error;
use super::oauth::{Grant, IssuedToken, TokenEndpoint, TokenError};

/// A token is renewed when less than this part of its lifetime is left (and at most a
/// minute before it expires).
const RENEW_FRACTION: u32 = 5;
const RENEW_AT_MOST: Duration = Duration::from_secs(60);

/// Gets access tokens for a client-credentials grant and caches the current one.
pub(crate) struct CachedTokens {
    endpoint: TokenEndpoint,
    /// What the last fetch left; never locked across an `.await`.
    state: Mutex<State>,
    /// Held while fetching, so that concurrent callers wait for one fetch instead of each
    /// making their own.
    fetching: tokio::sync::Mutex<()>,
}

#[derive(Default)]
struct State {
    current: Option<CachedToken>,
    /// The last fetch's failure, handed out until `retry_at`.
    failure: Option<Failure>,
    /// Fetches finished so far: a caller that waited for the fetch lock tells by it that
    /// a fetch ended meanwhile, and takes that fetch's outcome as its own.
    finished: u64,
    /// Fetches failed in a row, for the backoff before the next one.
    failed_in_a_row: u32,
}

struct CachedToken {
    token: Arc<str>,
    /// When to fetch the next one.
    renew_at: Instant,
    /// When it stops being valid (counted from before it was asked for): until then it is
    /// used when renewing it fails.
    expires_at: Instant,
}

impl CachedToken {
    fn is_valid(&self, now: Instant) -> bool {
        now < self.expires_at
    }
}

struct Failure {
    error: TokenError,
    retry_at: Instant,
}

impl State {
    /// The outcome a caller gets without fetching: the current token while it is fresh,
    /// the last failure until the next fetch is due, or (for a caller that `waited` while
    /// a fetch ran) that fetch's failure; instead of a failure, the current token while it
    /// has not expired.
    fn settled(&self, waited: Option<u64>) -> Option<Result<Arc<str>, TokenError>> {
        let now = Instant::now();
        if let Some(cached) = self.current.as_ref().filter(|cached| now < cached.renew_at) {
            return Some(Ok(cached.token.clone()));
        }
        let fetched_meanwhile = waited.is_some_and(|seen| seen != self.finished);
        let failure = self
            .failure
            .as_ref()
            .filter(|failure| fetched_meanwhile || now < failure.retry_at)?;
        Some(self.still_valid(now).ok_or_else(|| failure.error.clone()))
    }

    /// The current token, if it has not expired.
    fn still_valid(&self, now: Instant) -> Option<Arc<str>> {
        self.current
            .as_ref()
            .filter(|cached| cached.is_valid(now))
            .map(|cached| cached.token.clone())
    }
}

impl CachedTokens {
    pub(crate) fn new(
        grant: Grant,
        transport: Transport,
    ) -> Result<Self, super::error::ConfigError> {
        Ok(Self {
            endpoint: TokenEndpoint::new(grant, transport)?,
            state: Mutex::new(State::default()),
            fetching: tokio::sync::Mutex::new(()),
        })
    }

    fn state(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    async fn current_token(&self) -> Result<Arc<str>, TokenError> {
        let seen = {
            let state = self.state();
            if let Some(outcome) = state.settled(None) {
                return outcome;
            }
            state.finished
        };
        let _fetching = self.fetching.lock().await;
        if let Some(outcome) = self.state().settled(Some(seen)) {
            return outcome;
        }
        let fetched_at = Instant::now();
        let outcome = self.fetch().await;
        let mut state = self.state();
        state.finished += 1;
        match outcome {
            Ok(issued) => {
                let renew_before = (issued.lifetime / RENEW_FRACTION).min(RENEW_AT_MOST);
                state.current = Some(CachedToken {
                    token: issued.token.clone(),
                    renew_at: fetched_at + (issued.lifetime - renew_before),
                    expires_at: fetched_at + issued.lifetime,
                });
                state.failure = None;
                state.failed_in_a_row = 0;
                Ok(issued.token)
            }
            Err((error, cause)) => self.failed(&mut state, error, cause.as_ref()),
        }
    }

    /// Keeps a fetch's failure until the next fetch is due, and hands out the current token
    /// instead while it has not expired.
    fn failed(
        &self,
        state: &mut State,
        error: TokenError,
        cause: Option<&Error>,
    ) -> Result<Arc<str>, TokenError> {
        state.failed_in_a_row = state.failed_in_a_row.saturating_add(1);
        let wait = self.next_fetch_after(cause, state.failed_in_a_row);
        let now = Instant::now();
        state.failure = Some(Failure {
            error: error.clone(),
            retry_at: now.checked_add(wait).unwrap_or(now),
        });
        let token = state.still_valid(now).ok_or_else(|| error.clone())?;
        log_renewal_failure(&error, state, now);
        Ok(token)
    }

    /// One fetch: token requests until one succeeds or the retry policy says stop (a
    /// token request is safe to repeat). A failure comes with the error that ended it,
    /// when there was one.
    async fn fetch(&self) -> Result<IssuedToken, (TokenError, Option<Error>)> {
        let policy = self.endpoint.retry_policy();
        let started = Instant::now();
        let mut retries = 0;
        loop {
            let error = match self.endpoint.request(retries + 1).await {
                Ok(answer) => return answer.map_err(|error| (error, None)),
                Err(error) => error,
            };
            let Some(delay) = policy.next_delay(&error, retries, started, true) else {
                let refusal = TokenError::of(&error, self.endpoint.sends_assertion());
                return Err((refusal, Some(error)));
            };
            retries += 1;
            tracing::debug!(
                attempt = retries,
                status = error.status().map(|s| s.as_u16()),
                delay_ms = u64::try_from(delay.as_millis()).unwrap_or(u64::MAX),
                "token request failed; retrying"
            );
            tokio::time::sleep(delay).await;
        }
    }

    /// How long callers are handed a failure before the next fetch: until the rate limit
    /// resets after a 429 that says when (at most the policy's longest rate-limit wait), a
    /// backoff growing with each failure otherwise.
    fn next_fetch_after(&self, cause: Option<&Error>, failed_in_a_row: u32) -> Duration {
        let policy = self.endpoint.retry_policy();
        cause
            .and_then(|error| policy.rate_limit_reset_wait(error))
            .map(|wait| wait.min(policy.max_rate_limit_wait))
            .unwrap_or_else(|| policy.backoff_delay(failed_in_a_row))
    }
}

/// A renewal that failed while the current token is still valid: the token is used on, and
/// the failure logged (never the token).
fn log_renewal_failure(error: &TokenError, state: &State, now: Instant) {
    let left = state.current.as_ref().map_or(Duration::ZERO, |cached| {
        cached.expires_at.saturating_duration_since(now)
    });
    tracing::warn!(
        error = %error.boxed(),
        expires_in_ms = u64::try_from(left.as_millis()).unwrap_or(u64::MAX),
        failed_in_a_row = state.failed_in_a_row,
        "renewing the access token failed; using the current one until it expires"
    );
}

impl TokenSource for CachedTokens {
    fn token(&self) -> TokenFuture<'_> {
        Box::pin(async move {
            self.current_token()
                .await
                .map(|token| token.to_string())
                .map_err(|error| -> BoxError { error.boxed() })
        })
    }

    fn rejected(&self, token: &str) {
        let mut state = self.state();
        if state
            .current
            .as_ref()
            .is_some_and(|cached| &*cached.token == token)
        {
            state.current = None;
        }
    }
}
