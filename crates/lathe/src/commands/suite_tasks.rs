//! The tasks of a suite: every problem file under one folder, and its kernel in another.
//!
//! A problem's kernel is the file at the problem's own relative path under the kernels folder
//! (`level1/19_ReLU.py`), else a file named after it KernelBench's way, anywhere under the
//! folder: `level_1_problem_19_sample_0_kernel.py`, `level1_problem_19.py` (the first in name
//! order when there are several samples). A problem without one is a task all the same: it
//! counts as a miss in every figure. `--map PATTERN` names kernels any other way
//! (`{parent}/kernel.py` for lathe's own `examples/`).

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use crate::error::CliError;

/// Which of the found tasks a suite takes: `--levels`, then one of `--first N`,
/// `--range A:B` (problem numbers, both ends included) or `--sample N --seed S`.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Selection {
    pub levels: Vec<u32>,
    pub first: Option<usize>,
    pub range: Option<(u32, u32)>,
    pub sample: Option<(usize, u64)>,
}

impl Selection {
    /// The selection the flags ask for.
    pub fn of(args: &crate::cli::SelectionArgs) -> Selection {
        Selection {
            levels: args.levels.clone(),
            first: args.first,
            range: args.range,
            sample: args.sample.zip(args.seed),
        }
    }

    /// The tasks taken, in the suite's order (level, then problem number, then name).
    pub fn apply(&self, mut tasks: Vec<SuiteTask>) -> Vec<SuiteTask> {
        tasks.sort_by(|a, b| {
            let key = |t: &SuiteTask| (t.level.unwrap_or(u32::MAX), t.number.unwrap_or(u32::MAX));
            key(a).cmp(&key(b)).then_with(|| a.name.cmp(&b.name))
        });
        if !self.levels.is_empty() {
            tasks.retain(|t| t.level.is_some_and(|l| self.levels.contains(&l)));
        }
        if let Some((from, to)) = self.range {
            tasks.retain(|t| t.number.is_some_and(|n| (from..=to).contains(&n)));
        }
        if let Some(first) = self.first {
            tasks.truncate(first);
        }
        if let Some((count, seed)) = self.sample {
            tasks = sample(tasks, count, seed);
        }
        tasks
    }
}

/// `count` of `tasks` drawn without replacement by a seeded generator (the same seed draws
/// the same tasks on every machine), kept in the suite's order.
fn sample(tasks: Vec<SuiteTask>, count: usize, seed: u64) -> Vec<SuiteTask> {
    let mut state = seed;
    let mut next = move || {
        // splitmix64: small, fixed and good enough to pick problems.
        state = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = state;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    };
    let mut order: Vec<usize> = (0..tasks.len()).collect();
    // Fisher-Yates over the first `count` places.
    for i in 0..count.min(order.len()) {
        let j = i + (next() % (order.len() - i) as u64) as usize;
        order.swap(i, j);
    }
    let mut chosen: Vec<usize> = order.into_iter().take(count).collect();
    chosen.sort_unstable();
    let mut tasks: Vec<Option<SuiteTask>> = tasks.into_iter().map(Some).collect();
    chosen.into_iter().filter_map(|i| tasks[i].take()).collect()
}

#[derive(Debug, Clone, PartialEq)]
pub struct SuiteTask {
    pub problem: PathBuf,
    /// The problem's path under the problems folder, as tables show it.
    pub name: String,
    /// KernelBench's level and problem number, when the path says them.
    pub level: Option<u32>,
    pub number: Option<u32>,
    pub kernel: Option<PathBuf>,
}

/// The tasks of several problem folders (or files). With more than one, each task's name (its
/// id in a suite run) starts with its folder's, so names stay apart.
pub fn tasks_of_paths(
    paths: &[PathBuf],
    kernels: Option<&Path>,
    map: Option<&str>,
) -> Result<Vec<SuiteTask>, CliError> {
    let mut found: Vec<SuiteTask> = Vec::new();
    for path in paths {
        let prefix = match (paths.len(), path.file_name()) {
            (1, _) | (_, None) => String::new(),
            (_, Some(name)) => format!("{}/", name.to_string_lossy()),
        };
        for mut task in tasks(path, kernels, map)? {
            task.name = format!("{prefix}{}", task.name);
            found.push(task);
        }
    }
    Ok(found)
}

/// Every problem under `problems`, each with its kernel under `kernels` where there is one.
pub fn tasks(
    problems: &Path,
    kernels: Option<&Path>,
    map: Option<&str>,
) -> Result<Vec<SuiteTask>, CliError> {
    let problem_files = python_files(problems, "problems")?;
    if problem_files.is_empty() {
        return Err(CliError::BadSuiteFolder {
            path: problems.to_owned(),
            what: "problems",
            problem: "holds no .py file".to_owned(),
        });
    }
    let kernel_files = match kernels {
        Some(kernels) => python_files(kernels, "kernels")?,
        None => Vec::new(),
    };
    let named: Vec<(u32, u32, &PathBuf)> = kernel_files
        .iter()
        .filter_map(|path| {
            let name = path.file_name()?.to_str()?;
            kernelbench_id(name).map(|(level, number)| (level, number, path))
        })
        .collect();
    let found: Vec<SuiteTask> = problem_files
        .into_iter()
        .map(|problem| {
            let relative = problem
                .strip_prefix(problems)
                .unwrap_or(&problem)
                .to_owned();
            let level = relative.iter().find_map(|part| level_of(part.to_str()?));
            let number = leading_number(&relative);
            let same_path = kernels.map(|k| k.join(&relative));
            let kernel = if let (Some(kernels), Some(pattern)) = (kernels, map) {
                mapped(kernels, pattern, &relative, level, number)
            } else if let Some(same_path) = same_path.filter(|p| p.is_file() && *p != problem) {
                Some(same_path)
            } else {
                named
                    .iter()
                    .find(|(l, n, _)| Some(*l) == level && Some(*n) == number)
                    .map(|(_, _, path)| (*path).clone())
            };
            SuiteTask {
                name: relative.display().to_string(),
                problem,
                level,
                number,
                kernel,
            }
        })
        .collect();
    // Kernels kept beside their problems (`--kernels` the problems folder itself, with a map)
    // are found as `.py` files too: a file that is a task's kernel is no problem of its own.
    let kernel_files: BTreeSet<PathBuf> = found.iter().filter_map(|t| t.kernel.clone()).collect();
    Ok(found
        .into_iter()
        .filter(|t| !kernel_files.contains(&t.problem))
        .collect())
}

/// The `.py` files under `dir`, recursively, in name order; hidden folders, `__pycache__` and
/// `__init__.py` left out.
fn python_files(dir: &Path, what: &'static str) -> Result<Vec<PathBuf>, CliError> {
    if !dir.is_dir() {
        return Err(CliError::BadSuiteFolder {
            path: dir.to_owned(),
            what,
            problem: if dir.exists() {
                "is not a folder".to_owned()
            } else {
                "does not exist".to_owned()
            },
        });
    }
    let mut found = Vec::new();
    let mut pending = vec![dir.to_owned()];
    while let Some(folder) = pending.pop() {
        let entries = std::fs::read_dir(&folder).map_err(|e| CliError::BadSuiteFolder {
            path: folder.clone(),
            what,
            problem: format!("cannot be read: {e}"),
        })?;
        for entry in entries.flatten() {
            let path = entry.path();
            let name = entry.file_name().to_string_lossy().into_owned();
            if name.starts_with('.') || name == "__pycache__" {
                continue;
            }
            if path.is_dir() {
                pending.push(path);
            } else if name.ends_with(".py") && name != "__init__.py" {
                found.push(path);
            }
        }
    }
    found.sort();
    Ok(found)
}

/// `level2` → 2 (a path component that is exactly `level` and a number).
fn level_of(part: &str) -> Option<u32> {
    part.to_ascii_lowercase()
        .strip_prefix("level")?
        .parse()
        .ok()
}

/// `19_ReLU.py` → 19; `2_conv_bias/problem.py` → 2 (the number of the problem's folder when
/// its file name has none).
fn leading_number(relative: &Path) -> Option<u32> {
    let leading = |text: &str| -> Option<u32> {
        let digits: String = text.chars().take_while(char::is_ascii_digit).collect();
        digits.parse().ok()
    };
    leading(relative.file_stem()?.to_str()?).or_else(|| {
        let folder = relative.parent()?.file_name()?.to_str()?;
        leading(folder)
    })
}

/// The kernel `--map PATTERN` names for a problem: the pattern, relative to the kernels folder,
/// with `{path}` (the problem's relative path), `{parent}` (its folder), `{stem}` (its file
/// name without `.py`), `{level}` and `{number}` put in, and a `*` in the file name matching
/// anything (the first match in name order). `None` when the pattern needs a level or number
/// the problem lacks, or names no file.
fn mapped(
    kernels: &Path,
    pattern: &str,
    relative: &Path,
    level: Option<u32>,
    number: Option<u32>,
) -> Option<PathBuf> {
    let text = |value: Option<&std::ffi::OsStr>| value.map(|v| v.to_string_lossy().into_owned());
    let mut name = pattern.to_owned();
    for (key, value) in [
        ("{path}", text(Some(relative.as_os_str()))),
        ("{parent}", text(relative.parent().map(Path::as_os_str))),
        ("{stem}", text(relative.file_stem())),
        ("{level}", level.map(|l| l.to_string())),
        ("{number}", number.map(|n| n.to_string())),
    ] {
        if name.contains(key) {
            name = name.replace(key, &value?);
        }
    }
    let path = kernels.join(&name);
    let file_name = path.file_name()?.to_str()?.to_owned();
    if !file_name.contains('*') {
        return path.is_file().then_some(path);
    }
    let mut matches: Vec<PathBuf> = std::fs::read_dir(path.parent()?)
        .ok()?
        .flatten()
        .map(|entry| entry.path())
        .filter(|p| {
            p.is_file()
                && p.file_name()
                    .and_then(|n| n.to_str())
                    .is_some_and(|n| wildcard(&file_name, n))
        })
        .collect();
    matches.sort();
    matches.into_iter().next()
}

/// Whether `name` matches `pattern`, where `*` matches any run of characters.
fn wildcard(pattern: &str, name: &str) -> bool {
    let mut parts = pattern.split('*');
    let first = parts.next().unwrap_or_default();
    let Some(mut rest) = name.strip_prefix(first) else {
        return false;
    };
    let parts: Vec<&str> = parts.collect();
    for (i, part) in parts.iter().enumerate() {
        if i + 1 == parts.len() {
            return rest.ends_with(part);
        }
        match rest.find(part) {
            Some(at) => rest = &rest[at + part.len()..],
            None => return false,
        }
    }
    rest.is_empty()
}

/// KernelBench's names for generated kernels: `level_1_problem_19_sample_0_kernel.py`,
/// `level1_problem_19.py` → (1, 19).
fn kernelbench_id(file_name: &str) -> Option<(u32, u32)> {
    let lower = file_name.to_ascii_lowercase();
    let after_level = &lower[lower.find("level")? + "level".len()..];
    let (level, rest) = number_after(after_level)?;
    let (number, _) = number_after(rest.strip_prefix("_problem")?)?;
    Some((level, number))
}

/// A number after an optional `_`, and what follows it; the number must end at a non-digit.
fn number_after(text: &str) -> Option<(u32, &str)> {
    let text = text.strip_prefix('_').unwrap_or(text);
    let end = text
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(text.len());
    Some((text[..end].parse().ok()?, &text[end..]))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kernelbench_names_give_level_and_problem() {
        assert_eq!(
            kernelbench_id("level_1_problem_19_sample_0_kernel.py"),
            Some((1, 19))
        );
        assert_eq!(kernelbench_id("level2_problem_7.py"), Some((2, 7)));
        assert_eq!(kernelbench_id("LEVEL_3_PROBLEM_40.py"), Some((3, 40)));
        assert_eq!(kernelbench_id("level_1_kernel.py"), None);
        assert_eq!(kernelbench_id("19_ReLU.py"), None);
    }

    #[test]
    fn a_kernel_at_the_problems_own_path_comes_first_then_kernelbench_names() {
        let dir = tempfile::tempdir().unwrap();
        let (problems, kernels) = (dir.path().join("p"), dir.path().join("k"));
        for path in [
            "p/level1/19_ReLU.py",
            "p/level1/2_Matmul.py",
            "p/level2/5_Fused.py",
            "p/level2/__pycache__/x.py",
            "k/level1/19_ReLU.py",
            "k/runs/level_1_problem_2_sample_1_kernel.py",
            "k/runs/level_1_problem_2_sample_0_kernel.py",
            "k/runs/level_1_problem_19_sample_0_kernel.py",
        ] {
            let path = dir.path().join(path);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(path, "").unwrap();
        }
        let found = tasks(&problems, Some(&kernels), None).unwrap();
        let view: Vec<String> = found
            .iter()
            .map(|t| {
                let kernel = t.kernel.as_ref().map(|k| k.strip_prefix(&kernels).unwrap());
                format!("{} {:?} {:?} {:?}", t.name, t.level, t.number, kernel)
            })
            .collect();
        assert_eq!(
            view,
            [
                r#"level1/19_ReLU.py Some(1) Some(19) Some("level1/19_ReLU.py")"#,
                r#"level1/2_Matmul.py Some(1) Some(2) Some("runs/level_1_problem_2_sample_0_kernel.py")"#,
                "level2/5_Fused.py Some(2) Some(5) None",
            ]
        );
    }

    fn numbered(level: u32, number: u32) -> SuiteTask {
        SuiteTask {
            problem: PathBuf::new(),
            name: format!("level{level}/{number}_p.py"),
            level: Some(level),
            number: Some(number),
            kernel: None,
        }
    }

    fn names(tasks: &[SuiteTask]) -> Vec<String> {
        tasks.iter().map(|t| t.name.clone()).collect()
    }

    #[test]
    fn a_selection_orders_by_number_then_takes_levels_ranges_firsts_and_samples() {
        let all: Vec<SuiteTask> = [(2, 1), (1, 10), (1, 2), (1, 1), (3, 5)]
            .into_iter()
            .map(|(l, n)| numbered(l, n))
            .collect();
        let take = |selection: Selection| names(&selection.apply(all.clone()));
        assert_eq!(
            take(Selection::default()),
            [
                "level1/1_p.py",
                "level1/2_p.py",
                "level1/10_p.py",
                "level2/1_p.py",
                "level3/5_p.py"
            ]
        );
        let level1 = Selection {
            levels: vec![1],
            ..Selection::default()
        };
        assert_eq!(
            take(Selection {
                range: Some((2, 10)),
                ..level1.clone()
            }),
            ["level1/2_p.py", "level1/10_p.py"]
        );
        assert_eq!(
            take(Selection {
                first: Some(2),
                ..level1
            }),
            ["level1/1_p.py", "level1/2_p.py"]
        );
        let sampled = |seed| {
            take(Selection {
                sample: Some((3, seed)),
                ..Selection::default()
            })
        };
        assert_eq!(sampled(7), sampled(7));
        assert_eq!(sampled(7).len(), 3);
        assert!((0..20).any(|seed| sampled(seed) != sampled(7)));
        assert_eq!(
            take(Selection {
                sample: Some((9, 1)),
                ..Selection::default()
            })
            .len(),
            5
        );
    }

    #[test]
    fn a_map_names_each_kernel_from_the_problems_path() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        for path in [
            "examples/level2/2_conv_bias/problem.py",
            "examples/level2/2_conv_bias/kernel.py",
            "examples/level1/7_relu/problem.py",
            "runs/level_1_problem_7_sample_3_kernel.py",
            "runs/level_1_problem_7_sample_1_kernel.py",
        ] {
            let path = root.join(path);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(path, "").unwrap();
        }
        let problems = root.join("examples");
        let by_folder = tasks(&problems, Some(&problems), Some("{parent}/kernel.py")).unwrap();
        let kernel = |t: &SuiteTask| {
            t.kernel
                .as_ref()
                .map(|k| k.strip_prefix(root).unwrap().to_owned())
        };
        // kernel.py is the conv problem's kernel, so it is no task of its own.
        let names: Vec<&str> = by_folder.iter().map(|t| t.name.as_str()).collect();
        assert_eq!(
            names,
            ["level1/7_relu/problem.py", "level2/2_conv_bias/problem.py"]
        );
        assert_eq!(by_folder[0].number, Some(7));
        assert_eq!(kernel(&by_folder[0]), None);
        assert_eq!(
            kernel(&by_folder[1]),
            Some("examples/level2/2_conv_bias/kernel.py".into())
        );
        let pattern = "level_{level}_problem_{number}_sample_*_kernel.py";
        let sampled = tasks(&problems, Some(&root.join("runs")), Some(pattern)).unwrap();
        assert_eq!(
            kernel(&sampled[0]),
            Some("runs/level_1_problem_7_sample_1_kernel.py".into())
        );
        assert_eq!(kernel(&sampled[1]), None);
        // Without a map, a problem is never its own kernel.
        let plain = tasks(&problems, Some(&problems), None).unwrap();
        assert!(plain.iter().all(|t| t.kernel.is_none()), "{plain:?}");
    }

    #[test]
    fn wildcards_match_any_run_of_characters() {
        assert!(wildcard("a*c", "abbc"));
        assert!(wildcard("a*", "a"));
        assert!(wildcard("*_kernel.py", "x_kernel.py"));
        assert!(wildcard("l_*_p_*.py", "l_1_p_22.py"));
        assert!(!wildcard("a*c", "abcd"));
        assert!(!wildcard("b*", "ab"));
    }

    #[test]
    fn a_missing_or_empty_problems_folder_says_which_and_why() {
        let dir = tempfile::tempdir().unwrap();
        let err = tasks(&dir.path().join("nope"), Some(dir.path()), None).unwrap_err();
        assert!(
            matches!(&err, CliError::BadSuiteFolder { what: "problems", problem, .. } if problem == "does not exist")
        );
        let err = tasks(dir.path(), Some(dir.path()), None).unwrap_err();
        assert!(
            matches!(&err, CliError::BadSuiteFolder { problem, .. } if problem.contains("no .py"))
        );
    }
}
