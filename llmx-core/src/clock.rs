//! The wall clock, passed in rather than read where it is needed, so pricing by time of day
//! (DeepSeek's windows), refresh dates and `started_at` stamps are pure functions in tests.

use std::time::SystemTime;

/// Where "now" comes from.
pub trait Clock: Send + Sync {
    fn now(&self) -> SystemTime;
}

/// The system's clock.
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> SystemTime {
        SystemTime::now()
    }
}

/// A clock that always says the same time (tests).
pub struct FixedClock(pub SystemTime);

impl Clock for FixedClock {
    fn now(&self) -> SystemTime {
        self.0
    }
}

/// Seconds since the Unix epoch (0 before it).
pub fn unix_secs(t: SystemTime) -> u64 {
    t.duration_since(SystemTime::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}

/// The UTC minute of the day, `0..1440`.
pub(crate) fn minute_of_day(t: SystemTime) -> u32 {
    ((unix_secs(t) % 86_400) / 60) as u32
}

/// `YYYY-MM-DD` of a unix time (UTC).
pub(crate) fn date_of(unix: u64) -> String {
    // Days since 1970-01-01 to a civil date (Howard Hinnant's algorithm).
    let z = (unix / 86_400) as i64 + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!("{y:04}-{m:02}-{d:02}")
}

/// `t` in RFC 3339, UTC, to the millisecond: `2026-11-24T09:05:03.042Z`.
pub fn rfc3339(t: SystemTime) -> String {
    let d = t.duration_since(SystemTime::UNIX_EPOCH).unwrap_or_default();
    let rem = d.as_secs() % 86_400;
    format!(
        "{}T{:02}:{:02}:{:02}.{:03}Z",
        date_of(d.as_secs()),
        rem / 3600,
        rem % 3600 / 60,
        rem % 60,
        d.subsec_millis()
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn rfc3339_in_utc_to_the_millisecond() {
        let at = |s: u64, ms: u64| {
            rfc3339(SystemTime::UNIX_EPOCH + Duration::from_secs(s) + Duration::from_millis(ms))
        };
        assert_eq!(at(0, 0), "1970-01-01T00:00:00.000Z");
        // `date -u -d @1795511103` = Tue Nov 24 09:05:03 UTC 2026
        assert_eq!(at(1_795_511_103, 42), "2026-11-24T09:05:03.042Z");
        // A leap day.
        assert_eq!(at(951_782_400, 999), "2000-02-29T00:00:00.999Z");
    }
}
