//! `lathe config`: every setting's resolved value and the layer it came from.

use std::fmt::Display;

use crate::error::CliError;
use crate::output::emit;
use crate::settings::{Key, Settings, Sourced, source};

pub fn run(settings: &Settings) -> Result<(), CliError> {
    fn row<T: Display>(key: &Key, value: Option<&Sourced<T>>) -> [String; 4] {
        let (value, whence) = match value {
            Some(v) => (v.value.to_string(), v.whence().to_string()),
            None => ("(unset)".to_owned(), String::new()),
        };
        [key.name.to_owned(), value, whence, key.about.to_owned()]
    }
    let s = settings;
    let rows = [
        row(&source::GPU, s.gpu.as_ref()),
        row(&source::CATEGORY, s.category.as_ref()),
        row(&source::BACKEND, Some(&s.backend)),
        row(&source::STYLE, Some(&s.style)),
        row(&source::TRITON_VERSION, s.triton_version.as_ref()),
        row(&source::ERROR_LOG_LINES, Some(&s.error_log_lines)),
        row(&source::PYTHON, Some(&s.eval.python)),
        [
            source::CACHE_DIR.name.to_owned(),
            s.eval.cache_dir.display().to_string(),
            String::new(),
            source::CACHE_DIR.about.to_owned(),
        ],
        [
            source::RUNS_DIR.name.to_owned(),
            s.runs_dir.value.display().to_string(),
            s.runs_dir.whence().to_string(),
            source::RUNS_DIR.about.to_owned(),
        ],
        row(&source::DEVICE, Some(&s.eval.device)),
        row(&source::POLICY, Some(&s.eval.policy)),
        row(&source::TRIALS, Some(&s.eval.trials)),
        row(&source::SECOND_SHAPE, Some(&s.eval.second_shape)),
        row(&source::TOLERANCE_RULE, Some(&s.eval.tolerance_rule)),
        row(&source::ERROR_FACTOR, Some(&s.eval.error_factor)),
        row(&source::TIMEOUT, Some(&s.eval.timeout_seconds)),
        row(&source::GRACE, Some(&s.eval.grace_seconds)),
        row(&source::MEMORY_LIMIT, Some(&s.eval.memory_limit_gb)),
        row(&source::FILE_SIZE_LIMIT, Some(&s.eval.file_size_limit_mb)),
        row(&source::NCU, s.profile.ncu.as_ref()),
        row(&source::PROFILE_TIMEOUT, Some(&s.profile.timeout_seconds)),
        row(&source::LAUNCH_COUNT, Some(&s.profile.launch_count)),
        row(&source::CLOCK_CONTROL, Some(&s.profile.clock_control)),
        row(&source::LLM, s.llm.spec.as_ref()),
    ];
    let mut text = crate::table::render(&["SETTING", "VALUE", "SET BY", "MEANING"], &rows);
    let tolerances: Vec<String> = s
        .eval
        .tolerances
        .iter()
        .map(|(dtype, [atol, rtol])| format!("{dtype} atol={atol:e} rtol={rtol:e}"))
        .collect();
    text.push_str(&format!("eval.tolerances: {}\n", tolerances.join("; ")));
    let t = &s.eval.timing;
    text.push_str(&format!(
        "eval.timing: enabled={} compile_baseline={} runs>={} seconds>={} (caps {} runs, {} s), warm-up {} runs and {} s; interpreter={}\n",
        t.enabled, t.compile_baseline, t.min_runs, t.min_seconds, t.max_runs, t.max_seconds, t.warmup_runs, t.warmup_seconds, t.interpreter
    ));
    // Keys are never shown, only whether they are there.
    let set = |var: &str| match std::env::var(var) {
        Ok(v) if !v.trim().is_empty() => "set",
        _ => "not set",
    };
    text.push_str(&format!(
        "llm: max_tokens={} stream={} max_attempts={} max_concurrency={}; OPENAI_API_KEY {}, ANTHROPIC_API_KEY {}\n\n",
        s.llm.table.max_tokens.unwrap_or_default(),
        s.llm.table.stream.unwrap_or_default(),
        s.llm.table.max_attempts.unwrap_or_default(),
        s.llm.table.max_concurrency.unwrap_or_default(),
        set("OPENAI_API_KEY"),
        set("ANTHROPIC_API_KEY"),
    ));
    match s.files.as_slice() {
        [] => text.push_str("settings files read: none\n"),
        files => {
            text.push_str("settings files read, most specific first:\n");
            for file in files {
                text.push_str(&format!("  {}\n", file.display()));
            }
        }
    }
    if let Some(user) = &s.user_config {
        let state = if user.is_file() { "" } else { " (not present)" };
        text.push_str(&format!("user config: {}{state}\n", user.display()));
    }
    text.push_str("environment variables:");
    for key in crate::settings::ALL_KEYS
        .iter()
        .filter(|k| k.env.starts_with("LATHE_"))
    {
        text.push_str(&format!(" {}", key.env));
    }
    text.push('\n');
    emit(&text, None)
}
