//! Session time zones (`time_zone`), as a MySQL server without the time
//! zone tables loaded knows them: `SYSTEM` (the server's zone, UTC), and
//! fixed offsets `'+HH:MM'` from `-13:59` to `+14:00`. `UTC` and `GMT` are
//! accepted as `+00:00`. Named zones with daylight saving give 1298.
//!
//! TIMESTAMP values are stored in UTC: written values are converted from
//! the session's zone, read values into it (`exec::scan`, `sql::table`).
//! NOW(), CURDATE(), FROM_UNIXTIME() answer in the session's zone;
//! UNIX_TIMESTAMP() and UTC_TIMESTAMP() in UTC. A fixed offset makes both
//! conversions exact inverses, so a row read and written back is unchanged.

use chrono::NaiveDateTime;

use crate::error::{DbError, Result};

/// The most seconds east of UTC an offset may be (`+14:00`).
const MAX_EAST: i32 = 14 * 3600;
/// The most seconds west of UTC an offset may be (`-13:59`).
const MAX_WEST: i32 = 13 * 3600 + 59 * 60;

fn unknown(name: &str) -> DbError {
    DbError::new(1298, "HY000", format!("Unknown or incorrect time zone: '{name}'"))
}

/// A time zone's offset east of UTC, in seconds.
pub fn parse(name: &str) -> Result<i32> {
    let t = name.trim();
    if t.eq_ignore_ascii_case("SYSTEM") || t.eq_ignore_ascii_case("UTC") || t.eq_ignore_ascii_case("GMT") {
        return Ok(0);
    }
    let (sign, rest) = match t.as_bytes().first() {
        Some(b'+') => (1, &t[1..]),
        Some(b'-') => (-1, &t[1..]),
        _ => return Err(unknown(name)),
    };
    let (h, m) = rest.split_once(':').ok_or_else(|| unknown(name))?;
    let digits = |s: &str, max_len: usize| !s.is_empty() && s.len() <= max_len && s.bytes().all(|b| b.is_ascii_digit());
    if !digits(h, 2) || !digits(m, 2) {
        return Err(unknown(name));
    }
    let (h, m): (i32, i32) = (h.parse().map_err(|_| unknown(name))?, m.parse().map_err(|_| unknown(name))?);
    if m >= 60 {
        return Err(unknown(name));
    }
    let secs = sign * (h * 3600 + m * 60);
    if !(-MAX_WEST..=MAX_EAST).contains(&secs) {
        return Err(unknown(name));
    }
    Ok(secs)
}

/// A local time in a zone `offset` seconds east of UTC, as UTC.
pub fn to_utc(dt: NaiveDateTime, offset: i32) -> NaiveDateTime {
    dt.checked_sub_signed(chrono::Duration::seconds(i64::from(offset))).unwrap_or(dt)
}

/// A UTC time as local time in a zone `offset` seconds east of UTC.
pub fn from_utc(dt: NaiveDateTime, offset: i32) -> NaiveDateTime {
    dt.checked_add_signed(chrono::Duration::seconds(i64::from(offset))).unwrap_or(dt)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_offsets() {
        assert_eq!(parse("SYSTEM").ok(), Some(0));
        assert_eq!(parse("utc").ok(), Some(0));
        assert_eq!(parse("+00:00").ok(), Some(0));
        assert_eq!(parse("+08:00").ok(), Some(8 * 3600));
        assert_eq!(parse("-05:30").ok(), Some(-(5 * 3600 + 1800)));
        assert_eq!(parse("+14:00").ok(), Some(14 * 3600));
        assert_eq!(parse("-13:59").ok(), Some(-(13 * 3600 + 59 * 60)));
        for bad in ["+14:01", "-14:00", "+1:60", "08:00", "+08", "Europe/Paris", "", "+a:00", "+123:00"] {
            assert_eq!(parse(bad).map_err(|e| e.code).err(), Some(1298), "{bad}");
        }
    }

    #[test]
    fn conversions_invert() {
        let dt = crate::sql::value::parse_datetime("2024-03-10 01:30:00").expect("datetime");
        for off in [0, 3600, -(5 * 3600 + 1800), 14 * 3600] {
            assert_eq!(from_utc(to_utc(dt, off), off), dt);
        }
        assert_eq!(to_utc(dt, 3600).to_string(), "2024-03-10 00:30:00");
    }
}
