//! Entry names: decoding (UTF-8 or CP437) and the safety check.

use crate::{Error, ErrorCode, Result};

/// CP437 characters for the bytes `0x80..=0xFF`.
const CP437_HIGH: &str = concat!(
    "ÇüéâäàåçêëèïîìÄÅ",
    "ÉæÆôöòûùÿÖÜ¢£¥₧ƒ",
    "áíóúñÑªº¿⌐¬½¼¡«»",
    "░▒▓│┤╡╢╖╕╣║╗╝╜╛┐",
    "└┴┬├─┼╞╟╚╔╩╦╠═╬╧",
    "╨╤╥╙╘╒╓╫╪┘┌█▄▌▐▀",
    "αßΓπΣσµτΦΘΩδ∞φε∩",
    "≡±≥≤⌠⌡÷≈°∙·√ⁿ²■\u{a0}",
);

/// Decodes a raw name: UTF-8 when the entry's UTF-8 flag (`0x0800`) is set, CP437 otherwise
/// (bytes below `0x80` are ASCII in both).
pub(super) fn decode(raw: &[u8], utf8_flag: bool) -> Result<String> {
    if utf8_flag {
        return String::from_utf8(raw.to_vec()).map_err(|_| {
            Error::invalid_response(format!(
                "unzip: an entry name is not valid UTF-8 although its UTF-8 flag is set \
                 (raw bytes {})",
                hex(raw)
            ))
        });
    }
    if raw.is_ascii() {
        // ASCII reads the same in both: no per-character decoding.
        return Ok(String::from_utf8_lossy(raw).into_owned());
    }
    Ok(raw.iter().map(|&b| cp437(b)).collect())
}

fn cp437(b: u8) -> char {
    if b < 0x80 {
        char::from(b)
    } else {
        CP437_HIGH
            .chars()
            .nth(usize::from(b - 0x80))
            .unwrap_or(char::REPLACEMENT_CHARACTER)
    }
}

fn hex(raw: &[u8]) -> String {
    let shown: String = raw.iter().take(64).map(|b| format!("{b:02x}")).collect();
    if raw.len() > 64 {
        format!("{shown}…")
    } else {
        shown
    }
}

/// What a (safe) name stands for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum NameKind {
    /// An ordinary entry.
    Normal,
    /// The directory entry named exactly `/` that SFTPGo writes first when the whole home is
    /// requested (docs/echange.md#zip-layout); skipped silently.
    RootMarker,
}

/// Checks that `name` stays inside the extraction folder.
pub(super) fn check(name: &str) -> Result<NameKind> {
    if name == "/" {
        return Ok(NameKind::RootMarker);
    }
    let reason = if name.is_empty() {
        Some("it is empty")
    } else if name.contains('\0') {
        Some("it contains a NUL character")
    } else if name.contains('\\') {
        Some("it contains a backslash")
    } else if name.starts_with('/') {
        Some("it is an absolute path")
    } else if has_drive_letter(name) {
        Some("it starts with a drive letter")
    } else if name.contains("..") && name.split('/').any(|seg| seg == "..") {
        Some("it contains a \"..\" segment")
    } else {
        None
    };
    match reason {
        None => Ok(NameKind::Normal),
        Some(why) => Err(Error::new(
            ErrorCode::UnsafePath,
            format!(
                "unzip: refused the entry {name:?} because {why}; it could write outside the \
                 extraction folder."
            ),
        )),
    }
}

fn has_drive_letter(name: &str) -> bool {
    let mut chars = name.chars();
    matches!(
        (chars.next(), chars.next()),
        (Some(letter), Some(':')) if letter.is_ascii_alphabetic()
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cp437_table_is_complete_and_decodes() {
        assert_eq!(CP437_HIGH.chars().count(), 128);
        assert_eq!(decode(b"caf\x82.txt", false).unwrap(), "café.txt");
        assert_eq!(decode(&[0x80, 0xe1, 0xff], false).unwrap(), "Çß\u{a0}");
        assert_eq!(
            decode(b"plain/ascii.txt", false).unwrap(),
            "plain/ascii.txt"
        );
    }

    #[test]
    fn utf8_flag_means_utf8() {
        assert_eq!(decode("été/ü.txt".as_bytes(), true).unwrap(), "été/ü.txt");
        let err = decode(&[b'a', 0xff, 0xfe], true).unwrap_err();
        assert_eq!(err.code(), ErrorCode::InvalidResponse);
        assert!(err.message().starts_with("unzip: "));
        assert!(err.message().contains("61fffe"));
    }

    #[test]
    fn unsafe_names_are_refused() {
        for bad in [
            "",
            "/etc/passwd",
            "../up.txt",
            "a/../../up.txt",
            "a/..",
            "..",
            "dir\\file",
            "C:/windows",
            "c:evil",
            "nul\0byte",
        ] {
            let err = check(bad).unwrap_err();
            assert_eq!(err.code(), ErrorCode::UnsafePath, "{bad:?}");
            assert!(err.message().starts_with("unzip: "), "{}", err.message());
        }
    }

    #[test]
    fn ordinary_names_pass_and_root_marker_is_recognised() {
        for ok in [
            "a.txt",
            "reports/2026/jan.csv",
            "dir/",
            "..hidden",
            "a/..b/c",
            "notes:2026.txt",
            "1:x",
            "été/",
        ] {
            assert_eq!(check(ok).unwrap(), NameKind::Normal, "{ok:?}");
        }
        assert_eq!(check("/").unwrap(), NameKind::RootMarker);
        assert_eq!(check("//").unwrap_err().code(), ErrorCode::UnsafePath);
    }
}
