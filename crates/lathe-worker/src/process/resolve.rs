//! Finding the program to execute before spawning it: [`program`].
//!
//! Resolving it ourselves, rather than leaving the search to `execvp` in the child, makes the
//! lookup use the `PATH` of the spec's environment (never ours, which may differ), and turns a
//! missing program, a missing directory or a missing execute bit into a [`SpawnError`] that
//! names the path, instead of a bare "No such file or directory".

use std::env;
use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

use super::error::SpawnError;
use super::spec::ProcessSpec;

/// The absolute path of the spec's program, after checking the working directory.
///
/// A bare name is searched in the `PATH` of `spec.env` (relative entries, and the empty entry,
/// are relative to `spec.cwd`, as for the child); a path with a `/` is taken relative to
/// `spec.cwd`.
pub(crate) fn program(spec: &ProcessSpec) -> Result<PathBuf, SpawnError> {
    if !spec.cwd.is_dir() {
        return Err(SpawnError::CwdMissing {
            cwd: spec.cwd.clone(),
        });
    }
    let name = &spec.program;
    let not_found = || SpawnError::ProgramNotFound {
        program: name.clone(),
    };
    if name.as_os_str().is_empty() {
        return Err(not_found());
    }
    let candidates: Vec<PathBuf> = if name.components().count() > 1 || name.is_absolute() {
        vec![spec.cwd.join(name)]
    } else {
        spec.path_var()
            .map(|path| {
                env::split_paths(path)
                    .map(|dir| spec.cwd.join(dir).join(name))
                    .collect()
            })
            .unwrap_or_default()
    };
    let mut not_executable = None;
    for candidate in candidates {
        match Kind::of(&candidate) {
            Kind::Executable => return Ok(candidate),
            Kind::NotExecutable => {
                not_executable.get_or_insert(candidate);
            }
            Kind::Absent => {}
        }
    }
    Err(match not_executable {
        // As `execvp`: a file found without the right to run it is reported only when no
        // later directory has an executable one.
        Some(program) => SpawnError::NotExecutable { program },
        None => not_found(),
    })
}

enum Kind {
    Executable,
    NotExecutable,
    Absent,
}

impl Kind {
    fn of(path: &Path) -> Self {
        match fs::metadata(path) {
            Ok(meta) if meta.is_file() && meta.permissions().mode() & 0o111 != 0 => {
                Self::Executable
            }
            Ok(meta) if meta.is_file() => Self::NotExecutable,
            // A directory of that name is not the program; keep searching.
            Ok(_) | Err(_) => Self::Absent,
        }
    }
}
