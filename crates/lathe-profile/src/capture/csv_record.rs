//! One CSV record per line (RFC 4180 quoting: quoted fields, doubled quotes, commas inside
//! quotes), read by hand rather than with a CSV crate.
//!
//! ncu's output is not a plain CSV file: its own `==PROF==` lines and the profiled program's
//! output surround the table, so the caller walks the text line by line and reads a record only
//! where the table is. ncu writes no line breaks inside fields (kernel names cannot hold one), so
//! a quote left open at the end of a line is reported on that line rather than read on into the
//! next rows, where the error would show up lines later as something else.

/// The fields of one line of CSV, or what is wrong with it.
pub(crate) fn parse_line(line: &str) -> Result<Vec<String>, String> {
    let line = line.strip_suffix('\r').unwrap_or(line);
    let mut fields = Vec::new();
    let mut rest = line;
    loop {
        let after = if let Some(quoted) = rest.strip_prefix('"') {
            let (field, after) = quoted_field(quoted)?;
            fields.push(field);
            after
        } else {
            let end = rest.find(',').unwrap_or(rest.len());
            fields.push(rest[..end].to_owned());
            &rest[end..]
        };
        match after.strip_prefix(',') {
            Some(next) => rest = next,
            None if after.is_empty() => return Ok(fields),
            None => {
                return Err(format!(
                    "expected a comma or the end of the line after the closing quote of field {}, \
                     found `{}`",
                    fields.len(),
                    after.chars().next().unwrap_or_default()
                ));
            }
        }
    }
}

/// The field after an opening quote, unescaped, and the text after its closing quote.
fn quoted_field(text: &str) -> Result<(String, &str), String> {
    let mut field = String::new();
    let mut rest = text;
    loop {
        let Some(quote) = rest.find('"') else {
            return Err(
                "a quoted field is not closed on its line: expected a closing `\"` (ncu \
                        writes no line breaks inside fields)"
                    .to_owned(),
            );
        };
        field.push_str(&rest[..quote]);
        match rest[quote + 1..].strip_prefix('"') {
            Some(after_doubled) => {
                field.push('"');
                rest = after_doubled;
            }
            None => return Ok((field, &rest[quote + 1..])),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fields(line: &str) -> Vec<String> {
        parse_line(line).unwrap_or_else(|e| panic!("{line:?}: {e}"))
    }

    #[test]
    fn quoted_and_plain_fields() {
        assert_eq!(
            fields(r#""a","b, c",d,,"""q""""#),
            ["a", "b, c", "d", "", "\"q\""]
        );
        assert_eq!(fields(""), [""]);
        assert_eq!(fields("x,"), ["x", ""]);
        assert_eq!(fields(r#""""#), [""]);
        assert_eq!(fields("\"a\",\"b\"\r"), ["a", "b"]);
        assert_eq!(fields("a\"b,c"), ["a\"b", "c"]);
        assert_eq!(fields("\"ü, ß\",é"), ["ü, ß", "é"]);
    }

    #[test]
    fn broken_lines_say_what_was_expected() {
        assert!(parse_line(r#""open"#).unwrap_err().contains("not closed"));
        assert!(parse_line(r#""a"b"#).unwrap_err().contains("found `b`"));
        assert!(parse_line(r#""a""#).is_ok());
        assert!(parse_line(r#""a"""#).is_err());
    }
}
