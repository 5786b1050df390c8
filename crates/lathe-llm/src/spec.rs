//! `--llm PROVIDER:MODEL`: which provider, and what it needs to know.
//!
//! | spec | meaning |
//! | --- | --- |
//! | `openai:MODEL` | Chat Completions at `OPENAI_BASE_URL` (default `https://api.openai.com/v1`) |
//! | `anthropic:MODEL` | the Messages API |
//! | `command:COMMAND LINE` | runs the command (through `sh -c`), prompt on stdin, reply on stdout |
//! | `manual` or `manual:DIR` | writes the prompt into DIR, waits for the reply file there |
//! | `replay:PATH` | recorded replies: a directory or a JSONL file |

use std::fmt;
use std::str::FromStr;

use serde::Serialize;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum ProviderKind {
    OpenAi,
    Anthropic,
    Command,
    Manual,
    Replay,
}

impl ProviderKind {
    pub const ALL: [ProviderKind; 5] = [
        ProviderKind::OpenAi,
        ProviderKind::Anthropic,
        ProviderKind::Command,
        ProviderKind::Manual,
        ProviderKind::Replay,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            ProviderKind::OpenAi => "openai",
            ProviderKind::Anthropic => "anthropic",
            ProviderKind::Command => "command",
            ProviderKind::Manual => "manual",
            ProviderKind::Replay => "replay",
        }
    }

    /// What follows the colon, as the syntax table names it.
    fn target_name(self) -> &'static str {
        match self {
            ProviderKind::OpenAi | ProviderKind::Anthropic => "a model name",
            ProviderKind::Command => "a command line",
            ProviderKind::Manual => "a directory",
            ProviderKind::Replay => "a directory or JSONL file of recorded replies",
        }
    }
}

/// A parsed `--llm` value.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LlmSpec {
    pub provider: ProviderKind,
    /// The model, command line, directory or path; empty only for `manual`.
    pub target: String,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct UnknownProvider {
    pub message: String,
}

impl FromStr for LlmSpec {
    type Err = UnknownProvider;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let text = text.trim();
        let (name, target) = text.split_once(':').unwrap_or((text, ""));
        let name = name.trim();
        let provider = ProviderKind::ALL
            .into_iter()
            .find(|p| p.as_str().eq_ignore_ascii_case(name))
            .ok_or_else(|| {
                let names = ProviderKind::ALL.map(ProviderKind::as_str);
                let near = lathe_core::closest(name, names)
                    .map(|n| format!("; did you mean `{n}`?"))
                    .unwrap_or_default();
                UnknownProvider {
                    message: format!(
                        "unknown provider `{name}` in `{text}`{near} (providers: {}; the form is PROVIDER:MODEL)",
                        names.join(", ")
                    ),
                }
            })?;
        let target = target.trim().to_owned();
        if target.is_empty() && provider != ProviderKind::Manual {
            return Err(UnknownProvider {
                message: format!(
                    "`{text}` names no {}: write {}:{}",
                    provider.target_name(),
                    provider.as_str(),
                    match provider {
                        ProviderKind::OpenAi => "gpt-4.1",
                        ProviderKind::Anthropic => "claude-sonnet-4-5",
                        ProviderKind::Command => "'my-model --stdin'",
                        ProviderKind::Replay => "replies.jsonl",
                        ProviderKind::Manual => "",
                    }
                ),
            });
        }
        Ok(LlmSpec { provider, target })
    }
}

impl fmt::Display for LlmSpec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.target.is_empty() {
            f.write_str(self.provider.as_str())
        } else {
            write!(f, "{}:{}", self.provider.as_str(), self.target)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn specs_parse_with_their_targets() {
        let spec: LlmSpec = "openai:deepseek-reasoner".parse().unwrap();
        assert_eq!(spec.provider, ProviderKind::OpenAi);
        assert_eq!(spec.target, "deepseek-reasoner");
        let spec: LlmSpec = "command:llm -m qwen:7b".parse().unwrap();
        assert_eq!(spec.target, "llm -m qwen:7b", "only the first colon splits");
        assert_eq!("manual".parse::<LlmSpec>().unwrap().target, "");
    }

    #[test]
    fn mistakes_say_what_to_write() {
        let e = "opnai:gpt-4.1".parse::<LlmSpec>().unwrap_err();
        assert!(e.message.contains("did you mean `openai`"), "{e}");
        let e = "anthropic".parse::<LlmSpec>().unwrap_err();
        assert!(e.message.contains("anthropic:claude"), "{e}");
    }
}
