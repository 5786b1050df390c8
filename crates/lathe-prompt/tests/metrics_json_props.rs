//! Property tests of the metrics block: whatever numbers a profile holds, the prompt shows them
//! exactly as written, in the order given, and the values read back are the numbers themselves.

use lathe_prompt::MetricsJson;
use proptest::prelude::*;

/// A JSON number in one of the spellings a profiler or a person writes.
fn number_text() -> impl Strategy<Value = String> {
    prop_oneof![
        any::<i64>().prop_map(|n| n.to_string()),
        (0u32..1_000_000, 0u32..100).prop_map(|(a, b)| format!("{a}.{b:02}")),
        (0u32..1000).prop_map(|a| format!("{a}.0")),
        (1u32..10, -20i32..20).prop_map(|(m, e)| format!("{m}e{e}")),
        any::<f64>()
            .prop_filter("finite", |f| f.is_finite())
            .prop_map(|f| format!("{f:?}")),
    ]
}

proptest! {
    #[test]
    fn numbers_render_as_written(
        values in prop::collection::vec(("[a-z_.]{1,30}", number_text()), 1..8)
    ) {
        let mut seen = std::collections::HashSet::new();
        let values: Vec<_> = values.into_iter().filter(|(k, _)| seen.insert(k.clone())).collect();
        let body: Vec<String> = values.iter().map(|(k, v)| format!("\"{k}\":{v}")).collect();
        let text = format!("{{\"kernel\":{{{}}}}}", body.join(","));
        let metrics = MetricsJson::parse(&text).unwrap();
        let rendered = metrics.render();
        for (k, v) in &values {
            let line = format!("    \"{k}\": {v}");
            prop_assert!(rendered.lines().any(|l| l.trim_end_matches(',') == line), "{line} in\n{rendered}");
        }
        let parsed = &metrics.kernels()[0].metrics;
        for ((k, v), m) in values.iter().zip(parsed) {
            prop_assert_eq!(&m.name, k);
            prop_assert_eq!(m.value, v.parse::<f64>().unwrap());
        }
        // Rendering is a fixed point: the rendered block parses to the same block.
        prop_assert_eq!(MetricsJson::parse(&rendered).unwrap(), metrics);
    }
}
