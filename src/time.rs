//! Small, allocation-light date helpers (no I/O, no clock: callers pass `now`).
//!
//! Formats met on the wire: RFC 3339 `2026-07-21T18:26:40Z` (Échange), HTTP-date / RFC 2822
//! `Tue, 25 Mar 2025 17:32:39 GMT` (PRE-ETAT.DATE, `Retry-After`, `Last-Modified`).

/// Days since 1970-01-01 for a proleptic Gregorian date.
pub fn days_from_civil(y: i64, m: u32, d: u32) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = if y >= 0 { y } else { y - 399 } / 400;
    let yoe = y - era * 400;
    let m = m as i64;
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + d as i64 - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// `(year, month, day)` for days since 1970-01-01.
pub fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = if z >= 0 { z } else { z - 146_096 } / 146_097;
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (if m <= 2 { y + 1 } else { y }, m, d)
}

/// Unix seconds → `YYYY-MM-DDTHH:MM:SSZ`.
pub fn format_iso8601(secs: i64) -> String {
    let days = secs.div_euclid(86_400);
    let rem = secs.rem_euclid(86_400);
    let (y, m, d) = civil_from_days(days);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z",
        rem / 3600,
        (rem / 60) % 60,
        rem % 60
    )
}

fn num(s: &str) -> Option<i64> {
    if s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit()) || s.len() > 9 {
        return None;
    }
    s.parse().ok()
}

fn checked(y: i64, mo: i64, d: i64, h: i64, mi: i64, s: i64) -> Option<i64> {
    if !(1..=12).contains(&mo) || !(1..=31).contains(&d) || h > 23 || mi > 59 || s > 60 {
        return None;
    }
    Some(days_from_civil(y, mo as u32, d as u32) * 86_400 + h * 3600 + mi * 60 + s)
}

/// Parses RFC 3339 (`2026-07-21T18:26:40Z`, `…40.123Z`, `…40+02:00`) to Unix seconds.
pub fn parse_rfc3339(s: &str) -> Option<i64> {
    let s = s.trim();
    if s.len() < 20 || !s.is_char_boundary(10) || !s.is_char_boundary(19) {
        return None;
    }
    let (date, rest) = s.split_at(10);
    let mut dp = date.split('-');
    let (y, mo, d) = (num(dp.next()?)?, num(dp.next()?)?, num(dp.next()?)?);
    let rest = rest.strip_prefix(['T', 't', ' '])?;
    let (time, mut zone) = rest.split_at(8);
    let mut tp = time.split(':');
    let (h, mi, sec) = (num(tp.next()?)?, num(tp.next()?)?, num(tp.next()?)?);
    if let Some(frac) = zone.strip_prefix('.') {
        let end = frac
            .find(|c: char| !c.is_ascii_digit())
            .unwrap_or(frac.len());
        zone = &frac[end..];
    }
    let offset = match zone {
        "Z" | "z" => 0,
        z if z.len() == 6 && (z.starts_with('+') || z.starts_with('-')) => {
            let oh = num(z.get(1..3)?)?;
            let om = num(z.get(4..6)?)?;
            let o = oh * 3600 + om * 60;
            if z.starts_with('-') {
                -o
            } else {
                o
            }
        }
        _ => return None,
    };
    Some(checked(y, mo, d, h, mi, sec)? - offset)
}

const MONTHS: [&str; 12] = [
    "jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec",
];

/// Parses an HTTP-date / RFC 2822 date (`Tue, 25 Mar 2025 17:32:39 GMT`, also `+0000` zones and
/// no weekday) to Unix seconds.
pub fn parse_http_date(s: &str) -> Option<i64> {
    let s = s.trim();
    let s = match s.find(',') {
        Some(i) => &s[i + 1..],
        None => s,
    };
    let mut it = s.split_whitespace();
    let d = num(it.next()?)?;
    let mon = it.next()?.to_ascii_lowercase();
    let mo = MONTHS.iter().position(|m| *m == mon)? as i64 + 1;
    let y = num(it.next()?)?;
    let mut tp = it.next()?.split(':');
    let (h, mi) = (num(tp.next()?)?, num(tp.next()?)?);
    let sec = match tp.next() {
        Some(x) => num(x)?,
        None => 0,
    };
    let offset = match it.next() {
        None | Some("GMT") | Some("UT") | Some("UTC") | Some("Z") => 0,
        Some(z) if z.len() == 5 && (z.starts_with('+') || z.starts_with('-')) => {
            let o = num(z.get(1..3)?)? * 3600 + num(z.get(3..5)?)? * 60;
            if z.starts_with('-') {
                -o
            } else {
                o
            }
        }
        Some(_) => return None,
    };
    Some(checked(y, mo, d, h, mi, sec)? - offset)
}

/// Unix seconds → IMF-fixdate (`Tue, 25 Mar 2025 17:32:39 GMT`).
pub fn format_http_date(secs: i64) -> String {
    const DAYS: [&str; 7] = ["Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"];
    const MON: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    let days = secs.div_euclid(86_400);
    let rem = secs.rem_euclid(86_400);
    let (y, m, d) = civil_from_days(days);
    format!(
        "{}, {d:02} {} {y:04} {:02}:{:02}:{:02} GMT",
        DAYS[days.rem_euclid(7) as usize],
        MON[(m - 1) as usize],
        rem / 3600,
        (rem / 60) % 60,
        rem % 60
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips() {
        for secs in [0i64, 951_782_400, 1_742_923_959, 4_102_444_800, -86_400] {
            assert_eq!(parse_rfc3339(&format_iso8601(secs)), Some(secs));
            assert_eq!(parse_http_date(&format_http_date(secs)), Some(secs));
        }
    }

    #[test]
    fn wire_examples() {
        assert_eq!(
            parse_http_date("Tue, 25 Mar 2025 17:32:39 GMT")
                .map(format_iso8601)
                .as_deref(),
            Some("2025-03-25T17:32:39Z")
        );
        assert_eq!(
            format_http_date(1_742_923_959),
            "Tue, 25 Mar 2025 17:32:39 GMT"
        );
        assert_eq!(
            parse_rfc3339("2025-12-12T14:09:02.321Z"),
            parse_rfc3339("2025-12-12T14:09:02Z")
        );
        assert_eq!(
            parse_rfc3339("2026-07-21T20:26:40+02:00"),
            parse_rfc3339("2026-07-21T18:26:40Z")
        );
    }

    #[test]
    fn garbage_never_panics() {
        for s in [
            "",
            "x",
            "2026-07-21",
            "2026-13-01T00:00:00Z",
            "Tue, 99 Foo 2025",
            "é€😀2026-07-21T18:26:40Z",
            "2026-07-2é",
            "2026-07-21T18:26:40+0é:0",
            "1 Jan 2020 00:00:00 +0é:0",
        ] {
            assert_eq!(parse_rfc3339(s), None, "{s}");
            let _ = parse_http_date(s);
        }
    }
}
