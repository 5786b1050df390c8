//! The columns that say which launch a row is about, shared by the raw and the details page.

use std::collections::BTreeMap;

use super::{CaptureError, Launch, Record};

/// Columns before the metrics on the raw page; everything else there is a metric.
pub(super) const IDENTITY_COLUMNS: [&str; 11] = [
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

/// Where the identity columns are in a header; the header check guarantees "ID" and
/// "Kernel Name", the others may be missing in other ncu versions.
#[derive(Debug)]
pub(super) struct Identity {
    pub id: usize,
    process_id: Option<usize>,
    kernel_name: usize,
    block_size: Option<usize>,
    grid_size: Option<usize>,
}

impl Identity {
    pub fn locate(header: &[String]) -> Option<Identity> {
        Some(Identity {
            id: column(header, "ID")?,
            process_id: column(header, "Process ID"),
            kernel_name: column(header, "Kernel Name")?,
            block_size: column(header, "Block Size"),
            grid_size: column(header, "Grid Size"),
        })
    }

    /// The launch a row is about, with no metric values yet.
    pub fn launch(&self, record: &Record) -> Result<Launch, CaptureError> {
        let cell = |at: Option<usize>| at.map_or("", |at| record.fields[at].as_str());
        let id_text = record.fields[self.id].trim();
        let id = id_text.parse().map_err(|_| CaptureError::Malformed {
            line: record.line,
            message: format!(
                "expected a launch number (a non-negative integer) in the \"ID\" column, found \
                 `{id_text}`"
            ),
        })?;
        Ok(Launch {
            id,
            process_id: cell(self.process_id).trim().parse().ok(),
            kernel_name: record.fields[self.kernel_name].clone(),
            block_size: cell(self.block_size).to_owned(),
            grid_size: cell(self.grid_size).to_owned(),
            values: BTreeMap::new(),
        })
    }
}

/// The index of the first column named `name`.
pub(super) fn column(header: &[String], name: &str) -> Option<usize> {
    header.iter().position(|h| h == name)
}
