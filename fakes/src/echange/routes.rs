//! Échange routes: token, logout, profile, dirs, files, uploads, copy/move, metadata.

use std::sync::Arc;

use axum::body::Body;
use axum::extract::{FromRequest, Multipart, RawQuery, Request, State};
use axum::http::{header, HeaderMap, HeaderValue, Method, StatusCode};
use axum::response::Response;
use axum::routing::{get, patch, post};
use axum::{Extension, Router};
use bytes::Bytes;
use futures_util::StreamExt;
use serde::Serialize;

use super::auth::{self, Session};
use super::fs::{self, clean_path, Content, Fs, Node};
use super::{Echange, Inner, User};
use crate::util::{
    api_msg, go_json, go_query, go_quote, http_date, json_response, now_ms, parse_http_date,
    query_get, rfc3339_utc, ConnKill, PeerAddr,
};

type St = State<Arc<Echange>>;

/// The Échange router (paths under `/api/v2/user` and `/healthz`).
pub fn router(state: Arc<Echange>) -> Router {
    Router::new()
        .route("/healthz", get(healthz))
        .route("/api/v2/user/token", get(token))
        .route("/api/v2/user/logout", get(logout))
        .route("/api/v2/user/profile", get(profile))
        .route(
            "/api/v2/user/dirs",
            get(dirs_get)
                .post(dirs_post)
                .delete(dirs_delete)
                .patch(move_entry),
        )
        .route(
            "/api/v2/user/files",
            get(files_get)
                .post(files_multipart)
                .delete(files_delete)
                .patch(move_entry),
        )
        .route("/api/v2/user/files/upload", post(files_upload))
        .route("/api/v2/user/files/metadata", patch(metadata))
        .route("/api/v2/user/file-actions/copy", post(copy_entry))
        .route("/api/v2/user/file-actions/move", post(move_entry))
        .route("/api/v2/user/streamzip", post(super::zip::streamzip))
        .with_state(state)
}

async fn healthz() -> Response {
    let mut r = Response::new(Body::from("ok"));
    r.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/plain; charset=utf-8"),
    );
    r
}

async fn token(
    State(st): St,
    Extension(peer): Extension<PeerAddr>,
    headers: HeaderMap,
) -> Response {
    auth::token(&st, &headers, peer.0.ip())
}

async fn logout(
    State(st): St,
    Extension(peer): Extension<PeerAddr>,
    headers: HeaderMap,
) -> Response {
    let mut g = st.lock();
    match auth::authenticate(&g, &headers, peer.0.ip()) {
        Ok(s) => {
            g.logged_out.insert(s.jti);
            api_msg(StatusCode::OK, "Your token has been invalidated", None)
        }
        Err(r) => r,
    }
}

/// Validates the bearer, applies the route guards (R, then W when `write`), then reloads the
/// user (404 when deleted) — SFTPGo's order.
fn guarded(
    g: &Inner,
    headers: &HeaderMap,
    peer: PeerAddr,
    write: bool,
) -> Result<(Session, User), Response> {
    let s = auth::authenticate(g, headers, peer.0.ip())?;
    s.check_requirements()?;
    if write {
        s.check_write()?;
    }
    match g.user(&s.username).filter(|u| !u.deleted) {
        Some(u) if u.http_denied => Err(api_msg(
            StatusCode::FORBIDDEN,
            "Forbidden",
            Some(&super::http_denied_body(&u.username)),
        )),
        Some(u) => Ok((s, u.clone())),
        None => Err(api_msg(
            StatusCode::NOT_FOUND,
            "Unable to retrieve your user",
            None,
        )),
    }
}

/// A read route (guard R).
pub(super) fn session(
    g: &Inner,
    headers: &HeaderMap,
    peer: PeerAddr,
) -> Result<(Session, User), Response> {
    guarded(g, headers, peer, false)
}

/// A write route (guards R and W).
fn write_session(
    g: &Inner,
    headers: &HeaderMap,
    peer: PeerAddr,
) -> Result<(Session, User), Response> {
    guarded(g, headers, peer, true)
}

fn home<'a>(g: &'a mut Inner, user: &str) -> &'a mut Fs {
    g.homes.entry(user.to_string()).or_default()
}

fn not_exist(message: &str) -> Response {
    api_msg(StatusCode::NOT_FOUND, message, Some("file does not exist"))
}

fn unsupported(message: &str, error: &str) -> Response {
    api_msg(StatusCode::BAD_REQUEST, message, Some(error))
}

#[derive(Serialize)]
struct Profile<'a> {
    #[serde(skip_serializing_if = "str::is_empty")]
    email: &'a str,
    #[serde(skip_serializing_if = "str::is_empty")]
    description: &'a str,
    allow_api_key_auth: bool,
}

async fn profile(
    State(st): St,
    Extension(peer): Extension<PeerAddr>,
    headers: HeaderMap,
) -> Response {
    let g = st.lock();
    let s = match auth::authenticate(&g, &headers, peer.0.ip()) {
        Ok(s) => s,
        Err(r) => return r,
    };
    match g.user(&s.username).filter(|u| !u.deleted) {
        Some(u) => json_response(
            StatusCode::OK,
            &Profile {
                email: &u.email,
                description: &u.description,
                allow_api_key_auth: false,
            },
        ),
        None => api_msg(StatusCode::NOT_FOUND, "", Some("Not Found")),
    }
}

enum ListOutcome {
    Respond(Response),
    Drop,
}

/// Deterministic, non-alphabetical listing order.
fn shuffle_key(name: &str) -> u64 {
    crate::util::fnv1a(name.as_bytes()).rotate_left(17) ^ 0x5bd1e995
}

fn listing_json(entries: &[(String, &Node)]) -> String {
    let mut out = String::from("[");
    for (i, (name, node)) in entries.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        out.push_str(&format!(
            "{{\"last_modified\":\"{}\",\"mode\":{},\"name\":{}",
            rfc3339_utc(node.mtime_ms().div_euclid(1000)),
            node.mode(),
            go_json(name)
        ));
        if let Node::File { content, .. } = node {
            out.push_str(&format!(",\"size\":{}", content.len()));
        }
        out.push('}');
    }
    out.push(']');
    out
}

/// A body that is sent with `Content-Length` when small, chunked otherwise (like Go).
fn go_sized_body(text: String) -> Body {
    if text.len() < 2048 {
        return Body::from(text);
    }
    let bytes = Bytes::from(text);
    let chunks: Vec<Result<Bytes, std::io::Error>> = (0..bytes.len())
        .step_by(4096)
        .map(|i| Ok(bytes.slice(i..(i + 4096).min(bytes.len()))))
        .collect();
    Body::from_stream(futures_util::stream::iter(chunks))
}

async fn dirs_get(
    State(st): St,
    Extension(peer): Extension<PeerAddr>,
    Extension(kill): Extension<ConnKill>,
    headers: HeaderMap,
    RawQuery(q): RawQuery,
) -> Response {
    let outcome = {
        let mut g = st.lock();
        match session(&g, &headers, peer) {
            Err(r) => ListOutcome::Respond(r),
            Ok((s, u)) => {
                let q = go_query(q.as_deref());
                let p = path_param(&q, u.start_dir.as_deref());
                let fs = home(&mut g, &s.username);
                match fs.get(&p) {
                    None => ListOutcome::Respond(not_exist("Unable to get directory lister")),
                    Some(Node::Dir { .. }) => {
                        let mut kids = fs.children(&p);
                        kids.sort_by_key(|(n, _)| shuffle_key(n));
                        let mut r = Response::new(go_sized_body(listing_json(&kids)));
                        r.headers_mut().insert(
                            header::CONTENT_TYPE,
                            HeaderValue::from_static("application/json"),
                        );
                        r.headers_mut()
                            .insert(header::ACCEPT_RANGES, HeaderValue::from_static("none"));
                        ListOutcome::Respond(r)
                    }
                    // Local FS: opening works, reading entries fails → aborted connection.
                    Some(_) => ListOutcome::Drop,
                }
            }
        }
    };
    match outcome {
        ListOutcome::Respond(r) => compress_if_asked(&headers, r).await,
        ListOutcome::Drop => kill.drop_now().await,
    }
}

/// chi's compressor (level 5) on the listing route: `gzip` (preferred) or raw `deflate` when
/// the client accepts it; `Content-Encoding`, `Vary: Accept-Encoding`, no `Content-Length`.
async fn compress_if_asked(headers: &HeaderMap, r: Response) -> Response {
    let accept = headers
        .get(header::ACCEPT_ENCODING)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_ascii_lowercase();
    let tokens: Vec<&str> = accept
        .split(',')
        .map(|t| t.split(';').next().unwrap_or("").trim())
        .collect();
    let enc = if tokens.contains(&"gzip") {
        "gzip"
    } else if tokens.contains(&"deflate") {
        "deflate"
    } else {
        return r;
    };
    let (mut parts, body) = r.into_parts();
    let Ok(data) = axum::body::to_bytes(body, usize::MAX).await else {
        return Response::from_parts(parts, Body::empty());
    };
    let raw = miniz_oxide::deflate::compress_to_vec(&data, 5);
    let out = if enc == "gzip" {
        let mut g = vec![0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 0xff];
        g.extend_from_slice(&raw);
        g.extend_from_slice(&crc32fast::hash(&data).to_le_bytes());
        g.extend_from_slice(&(data.len() as u32).to_le_bytes());
        g
    } else {
        raw
    };
    parts.headers.remove(header::CONTENT_LENGTH);
    parts
        .headers
        .insert(header::CONTENT_ENCODING, HeaderValue::from_static(enc));
    parts
        .headers
        .append(header::VARY, HeaderValue::from_static("Accept-Encoding"));
    let chunk: Result<Bytes, std::io::Error> = Ok(Bytes::from(out));
    Response::from_parts(
        parts,
        Body::from_stream(futures_util::stream::iter([chunk])),
    )
}

async fn dirs_post(
    State(st): St,
    Extension(peer): Extension<PeerAddr>,
    headers: HeaderMap,
    RawQuery(q): RawQuery,
) -> Response {
    let mut g = st.lock();
    let (s, u) = match write_session(&g, &headers, peer) {
        Ok(x) => x,
        Err(r) => return r,
    };
    let q = go_query(q.as_deref());
    let p = path_param(&q, u.start_dir.as_deref());
    let parents = query_get(&q, "mkdir_parents").as_deref() == Some("true");
    let fs = home(&mut g, &s.username);
    let now = now_ms();
    if parents && fs.mkdir_all(&p, false, now).is_err() {
        return api_msg(
            StatusCode::INTERNAL_SERVER_ERROR,
            "Error checking parent directories",
            Some("failure"),
        );
    }
    let msg = format!("Unable to create directory {}", go_quote(&p));
    if fs.get(&p).is_some() {
        return api_msg(StatusCode::INTERNAL_SERVER_ERROR, &msg, Some("failure"));
    }
    match fs.get(&fs::parent(&p)) {
        Some(Node::Dir { .. }) => {}
        None => return not_exist(&msg),
        Some(_) => return api_msg(StatusCode::INTERNAL_SERVER_ERROR, &msg, Some("failure")),
    }
    fs.insert(&p, Node::Dir { mtime_ms: now });
    api_msg(
        StatusCode::CREATED,
        &format!("Directory {} created", go_quote(&p)),
        None,
    )
}

async fn dirs_delete(
    State(st): St,
    Extension(peer): Extension<PeerAddr>,
    headers: HeaderMap,
    RawQuery(q): RawQuery,
) -> Response {
    let mut g = st.lock();
    let (s, u) = match write_session(&g, &headers, peer) {
        Ok(x) => x,
        Err(r) => return r,
    };
    let q = go_query(q.as_deref());
    let p = path_param(&q, u.start_dir.as_deref());
    let msg = format!("Unable to delete directory {}", go_quote(&p));
    if p == "/" {
        return api_msg(StatusCode::FORBIDDEN, &msg, Some("permission denied"));
    }
    let fs = home(&mut g, &s.username);
    if fs.get(&p).is_none() {
        return not_exist(&msg);
    }
    fs.remove_tree(&p);
    api_msg(
        StatusCode::OK,
        &format!("Directory {} deleted", go_quote(&p)),
        None,
    )
}

fn content_type_for(name: &str) -> &'static str {
    let ext = name
        .rsplit_once('.')
        .map(|(_, e)| e.to_ascii_lowercase())
        .unwrap_or_default();
    match ext.as_str() {
        "csv" => "text/csv; charset=utf-8",
        "txt" => "text/plain; charset=utf-8",
        "xml" => "text/xml; charset=utf-8",
        "json" => "application/json",
        "pdf" => "application/pdf",
        "zip" => "application/zip",
        "html" | "htm" => "text/html; charset=utf-8",
        _ => "application/octet-stream",
    }
}

/// SFTPGo `parseRangeRequest` on the part after `bytes=`: `(offset, length)`.
fn parse_range(spec: &str, size: i64) -> Result<(i64, i64), String> {
    let unacceptable = || format!("unacceptable range {}", go_quote(spec));
    let mut vals = spec.split('-');
    let first = vals.next().unwrap_or("");
    let parse = |s: &str| -> Result<i64, String> {
        s.parse::<i64>()
            .map_err(|_| format!("strconv.ParseInt: parsing {}: invalid syntax", go_quote(s)))
    };
    let start = if first.is_empty() { -1 } else { parse(first)? };
    let mut end = 0i64;
    if let Some(second) = vals.next() {
        if !second.is_empty() {
            end = parse(second)?;
            if end >= size {
                end = size - 1;
            }
        }
    }
    if start == -1 && end == 0 {
        return Err(unacceptable());
    }
    if end > 0 {
        if start == -1 {
            return Ok((size - end, end));
        }
        let len = end - start + 1;
        if len < 0 {
            return Err(unacceptable());
        }
        return Ok((start, len));
    }
    let len = size - start;
    if len < 0 || start < 0 {
        return Err(unacceptable());
    }
    Ok((start, len))
}

async fn files_get(
    State(st): St,
    Extension(peer): Extension<PeerAddr>,
    method: Method,
    headers: HeaderMap,
    RawQuery(q): RawQuery,
) -> Response {
    prepare_download(&st, peer, &method, &headers, q.as_deref())
}

fn prepare_download(
    st: &Echange,
    peer: PeerAddr,
    method: &Method,
    headers: &HeaderMap,
    q: Option<&str>,
) -> Response {
    let mut g = st.lock();
    let (s, u) = match session(&g, headers, peer) {
        Ok(x) => x,
        Err(r) => return r,
    };
    let q = go_query(q);
    let p = path_param(&q, u.start_dir.as_deref());
    if p == "/" {
        return api_msg(
            StatusCode::BAD_REQUEST,
            "Please set the path to a valid file",
            None,
        );
    }
    let fs = home(&mut g, &s.username);
    let (content, mtime_ms) = match fs.stat(&p) {
        None => return not_exist("Unable to stat the requested file"),
        Some((_, Node::Dir { .. })) => {
            return api_msg(
                StatusCode::BAD_REQUEST,
                &format!(
                    "Please set the path to a valid file, {} is a directory",
                    go_quote(&p)
                ),
                None,
            )
        }
        Some((_, Node::File { content, mtime_ms })) => (content.clone(), *mtime_ms),
        Some((_, Node::Symlink { .. })) => return not_exist("Unable to stat the requested file"),
    };
    drop(g);
    let size = content.len() as i64;
    let mtime = mtime_ms.div_euclid(1000);
    let hdr = |n: header::HeaderName| headers.get(n).and_then(|v| v.to_str().ok());

    // Range (before the conditional checks, like SFTPGo).
    let mut range_hdr = hdr(header::RANGE);
    if let Some(ir) = hdr(header::IF_RANGE) {
        if parse_http_date(ir) != Some(mtime) {
            range_hdr = None;
        }
    }
    let mut range: Option<(i64, i64)> = None;
    if let Some(spec) = range_hdr.and_then(|r| r.strip_prefix("bytes=")) {
        let res = if spec.contains(',') {
            Err(format!("unsupported range {}", go_quote(spec)))
        } else {
            parse_range(spec, size)
        };
        match res {
            Ok(r) if r.0 <= size => range = Some(r),
            Ok(_) => {
                return api_msg(
                    StatusCode::RANGE_NOT_SATISFIABLE,
                    "Requested Range Not Satisfiable",
                    Some(&format!("unacceptable range {}", go_quote(spec))),
                )
            }
            Err(e) => {
                return api_msg(
                    StatusCode::RANGE_NOT_SATISFIABLE,
                    "Requested Range Not Satisfiable",
                    Some(&e),
                )
            }
        }
    }
    if let Some(ius) = hdr(header::IF_UNMODIFIED_SINCE).and_then(parse_http_date) {
        if mtime > ius {
            let mut r = Response::new(Body::from(
                "{\"error\":\"Precondition Failed\",\"message\":\"\"}\n",
            ));
            *r.status_mut() = StatusCode::PRECONDITION_FAILED;
            r.headers_mut().insert(
                header::CONTENT_TYPE,
                HeaderValue::from_static("text/plain; charset=utf-8"),
            );
            return r;
        }
    }
    let last_modified = HeaderValue::from_str(&http_date(mtime)).ok();
    if let Some(ims) = hdr(header::IF_MODIFIED_SINCE).and_then(parse_http_date) {
        if mtime <= ims {
            let mut r = Response::new(Body::empty());
            *r.status_mut() = StatusCode::NOT_MODIFIED;
            if let Some(lm) = last_modified {
                r.headers_mut().insert(header::LAST_MODIFIED, lm);
            }
            return r;
        }
    }
    let (offset, len) = range.unwrap_or((0, size));
    let len = len.max(0);
    let body = if *method == Method::HEAD {
        Body::empty()
    } else {
        let mut reader = content.reader(offset as u64, len as u64);
        let stream = futures_util::stream::poll_fn(move |_| {
            std::task::Poll::Ready(
                reader
                    .next_chunk(64 * 1024)
                    .map(Ok::<Bytes, std::io::Error>),
            )
        });
        Body::from_stream(stream)
    };
    let mut r = Response::new(body);
    let h = r.headers_mut();
    let name = fs::base(&p);
    if let Ok(v) =
        HeaderValue::from_bytes(format!("attachment; filename={}", go_quote(&name)).as_bytes())
    {
        h.insert(header::CONTENT_DISPOSITION, v);
    }
    h.insert(header::ACCEPT_RANGES, HeaderValue::from_static("bytes"));
    if let Some(lm) = last_modified {
        h.insert(header::LAST_MODIFIED, lm);
    }
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static(content_type_for(&name)),
    );
    h.insert(header::CONTENT_LENGTH, HeaderValue::from(len as u64));
    if range.is_some() {
        if let Ok(v) =
            HeaderValue::from_str(&format!("bytes {}-{}/{}", offset, offset + len - 1, size))
        {
            h.insert(header::CONTENT_RANGE, v);
        }
        *r.status_mut() = StatusCode::PARTIAL_CONTENT;
    }
    r
}

async fn files_delete(
    State(st): St,
    Extension(peer): Extension<PeerAddr>,
    headers: HeaderMap,
    RawQuery(q): RawQuery,
) -> Response {
    let mut g = st.lock();
    let (s, u) = match write_session(&g, &headers, peer) {
        Ok(x) => x,
        Err(r) => return r,
    };
    let q = go_query(q.as_deref());
    let p = path_param(&q, u.start_dir.as_deref());
    let fs = home(&mut g, &s.username);
    match fs.get(&p) {
        None => not_exist(&format!("Unable to delete file {}", go_quote(&p))),
        Some(Node::Dir { .. }) => api_msg(
            StatusCode::BAD_REQUEST,
            &format!("Unable delete {}, it is not a file/symlink", go_quote(&p)),
            None,
        ),
        Some(_) => {
            fs.remove_tree(&p);
            api_msg(
                StatusCode::OK,
                &format!("File {} deleted", go_quote(&p)),
                None,
            )
        }
    }
}

/// Checks that `p` can receive a file; returns the error response otherwise.
fn check_upload_target(fs: &mut Fs, p: &str, parents: bool, msg: &str) -> Result<(), Response> {
    if p == "/" {
        return Err(unsupported(msg, "operation unsupported"));
    }
    if parents && fs.mkdir_all(p, false, now_ms()).is_err() {
        return Err(api_msg(
            StatusCode::INTERNAL_SERVER_ERROR,
            "Error checking parent directories",
            Some("failure"),
        ));
    }
    match fs.get(&fs::parent(p)) {
        Some(Node::Dir { .. }) => {}
        None => return Err(not_exist(msg)),
        Some(_) => {
            return Err(api_msg(
                StatusCode::INTERNAL_SERVER_ERROR,
                msg,
                Some("failure"),
            ))
        }
    }
    if let Some(Node::Dir { .. }) = fs.get(p) {
        return Err(unsupported(msg, "operation unsupported"));
    }
    Ok(())
}

async fn files_upload(
    State(st): St,
    Extension(peer): Extension<PeerAddr>,
    headers: HeaderMap,
    RawQuery(q): RawQuery,
    req: Request,
) -> Response {
    let (user, p, cap) = {
        let mut g = st.lock();
        let (s, u) = match write_session(&g, &headers, peer) {
            Ok(x) => x,
            Err(r) => return r,
        };
        let q = go_query(q.as_deref());
        let Some(raw) = query_get(&q, "path") else {
            return api_msg(StatusCode::BAD_REQUEST, "", Some("please set a file path"));
        };
        let p = clean_path(&raw, u.start_dir.as_deref());
        let parents = query_get(&q, "mkdir_parents").as_deref() == Some("true");
        let msg = format!("Unable to write file {}", go_quote(&p));
        if let Err(r) = check_upload_target(home(&mut g, &s.username), &p, parents, &msg) {
            return r;
        }
        (s.username, p, g.max_upload)
    };
    let mut data = Vec::new();
    let mut stream = req.into_body().into_data_stream();
    let mut failed = false;
    let mut too_large = false;
    while let Some(chunk) = stream.next().await {
        match chunk {
            Ok(c) => {
                if cap > 0 && (data.len() + c.len()) as u64 > cap {
                    let keep = (cap as usize).saturating_sub(data.len());
                    data.extend_from_slice(c.get(..keep).unwrap_or_default());
                    too_large = true;
                    failed = true;
                    break;
                }
                data.extend_from_slice(&c);
            }
            Err(_) => {
                failed = true;
                break;
            }
        }
    }
    let mtime = headers
        .get("x-sftpgo-mtime")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<i64>().ok())
        .unwrap_or_else(now_ms);
    let mut g = st.lock();
    let fs = home(&mut g, &user);
    if !matches!(fs.get(&fs::parent(&p)), Some(Node::Dir { .. })) {
        return not_exist(&format!("Unable to write file {}", go_quote(&p)));
    }
    // Like SFTPGo's default upload mode, a partial upload stays.
    fs.insert(
        &p,
        Node::File {
            content: Content::Bytes(Bytes::from(data)),
            mtime_ms: if failed { now_ms() } else { mtime },
        },
    );
    if too_large {
        return api_msg(
            StatusCode::PAYLOAD_TOO_LARGE,
            &format!("Error saving file {}", go_quote(&p)),
            Some("http: request body too large"),
        );
    }
    if failed {
        return api_msg(
            StatusCode::INTERNAL_SERVER_ERROR,
            &format!("Error saving file {}", go_quote(&p)),
            Some("failure"),
        );
    }
    api_msg(StatusCode::CREATED, "Upload completed", None)
}

async fn files_multipart(
    State(st): St,
    Extension(peer): Extension<PeerAddr>,
    headers: HeaderMap,
    RawQuery(q): RawQuery,
    req: Request,
) -> Response {
    let (user, dir, parents, cap) = {
        let g = st.lock();
        let (s, u) = match write_session(&g, &headers, peer) {
            Ok(x) => x,
            Err(r) => return r,
        };
        let q = go_query(q.as_deref());
        let dir = path_param(&q, u.start_dir.as_deref());
        let parents = query_get(&q, "mkdir_parents").as_deref() == Some("true");
        (s.username, dir, parents, g.max_upload)
    };
    let declared = headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if cap > 0 && declared.is_some_and(|n| n > cap) {
        return api_msg(
            StatusCode::BAD_REQUEST,
            "Unable to parse multipart form",
            Some("http: request body too large"),
        );
    }
    let parse_err = |e: &str| {
        api_msg(
            StatusCode::BAD_REQUEST,
            "Unable to parse multipart form",
            Some(e),
        )
    };
    let mut mp = match Multipart::from_request(req, &()).await {
        Ok(m) => m,
        Err(_) => return parse_err("request Content-Type isn't multipart/form-data"),
    };
    // Parse the whole form first, like Go's ParseMultipartForm.
    let mut files: Vec<(String, Bytes)> = Vec::new();
    let mut seen = 0u64;
    loop {
        match mp.next_field().await {
            Ok(Some(field)) => {
                let is_file = field.name() == Some("filenames");
                let fname = field.file_name().map(str::to_string);
                match field.bytes().await {
                    Ok(b) => {
                        seen += b.len() as u64;
                        if cap > 0 && seen > cap {
                            return parse_err("http: request body too large");
                        }
                        if let (true, Some(f)) = (is_file, fname) {
                            files.push((f, b));
                        }
                    }
                    Err(e) => return parse_err(&e.body_text()),
                }
            }
            Ok(None) => break,
            Err(e) => return parse_err(&e.body_text()),
        }
    }
    if files.is_empty() {
        return api_msg(StatusCode::BAD_REQUEST, "No files uploaded!", None);
    }
    let mut g = st.lock();
    let fs = home(&mut g, &user);
    if parents && fs.mkdir_all(&dir, true, now_ms()).is_err() {
        return api_msg(
            StatusCode::INTERNAL_SERVER_ERROR,
            "Error checking parent directories",
            Some("failure"),
        );
    }
    for (fname, data) in files {
        let base = fname.replace('\\', "/");
        let base = base.rsplit('/').next().unwrap_or("").to_string();
        let target = fs::join(&dir, &base);
        let msg = format!("Unable to write file {}", go_quote(&fname));
        if let Err(r) = check_upload_target(fs, &target, false, &msg) {
            return r;
        }
        fs.insert(
            &target,
            Node::File {
                content: Content::Bytes(data),
                mtime_ms: now_ms(),
            },
        );
    }
    api_msg(StatusCode::CREATED, "Upload completed", None)
}

#[derive(serde::Deserialize)]
struct MetaBody {
    modification_time: Option<i64>,
}

async fn metadata(
    State(st): St,
    Extension(peer): Extension<PeerAddr>,
    headers: HeaderMap,
    RawQuery(q): RawQuery,
    body: Bytes,
) -> Response {
    let mut g = st.lock();
    let (s, u) = match write_session(&g, &headers, peer) {
        Ok(x) => x,
        Err(r) => return r,
    };
    let meta: MetaBody = match serde_json::from_slice(&body) {
        Ok(m) => m,
        Err(e) => return api_msg(StatusCode::BAD_REQUEST, "", Some(&e.to_string())),
    };
    let q = go_query(q.as_deref());
    let (Some(mt), Some(raw)) = (
        meta.modification_time.filter(|t| *t > 0),
        query_get(&q, "path"),
    ) else {
        return api_msg(
            StatusCode::BAD_REQUEST,
            "",
            Some("please set a modification_time and a path"),
        );
    };
    let p = clean_path(&raw, u.start_dir.as_deref());
    let fs = home(&mut g, &s.username);
    match fs.get_mut(&p) {
        Some(n) => {
            n.set_mtime_ms(mt);
            api_msg(StatusCode::OK, "OK", None)
        }
        None => not_exist(&format!("Unable to set metadata for path {}", go_quote(&p))),
    }
}

fn raw_params(q: &[(String, String)], start: Option<&str>) -> (String, bool, String, bool) {
    let rp = query_get(q, "path").unwrap_or_default();
    let rt = query_get(q, "target").unwrap_or_default();
    (
        clean_path(&rp, start),
        rp.ends_with('/'),
        clean_path(&rt, start),
        rt.ends_with('/'),
    )
}

fn display(p: &str, slash: bool) -> String {
    if slash && p != "/" {
        format!("{p}/")
    } else {
        p.to_string()
    }
}

async fn copy_entry(
    State(st): St,
    Extension(peer): Extension<PeerAddr>,
    headers: HeaderMap,
    RawQuery(q): RawQuery,
) -> Response {
    let mut g = st.lock();
    let (s, u) = match write_session(&g, &headers, peer) {
        Ok(x) => x,
        Err(r) => return r,
    };
    let q = go_query(q.as_deref());
    let (src, src_slash, dst, dst_slash) = raw_params(&q, u.start_dir.as_deref());
    let (ds, dd) = (display(&src, src_slash), display(&dst, dst_slash));
    let msg = format!("Unable to copy {} => {}", go_quote(&ds), go_quote(&dd));
    let fs = home(&mut g, &s.username);
    match do_copy(fs, &src, src_slash, &dst, dst_slash) {
        Ok(()) => api_msg(
            StatusCode::OK,
            &format!("{} copied to {}", go_quote(&ds), go_quote(&dd)),
            None,
        ),
        Err((status, err)) => api_msg(status, &msg, Some(&err)),
    }
}

type OpErr = (StatusCode, String);

fn op_unsupported(prefix: &str) -> OpErr {
    let e = if prefix.is_empty() {
        "operation unsupported".to_string()
    } else {
        format!("{prefix}: operation unsupported")
    };
    (StatusCode::BAD_REQUEST, e)
}

fn do_copy(
    fs: &mut Fs,
    src: &str,
    src_slash: bool,
    dst: &str,
    dst_slash: bool,
) -> Result<(), OpErr> {
    let node = fs
        .get(src)
        .cloned()
        .ok_or((StatusCode::NOT_FOUND, "file does not exist".to_string()))?;
    if src == dst {
        return Err(op_unsupported(
            "the copy source and target cannot be the same",
        ));
    }
    let now = now_ms();
    let dst_is_dir = matches!(fs.get(dst), Some(Node::Dir { .. }));
    match node {
        Node::Symlink { .. } => Err(op_unsupported("copying symlinks is not supported")),
        Node::File { content, .. } => {
            let target = if dst_slash || dst_is_dir {
                fs::join(dst, &fs::base(src))
            } else {
                dst.to_string()
            };
            if target == src {
                return Err(op_unsupported(
                    "the copy source and target cannot be the same",
                ));
            }
            if matches!(fs.get(&target), Some(Node::Dir { .. })) {
                return Err(op_unsupported(""));
            }
            fs.mkdir_all(&target, false, now)
                .map_err(|_| op_unsupported(""))?;
            fs.insert(
                &target,
                Node::File {
                    content,
                    mtime_ms: now,
                },
            );
            Ok(())
        }
        Node::Dir { .. } => {
            let target = if !src_slash && (dst_slash || dst_is_dir) {
                fs::join(dst, &fs::base(src))
            } else {
                dst.to_string()
            };
            if target == src {
                return Err(op_unsupported(
                    "the copy source and target cannot be the same",
                ));
            }
            if fs::is_within(&target, src) {
                return Err(op_unsupported(&format!(
                    "cannot copy {} into itself",
                    go_quote(src)
                )));
            }
            if matches!(
                fs.get(&target),
                Some(Node::File { .. } | Node::Symlink { .. })
            ) {
                return Err(op_unsupported(""));
            }
            fs.mkdir_all(&target, true, now)
                .map_err(|_| op_unsupported(""))?;
            for k in fs.subtree(src) {
                if k == src {
                    continue;
                }
                let rel = k.get(src.len()..).unwrap_or("");
                let nk = if src == "/" {
                    format!("{target}{k}")
                } else {
                    format!("{target}{rel}")
                };
                let nk = fs::path_clean(&nk);
                match fs.get(&k).cloned() {
                    Some(Node::Dir { .. }) => match fs.get(&nk) {
                        Some(Node::Dir { .. }) => {}
                        Some(_) => return Err(op_unsupported("")),
                        None => fs.insert(&nk, Node::Dir { mtime_ms: now }),
                    },
                    Some(Node::File { content, .. }) => {
                        if matches!(fs.get(&nk), Some(Node::Dir { .. })) {
                            return Err(op_unsupported(""));
                        }
                        fs.insert(
                            &nk,
                            Node::File {
                                content,
                                mtime_ms: now,
                            },
                        );
                    }
                    _ => {}
                }
            }
            Ok(())
        }
    }
}

async fn move_entry(
    State(st): St,
    Extension(peer): Extension<PeerAddr>,
    headers: HeaderMap,
    RawQuery(q): RawQuery,
) -> Response {
    let mut g = st.lock();
    let (s, u) = match write_session(&g, &headers, peer) {
        Ok(x) => x,
        Err(r) => return r,
    };
    let q = go_query(q.as_deref());
    let (src, _, dst, _) = raw_params(&q, u.start_dir.as_deref());
    let msg = format!("Unable to rename {} => {}", go_quote(&src), go_quote(&dst));
    let fs = home(&mut g, &s.username);
    let res = (|| -> Result<(), OpErr> {
        let node = fs
            .get(&src)
            .cloned()
            .ok_or((StatusCode::NOT_FOUND, "file does not exist".to_string()))?;
        if src == dst {
            return Err(op_unsupported(
                "the rename source and target cannot be the same",
            ));
        }
        if src == "/" || dst == "/" {
            return Err((StatusCode::FORBIDDEN, "permission denied".to_string()));
        }
        if matches!(fs.get(&dst), Some(Node::Dir { .. })) {
            return Err(op_unsupported(""));
        }
        if !matches!(fs.get(&fs::parent(&dst)), Some(Node::Dir { .. })) {
            return Err((StatusCode::NOT_FOUND, "file does not exist".to_string()));
        }
        if node.is_dir() && fs::is_within(&dst, &src) {
            return Err(op_unsupported(""));
        }
        if fs.get(&dst).is_some() {
            fs.remove_tree(&dst);
        }
        fs.rename_tree(&src, &dst);
        Ok(())
    })();
    match res {
        Ok(()) => api_msg(
            StatusCode::OK,
            &format!("{} renamed to {}", go_quote(&src), go_quote(&dst)),
            None,
        ),
        Err((status, err)) => api_msg(status, &msg, Some(&err)),
    }
}

/// The cleaned `path` query parameter (missing = the start folder or `/`, docs/echange.md).
fn path_param(q: &[(String, String)], start_dir: Option<&str>) -> String {
    clean_path(&query_get(q, "path").unwrap_or_default(), start_dir)
}

#[cfg(test)]
mod tests {
    use super::parse_range;

    #[test]
    fn range_quirks() {
        assert_eq!(parse_range("100-199", 1000), Ok((100, 100)));
        assert_eq!(parse_range("0-0", 1000), Ok((0, 1000)));
        assert_eq!(parse_range("5-0", 1000), Ok((5, 995)));
        assert_eq!(parse_range("-10", 1000), Ok((990, 10)));
        assert_eq!(parse_range("-5000", 1000), Ok((1, 999)));
        assert_eq!(parse_range("900-", 1000), Ok((900, 100)));
        assert_eq!(parse_range("1000-", 1000), Ok((1000, 0)));
        assert!(parse_range("1001-", 1000).is_err());
        assert!(parse_range("-0", 1000).is_err());
        assert!(parse_range("x-1", 1000).is_err());
        assert!(parse_range("9-3", 1000).is_err());
    }
}
