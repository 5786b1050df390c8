//! Numbers as Nsight Compute writes them in its CSV: `12`, `5,969,984`, `12.41`, `1e-05`.
//!
//! ncu groups thousands with commas, so Rust's `f64::from_str` alone rejects its integers; but a
//! lenient "drop every comma" would also turn a stray `1,23` into 123. The grammar here is the
//! strict one: commas only between groups of exactly three digits. Anything else (`n/a`,
//! `(256, 1, 1)`, `GH100`, `nan`) is not a number, so a metric ncu could not read is reported as
//! missing rather than mistaken for a value.

use serde::Serialize;

/// A number read from an ncu cell.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct NcuNumber {
    pub value: f64,
    /// Written without a decimal point or an exponent: a count (`launch__grid_size`), not a
    /// measurement. Decides whether the prompt shows `524288` or `50.0`.
    pub integer: bool,
}

/// The number in `text`, or `None` when ncu wrote something else there.
pub fn parse_ncu_number(text: &str) -> Option<NcuNumber> {
    let text = text.trim();
    let unsigned = text.strip_prefix('-').unwrap_or(text);
    let (mantissa, exponent) = match unsigned.find(['e', 'E']) {
        Some(at) => (&unsigned[..at], Some(&unsigned[at + 1..])),
        None => (unsigned, None),
    };
    let (whole, fraction) = match mantissa.split_once('.') {
        Some((whole, fraction)) => (whole, Some(fraction)),
        None => (mantissa, None),
    };
    if !is_grouped_digits(whole)
        || !fraction.is_none_or(is_digits)
        || !exponent.is_none_or(|e| is_digits(e.strip_prefix(['+', '-']).unwrap_or(e)))
    {
        return None;
    }
    let plain: String = text.chars().filter(|&c| c != ',').collect();
    let value: f64 = plain.parse().ok()?;
    // A literal too large for f64 parses as infinity; no ncu metric is that, so it is not a number.
    value.is_finite().then_some(NcuNumber {
        value,
        integer: fraction.is_none() && exponent.is_none(),
    })
}

fn is_digits(text: &str) -> bool {
    !text.is_empty() && text.bytes().all(|b| b.is_ascii_digit())
}

/// `1234` or `1,234`: one to three leading digits, then groups of exactly three.
fn is_grouped_digits(text: &str) -> bool {
    if !text.contains(',') {
        return is_digits(text);
    }
    let mut groups = text.split(',');
    let first = groups.next().unwrap_or_default();
    is_digits(first) && first.len() <= 3 && groups.all(|g| g.len() == 3 && is_digits(g))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn number(text: &str) -> (f64, bool) {
        let n = parse_ncu_number(text).unwrap_or_else(|| panic!("{text:?} should parse"));
        (n.value, n.integer)
    }

    #[test]
    fn reads_what_ncu_writes() {
        assert_eq!(number("12"), (12.0, true));
        assert_eq!(number("5,969,984"), (5_969_984.0, true));
        assert_eq!(number("12.41"), (12.41, false));
        assert_eq!(number("-3"), (-3.0, true));
        assert_eq!(number("0"), (0.0, true));
        assert_eq!(number("1.5e+03"), (1500.0, false));
        assert_eq!(number("1e-05"), (1e-5, false));
        assert_eq!(number("1,234.5"), (1234.5, false));
        assert_eq!(number("  42 "), (42.0, true));
    }

    #[test]
    fn rejects_everything_else() {
        for text in [
            "",
            " ",
            "n/a",
            "N/A",
            "(256, 1, 1)",
            "GH100",
            "1,23",
            "1234,567",
            ",123",
            "1,,234",
            "123,",
            "nan",
            "NaN",
            "inf",
            "-inf",
            "infinity",
            "-",
            "+5",
            ".5",
            "5.",
            "1e",
            "1e+",
            "1.2.3",
            "1e999",
            "0x10",
            "1_000",
            "12 34",
            "--1",
        ] {
            assert_eq!(parse_ncu_number(text), None, "{text:?}");
        }
    }
}
