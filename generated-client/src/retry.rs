//! When and how long to wait before re-sending a failed request: [`RetryPolicy`] and its
//! default, [`DefaultRetryPolicy`].
//!
//! The runtime re-sends a request from its stored bytes, so only requests whose body is
//! absent or in memory (JSON, [`Request::body`](crate::runtime::Request::body)) are
//! retried; a multipart body may stream files and cannot be replayed, so it is sent once.
//! Streamed responses ([`EventStream`](crate::runtime::EventStream),
//! [`ByteStream`](crate::runtime::ByteStream)) are retried only until the response head
//! arrives with a success status: once the caller holds the stream, a failure is theirs.

use std::fmt;
use std::time::{Duration, SystemTime};

use reqwest::header::HeaderMap;
use reqwest::StatusCode;

use crate::error::Error;

/// Response headers set by the Portkey gateway, whose presence shows the gateway answered
/// (after applying its own retry configuration).
const PORTKEY_GATEWAY_HEADERS: &[&str] = &[
    "x-portkey-trace-id",
    "x-portkey-request-id",
    "x-portkey-gateway-exception",
];

/// What an attempt ended with, as shown to a [`RetryPolicy`].
#[derive(Debug)]
#[non_exhaustive]
pub enum Outcome<'a> {
    /// The server answered with a non-2xx status. The body has not been read.
    Response {
        /// The HTTP status.
        status: StatusCode,
        /// The response headers (`Retry-After`, `x-should-retry`, ...).
        headers: &'a HeaderMap,
    },
    /// No response arrived: [`Error::Transport`] or [`Error::Timeout`].
    Error(&'a Error),
}

/// What to do after a failed attempt.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    /// Send the request again after waiting this long.
    Retry(Duration),
    /// Give up and return the failure to the caller.
    Stop,
}

/// Decides whether a failed attempt is retried, and after how long.
///
/// The runtime counts retries itself: it stops after the maximum set with
/// [`RequestOptions::max_retries`](crate::runtime::RequestOptions::max_retries), else
/// [`RuntimeBuilder::max_retries`](crate::runtime::RuntimeBuilder::max_retries), else
/// the policy's own [`max_retries`](Self::max_retries), whatever `decide` answers. It never
/// asks about requests that cannot be replayed.
pub trait RetryPolicy: Send + Sync + fmt::Debug {
    /// Called after attempt number `attempt` (1 for the first) failed with `outcome`,
    /// while retries remain.
    fn decide(&self, attempt: u32, outcome: &Outcome<'_>) -> Decision;

    /// Retries after the first attempt when neither the runtime nor the call sets a
    /// maximum (2 unless overridden).
    fn max_retries(&self) -> u32 {
        2
    }
}

/// The default policy, modelled on the official OpenAI and Portkey SDKs.
///
/// - Retried: connection errors and timeouts, and statuses 408, 409, 429 and 5xx.
///   Other statuses are not.
/// - A response header `x-should-retry: true` or `false` overrides that choice.
/// - A 5xx carrying `x-portkey-trace-id`, `x-portkey-request-id` or
///   `x-portkey-gateway-exception` came from the Portkey gateway, which has already
///   applied its own retries before answering; retrying it here too would multiply
///   attempts through the gateway (a retry storm against the upstream provider), so it is
///   not retried unless `x-should-retry: true` says so. Portkey's own SDKs do the same.
/// - The wait is `Retry-After-Ms` or `Retry-After` (seconds or an HTTP date) when the server
///   sends one no longer than [`max_retry_after`](Self::max_retry_after); otherwise an
///   exponential backoff from [`initial_backoff`](Self::initial_backoff), doubling per
///   attempt up to [`max_backoff`](Self::max_backoff), less up to 25% random jitter so
///   that clients failing together do not retry together.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DefaultRetryPolicy {
    /// Retries after the first attempt (default 2).
    pub max_retries: u32,
    /// Wait before the first retry, before jitter (default 500 ms).
    pub initial_backoff: Duration,
    /// Longest computed wait (default 8 s).
    pub max_backoff: Duration,
    /// Longest server-requested wait honoured (default 60 s); beyond it, the computed
    /// backoff is used instead.
    pub max_retry_after: Duration,
}

impl Default for DefaultRetryPolicy {
    fn default() -> Self {
        DefaultRetryPolicy {
            max_retries: 2,
            initial_backoff: Duration::from_millis(500),
            max_backoff: Duration::from_secs(8),
            max_retry_after: Duration::from_secs(60),
        }
    }
}

impl DefaultRetryPolicy {
    /// Whether the default rules retry this outcome, ignoring the attempt count.
    pub fn is_retryable(outcome: &Outcome<'_>) -> bool {
        match outcome {
            Outcome::Error(Error::Timeout(_)) => true,
            // A builder error (a bad URL, say) fails the same way every time.
            Outcome::Error(Error::Transport(e)) => !e.is_builder(),
            Outcome::Error(_) => false,
            Outcome::Response { status, headers } => {
                match header_str(headers, "x-should-retry") {
                    Some("true") => return true,
                    Some("false") => return false,
                    _ => {}
                }
                if status.is_server_error() {
                    return !PORTKEY_GATEWAY_HEADERS
                        .iter()
                        .any(|name| headers.contains_key(*name));
                }
                matches!(status.as_u16(), 408 | 409 | 429)
            }
        }
    }

    /// The exponential backoff before retry number `retry` (1 for the first), with jitter.
    pub fn backoff(&self, retry: u32) -> Duration {
        let factor = 2u32.saturating_pow(retry.saturating_sub(1));
        let base = self
            .initial_backoff
            .saturating_mul(factor)
            .min(self.max_backoff);
        base.mul_f64(1.0 - 0.25 * fastrand::f64())
    }
}

impl RetryPolicy for DefaultRetryPolicy {
    fn decide(&self, attempt: u32, outcome: &Outcome<'_>) -> Decision {
        // The attempt count is checked by the runtime, against `max_retries`.
        if !Self::is_retryable(outcome) {
            return Decision::Stop;
        }
        let requested = match outcome {
            Outcome::Response { headers, .. } => retry_after(headers),
            Outcome::Error(_) => None,
        };
        Decision::Retry(match requested {
            Some(wait) if wait <= self.max_retry_after => wait,
            _ => self.backoff(attempt),
        })
    }

    fn max_retries(&self) -> u32 {
        self.max_retries
    }
}

/// The wait a response asks for: `retry-after-ms`, else `retry-after` as delta-seconds or
/// an HTTP date (a date in the past means no wait).
pub fn retry_after(headers: &HeaderMap) -> Option<Duration> {
    if let Some(ms) = header_str(headers, "retry-after-ms").and_then(|v| v.parse::<f64>().ok()) {
        return Duration::try_from_secs_f64(ms / 1000.0).ok();
    }
    let value = header_str(headers, "retry-after")?;
    if let Ok(secs) = value.parse::<f64>() {
        return Duration::try_from_secs_f64(secs).ok();
    }
    let date = httpdate::parse_http_date(value).ok()?;
    Some(
        date.duration_since(SystemTime::now())
            .unwrap_or(Duration::ZERO),
    )
}

fn header_str<'h>(headers: &'h HeaderMap, name: &str) -> Option<&'h str> {
    headers
        .get(name)
        .and_then(|v| v.to_str().ok())
        .map(str::trim)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (name, value) in pairs {
            map.insert(*name, value.parse().unwrap());
        }
        map
    }

    fn decide(status: u16, pairs: &[(&'static str, &str)]) -> Decision {
        let headers = headers(pairs);
        let outcome = Outcome::Response {
            status: StatusCode::from_u16(status).unwrap(),
            headers: &headers,
        };
        DefaultRetryPolicy::default().decide(1, &outcome)
    }

    #[test]
    fn statuses_are_retried_as_documented() {
        for status in [408, 409, 429, 500, 502, 503, 504] {
            assert!(
                matches!(decide(status, &[]), Decision::Retry(_)),
                "{status}"
            );
        }
        for status in [400, 401, 403, 404, 422] {
            assert_eq!(decide(status, &[]), Decision::Stop, "{status}");
        }
        assert_eq!(
            decide(502, &[("x-portkey-gateway-exception", "true")]),
            Decision::Stop
        );
        assert!(matches!(
            decide(400, &[("x-should-retry", "true")]),
            Decision::Retry(_)
        ));
    }

    #[test]
    fn retry_after_forms_and_cap() {
        assert_eq!(
            decide(429, &[("retry-after", "3")]),
            Decision::Retry(Duration::from_secs(3))
        );
        assert_eq!(
            decide(429, &[("retry-after-ms", "1500"), ("retry-after", "9")]),
            Decision::Retry(Duration::from_millis(1500))
        );
        let in_5s = httpdate::fmt_http_date(SystemTime::now() + Duration::from_secs(5));
        match decide(429, &[("retry-after", &in_5s)]) {
            Decision::Retry(d) => {
                assert!(d > Duration::from_secs(3) && d <= Duration::from_secs(5))
            }
            Decision::Stop => panic!("not retried"),
        }
        // Beyond the cap: the computed backoff (at most 500 ms for the first retry).
        match decide(429, &[("retry-after", "3600")]) {
            Decision::Retry(d) => assert!(d <= Duration::from_millis(500)),
            Decision::Stop => panic!("not retried"),
        }
    }

    #[test]
    fn backoff_grows_with_jitter_up_to_the_cap() {
        let policy = DefaultRetryPolicy::default();
        for retry in 1..40 {
            let d = policy.backoff(retry);
            let base = (policy.initial_backoff * 2u32.saturating_pow(retry - 1).min(1 << 20))
                .min(policy.max_backoff);
            assert!(d <= base && d >= base.mul_f64(0.75), "{retry}: {d:?}");
        }
    }
}
