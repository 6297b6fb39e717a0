//! Which remote names may be written on a destination, and the key two names collide under.

/// What the destination's file system cannot hold, beyond the rules every destination gets.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct NameRules {
    /// Names that differ only by letter case (or by the composition of a Latin accent) are
    /// the same file (Windows, macOS by default).
    pub case_insensitive: bool,
    /// Windows naming rules: no `<>:"|?*`, no trailing dot or space, no reserved device names
    /// (`CON`, `NUL`, `COM1`, …, also with an extension).
    pub windows: bool,
}

/// Longest name (one path segment) in UTF-8 bytes: the limit of ext4, APFS and most others.
pub const MAX_NAME_BYTES: usize = 255;
/// Longest local path in UTF-8 bytes.
pub const MAX_PATH_BYTES: usize = 4096;

const WINDOWS_RESERVED: [&str; 4] = ["CON", "PRN", "AUX", "NUL"];

/// Checks one remote path (`/a/b.txt`) and returns its local relative path (`a/b.txt`), or why
/// it must not be written.
pub fn local_path(remote: &str, rules: NameRules) -> Result<String, String> {
    let Some(rel) = remote.strip_prefix('/') else {
        return Err("the remote path is not absolute".into());
    };
    if rel.is_empty() {
        return Err("the remote path names the root folder".into());
    }
    if rel.len() > MAX_PATH_BYTES {
        return Err(format!("the path is longer than {MAX_PATH_BYTES} bytes"));
    }
    for seg in rel.split('/') {
        check_segment(seg, rules)?;
    }
    Ok(rel.to_string())
}

fn check_segment(seg: &str, rules: NameRules) -> Result<(), String> {
    match seg {
        "" => return Err("the path has an empty segment (`//`, or it is absolute)".into()),
        "." | ".." => return Err(format!("the path has a `{seg}` segment")),
        _ => {}
    }
    if seg.len() > MAX_NAME_BYTES {
        return Err(format!("a name is longer than {MAX_NAME_BYTES} bytes"));
    }
    if seg.contains('\\') {
        return Err("a name contains a backslash".into());
    }
    if let Some(c) = seg.chars().find(|c| c.is_control()) {
        return Err(format!(
            "a name contains the control character U+{:04X}",
            u32::from(c)
        ));
    }
    if rules.windows {
        if let Some(c) = seg.chars().find(|c| "<>:\"|?*".contains(*c)) {
            return Err(format!("a name contains `{c}`, which Windows forbids"));
        }
        if seg.ends_with('.') || seg.ends_with(' ') {
            return Err("a name ends with a dot or a space, which Windows drops".into());
        }
        if is_windows_device(seg) {
            return Err(format!("`{seg}` is a reserved device name on Windows"));
        }
    }
    Ok(())
}

/// `CON`, `nul.txt`, `COM1`, `lpt9.log`, `COM¹`: the stem (before the first dot, trailing
/// spaces ignored) is a device name whatever the case.
fn is_windows_device(seg: &str) -> bool {
    let stem = seg.split('.').next().unwrap_or("").trim_end_matches(' ');
    let upper = stem.to_ascii_uppercase();
    if WINDOWS_RESERVED.contains(&upper.as_str()) {
        return true;
    }
    let mut chars = upper.chars();
    let prefix: String = chars.by_ref().take(3).collect();
    let rest: Vec<char> = chars.collect();
    (prefix == "COM" || prefix == "LPT")
        && rest.len() == 1
        && matches!(rest[0], '0'..='9' | '¹' | '²' | '³')
}

/// The key under which two local paths are the same file: the path itself on a case-sensitive
/// destination; otherwise lower-cased (both sigmas as `σ`), with a Latin letter followed by a
/// combining accent composed (macOS keeps `e` + U+0301 and `é` apart in names but opens one for
/// the other).
pub fn collision_key(local: &str, rules: NameRules) -> String {
    if !rules.case_insensitive {
        return local.to_string();
    }
    let lowered = lower_case(local);
    let mut out = String::with_capacity(lowered.len());
    for c in lowered.chars() {
        // Lower case keeps the final sigma apart; case-insensitive file systems fold it to σ.
        let c = if c == 'ς' { 'σ' } else { c };
        if let Some(prev) = out.chars().last() {
            if let Some(composed) = compose(prev, c) {
                out.pop();
                out.push(composed);
                continue;
            }
        }
        out.push(c);
    }
    out
}

/// Unicode lower case, as `String.prototype.toLowerCase` gives it.
/// In the WebAssembly module a non-ASCII name is lower-cased by the JavaScript host: its tables
/// come with the engine, where Rust's would add about 10 KB (gzip) to the module.
fn lower_case(s: &str) -> String {
    if s.is_ascii() {
        return s.to_ascii_lowercase();
    }
    #[cfg(target_arch = "wasm32")]
    {
        String::from(js_sys::JsString::from(s).to_lower_case())
    }
    #[cfg(not(target_arch = "wasm32"))]
    {
        s.to_lowercase()
    }
}

/// Lower-case Latin-1 letters as base + combining mark.
const COMPOSITIONS: [(char, char, char); 27] = [
    ('a', '\u{300}', 'à'),
    ('a', '\u{301}', 'á'),
    ('a', '\u{302}', 'â'),
    ('a', '\u{303}', 'ã'),
    ('a', '\u{308}', 'ä'),
    ('a', '\u{30A}', 'å'),
    ('c', '\u{327}', 'ç'),
    ('e', '\u{300}', 'è'),
    ('e', '\u{301}', 'é'),
    ('e', '\u{302}', 'ê'),
    ('e', '\u{308}', 'ë'),
    ('i', '\u{300}', 'ì'),
    ('i', '\u{301}', 'í'),
    ('i', '\u{302}', 'î'),
    ('i', '\u{308}', 'ï'),
    ('n', '\u{303}', 'ñ'),
    ('o', '\u{300}', 'ò'),
    ('o', '\u{301}', 'ó'),
    ('o', '\u{302}', 'ô'),
    ('o', '\u{303}', 'õ'),
    ('o', '\u{308}', 'ö'),
    ('u', '\u{300}', 'ù'),
    ('u', '\u{301}', 'ú'),
    ('u', '\u{302}', 'û'),
    ('u', '\u{308}', 'ü'),
    ('y', '\u{301}', 'ý'),
    ('y', '\u{308}', 'ÿ'),
];

fn compose(base: char, mark: char) -> Option<char> {
    COMPOSITIONS
        .iter()
        .find(|(b, m, _)| *b == base && *m == mark)
        .map(|(_, _, c)| *c)
}

#[cfg(test)]
mod tests {
    use super::*;

    const POSIX: NameRules = NameRules {
        case_insensitive: false,
        windows: false,
    };
    const WIN: NameRules = NameRules {
        case_insensitive: true,
        windows: true,
    };

    #[test]
    fn safe_paths_map_to_relative_ones() {
        assert_eq!(
            local_path("/Relevés/Déc 2025/R&D <notes>.txt", POSIX).unwrap(),
            "Relevés/Déc 2025/R&D <notes>.txt"
        );
        assert_eq!(local_path("/a..b/.hidden", WIN).unwrap(), "a..b/.hidden");
    }

    #[test]
    fn unsafe_everywhere() {
        for p in [
            "relative",
            "/",
            "//etc/passwd",
            "/a/../b",
            "/a/./b",
            "/..",
            "/a/",
            "/a\\b",
            "/C:\\x",
            "/a\u{0}b",
            "/a\nb",
            "/a\u{7f}",
            "/a\u{85}",
        ] {
            assert!(local_path(p, POSIX).is_err(), "{p:?}");
        }
        let long = format!("/{}", "x".repeat(256));
        assert!(local_path(&long, POSIX).is_err());
        assert!(local_path(&format!("/{}", "x".repeat(255)), POSIX).is_ok());
        let deep = "/abc".repeat(1100);
        assert!(local_path(&deep, POSIX).is_err());
    }

    #[test]
    fn windows_rules_only_when_asked() {
        for p in [
            "/R&D <notes>.txt",
            "/quoi?oui",
            "/a:b",
            "/a\"b",
            "/a|b",
            "/a*",
            "/fin.",
            "/fin ",
            "/CON",
            "/con.txt",
            "/Nul .log",
            "/COM1",
            "/lpt9.x",
            "/COM¹",
            "/dir/aux/x",
        ] {
            assert!(local_path(p, WIN).is_err(), "{p:?}");
            assert!(local_path(p, POSIX).is_ok(), "{p:?}");
        }
        for p in ["/CONSOLE", "/COM10", "/LPT", "/xcon", "/com0x"] {
            assert!(local_path(p, WIN).is_ok(), "{p:?}");
        }
    }

    #[test]
    fn collision_keys() {
        assert_eq!(collision_key("A/B.txt", POSIX), "A/B.txt");
        assert_eq!(collision_key("A/B.txt", WIN), "a/b.txt");
        assert_eq!(
            collision_key("De\u{301}c/E\u{301}TÉ", WIN),
            collision_key("déc/été", WIN)
        );
        assert_ne!(collision_key("resume", WIN), collision_key("résumé", WIN));
        // Both sigmas are one letter (`ΟΔΟΣ` lowers to a final `ς` or to `σ` by context).
        assert_eq!(collision_key("ΟΔΟΣ.txt", WIN), "οδοσ.txt");
        assert_eq!(collision_key("οδος.txt", WIN), "οδοσ.txt");
        assert_eq!(collision_key("ΟΔΟΣ", WIN), "οδοσ");
        assert_eq!(collision_key("Zoë", WIN), "zoë");
    }
}
