//! How the site writes times, durations and amounts for people.

use openturk_domain::clock::Millis;

/// "2 hours 30 minutes", "10 minutes", "45 seconds": the two largest units, plural as needed.
pub fn duration(secs: i64) -> String {
    let units = [("day", 86_400), ("hour", 3_600), ("minute", 60), ("second", 1)];
    let mut left = secs.max(0);
    let mut parts = Vec::new();
    for (name, size) in units {
        let n = left / size;
        if n > 0 && parts.len() < 2 {
            parts.push(format!("{n} {name}{}", if n == 1 { "" } else { "s" }));
            left -= n * size;
        } else if !parts.is_empty() {
            // Units after the largest one are shown only when adjacent: "1 day 5 seconds" reads badly.
            break;
        }
    }
    if parts.is_empty() {
        "0 seconds".into()
    } else {
        parts.join(" ")
    }
}

/// (year, month, day, hour, minute) in UTC of epoch milliseconds.
fn civil(ms: Millis) -> (i64, i64, i64, i64, i64) {
    let secs = ms.div_euclid(1000);
    let (days, rem) = (secs.div_euclid(86_400), secs.rem_euclid(86_400));
    let (y, m, d) = openturk_domain::clock::civil_from_days(days);
    (y, m, d, rem / 3600, rem % 3600 / 60)
}

/// "2026-11-23 21:05 UTC".
pub fn time(ms: Millis) -> String {
    let (y, mo, d, h, mi) = civil(ms);
    format!("{y:04}-{mo:02}-{d:02} {h:02}:{mi:02} UTC")
}

/// The machine-readable form for `<time datetime>`.
pub fn time_iso(ms: Millis) -> String {
    let (y, mo, d, h, mi) = civil(ms);
    format!("{y:04}-{mo:02}-{d:02}T{h:02}:{mi:02}Z")
}

/// A site URL: `path`, the query of the `params` given (none: no `?`), then `#fragment` if any.
pub fn link(path: &str, params: &[(&str, &str)], fragment: &str) -> String {
    let mut q = url::form_urlencoded::Serializer::new(String::new());
    for (k, v) in params {
        q.append_pair(k, v);
    }
    let q = q.finish();
    let hash = if fragment.is_empty() { String::new() } else { format!("#{fragment}") };
    if q.is_empty() {
        format!("{path}{hash}")
    } else {
        format!("{path}?{q}{hash}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn links_carry_only_the_params_given() {
        assert_eq!(link("/messages", &[], ""), "/messages");
        assert_eq!(link("/qualifications", &[], "requestable"), "/qualifications#requestable");
        assert_eq!(link("/qualifications", &[("q", "a b&c")], "requestable"), "/qualifications?q=a+b%26c#requestable");
        assert_eq!(link("/", &[("sort", "Newest"), ("next", "og2.x")], ""), "/?sort=Newest&next=og2.x");
    }

    #[test]
    fn durations_read_naturally() {
        assert_eq!(duration(600), "10 minutes");
        assert_eq!(duration(3_600), "1 hour");
        assert_eq!(duration(5_400), "1 hour 30 minutes");
        assert_eq!(duration(86_400 + 5), "1 day");
        assert_eq!(duration(45), "45 seconds");
        assert_eq!(duration(0), "0 seconds");
    }

    #[test]
    fn times_are_utc() {
        assert_eq!(time(0), "1970-01-01 00:00 UTC");
        // 2024-02-29 12:34:56 UTC, a leap day.
        assert_eq!(time(1_709_210_096_000), "2024-02-29 12:34 UTC");
        assert_eq!(time_iso(1_709_210_096_000), "2024-02-29T12:34Z");
    }
}
