//! Mirror planning: which remote files a destination must fetch, keep or delete (no I/O).
//!
//! A mirror run lists the remote folders (`walk`), reads the destination's [`Manifest`] (what
//! it wrote before, with the remote size and modification time each copy was made from), and
//! asks [`plan`] what to do:
//!
//! * a file is fetched when the manifest does not list it, or lists another size or time;
//! * files the manifest lists under the requested folders that are gone remotely are deleted
//!   only when asked ([`PlanOptions::delete`]) — files the mirror did not write are never
//!   touched;
//! * a remote name that is unsafe on the destination (absolute, `..`, backslash, control
//!   character, too long, Windows-forbidden where asked, or indistinguishable from another by
//!   letter case on a case-insensitive destination) is reported in [`Plan::skipped`] and never
//!   planned for writing;
//! * remote paths map to destination paths by dropping the leading `/`
//!   (`/Relevés/a.csv` → `Relevés/a.csv`).
//!
//! ```
//! use passerelle::echange::model::{DirEntry, EntryType};
//! use passerelle::mirror::{plan, Manifest, PlanOptions};
//!
//! let file = |path: &str, size| DirEntry {
//!     name: path.rsplit('/').next().unwrap().into(), size: Some(size), mode: 420,
//!     last_modified: "2025-12-15T08:30:00Z".into(), entry_type: EntryType::File, path: path.into(),
//! };
//! let remote = [file("/Relevés/a.csv", 10), file("/Relevés/../x", 1)];
//! let p = plan(&["/Relevés".into()], &remote, &Manifest::new(), &PlanOptions::default()).unwrap();
//! assert_eq!(p.fetch[0].local, "Relevés/a.csv");
//! assert_eq!(p.skipped[0].path, "/Relevés/../x");
//! ```

// Read by the JavaScript binding (and the tests) only.
#[cfg_attr(not(any(test, target_arch = "wasm32")), allow(dead_code))]
pub(crate) mod input;
mod manifest;
mod names;
mod plan;
#[cfg(test)]
mod tests;

pub use manifest::{
    Manifest, ManifestFile, FORMAT, MAX_FILES, MAX_MANIFEST_BYTES, MAX_MANIFEST_PATH_BYTES,
    MAX_MTIME_BYTES, VERSION,
};
pub use names::{collision_key, local_path, NameRules, MAX_NAME_BYTES, MAX_PATH_BYTES};
pub use plan::{
    normalize_root, plan, DeleteItem, FetchItem, FetchReason, Plan, PlanOptions, Skipped,
};
