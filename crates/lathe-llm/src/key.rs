//! [`ApiKey`]: a secret that cannot be printed by accident.

use std::fmt;

/// An API key. `Debug` and `Display` show `****`; the only way to the text is [`expose`]
/// (for the one header that carries it), and [`mask`] removes it from text that is kept.
///
/// [`expose`]: ApiKey::expose
/// [`mask`]: ApiKey::mask
#[derive(Clone, PartialEq, Eq)]
pub struct ApiKey(String);

impl ApiKey {
    /// `None` for an empty or blank value.
    pub fn new(value: impl Into<String>) -> Option<ApiKey> {
        let value = value.into();
        let trimmed = value.trim();
        (!trimmed.is_empty()).then(|| ApiKey(trimmed.to_owned()))
    }

    /// The key from an environment variable, if set and not blank.
    pub fn from_env(var: &str) -> Option<ApiKey> {
        std::env::var(var).ok().and_then(ApiKey::new)
    }

    /// The key's text: only for the request header that must carry it.
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// `text` with every occurrence of the key replaced by `****`.
    pub fn mask(&self, text: &str) -> String {
        text.replace(&self.0, "****")
    }
}

impl fmt::Debug for ApiKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("ApiKey(****)")
    }
}

impl fmt::Display for ApiKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("****")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_key_never_formats_as_itself() {
        let key = ApiKey::new("sk-live-123456").unwrap();
        assert_eq!(format!("{key}"), "****");
        assert_eq!(format!("{key:?}"), "ApiKey(****)");
        assert_eq!(format!("{:?}", Some(&key)), "Some(ApiKey(****))");
        assert_eq!(key.mask("Bearer sk-live-123456 x"), "Bearer **** x");
        assert!(ApiKey::new("  ").is_none());
    }
}
