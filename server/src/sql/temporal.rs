//! Date and time arithmetic and formatting with MySQL's rules: INTERVAL
//! units, month arithmetic that clamps to the month's last day,
//! TIMESTAMPDIFF, EXTRACT, and the `%` specifiers of DATE_FORMAT and
//! STR_TO_DATE.

use chrono::{Datelike, Duration, NaiveDate, NaiveDateTime, NaiveTime, Timelike};

use crate::sql::value::Value;

/// Canonical unit name (upper case, singular), or `None` if unknown.
pub fn unit(name: &str) -> Option<&'static str> {
    Some(match name.trim().to_ascii_uppercase().trim_end_matches('S') {
        "MICROSECOND" => "MICROSECOND",
        "SECOND" => "SECOND",
        "MINUTE" => "MINUTE",
        "HOUR" => "HOUR",
        "DAY" => "DAY",
        "WEEK" => "WEEK",
        "MONTH" => "MONTH",
        "QUARTER" => "QUARTER",
        "YEAR" => "YEAR",
        _ => return None,
    })
}

/// The components of a composite unit (`HOUR_MINUTE` is hours and
/// minutes), or `None` if `name` is not one.
pub fn composite(name: &str) -> Option<&'static [&'static str]> {
    const Y: &str = "YEAR";
    const MO: &str = "MONTH";
    const D: &str = "DAY";
    const H: &str = "HOUR";
    const MI: &str = "MINUTE";
    const S: &str = "SECOND";
    const US: &str = "MICROSECOND";
    Some(match name.trim().to_ascii_uppercase().as_str() {
        "YEAR_MONTH" => &[Y, MO],
        "DAY_HOUR" => &[D, H],
        "DAY_MINUTE" => &[D, H, MI],
        "DAY_SECOND" => &[D, H, MI, S],
        "DAY_MICROSECOND" => &[D, H, MI, S, US],
        "HOUR_MINUTE" => &[H, MI],
        "HOUR_SECOND" => &[H, MI, S],
        "HOUR_MICROSECOND" => &[H, MI, S, US],
        "MINUTE_SECOND" => &[MI, S],
        "MINUTE_MICROSECOND" => &[MI, S, US],
        "SECOND_MICROSECOND" => &[S, US],
        _ => return None,
    })
}

/// True for a simple or composite unit name.
pub fn is_unit(name: &str) -> bool {
    unit(name).is_some() || composite(name).is_some()
}

/// Units whose arithmetic keeps a DATE a DATE.
pub fn unit_is_date_only(u: &str) -> bool {
    matches!(unit(u), Some("DAY" | "WEEK" | "MONTH" | "QUARTER" | "YEAR"))
        || u.trim().trim_start_matches('-').eq_ignore_ascii_case("YEAR_MONTH")
}

/// A composite interval's text (`'1:30'` for HOUR_MINUTE; any non-digits
/// separate the numbers, which fill the components from the right, and a
/// leading `-` negates all) as (months, microseconds). A microseconds part
/// of fewer than six digits is a fraction (`'1.5'` SECOND_MICROSECOND is
/// 1.5 s), as in MySQL. `None` when there are more numbers than components.
fn composite_amount(parts: &[&str], text: &str) -> Option<(i64, i64)> {
    let t = text.trim();
    let neg = t.starts_with('-');
    let nums: Vec<&str> = t.split(|c: char| !c.is_ascii_digit()).filter(|x| !x.is_empty()).collect();
    if nums.len() > parts.len() {
        return None;
    }
    let skip = parts.len() - nums.len();
    let (mut months, mut micros) = (0i64, 0i64);
    for (part, digits) in parts[skip..].iter().zip(&nums) {
        let mut n: i64 = digits.parse().ok()?;
        if *part == "MICROSECOND" && digits.len() < 6 && nums.len() > 1 {
            n = n.checked_mul(10i64.pow(6 - digits.len() as u32))?;
        }
        match *part {
            "YEAR" => months = months.checked_add(n.checked_mul(12)?)?,
            "MONTH" => months = months.checked_add(n)?,
            "DAY" => micros = micros.checked_add(n.checked_mul(86_400_000_000)?)?,
            "HOUR" => micros = micros.checked_add(n.checked_mul(3_600_000_000)?)?,
            "MINUTE" => micros = micros.checked_add(n.checked_mul(60_000_000)?)?,
            "SECOND" => micros = micros.checked_add(n.checked_mul(1_000_000)?)?,
            _ => micros = micros.checked_add(n)?,
        }
    }
    Some(if neg { (-months, -micros) } else { (months, micros) })
}

pub fn last_day_of_month(d: NaiveDate) -> Option<NaiveDate> {
    let (y, m) = if d.month() == 12 { (d.year() + 1, 1) } else { (d.year(), d.month() + 1) };
    NaiveDate::from_ymd_opt(y, m, 1)?.pred_opt()
}

fn add_months(dt: NaiveDateTime, months: i64) -> Option<NaiveDateTime> {
    let total = (dt.year() as i64 * 12 + dt.month0() as i64).checked_add(months)?;
    let (y, m0) = (total.div_euclid(12), total.rem_euclid(12));
    let y = i32::try_from(y).ok()?;
    let first = NaiveDate::from_ymd_opt(y, m0 as u32 + 1, 1)?;
    let last = last_day_of_month(first)?;
    let day = dt.day().min(last.day());
    Some(NaiveDate::from_ymd_opt(y, m0 as u32 + 1, day)?.and_time(dt.time()))
}

/// `dt + INTERVAL amount unit`; `None` when out of range or the unit is
/// unknown (MySQL returns NULL).
pub fn add_interval(dt: NaiveDateTime, amount: &Value, u: &str) -> Option<NaiveDateTime> {
    // `-HOUR_MINUTE`: DATE_SUB of a composite interval.
    let (negate, u) = match u.trim().strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, u),
    };
    if let Some(parts) = composite(u) {
        let (months, micros) = composite_amount(parts, &amount.to_text()?)?;
        let (months, micros) = if negate { (-months, -micros) } else { (months, micros) };
        let dt = if months != 0 { add_months(dt, months)? } else { dt };
        return dt.checked_add_signed(Duration::microseconds(micros)).filter(in_range);
    }
    let u = unit(u)?;
    let n = match u {
        "SECOND" => {
            let f = amount.as_f64()?;
            return dt.checked_add_signed(Duration::microseconds((f * 1e6).round() as i64)).filter(in_range);
        }
        _ => amount.as_i64()?,
    };
    let r = match u {
        "MICROSECOND" => dt.checked_add_signed(Duration::microseconds(n)),
        "MINUTE" => dt.checked_add_signed(Duration::try_minutes(n)?),
        "HOUR" => dt.checked_add_signed(Duration::try_hours(n)?),
        "DAY" => dt.checked_add_signed(Duration::try_days(n)?),
        "WEEK" => dt.checked_add_signed(Duration::try_weeks(n)?),
        "MONTH" => add_months(dt, n),
        "QUARTER" => add_months(dt, n.checked_mul(3)?),
        "YEAR" => add_months(dt, n.checked_mul(12)?),
        _ => None,
    };
    r.filter(in_range)
}

fn in_range(dt: &NaiveDateTime) -> bool {
    (0..=9999).contains(&dt.year())
}

/// TIMESTAMPDIFF(unit, a, b): whole units from a to b.
pub fn diff(u: &str, a: NaiveDateTime, b: NaiveDateTime) -> Option<i64> {
    let u = unit(u)?;
    let micros = (b - a).num_microseconds()?;
    Some(match u {
        "MICROSECOND" => micros,
        "SECOND" => micros / 1_000_000,
        "MINUTE" => micros / 60_000_000,
        "HOUR" => micros / 3_600_000_000,
        "DAY" => micros / 86_400_000_000,
        "WEEK" => micros / (7 * 86_400_000_000),
        "MONTH" | "QUARTER" | "YEAR" => {
            let mut months = (b.year() as i64 - a.year() as i64) * 12 + b.month() as i64 - a.month() as i64;
            // A month only counts once its day and time are reached.
            let (ad, bd) = ((a.day(), a.time()), (b.day(), b.time()));
            if months > 0 && bd < ad {
                months -= 1;
            } else if months < 0 && bd > ad {
                months += 1;
            }
            match u {
                "MONTH" => months,
                "QUARTER" => months / 3,
                _ => months / 12,
            }
        }
        _ => return None,
    })
}

/// EXTRACT(unit FROM dt); a composite unit gives its components as
/// digits side by side (`DAY_MINUTE` of 5 10:30 is 51030).
pub fn extract(u: &str, dt: NaiveDateTime) -> Option<i64> {
    if let Some(parts) = composite(u) {
        let mut n: i64 = 0;
        for p in parts {
            let (v, width) = match *p {
                "MICROSECOND" => (i64::from(dt.nanosecond() / 1000), 1_000_000),
                other => (extract(other, dt)?, 100),
            };
            n = if n == 0 && *p == parts[0] { v } else { n * width + v };
        }
        return Some(n);
    }
    Some(match unit(u)? {
        "MICROSECOND" => (dt.nanosecond() / 1000) as i64,
        "SECOND" => dt.second() as i64,
        "MINUTE" => dt.minute() as i64,
        "HOUR" => dt.hour() as i64,
        "DAY" => dt.day() as i64,
        "WEEK" => week_mode0(dt.date()),
        "MONTH" => dt.month() as i64,
        "QUARTER" => (dt.month() as i64 - 1) / 3 + 1,
        "YEAR" => dt.year() as i64,
        _ => return None,
    })
}

/// WEEK(d) with the default mode 0: weeks start on Sunday, and week 1 is
/// the first week with a Sunday in this year (days before it are week 0).
pub fn week_mode0(d: NaiveDate) -> i64 {
    let jan1 = NaiveDate::from_ymd_opt(d.year(), 1, 1).unwrap_or(d);
    let first_sunday_offset = (7 - jan1.weekday().num_days_from_sunday()) % 7;
    let day = d.ordinal0() as i64;
    if day < first_sunday_offset as i64 {
        0
    } else {
        (day - first_sunday_offset as i64) / 7 + 1
    }
}

/// DATE_FORMAT.
pub fn format(dt: NaiveDateTime, fmt: &str) -> String {
    let mut out = String::new();
    let mut chars = fmt.chars();
    while let Some(c) = chars.next() {
        if c != '%' {
            out.push(c);
            continue;
        }
        let Some(s) = chars.next() else { break };
        let piece = match s {
            'Y' => format!("{:04}", dt.year()),
            'y' => format!("{:02}", dt.year() % 100),
            'm' => format!("{:02}", dt.month()),
            'c' => dt.month().to_string(),
            'd' => format!("{:02}", dt.day()),
            'e' => dt.day().to_string(),
            'D' => {
                let d = dt.day();
                let suffix = match (d % 10, d % 100) {
                    (_, 11..=13) => "th",
                    (1, _) => "st",
                    (2, _) => "nd",
                    (3, _) => "rd",
                    _ => "th",
                };
                format!("{d}{suffix}")
            }
            'H' => format!("{:02}", dt.hour()),
            'k' => dt.hour().to_string(),
            'h' | 'I' => format!("{:02}", (dt.hour() + 11) % 12 + 1),
            'l' => ((dt.hour() + 11) % 12 + 1).to_string(),
            'i' => format!("{:02}", dt.minute()),
            's' | 'S' => format!("{:02}", dt.second()),
            'f' => format!("{:06}", dt.nanosecond() / 1000),
            'p' => (if dt.hour() < 12 { "AM" } else { "PM" }).to_string(),
            'r' => format!(
                "{:02}:{:02}:{:02} {}",
                (dt.hour() + 11) % 12 + 1,
                dt.minute(),
                dt.second(),
                if dt.hour() < 12 { "AM" } else { "PM" }
            ),
            'T' => format!("{:02}:{:02}:{:02}", dt.hour(), dt.minute(), dt.second()),
            'W' => dt.format("%A").to_string(),
            'a' => dt.format("%a").to_string(),
            'M' => dt.format("%B").to_string(),
            'b' => dt.format("%b").to_string(),
            'j' => format!("{:03}", dt.ordinal()),
            'w' => dt.weekday().num_days_from_sunday().to_string(),
            'U' => format!("{:02}", week_mode0(dt.date())),
            '%' => "%".to_string(),
            other => other.to_string(),
        };
        out.push_str(&piece);
    }
    out
}

/// STR_TO_DATE: parse `s` by a MySQL format. Returns the value and whether
/// the format had a time part.
pub fn parse(s: &str, fmt: &str) -> Option<(NaiveDateTime, bool)> {
    let (mut y, mut mo, mut d) = (None::<i32>, None::<u32>, None::<u32>);
    let (mut h, mut mi, mut se, mut us) = (0u32, 0u32, 0u32, 0u32);
    let mut pm: Option<bool> = None;
    let mut has_time = false;
    let b = s.as_bytes();
    let mut i = 0usize;
    let num = |i: &mut usize, max: usize| -> Option<u32> {
        let start = *i;
        while *i < b.len() && *i - start < max && b[*i].is_ascii_digit() {
            *i += 1;
        }
        if *i == start {
            return None;
        }
        s[start..*i].parse().ok()
    };
    let mut f = fmt.chars();
    while let Some(c) = f.next() {
        if c != '%' {
            if i < b.len() && b[i] as char == c {
                i += 1;
                continue;
            }
            if c.is_whitespace() {
                continue;
            }
            return None;
        }
        match f.next()? {
            'Y' => y = Some(num(&mut i, 4)? as i32),
            'y' => {
                let v = num(&mut i, 2)? as i32;
                y = Some(if v < 70 { 2000 + v } else { 1900 + v });
            }
            'm' | 'c' => mo = Some(num(&mut i, 2)?),
            'd' | 'e' => d = Some(num(&mut i, 2)?),
            'H' | 'k' | 'h' | 'I' | 'l' => {
                h = num(&mut i, 2)?;
                has_time = true;
            }
            'i' => {
                mi = num(&mut i, 2)?;
                has_time = true;
            }
            's' | 'S' => {
                se = num(&mut i, 2)?;
                has_time = true;
            }
            'f' => {
                let start = i;
                let v = num(&mut i, 6)?;
                us = v * 10u32.pow(6 - (i - start) as u32);
                has_time = true;
            }
            'p' => {
                let rest = s.get(i..i + 2)?.to_ascii_uppercase();
                pm = Some(rest == "PM");
                i += 2;
            }
            'M' | 'b' => {
                let names = ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"];
                let lower = s[i..].to_ascii_lowercase();
                let k = names.iter().position(|n| lower.starts_with(n))?;
                mo = Some(k as u32 + 1);
                i += 3;
                while i < b.len() && b[i].is_ascii_alphabetic() {
                    i += 1;
                }
            }
            '%' => {
                if b.get(i) != Some(&b'%') {
                    return None;
                }
                i += 1;
            }
            _ => return None,
        }
    }
    if let Some(p) = pm {
        if p && h < 12 {
            h += 12;
        } else if !p && h == 12 {
            h = 0;
        }
    }
    let date = NaiveDate::from_ymd_opt(y?, mo.unwrap_or(1), d.unwrap_or(1))?;
    let time = NaiveTime::from_hms_micro_opt(h, mi, se, us)?;
    Some((date.and_time(time), has_time))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dt(s: &str) -> NaiveDateTime {
        crate::sql::value::parse_datetime(s).unwrap_or_default()
    }

    #[test]
    fn month_arithmetic_clamps() {
        assert_eq!(add_interval(dt("2024-01-31"), &Value::Int(1), "MONTH"), Some(dt("2024-02-29")));
        assert_eq!(add_interval(dt("2023-03-31"), &Value::Int(-1), "MONTH"), Some(dt("2023-02-28")));
        assert_eq!(add_interval(dt("2024-02-29"), &Value::Int(1), "YEAR"), Some(dt("2025-02-28")));
        assert_eq!(add_interval(dt("2024-02-28 23:00:00"), &Value::Int(2), "HOUR"), Some(dt("2024-02-29 01:00:00")));
    }

    #[test]
    fn diffs_and_extracts() {
        assert_eq!(diff("MONTH", dt("2024-01-31"), dt("2024-02-29")), Some(0));
        assert_eq!(diff("MONTH", dt("2024-01-15"), dt("2024-03-15")), Some(2));
        assert_eq!(diff("DAY", dt("2024-03-01"), dt("2024-02-28")), Some(-2));
        assert_eq!(extract("YEAR", dt("2024-05-06 07:08:09")), Some(2024));
        assert_eq!(week_mode0(NaiveDate::from_ymd_opt(2024, 1, 7).unwrap_or_default()), 1);
    }

    #[test]
    fn format_and_parse() {
        let x = dt("2024-03-05 14:07:09");
        assert_eq!(format(x, "%Y-%m-%d %H:%i:%s %p %W %D %j"), "2024-03-05 14:07:09 PM Tuesday 5th 065");
        assert_eq!(parse("05/03/2024", "%d/%m/%Y"), Some((dt("2024-03-05"), false)));
        assert_eq!(parse("2024-03-05 02:07:09 PM", "%Y-%m-%d %h:%i:%s %p"), Some((x, true)));
        assert_eq!(parse("March 5 2024", "%M %e %Y"), Some((dt("2024-03-05"), false)));
        assert_eq!(parse("xx", "%Y"), None);
    }
}
