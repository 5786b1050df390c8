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
    ];
    let mut text = crate::table::render(&["SETTING", "VALUE", "SET BY", "MEANING"], &rows);
    text.push('\n');
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
    for key in crate::settings::ALL_KEYS {
        text.push_str(&format!(" {}", key.env));
    }
    text.push('\n');
    emit(&text, None)
}
