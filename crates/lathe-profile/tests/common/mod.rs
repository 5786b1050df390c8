//! Small captures written in the tests: a raw page from a list of metrics and launches, quoted
//! the way ncu quotes every field.

/// A raw page: `==PROF==` lines, the identity columns and `metrics` (name, unit), a units row,
/// then one row per launch (kernel name, one cell per metric; "" leaves the cell empty).
pub fn raw_page(metrics: &[(&str, &str)], launches: &[(&str, &[&str])]) -> String {
    const IDENTITY: [&str; 11] = [
        "ID",
        "Process ID",
        "Process Name",
        "Host Name",
        "Kernel Name",
        "Context",
        "Stream",
        "Block Size",
        "Grid Size",
        "Device",
        "CC",
    ];
    let mut lines = vec!["==PROF== Connected to process 42 (/usr/bin/python3)".to_owned()];
    let header: Vec<&str> = IDENTITY
        .iter()
        .copied()
        .chain(metrics.iter().map(|m| m.0))
        .collect();
    lines.push(row(&header));
    let units: Vec<&str> = IDENTITY
        .iter()
        .map(|_| "")
        .chain(metrics.iter().map(|m| m.1))
        .collect();
    lines.push(row(&units));
    for (id, (kernel, values)) in launches.iter().enumerate() {
        assert_eq!(
            values.len(),
            metrics.len(),
            "one value per metric for {kernel}"
        );
        let id = id.to_string();
        let identity = [
            &id,
            "42",
            "python3",
            "127.0.0.1",
            kernel,
            "1",
            "7",
            "(128, 1, 1)",
            "(64, 1, 1)",
            "0",
            "9.0",
        ];
        let cells: Vec<&str> = identity.into_iter().chain(values.iter().copied()).collect();
        lines.push(row(&cells));
    }
    lines.push("==PROF== Disconnected from process 42".to_owned());
    lines.join("\n") + "\n"
}

fn row(cells: &[&str]) -> String {
    let quoted: Vec<String> = cells
        .iter()
        .map(|c| format!("\"{}\"", c.replace('"', "\"\"")))
        .collect();
    quoted.join(",")
}
