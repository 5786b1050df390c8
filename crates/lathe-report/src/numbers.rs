//! How every number in the reports is written, so that the same quantity reads the same
//! everywhere: times to 3 significant digits, speedups as `1.23x`.

/// What a missing number is shown as.
pub const NONE: &str = "—";

/// Milliseconds (or any amount) to 3 significant digits (`0.0412`, `1.23`, `45.6`); from 100 up, whole
/// milliseconds (`123`, `1234`): rounding away digits of the integer part would hide more
/// than it shows.
pub fn ms(value: f64) -> String {
    if !value.is_finite() {
        return NONE.to_owned();
    }
    if value == 0.0 {
        return "0".to_owned();
    }
    let decimals = |v: f64| (2 - v.abs().log10().floor() as i32).max(0) as usize;
    let mut places = decimals(value);
    let text = format!("{value:.places$}");
    // Rounding can add a digit (9.996 → 10.00); count again from the rounded value.
    if let Ok(rounded) = text.parse::<f64>() {
        places = places.min(decimals(rounded));
    }
    format!("{value:.places$}")
}

pub fn ms_or_none(value: Option<f64>) -> String {
    value.map_or_else(|| NONE.to_owned(), ms)
}

/// A ratio of times: `2.41x`.
pub fn speedup(value: f64) -> String {
    if value.is_finite() {
        format!("{value:.2}x")
    } else {
        NONE.to_owned()
    }
}

pub fn speedup_or_none(value: Option<f64>) -> String {
    value.map_or_else(|| NONE.to_owned(), speedup)
}

/// US dollars: cents from a dollar up, else 3 significant digits (a call often costs a
/// fraction of a cent).
pub fn cost(usd: f64) -> String {
    if usd >= 1.0 || usd == 0.0 || !usd.is_finite() {
        format!("${usd:.2}")
    } else {
        format!("${}", ms(usd))
    }
}

/// A count with thousands separators: `12,345`.
pub fn count(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, digit) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(digit);
    }
    out
}

/// A span of time as a person says it: `45s`, `12m 05s`, `2h 03m`.
pub fn duration(seconds: f64) -> String {
    let total = seconds.max(0.0).round() as u64;
    let (h, m, s) = (total / 3600, total / 60 % 60, total % 60);
    match (h, m) {
        (0, 0) => format!("{s}s"),
        (0, m) => format!("{m}m {s:02}s"),
        (h, m) => format!("{h}h {m:02}m"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_keep_three_significant_digits() {
        let cases = [
            (0.041234, "0.0412"),
            (0.412, "0.412"),
            (1.0, "1.00"),
            (1.2345, "1.23"),
            (9.996, "10.0"),
            (45.64, "45.6"),
            (99.96, "100"),
            (123.4, "123"),
            (1234.4, "1234"),
            (0.0, "0"),
            (f64::NAN, NONE),
        ];
        for (value, text) in cases {
            assert_eq!(ms(value), text, "{value}");
        }
    }

    #[test]
    fn other_numbers() {
        assert_eq!(speedup(2.4149), "2.41x");
        assert_eq!(cost(0.0088), "$0.00880");
        assert_eq!(cost(0.1062), "$0.106");
        assert_eq!(cost(1.234), "$1.23");
        assert_eq!(cost(0.0), "$0.00");
        assert_eq!(count(1234567), "1,234,567");
        assert_eq!(count(999), "999");
        assert_eq!(duration(44.6), "45s");
        assert_eq!(duration(725.0), "12m 05s");
        assert_eq!(duration(7380.0), "2h 03m");
    }
}
