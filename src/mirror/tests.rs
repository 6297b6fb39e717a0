//! The planner on generated trees.

use super::*;
use crate::echange::model::{DirEntry, EntryType, MODE_DIR, MODE_SYMLINK};

/// xorshift64*: a deterministic stream for generated trees.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

fn base(path: &str) -> String {
    path.rsplit('/').next().unwrap_or("").to_string()
}

fn file(path: &str, size: u64, mtime: &str) -> DirEntry {
    DirEntry {
        name: base(path),
        size: Some(size),
        mode: 0o644,
        last_modified: mtime.into(),
        entry_type: EntryType::File,
        path: path.into(),
    }
}

fn dir(path: &str) -> DirEntry {
    DirEntry {
        name: base(path),
        size: None,
        mode: MODE_DIR | 0o755,
        last_modified: "2025-12-15T08:30:00Z".into(),
        entry_type: EntryType::Dir,
        path: path.into(),
    }
}

fn mtime(i: u64) -> String {
    crate::time::format_iso8601(1_765_787_400 + i as i64 * 60)
}

/// `n` files spread over nested folders under `/Root`, with their folders, in walk's order.
fn tree(n: usize, seed: u64) -> Vec<DirEntry> {
    let mut rng = Rng(seed | 1);
    let mut out = Vec::new();
    let mut dirs = std::collections::BTreeSet::new();
    for i in 0..n {
        let depth = rng.below(4);
        let mut folder = "/Root".to_string();
        for d in 0..depth {
            folder = format!("{folder}/d{}-{}", d, rng.below(7));
            dirs.insert(folder.clone());
        }
        let path = format!("{folder}/f{i:05}.csv");
        out.push(file(&path, rng.below(100_000), &mtime(rng.below(1000))));
    }
    out.extend(dirs.iter().map(|d| dir(d)));
    out.sort_by(|a, b| a.path.cmp(&b.path));
    out
}

fn manifest_of(entries: &[DirEntry]) -> Manifest {
    let mut m = Manifest::new();
    for e in entries.iter().filter(|e| e.entry_type == EntryType::File) {
        m.record(ManifestFile {
            path: e.path.clone(),
            size: e.size.unwrap(),
            mtime: e.last_modified.clone(),
            sha256: None,
        })
        .unwrap();
    }
    m
}

/// Options for a destination with these name rules.
fn with_rules(case_insensitive: bool, windows: bool) -> PlanOptions {
    PlanOptions {
        rules: NameRules {
            case_insensitive,
            windows,
        },
        ..PlanOptions::default()
    }
}

fn roots() -> Vec<String> {
    vec!["/Root".into()]
}

fn fetched(p: &Plan) -> Vec<&str> {
    p.fetch.iter().map(|f| f.path.as_str()).collect()
}

fn skipped(p: &Plan) -> Vec<&str> {
    p.skipped.iter().map(|s| s.path.as_str()).collect()
}

fn sorted(v: &[&str]) -> bool {
    v.windows(2).all(|w| w[0] < w[1])
}

#[test]
fn new_tree_fetches_every_file_in_path_order() {
    let remote = tree(300, 7);
    let p = plan(&roots(), &remote, &Manifest::new(), &PlanOptions::default()).unwrap();
    let files: Vec<&DirEntry> = remote
        .iter()
        .filter(|e| e.entry_type == EntryType::File)
        .collect();
    assert_eq!(p.fetch.len(), files.len());
    assert!(sorted(&fetched(&p)));
    assert!(p.fetch.iter().all(|f| f.reason == FetchReason::New));
    for (f, e) in p.fetch.iter().zip(&files) {
        assert_eq!(
            (f.path.as_str(), f.size, f.mtime.as_str()),
            (e.path.as_str(), e.size.unwrap(), e.last_modified.as_str())
        );
        assert_eq!(f.local, &e.path[1..]);
    }
    assert_eq!(
        p.bytes_to_fetch,
        files.iter().map(|e| e.size.unwrap()).sum::<u64>()
    );
    assert!(p.unchanged.is_empty() && p.delete.is_empty() && p.skipped.is_empty());
}

#[test]
fn unchanged_and_changed_by_size_or_mtime() {
    let mut remote = tree(200, 11);
    let m = manifest_of(&remote);
    let again = plan(&roots(), &remote, &m, &PlanOptions::default()).unwrap();
    assert!(again.fetch.is_empty());
    assert_eq!(again.bytes_to_fetch, 0);
    assert_eq!(again.unchanged.len(), 200);

    // Change some sizes, some mtimes, rewrite one mtime in another spelling of the same instant,
    // and add new files.
    let mut want_changed = Vec::new();
    let files: Vec<usize> = (0..remote.len())
        .filter(|&i| remote[i].entry_type == EntryType::File)
        .collect();
    for (k, &i) in files.iter().enumerate() {
        match k % 10 {
            1 => {
                *remote[i].size.as_mut().unwrap() += 1;
                want_changed.push(remote[i].path.clone());
            }
            2 => {
                remote[i].last_modified = mtime(5000 + k as u64);
                want_changed.push(remote[i].path.clone());
            }
            3 => {
                let secs = crate::time::parse_rfc3339(&remote[i].last_modified).unwrap();
                remote[i].last_modified =
                    crate::time::format_iso8601(secs + 3600).replace('Z', "+01:00");
            }
            _ => {}
        }
    }
    remote.push(file("/Root/zz-new.txt", 5, &mtime(1)));
    remote.push(file("/Root/aa-new.txt", 6, &mtime(2)));
    let p = plan(&roots(), &remote, &m, &PlanOptions::default()).unwrap();
    let changed: Vec<&str> = p
        .fetch
        .iter()
        .filter(|f| f.reason == FetchReason::Changed)
        .map(|f| f.path.as_str())
        .collect();
    want_changed.sort();
    assert_eq!(changed, want_changed);
    let new: Vec<&str> = p
        .fetch
        .iter()
        .filter(|f| f.reason == FetchReason::New)
        .map(|f| f.path.as_str())
        .collect();
    assert_eq!(new, ["/Root/aa-new.txt", "/Root/zz-new.txt"]);
    assert_eq!(p.unchanged.len(), 200 - want_changed.len());
    assert!(sorted(&fetched(&p)));
}

#[test]
fn unsafe_names_are_reported_never_planned() {
    let mut remote = tree(50, 3);
    let bad = [
        "/Root/../etc/passwd",
        "/Root/a\\b.txt",
        "/Root/ctl\u{1}.txt",
        "/Root/./x.txt",
        "/Root//double",
        "/Root/line\nfeed.txt",
    ];
    for b in bad {
        remote.push(file(b, 1, &mtime(0)));
    }
    remote.push(file("relative/x", 1, &mtime(0)));
    let mut link = file("/Root/lien.csv", 0, &mtime(0));
    link.entry_type = EntryType::Symlink;
    link.mode = MODE_SYMLINK | 0o777;
    remote.push(link);
    let mut fifo = file("/Root/pipe", 0, &mtime(0));
    fifo.entry_type = EntryType::Other;
    remote.push(fifo);
    // A folder with an unsafe name: its files are reported, the folder itself is not written.
    remote.push(dir("/Root/ba\\d"));
    remote.push(file("/Root/ba\\d/in.txt", 1, &mtime(0)));

    let p = plan(&roots(), &remote, &Manifest::new(), &PlanOptions::default()).unwrap();
    assert_eq!(p.fetch.len(), 50);
    for f in &p.fetch {
        assert!(local_path(&f.path, NameRules::default()).is_ok());
        assert!(!f.local.contains("..") && !f.local.contains('\\') && !f.local.starts_with('/'));
    }
    let mut want: Vec<&str> = bad.to_vec();
    want.extend([
        "relative/x",
        "/Root/lien.csv",
        "/Root/pipe",
        "/Root/ba\\d/in.txt",
    ]);
    want.sort();
    assert_eq!(skipped(&p), want);
    let reason = |path: &str| {
        p.skipped
            .iter()
            .find(|s| s.path == path)
            .unwrap()
            .reason
            .clone()
    };
    assert!(reason("/Root/../etc/passwd").contains("`..`"));
    assert!(reason("/Root/a\\b.txt").contains("backslash"));
    assert!(reason("/Root/ctl\u{1}.txt").contains("U+0001"));
    assert!(reason("/Root/lien.csv").contains("symbolic link"));
    assert!(reason("relative/x").contains("outside"));
}

#[test]
fn case_collisions_only_on_case_insensitive_destinations() {
    let remote = vec![
        dir("/Root/Docs"),
        dir("/Root/docs"),
        file("/Root/Docs/a.txt", 1, &mtime(0)),
        file("/Root/docs/b.txt", 1, &mtime(0)),
        file("/Root/Été.txt", 1, &mtime(0)),
        file("/Root/e\u{301}té.txt", 1, &mtime(0)),
        file("/Root/README", 1, &mtime(0)),
        file("/Root/readme.md", 1, &mtime(0)),
        file("/Root/x.TXT", 1, &mtime(0)),
        file("/Root/X.txt", 1, &mtime(0)),
    ];
    let sensitive = plan(&roots(), &remote, &Manifest::new(), &PlanOptions::default()).unwrap();
    assert_eq!(sensitive.fetch.len(), 8);
    let options = with_rules(true, false);
    let p = plan(&roots(), &remote, &Manifest::new(), &options).unwrap();
    assert_eq!(fetched(&p), ["/Root/README", "/Root/readme.md"]);
    assert_eq!(
        skipped(&p),
        [
            "/Root/Docs/a.txt",
            "/Root/X.txt",
            "/Root/docs/b.txt",
            "/Root/e\u{301}té.txt",
            "/Root/x.TXT",
            "/Root/Été.txt"
        ]
    );
    let reason = &p
        .skipped
        .iter()
        .find(|s| s.path == "/Root/X.txt")
        .unwrap()
        .reason;
    assert!(
        reason.contains("\"/Root/x.TXT\"") && reason.contains("letter case"),
        "{reason}"
    );
}

#[test]
fn windows_names_when_asked() {
    let remote = vec![
        file("/Root/R&D <notes>.txt", 1, &mtime(0)),
        file("/Root/CON.txt", 1, &mtime(0)),
        file("/Root/ok.txt", 1, &mtime(0)),
        file("/Root/fin.", 1, &mtime(0)),
    ];
    let posix = plan(&roots(), &remote, &Manifest::new(), &PlanOptions::default()).unwrap();
    assert_eq!(posix.fetch.len(), 4);
    let options = with_rules(true, true);
    let p = plan(&roots(), &remote, &Manifest::new(), &options).unwrap();
    assert_eq!(fetched(&p), ["/Root/ok.txt"]);
    assert_eq!(p.skipped.len(), 3);
}

#[test]
fn reserved_names_and_partial_suffix() {
    let remote = vec![
        file("/.passerelle-mirror.json", 1, &mtime(0)),
        file("/.Passerelle-Mirror.JSON/x", 1, &mtime(0)),
        file("/Root/a.csv.passerelle-part", 1, &mtime(0)),
        file("/Root/a.csv", 1, &mtime(0)),
    ];
    let options = PlanOptions {
        reserved: vec![".passerelle-mirror.json".into()],
        reserved_suffix: Some(".passerelle-part".into()),
        ..with_rules(true, false)
    };
    let p = plan(&["/".into()], &remote, &Manifest::new(), &options).unwrap();
    assert_eq!(fetched(&p), ["/Root/a.csv"]);
    assert_eq!(p.skipped.len(), 3);
    assert!(p.skipped.iter().all(|s| s.reason.contains("reserved")));
}

#[test]
fn deletions_only_when_asked_and_only_under_the_roots() {
    let remote = tree(100, 5);
    let mut m = manifest_of(&remote);
    let gone = ["/Root/gone-1.csv", "/Root/d0-1/gone-2.csv"];
    for g in gone {
        m.record(ManifestFile {
            path: g.into(),
            size: 1,
            mtime: mtime(0),
            sha256: None,
        })
        .unwrap();
    }
    // Outside the requested folders: never deleted.
    m.record(ManifestFile {
        path: "/Other/keep.csv".into(),
        size: 1,
        mtime: mtime(0),
        sha256: None,
    })
    .unwrap();
    // "/Rooted" is not under "/Root".
    m.record(ManifestFile {
        path: "/Rooted/keep.csv".into(),
        size: 1,
        mtime: mtime(0),
        sha256: None,
    })
    .unwrap();

    let keep = plan(&roots(), &remote, &m, &PlanOptions::default()).unwrap();
    assert!(keep.delete.is_empty());
    assert!(keep.fetch.is_empty());

    let options = PlanOptions {
        delete: true,
        ..PlanOptions::default()
    };
    let p = plan(&roots(), &remote, &m, &options).unwrap();
    let deleted: Vec<(&str, &str)> = p
        .delete
        .iter()
        .map(|d| (d.path.as_str(), d.local.as_str()))
        .collect();
    assert_eq!(
        deleted,
        [
            ("/Root/d0-1/gone-2.csv", "Root/d0-1/gone-2.csv"),
            ("/Root/gone-1.csv", "Root/gone-1.csv")
        ]
    );
    assert!(p.forget.is_empty());
    assert_eq!(p.unchanged.len(), 100);

    // A remote folder that became empty: all its files are deleted.
    let empty: Vec<DirEntry> = Vec::new();
    let all = plan(&roots(), &empty, &m, &options).unwrap();
    assert_eq!(all.delete.len(), 102);
}

#[test]
fn renamed_by_case_is_forgotten_not_deleted_on_case_insensitive_destinations() {
    let mut m = Manifest::new();
    m.record(ManifestFile {
        path: "/Root/Rapport.PDF".into(),
        size: 1,
        mtime: mtime(0),
        sha256: None,
    })
    .unwrap();
    let remote = vec![file("/Root/rapport.pdf", 2, &mtime(1))];
    let options = PlanOptions {
        delete: true,
        ..with_rules(true, false)
    };
    let p = plan(&roots(), &remote, &m, &options).unwrap();
    assert_eq!(fetched(&p), ["/Root/rapport.pdf"]);
    assert!(p.delete.is_empty());
    assert_eq!(p.forget, ["/Root/Rapport.PDF"]);
    // On a case-sensitive destination they are two files: the old one is deleted.
    let sensitive = plan(
        &roots(),
        &remote,
        &m,
        &PlanOptions {
            delete: true,
            ..PlanOptions::default()
        },
    )
    .unwrap();
    assert_eq!(sensitive.delete.len(), 1);
}

#[test]
fn overlapping_roots_and_root_spellings() {
    let remote = tree(40, 9);
    let mut twice = remote.clone();
    twice.extend(
        remote
            .iter()
            .filter(|e| e.path.starts_with("/Root/d0-"))
            .cloned(),
    );
    let a = plan(
        &["Root/".into(), "/Root/d0-1".into()],
        &twice,
        &Manifest::new(),
        &PlanOptions::default(),
    )
    .unwrap();
    let b = plan(&roots(), &remote, &Manifest::new(), &PlanOptions::default()).unwrap();
    assert_eq!(a, b);
    assert_eq!(normalize_root("").unwrap(), "/");
    assert_eq!(normalize_root("//a//b/").unwrap(), "/a/b");
    assert!(normalize_root("/a/../b").is_err());
    assert!(plan(&[], &remote, &Manifest::new(), &PlanOptions::default()).is_err());
}

#[test]
fn ten_thousand_entries_deterministic_whatever_the_input_order() {
    let remote = tree(10_000, 42);
    let files = remote
        .iter()
        .filter(|e| e.entry_type == EntryType::File)
        .count();
    assert_eq!(files, 10_000);
    // Half already mirrored, a tenth of those changed since.
    let mut m = Manifest::new();
    for (i, e) in remote
        .iter()
        .filter(|e| e.entry_type == EntryType::File)
        .enumerate()
    {
        if i % 2 == 0 {
            m.record(ManifestFile {
                path: e.path.clone(),
                size: e.size.unwrap() + u64::from(i % 20 == 0),
                mtime: e.last_modified.clone(),
                sha256: None,
            })
            .unwrap();
        }
    }
    let options = PlanOptions {
        delete: true,
        ..PlanOptions::default()
    };
    let p = plan(&roots(), &remote, &m, &options).unwrap();
    assert_eq!(p.fetch.len(), 5_000 + 500);
    assert_eq!(p.unchanged.len(), 4_500);
    assert_eq!(
        p.fetch
            .iter()
            .filter(|f| f.reason == FetchReason::Changed)
            .count(),
        500
    );
    assert!(sorted(&fetched(&p)));
    let unchanged: Vec<&str> = p.unchanged.iter().map(String::as_str).collect();
    assert!(sorted(&unchanged));

    let mut shuffled = remote.clone();
    let mut rng = Rng(99);
    for i in (1..shuffled.len()).rev() {
        let j = rng.below(i as u64 + 1) as usize;
        shuffled.swap(i, j);
    }
    let q = plan(
        &roots(),
        &shuffled,
        &Manifest::parse(&m.to_json()).unwrap(),
        &options,
    )
    .unwrap();
    assert_eq!(p, q);
    assert_eq!(
        crate::json::ToJson::to_json(&p),
        crate::json::ToJson::to_json(&q)
    );
}
