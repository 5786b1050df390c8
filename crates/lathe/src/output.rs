//! Where a command's product goes: standard output, or a file with `--out`.

use std::io::{self, Write};
use std::path::Path;

use crate::error::CliError;

/// Writes `text` as it is (no newline added) to `out`, or to standard output. A closed pipe
/// (`lathe prompt ... | head`) is not an error: the reader has what it wanted.
pub fn emit(text: &str, out: Option<&Path>) -> Result<(), CliError> {
    match out {
        Some(path) => write_file(path, text),
        None => match io::stdout().lock().write_all(text.as_bytes()) {
            Err(e) if e.kind() != io::ErrorKind::BrokenPipe => Err(CliError::Output {
                path: None,
                source: e,
            }),
            _ => Ok(()),
        },
    }
}

/// Writes through a temporary file in the same directory and renames it into place, so that an
/// interrupted write never leaves half a prompt where a whole one was expected.
fn write_file(path: &Path, text: &str) -> Result<(), CliError> {
    let fail = |source| CliError::Output {
        path: Some(path.to_owned()),
        source,
    };
    let dir = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    std::fs::create_dir_all(dir).map_err(fail)?;
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let temp = dir.join(format!(".{name}.{}.tmp", std::process::id()));
    std::fs::write(&temp, text)
        .and_then(|()| std::fs::rename(&temp, path))
        .map_err(|e| {
            let _ = std::fs::remove_file(&temp);
            fail(e)
        })
}
