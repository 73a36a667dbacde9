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
pub fn minute_of_day(t: SystemTime) -> u32 {
    ((unix_secs(t) % 86_400) / 60) as u32
}
