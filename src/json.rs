//! JSON of our own: a small parser, the [`Json`] value it builds, and a small writer
//! ([`ToJson`]), for both APIs.
//!
//! The crate reads and writes JSON without serde or serde_json: in the WebAssembly module their
//! machinery (typed (de)serializers, `Value` and its `BTreeMap`, float formatting) weighed more
//! than either API's logic. The PRE-ETAT.DATE types that keep JSON the crate does not interpret
//! (an order's `documents`, a transaction's unknown fields, …) hold a [`Json`], and the result
//! types implement [`ToJson`].
//!
//! ```
//! use passerelle::json::{parse, Json, ToJson};
//!
//! let v = parse(r#"{"a": [1, 2.50, "\u00e9"], "b": null}"#).unwrap();
//! assert_eq!(v.get("a"), Some(&Json::Arr(vec![
//!     Json::Num("1".into()), Json::Num("2.50".into()), Json::Str("é".into()),
//! ])));
//! // Numbers are written back as they were read; keys keep the text's order.
//! assert_eq!(v.to_json(), r#"{"a":[1,2.50,"é"],"b":null}"#);
//! ```
//!
//! [`parse`] builds a [`Json`] tree (inside the crate, long arrays are also read one element at
//! a time) and the crate's readers take the fields out of it. The grammar is RFC 8259's,
//! strictly (no trailing commas, comments, `NaN` or lone surrogates), with 127 levels of
//! nesting at most, so no input overflows the stack. Numbers are kept as written: integers are
//! read exactly ([`Json::as_u64`], [`Json::as_i64`]) and other numbers converted to `f64` only
//! where a caller needs one, so the module links no float parsing or formatting tables and a
//! number beyond `f64`'s range (`1e400`) is grammar like any other. A duplicate key is read as
//! its last value, as `JSON.parse` does.
//!
//! The crate's readers follow the rules serde's derives had (missing optional fields and `null`
//! are `None`, a present field of the wrong type is an error). Problems name the field and the
//! expected type, never the value (it may be a secret).

// Each flavour of the module uses part of these helpers.
#![allow(dead_code)]

/// Why a value could not be read: the field's path and what was expected there.
pub(crate) type Problem = String;

pub(crate) type Res<T> = std::result::Result<T, Problem>;

/// Most levels of arrays and objects inside one another (serde_json's limit too).
pub(crate) const MAX_DEPTH: usize = 127;

/// One JSON value, as read by [`parse`] or built by hand.
///
/// Unlike `serde_json::Value`, a number keeps its text (so it is written back exactly and
/// integers beyond `f64`'s precision stay exact) and an object keeps its members in order,
/// duplicate keys included.
#[derive(Clone, Debug, Default, PartialEq)]
pub enum Json {
    /// `null`.
    #[default]
    Null,
    /// `true` or `false`.
    Bool(bool),
    /// A number as written, e.g. `"12"`, `"-0.5"`, `"1e3"`. A value built by hand must hold
    /// valid JSON number text: it is written out as it is.
    Num(Box<str>),
    /// A string.
    Str(String),
    /// An array.
    Arr(Vec<Json>),
    /// An object.
    Obj(Obj),
}

/// An object's members in order (the text's order when parsed), duplicate keys included;
/// [`Obj::get`] reads the last one, as `JSON.parse` does.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Obj(pub Vec<(String, Json)>);

impl Obj {
    /// An empty object.
    pub fn new() -> Obj {
        Obj(Vec::new())
    }

    /// The value of `key` (its last one when the key is repeated).
    pub fn get(&self, key: &str) -> Option<&Json> {
        self.0.iter().rev().find(|(k, _)| k == key).map(|(_, v)| v)
    }

    /// The value of `key` (its last one when the key is repeated), to change.
    pub fn get_mut(&mut self, key: &str) -> Option<&mut Json> {
        self.0
            .iter_mut()
            .rev()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v)
    }

    /// Sets `key` to `value`: replaces the value of its last member, or appends a member.
    pub fn insert(&mut self, key: impl Into<String>, value: Json) {
        let key = key.into();
        match self.0.iter_mut().rev().find(|(k, _)| *k == key) {
            Some((_, v)) => *v = value,
            None => self.0.push((key, value)),
        }
    }

    /// The keys, in order (a repeated key as often as it occurs).
    pub fn keys(&self) -> impl Iterator<Item = &str> {
        self.0.iter().map(|(k, _)| k.as_str())
    }

    /// The members, in order.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &Json)> {
        self.0.iter().map(|(k, v)| (k.as_str(), v))
    }

    /// The number of members.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// Whether there is no member.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl Json {
    /// The member `key` of an object (its last one when repeated); `None` for other values.
    pub fn get(&self, key: &str) -> Option<&Json> {
        match self {
            Json::Obj(m) => m.get(key),
            _ => None,
        }
    }

    /// The members of an object.
    pub fn as_object(&self) -> Option<&Obj> {
        match self {
            Json::Obj(m) => Some(m),
            _ => None,
        }
    }

    /// Whether this is an object.
    pub fn is_object(&self) -> bool {
        matches!(self, Json::Obj(_))
    }

    /// The elements of an array.
    pub fn as_array(&self) -> Option<&[Json]> {
        match self {
            Json::Arr(a) => Some(a),
            _ => None,
        }
    }

    /// Whether this is `null`.
    pub fn is_null(&self) -> bool {
        matches!(self, Json::Null)
    }

    /// A boolean's value.
    pub fn as_bool(&self) -> Option<bool> {
        match self {
            Json::Bool(b) => Some(*b),
            _ => None,
        }
    }

    /// A string's value.
    pub fn as_str(&self) -> Option<&str> {
        match self {
            Json::Str(s) => Some(s),
            _ => None,
        }
    }

    /// A number written as an integer (no fraction, no exponent) that fits in `u64`.
    pub fn as_u64(&self) -> Option<u64> {
        match self {
            Json::Num(t) => u64_of_digits(t),
            _ => None,
        }
    }

    /// A number written as an integer that fits in `i64`.
    pub fn as_i64(&self) -> Option<i64> {
        let Json::Num(t) = self else { return None };
        match t.strip_prefix('-') {
            Some(d) => {
                let n = u64_of_digits(d)?;
                if n <= 1 << 63 {
                    Some((n as i64).wrapping_neg())
                } else {
                    None
                }
            }
            None => i64::try_from(u64_of_digits(t)?).ok(),
        }
    }

    /// Any number as the nearest `f64` (infinite beyond its range).
    pub fn as_f64(&self) -> Option<f64> {
        match self {
            Json::Num(t) => Some(f64_of(t)),
            _ => None,
        }
    }
}

/// `v["key"]`: the member `key` of an object (its last one when repeated), or `null` when
/// there is none or `v` is not an object (as `serde_json::Value` indexes).
impl std::ops::Index<&str> for Json {
    type Output = Json;

    fn index(&self, key: &str) -> &Json {
        const NULL: &Json = &Json::Null;
        self.get(key).unwrap_or(NULL)
    }
}

/// Whether this is the string `other`.
impl PartialEq<str> for Json {
    fn eq(&self, other: &str) -> bool {
        self.as_str() == Some(other)
    }
}

/// Whether this is the string `other`.
impl PartialEq<&str> for Json {
    fn eq(&self, other: &&str) -> bool {
        self.as_str() == Some(*other)
    }
}

/// The value of an unsigned decimal integer (digits only), when it fits in `u64`.
fn u64_of_digits(t: &str) -> Option<u64> {
    if t.is_empty() {
        return None;
    }
    t.bytes().try_fold(0u64, |n, b| {
        if b.is_ascii_digit() {
            n.checked_mul(10)?.checked_add(u64::from(b - b'0'))
        } else {
            None
        }
    })
}

/// A number's text (grammar already checked) as the nearest `f64`. In the WebAssembly module
/// JavaScript's `parseFloat` does it, so that Rust's float parser and its tables stay out.
#[cfg(target_arch = "wasm32")]
fn f64_of(text: &str) -> f64 {
    js_sys::parse_float(text)
}

#[cfg(not(target_arch = "wasm32"))]
fn f64_of(text: &str) -> f64 {
    text.parse().unwrap_or(f64::NAN)
}

/// Why a text is not JSON, and where (a byte offset); the text itself is never quoted.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct SyntaxError {
    pub(crate) at: usize,
    pub(crate) eof: bool,
    pub(crate) too_deep: bool,
}

impl SyntaxError {
    /// 1-based line and column (in bytes) of the problem in `text`.
    pub(crate) fn line_column(&self, text: &[u8]) -> (usize, usize) {
        let before = &text[..self.at.min(text.len())];
        let line = 1 + before.iter().filter(|&&b| b == b'\n').count();
        let col = before.len()
            - before
                .iter()
                .rposition(|&b| b == b'\n')
                .map_or(0, |p| p + 1);
        (line, col + 1)
    }

    pub(crate) fn message(&self) -> Problem {
        if self.too_deep {
            format!("not valid JSON (nested more than {MAX_DEPTH} levels)")
        } else if self.eof {
            "not valid JSON (it ends early)".into()
        } else {
            "not valid JSON".into()
        }
    }
}

struct Parser<'a> {
    b: &'a [u8],
    i: usize,
}

impl Parser<'_> {
    fn fail<T>(&self) -> std::result::Result<T, SyntaxError> {
        Err(SyntaxError {
            at: self.i,
            eof: self.i >= self.b.len(),
            too_deep: false,
        })
    }

    fn ws(&mut self) {
        while let Some(b' ' | b'\t' | b'\n' | b'\r') = self.b.get(self.i) {
            self.i += 1;
        }
    }

    fn peek(&self) -> Option<u8> {
        self.b.get(self.i).copied()
    }

    fn eat(&mut self, c: u8) -> bool {
        let hit = self.peek() == Some(c);
        if hit {
            self.i += 1;
        }
        hit
    }

    fn literal(&mut self, word: &[u8], v: Json) -> std::result::Result<Json, SyntaxError> {
        for &c in word {
            if !self.eat(c) {
                return self.fail();
            }
        }
        Ok(v)
    }

    /// One value at `depth` levels of nesting left (white space before it skipped).
    fn value(&mut self, depth: usize) -> std::result::Result<Json, SyntaxError> {
        match self.peek() {
            Some(b'n') => self.literal(b"null", Json::Null),
            Some(b't') => self.literal(b"true", Json::Bool(true)),
            Some(b'f') => self.literal(b"false", Json::Bool(false)),
            Some(b'"') => self.string().map(Json::Str),
            Some(b'-' | b'0'..=b'9') => self.number().map(Json::Num),
            Some(open @ (b'[' | b'{')) => {
                if depth == 0 {
                    return Err(SyntaxError {
                        at: self.i,
                        eof: false,
                        too_deep: true,
                    });
                }
                self.i += 1;
                let close = if open == b'[' { b']' } else { b'}' };
                let mut items = Vec::new();
                let mut members = Vec::new();
                self.ws();
                if !self.eat(close) {
                    loop {
                        self.ws();
                        if open == b'[' {
                            items.push(self.value(depth - 1)?);
                        } else {
                            if self.peek() != Some(b'"') {
                                return self.fail();
                            }
                            let key = self.string()?;
                            self.ws();
                            if !self.eat(b':') {
                                return self.fail();
                            }
                            self.ws();
                            members.push((key, self.value(depth - 1)?));
                        }
                        self.ws();
                        if self.eat(close) {
                            break;
                        }
                        if !self.eat(b',') {
                            return self.fail();
                        }
                    }
                }
                Ok(if open == b'[' {
                    Json::Arr(items)
                } else {
                    Json::Obj(Obj(members))
                })
            }
            _ => self.fail(),
        }
    }

    fn digits(&mut self) -> usize {
        let start = self.i;
        while let Some(b'0'..=b'9') = self.peek() {
            self.i += 1;
        }
        self.i - start
    }

    fn number(&mut self) -> std::result::Result<Box<str>, SyntaxError> {
        let start = self.i;
        self.eat(b'-');
        match self.peek() {
            Some(b'0') => self.i += 1,
            Some(b'1'..=b'9') => {
                self.digits();
            }
            _ => return self.fail(),
        }
        if self.eat(b'.') && self.digits() == 0 {
            return self.fail();
        }
        if matches!(self.peek(), Some(b'e' | b'E')) {
            self.i += 1;
            if !self.eat(b'+') {
                self.eat(b'-');
            }
            if self.digits() == 0 {
                return self.fail();
            }
        }
        // Only ASCII digits and signs were consumed.
        match std::str::from_utf8(&self.b[start..self.i]) {
            Ok(t) => Ok(t.into()),
            Err(_) => self.fail(),
        }
    }

    fn hex4(&mut self) -> std::result::Result<u32, SyntaxError> {
        let mut n = 0;
        for _ in 0..4 {
            let d = match self.peek() {
                Some(c @ b'0'..=b'9') => c - b'0',
                Some(c @ b'a'..=b'f') => c - b'a' + 10,
                Some(c @ b'A'..=b'F') => c - b'A' + 10,
                _ => return self.fail(),
            };
            n = n * 16 + u32::from(d);
            self.i += 1;
        }
        Ok(n)
    }

    /// A string (at its opening quote): escapes decoded, UTF-8 checked.
    fn string(&mut self) -> std::result::Result<String, SyntaxError> {
        self.i += 1;
        let mut out = Vec::new();
        loop {
            let start = self.i;
            while let Some(&c) = self.b.get(self.i) {
                if c == b'"' || c == b'\\' || c < 0x20 {
                    break;
                }
                self.i += 1;
            }
            out.extend_from_slice(&self.b[start..self.i]);
            match self.peek() {
                Some(b'"') => {
                    self.i += 1;
                    break;
                }
                Some(b'\\') => self.i += 1,
                _ => return self.fail(),
            }
            let c = match self.peek() {
                Some(b'"') => '"',
                Some(b'\\') => '\\',
                Some(b'/') => '/',
                Some(b'b') => '\u{8}',
                Some(b'f') => '\u{c}',
                Some(b'n') => '\n',
                Some(b'r') => '\r',
                Some(b't') => '\t',
                Some(b'u') => {
                    self.i += 1;
                    let at = self.i;
                    let mut cp = self.hex4()?;
                    if (0xDC00..0xE000).contains(&cp) {
                        self.i = at;
                        return self.fail();
                    }
                    if (0xD800..0xDC00).contains(&cp) {
                        // A leading surrogate: a trailing one must follow.
                        if !(self.eat(b'\\') && self.eat(b'u')) {
                            return self.fail();
                        }
                        let low = self.hex4()?;
                        if !(0xDC00..0xE000).contains(&low) {
                            return self.fail();
                        }
                        cp = 0x10000 + ((cp - 0xD800) << 10) + (low - 0xDC00);
                    }
                    match char::from_u32(cp) {
                        Some(c) => {
                            out.extend_from_slice(c.encode_utf8(&mut [0; 4]).as_bytes());
                            continue;
                        }
                        None => return self.fail(),
                    }
                }
                _ => return self.fail(),
            };
            self.i += 1;
            out.extend_from_slice(c.encode_utf8(&mut [0; 4]).as_bytes());
        }
        String::from_utf8(out).or_else(|_| self.fail())
    }
}

/// One JSON value, white space around it allowed; the error says where the text stops being
/// JSON.
pub(crate) fn parse_bytes(text: &[u8]) -> std::result::Result<Json, SyntaxError> {
    let mut p = Parser { b: text, i: 0 };
    p.ws();
    let v = p.value(MAX_DEPTH)?;
    p.ws();
    if p.i < text.len() {
        return p.fail();
    }
    Ok(v)
}

/// One JSON value (white space around it allowed), by RFC 8259's grammar, strictly. The error
/// says what is wrong (and never quotes the text).
pub fn parse(text: &str) -> std::result::Result<Json, String> {
    parse_bytes(text.as_bytes()).map_err(|e| e.message())
}

/// A value that writes itself as JSON text, as `serde_json::to_string` wrote the crate's types
/// before: a struct's fields in declaration order, `None` fields omitted where serde skipped
/// them, strings escaped as `JSON.stringify` escapes them.
pub trait ToJson {
    /// Appends this value's JSON text to `out`.
    fn write_json(&self, out: &mut String);

    /// This value's JSON text.
    fn to_json(&self) -> String {
        let mut out = String::new();
        self.write_json(&mut out);
        out
    }
}

/// Appends `s` as a JSON string: `"` and `\` escaped, the control characters as `\n`, `\t`,
/// `\r`, `\b`, `\f` or `\u00XX` (lower-case hex), everything else as it is (as serde_json and
/// `JSON.stringify` write it; a Rust string holds no lone surrogate).
pub(crate) fn write_str(out: &mut String, s: &str) {
    out.push('"');
    let mut start = 0;
    for (i, b) in s.bytes().enumerate() {
        let esc = match b {
            b'"' => "\\\"",
            b'\\' => "\\\\",
            b'\n' => "\\n",
            b'\t' => "\\t",
            b'\r' => "\\r",
            0x08 => "\\b",
            0x0c => "\\f",
            0..=0x1f => "",
            _ => continue,
        };
        out.push_str(&s[start..i]);
        if esc.is_empty() {
            const HEX: &[u8; 16] = b"0123456789abcdef";
            out.push_str("\\u00");
            out.push(char::from(HEX[usize::from(b >> 4)]));
            out.push(char::from(HEX[usize::from(b & 15)]));
        } else {
            out.push_str(esc);
        }
        start = i + 1;
    }
    out.push_str(&s[start..]);
    out.push('"');
}

/// Appends the decimal digits of `n`.
pub(crate) fn write_u64(out: &mut String, mut n: u64) {
    let mut buf = [0u8; 20];
    let mut i = buf.len();
    loop {
        i -= 1;
        buf[i] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    for &d in &buf[i..] {
        out.push(char::from(d));
    }
}

impl ToJson for str {
    fn write_json(&self, out: &mut String) {
        write_str(out, self);
    }
}

impl ToJson for String {
    fn write_json(&self, out: &mut String) {
        write_str(out, self);
    }
}

impl ToJson for bool {
    fn write_json(&self, out: &mut String) {
        out.push_str(if *self { "true" } else { "false" });
    }
}

impl ToJson for u64 {
    fn write_json(&self, out: &mut String) {
        write_u64(out, *self);
    }
}

impl ToJson for u32 {
    fn write_json(&self, out: &mut String) {
        write_u64(out, u64::from(*self));
    }
}

impl ToJson for u16 {
    fn write_json(&self, out: &mut String) {
        write_u64(out, u64::from(*self));
    }
}

impl ToJson for usize {
    fn write_json(&self, out: &mut String) {
        write_u64(out, *self as u64);
    }
}

impl ToJson for i64 {
    fn write_json(&self, out: &mut String) {
        if *self < 0 {
            out.push('-');
        }
        write_u64(out, self.unsigned_abs());
    }
}

impl<T: ToJson + ?Sized> ToJson for &T {
    fn write_json(&self, out: &mut String) {
        (**self).write_json(out);
    }
}

impl<T: ToJson> ToJson for Option<T> {
    fn write_json(&self, out: &mut String) {
        match self {
            Some(v) => v.write_json(out),
            None => out.push_str("null"),
        }
    }
}

impl<T: ToJson> ToJson for [T] {
    fn write_json(&self, out: &mut String) {
        out.push('[');
        for (i, v) in self.iter().enumerate() {
            if i > 0 {
                out.push(',');
            }
            v.write_json(out);
        }
        out.push(']');
    }
}

impl<T: ToJson> ToJson for Vec<T> {
    fn write_json(&self, out: &mut String) {
        self.as_slice().write_json(out);
    }
}

/// Written as parsed: numbers as their text (one beyond `f64`'s range as `null`, as serde_json
/// wrote it), object members in order (a repeated key as often as it occurs; `JSON.parse` keeps
/// the last value).
impl ToJson for Json {
    fn write_json(&self, out: &mut String) {
        match self {
            Json::Null => out.push_str("null"),
            Json::Bool(b) => b.write_json(out),
            Json::Num(t) => {
                if self.as_f64().is_some_and(f64::is_infinite) {
                    out.push_str("null");
                } else {
                    out.push_str(t);
                }
            }
            Json::Str(s) => write_str(out, s),
            Json::Arr(a) => a.write_json(out),
            Json::Obj(m) => m.write_json(out),
        }
    }
}

impl ToJson for Obj {
    fn write_json(&self, out: &mut String) {
        let mut w = ObjWriter::new(out);
        w.members(self);
        w.end();
    }
}

/// Writes an object one member at a time: the hand-written [`ToJson`] of a struct.
pub(crate) struct ObjWriter<'a> {
    out: &'a mut String,
    first: bool,
}

impl<'a> ObjWriter<'a> {
    /// Opens the object.
    pub(crate) fn new(out: &'a mut String) -> ObjWriter<'a> {
        out.push('{');
        ObjWriter { out, first: true }
    }

    fn key(&mut self, key: &str) {
        if !self.first {
            self.out.push(',');
        }
        self.first = false;
        write_str(self.out, key);
        self.out.push(':');
    }

    /// A member.
    pub(crate) fn field<T: ToJson + ?Sized>(&mut self, key: &str, v: &T) -> &mut Self {
        self.key(key);
        v.write_json(self.out);
        self
    }

    /// A member when `v` is `Some` (serde's `skip_serializing_if = "Option::is_none"`).
    pub(crate) fn some<T: ToJson>(&mut self, key: &str, v: &Option<T>) -> &mut Self {
        if let Some(v) = v {
            self.field(key, v);
        }
        self
    }

    /// Every member of `m`, in order (serde's `flatten`).
    pub(crate) fn members(&mut self, m: &Obj) -> &mut Self {
        for (k, v) in &m.0 {
            self.field(k, v);
        }
        self
    }

    /// Closes the object.
    pub(crate) fn end(&mut self) {
        self.out.push('}');
    }
}

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
pub(crate) fn object<'a>(v: &'a Json, path: &str) -> Res<&'a Obj> {
    v.as_object().ok_or_else(|| wrong(path, "an object"))
}

/// An optional field: absent and `null` are `None`.
pub(crate) fn opt<'a>(m: &'a Obj, key: &str) -> Option<&'a Json> {
    m.get(key).filter(|v| !v.is_null())
}

pub(crate) fn opt_string(m: &Obj, prefix: &str, key: &str) -> Res<Option<String>> {
    match opt(m, key) {
        None => Ok(None),
        Some(Json::Str(s)) => Ok(Some(s.clone())),
        Some(_) => Err(wrong(&join(prefix, key), "a string")),
    }
}

/// A string field with a default: absent is `""`, `null` is an error (as serde's `default`).
pub(crate) fn string(m: &Obj, prefix: &str, key: &str) -> Res<String> {
    match m.get(key) {
        None => Ok(String::new()),
        Some(Json::Str(s)) => Ok(s.clone()),
        Some(_) => Err(wrong(&join(prefix, key), "a string")),
    }
}

/// A required string field.
pub(crate) fn req_string(m: &Obj, prefix: &str, key: &str) -> Res<String> {
    match m.get(key) {
        None => Err(missing(prefix, key)),
        Some(Json::Str(s)) => Ok(s.clone()),
        Some(_) => Err(wrong(&join(prefix, key), "a string")),
    }
}

pub(crate) fn opt_bool(m: &Obj, prefix: &str, key: &str) -> Res<Option<bool>> {
    match opt(m, key) {
        None => Ok(None),
        Some(Json::Bool(b)) => Ok(Some(*b)),
        Some(_) => Err(wrong(&join(prefix, key), "a boolean")),
    }
}

/// A non-negative integer that fits in `u64` (`1.0` is not one, as for serde).
pub(crate) fn u64_of(v: &Json, path: &str) -> Res<u64> {
    match v {
        Json::Num(_) => v
            .as_u64()
            .ok_or_else(|| format!("invalid value at `{path}`, expected a non-negative integer")),
        _ => Err(wrong(path, "a non-negative integer")),
    }
}

pub(crate) fn opt_u64(m: &Obj, prefix: &str, key: &str) -> Res<Option<u64>> {
    opt(m, key)
        .map(|v| u64_of(v, &join(prefix, key)))
        .transpose()
}

/// The elements of the array (`open` is `[`) or the members of the object (`open` is `{`) whose
/// text is `text`, one at a time: `f` gets each member's key (`None` in an array) and the text of
/// the element or member value, to parse on its own, so a long array never exists as one tree
/// of values. Only white space may surround the array or object. This scan checks the
/// punctuation between the items and finds where each ends (strings and nesting skipped); the
/// items themselves are checked when `f` parses them (the nesting limit counted from the item).
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
                Json::Str(k) => k,
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

/// Conversions between [`Json`] and `serde_json::Value` for the tests that compare with serde.
#[cfg(test)]
pub(crate) mod testing {
    use super::{Json, Obj, ToJson};
    use serde_json::Value;

    /// The same value as ours (numbers as serde_json writes them).
    pub(crate) fn from_serde(v: &Value) -> Json {
        match v {
            Value::Null => Json::Null,
            Value::Bool(b) => Json::Bool(*b),
            Value::Number(n) => Json::Num(n.to_string().into()),
            Value::String(s) => Json::Str(s.clone()),
            Value::Array(a) => Json::Arr(a.iter().map(from_serde).collect()),
            Value::Object(m) => Json::Obj(Obj(m
                .iter()
                .map(|(k, v)| (k.clone(), from_serde(v)))
                .collect())),
        }
    }

    /// `serde_json::json!`, as our [`Json`] (object members in key order, as serde_json's
    /// `Map` holds them).
    #[cfg(feature = "pre-etat-date")]
    macro_rules! json {
        ($($t:tt)+) => {
            $crate::json::testing::from_serde(&serde_json::json!($($t)+))
        };
    }
    #[cfg(feature = "pre-etat-date")]
    pub(crate) use json;

    /// What we write, read back by serde_json.
    pub(crate) fn to_serde<T: ToJson + ?Sized>(x: &T) -> Value {
        let text = x.to_json();
        serde_json::from_str(&text).unwrap_or_else(|e| panic!("{e}: {text}"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::Value;

    /// Our value as a serde_json one, numbers read by serde_json from their text (so that the
    /// comparison checks the grammar and the tree, not float rounding).
    fn serde_of(j: &Json) -> Value {
        match j {
            Json::Null => Value::Null,
            Json::Bool(b) => Value::Bool(*b),
            Json::Num(t) => serde_json::from_str(t).unwrap_or(Value::Null),
            Json::Str(s) => Value::String(s.clone()),
            Json::Arr(a) => Value::Array(a.iter().map(serde_of).collect()),
            Json::Obj(m) => {
                Value::Object(m.0.iter().map(|(k, v)| (k.clone(), serde_of(v))).collect())
            }
        }
    }

    /// Whether a number of the value is beyond `f64`'s range (serde_json refuses those).
    fn huge(j: &Json) -> bool {
        match j {
            Json::Num(_) => j.as_f64().is_some_and(f64::is_infinite),
            Json::Arr(a) => a.iter().any(huge),
            Json::Obj(m) => m.0.iter().any(|(_, v)| huge(v)),
            _ => false,
        }
    }

    /// Both parsers on the same bytes: the same value, or both an error (a number beyond
    /// `f64`'s range is ours to accept).
    fn agree(text: &[u8]) {
        let ours = parse_bytes(text);
        let theirs = serde_json::from_slice::<Value>(text).ok();
        match (&ours, &theirs) {
            (Ok(j), None) if huge(j) => {}
            _ => assert_eq!(
                ours.as_ref().ok().map(serde_of),
                theirs,
                "{:?}",
                String::from_utf8_lossy(text)
            ),
        }
    }

    #[test]
    fn parse_agrees_with_serde_json_on_cases() {
        let cases: &[&[u8]] = &[
            b"",
            b" ",
            b"null",
            b"nul",
            b"nulll",
            b"true",
            b"tru",
            b"false",
            b" false ",
            b"0",
            b"-0",
            b"-",
            b"01",
            b"-01",
            b"1.",
            b".1",
            b"1.5",
            b"1e",
            b"1e+",
            b"1e-5",
            b"1E+05",
            b"-1.25e-3",
            b"18446744073709551615",
            b"18446744073709551616",
            b"-9223372036854775808",
            b"-9223372036854775809",
            b"123456789012345678901234567890",
            b"1e400",
            b"-1e400",
            b"[1e400]",
            b"1e-400",
            br#""""#,
            br#""a""#,
            br#""a"#,
            br#""\""#,
            br#""\q""#,
            br#""\/""#,
            br#""\b\f\n\r\t""#,
            br#""\u00e9\u00E9""#,
            br#""\u00g9""#,
            br#""\u12""#,
            br#""\ud83d\ude00""#,
            br#""\ud83d""#,
            br#""\ud83dx""#,
            br#""\ud83d\u0041""#,
            br#""\ude00""#,
            br#""\ude00\ud83d""#,
            b"\"a\tb\"",
            b"\"a\nb\"",
            b"\"\x7f\"",
            "\"é€😀\"".as_bytes(),
            b"\"\xff\"",
            b"\"\xc3\"",
            b"\"\xc3\xa9\"",
            b"\"\xed\xa0\x80\"",
            b"\xef\xbb\xbf{}",
            b"[]",
            b"[ ]",
            b"[1,]",
            b"[,1]",
            b"[1 2]",
            b"[1,,2]",
            b"[[[]]]",
            b"[",
            b"]",
            b"{}",
            b"{ }",
            br#"{"a":1}"#,
            br#"{"a":1,"a":2}"#,
            br#"{"a" :1 , "b": [true]}"#,
            b"{a:1}",
            br#"{"a"1}"#,
            br#"{"a":}"#,
            br#"{"a":1,}"#,
            b"{,}",
            br#"{"a":1}x"#,
            br#"{"a":1} "#,
            br#"{"a":1"#,
            b"{1:1}",
            br#"["a",{"b":null}]"#,
            b"NaN",
            b"Infinity",
            b"+1",
            b"[01]",
            b"\x00",
            b"[\x00]",
            b"/* */1",
            b"1 2",
            br#""\u0000""#,
            br#"{"\u0000":0}"#,
            b"\x0c1",
            b"1\x0c",
        ];
        for text in cases {
            agree(text);
        }
    }

    /// Mutations of a few documents (a byte changed, inserted or removed, a prefix) and random
    /// strings of JSON's characters: both parsers agree on each.
    #[test]
    fn parse_agrees_with_serde_json_on_generated_texts() {
        let seeds: [&[u8]; 4] = [
            br#"{"a":[1,-2,3.5e1,{"b":null,"c":"\u00e9\"x"}],"d":true,"e":false}"#,
            br#"[{"path":"/x","size":18446744073709551615,"mtime":"2025-12-15T08:30:00Z"}]"#,
            r#"{"orderid":"C7H","state":"done","n":-0.0,"s":"\ud83d\ude00é"}"#.as_bytes(),
            br#"[[[[[]]]],[{}],"\\",0,1E2]"#,
        ];
        let alphabet = b"{}[]:,\"\\ -+.0123456789eEtruefalsnlu\xc3\xa9\x01\n";
        let mut seed = 0x2545_f491_4f6c_dd1du64;
        let mut next = move || {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed as usize
        };
        for round in 0..40_000 {
            let mut text = seeds[round % seeds.len()].to_vec();
            match next() % 5 {
                0 => {
                    let i = next() % text.len();
                    text[i] = alphabet[next() % alphabet.len()];
                }
                1 => {
                    let i = next() % (text.len() + 1);
                    text.insert(i, alphabet[next() % alphabet.len()]);
                }
                2 => {
                    let i = next() % text.len();
                    text.remove(i);
                }
                3 => text.truncate(next() % text.len()),
                _ => {
                    let n = next() % 12;
                    text = (0..n).map(|_| alphabet[next() % alphabet.len()]).collect();
                }
            }
            agree(&text);
        }
    }

    #[test]
    fn nesting_limit_is_serde_jsons() {
        for depth in [126, 127, 128, 129, 10_000] {
            for (open, close) in [("[", "]"), ("{\"a\":", "}")] {
                let text = format!("{}0{}", open.repeat(depth), close.repeat(depth));
                agree(text.as_bytes());
                assert_eq!(parse(&text).is_ok(), depth <= MAX_DEPTH, "{depth}");
            }
        }
        let e = parse(&"[".repeat(200)).unwrap_err();
        assert!(e.contains("nested"), "{e}");
    }

    #[test]
    fn numbers_are_exact_integers_or_read_on_demand() {
        let n = |t: &str| parse(t).unwrap();
        assert_eq!(n("18446744073709551615").as_u64(), Some(u64::MAX));
        assert_eq!(n("18446744073709551616").as_u64(), None);
        assert_eq!(n("-9223372036854775808").as_i64(), Some(i64::MIN));
        assert_eq!(n("-9223372036854775809").as_i64(), None);
        assert_eq!(n("9223372036854775807").as_i64(), Some(i64::MAX));
        assert_eq!(n("1.0").as_u64(), None);
        assert_eq!(n("1e3").as_u64(), None);
        assert_eq!(n("-0").as_u64(), None);
        assert_eq!(n("1.5e3").as_f64(), Some(1500.0));
        assert_eq!(n("1e400").as_f64(), Some(f64::INFINITY));
        assert_eq!(n("\"1\"").as_u64(), None);
    }

    #[test]
    fn the_last_of_duplicate_keys_is_read() {
        let v = parse(r#"{"a":1,"b":2,"a":3}"#).unwrap();
        assert_eq!(v.get("a").and_then(Json::as_u64), Some(3));
        assert_eq!(v.get("c"), None);
    }

    #[test]
    fn syntax_errors_say_where_never_what() {
        let text = b"{\n  \"secret\": \"hunter2\" x}";
        let e = parse_bytes(text).unwrap_err();
        assert_eq!(e.line_column(text), (2, 23));
        assert!(!e.message().contains("hunter2"));
        let e = parse_bytes(b"[1,").unwrap_err();
        assert!(e.eof && e.message().contains("ends early"));
    }

    /// What we write of a parsed value reads back (with serde_json, as `JSON.parse` would) as
    /// serde_json reads the original text; a number beyond `f64`'s range is written `null`.
    #[test]
    fn written_value_is_serde_jsons_value() {
        let mut seed = 0x9e37_79b9_7f4a_7c15u64;
        let mut texts: Vec<String> = [
            r#"{"a":[1,-2,3.5e1,{"b":null,"c":"\u00e9"}],"d":true,"a":[]}"#,
            "[0,-0,-0.0,1.0,1e2,18446744073709551615,18446744073709551616,-9223372036854775808]",
            "[-9223372036854775809,0.1,2.5e-300,1.7976931348623157e308,4.9e-324,123456.789]",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        for _ in 0..2000 {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            let f = f64::from_bits(seed);
            if f.is_finite() {
                let t = format!("[{f:?},{f:e},{}]", seed as i64);
                let Json::Arr(a) = parse(&t).unwrap() else {
                    panic!()
                };
                assert_eq!(a[0].as_f64().map(f64::to_bits), Some(f.to_bits()));
                assert_eq!(a[1].as_f64().map(f64::to_bits), Some(f.to_bits()));
                texts.push(t);
            }
        }
        // serde_json's default float reading may be a few units in the last place off; ours is
        // the nearest `f64` (checked on the generated numbers below).
        fn close(a: &Value, b: &Value) -> bool {
            match (a, b) {
                (Value::Number(x), Value::Number(y)) if x.is_f64() && y.is_f64() => {
                    let (x, y) = (x.as_f64().unwrap(), y.as_f64().unwrap());
                    x.to_bits().abs_diff(y.to_bits()) <= 4 && x.signum() == y.signum()
                }
                (Value::Array(x), Value::Array(y)) => {
                    x.len() == y.len() && x.iter().zip(y).all(|(a, b)| close(a, b))
                }
                (Value::Object(x), Value::Object(y)) => {
                    x.len() == y.len()
                        && x.iter()
                            .zip(y)
                            .all(|((k, a), (l, b))| k == l && close(a, b))
                }
                _ => a == b,
            }
        }
        for t in texts {
            let ours = testing::to_serde(&parse(&t).unwrap());
            let theirs: Value = serde_json::from_str(&t).unwrap();
            assert!(close(&ours, &theirs), "{t}: {ours} {theirs}");
        }
        assert_eq!(
            testing::to_serde(&parse("[1e400]").unwrap()),
            serde_json::json!([null])
        );
    }

    /// Strings are written as serde_json wrote them: every character below U+0020, `"`, `\\`,
    /// and a mix of ASCII, U+007F, U+2028 and characters of two to four bytes.
    #[test]
    fn strings_are_written_as_serde_json_wrote_them() {
        let mut cases: Vec<String> = (0u8..0x80).map(|b| char::from(b).to_string()).collect();
        cases.extend(
            [
                "",
                "a\"b\\c",
                "\u{2028}\u{2029}",
                "é€😀",
                "\u{7f}\u{80}\u{ffff}",
            ]
            .map(String::from),
        );
        let alphabet: Vec<char> = "ab \"\\/\n\r\t\u{8}\u{c}\u{0}\u{1f}\u{7f}é€😀\u{2028}"
            .chars()
            .collect();
        let mut seed = 0x853c_49e6_748f_ea9bu64;
        for _ in 0..5000 {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            let n = (seed % 16) as usize;
            cases.push(
                (0..n)
                    .map(|i| alphabet[((seed >> (i * 4)) as usize) % alphabet.len()])
                    .collect(),
            );
        }
        for c in &cases {
            let mut ours = String::new();
            write_str(&mut ours, c);
            assert_eq!(ours, serde_json::to_string(c).unwrap(), "{c:?}");
            assert_eq!(c.to_json(), ours);
            assert_eq!(parse(&ours), Ok(Json::Str(c.clone())));
        }
    }

    #[test]
    fn integers_are_written_as_serde_json_wrote_them() {
        for n in [
            0u64,
            1,
            9,
            10,
            99,
            100,
            12345,
            u64::from(u32::MAX),
            u64::MAX - 1,
            u64::MAX,
        ] {
            assert_eq!(n.to_json(), serde_json::to_string(&n).unwrap());
        }
        for n in [0i64, -1, 1, -10, i64::MIN, i64::MIN + 1, i64::MAX] {
            assert_eq!(n.to_json(), serde_json::to_string(&n).unwrap());
        }
        assert_eq!(u32::MAX.to_json(), "4294967295");
        assert_eq!(7u16.to_json(), "7");
        assert_eq!(usize::MAX.to_json(), usize::MAX.to_string());
        assert_eq!(Some(true).to_json(), "true");
        assert_eq!(None::<bool>.to_json(), "null");
        assert_eq!(vec!["a", "b"].to_json(), r#"["a","b"]"#);
        assert_eq!(Vec::<u64>::new().to_json(), "[]");
    }

    /// A parsed value is written back as it was read, less the white space: numbers verbatim,
    /// members in order, duplicate keys kept (`JSON.parse` of the text keeps the last).
    #[test]
    fn values_are_written_back_as_read() {
        for text in [
            "null",
            "[true,false,null]",
            r#"{"a":1,"b":[1.50,-0,1E+2,18446744073709551616],"a":"x","c":{}}"#,
            r#"["\"\\\n\u0001é😀"]"#,
            "[[[[]]],{}]",
        ] {
            let v = parse(text).unwrap();
            let written = v.to_json();
            assert_eq!(written, text);
            assert_eq!(parse(&written), Ok(v));
        }
        let mut o = Obj::new();
        o.insert("k", Json::Num("1".into()));
        o.insert("j", Json::Null);
        o.insert("k", Json::Str("v".into()));
        assert_eq!(Json::Obj(o).to_json(), r#"{"k":"v","j":null}"#);
    }

    fn items(text: &str, open: u8) -> Option<Vec<(Option<String>, Value)>> {
        let mut out = Vec::new();
        each_item(text, open, |k, v| {
            out.push((k, serde_of(&parse(v)?)));
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
