//! Échange data types, with the wire field names of SFTPGo.

use std::fmt;

use crate::json::{ObjWriter, ToJson};

/// A user API token (`GET /api/v2/user/token`).
#[derive(Clone, PartialEq, Eq)]
pub struct Token {
    /// Compact HS256 JWT; treat as opaque and secret.
    pub access_token: String,
    /// Expiry, RFC 3339 UTC as sent by the server (e.g. `2026-07-21T18:26:40Z`).
    pub expires_at: String,
}

/// `{"access_token", "expires_at"}`.
impl ToJson for Token {
    fn write_json(&self, out: &mut String) {
        ObjWriter::new(out)
            .field("access_token", &self.access_token)
            .field("expires_at", &self.expires_at)
            .end();
    }
}

impl fmt::Debug for Token {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Token")
            .field("access_token", &"<redacted>")
            .field("expires_at", &self.expires_at)
            .finish()
    }
}

/// What a directory entry is, decoded from Go `io/fs.FileMode` bits.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum EntryType {
    /// A directory (`1<<31`).
    Dir,
    /// A regular file (no type bit set).
    File,
    /// A symbolic link (`1<<27`).
    Symlink,
    /// A named pipe, socket, device or other irregular file.
    Other,
}

/// Go `fs.ModeDir`.
pub const MODE_DIR: u64 = 1 << 31;
/// Go `fs.ModeSymlink`.
pub const MODE_SYMLINK: u64 = 1 << 27;
/// Go `fs.ModeType`: dir | symlink | named pipe | socket | device | char device | irregular.
pub const MODE_TYPE: u64 =
    MODE_DIR | MODE_SYMLINK | (1 << 25) | (1 << 24) | (1 << 26) | (1 << 21) | (1 << 19);

impl EntryType {
    /// The JSON name: `dir`, `file`, `symlink` or `other`.
    pub fn as_str(self) -> &'static str {
        match self {
            EntryType::Dir => "dir",
            EntryType::File => "file",
            EntryType::Symlink => "symlink",
            EntryType::Other => "other",
        }
    }

    /// Decodes the type bits of a Go `FileMode`.
    pub fn from_mode(mode: u64) -> EntryType {
        if mode & MODE_DIR != 0 {
            EntryType::Dir
        } else if mode & MODE_SYMLINK != 0 {
            EntryType::Symlink
        } else if mode & MODE_TYPE != 0 {
            EntryType::Other
        } else {
            EntryType::File
        }
    }
}

/// Its [`EntryType::as_str`], as a JSON string.
impl ToJson for EntryType {
    fn write_json(&self, out: &mut String) {
        self.as_str().write_json(out);
    }
}

/// One item of `GET /api/v2/user/dirs`, as on the wire.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WireDirEntry {
    /// Base name.
    pub name: String,
    /// Size in bytes, present only for regular files.
    pub size: Option<u64>,
    /// Go `FileMode` bits.
    pub mode: u64,
    /// RFC 3339 UTC.
    pub last_modified: String,
}

/// A directory entry as the client returns it: the wire fields plus `type` and full `path`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DirEntry {
    /// Base name, as on the wire.
    pub name: String,
    /// Size in bytes, for regular files.
    pub size: Option<u64>,
    /// Go `FileMode` bits, as on the wire.
    pub mode: u64,
    /// RFC 3339 UTC, as on the wire.
    pub last_modified: String,
    /// Decoded from `mode`.
    pub entry_type: EntryType,
    /// Full path of the entry (`/` + folder + `/` + name).
    pub path: String,
}

/// `{"name", "size" (when known), "mode", "last_modified", "type", "path"}`.
impl ToJson for DirEntry {
    fn write_json(&self, out: &mut String) {
        ObjWriter::new(out)
            .field("name", &self.name)
            .some("size", &self.size)
            .field("mode", &self.mode)
            .field("last_modified", &self.last_modified)
            .field("type", &self.entry_type)
            .field("path", &self.path)
            .end();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn modes_from_the_spec() {
        assert_eq!(EntryType::from_mode(2147484141), EntryType::Dir);
        assert_eq!(EntryType::from_mode(420), EntryType::File);
        assert_eq!(EntryType::from_mode(134218239), EntryType::Symlink);
        assert_eq!(EntryType::from_mode(1 << 25 | 0o644), EntryType::Other);
        assert_eq!(EntryType::from_mode(1 << 23 | 0o755), EntryType::File); // setuid file
        assert_eq!(MODE_TYPE & 2401763328, 2401763328);
    }

    #[test]
    fn token_debug_is_redacted() {
        let t = Token {
            access_token: "eyJ.secret.sig".into(),
            expires_at: "2026-01-01T00:00:00Z".into(),
        };
        assert!(!format!("{t:?}").contains("secret"));
    }
}
