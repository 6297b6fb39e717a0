//! The pure part of `walk`: which folders remain to be listed, depth limits, and the stable
//! order of the result. The client drives it with bounded concurrency.

use std::collections::VecDeque;

use super::listing::{EntryRef, EntrySink};
use super::model::{DirEntry, EntryType};
use crate::error::{Error, ErrorCode, Result};

/// Default number of listings in flight.
pub const DEFAULT_CONCURRENCY: usize = 8;

/// Default of [`WalkLimits::max_entries`]: 100,000 entries.
pub const DEFAULT_MAX_ENTRIES: u64 = 100_000;

/// Default of [`WalkLimits::max_folder_depth`]: 64 levels of folders.
pub const DEFAULT_MAX_FOLDER_DEPTH: u32 = 64;

/// Bounds of a walk.
///
/// * `max_depth` is the caller's *requested* depth (`find -maxdepth`): entries deeper than it
///   are not listed, silently.
/// * `max_folder_depth` and `max_entries` are a *budget* against a server whose tree never
///   ends: going past either fails with [`ErrorCode::LimitExceeded`] instead of growing
///   without end.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WalkLimits {
    /// Depth of the deepest entries returned (`Some(1)` = only the root's children); `None` =
    /// no requested depth (the budget still applies).
    pub max_depth: Option<u32>,
    /// Deepest folder level the walk may need to list (children at depth `n` are in a folder at
    /// level `n - 1`); a sub-folder deeper than this, not cut off by `max_depth`, fails the walk.
    pub max_folder_depth: u32,
    /// Most entries the walk may collect; one more fails it.
    pub max_entries: u64,
}

impl Default for WalkLimits {
    fn default() -> WalkLimits {
        WalkLimits {
            max_depth: None,
            max_folder_depth: DEFAULT_MAX_FOLDER_DEPTH,
            max_entries: DEFAULT_MAX_ENTRIES,
        }
    }
}

impl WalkLimits {
    /// No budget at all (what [`WalkPlan::new`] uses), with a requested depth.
    pub fn unbounded(max_depth: Option<u32>) -> WalkLimits {
        WalkLimits {
            max_depth,
            max_folder_depth: u32::MAX,
            max_entries: u64::MAX,
        }
    }
}

/// An [`EntrySink`] in front of another that notes what a walk needs of a listing: how many
/// entries it held and the paths of its sub-folders (symbolic links are not folders).
pub struct FolderTap<S> {
    /// Where the entries go.
    pub inner: S,
    /// Sub-folders, in listing order.
    pub folders: Vec<String>,
    /// Entries seen.
    pub count: u64,
}

impl<S> FolderTap<S> {
    /// A tap in front of `inner`.
    pub fn new(inner: S) -> Self {
        FolderTap {
            inner,
            folders: Vec::new(),
            count: 0,
        }
    }
}

impl<S: EntrySink> EntrySink for FolderTap<S> {
    fn reset(&mut self) {
        self.inner.reset();
        self.folders.clear();
        self.count = 0;
    }

    fn entry(&mut self, entry: &EntryRef<'_>) -> Result<()> {
        self.count += 1;
        if entry.entry_type == EntryType::Dir {
            self.folders.push(entry.path());
        }
        self.inner.entry(entry)
    }
}

/// Breadth-first plan of a recursive listing.
#[derive(Debug)]
pub struct WalkPlan {
    pending: VecDeque<(String, u32)>,
    limits: WalkLimits,
    found: Vec<DirEntry>,
    count: u64,
}

impl WalkPlan {
    /// Starts at `root` (listed at depth 1: its children are depth 1). `max_depth` limits the
    /// depth of returned entries (`Some(1)` = only the root's children). No budget: prefer
    /// [`with_limits`](Self::with_limits).
    pub fn new(root: &str, max_depth: Option<u32>) -> WalkPlan {
        WalkPlan::with_limits(root, WalkLimits::unbounded(max_depth))
    }

    /// Starts at `root` with a requested depth and a budget; [`add`](Self::add) fails with
    /// [`ErrorCode::LimitExceeded`] when the budget is exceeded.
    pub fn with_limits(root: &str, limits: WalkLimits) -> WalkPlan {
        let mut pending = VecDeque::new();
        if limits.max_depth != Some(0) {
            pending.push_back((root.to_string(), 1));
        }
        WalkPlan {
            pending,
            limits,
            found: Vec::new(),
            count: 0,
        }
    }

    /// How many entries were found so far.
    pub fn found_count(&self) -> u64 {
        self.count
    }

    /// The limits in force.
    pub fn limits(&self) -> WalkLimits {
        self.limits
    }

    /// The next folder to list and the depth of its children.
    pub fn next_folder(&mut self) -> Option<(String, u32)> {
        self.pending.pop_front()
    }

    /// Records the listing of a folder whose children are at `depth`. Sub-folders are queued
    /// (symlinks are never followed). Fails with [`ErrorCode::LimitExceeded`] when the entries
    /// found exceed `max_entries`, or a sub-folder to list lies deeper than `max_folder_depth`;
    /// the plan then has nothing pending.
    pub fn add(&mut self, depth: u32, entries: Vec<DirEntry>) -> Result<()> {
        let folders = entries
            .iter()
            .filter(|e| e.entry_type == EntryType::Dir)
            .map(|e| e.path.clone())
            .collect();
        self.add_folders(depth, entries.len() as u64, folders)?;
        self.found.extend(entries);
        Ok(())
    }

    /// Records a listing of a folder whose children are at `depth`, from what a [`FolderTap`]
    /// saw of it (its entry count and its sub-folders, in listing order) while its entries
    /// went elsewhere. Same checks as [`add`](Self::add).
    pub fn add_folders(&mut self, depth: u32, count: u64, folders: Vec<String>) -> Result<()> {
        let l = self.limits;
        if self.count.saturating_add(count) > l.max_entries {
            self.pending.clear();
            return Err(Error::new(
                ErrorCode::LimitExceeded,
                format!(
                    "walk() stopped: the tree holds more than {} entries (maxEntries); walk a \
                     smaller folder, set maxDepth, or raise maxEntries",
                    l.max_entries
                ),
            ));
        }
        if l.max_depth.is_none_or(|m| depth < m) {
            for folder in folders {
                if depth >= l.max_folder_depth {
                    self.pending.clear();
                    return Err(Error::new(
                        ErrorCode::LimitExceeded,
                        format!(
                            "walk() stopped: the tree is deeper than {} levels of folders \
                             (maxFolderDepth); set maxDepth to list only the upper levels",
                            l.max_folder_depth
                        ),
                    ));
                }
                self.pending.push_back((folder, depth + 1));
            }
        }
        self.count += count;
        Ok(())
    }

    /// [`add`](Self::add) for plans from [`new`](Self::new), which have no budget and so never
    /// fail. (Kept while the client moves to `with_limits` + `add`.)
    pub fn add_listing(&mut self, depth: u32, entries: Vec<DirEntry>) {
        let _ = self.add(depth, entries);
    }

    /// Whether folders remain to be listed.
    pub fn has_pending(&self) -> bool {
        !self.pending.is_empty()
    }

    /// Every entry found, sorted by path (byte order), so the result does not depend on the
    /// server's listing order or on which request finished first.
    pub fn finish(mut self) -> Vec<DirEntry> {
        self.found.sort_by(|a, b| a.path.cmp(&b.path));
        self.found
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(path: &str, dir: bool) -> DirEntry {
        DirEntry {
            name: path.rsplit('/').next().unwrap_or("").to_string(),
            size: if dir { None } else { Some(1) },
            mode: if dir { 2147484141 } else { 420 },
            last_modified: "2026-01-01T00:00:00Z".into(),
            entry_type: if dir { EntryType::Dir } else { EntryType::File },
            path: path.into(),
        }
    }

    #[test]
    fn breadth_first_with_depth_limit_and_stable_order() {
        let mut p = WalkPlan::new("/", Some(2));
        assert_eq!(p.next_folder(), Some(("/".into(), 1)));
        p.add_listing(
            1,
            vec![entry("/b", true), entry("/a.txt", false), entry("/a", true)],
        );
        assert_eq!(p.next_folder(), Some(("/b".into(), 2)));
        p.add_listing(2, vec![entry("/b/deep", true)]);
        assert_eq!(p.next_folder(), Some(("/a".into(), 2)));
        p.add_listing(2, vec![entry("/a/z.csv", false)]);
        assert!(!p.has_pending(), "depth 3 is not listed");
        let paths: Vec<String> = p.finish().into_iter().map(|e| e.path).collect();
        assert_eq!(paths, ["/a", "/a.txt", "/a/z.csv", "/b", "/b/deep"]);
    }

    #[test]
    fn zero_depth_lists_nothing_and_symlinks_are_not_followed() {
        assert!(WalkPlan::new("/", Some(0)).next_folder().is_none());
        let mut p = WalkPlan::new("/", None);
        p.next_folder();
        let mut link = entry("/l", false);
        link.entry_type = EntryType::Symlink;
        p.add_listing(1, vec![link]);
        assert!(!p.has_pending());
    }

    /// A plan with the default limits but one changed by `f`.
    fn plan_with(f: impl FnOnce(&mut WalkLimits)) -> WalkPlan {
        let mut limits = WalkLimits::default();
        f(&mut limits);
        WalkPlan::with_limits("/", limits)
    }

    #[test]
    fn an_endless_tree_stops_at_the_folder_depth_budget() {
        let mut p = plan_with(|l| l.max_folder_depth = 5);
        let mut listed = 0;
        let err = loop {
            let (dir, depth) = p
                .next_folder()
                .expect("a folder is pending until the error");
            listed += 1;
            let sub = if dir == "/" {
                "/a".to_string()
            } else {
                format!("{dir}/a")
            };
            if let Err(e) = p.add(depth, vec![entry(&sub, true)]) {
                break e;
            }
        };
        assert_eq!(err.code(), ErrorCode::LimitExceeded);
        assert!(
            err.message().contains("maxFolderDepth"),
            "{}",
            err.message()
        );
        assert_eq!(listed, 5, "folders at levels 0..=4 were listed");
        assert!(!p.has_pending());
    }

    #[test]
    fn a_requested_depth_is_not_an_error_even_past_the_budget() {
        let mut p = plan_with(|l| {
            l.max_depth = Some(3);
            l.max_folder_depth = 3;
        });
        while let Some((dir, depth)) = p.next_folder() {
            let sub = if dir == "/" {
                "/a".to_string()
            } else {
                format!("{dir}/a")
            };
            p.add(depth, vec![entry(&sub, true)]).unwrap();
        }
        let paths: Vec<String> = p.finish().into_iter().map(|e| e.path).collect();
        assert_eq!(paths, ["/a", "/a/a", "/a/a/a"]);
    }

    #[test]
    fn the_entry_budget_counts_every_entry() {
        let mut p = plan_with(|l| l.max_entries = 4);
        p.next_folder();
        p.add(
            1,
            vec![entry("/d", true), entry("/f", false), entry("/g", false)],
        )
        .unwrap();
        p.next_folder();
        let err = p
            .add(2, vec![entry("/d/x", false), entry("/d/y", false)])
            .unwrap_err();
        assert_eq!(err.code(), ErrorCode::LimitExceeded);
        assert!(
            err.message().contains("more than 4 entries"),
            "{}",
            err.message()
        );
        assert!(!p.has_pending());
        // Exactly at the budget is fine.
        let mut p = plan_with(|l| l.max_entries = 4);
        p.next_folder();
        p.add(1, (0..4).map(|i| entry(&format!("/{i}"), false)).collect())
            .unwrap();
    }

    #[test]
    fn defaults_and_the_unbounded_plan() {
        let d = WalkLimits::default();
        assert_eq!(
            (d.max_depth, d.max_folder_depth, d.max_entries),
            (None, 64, 100_000)
        );
        let mut p = WalkPlan::new("/", None);
        assert_eq!(p.limits(), WalkLimits::unbounded(None));
        p.next_folder();
        p.add_listing(
            1,
            (0..200_001)
                .map(|i| entry(&format!("/{i}"), false))
                .collect(),
        );
        assert_eq!(p.finish().len(), 200_001);
    }
}
