//! Reading typed values out of JSON by hand, shared by both APIs.
//!
//! Text is parsed into a [`serde_json::Value`] (or, for long arrays, one element at a time, see
//! [`each_item`]) and the fields are read from it with the helpers here. The rules are those of
//! serde's derives (missing optional fields and `null` are `None`, a present field of the wrong
//! type is an error), but without serde's typed deserializer: in the WebAssembly module that
//! machinery, with the float formatting its error messages link, weighs more than either API's
//! logic. Problems name the field and the expected type, never the value (it may be a secret).
//! Two differences with the derives: a duplicate key is read as its last value (as `JSON.parse`
//! does) where the derives refuse it, and a number beyond `f64`'s range (`1e400`) makes the text
//! unreadable even in a field that is ignored.

// Each flavour of the module uses part of these helpers.
#![allow(dead_code)]

use serde_json::{Map, Value};

/// Why a value could not be read: the field's path and what was expected there.
pub(crate) type Problem = String;

pub(crate) type Res<T> = std::result::Result<T, Problem>;

pub(crate) fn wrong(path: &str, expected: &str) -> Problem {
    if path.is_empty() {
        format!("invalid type, expected {expected}")
    } else {
        format!("invalid type at `{path}`, expected {expected}")
    }
}

pub(crate) fn missing(path: &str, key: &str) -> Problem {
    format!("missing field `{}`", join(path, key))
}

pub(crate) fn join(prefix: &str, key: &str) -> String {
    if prefix.is_empty() {
        key.to_string()
    } else {
        format!("{prefix}.{key}")
    }
}

/// The members of an object.
pub(crate) fn object<'a>(v: &'a Value, path: &str) -> Res<&'a Map<String, Value>> {
    v.as_object().ok_or_else(|| wrong(path, "an object"))
}

/// An optional field: absent and `null` are `None`.
pub(crate) fn opt<'a>(m: &'a Map<String, Value>, key: &str) -> Option<&'a Value> {
    m.get(key).filter(|v| !v.is_null())
}

pub(crate) fn opt_string(m: &Map<String, Value>, prefix: &str, key: &str) -> Res<Option<String>> {
    match opt(m, key) {
        None => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.clone())),
        Some(_) => Err(wrong(&join(prefix, key), "a string")),
    }
}

/// A string field with a default: absent is `""`, `null` is an error (as serde's `default`).
pub(crate) fn string(m: &Map<String, Value>, prefix: &str, key: &str) -> Res<String> {
    match m.get(key) {
        None => Ok(String::new()),
        Some(Value::String(s)) => Ok(s.clone()),
        Some(_) => Err(wrong(&join(prefix, key), "a string")),
    }
}

/// A required string field.
pub(crate) fn req_string(m: &Map<String, Value>, prefix: &str, key: &str) -> Res<String> {
    match m.get(key) {
        None => Err(missing(prefix, key)),
        Some(Value::String(s)) => Ok(s.clone()),
        Some(_) => Err(wrong(&join(prefix, key), "a string")),
    }
}

pub(crate) fn opt_bool(m: &Map<String, Value>, prefix: &str, key: &str) -> Res<Option<bool>> {
    match opt(m, key) {
        None => Ok(None),
        Some(Value::Bool(b)) => Ok(Some(*b)),
        Some(_) => Err(wrong(&join(prefix, key), "a boolean")),
    }
}

/// A non-negative integer that fits in `u64` (`1.0` is not one, as for serde).
pub(crate) fn u64_of(v: &Value, path: &str) -> Res<u64> {
    match v {
        Value::Number(n) => n
            .as_u64()
            .ok_or_else(|| format!("invalid value at `{path}`, expected a non-negative integer")),
        _ => Err(wrong(path, "a non-negative integer")),
    }
}

pub(crate) fn opt_u64(m: &Map<String, Value>, prefix: &str, key: &str) -> Res<Option<u64>> {
    opt(m, key)
        .map(|v| u64_of(v, &join(prefix, key)))
        .transpose()
}

/// One JSON value (white space around it allowed).
pub(crate) fn parse(text: &str) -> Res<Value> {
    serde_json::from_str(text).map_err(|_| "not valid JSON".to_string())
}

/// The elements of the array (`open` is `[`) or the members of the object (`open` is `{`) whose
/// text is `text`, one at a time: `f` gets each member's key (`None` in an array) and the text of
/// the element or member value, to parse on its own, so a long array never exists as one tree
/// of values. Only white space may surround the array or object. This scan checks the
/// punctuation between the items and finds where each ends (strings and nesting skipped); the
/// items themselves are checked when `f` parses them (with serde_json's nesting limit).
pub(crate) fn each_item<'a>(
    text: &'a str,
    open: u8,
    mut f: impl FnMut(Option<String>, &'a str) -> Res<()>,
) -> Res<()> {
    let close = if open == b'[' { b']' } else { b'}' };
    let b = text.as_bytes();
    let ws = |c: u8| matches!(c, b' ' | b'\t' | b'\n' | b'\r');
    let mut i = 0;
    while i < b.len() && ws(b[i]) {
        i += 1;
    }
    if b.get(i) != Some(&open) {
        return Err(if open == b'[' {
            wrong("", "an array")
        } else {
            wrong("", "an object")
        });
    }
    i += 1;
    let mut first = true;
    loop {
        // One element: from `i` to the next `,` or closing bracket at depth 0.
        let start = i;
        let mut depth = 0usize;
        let mut in_str = false;
        let mut colon = None;
        while i < b.len() {
            let c = b[i];
            if in_str {
                match c {
                    b'\\' => i += 1,
                    b'"' => in_str = false,
                    _ => {}
                }
            } else {
                match c {
                    b'"' => in_str = true,
                    b'[' | b'{' => depth += 1,
                    b']' | b'}' if depth > 0 => depth -= 1,
                    b',' | b']' | b'}' if depth == 0 => break,
                    b':' if depth == 0 && colon.is_none() => colon = Some(i),
                    _ => {}
                }
            }
            i += 1;
        }
        let Some(&end) = b.get(i) else {
            return Err("not valid JSON (it ends early)".into());
        };
        let item = &text[start..i];
        if first && end == close && item.bytes().all(ws) {
            break; // empty
        }
        first = false;
        if open == b'[' {
            f(None, item)?;
        } else {
            let Some(colon) = colon else {
                return Err("not valid JSON".into());
            };
            let key = match parse(&text[start..colon])? {
                Value::String(k) => k,
                _ => return Err("not valid JSON".into()),
            };
            f(Some(key), &text[colon + 1..i])?;
        }
        if end != b',' {
            if end != close {
                return Err("not valid JSON".into());
            }
            break;
        }
        i += 1;
    }
    if b[i + 1..].iter().all(|&c| ws(c)) {
        Ok(())
    } else {
        Err("not valid JSON (trailing characters)".into())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn items(text: &str, open: u8) -> Option<Vec<(Option<String>, Value)>> {
        let mut out = Vec::new();
        each_item(text, open, |k, v| {
            out.push((k, parse(v)?));
            Ok(())
        })
        .ok()?;
        Some(out)
    }

    /// `each_item` accepts exactly what serde_json accepts as an array or object, with the same
    /// elements (an object's duplicate keys each reach the callback).
    #[test]
    fn each_item_agrees_with_serde_json() {
        let cases = [
            "[]",
            " [ ] ",
            "[1]",
            "[1,2]",
            "[1,]",
            "[,1]",
            "[,]",
            "[1 2]",
            "[[1,[2]],{\"a\":[3]}]",
            "[\"a,]\\\"\",\"]\"]",
            "[1]x",
            "[1] ",
            "[1",
            "[\"a",
            "[{]",
            "[1}",
            "[]]",
            "{}",
            " { } ",
            "{\"a\":1}",
            "{\"a\":1,\"b\":[1,{\"c\":2}]}",
            "{\"a\"}",
            "{\"a\":}",
            "{1:2}",
            "{\"a\":1,}",
            "{\"a:\":\"b:c\"}",
            "{\"a\" : 1 , \"b\":2}",
            "{\"a\":1}}",
            "{\"a\":1]",
            "[1}",
            "",
            "  ",
            "1",
            "\"[\"",
            "[\"\\u00e9\",\"é\"]",
            "[1.5e3,-0,null]",
            "{\"a\":\"}\",\"b\":\"{\"}",
            "[{\"a\":1 \"b\":2}]",
            "{\"a\":1 \"b\":2}",
            "[\"\\\\\"]",
        ];
        for text in cases {
            for open in [b'[', b'{'] {
                let ours = items(text, open).map(|mut v| {
                    v.sort_by(|a, b| a.0.cmp(&b.0));
                    v
                });
                let serde: Option<Value> = serde_json::from_str(text).ok();
                let want = serde.and_then(|v| match (v, open) {
                    (Value::Array(a), b'[') => Some(a.into_iter().map(|v| (None, v)).collect()),
                    (Value::Object(m), b'{') => {
                        Some(m.into_iter().map(|(k, v)| (Some(k), v)).collect::<Vec<_>>())
                    }
                    _ => None,
                });
                assert_eq!(ours, want, "{text} {}", open as char);
            }
        }
    }
}
