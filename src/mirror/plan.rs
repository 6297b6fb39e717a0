//! The planner: remote tree + destination manifest → what to fetch, keep, delete and skip.

use super::manifest::Manifest;
use super::names::{collision_key, local_path, NameRules};
use crate::echange::model::{DirEntry, EntryType};
use crate::json::{ObjWriter, ToJson};
use crate::{Error, Result};

/// How to plan.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PlanOptions {
    /// What the destination's names must respect.
    pub rules: NameRules,
    /// Plan the deletion of files the manifest lists under the requested folders that are gone
    /// remotely.
    pub delete: bool,
    /// Local paths the destination keeps for itself (its manifest file, e.g.
    /// `.passerelle-mirror.json`); a remote file there, or under it, is skipped.
    pub reserved: Vec<String>,
    /// A name ending the destination uses for files being written (e.g. `.passerelle-part`);
    /// remote names ending with it are skipped.
    pub reserved_suffix: Option<String>,
}

/// Why a file is fetched.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FetchReason {
    /// The manifest does not list it.
    New,
    /// Its size or modification time differs from the manifest's.
    Changed,
}

/// A file to download.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FetchItem {
    /// Remote path.
    pub path: String,
    /// Destination path, relative, `/`-separated.
    pub local: String,
    /// Remote size in bytes.
    pub size: u64,
    /// Remote `last_modified`, as on the wire.
    pub mtime: String,
    /// New or changed.
    pub reason: FetchReason,
}

/// A destination file to remove.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DeleteItem {
    /// Remote path it was copied from.
    pub path: String,
    /// Destination path, relative, `/`-separated.
    pub local: String,
}

/// A remote entry that is not mirrored, and why.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Skipped {
    /// Remote path.
    pub path: String,
    /// A short English sentence.
    pub reason: String,
}

/// The plan. Every list is sorted by remote path (byte order); the same inputs always give
/// the same plan.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Plan {
    /// Files to download.
    pub fetch: Vec<FetchItem>,
    /// Remote paths of files the destination already holds as they are.
    pub unchanged: Vec<String>,
    /// Files to remove (only with [`PlanOptions::delete`]).
    pub delete: Vec<DeleteItem>,
    /// Manifest paths to drop without touching a file: gone remotely, but their local name is
    /// now another remote file's on a case-insensitive destination (deleting it would delete
    /// that file).
    pub forget: Vec<String>,
    /// Remote entries not mirrored.
    pub skipped: Vec<Skipped>,
    /// Sum of the sizes in `fetch`.
    pub bytes_to_fetch: u64,
}

/// `"new"` or `"changed"`.
impl ToJson for FetchReason {
    fn write_json(&self, out: &mut String) {
        match self {
            FetchReason::New => "new",
            FetchReason::Changed => "changed",
        }
        .write_json(out);
    }
}

/// `{"path", "local", "size", "mtime", "reason"}`.
impl ToJson for FetchItem {
    fn write_json(&self, out: &mut String) {
        ObjWriter::new(out)
            .field("path", &self.path)
            .field("local", &self.local)
            .field("size", &self.size)
            .field("mtime", &self.mtime)
            .field("reason", &self.reason)
            .end();
    }
}

/// `{"path", "local"}`.
impl ToJson for DeleteItem {
    fn write_json(&self, out: &mut String) {
        ObjWriter::new(out)
            .field("path", &self.path)
            .field("local", &self.local)
            .end();
    }
}

/// `{"path", "reason"}`.
impl ToJson for Skipped {
    fn write_json(&self, out: &mut String) {
        ObjWriter::new(out)
            .field("path", &self.path)
            .field("reason", &self.reason)
            .end();
    }
}

/// `{"fetch", "unchanged", "delete", "forget", "skipped", "bytesToFetch"}`.
impl ToJson for Plan {
    fn write_json(&self, out: &mut String) {
        ObjWriter::new(out)
            .field("fetch", &self.fetch)
            .field("unchanged", &self.unchanged)
            .field("delete", &self.delete)
            .field("forget", &self.forget)
            .field("skipped", &self.skipped)
            .field("bytesToFetch", &self.bytes_to_fetch)
            .end();
    }
}

/// `"/Relevés/"`, `"Relevés"` → `"/Relevés"`; `""`, `"/"` → `"/"`. `.` and `..` segments are
/// refused (the server would resolve them; the plan must not guess).
pub fn normalize_root(root: &str) -> Result<String> {
    let segs: Vec<&str> = root.split('/').filter(|s| !s.is_empty()).collect();
    if segs.iter().any(|s| *s == "." || *s == "..") {
        return Err(Error::invalid_input(format!(
            "mirror: the remote folder {root:?} has a `.` or `..` segment"
        )));
    }
    Ok(format!("/{}", segs.join("/")))
}

fn under(path: &str, root: &str) -> bool {
    root == "/"
        || path
            .strip_prefix(root)
            .is_some_and(|rest| rest.is_empty() || rest.starts_with('/'))
}

fn same_mtime(a: &str, b: &str) -> bool {
    match (crate::time::parse_rfc3339(a), crate::time::parse_rfc3339(b)) {
        (Some(x), Some(y)) => x == y,
        _ => a == b,
    }
}

/// Who holds a collision key: a remote path, or a name the destination keeps for itself.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Holder {
    Remote(String),
    Reserved(String),
}

/// Every prefix of a `/`-separated relative path, shortest first (`a`, `a/b`, `a/b/c`).
fn prefixes(local: &str) -> impl Iterator<Item = &str> {
    local
        .match_indices('/')
        .map(move |(i, _)| &local[..i])
        .chain(std::iter::once(local))
}

/// Strings with their position in some list, sorted by string then position. The planner sorts
/// only this one type (and looks things up in it by binary search), which keeps the module small:
/// ordered maps and sorts are compiled once per element type.
type Index<'a> = Vec<(&'a str, usize)>;

pub(super) fn index<'a>(items: impl Iterator<Item = &'a str>) -> Index<'a> {
    let mut v: Index<'a> = items.enumerate().map(|(i, s)| (s, i)).collect();
    v.sort_unstable();
    v
}

/// The positions listed under `key` in `index`, in increasing order.
fn positions<'i>(index: &'i Index<'_>, key: &str) -> &'i [(&'i str, usize)] {
    let lo = index.partition_point(|(s, _)| *s < key);
    let len = index[lo..].partition_point(|(s, _)| *s == key);
    &index[lo..lo + len]
}

/// Plans a mirror of the folders `roots` (as given to `walk`) from the entries `walk` returned
/// for them, given what the destination holds.
pub fn plan(
    roots: &[String],
    remote: &[DirEntry],
    manifest: &Manifest,
    options: &PlanOptions,
) -> Result<Plan> {
    let roots = roots
        .iter()
        .map(|r| normalize_root(r))
        .collect::<Result<Vec<_>>>()?;
    if roots.is_empty() {
        return Err(Error::invalid_input(
            "mirror: name at least one remote folder",
        ));
    }
    let rules = options.rules;
    let mut plan = Plan::default();
    // (path, reason); a later reason for the same path replaces an earlier one.
    let mut skipped: Vec<(String, String)> = Vec::new();

    // Sort by path and dedupe (overlapping roots list an entry twice; the first one counts).
    let mut entries = index(remote.iter().map(|e| e.path.as_str()));
    entries.dedup_by(|later, first| later.0 == first.0);

    // Safe files and folders with their local paths; everything else is skipped. `files` and
    // `remote_files` are in path order, as `entries` is.
    let mut files: Vec<(&str, String, &DirEntry)> = Vec::new();
    let mut remote_files: Vec<&str> = Vec::new();
    // (collision key, who holds it)
    let mut holders: Vec<(String, Holder)> = Vec::new();
    for &(path, i) in &entries {
        let e = &remote[i];
        if !roots.iter().any(|r| under(path, r)) {
            skipped.push((path.into(), "outside the requested folders".into()));
            continue;
        }
        match e.entry_type {
            EntryType::File => remote_files.push(path),
            EntryType::Dir => {}
            EntryType::Symlink => {
                skipped.push((path.into(), "a symbolic link (not followed)".into()));
                continue;
            }
            EntryType::Other => {
                skipped.push((path.into(), "not a regular file".into()));
                continue;
            }
        }
        let local = match local_path(path, rules) {
            Ok(l) => l,
            Err(reason) => {
                if e.entry_type == EntryType::File {
                    skipped.push((path.into(), format!("unsafe name: {reason}")));
                }
                continue;
            }
        };
        holders.push((collision_key(&local, rules), Holder::Remote(path.into())));
        if e.entry_type == EntryType::File {
            if e.size.is_none() {
                skipped.push((path.into(), "the listing gives no size".into()));
                continue;
            }
            files.push((path, local, e));
        }
    }
    for r in &options.reserved {
        holders.push((collision_key(r, rules), Holder::Reserved(r.clone())));
    }
    let holder_index = index(holders.iter().map(|(k, _)| k.as_str()));
    let suffix = options
        .reserved_suffix
        .as_deref()
        .filter(|s| !s.is_empty())
        .map(|s| collision_key(s, rules));

    // Names that collide (with each other, or with what the destination reserves) are skipped;
    // a folder that collides makes its whole subtree collide.
    let mut kept_keys: Vec<String> = Vec::new();
    for (path, local, e) in &files {
        let path = *path;
        let key = collision_key(local, rules);
        if suffix.as_deref().is_some_and(|s| key.ends_with(s)) {
            skipped.push((
                path.into(),
                "unsafe name: reserved by the mirror for partial files".into(),
            ));
            continue;
        }
        let clash = prefixes(local).find_map(|p| {
            let held = positions(&holder_index, &collision_key(p, rules));
            let other = |h: &&Holder| matches!(h, Holder::Remote(o) if !under(path, o));
            // Latest first: the reserved names (pushed after every remote path), then the
            // remote paths from the last in path order.
            let holders_of = || held.iter().rev().map(|&(_, i)| &holders[i].1);
            // A reserved name is the reason to give, before another remote path.
            holders_of()
                .find(|h| matches!(h, Holder::Reserved(_)))
                .or_else(|| holders_of().find(other))
        });
        match clash {
            Some(Holder::Reserved(name)) => {
                skipped.push((
                    path.into(),
                    format!("unsafe name: {name:?} is reserved by the mirror"),
                ));
                continue;
            }
            Some(Holder::Remote(other)) => {
                skipped.push((
                    path.into(),
                    format!(
                        "unsafe name: the destination cannot tell it from {other:?} (letter case)"
                    ),
                ));
                continue;
            }
            None => {}
        }
        kept_keys.push(key);
        let size = e.size.unwrap_or(0);
        match manifest.get(path) {
            Some(m) if m.size == size && same_mtime(&m.mtime, &e.last_modified) => {
                plan.unchanged.push(path.into());
            }
            known => {
                plan.bytes_to_fetch = plan.bytes_to_fetch.saturating_add(size);
                plan.fetch.push(FetchItem {
                    path: path.into(),
                    local: local.clone(),
                    size,
                    mtime: e.last_modified.clone(),
                    reason: if known.is_some() {
                        FetchReason::Changed
                    } else {
                        FetchReason::New
                    },
                });
            }
        }
    }
    let kept_index = index(kept_keys.iter().map(String::as_str));

    if options.delete {
        for m in manifest.files() {
            let path = m.path.as_str();
            if remote_files.binary_search(&path).is_ok() || !roots.iter().any(|r| under(path, r)) {
                continue;
            }
            match local_path(path, rules) {
                Ok(local) if !positions(&kept_index, &collision_key(&local, rules)).is_empty() => {
                    plan.forget.push(path.into());
                }
                Ok(local) => plan.delete.push(DeleteItem {
                    path: path.into(),
                    local,
                }),
                Err(reason) => {
                    skipped.push((
                        path.into(),
                        format!("not deleted: the manifest lists an unsafe name ({reason})"),
                    ));
                }
            }
        }
    }

    // In path order, the last reason given for each path.
    let order = index(skipped.iter().map(|(p, _)| p.as_str()));
    let last: Vec<usize> = order
        .iter()
        .enumerate()
        .filter(|&(n, (p, _))| order.get(n + 1).is_none_or(|(next, _)| next != p))
        .map(|(_, &(_, i))| i)
        .collect();
    plan.skipped = last
        .into_iter()
        .map(|i| {
            let (path, reason) = std::mem::take(&mut skipped[i]);
            Skipped { path, reason }
        })
        .collect();
    Ok(plan)
}
