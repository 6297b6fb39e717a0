//! The destination manifest: what the mirror wrote, as a small versioned JSON document.
//!
//! ```json
//! {"format":"passerelle-mirror","version":1,
//!  "files":[{"path":"/Relevés/a.csv","size":24576,"mtime":"2025-12-15T08:30:00Z","sha256":"…"}]}
//! ```
//! `path` is the remote path, `size` and `mtime` are the remote values the copy was made from,
//! `sha256` (optional) is the hash of the bytes written. Files are sorted by path, one per path.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

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
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ManifestFile {
    /// Remote path (`/Relevés/a.csv`).
    pub path: String,
    /// Remote size in bytes when the copy was made.
    pub size: u64,
    /// Remote `last_modified` when the copy was made (RFC 3339, as on the wire).
    pub mtime: String,
    /// SHA-256 of the bytes written (64 lower-case hex digits), when the destination computed it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sha256: Option<String>,
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

/// The whole manifest, keyed by remote path.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Manifest {
    files: BTreeMap<String, ManifestFile>,
}

#[derive(Serialize)]
struct DocOut<'a> {
    format: &'a str,
    version: u32,
    files: Vec<&'a ManifestFile>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct DocIn {
    format: String,
    version: u32,
    files: Vec<ManifestFile>,
}

/// Only reads `format` and `version`, so a newer document gets a clear message.
#[derive(Deserialize)]
struct Header {
    format: Option<String>,
    version: Option<u32>,
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
        let header: Header =
            serde_json::from_str(text).map_err(|e| bad(format!("not a JSON object ({e})")))?;
        if header.format.as_deref() != Some(FORMAT) {
            return Err(bad(format!("`format` is not \"{FORMAT}\"")));
        }
        match header.version {
            Some(VERSION) => {}
            Some(v) if v > VERSION => {
                return Err(bad(format!(
                    "version {v} was written by a newer Passerelle (this one reads {VERSION})"
                )))
            }
            _ => return Err(bad("missing or unknown `version`".into())),
        }
        let doc: DocIn = serde_json::from_str(text).map_err(|e| bad(format!("{e}")))?;
        debug_assert_eq!(doc.format, FORMAT);
        debug_assert_eq!(doc.version, VERSION);
        if doc.files.len() > MAX_FILES {
            return Err(bad(format!("more than {MAX_FILES} files")));
        }
        let mut files = BTreeMap::new();
        for f in doc.files {
            f.check()?;
            if files.contains_key(&f.path) {
                return Err(bad(format!("{:?} is listed twice", f.path)));
            }
            files.insert(f.path.clone(), f);
        }
        Ok(Manifest { files })
    }

    /// The document, files sorted by path (the same manifest always gives the same text).
    pub fn to_json(&self) -> String {
        let doc = DocOut {
            format: FORMAT,
            version: VERSION,
            files: self.files.values().collect(),
        };
        serde_json::to_string(&doc).unwrap_or_default()
    }

    /// Records a file the destination now holds (replacing what was known of that path).
    pub fn record(&mut self, file: ManifestFile) -> Result<()> {
        file.check()?;
        if !self.files.contains_key(&file.path) && self.files.len() >= MAX_FILES {
            return Err(bad(format!("more than {MAX_FILES} files")));
        }
        self.files.insert(file.path.clone(), file);
        Ok(())
    }

    /// Forgets a path; returns what was known of it.
    pub fn remove(&mut self, path: &str) -> Option<ManifestFile> {
        self.files.remove(path)
    }

    /// What is known of a path.
    pub fn get(&self, path: &str) -> Option<&ManifestFile> {
        self.files.get(path)
    }

    /// Every file, sorted by path.
    pub fn files(&self) -> impl Iterator<Item = &ManifestFile> {
        self.files.values()
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
