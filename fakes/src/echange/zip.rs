//! `POST /api/v2/user/streamzip` (docs/echange.md): Go-layout zip streamed from a producer thread,
//! with SFTPGo's abort behaviour (no response at all below ~4 KiB, else a truncated 200).

use std::sync::Arc;

use axum::body::{Body, Bytes};
use axum::extract::State;
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::Response;
use axum::Extension;

use super::fs::{self, Content, Fs, Node};
use super::routes::session;
use super::Echange;
use crate::gozip::GoZipWriter;
use crate::util::{api_msg, channel_body, BodyMsg, ConnKill, PeerAddr};

/// One planned archive step.
#[derive(Debug, Clone)]
enum Step {
    Dir {
        name: String,
        mtime: u32,
    },
    File {
        name: String,
        mtime: u32,
        content: Content,
    },
    /// A missing or unreadable item: the stream aborts here.
    Fail,
}

fn mtime_u32(ms: i64) -> u32 {
    ms.div_euclid(1000).clamp(0, i64::from(u32::MAX)) as u32
}

fn entry_name(p: &str) -> String {
    p.trim_start_matches('/').to_string()
}

/// Depth-first walk of a directory's children (listing order, symlinks skipped).
fn walk(fs: &Fs, dir: &str, out: &mut Vec<Step>, depth: usize) {
    if depth > 1000 {
        out.push(Step::Fail);
        return;
    }
    let mut kids = fs.children(dir);
    kids.sort_by_key(|(n, _)| crate::util::fnv1a(n.as_bytes()).rotate_left(17) ^ 0x5bd1e995);
    for (name, node) in kids {
        let p = fs::join(dir, &name);
        match node {
            Node::Dir { mtime_ms } => {
                out.push(Step::Dir {
                    name: format!("{}/", entry_name(&p)),
                    mtime: mtime_u32(*mtime_ms),
                });
                walk(fs, &p, out, depth + 1);
            }
            Node::File { content, mtime_ms } => out.push(Step::File {
                name: entry_name(&p),
                mtime: mtime_u32(*mtime_ms),
                content: content.clone(),
            }),
            Node::Symlink { .. } => {}
        }
    }
}

/// Plans the archive for cleaned, deduplicated items (stops at the first failing item).
fn plan(fs: &Fs, items: &[String]) -> Vec<Step> {
    let mut out = Vec::new();
    for p in items {
        match fs.get(p) {
            None => {
                out.push(Step::Fail);
                break;
            }
            Some(Node::Symlink { .. }) => {}
            Some(Node::File { content, mtime_ms }) => out.push(Step::File {
                name: entry_name(p),
                mtime: mtime_u32(*mtime_ms),
                content: content.clone(),
            }),
            Some(Node::Dir { mtime_ms }) => {
                let name = if p == "/" {
                    "/".to_string()
                } else {
                    format!("{}/", entry_name(p))
                };
                out.push(Step::Dir {
                    name,
                    mtime: mtime_u32(*mtime_ms),
                });
                walk(fs, p, &mut out, 1);
            }
        }
    }
    out
}

/// The attachment name SFTPGo gives a streamed zip (`<user>-<stem>.zip` or `<user>-download.zip`).
fn zip_name(username: &str, items: &[String]) -> String {
    match items {
        [one] => {
            let b = fs::base(one);
            let stem = match b.rfind('.') {
                Some(i) if b != "/" => b.get(..i).unwrap_or("").to_string(),
                _ => b.clone(),
            };
            format!("{username}-{stem}.zip")
        }
        _ => format!("{username}-download.zip"),
    }
}

/// How the handler learns what to answer.
enum First {
    /// The whole (small) archive.
    Complete(Vec<u8>),
    /// Streaming: body bytes follow on the channel.
    Streaming,
}

/// Bytes are released to the client in whole 4 KiB blocks, like Go's buffered writers.
const BLOCK: usize = 4096;
const FLUSH_AT: usize = 64 * 1024;
/// Go's `http.ResponseWriter` buffer: smaller complete responses get a `Content-Length`.
const GO_CONTENT_LENGTH_LIMIT: u64 = 2048;

struct Producer {
    first: Option<tokio::sync::oneshot::Sender<First>>,
    tx: tokio::sync::mpsc::Sender<BodyMsg>,
    buf: Vec<u8>,
    total: u64,
    threshold: u64,
    abort_at: Option<u64>,
}

impl Producer {
    /// Adds produced bytes; `Err` when the stream must stop (client gone or abort point).
    fn emit(&mut self, bytes: &[u8]) -> Result<(), ()> {
        self.buf.extend_from_slice(bytes);
        self.total += bytes.len() as u64;
        if let Some(at) = self.abort_at {
            if self.total >= at {
                return Err(());
            }
        }
        if self.buf.len() >= FLUSH_AT && self.total >= self.threshold {
            self.flush_blocks()?;
        }
        Ok(())
    }

    fn flush_blocks(&mut self) -> Result<(), ()> {
        if let Some(first) = self.first.take() {
            first.send(First::Streaming).map_err(|_| ())?;
        }
        let n = self.buf.len() / BLOCK * BLOCK;
        if n == 0 {
            return Ok(());
        }
        let rest = self.buf.split_off(n);
        let chunk = std::mem::replace(&mut self.buf, rest);
        self.tx
            .blocking_send(BodyMsg::Data(Bytes::from(chunk)))
            .map_err(|_| ())
    }

    fn run(mut self, steps: Vec<Step>) {
        let mut w = GoZipWriter::new();
        for step in steps {
            let res = match step {
                Step::Fail => Err(()),
                Step::Dir { name, mtime } => {
                    let b = w.add_dir(&name, mtime);
                    self.emit(&b)
                }
                Step::File {
                    name,
                    mtime,
                    content,
                } => {
                    // Generated content is random: store it in deflate stored blocks, as
                    // klauspost's level 5 does for incompressible data (and fast).
                    w.set_level(if matches!(content, Content::Generated { .. }) {
                        0
                    } else {
                        5
                    });
                    let b = w.start_file(&name, mtime);
                    let mut res = self.emit(&b);
                    let mut reader = content.reader(0, content.len());
                    while res.is_ok() {
                        let Some(chunk) = reader.next_chunk(64 * 1024) else {
                            break;
                        };
                        let b = w.write_file_data(&chunk);
                        res = self.emit(&b);
                    }
                    if res.is_ok() {
                        let b = w.finish_file();
                        res = self.emit(&b);
                    }
                    res
                }
            };
            if res.is_err() {
                // Abort. Past the threshold the whole blocks already produced reach the
                // client (200 + truncated body); below it nothing was committed and dropping
                // both senders yields no response at all.
                if self.total >= self.threshold {
                    let _ = self.flush_blocks();
                }
                return;
            }
        }
        let tail = w.finish();
        if self.emit(&tail).is_err() {
            return;
        }
        if self.total < GO_CONTENT_LENGTH_LIMIT {
            if let Some(first) = self.first.take() {
                // Like Go: a response finished within its 2 KiB buffer gets a Content-Length.
                let all = std::mem::take(&mut self.buf);
                let _ = first.send(First::Complete(all));
                return;
            }
        }
        if let Some(first) = self.first.take() {
            if first.send(First::Streaming).is_err() {
                return;
            }
        }
        let rest = std::mem::take(&mut self.buf);
        if !rest.is_empty()
            && self
                .tx
                .blocking_send(BodyMsg::Data(Bytes::from(rest)))
                .is_err()
        {
            return;
        }
        let _ = self.tx.blocking_send(BodyMsg::End);
    }
}

fn json_error_text(e: &serde_json::Error) -> String {
    let t = e.to_string();
    if t.is_empty() {
        "EOF".to_string()
    } else {
        t
    }
}

/// `POST /api/v2/user/streamzip`.
pub async fn streamzip(
    State(st): State<Arc<Echange>>,
    Extension(peer): Extension<PeerAddr>,
    Extension(kill): Extension<ConnKill>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let (username, steps, threshold, abort_at, items) = {
        let g = st.lock();
        let (s, _u) = match session(&g, &headers, peer) {
            Ok(x) => x,
            Err(r) => return r,
        };
        let mut de = serde_json::Deserializer::from_slice(&body).into_iter::<serde_json::Value>();
        let value = match de.next() {
            Some(Ok(v)) => v,
            Some(Err(e)) => {
                return api_msg(StatusCode::BAD_REQUEST, "", Some(&json_error_text(&e)))
            }
            None => return api_msg(StatusCode::BAD_REQUEST, "", Some("EOF")),
        };
        let list: Vec<String> = match value {
            serde_json::Value::Null => Vec::new(),
            serde_json::Value::Array(a) => {
                let mut out = Vec::with_capacity(a.len());
                for v in a {
                    match v {
                        serde_json::Value::String(s) => out.push(s),
                        other => {
                            return api_msg(
                                StatusCode::BAD_REQUEST,
                                "",
                                Some(&format!(
                                    "json: cannot unmarshal {} into Go value of type string",
                                    go_kind(&other)
                                )),
                            )
                        }
                    }
                }
                out
            }
            other => {
                return api_msg(
                    StatusCode::BAD_REQUEST,
                    "",
                    Some(&format!(
                        "json: cannot unmarshal {} into Go value of type []string",
                        go_kind(&other)
                    )),
                )
            }
        };
        // Streamzip ignores the start directory: relative entries resolve against `/`.
        let mut items: Vec<String> = Vec::new();
        for raw in list {
            let p = fs::clean_path(&raw, None);
            if !items.contains(&p) {
                items.push(p);
            }
        }
        let steps = match g.homes.get(&s.username) {
            Some(fs) => plan(fs, &items),
            None => vec![Step::Fail],
        };
        (
            s.username,
            steps,
            g.abort_threshold,
            g.streamzip_abort_at,
            items,
        )
    };

    let (first_tx, first_rx) = tokio::sync::oneshot::channel();
    let (tx, rx) = tokio::sync::mpsc::channel(8);
    let producer = Producer {
        first: Some(first_tx),
        tx,
        buf: Vec::with_capacity(FLUSH_AT + 64 * 1024),
        total: 0,
        threshold,
        abort_at,
    };
    tokio::task::spawn_blocking(move || producer.run(steps));

    let first = match first_rx.await {
        Ok(f) => f,
        // Failed before anything was committed: no response at all.
        Err(_) => return kill.drop_now().await,
    };
    let body = match first {
        First::Complete(all) => Body::from(all),
        First::Streaming => channel_body(rx, kill),
    };
    let mut r = Response::new(body);
    let h = r.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/zip"),
    );
    h.insert(header::ACCEPT_RANGES, HeaderValue::from_static("none"));
    h.insert(
        "content-transfer-encoding",
        HeaderValue::from_static("binary"),
    );
    let name = zip_name(&username, &items);
    let cd = format!("attachment; filename=\"{name}\"");
    let v = HeaderValue::from_bytes(cd.as_bytes())
        .unwrap_or_else(|_| HeaderValue::from_static("attachment; filename=\"download.zip\""));
    h.insert(header::CONTENT_DISPOSITION, v);
    r
}

fn go_kind(v: &serde_json::Value) -> &'static str {
    match v {
        serde_json::Value::Null => "null",
        serde_json::Value::Bool(_) => "bool",
        serde_json::Value::Number(_) => "number",
        serde_json::Value::String(_) => "string",
        serde_json::Value::Array(_) => "array",
        serde_json::Value::Object(_) => "object",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names() {
        let one = |p: &str| zip_name("alice", &[p.to_string()]);
        assert_eq!(one("/out/a.tar.gz"), "alice-a.tar.zip");
        assert_eq!(one("/"), "alice-/.zip");
        assert_eq!(one("/Relevés"), "alice-Relevés.zip");
        assert_eq!(zip_name("alice", &[]), "alice-download.zip");
        assert_eq!(
            zip_name("alice", &["/a".to_string(), "/b".to_string()]),
            "alice-download.zip"
        );
    }

    #[test]
    fn plan_skips_symlinks_and_stops_at_missing() {
        let fs = Fs::seed();
        let steps = plan(&fs, &["/lien.csv".to_string(), "/Archives".to_string()]);
        let names: Vec<String> = steps
            .iter()
            .filter_map(|s| match s {
                Step::Dir { name, .. } | Step::File { name, .. } => Some(name.clone()),
                Step::Fail => None,
            })
            .collect();
        assert!(!names.iter().any(|n| n.contains("lien")));
        assert!(names.contains(&"Archives/".to_string()));
        assert!(names.contains(&"Archives/Vide/".to_string()));
        let steps = plan(&fs, &["/nope".to_string(), "/Archives".to_string()]);
        assert!(matches!(steps.as_slice(), [Step::Fail]));
    }
}
