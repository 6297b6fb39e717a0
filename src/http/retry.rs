//! When to try again, and how long to wait.
//!
//! Policy (as ky and the brief ask): only requests marked retryable (idempotent methods; never
//! PRE-ETAT.DATE's `createOrder`), only after a network error, a per-attempt timeout, or a status
//! among 408, 429, 500, 502, 503, 504. The delay is exponential with full jitter, and a
//! `Retry-After` from the server wins when it is longer (capped by `max_retry_after_ms`; beyond
//! that cap the call gives up rather than hang).

/// What one attempt produced.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Attempt {
    /// A response arrived with this status and optional `Retry-After` seconds.
    Status(u16, Option<u64>),
    /// No response: connection refused, reset or dropped.
    Network,
    /// The per-attempt timeout fired.
    Timeout,
    /// The caller aborted: never retried.
    Aborted,
    /// The client refused what arrived (a limit, a foreign redirect): never retried.
    Fatal,
}

/// The transport's next step.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Decision {
    /// Wait this many milliseconds, then send again.
    RetryAfterMs(u64),
    /// Stop and report the last outcome.
    Stop,
}

/// Retry settings.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Extra attempts after the first (API option `retries`, default 2).
    pub retries: u32,
    /// First backoff step in milliseconds (default 300).
    pub base_ms: u64,
    /// Largest backoff step in milliseconds (default 10 000).
    pub max_backoff_ms: u64,
    /// Longest `Retry-After` the client will wait for (default 60 000); longer → stop.
    pub max_retry_after_ms: u64,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            retries: 2,
            base_ms: 300,
            max_backoff_ms: 10_000,
            max_retry_after_ms: 60_000,
        }
    }
}

/// Statuses worth another attempt.
pub fn is_retryable_status(status: u16) -> bool {
    matches!(status, 408 | 429 | 500 | 502 | 503 | 504)
}

impl RetryPolicy {
    /// Decides after attempt number `attempt` (0 for the first) of a request.
    /// `jitter` is a random number in `[0, 1)` supplied by the caller (pure function).
    pub fn decide(&self, attempt: u32, retryable: bool, outcome: Attempt, jitter: f64) -> Decision {
        if !retryable || attempt >= self.retries {
            return Decision::Stop;
        }
        let retry_after = match outcome {
            Attempt::Aborted | Attempt::Fatal => return Decision::Stop,
            Attempt::Network | Attempt::Timeout => None,
            Attempt::Status(s, ra) if is_retryable_status(s) => ra,
            Attempt::Status(..) => return Decision::Stop,
        };
        let step = self
            .base_ms
            .saturating_mul(1u64 << attempt.min(20))
            .min(self.max_backoff_ms);
        let jitter = if jitter.is_finite() {
            jitter.clamp(0.0, 1.0)
        } else {
            0.5
        };
        // "Equal jitter": at least half the step, so retries never hammer the server.
        let backoff = step / 2 + ((step / 2) as f64 * jitter) as u64;
        match retry_after {
            Some(secs) => {
                let ms = secs.saturating_mul(1000);
                if ms > self.max_retry_after_ms {
                    Decision::Stop
                } else {
                    Decision::RetryAfterMs(ms.max(backoff))
                }
            }
            None => Decision::RetryAfterMs(backoff),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_idempotent_and_only_transient() {
        let p = RetryPolicy::default();
        assert_eq!(
            p.decide(0, false, Attempt::Status(503, None), 0.0),
            Decision::Stop
        );
        assert_eq!(
            p.decide(0, true, Attempt::Status(404, None), 0.0),
            Decision::Stop
        );
        assert_eq!(
            p.decide(0, true, Attempt::Status(401, None), 0.0),
            Decision::Stop
        );
        assert_eq!(p.decide(0, true, Attempt::Aborted, 0.0), Decision::Stop);
        for s in [408, 429, 500, 502, 503, 504] {
            assert!(matches!(
                p.decide(0, true, Attempt::Status(s, None), 0.0),
                Decision::RetryAfterMs(_)
            ));
        }
        assert!(matches!(
            p.decide(1, true, Attempt::Network, 0.0),
            Decision::RetryAfterMs(_)
        ));
        assert_eq!(p.decide(2, true, Attempt::Network, 0.0), Decision::Stop);
    }

    #[test]
    fn backoff_grows_and_is_capped_with_jitter() {
        let p = RetryPolicy {
            retries: 30,
            ..Default::default()
        };
        assert_eq!(
            p.decide(0, true, Attempt::Timeout, 0.0),
            Decision::RetryAfterMs(150)
        );
        assert_eq!(
            p.decide(0, true, Attempt::Timeout, 1.0),
            Decision::RetryAfterMs(300)
        );
        assert_eq!(
            p.decide(3, true, Attempt::Timeout, 1.0),
            Decision::RetryAfterMs(2400)
        );
        assert_eq!(
            p.decide(25, true, Attempt::Timeout, 1.0),
            Decision::RetryAfterMs(10_000)
        );
        assert_eq!(
            p.decide(0, true, Attempt::Timeout, f64::NAN),
            Decision::RetryAfterMs(225)
        );
    }

    #[test]
    fn retry_after_wins_but_is_bounded() {
        let p = RetryPolicy::default();
        assert_eq!(
            p.decide(0, true, Attempt::Status(429, Some(2)), 0.0),
            Decision::RetryAfterMs(2000)
        );
        assert_eq!(
            p.decide(0, true, Attempt::Status(503, Some(0)), 0.0),
            Decision::RetryAfterMs(150)
        );
        assert_eq!(
            p.decide(0, true, Attempt::Status(429, Some(3600)), 0.0),
            Decision::Stop
        );
    }
}
