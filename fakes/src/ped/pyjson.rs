//! A JSON decoder that fails exactly like CPython 3's `json.loads` (pre-3.13 messages), so the
//! fake's 500 body carries the same detail the vendor's Flask server would print, e.g.
//! `Expecting ',' delimiter: line 1 column 15 (char 14)`. Positions count characters (code
//! points), as Python does.

use serde_json::{Map, Number, Value};

/// Python's limit is the interpreter recursion depth (~1000); the fake stops at 100 levels so
/// that whatever it stores stays readable by serde_json (limit 128) in `/__fake/ped/orders`.
const MAX_DEPTH: usize = 100;

/// Decodes a request body, or returns the text after `Failed to decode JSON object: `.
pub fn decode(body: &[u8]) -> Result<Value, String> {
    let text = match std::str::from_utf8(body) {
        Ok(t) => t,
        Err(e) => return Err(utf8_error(body, &e)),
    };
    // Flask decodes with `utf-8-sig` when a BOM is present.
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let chars: Vec<char> = text.chars().collect();
    let mut p = Parser {
        s: &chars,
        depth: 0,
    };
    let start = p.skip_ws(0);
    let (value, end) = p.value(start).map_err(|e| p.render(e))?;
    let end = p.skip_ws(end);
    if end != chars.len() {
        return Err(p.render(Fail::At("Extra data", end)));
    }
    Ok(value)
}

fn utf8_error(body: &[u8], e: &std::str::Utf8Error) -> String {
    let pos = e.valid_up_to();
    let byte = body.get(pos).copied().unwrap_or(0);
    let reason = match e.error_len() {
        None => "unexpected end of data",
        Some(_) if (0x80..=0xc1).contains(&byte) || byte >= 0xf5 => "invalid start byte",
        Some(_) => "invalid continuation byte",
    };
    format!("'utf-8' codec can't decode byte 0x{byte:02x} in position {pos}: {reason}")
}

enum Fail {
    At(&'static str, usize),
    Depth,
}

struct Parser<'a> {
    s: &'a [char],
    depth: usize,
}

fn is_ws(c: char) -> bool {
    matches!(c, ' ' | '\t' | '\n' | '\r')
}

impl Parser<'_> {
    fn render(&self, fail: Fail) -> String {
        match fail {
            Fail::Depth => {
                "maximum recursion depth exceeded while decoding a JSON document".to_string()
            }
            Fail::At(msg, pos) => {
                let before = self.s.get(..pos).unwrap_or(self.s);
                let lineno = before.iter().filter(|c| **c == '\n').count() + 1;
                let colno = match before.iter().rposition(|c| *c == '\n') {
                    Some(nl) => pos - nl,
                    None => pos + 1,
                };
                format!("{msg}: line {lineno} column {colno} (char {pos})")
            }
        }
    }

    fn at(&self, i: usize) -> Option<char> {
        self.s.get(i).copied()
    }

    fn skip_ws(&self, mut i: usize) -> usize {
        while self.at(i).is_some_and(is_ws) {
            i += 1;
        }
        i
    }

    fn starts_with(&self, i: usize, lit: &str) -> bool {
        lit.chars()
            .enumerate()
            .all(|(k, c)| self.at(i + k) == Some(c))
    }

    /// `scan_once`: a value starting exactly at `i`; returns it and the index after it.
    fn value(&mut self, i: usize) -> Result<(Value, usize), Fail> {
        let expecting = Fail::At("Expecting value", i);
        match self.at(i) {
            None => Err(expecting),
            Some('"') => {
                let (s, end) = self.string(i + 1)?;
                Ok((Value::String(s), end))
            }
            Some('{') => self.nested(|p| p.object(i + 1)),
            Some('[') => self.nested(|p| p.array(i + 1)),
            Some('n') if self.starts_with(i, "null") => Ok((Value::Null, i + 4)),
            Some('t') if self.starts_with(i, "true") => Ok((Value::Bool(true), i + 4)),
            Some('f') if self.starts_with(i, "false") => Ok((Value::Bool(false), i + 5)),
            // Python accepts these; JSON (and serde_json) cannot hold them.
            Some('N') if self.starts_with(i, "NaN") => Ok((Value::Null, i + 3)),
            Some('I') if self.starts_with(i, "Infinity") => Ok((Value::Null, i + 8)),
            Some('-') if self.starts_with(i, "-Infinity") => Ok((Value::Null, i + 9)),
            Some(_) => self.number(i).ok_or(expecting),
        }
    }

    fn nested(
        &mut self,
        f: impl FnOnce(&mut Self) -> Result<(Value, usize), Fail>,
    ) -> Result<(Value, usize), Fail> {
        if self.depth >= MAX_DEPTH {
            return Err(Fail::Depth);
        }
        self.depth += 1;
        let r = f(self);
        self.depth -= 1;
        r
    }

    /// `-?(0|[1-9]\d*)(\.\d+)?([eE][-+]?\d+)?`, or `None` (→ "Expecting value").
    fn number(&self, start: usize) -> Option<(Value, usize)> {
        let digit = |i: usize| self.at(i).is_some_and(|c| c.is_ascii_digit());
        let mut i = start;
        if self.at(i) == Some('-') {
            i += 1;
        }
        match self.at(i) {
            Some('0') => i += 1,
            Some('1'..='9') => {
                while digit(i) {
                    i += 1;
                }
            }
            _ => return None,
        }
        let mut is_int = true;
        if self.at(i) == Some('.') && digit(i + 1) {
            is_int = false;
            i += 1;
            while digit(i) {
                i += 1;
            }
        }
        if matches!(self.at(i), Some('e' | 'E')) {
            let mut j = i + 1;
            if matches!(self.at(j), Some('+' | '-')) {
                j += 1;
            }
            if digit(j) {
                is_int = false;
                while digit(j) {
                    j += 1;
                }
                i = j;
            }
        }
        let text: String = self.s.get(start..i)?.iter().collect();
        let value = if is_int {
            if let Ok(n) = text.parse::<i64>() {
                Value::Number(n.into())
            } else if let Ok(n) = text.parse::<u64>() {
                Value::Number(n.into())
            } else {
                float(&text)
            }
        } else {
            float(&text)
        };
        Some((value, i))
    }

    /// `scanstring`: `end` is the index just after the opening quote.
    fn string(&self, end: usize) -> Result<(String, usize), Fail> {
        let begin = end - 1;
        let mut out = String::new();
        let mut i = end;
        loop {
            let c = loop {
                match self.at(i) {
                    None => return Err(Fail::At("Unterminated string starting at", begin)),
                    Some(c @ ('"' | '\\')) => break c,
                    Some(c) if (c as u32) <= 0x1f => {
                        return Err(Fail::At("Invalid control character at", i))
                    }
                    Some(c) => {
                        out.push(c);
                        i += 1;
                    }
                }
            };
            i += 1; // past the quote or backslash
            if c == '"' {
                return Ok((out, i));
            }
            let Some(esc) = self.at(i) else {
                return Err(Fail::At("Unterminated string starting at", begin));
            };
            if esc != 'u' {
                let decoded = match esc {
                    '"' => '"',
                    '\\' => '\\',
                    '/' => '/',
                    'b' => '\u{8}',
                    'f' => '\u{c}',
                    'n' => '\n',
                    'r' => '\r',
                    't' => '\t',
                    _ => return Err(Fail::At("Invalid \\escape", i - 1)),
                };
                out.push(decoded);
                i += 1;
                continue;
            }
            let (hi, next) = self.hex4(i + 1)?;
            i = next;
            if (0xd800..=0xdbff).contains(&hi)
                && self.at(i) == Some('\\')
                && self.at(i + 1) == Some('u')
            {
                if let Ok((lo, next2)) = self.hex4(i + 2) {
                    if (0xdc00..=0xdfff).contains(&lo) {
                        let cp = 0x10000 + ((hi - 0xd800) << 10) + (lo - 0xdc00);
                        out.push(char::from_u32(cp).unwrap_or('\u{fffd}'));
                        i = next2;
                        continue;
                    }
                }
            }
            // A lone surrogate is legal for Python but not for a Rust string.
            out.push(char::from_u32(hi).unwrap_or('\u{fffd}'));
        }
    }

    /// Four hex digits starting at `start` (just after `\u`).
    fn hex4(&self, start: usize) -> Result<(u32, usize), Fail> {
        let end = start + 4;
        if end >= self.s.len() {
            return Err(Fail::At("Invalid \\uXXXX escape", start - 1));
        }
        let mut v = 0u32;
        for k in start..end {
            let d = self
                .at(k)
                .and_then(|c| c.to_digit(16))
                .ok_or(Fail::At("Invalid \\uXXXX escape", start - 1))?;
            v = v * 16 + d;
        }
        Ok((v, end))
    }

    /// `_parse_object`: `i` is just after `{`.
    fn object(&mut self, i: usize) -> Result<(Value, usize), Fail> {
        let mut map = Map::new();
        let mut i = self.skip_ws(i);
        if self.at(i) == Some('}') {
            return Ok((Value::Object(map), i + 1));
        }
        loop {
            if self.at(i) != Some('"') {
                return Err(Fail::At(
                    "Expecting property name enclosed in double quotes",
                    i,
                ));
            }
            let (key, next) = self.string(i + 1)?;
            i = self.skip_ws(next);
            if self.at(i) != Some(':') {
                return Err(Fail::At("Expecting ':' delimiter", i));
            }
            i = self.skip_ws(i + 1);
            let (val, next) = self.value(i)?;
            map.insert(key, val);
            i = self.skip_ws(next);
            match self.at(i) {
                Some('}') => return Ok((Value::Object(map), i + 1)),
                Some(',') => i = self.skip_ws(i + 1),
                _ => return Err(Fail::At("Expecting ',' delimiter", i)),
            }
        }
    }

    /// `_parse_array`: `i` is just after `[`.
    fn array(&mut self, i: usize) -> Result<(Value, usize), Fail> {
        let mut items = Vec::new();
        let mut i = self.skip_ws(i);
        if self.at(i) == Some(']') {
            return Ok((Value::Array(items), i + 1));
        }
        loop {
            let (val, next) = self.value(i)?;
            items.push(val);
            i = self.skip_ws(next);
            match self.at(i) {
                Some(']') => return Ok((Value::Array(items), i + 1)),
                Some(',') => i = self.skip_ws(i + 1),
                _ => return Err(Fail::At("Expecting ',' delimiter", i)),
            }
        }
    }
}

fn float(text: &str) -> Value {
    text.parse::<f64>()
        .ok()
        .and_then(Number::from_f64)
        .map(Value::Number)
        .unwrap_or(Value::Null)
}

#[cfg(test)]
mod tests {
    use super::decode;

    fn err(s: &str) -> String {
        decode(s.as_bytes()).err().unwrap_or_default()
    }

    #[test]
    fn python_messages_and_positions() {
        assert_eq!(
            err(r#"{"a": 1 "b": 2}"#),
            "Expecting ',' delimiter: line 1 column 9 (char 8)"
        );
        assert_eq!(err(""), "Expecting value: line 1 column 1 (char 0)");
        assert_eq!(
            err("{\n  \"a\": }"),
            "Expecting value: line 2 column 8 (char 9)"
        );
        assert_eq!(
            err("{'a': 1}"),
            "Expecting property name enclosed in double quotes: line 1 column 2 (char 1)"
        );
        assert_eq!(
            err(r#"{"a" 1}"#),
            "Expecting ':' delimiter: line 1 column 6 (char 5)"
        );
        assert_eq!(
            err(r#"{"a": 1,}"#),
            "Expecting property name enclosed in double quotes: line 1 column 9 (char 8)"
        );
        assert_eq!(
            err("[1, 2"),
            "Expecting ',' delimiter: line 1 column 6 (char 5)"
        );
        assert_eq!(err("[1,]"), "Expecting value: line 1 column 4 (char 3)");
        assert_eq!(err("{} x"), "Extra data: line 1 column 4 (char 3)");
        assert_eq!(
            err("\"abc"),
            "Unterminated string starting at: line 1 column 1 (char 0)"
        );
        assert_eq!(
            err("\"a\tb\""),
            "Invalid control character at: line 1 column 3 (char 2)"
        );
        assert_eq!(
            err(r#""a\qb""#),
            "Invalid \\escape: line 1 column 3 (char 2)"
        );
        assert_eq!(
            err(r#""\u12x4""#),
            "Invalid \\uXXXX escape: line 1 column 3 (char 2)"
        );
        // Positions count characters, not bytes.
        assert_eq!(
            err("{\"é\": 1 2}"),
            "Expecting ',' delimiter: line 1 column 9 (char 8)"
        );
        assert_eq!(err("nul"), "Expecting value: line 1 column 1 (char 0)");
        assert_eq!(err("-"), "Expecting value: line 1 column 1 (char 0)");
        assert!(err("[\u{0}]").starts_with("Expecting value"));
        assert_eq!(
            decode(b"{\"a\": \xff}").err().unwrap_or_default(),
            "'utf-8' codec can't decode byte 0xff in position 6: invalid start byte"
        );
        assert!(err(&"[".repeat(101)).starts_with("maximum recursion depth"));
        assert!(decode(format!("{}{}", "[".repeat(100), "]".repeat(100)).as_bytes()).is_ok());
        assert_eq!(
            err(r#""\u12""#),
            "Invalid \\uXXXX escape: line 1 column 3 (char 2)"
        );
        assert_eq!(
            err(r#""\"#),
            "Unterminated string starting at: line 1 column 1 (char 0)"
        );
    }

    #[test]
    fn decodes_like_python() {
        let v =
            decode(br#" {"a": [1, -2.5e1, true, null], "s": "\u00e9\ud83d\ude00\n", "n": NaN} "#);
        let v = v.unwrap_or_default();
        assert_eq!(v["a"], serde_json::json!([1, -25.0, true, null]));
        assert_eq!(v["s"], "é😀\n");
        assert!(v["n"].is_null());
        assert_eq!(
            decode(b"01").err().unwrap_or_default(),
            "Extra data: line 1 column 2 (char 1)"
        );
    }
}
