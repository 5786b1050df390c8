//! The raw page (`--page raw`): a column per metric, a row per launch, a row of units on top.

use std::collections::BTreeMap;

use super::identity::{IDENTITY_COLUMNS, Identity};
use super::{CaptureError, Cell, Record, Table};

pub(super) fn read(header: &[String], rows: Vec<Record>) -> Result<Table, CaptureError> {
    let identity = Identity::locate(header).unwrap_or_else(|| unreachable!("checked header"));
    // Each metric's column; a repeated name keeps its first column.
    let mut metrics: Vec<(usize, &String)> = Vec::new();
    for (at, name) in header.iter().enumerate() {
        let known = metrics.iter().any(|(_, seen)| *seen == name);
        if !IDENTITY_COLUMNS.contains(&name.as_str()) && !name.is_empty() && !known {
            metrics.push((at, name));
        }
    }

    let mut rows = rows.into_iter().peekable();
    let mut units = BTreeMap::new();
    // The units row has no launch ID; ncu versions without it go straight to the launches.
    if let Some(row) = rows.next_if(|row| row.fields[identity.id].trim().is_empty()) {
        for &(at, name) in &metrics {
            let unit = row.fields[at].trim();
            if !unit.is_empty() {
                units.insert(name.clone(), unit.to_owned());
            }
        }
    }

    let mut launches = Vec::new();
    for row in rows {
        let mut launch = identity.launch(&row)?;
        for &(at, name) in &metrics {
            let text = &row.fields[at];
            if !text.trim().is_empty() {
                launch.values.insert(name.clone(), Cell::new(text));
            }
        }
        launches.push(launch);
    }
    Ok(Table {
        launches,
        metric_columns: metrics.into_iter().map(|(_, name)| name.clone()).collect(),
        units,
    })
}
