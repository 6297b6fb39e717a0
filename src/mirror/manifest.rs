//! The destination manifest: what the mirror wrote, as a small versioned JSON document.
//!
//! ```json
//! {"format":"passerelle-mirror","version":1,
//!  "files":[{"path":"/Relevés/a.csv","size":24576,"mtime":"2025-12-15T08:30:00Z","sha256":"…"}]}
//! ```
//! `path` is the remote path, `size` and `mtime` are the remote values the copy was made from,
//! `sha256` (optional) is the hash of the bytes written. Files are sorted by path, one per path.

use crate::json::{each_item, parse, u64_of, wrong, Json, ObjWriter, Res, ToJson};

use crate::{Error, Result};

/// The `format` field.
pub const FORMAT: &str = "passerelle-mirror";
/// The version this library writes and reads.
pub const VERSION: u32 = 1;
/// Largest manifest text accepted, in bytes.
pub const MAX_MANIFEST_BYTES: usize = 64 << 20;
/// Most files a manifest may list.
pub const MAX_FILES: usize = 1_000_000;
/// Longest `path` accepted, in bytes.
pub const MAX_MANIFEST_PATH_BYTES: usize = 8192;
/// Longest `mtime` accepted, in bytes.
pub const MAX_MTIME_BYTES: usize = 64;

/// What the destination holds of one remote file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ManifestFile {
    /// Remote path (`/Relevés/a.csv`).
    pub path: String,
    /// Remote size in bytes when the copy was made.
    pub size: u64,
    /// Remote `last_modified` when the copy was made (RFC 3339, as on the wire).
    pub mtime: String,
    /// SHA-256 of the bytes written (64 lower-case hex digits), when the destination computed it.
    pub sha256: Option<String>,
}

/// `{"path", "size", "mtime", "sha256" (when known)}`.
impl ToJson for ManifestFile {
    fn write_json(&self, out: &mut String) {
        ObjWriter::new(out)
            .field("path", &self.path)
            .field("size", &self.size)
            .field("mtime", &self.mtime)
            .some("sha256", &self.sha256)
            .end();
    }
}

impl ManifestFile {
    fn check(&self) -> Result<()> {
        if self.path.len() > MAX_MANIFEST_PATH_BYTES || !self.path.starts_with('/') {
            return Err(bad(format!(
                "a path is not absolute or longer than {MAX_MANIFEST_PATH_BYTES} bytes"
            )));
        }
        if self.mtime.len() > MAX_MTIME_BYTES {
            return Err(bad(format!(
                "an mtime is longer than {MAX_MTIME_BYTES} bytes"
            )));
        }
        if let Some(h) = &self.sha256 {
            let hex = h.len() == 64 && h.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'));
            if !hex {
                return Err(bad("a sha256 is not 64 lower-case hex digits".into()));
            }
        }
        Ok(())
    }
}

/// One `{path, size, mtime, sha256?}` object of a manifest's text (no other field, each once).
pub(crate) fn read_file(text: &str, at: &str) -> Res<ManifestFile> {
    let mut path = None;
    let mut size = None;
    let mut mtime = None;
    let mut sha256 = None;
    each_item(text, b'{', |key, raw| {
        let key = key.unwrap_or_default();
        let v = parse(raw)?;
        let here = || {
            if at.is_empty() {
                key.clone()
            } else {
                format!("{at}.{key}")
            }
        };
        let (slot, value) = match key.as_str() {
            "path" | "mtime" => match v {
                Json::Str(s) => (if key == "path" { &mut path } else { &mut mtime }, Some(s)),
                _ => return Err(wrong(&here(), "a string")),
            },
            "sha256" => match v {
                Json::Str(s) => (&mut sha256, Some(s)),
                Json::Null => (&mut sha256, None),
                _ => return Err(wrong(&here(), "a string")),
            },
            "size" => {
                if size.replace(u64_of(&v, &here())?).is_some() {
                    return Err(format!("duplicate field `{}`", here()));
                }
                return Ok(());
            }
            _ => return Err(format!("unknown field `{}`", here())),
        };
        if slot.replace(value).is_some() {
            return Err(format!("duplicate field `{}`", here()));
        }
        Ok(())
    })
    .map_err(
        |e| match e.strip_prefix("invalid type, expected an object") {
            Some(_) if !at.is_empty() => wrong(at, "an object"),
            _ => e,
        },
    )?;
    let req = |v: Option<Option<String>>, key: &str| {
        v.flatten().ok_or_else(|| {
            if at.is_empty() {
                format!("missing field `{key}`")
            } else {
                format!("missing field `{at}.{key}`")
            }
        })
    };
    Ok(ManifestFile {
        path: req(path, "path")?,
        size: size.ok_or_else(|| {
            if at.is_empty() {
                "missing field `size`".to_string()
            } else {
                format!("missing field `{at}.size`")
            }
        })?,
        mtime: req(mtime, "mtime")?,
        sha256: sha256.flatten(),
    })
}

/// The whole manifest, keyed by remote path.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Manifest {
    /// Sorted by path (byte order), one per path: looked up by binary search. (A `BTreeMap`
    /// would do the same for more code in the WebAssembly module.)
    files: Vec<ManifestFile>,
}

fn twice(path: &str) -> String {
    format!("{path:?} is listed twice")
}

/// `files` sorted by path, or the error for the first repeated path in their order (the second
/// listing of a path that comes earliest).
fn sort_files(files: Vec<ManifestFile>) -> std::result::Result<Vec<ManifestFile>, String> {
    let index = super::plan::index(files.iter().map(|f| f.path.as_str()));
    let first_repeat = index
        .windows(2)
        .filter(|w| w[0].0 == w[1].0)
        .map(|w| w[1].1)
        .min();
    if let Some(i) = first_repeat {
        return Err(twice(&files[i].path));
    }
    let order: Vec<usize> = index.iter().map(|&(_, i)| i).collect();
    let mut slots: Vec<Option<ManifestFile>> = files.into_iter().map(Some).collect();
    Ok(order.iter().filter_map(|&i| slots[i].take()).collect())
}

fn bad(detail: String) -> Error {
    Error::invalid_input(format!("mirror manifest: {detail}"))
}

impl Manifest {
    /// An empty manifest (a destination never mirrored into).
    pub fn new() -> Manifest {
        Manifest::default()
    }

    /// Parses a manifest document; sizes are bounded before anything is kept.
    pub fn parse(text: &str) -> Result<Manifest> {
        if text.len() > MAX_MANIFEST_BYTES {
            return Err(bad(format!("larger than {MAX_MANIFEST_BYTES} bytes")));
        }
        // The top-level members first (the files' text only located), so that a document of
        // another format or version gets that message whatever else it holds.
        let mut format = None;
        let mut version = None;
        let mut files_text = None;
        let mut unknown = None;
        let mut seen = [false; 3];
        each_item(text, b'{', |key, raw| {
            let key = key.unwrap_or_default();
            let slot = match key.as_str() {
                "format" => 0,
                "version" => 1,
                "files" => 2,
                _ => {
                    parse(raw)?;
                    unknown.get_or_insert(key);
                    return Ok(());
                }
            };
            if std::mem::replace(&mut seen[slot], true) {
                return Err(format!("duplicate field `{key}`"));
            }
            match slot {
                0 => format = Some(parse(raw)?),
                1 => version = Some(parse(raw)?),
                _ => files_text = Some(raw),
            }
            Ok(())
        })
        .map_err(|e| bad(format!("not a JSON object ({e})")))?;
        if format.as_ref().and_then(Json::as_str) != Some(FORMAT) {
            return Err(bad(format!("`format` is not \"{FORMAT}\"")));
        }
        match version.as_ref().and_then(Json::as_u64) {
            Some(v) if v == u64::from(VERSION) => {}
            Some(v) if v > u64::from(VERSION) && v <= u64::from(u32::MAX) => {
                return Err(bad(format!(
                    "version {v} was written by a newer Passerelle (this one reads {VERSION})"
                )))
            }
            _ => return Err(bad("missing or unknown `version`".into())),
        }
        if let Some(key) = unknown {
            return Err(bad(format!("unknown field `{key}`")));
        }
        let Some(files_text) = files_text else {
            return Err(bad("missing field `files`".into()));
        };
        // The files as listed; while they come in increasing path order (as this library writes
        // them) a repeated path is the previous one. Otherwise they are sorted afterwards, and a
        // repeated path found then is reported before any later problem, as it would have been
        // on reading.
        let mut files: Vec<ManifestFile> = Vec::new();
        let mut sorted = true;
        let read = each_item(files_text, b'[', |_, raw| {
            if files.len() >= MAX_FILES {
                return Err(format!("more than {MAX_FILES} files"));
            }
            let f = read_file(raw, &format!("files[{}]", files.len()))?;
            f.check().map_err(|e| e.message().to_string())?;
            if let Some(last) = files.last().filter(|_| sorted) {
                if last.path == f.path {
                    return Err(twice(&f.path));
                }
                sorted = last.path < f.path;
            }
            files.push(f);
            Ok(())
        });
        let read = if sorted {
            read
        } else {
            match sort_files(files) {
                Ok(sorted_files) => {
                    files = sorted_files;
                    read
                }
                Err(dup) => {
                    files = Vec::new();
                    Err(dup)
                }
            }
        };
        read.map_err(|e| {
            if e.starts_with("mirror manifest: ") {
                Error::invalid_input(e)
            } else if e.starts_with("invalid type, expected an array") {
                bad(wrong("files", "an array"))
            } else {
                bad(e)
            }
        })?;
        Ok(Manifest { files })
    }

    /// The document, files sorted by path (the same manifest always gives the same text).
    pub fn to_json(&self) -> String {
        let mut out = String::new();
        ObjWriter::new(&mut out)
            .field("format", FORMAT)
            .field("version", &VERSION)
            .field("files", &self.files)
            .end();
        out
    }

    /// Where `path` is in `files`, or where it would go.
    fn find(&self, path: &str) -> std::result::Result<usize, usize> {
        self.files.binary_search_by(|f| f.path.as_str().cmp(path))
    }

    /// Records a file the destination now holds (replacing what was known of that path).
    pub fn record(&mut self, file: ManifestFile) -> Result<()> {
        file.check()?;
        match self.find(&file.path) {
            Ok(i) => self.files[i] = file,
            Err(_) if self.files.len() >= MAX_FILES => {
                return Err(bad(format!("more than {MAX_FILES} files")));
            }
            Err(i) => self.files.insert(i, file),
        }
        Ok(())
    }

    /// Forgets a path; returns what was known of it.
    pub fn remove(&mut self, path: &str) -> Option<ManifestFile> {
        let i = self.find(path).ok()?;
        Some(self.files.remove(i))
    }

    /// What is known of a path.
    pub fn get(&self, path: &str) -> Option<&ManifestFile> {
        let i = self.find(path).ok()?;
        self.files.get(i)
    }

    /// Every file, sorted by path.
    pub fn files(&self) -> impl Iterator<Item = &ManifestFile> {
        self.files.iter()
    }

    /// Number of files.
    pub fn len(&self) -> usize {
        self.files.len()
    }

    /// Whether no file is known.
    pub fn is_empty(&self) -> bool {
        self.files.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file(path: &str) -> ManifestFile {
        ManifestFile {
            path: path.into(),
            size: 3,
            mtime: "2025-12-15T08:30:00Z".into(),
            sha256: None,
        }
    }

    #[test]
    fn round_trip_is_sorted_and_stable() {
        let mut m = Manifest::new();
        m.record(file("/b")).unwrap();
        let mut a = file("/a");
        a.sha256 = Some("ab".repeat(32));
        m.record(a).unwrap();
        let text = m.to_json();
        assert!(
            text.starts_with(r#"{"format":"passerelle-mirror","version":1,"files":[{"path":"/a""#)
        );
        let back = Manifest::parse(&text).unwrap();
        assert_eq!(back, m);
        assert_eq!(back.to_json(), text);
        assert_eq!(
            back.files().map(|f| f.path.as_str()).collect::<Vec<_>>(),
            ["/a", "/b"]
        );
    }

    #[test]
    fn refuses_bad_documents() {
        let cases = [
            ("[]", "not a JSON object"),
            ("{}", "`format`"),
            (
                r#"{"format":"passerelle-mirror","version":2,"files":[]}"#,
                "newer Passerelle",
            ),
            (r#"{"format":"passerelle-mirror","files":[]}"#, "`version`"),
            (r#"{"format":"other","version":1,"files":[]}"#, "`format`"),
            (
                r#"{"format":"passerelle-mirror","version":1,"files":[{"path":"a","size":1,"mtime":"x"}]}"#,
                "not absolute",
            ),
            (
                r#"{"format":"passerelle-mirror","version":1,"files":[{"path":"/a","size":-1,"mtime":"x"}]}"#,
                "invalid value",
            ),
            (
                r#"{"format":"passerelle-mirror","version":1,"files":[{"path":"/a","size":1,"mtime":"x","sha256":"XYZ"}]}"#,
                "sha256",
            ),
            (
                r#"{"format":"passerelle-mirror","version":1,"files":[{"path":"/a","size":1,"mtime":"x","extra":1}]}"#,
                "unknown field",
            ),
            (
                r#"{"format":"passerelle-mirror","version":1,"files":[{"path":"/a","size":1,"mtime":"x"},{"path":"/a","size":1,"mtime":"x"}]}"#,
                "twice",
            ),
        ];
        for (text, want) in cases {
            let err = Manifest::parse(text).unwrap_err();
            assert_eq!(err.code(), crate::ErrorCode::InvalidInput);
            assert!(err.message().contains(want), "{text}: {}", err.message());
        }
        let deep = format!("{}{}", "[".repeat(10_000), "]".repeat(10_000));
        assert!(Manifest::parse(&deep).is_err());
        let long_mtime = format!(
            r#"{{"format":"passerelle-mirror","version":1,"files":[{{"path":"/a","size":1,"mtime":"{}"}}]}}"#,
            "x".repeat(65)
        );
        assert!(Manifest::parse(&long_mtime).is_err());
    }

    /// The parser as it was with serde's derives, as the reference.
    fn reference(text: &str) -> Option<Manifest> {
        use serde::Deserialize;
        #[derive(Deserialize)]
        struct Header {
            format: Option<String>,
            version: Option<u32>,
        }
        #[derive(Deserialize)]
        #[serde(deny_unknown_fields)]
        #[allow(dead_code)]
        struct DocIn {
            format: String,
            version: u32,
            files: Vec<crate::mirror::input::tests::SerdeFile>,
        }
        let h: Header = serde_json::from_str(text).ok()?;
        if h.format.as_deref() != Some(FORMAT) || h.version != Some(VERSION) {
            return None;
        }
        let doc: DocIn = serde_json::from_str(text).ok()?;
        let mut files = std::collections::BTreeMap::new();
        for f in doc.files {
            let f = ManifestFile::from(f);
            f.check().ok()?;
            if files.insert(f.path.clone(), f).is_some() {
                return None;
            }
        }
        Some(Manifest {
            files: files.into_values().collect(),
        })
    }

    #[test]
    fn parse_agrees_with_the_serde_derives() {
        let good = serde_json::json!({"format": "passerelle-mirror", "version": 1,
            "files": [{"path": "/a", "size": 3, "mtime": "2025-12-15T08:30:00Z"},
                      {"path": "/b", "size": 0, "mtime": "", "sha256": "ab".repeat(32)}]});
        let values = [
            "null",
            "1",
            "2",
            "0",
            "-1",
            "1.0",
            "4294967297",
            "\"passerelle-mirror\"",
            "\"/c\"",
            "\"x\"",
            "true",
            "[]",
            "{}",
            "[{}]",
            "\"ab\"",
        ];
        let mut docs = vec![good.to_string(), "{}".into(), "[]".into(), "".into()];
        let top: Vec<String> = ["format", "version", "files", "extra"]
            .map(String::from)
            .into();
        for key in &top {
            for v in values {
                let mut d = good.clone();
                d[key] = serde_json::from_str(v).unwrap();
                docs.push(d.to_string());
                d.as_object_mut().unwrap().remove(key);
                docs.push(d.to_string());
            }
        }
        for key in ["path", "size", "mtime", "sha256", "extra"] {
            for v in values {
                for i in 0..2 {
                    let mut d = good.clone();
                    d["files"][i][key] = serde_json::from_str(v).unwrap();
                    docs.push(d.to_string());
                    d["files"][i].as_object_mut().unwrap().remove(key);
                    docs.push(d.to_string());
                }
            }
        }
        let text = good.to_string();
        for cut in 0..text.len() {
            docs.push(text[..cut].to_string());
            docs.push(format!("{}]{}", &text[..cut], &text[cut..]));
        }
        assert!(docs.len() > 400, "{}", docs.len());
        for d in &docs {
            let ours = Manifest::parse(d);
            if let Err(e) = &ours {
                assert_eq!(e.code(), crate::ErrorCode::InvalidInput);
            }
            assert_eq!(ours.ok(), reference(d), "{d}");
        }
    }

    #[test]
    fn record_checks_and_replaces() {
        let mut m = Manifest::new();
        m.record(file("/a")).unwrap();
        let mut newer = file("/a");
        newer.size = 9;
        m.record(newer).unwrap();
        assert_eq!(m.len(), 1);
        assert_eq!(m.get("/a").unwrap().size, 9);
        assert!(m.record(file("relative")).is_err());
        assert_eq!(m.remove("/a").unwrap().size, 9);
        assert!(m.is_empty());
    }
}
