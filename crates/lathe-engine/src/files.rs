//! The run's directory: each attempt's prompt, reply and kernel as files a person can open,
//! `best.py` rewritten atomically whenever the best changes (a killed run leaves the best so
//! far), and the reports at the end.

use std::fs;
use std::path::{Path, PathBuf};

use lathe_core::AttemptKey;
use lathe_report::{RunData, numbers};
use lathe_store::{RunId, Store};

use crate::{EngineError, Speed};

#[derive(Debug, Clone)]
pub struct RunFiles {
    dir: PathBuf,
}

impl RunFiles {
    pub fn create(dir: &Path) -> Result<RunFiles, EngineError> {
        let attempts = dir.join("attempts");
        fs::create_dir_all(&attempts).map_err(EngineError::io(&attempts))?;
        Ok(RunFiles {
            dir: dir.to_path_buf(),
        })
    }

    pub fn best_py(&self) -> PathBuf {
        self.dir.join("best.py")
    }

    /// `attempts/007-grid_and_parallel-s2-repair1-kernel.py`: the loop's order, then its key.
    pub fn attempt(&self, seq: u32, key: &AttemptKey, what: &str) -> PathBuf {
        self.dir
            .join("attempts")
            .join(format!("{seq:03}-{}-{what}", key.slug()))
    }

    pub fn write_attempt(
        &self,
        seq: u32,
        key: &AttemptKey,
        what: &str,
        text: &str,
    ) -> Result<PathBuf, EngineError> {
        let path = self.attempt(seq, key, what);
        // Extraction drops the code block's last line ending; a Python file ends with one
        // (linters and editors expect it).
        let end = if what.ends_with(".py") && !text.is_empty() && !text.ends_with('\n') {
            "\n"
        } else {
            ""
        };
        fs::write(&path, format!("{text}{end}")).map_err(EngineError::io(&path))?;
        Ok(path)
    }

    /// Writes `best.py` (and the reports) from the store, as far as the run got; `start` is the
    /// starting kernel with its speed, written with its own header while no candidate has
    /// beaten it.
    pub fn write_outputs(
        &self,
        store: &Store,
        run: &RunId,
        task: &str,
        start: Option<(&str, Option<Speed>)>,
        reports: bool,
    ) -> Result<(), EngineError> {
        let data = RunData::load_task(store, run, task)?;
        let best = lathe_report::best_py(&data)
            .or_else(|| start.map(|(source, speed)| start_py(&data, source, speed)));
        if let Some(text) = best {
            write_atomic(&self.best_py(), &text)?;
        }
        if reports {
            write_atomic(&self.dir.join("report.md"), &lathe_report::report_md(&data))?;
            write_atomic(
                &self.dir.join("report.html"),
                &lathe_report::report_html(&data),
            )?;
        }
        Ok(())
    }
}

/// The starting kernel as `best.py`, saying that nothing beat it.
fn start_py(data: &RunData, source: &str, speed: Option<Speed>) -> String {
    let run = &data.run;
    let speed = match speed {
        Some(s) if s.interpreter => format!(
            "{} ms, timed on Triton's CPU interpreter: not GPU performance",
            numbers::ms(s.ms)
        ),
        Some(s) => format!("{} ms on the GPU", numbers::ms(s.ms)),
        None => "not timed".to_owned(),
    };
    format!(
        "# The best kernel of a lathe run: the starting kernel, which no candidate beat.\n\
         # problem: {}\n# GPU:     {}\n# run:     {}\n# speed:   {speed}\n\n{source}{}",
        run.problem_path.display(),
        run.gpu,
        run.id,
        if source.ends_with('\n') { "" } else { "\n" }
    )
}

/// Readers see the old file or the new one, never half of one: write beside it, then rename.
fn write_atomic(path: &Path, text: &str) -> Result<(), EngineError> {
    let name = path.file_name().map(|n| n.to_string_lossy().into_owned());
    let tmp = path.with_file_name(format!(".{}.tmp", name.unwrap_or_default()));
    fs::write(&tmp, text).map_err(EngineError::io(&tmp))?;
    fs::rename(&tmp, path).map_err(EngineError::io(path))
}

#[cfg(test)]
mod tests {
    use lathe_core::AttemptKey;

    use super::RunFiles;

    #[test]
    fn a_saved_kernel_ends_with_a_line_ending_and_other_files_are_kept_as_they_are() {
        let dir = tempfile::tempdir().unwrap();
        let files = RunFiles::create(dir.path()).unwrap();
        let kernel = files
            .write_attempt(3, &AttemptKey::stage("x", 0), "kernel.py", "import torch")
            .unwrap();
        assert_eq!(std::fs::read_to_string(kernel).unwrap(), "import torch\n");
        let ended = files
            .write_attempt(4, &AttemptKey::stage("x", 1), "kernel.py", "x = 1\n")
            .unwrap();
        assert_eq!(std::fs::read_to_string(ended).unwrap(), "x = 1\n");
        // A reply is the model's text byte for byte.
        let reply = files
            .write_attempt(3, &AttemptKey::stage("x", 0), "reply.md", "no newline")
            .unwrap();
        assert_eq!(std::fs::read_to_string(reply).unwrap(), "no newline");
    }
}
