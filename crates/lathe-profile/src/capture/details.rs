//! The details page (`--page details`): a row per metric per launch, grouped here by launch ID.
//!
//! With sections that carry rules, ncu appends rule columns ("Rule Name", "Estimated Speedup",
//! ...) and rule rows with no metric name; only the metric rows matter for the prompt. A metric's
//! unit is the one on its first row.

use std::collections::{BTreeMap, HashMap, HashSet};

use super::identity::{Identity, column};
use super::{CaptureError, Cell, Record, Table};

pub(super) fn read(header: &[String], rows: Vec<Record>) -> Result<Table, CaptureError> {
    let identity = Identity::locate(header).unwrap_or_else(|| unreachable!("checked header"));
    let required = |name| column(header, name).unwrap_or_else(|| unreachable!("checked {name}"));
    let metric_name = required("Metric Name");
    let metric_value = required("Metric Value");
    let metric_unit = column(header, "Metric Unit");

    let mut launches = Vec::new();
    let mut launch_of_id: HashMap<String, usize> = HashMap::new();
    let mut metric_columns = Vec::new();
    let mut seen_metrics = HashSet::new();
    let mut units = BTreeMap::new();
    for row in rows {
        let id = row.fields[identity.id].trim().to_owned();
        let index = match launch_of_id.get(&id) {
            Some(&index) => index,
            None => {
                launches.push(identity.launch(&row)?);
                launch_of_id.insert(id, launches.len() - 1);
                launches.len() - 1
            }
        };
        let name = row.fields[metric_name].trim();
        if name.is_empty() {
            continue;
        }
        if seen_metrics.insert(name.to_owned()) {
            metric_columns.push(name.to_owned());
        }
        let unit = metric_unit.map_or("", |at| row.fields[at].trim());
        if !unit.is_empty() && !units.contains_key(name) {
            units.insert(name.to_owned(), unit.to_owned());
        }
        let text = &row.fields[metric_value];
        if !text.trim().is_empty() {
            // A metric shown in two sections keeps its first reading.
            launches[index]
                .values
                .entry(name.to_owned())
                .or_insert_with(|| Cell::new(text));
        }
    }
    Ok(Table {
        launches,
        metric_columns,
        units,
    })
}
