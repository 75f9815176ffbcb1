//! Calendar dates: `date(...)` from strings and maps, field accessors
//! (`d.year`, `d.week`, ...) and `date.truncate`.
//!
//! kg's [`Date`] may be partial (`2018`, `2018-09`), as facts are often only
//! known to the year or month. A string keeps the precision it is written
//! with (`date('2018-09')` is September 2018, as in fact files); the other
//! ISO 8601 forms (`20180912`, `2015-W30-2`, `2015-202`) and maps build full
//! dates, with Cypher's defaults (`date({year: 1984})` is 1984-01-01).

use crate::error::Result;
use crate::value::{days_in_month, Date, Value, ValueMap};

use super::compare::describe;
use super::errors::{argument, invalid_type};

/// Days since 1970-01-01 of a (proleptic Gregorian) calendar day.
pub(crate) fn days_from_civil(y: i64, m: u8, d: u8) -> i64 {
    let (m, d) = (i64::from(m), i64::from(d));
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The calendar day of a day count since 1970-01-01.
pub(crate) fn civil_from_days(days: i64) -> (i64, u8, u8) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    (yoe + era * 400 + i64::from(m <= 2), m as u8, d as u8)
}

/// ISO day of the week, Monday = 1 ... Sunday = 7.
fn weekday(days: i64) -> i64 {
    (days + 3).rem_euclid(7) + 1
}

/// The Monday of ISO week 1 of `week_year`.
fn week_one(week_year: i64) -> i64 {
    let jan4 = days_from_civil(week_year, 1, 4);
    jan4 - (weekday(jan4) - 1)
}

/// ISO week-year and week number of a day.
fn iso_week(days: i64) -> (i64, i64) {
    let (y, _, _) = civil_from_days(days);
    let wy = if days >= week_one(y + 1) {
        y + 1
    } else if days < week_one(y) {
        y - 1
    } else {
        y
    };
    (wy, (days - week_one(wy)) / 7 + 1)
}

fn weeks_in(week_year: i64) -> i64 {
    (week_one(week_year + 1) - week_one(week_year)) / 7
}

fn is_leap(y: i64) -> bool {
    (y % 4 == 0 && y % 100 != 0) || y % 400 == 0
}

/// The day count of a date, filling a missing month or day with 1.
fn day_count(d: &Date) -> i64 {
    days_from_civil(i64::from(d.year), d.month.unwrap_or(1), d.day.unwrap_or(1))
}

fn full(days: i64) -> Result<Date> {
    let (y, m, d) = civil_from_days(days);
    let year = i32::try_from(y)
        .ok()
        .filter(|y| (-9999..=9999).contains(y))
        .ok_or_else(|| bad(format!("year {y} is out of range")))?;
    Ok(Date {
        year,
        month: Some(m),
        day: Some(d),
    })
}

fn bad(message: String) -> crate::error::Error {
    argument("InvalidArgumentValue", format!("date(): {message}"))
}

fn check(what: &str, x: i64, lo: i64, hi: i64) -> Result<i64> {
    if (lo..=hi).contains(&x) {
        Ok(x)
    } else {
        Err(bad(format!("{what} {x} is not in {lo} to {hi}")))
    }
}

/// `date(x)`: a date, a string or a map; `null` gives `null`.
pub(crate) fn date(v: &Value) -> Result<Value> {
    match v {
        Value::Null => Ok(Value::Null),
        Value::Date(_) => Ok(v.clone()),
        Value::String(s) => parse(s.trim()).map(Value::Date),
        Value::Map(m) => from_map(m, None).map(Value::Date),
        other => Err(invalid_type(format!(
            "date() needs a string or a map, got {}",
            describe(other)
        ))),
    }
}

/// Parses the ISO 8601 date forms: `YYYY`, `YYYY-MM`, `YYYY-MM-DD` (partial
/// as written), `YYYYMM`, `YYYYMMDD`, `YYYY-Www[-D]`, `YYYYWww[D]`,
/// `YYYY-DDD`, `YYYYDDD`.
fn parse(s: &str) -> Result<Date> {
    let digits = |t: &str| !t.is_empty() && t.bytes().all(|b| b.is_ascii_digit());
    let num = |t: &str| -> i64 { t.parse::<i64>().unwrap_or(-1) };
    if s.len() >= 4 && s.is_char_boundary(4) && digits(&s[..4]) {
        let year = num(&s[..4]);
        let rest = &s[4..];
        let rest_plain = rest.strip_prefix('-').unwrap_or(rest);
        let dashed = rest.starts_with('-');
        // Week dates.
        if let Some(w) = rest_plain.strip_prefix('W') {
            let (week, dow) = if dashed {
                match w.split_once('-') {
                    Some((a, b)) => (a, Some(b)),
                    None => (w, None),
                }
            } else if w.len() == 3 {
                (&w[..2], Some(&w[2..]))
            } else {
                (w, None)
            };
            if week.len() == 2 && digits(week) && dow.is_none_or(|d| d.len() == 1 && digits(d)) {
                return week_date(year, num(week), dow.map_or(1, num));
            }
        }
        // Ordinal dates.
        if rest_plain.len() == 3 && digits(rest_plain) {
            return ordinal_date(year, num(rest_plain));
        }
        // Basic calendar forms.
        if !dashed && digits(rest) && (rest.len() == 2 || rest.len() == 4) {
            let month = check("month", num(&rest[..2]), 1, 12)? as u8;
            if rest.len() == 2 {
                return Ok(Date {
                    year: year as i32,
                    month: Some(month),
                    day: None,
                });
            }
            let max = i64::from(days_in_month(year as i32, month));
            let day = check("day", num(&rest[2..]), 1, max)? as u8;
            return Ok(Date {
                year: year as i32,
                month: Some(month),
                day: Some(day),
            });
        }
    }
    Date::parse(s).map_err(|e| bad(e.to_string()))
}

fn week_date(week_year: i64, week: i64, dow: i64) -> Result<Date> {
    check("week", week, 1, weeks_in(week_year))?;
    check("dayOfWeek", dow, 1, 7)?;
    full(week_one(week_year) + (week - 1) * 7 + dow - 1)
}

fn ordinal_date(year: i64, ordinal: i64) -> Result<Date> {
    check(
        "ordinalDay",
        ordinal,
        1,
        if is_leap(year) { 366 } else { 365 },
    )?;
    full(days_from_civil(year, 1, 1) + ordinal - 1)
}

/// Builds a date from map fields, optionally over a base date (the `date`
/// key, or the truncated date of `date.truncate`).
fn from_map(m: &ValueMap, base: Option<Date>) -> Result<Date> {
    let mut base = base;
    let mut fields: Vec<(&str, i64)> = Vec::new();
    for (k, v) in m {
        match (k.as_str(), v) {
            ("date", Value::Date(d)) => base = Some(*d),
            ("date", Value::Null) => {}
            ("date", other) => {
                return Err(invalid_type(format!(
                    "date(): `date` must be a date, got {}",
                    describe(other)
                )))
            }
            (
                "year" | "month" | "day" | "week" | "dayOfWeek" | "ordinalDay" | "quarter"
                | "dayOfQuarter",
                Value::Int(i),
            ) => fields.push((k.as_str(), *i)),
            (
                "year" | "month" | "day" | "week" | "dayOfWeek" | "ordinalDay" | "quarter"
                | "dayOfQuarter",
                other,
            ) => {
                return Err(invalid_type(format!(
                    "date(): `{k}` must be an integer, got {}",
                    describe(other)
                )))
            }
            _ => {
                return Err(bad(format!(
                    "unknown field `{k}` (expected year, month, day, week, dayOfWeek, \
                     ordinalDay, quarter, dayOfQuarter or date)"
                )))
            }
        }
    }
    let get = |name: &str| fields.iter().find(|(k, _)| *k == name).map(|(_, v)| *v);
    let base_days = base.as_ref().map(day_count);
    if let Some(week) = get("week") {
        let (base_wy, base_dow) =
            base_days.map_or((None, None), |d| (Some(iso_week(d).0), Some(weekday(d))));
        let wy = get("year")
            .or(base_wy)
            .ok_or_else(|| bad("`week` needs a `year`".into()))?;
        let dow = get("dayOfWeek").or(base_dow).unwrap_or(1);
        return week_date(wy, week, dow);
    }
    let year = get("year")
        .or(base.map(|b| i64::from(b.year)))
        .ok_or_else(|| bad("`year` is required".into()))?;
    check("year", year, -9999, 9999)?;
    if let Some(ordinal) = get("ordinalDay") {
        return ordinal_date(year, ordinal);
    }
    if let Some(q) = get("quarter") {
        check("quarter", q, 1, 4)?;
        let start = days_from_civil(year, (3 * (q - 1) + 1) as u8, 1);
        let end = if q == 4 {
            days_from_civil(year + 1, 1, 1)
        } else {
            days_from_civil(year, (3 * q + 1) as u8, 1)
        };
        // Over a base date, the day within the quarter is kept.
        let base_dq = base.as_ref().and_then(|b| match field(b, "dayOfQuarter") {
            Value::Int(x) => Some(x),
            _ => None,
        });
        let dq = get("dayOfQuarter").or(base_dq).unwrap_or(1);
        let dq = check("dayOfQuarter", dq, 1, end - start)?;
        return full(start + dq - 1);
    }
    let month = check(
        "month",
        get("month")
            .or(base.and_then(|b| b.month.map(i64::from)))
            .unwrap_or(1),
        1,
        12,
    )? as u8;
    let max = i64::from(days_in_month(year as i32, month));
    let day = check(
        "day",
        get("day")
            .or(base.and_then(|b| b.day.map(i64::from)))
            .unwrap_or(1),
        1,
        max,
    )?;
    if let Some(dow) = get("dayOfWeek") {
        // A day of the week alone moves within the date's week.
        check("dayOfWeek", dow, 1, 7)?;
        let days = days_from_civil(year, month, day as u8);
        return full(days - weekday(days) + dow);
    }
    Ok(Date {
        year: year as i32,
        month: Some(month),
        day: Some(day as u8),
    })
}

/// `d.field` for a date: `year`, `month`, `day`, `quarter`, `week`,
/// `weekYear`, `weekDay`/`dayOfWeek`, `ordinalDay`, `dayOfQuarter`. Fields a
/// partial date does not know are `null`; unknown fields are `null` too.
pub(crate) fn field(d: &Date, key: &str) -> Value {
    let int = |x: i64| Value::Int(x);
    let full_days = (d.month.is_some() && d.day.is_some()).then(|| day_count(d));
    match key {
        "year" => int(i64::from(d.year)),
        "month" => d.month.map_or(Value::Null, |m| int(i64::from(m))),
        "day" => d.day.map_or(Value::Null, |x| int(i64::from(x))),
        "quarter" => d
            .month
            .map_or(Value::Null, |m| int(i64::from((m - 1) / 3 + 1))),
        "week" => full_days.map_or(Value::Null, |x| int(iso_week(x).1)),
        "weekYear" => full_days.map_or(Value::Null, |x| int(iso_week(x).0)),
        "weekDay" | "dayOfWeek" => full_days.map_or(Value::Null, |x| int(weekday(x))),
        "ordinalDay" => full_days.map_or(Value::Null, |x| {
            int(x - days_from_civil(i64::from(d.year), 1, 1) + 1)
        }),
        "dayOfQuarter" => match (full_days, d.month) {
            (Some(x), Some(m)) => {
                let q_start = (m - 1) / 3 * 3 + 1;
                int(x - days_from_civil(i64::from(d.year), q_start, 1) + 1)
            }
            _ => Value::Null,
        },
        _ => Value::Null,
    }
}

/// `date.truncate(unit, date[, map])`: the first day of the unit containing
/// the date, with the map's fields then applied.
pub(crate) fn truncate(args: &[Value]) -> Result<Value> {
    let unit = match args.first() {
        Some(Value::String(u)) => u.as_str(),
        Some(Value::Null) | None => return Ok(Value::Null),
        Some(other) => {
            return Err(invalid_type(format!(
                "date.truncate(): the unit must be a string, got {}",
                describe(other)
            )))
        }
    };
    let d = match args.get(1) {
        Some(Value::Date(d)) => *d,
        Some(Value::Null) | None => return Ok(Value::Null),
        Some(other) => {
            return Err(invalid_type(format!(
                "date.truncate() needs a date, got {}",
                describe(other)
            )))
        }
    };
    let days = day_count(&d);
    let (y, m, _) = civil_from_days(days);
    let start = match unit {
        "millennium" => days_from_civil(y - y.rem_euclid(1000), 1, 1),
        "century" => days_from_civil(y - y.rem_euclid(100), 1, 1),
        "decade" => days_from_civil(y - y.rem_euclid(10), 1, 1),
        "year" => days_from_civil(y, 1, 1),
        "weekYear" => week_one(iso_week(days).0),
        "quarter" => days_from_civil(y, (m - 1) / 3 * 3 + 1, 1),
        "month" => days_from_civil(y, m, 1),
        "week" => days - weekday(days) + 1,
        "day" => days,
        other => {
            return Err(argument(
                "InvalidArgumentValue",
                format!("date.truncate(): unknown unit `{other}`"),
            ))
        }
    };
    let truncated = full(start)?;
    match args.get(2) {
        None | Some(Value::Null) => Ok(Value::Date(truncated)),
        Some(Value::Map(m)) if m.is_empty() => Ok(Value::Date(truncated)),
        Some(Value::Map(m)) => {
            if m.contains_key("dayOfWeek") && !m.contains_key("week") {
                let dow = match m.get("dayOfWeek") {
                    Some(Value::Int(i)) => check("dayOfWeek", *i, 1, 7)?,
                    _ => 1,
                };
                return full(start - weekday(start) + dow).map(Value::Date);
            }
            from_map(m, Some(truncated)).map(Value::Date)
        }
        Some(other) => Err(invalid_type(format!(
            "date.truncate(): the fields must be a map, got {}",
            describe(other)
        ))),
    }
}

/// Today's date (UTC).
pub(crate) fn today() -> Date {
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64);
    let (y, m, d) = civil_from_days(secs.div_euclid(86_400));
    Date {
        year: y as i32,
        month: Some(m),
        day: Some(d),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> String {
        match date(&Value::String(s.into())) {
            Ok(Value::Date(x)) => x.to_string(),
            other => format!("{other:?}"),
        }
    }

    #[test]
    fn calendar_round_trip() {
        for days in [-800_000, -1, 0, 1, 59, 365, 10_957, 19_000, 2_000_000] {
            let (y, m, dd) = civil_from_days(days);
            assert_eq!(days_from_civil(y, m, dd), days);
        }
        assert_eq!(civil_from_days(0), (1970, 1, 1));
        assert_eq!(weekday(0), 4, "1970-01-01 was a Thursday");
    }

    #[test]
    fn string_forms() {
        assert_eq!(d("2015-07-21"), "2015-07-21");
        assert_eq!(d("20150721"), "2015-07-21");
        assert_eq!(
            d("2015-07"),
            "2015-07",
            "partial dates keep their precision"
        );
        assert_eq!(d("201507"), "2015-07");
        assert_eq!(d("2015"), "2015");
        assert_eq!(d("2015-W30-2"), "2015-07-21");
        assert_eq!(d("2015W302"), "2015-07-21");
        assert_eq!(d("2015-W30"), "2015-07-20");
        assert_eq!(d("2015W30"), "2015-07-20");
        assert_eq!(d("2015-202"), "2015-07-21");
        assert_eq!(d("2015202"), "2015-07-21");
        for bad in [
            "2015-W54",
            "2015-366",
            "20151301",
            "2015-02-30",
            "x",
            "2015-W30-8",
        ] {
            assert!(date(&Value::String(bad.into())).is_err(), "{bad}");
        }
    }

    #[test]
    fn week_dates_around_year_ends() {
        let wk = |y: i64, w: i64| week_date(y, w, 1).map(|x| x.to_string());
        assert_eq!(wk(1816, 1).ok().as_deref(), Some("1816-01-01"));
        assert_eq!(wk(1817, 1).ok().as_deref(), Some("1816-12-30"));
        assert_eq!(wk(1818, 53).ok().as_deref(), Some("1818-12-28"));
        assert!(wk(1817, 53).is_err());
        let days = days_from_civil(1984, 1, 1);
        assert_eq!(iso_week(days), (1983, 52));
        assert_eq!(weekday(days), 7);
    }
}
