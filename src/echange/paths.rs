//! Paths as the client sees them: cleaning for display (`DirEntry.path`), and checks on the
//! lists sent to `streamzip`.
//!
//! The server does its own cleaning (docs/echange.md#paths); the client sends the caller's path unchanged
//! apart from percent-encoding, and only computes the *displayed* full path with the same
//! rules so that `DirEntry.path` matches what the server resolved.

use crate::error::{Error, Result};

/// SFTPGo's `util.CleanPath` without a start directory: `\` → `/`, rooted at `/`, `.`/`..`
/// resolved (never above `/`), repeated and trailing slashes dropped.
pub fn clean(path: &str) -> String {
    let mut parts: Vec<&str> = Vec::new();
    for seg in path.split(['/', '\\']) {
        match seg {
            "" | "." => {}
            ".." => {
                parts.pop();
            }
            s => parts.push(s),
        }
    }
    let mut out = String::with_capacity(path.len() + 1);
    for p in &parts {
        out.push('/');
        out.push_str(p);
    }
    if out.is_empty() {
        out.push('/');
    }
    out
}

/// The full path of `name` inside the cleaned folder `dir`.
pub fn child(dir: &str, name: &str) -> String {
    if dir == "/" {
        format!("/{name}")
    } else {
        format!("{dir}/{name}")
    }
}

/// Rejects a path holding a NUL byte (no backend accepts it, and it truncates C strings).
pub fn check(operation: &str, path: &str) -> Result<()> {
    if path.contains('\0') {
        return Err(Error::invalid_input(format!(
            "{operation}: the path contains a NUL character"
        )));
    }
    Ok(())
}

/// Checks the list given to `downloadZip`: non-empty, no empty item, no duplicates, no item
/// inside another (the server would write duplicate entries, docs/echange.md#paths). `"/"` alone (the whole
/// home) is allowed. Returns the cleaned paths in the caller's order.
pub fn check_zip_list(paths: &[String]) -> Result<Vec<String>> {
    if paths.is_empty() {
        return Err(Error::invalid_input(
            "downloadZip: give at least one path (an empty list makes an empty archive)",
        ));
    }
    let mut cleaned: Vec<String> = Vec::with_capacity(paths.len());
    for p in paths {
        check("downloadZip", p)?;
        if p.trim().is_empty() {
            return Err(Error::invalid_input(
                "downloadZip: an empty path means the whole home folder; pass \"/\" explicitly",
            ));
        }
        cleaned.push(clean(p));
    }
    for (i, a) in cleaned.iter().enumerate() {
        for (j, b) in cleaned.iter().enumerate() {
            if i == j {
                continue;
            }
            let inside = a == b || b == "/" || a.starts_with(&format!("{b}/"));
            if inside {
                return Err(Error::invalid_input(format!(
                    "downloadZip: \"{a}\" is also covered by \"{b}\"; the archive would hold duplicate entries"
                )));
            }
        }
    }
    Ok(cleaned)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cleaning_like_sftpgo() {
        for (raw, want) in [
            ("", "/"),
            ("docs", "/docs"),
            ("/docs/", "/docs"),
            ("a\\b", "/a/b"),
            ("../../etc", "/etc"),
            ("/a/./b//c/..", "/a/b"),
            ("Relevés/Déc 2025", "/Relevés/Déc 2025"),
        ] {
            assert_eq!(clean(raw), want, "{raw}");
        }
        assert_eq!(child("/", "a"), "/a");
        assert_eq!(child("/x", "a b"), "/x/a b");
    }

    #[test]
    fn zip_lists() {
        let v = |xs: &[&str]| xs.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        assert_eq!(check_zip_list(&v(&["a", "/b/"])).unwrap(), v(&["/a", "/b"]));
        assert_eq!(check_zip_list(&v(&["/"])).unwrap(), v(&["/"]));
        assert!(check_zip_list(&v(&[])).is_err());
        assert!(check_zip_list(&v(&[""])).is_err());
        assert!(check_zip_list(&v(&["/a", "/a/b.txt"])).is_err());
        assert!(check_zip_list(&v(&["/a", "a/"])).is_err());
        assert!(check_zip_list(&v(&["/", "/a"])).is_err());
        assert!(check_zip_list(&v(&["/ab", "/a"])).is_ok());
        assert!(check_zip_list(&v(&["a\0"])).is_err());
    }
}
