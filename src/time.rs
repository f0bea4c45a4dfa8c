//! Time arithmetic that never panics: every deadline and every timeout built from a caller's
//! `Duration` or seconds goes through here, so that `Duration::MAX`, `1e20` seconds or a URL's
//! `pool_timeout=18000000000000000000` mean "as good as forever" instead of an overflow.

use std::time::{Duration, Instant};

/// `now + d`, or `None` ("no deadline": wait forever) when that is past what an `Instant`
/// can hold.
pub(crate) fn deadline(now: Instant, d: Duration) -> Option<Instant> {
    now.checked_add(d)
}

/// A deadline `d` from now, `None` for no timeout or one too far away to represent.
pub(crate) fn deadline_in(d: Option<Duration>) -> Option<Instant> {
    d.and_then(|d| deadline(Instant::now(), d))
}

/// `seconds` as a `Duration`, saturating: NaN and negatives are zero, anything too large is
/// `Duration::MAX`.
pub(crate) fn secs_f64(seconds: f64) -> Duration {
    if seconds.is_nan() || seconds <= 0.0 {
        Duration::ZERO
    } else {
        Duration::try_from_secs_f64(seconds).unwrap_or(Duration::MAX)
    }
}

/// The time left until `deadline` (`None`: no deadline, so `None`).
pub(crate) fn left(deadline: Option<Instant>) -> Option<Duration> {
    deadline.map(|d| d.saturating_duration_since(Instant::now()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn saturates_instead_of_panicking() {
        let now = Instant::now();
        assert_eq!(deadline(now, Duration::MAX), None);
        assert!(deadline(now, Duration::from_secs(1)).is_some());
        assert_eq!(deadline_in(Some(Duration::MAX)), None);
        assert_eq!(deadline_in(None), None);
        assert_eq!(
            deadline_in(Some(Duration::from_secs(18_000_000_000_000_000_000))),
            None
        );
        assert_eq!(secs_f64(1e20), Duration::MAX);
        assert_eq!(secs_f64(f64::INFINITY), Duration::MAX);
        assert_eq!(secs_f64(f64::NAN), Duration::ZERO);
        assert_eq!(secs_f64(-1.0), Duration::ZERO);
        assert_eq!(secs_f64(0.5), Duration::from_millis(500));
        assert_eq!(left(None), None);
        assert!(left(Some(now)).unwrap().is_zero());
    }
}
