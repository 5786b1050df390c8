//! A moment in UTC to the millisecond, as the store writes it: `2026-11-21T16:07:33.123Z`.
//!
//! Text rather than a number so that the database reads well in the sqlite3 shell; fixed width,
//! so that text order is time order (`lathe runs` sorts on it). Milliseconds because that is
//! what is stored: a value read back equals the value written.

use std::fmt;
use std::str::FromStr;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Timestamp {
    unix_ms: i64,
}

/// Text that is not a timestamp in the store's format.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("`{0}` is not a UTC timestamp like 2026-11-21T16:07:33.123Z")]
pub struct InvalidTimestamp(pub String);

const MS_PER_DAY: i64 = 86_400_000;

impl Timestamp {
    pub fn now() -> Timestamp {
        Timestamp::from(SystemTime::now())
    }

    pub fn from_unix_ms(unix_ms: i64) -> Timestamp {
        Timestamp { unix_ms }
    }

    pub fn unix_ms(self) -> i64 {
        self.unix_ms
    }

    /// `(year, month, day, hour, minute, second, millisecond)`.
    pub(crate) fn parts(self) -> (i64, u32, u32, u32, u32, u32, u32) {
        let days = self.unix_ms.div_euclid(MS_PER_DAY);
        let ms_of_day = self.unix_ms.rem_euclid(MS_PER_DAY);
        let (year, month, day) = civil_from_days(days);
        let seconds = ms_of_day / 1000;
        // Each is below 86 400 000: the casts cannot truncate.
        let part = |n: i64| n as u32;
        (
            year,
            month,
            day,
            part(seconds / 3600),
            part(seconds / 60 % 60),
            part(seconds % 60),
            part(ms_of_day % 1000),
        )
    }
}

impl From<SystemTime> for Timestamp {
    fn from(time: SystemTime) -> Timestamp {
        let unix_ms = match time.duration_since(UNIX_EPOCH) {
            Ok(after) => i64::try_from(after.as_millis()).unwrap_or(i64::MAX),
            Err(before) => -i64::try_from(before.duration().as_millis()).unwrap_or(i64::MAX),
        };
        Timestamp { unix_ms }
    }
}

impl From<Timestamp> for SystemTime {
    fn from(time: Timestamp) -> SystemTime {
        let magnitude = Duration::from_millis(time.unix_ms.unsigned_abs());
        if time.unix_ms >= 0 {
            UNIX_EPOCH + magnitude
        } else {
            UNIX_EPOCH - magnitude
        }
    }
}

impl fmt::Display for Timestamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (year, month, day, hour, minute, second, ms) = self.parts();
        write!(
            f,
            "{year:04}-{month:02}-{day:02}T{hour:02}:{minute:02}:{second:02}.{ms:03}Z"
        )
    }
}

impl FromStr for Timestamp {
    type Err = InvalidTimestamp;

    /// Exactly the format [`Display`](fmt::Display) writes, years 0000 to 9999.
    fn from_str(text: &str) -> Result<Timestamp, InvalidTimestamp> {
        let invalid = || InvalidTimestamp(text.to_owned());
        let bytes = text.as_bytes();
        let shape = b"dddd-dd-ddTdd:dd:dd.dddZ";
        let matches = bytes.len() == shape.len()
            && bytes.iter().zip(shape).all(|(b, s)| match s {
                b'd' => b.is_ascii_digit(),
                _ => b == s,
            });
        if !matches {
            return Err(invalid());
        }
        let number = |range: std::ops::Range<usize>| -> i64 {
            text[range]
                .bytes()
                .fold(0, |n, digit| n * 10 + i64::from(digit - b'0'))
        };
        let (year, month, day) = (number(0..4), number(5..7), number(8..10));
        let (hour, minute, second, ms) = (
            number(11..13),
            number(14..16),
            number(17..19),
            number(20..23),
        );
        let month_ok = (1..=12).contains(&month);
        if !month_ok || day < 1 || day > days_in_month(year, month) {
            return Err(invalid());
        }
        if hour > 23 || minute > 59 || second > 59 {
            return Err(invalid());
        }
        let days = days_from_civil(year, month, day);
        let ms_of_day = ((hour * 60 + minute) * 60 + second) * 1000 + ms;
        Ok(Timestamp {
            unix_ms: days * MS_PER_DAY + ms_of_day,
        })
    }
}

fn is_leap(year: i64) -> bool {
    year % 4 == 0 && (year % 100 != 0 || year % 400 == 0)
}

fn days_in_month(year: i64, month: i64) -> i64 {
    match month {
        2 if is_leap(year) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

// Howard Hinnant's algorithms (chrono-compatible days since 1970-01-01 in the proleptic
// Gregorian calendar); a dependency for two functions is not worth it.
fn days_from_civil(year: i64, month: i64, day: i64) -> i64 {
    let year = if month <= 2 { year - 1 } else { year };
    let era = year.div_euclid(400);
    let year_of_era = year.rem_euclid(400);
    let day_of_year = (153 * ((month + 9) % 12) + 2) / 5 + day - 1;
    let day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
    era * 146_097 + day_of_era - 719_468
}

fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let days = days + 719_468;
    let era = days.div_euclid(146_097);
    let day_of_era = days.rem_euclid(146_097);
    let year_of_era =
        (day_of_era - day_of_era / 1460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    let mp = (5 * day_of_year + 2) / 153;
    let day = day_of_year - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = year_of_era + era * 400 + i64::from(month <= 2);
    // day is 1..=31 and month 1..=12: the casts cannot truncate.
    (year, month as u32, day as u32)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_moments_format_and_parse_back() {
        let cases = [
            (0, "1970-01-01T00:00:00.000Z"),
            (951_782_400_000, "2000-02-29T00:00:00.000Z"),
            (1_795_277_253_123, "2026-11-21T16:07:33.123Z"),
            (-1, "1969-12-31T23:59:59.999Z"),
        ];
        for (unix_ms, text) in cases {
            let time = Timestamp::from_unix_ms(unix_ms);
            assert_eq!(time.to_string(), text);
            assert_eq!(text.parse::<Timestamp>(), Ok(time));
        }
    }

    #[test]
    fn every_day_of_four_centuries_round_trips() {
        let start = days_from_civil(1900, 1, 1);
        for days in start..start + 146_097 {
            let (y, m, d) = civil_from_days(days);
            assert_eq!(days_from_civil(y, i64::from(m), i64::from(d)), days);
        }
    }

    #[test]
    fn malformed_text_is_refused() {
        for text in [
            "",
            "2026-11-21 16:07:33.123Z",
            "2026-11-21T16:07:33Z",
            "2026-02-29T00:00:00.000Z",
            "2026-13-01T00:00:00.000Z",
            "2026-11-21T24:00:00.000Z",
            "２026-11-21T16:07:33.123Z",
        ] {
            assert!(text.parse::<Timestamp>().is_err(), "{text} was accepted");
        }
    }
}
