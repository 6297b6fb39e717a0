//! A writer for Go's `archive/zip` streaming layout, as SFTPGo's `streamzip` emits it.
//! (Owned by the unzip work; see the spec §6.2.)
