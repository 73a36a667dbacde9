//! Each value's validation, written once and shared by the flags (as clap value parsers), the
//! env vars and the config file, so the three say the same thing about the same mistake.

/// A number as a message shows it: short, whatever its size (`1e300`, not 301 digits).
fn shown(t: f64) -> String {
    if t != 0.0 && !(1e-4..1e9).contains(&t.abs()) {
        format!("{t:e}")
    } else {
        format!("{t}")
    }
}

pub fn check_temperature(t: f64) -> Result<f64, String> {
    if (0.0..=2.0).contains(&t) {
        Ok(t)
    } else {
        Err(format!("{} is outside 0 to 2", shown(t)))
    }
}

pub fn parse_temperature(s: &str) -> Result<f64, String> {
    let t: f64 = s
        .parse()
        .map_err(|_| format!("`{s}` is not a number; use e.g. 0.7"))?;
    check_temperature(t)
}

pub fn check_secs(t: f64) -> Result<f64, String> {
    if t.is_finite() && t > 0.0 && t <= 86_400.0 {
        Ok(t)
    } else {
        Err(format!(
            "{} must be more than 0 and at most 86400 seconds",
            shown(t)
        ))
    }
}

pub fn parse_secs(s: &str) -> Result<f64, String> {
    let t: f64 = s
        .parse()
        .map_err(|_| format!("`{s}` is not a number of seconds"))?;
    check_secs(t)
}

/// A size in MiB, more than 0 (`--max-answer-mb`).
pub fn parse_mib(s: &str) -> Result<f64, String> {
    let t: f64 = s
        .parse()
        .map_err(|_| format!("`{s}` is not a number of MiB"))?;
    if t.is_finite() && t > 0.0 && t <= 1024.0 {
        Ok(t)
    } else {
        Err(format!(
            "{} must be more than 0 and at most 1024 MiB",
            shown(t)
        ))
    }
}

pub fn parse_usd(s: &str) -> Result<f64, String> {
    let t: f64 = s
        .trim_start_matches('$')
        .parse()
        .map_err(|_| format!("`{s}` is not an amount in US dollars, e.g. 0.05"))?;
    if t.is_finite() && t >= 0.0 {
        Ok(t)
    } else {
        Err(format!("{s} must be zero or more"))
    }
}

/// `--poll-interval`: seconds between a batch's status checks, from 0.1 to a day.
pub fn parse_poll(s: &str) -> Result<f64, String> {
    match s.parse::<f64>() {
        Ok(t) if t.is_finite() && (0.1..=86_400.0).contains(&t) => Ok(t),
        _ => Err(format!(
            "`{s}` is not a number of seconds from 0.1 to 86400"
        )),
    }
}

/// A whole number of at least 1 (`--max-tokens`, `-j`).
pub fn parse_count(s: &str) -> Result<u32, String> {
    match s.parse::<u32>() {
        Ok(n) if n >= 1 => Ok(n),
        _ => Err(format!("`{s}` is not a whole number of at least 1")),
    }
}

pub fn parse_models(s: &str) -> Result<Vec<String>, String> {
    Ok(s.split(',').map(|m| m.trim().to_string()).collect())
}
