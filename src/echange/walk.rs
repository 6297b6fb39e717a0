//! The pure part of `walk`: which folders remain to be listed, depth limits, and the stable
//! order of the result. The client drives it with bounded concurrency.

use std::collections::VecDeque;

use super::model::{DirEntry, EntryType};

/// Default number of listings in flight.
pub const DEFAULT_CONCURRENCY: usize = 8;

/// Breadth-first plan of a recursive listing.
#[derive(Debug, Default)]
pub struct WalkPlan {
    pending: VecDeque<(String, u32)>,
    max_depth: Option<u32>,
    found: Vec<DirEntry>,
}

impl WalkPlan {
    /// Starts at `root` (listed at depth 1: its children are depth 1). `max_depth` limits the
    /// depth of returned entries (`Some(1)` = only the root's children).
    pub fn new(root: &str, max_depth: Option<u32>) -> WalkPlan {
        let mut pending = VecDeque::new();
        if max_depth != Some(0) {
            pending.push_back((root.to_string(), 1));
        }
        WalkPlan {
            pending,
            max_depth,
            found: Vec::new(),
        }
    }

    /// The next folder to list and the depth of its children.
    pub fn next_folder(&mut self) -> Option<(String, u32)> {
        self.pending.pop_front()
    }

    /// Records the listing of a folder whose children are at `depth`. Sub-folders are queued
    /// (symlinks are never followed).
    pub fn add_listing(&mut self, depth: u32, entries: Vec<DirEntry>) {
        for e in entries {
            let deeper = self.max_depth.is_none_or(|m| depth < m);
            if e.entry_type == EntryType::Dir && deeper {
                self.pending.push_back((e.path.clone(), depth + 1));
            }
            self.found.push(e);
        }
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
}
