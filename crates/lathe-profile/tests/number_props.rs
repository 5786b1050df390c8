//! Property tests of ncu's number grammar: what ncu writes reads back exactly, and nothing else
//! is taken for a number.

use lathe_profile::parse_ncu_number;
use proptest::prelude::*;

/// `n` as ncu writes counts: `-5,969,984`.
fn with_thousands(n: i64) -> String {
    let digits = n.unsigned_abs().to_string();
    let mut grouped = String::new();
    for (i, digit) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            grouped.push(',');
        }
        grouped.push(digit);
    }
    if n < 0 {
        format!("-{grouped}")
    } else {
        grouped
    }
}

proptest! {
    #[test]
    fn integers_with_separators_read_back_exactly(n in any::<i64>()) {
        let text = with_thousands(n);
        let number = parse_ncu_number(&text).unwrap();
        prop_assert!(number.integer, "{text}");
        // The same rounding as Rust's own conversion of the integer.
        prop_assert_eq!(number.value, n as f64, "{}", text);
    }

    #[test]
    fn floats_read_back_their_value(f in any::<f64>().prop_filter("finite", |f| f.is_finite())) {
        for text in [format!("{f}"), format!("{f:e}"), format!("{f:E}")] {
            let number = parse_ncu_number(&text).unwrap();
            prop_assert_eq!(number.value, f, "{}", text);
        }
        let text = format!("{f:.2}");
        let number = parse_ncu_number(&text).unwrap();
        prop_assert_eq!(number.value, text.parse::<f64>().unwrap(), "{}", text);
        prop_assert!(!number.integer, "{}", text);
    }

    #[test]
    fn nothing_panics(text in any::<String>(), near in "[-+0-9,.eE naNA/()]{0,24}") {
        for text in [text, near] {
            if let Some(number) = parse_ncu_number(&text) {
                prop_assert!(number.value.is_finite(), "{}", text);
            }
        }
    }

    /// Moving any comma of a well-grouped number one place leaves a group of 2 or 4 digits (or
    /// an empty first group): a typo or a locale ncu does not use, never a number.
    #[test]
    fn misplaced_commas_are_rejected(
        n in 1_000i64..=i64::MAX,
        negative in any::<bool>(),
        which in any::<prop::sample::Index>(),
        right in any::<bool>(),
        fraction in prop::option::of("[0-9]{1,3}"),
    ) {
        let grouped = with_thousands(if negative { -n } else { n });
        let commas: Vec<usize> = grouped.match_indices(',').map(|(at, _)| at).collect();
        let at = commas[which.index(commas.len())];
        let mut chars: Vec<char> = grouped.chars().collect();
        let to = if right { at + 1 } else { at - 1 };
        chars.swap(at, to);
        let mut text: String = chars.into_iter().collect();
        if let Some(fraction) = fraction {
            text = format!("{text}.{fraction}");
        }
        prop_assert_eq!(parse_ncu_number(&text), None, "{}", text);
    }
}

#[test]
fn grouping_helper_matches_ncu() {
    assert_eq!(with_thousands(5_969_984), "5,969,984");
    assert_eq!(with_thousands(-1_000), "-1,000");
    assert_eq!(with_thousands(999), "999");
    assert_eq!(with_thousands(i64::MIN), "-9,223,372,036,854,775,808");
}
