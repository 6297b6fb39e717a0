//! What `planMirror` and `MirrorManifest.record` receive from JavaScript (as JSON text), read by
//! hand with the helpers of `crate::json`: the remote entries one at a time, the options and a
//! manifest file strictly (unknown fields refused).

use super::manifest::read_file;
use super::{ManifestFile, NameRules, PlanOptions};
use crate::echange::model::{DirEntry, EntryType};
use crate::json::{
    each_item, object, opt, opt_string, opt_u64, parse, req_string, wrong, Json, Obj, Res,
};

fn entry_type(v: &Json, path: &str) -> Res<EntryType> {
    let expected = "one of `dir`, `file`, `symlink`, `other`";
    match v.as_str() {
        Some("dir") => Ok(EntryType::Dir),
        Some("file") => Ok(EntryType::File),
        Some("symlink") => Ok(EntryType::Symlink),
        Some("other") => Ok(EntryType::Other),
        Some(_) => Err(format!("unknown variant at `{path}`, expected {expected}")),
        None => Err(wrong(path, expected)),
    }
}

/// One entry as `walk` returns it: `path` and `last_modified` required, `size`, `mode` and
/// `type` optional (`type` decoded from `mode` when absent, `mode` 0 when absent); other fields
/// are ignored.
fn remote_entry(v: &Json, at: &str) -> Res<DirEntry> {
    let m = object(v, at)?;
    let path = req_string(m, at, "path")?;
    let size = opt_u64(m, at, "size")?;
    let mode = opt_u64(m, at, "mode")?.unwrap_or(0);
    let last_modified = req_string(m, at, "last_modified")?;
    let entry_type = match opt(m, "type") {
        Some(t) => entry_type(t, &format!("{at}.type"))?,
        None => EntryType::from_mode(mode),
    };
    Ok(DirEntry {
        name: path.rsplit('/').next().unwrap_or("").to_string(),
        size,
        mode,
        last_modified,
        entry_type,
        path,
    })
}

/// The remote entries (a JSON array), read one element at a time.
pub(crate) fn remote_entries(text: &str) -> Res<Vec<DirEntry>> {
    let mut out = Vec::new();
    each_item(text, b'[', |_, raw| {
        let v = parse(raw)?;
        // The element's index is only written out for a problem.
        let e = remote_entry(&v, "").map_err(|_| {
            remote_entry(&v, &format!("[{}]", out.len()))
                .err()
                .unwrap_or_default()
        })?;
        out.push(e);
        Ok(())
    })?;
    Ok(out)
}

/// A boolean with a default: absent is `false`, `null` is an error (as serde's `default`).
fn flag(m: &Obj, key: &str) -> Res<bool> {
    match m.get(key) {
        None => Ok(false),
        Some(Json::Bool(b)) => Ok(*b),
        Some(_) => Err(wrong(key, "a boolean")),
    }
}

fn strings(v: &Json, path: &str) -> Res<Vec<String>> {
    let Json::Arr(items) = v else {
        return Err(wrong(path, "an array of strings"));
    };
    items
        .iter()
        .enumerate()
        .map(|(i, s)| match s {
            Json::Str(s) => Ok(s.clone()),
            _ => Err(wrong(&format!("{path}[{i}]"), "a string")),
        })
        .collect()
}

const OPTION_FIELDS: [&str; 6] = [
    "roots",
    "delete",
    "caseInsensitive",
    "windowsNames",
    "reserved",
    "reservedSuffix",
];

/// `{ roots, delete?, caseInsensitive?, windowsNames?, reserved?, reservedSuffix? }`: the roots
/// and the planner's options (an unknown field is an error).
pub(crate) fn plan_options(text: &str) -> Res<(Vec<String>, PlanOptions)> {
    let v = parse(text)?;
    let m = object(&v, "")?;
    if let Some(k) = m.keys().find(|k| !OPTION_FIELDS.contains(k)) {
        return Err(format!("unknown field `{k}`"));
    }
    let roots = match m.get("roots") {
        Some(r) => strings(r, "roots")?,
        None => return Err("missing field `roots`".into()),
    };
    let reserved = match m.get("reserved") {
        Some(r) => strings(r, "reserved")?,
        None => Vec::new(),
    };
    let options = PlanOptions {
        rules: NameRules {
            case_insensitive: flag(m, "caseInsensitive")?,
            windows: flag(m, "windowsNames")?,
        },
        delete: flag(m, "delete")?,
        reserved,
        reserved_suffix: opt_string(m, "", "reservedSuffix")?,
    };
    Ok((roots, options))
}

/// One manifest file, `{ path, size, mtime, sha256? }` (an unknown field is an error).
pub(crate) fn manifest_file(text: &str) -> Res<ManifestFile> {
    read_file(text, "")
}

#[cfg(test)]
pub(crate) mod tests {
    //! The readers agree with the serde derives they replace on every input here: same value,
    //! or both an error. (serde also reads a struct from an array of its fields, and refuses a
    //! duplicate key; those inputs are left out.)
    use super::*;
    use serde::Deserialize;
    use serde_json::{json, Value};

    #[derive(Deserialize)]
    struct RemoteEntry {
        path: String,
        #[serde(default)]
        size: Option<u64>,
        #[serde(default)]
        mode: Option<u64>,
        last_modified: String,
        #[serde(default, rename = "type")]
        entry_type: Option<SerdeType>,
    }

    /// `EntryType` as serde's derive read it.
    #[derive(Deserialize, Clone, Copy)]
    #[serde(rename_all = "lowercase")]
    enum SerdeType {
        Dir,
        File,
        Symlink,
        Other,
    }

    impl From<SerdeType> for EntryType {
        fn from(t: SerdeType) -> EntryType {
            match t {
                SerdeType::Dir => EntryType::Dir,
                SerdeType::File => EntryType::File,
                SerdeType::Symlink => EntryType::Symlink,
                SerdeType::Other => EntryType::Other,
            }
        }
    }

    /// `ManifestFile` as serde's derive read it.
    #[derive(Deserialize)]
    #[serde(deny_unknown_fields)]
    pub(crate) struct SerdeFile {
        path: String,
        size: u64,
        mtime: String,
        #[serde(default)]
        sha256: Option<String>,
    }

    impl From<SerdeFile> for ManifestFile {
        fn from(f: SerdeFile) -> ManifestFile {
            ManifestFile {
                path: f.path,
                size: f.size,
                mtime: f.mtime,
                sha256: f.sha256,
            }
        }
    }

    #[derive(Deserialize, Debug, PartialEq)]
    #[serde(rename_all = "camelCase", deny_unknown_fields)]
    struct JsPlanOptions {
        roots: Vec<String>,
        #[serde(default)]
        delete: bool,
        #[serde(default)]
        case_insensitive: bool,
        #[serde(default)]
        windows_names: bool,
        #[serde(default)]
        reserved: Vec<String>,
        #[serde(default)]
        reserved_suffix: Option<String>,
    }

    const VALUES: [&str; 17] = [
        "null",
        "1.5",
        "-7",
        "0",
        "7",
        "18446744073709551616",
        "1e3",
        "\"s\"",
        "\"\"",
        "true",
        "false",
        "[]",
        "{}",
        "[\"x\"]",
        "[1]",
        "\"dir\"",
        "\"symlink\"",
    ];

    /// `full` with each field replaced by each of [`VALUES`] or removed, plus non-objects.
    fn variants(full: Value) -> Vec<Value> {
        let mut out = vec![full.clone(), json!({}), json!(null), json!("x"), json!(3)];
        let mut keys: Vec<String> = full.as_object().unwrap().keys().cloned().collect();
        keys.push("unknown".into());
        for key in &keys {
            for v in VALUES {
                let mut m = full.clone();
                m[key] = serde_json::from_str(v).unwrap();
                out.push(m.clone());
                m.as_object_mut().unwrap().remove(key);
                out.push(m);
            }
        }
        out
    }

    fn same<T: PartialEq + std::fmt::Debug>(text: &str, ours: Res<T>, serde: Option<T>) {
        match (ours, serde) {
            (Ok(a), Some(b)) => assert_eq!(a, b, "{text}"),
            (Err(_), None) => {}
            (a, b) => panic!("{text}: ours {a:?}, serde {b:?}"),
        }
    }

    #[test]
    fn remote_entries_agree_with_serde() {
        let full = json!({"path": "/Relevés/a.csv", "size": 12, "mode": 420,
            "last_modified": "2026-07-21T18:26:40Z", "type": "file", "name": "a.csv"});
        let all = variants(full.clone());
        let mut n = 0;
        for v in &all {
            // One entry alone, and between two good ones.
            for text in [json!([v]).to_string(), json!([full, v, full]).to_string()] {
                let serde = serde_json::from_str::<Vec<RemoteEntry>>(&text)
                    .ok()
                    .map(|es| {
                        es.into_iter()
                            .map(|e| {
                                let mode = e.mode.unwrap_or(0);
                                DirEntry {
                                    name: e.path.rsplit('/').next().unwrap_or("").to_string(),
                                    size: e.size,
                                    mode,
                                    last_modified: e.last_modified,
                                    entry_type: e
                                        .entry_type
                                        .map_or(EntryType::from_mode(mode), EntryType::from),
                                    path: e.path,
                                }
                            })
                            .collect::<Vec<_>>()
                    });
                same(&text, remote_entries(&text), serde);
                n += 1;
            }
        }
        assert!(n > 200, "{n}");
        let e = remote_entries(r#"[{"path":"/a","last_modified":"x"},{"path":1}]"#).unwrap_err();
        assert_eq!(e, "invalid type at `[1].path`, expected a string");
        for text in ["[]", " [ ] ", "[", "[1,]", "{}", "[] x", ""] {
            let serde = serde_json::from_str::<Vec<RemoteEntry>>(text)
                .ok()
                .map(|v| v.len());
            same(text, remote_entries(text).map(|v| v.len()), serde);
        }
    }

    #[test]
    fn plan_options_agree_with_serde() {
        let full = json!({"roots": ["/a", "b"], "delete": true, "caseInsensitive": false,
            "windowsNames": true, "reserved": [".m.json"], "reservedSuffix": ".part"});
        for v in variants(full) {
            let text = v.to_string();
            let serde = serde_json::from_str::<JsPlanOptions>(&text).ok();
            let ours = plan_options(&text).map(|(roots, o)| JsPlanOptions {
                roots,
                delete: o.delete,
                case_insensitive: o.rules.case_insensitive,
                windows_names: o.rules.windows,
                reserved: o.reserved,
                reserved_suffix: o.reserved_suffix,
            });
            same(&text, ours, serde);
        }
    }

    #[test]
    fn manifest_files_agree_with_serde() {
        let full = json!({"path": "/a", "size": 3, "mtime": "2025-12-15T08:30:00Z",
            "sha256": "ab"});
        for v in variants(full) {
            let text = v.to_string();
            let serde = serde_json::from_str::<SerdeFile>(&text)
                .ok()
                .map(ManifestFile::from);
            same(&text, manifest_file(&text), serde);
        }
        let e = manifest_file(r#"{"path":"/a","size":1,"mtime":"x","path":"/b"}"#).unwrap_err();
        assert_eq!(e, "duplicate field `path`");
        let e = manifest_file(r#"{"path":"/a","size":-1,"mtime":"secret"}"#).unwrap_err();
        assert_eq!(
            e,
            "invalid value at `size`, expected a non-negative integer"
        );
    }
}
