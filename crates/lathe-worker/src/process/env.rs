//! A secret-free copy of an environment for the child: [`scrubbed_env`].
//!
//! The child runs a candidate written by a model: whatever it can read, it can print, and its
//! output lands in prompts and logs. API keys, tokens and cloud credentials must not reach it.
//! When a new kind of secret appears, add its pattern to one of the lists below and a case to
//! the `scrubbed_env` test in `tests/process.rs`.

use std::ffi::{OsStr, OsString};

/// Name endings that mark a secret.
pub const SECRET_SUFFIXES: &[&str] = &[
    "_API_KEY",
    "_APIKEY",
    "_TOKEN",
    "_SECRET",
    "_SECRET_KEY",
    "_PASSWORD",
    "_PASSWD",
    "_PASSPHRASE",
    "_CREDENTIALS",
    "_ACCESS_KEY",
    "_PRIVATE_KEY",
];

/// Name beginnings of cloud and model providers whose variables are dropped whole.
pub const SECRET_PREFIXES: &[&str] = &[
    "AWS_",
    "AZURE_",
    "GOOGLE_",
    "GCLOUD_",
    "OPENAI_",
    "ANTHROPIC_",
    "GEMINI_",
    "MISTRAL_",
    "GROQ_",
    "DEEPSEEK_",
    "OPENROUTER_",
    "TOGETHER_",
    "FIREWORKS_",
    "COHERE_",
    "XAI_",
];

/// Whole names that are secrets, or give access to them.
pub const SECRET_NAMES: &[&str] = &[
    "API_KEY",
    "TOKEN",
    "SECRET",
    "PASSWORD",
    "CREDENTIALS",
    // PostgreSQL and MySQL passwords.
    "PGPASSWORD",
    "MYSQL_PWD",
    // Connection strings often carry a password.
    "DATABASE_URL",
    // The SSH agent socket lets its holder use our keys.
    "SSH_AUTH_SOCK",
    "DOCKER_AUTH_CONFIG",
];

/// Whether a variable of this name is dropped by [`scrubbed_env`]: its name, compared without
/// regard to case, ends with one of [`SECRET_SUFFIXES`], starts with one of
/// [`SECRET_PREFIXES`] or is one of [`SECRET_NAMES`].
pub fn is_secret_name(name: &OsStr) -> bool {
    let name = name.to_string_lossy().to_ascii_uppercase();
    SECRET_NAMES.contains(&name.as_str())
        || SECRET_SUFFIXES.iter().any(|suffix| name.ends_with(suffix))
        || SECRET_PREFIXES
            .iter()
            .any(|prefix| name.starts_with(prefix))
}

/// Secret-free environment: `vars` (typically `std::env::vars_os()`) minus every variable whose
/// name, compared without regard to case:
///
/// - ends with one of [`SECRET_SUFFIXES`]: `_API_KEY`, `_APIKEY`, `_TOKEN`, `_SECRET`,
///   `_SECRET_KEY`, `_PASSWORD`, `_PASSWD`, `_PASSPHRASE`, `_CREDENTIALS`, `_ACCESS_KEY`,
///   `_PRIVATE_KEY` (`GITHUB_TOKEN`, `MY_SECRET`, `HF_TOKEN`, `GOOGLE_APPLICATION_CREDENTIALS`);
/// - starts with one of [`SECRET_PREFIXES`], the cloud and model providers whose credentials
///   follow no single pattern: `AWS_`, `AZURE_`, `GOOGLE_`, `GCLOUD_`, `OPENAI_`, `ANTHROPIC_`,
///   `GEMINI_`, `MISTRAL_`, `GROQ_`, `DEEPSEEK_`, `OPENROUTER_`, `TOGETHER_`, `FIREWORKS_`,
///   `COHERE_`, `XAI_`;
/// - is one of [`SECRET_NAMES`]: `API_KEY`, `TOKEN`, `SECRET`, `PASSWORD`, `CREDENTIALS`,
///   `PGPASSWORD`, `MYSQL_PWD`, `DATABASE_URL` (connection strings carry passwords),
///   `SSH_AUTH_SOCK` (the agent lets its holder use our keys), `DOCKER_AUTH_CONFIG`.
///
/// Everything else is kept, in order (`PATH`, `HOME`, `CUDA_VISIBLE_DEVICES`,
/// `LD_LIBRARY_PATH`, `TOKENIZERS_PARALLELISM`, ...): the worker needs its toolchain.
pub fn scrubbed_env(
    vars: impl IntoIterator<Item = (OsString, OsString)>,
) -> Vec<(OsString, OsString)> {
    vars.into_iter()
        .filter(|(name, _)| !is_secret_name(name))
        .collect()
}
