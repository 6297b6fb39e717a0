//! Server assembly: configuration, connection handling, the global layer (CORS, request log,
//! fault injection, `Server` header), the test controls under `/__fake/`, and start-up.
//!
//! Connections are served with hyper directly (not `axum::serve`) so that a handler can close
//! its TCP connection before any status line is written ([`ConnKill`]), which is how SFTPGo's
//! aborted handlers look to a client.

use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use axum::body::Body;
use axum::extract::{DefaultBodyLimit, RawQuery, State};
use axum::http::{header, HeaderMap, HeaderValue, Method, Request, StatusCode, Uri};
use axum::response::Response;
use axum::routing::{get, post};
use axum::{Json, Router};
use hyper_util::rt::TokioIo;
use serde::Deserialize;
use serde_json::{json, Value};
use sha2::{Digest, Sha256};

use crate::echange::fs::{self, Content, Node};
use crate::echange::{self, Echange};
use crate::faults::{self, Applied, Fault, Faults};
use crate::ped::{self, Lang, PedState};
use crate::util::{api_msg, fnv1a, go_query, json_response, now_ms, query_get, ConnKill, PeerAddr};

/// `Server` header of the Échange routes.
pub const SERVER_HEADER: &str = "SFTPGo/2.7.99-dev";
/// `Access-Control-Allow-Methods` of preflights.
pub const CORS_METHODS: &str = "GET, POST, PUT, PATCH, DELETE, HEAD";
/// `Access-Control-Allow-Headers` of preflights.
pub const CORS_HEADERS: &str =
    "Authorization, Content-Type, X-SFTPGO-OTP, X-SFTPGO-MTIME, Range, X-Auth-Key";
/// `Access-Control-Expose-Headers` of actual responses.
pub const CORS_EXPOSE: &str =
    "Content-Disposition, Content-Length, Content-Range, Retry-After, X-Retry-In, Last-Modified";

/// Start-up configuration.
#[derive(Clone, Debug)]
pub struct Config {
    /// Port to bind on 127.0.0.1; 0 picks a free one.
    pub port: u16,
    /// Token lifetime in seconds (Échange default: 1200, SFTPGo's 20 minutes).
    pub token_ttl_secs: Option<u64>,
    /// Language of PRE-ETAT.DATE messages (`fr` or `en`).
    pub lang: String,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            port: 0,
            token_ttl_secs: None,
            lang: "fr".to_string(),
        }
    }
}

/// A running fake server.
pub struct Running {
    /// The bound address.
    pub addr: SocketAddr,
    /// The accept-loop task.
    pub task: tokio::task::JoinHandle<()>,
    /// Shared state (tests may poke it directly).
    pub shared: Arc<Shared>,
}

impl Running {
    /// `http://127.0.0.1:PORT`
    pub fn base_url(&self) -> String {
        format!("http://{}", self.addr)
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// State shared by every connection.
pub struct Shared {
    /// Échange state.
    pub echange: Arc<Echange>,
    /// Queued faults.
    pub faults: Faults,
    /// Requests received since the last reset (excluding `/__fake/`).
    pub log: Mutex<Vec<Value>>,
    /// PRE-ETAT.DATE state.
    pub ped: PedState,
    /// Échange requests in flight (until their body is done), for the connection gate.
    pub in_flight: Arc<AtomicU64>,
}

/// Decrements the in-flight counter when the response body is dropped.
struct InFlight(Arc<AtomicU64>);

impl Drop for InFlight {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::SeqCst);
    }
}

/// A body that keeps an [`InFlight`] guard alive until it is done (size hints preserved).
struct GuardedBody {
    inner: Body,
    _guard: InFlight,
}

impl axum::body::HttpBody for GuardedBody {
    type Data = axum::body::Bytes;
    type Error = axum::Error;

    fn poll_frame(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Option<Result<http_body::Frame<Self::Data>, Self::Error>>> {
        std::pin::Pin::new(&mut self.inner).poll_frame(cx)
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> http_body::SizeHint {
        self.inner.size_hint()
    }
}

struct App {
    shared: Arc<Shared>,
    api: Router,
    controls: Router,
}

/// Binds and starts serving in the background.
pub async fn start(config: Config) -> std::io::Result<Running> {
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", config.port)).await?;
    let addr = listener.local_addr()?;
    let shared = Arc::new(Shared {
        echange: Echange::new(config.token_ttl_secs),
        faults: Faults::default(),
        log: Mutex::new(Vec::new()),
        ped: {
            let lang = config.lang.parse::<Lang>().unwrap_or_default();
            let ped = PedState::new(lang);
            if let Some(ttl) = config.token_ttl_secs {
                ped.set_token_ttl(ttl);
            }
            ped
        },
        in_flight: Arc::new(AtomicU64::new(0)),
    });
    let api = echange::routes::router(shared.echange.clone())
        // PRE-ETAT.DATE vendor routes, at the root and under `/api`.
        .merge(ped::api_router(shared.ped.clone()))
        .fallback(not_found)
        .layer(DefaultBodyLimit::disable());
    let controls = controls_router(shared.clone());
    let app = Arc::new(App {
        shared: shared.clone(),
        api,
        controls,
    });
    let task = tokio::spawn(async move {
        loop {
            let Ok((stream, peer)) = listener.accept().await else {
                continue;
            };
            let app = app.clone();
            tokio::spawn(serve_conn(app, stream, peer));
        }
    });
    Ok(Running { addr, task, shared })
}

async fn serve_conn(app: Arc<App>, stream: tokio::net::TcpStream, peer: SocketAddr) {
    let _ = stream.set_nodelay(true);
    let kill = ConnKill::new();
    let k2 = kill.clone();
    let svc = hyper::service::service_fn(move |req: Request<hyper::body::Incoming>| {
        let app = app.clone();
        let kill = k2.clone();
        async move { Ok::<_, Infallible>(handle(app, req.map(Body::new), kill, peer).await) }
    });
    let conn = hyper::server::conn::http1::Builder::new()
        .keep_alive(true)
        .serve_connection(TokioIo::new(stream), svc);
    tokio::select! {
        _ = conn => {}
        // Dropping the connection future closes the socket, whatever was buffered.
        _ = kill.killed() => {}
    }
}

async fn not_found() -> Response {
    api_msg(StatusCode::NOT_FOUND, "Not Found", None)
}

fn header_map_json(h: &HeaderMap) -> Value {
    let mut m = serde_json::Map::new();
    for (name, v) in h {
        let v = String::from_utf8_lossy(v.as_bytes()).into_owned();
        match m.get_mut(name.as_str()) {
            Some(Value::String(prev)) => {
                prev.push_str(", ");
                prev.push_str(&v);
            }
            _ => {
                m.insert(name.as_str().to_string(), Value::String(v));
            }
        }
    }
    Value::Object(m)
}

async fn handle(
    app: Arc<App>,
    mut req: Request<Body>,
    kill: ConnKill,
    peer: SocketAddr,
) -> Response {
    req.extensions_mut().insert(PeerAddr(peer));
    req.extensions_mut().insert(kill.clone());
    let origin = req.headers().get(header::ORIGIN).cloned();
    // Percent-decoded path: what the log records and what faults match.
    let path = decode_path(req.uri().path());
    let is_control = path.starts_with("/__fake/") || path == "/__fake";

    let mut resp = if req.method() == Method::OPTIONS
        && req
            .headers()
            .contains_key(header::ACCESS_CONTROL_REQUEST_METHOD)
    {
        log_request(&app.shared, &req, &path, is_control);
        preflight(origin.as_ref())
    } else if is_control {
        call(&app.controls, req).await
    } else {
        log_request(&app.shared, &req, &path, false);
        let fault = app.shared.faults.take(req.method().as_str(), &path);
        let mut cut = None;
        let mut early = None;
        if let Some(kind) = fault {
            match faults::apply(kind, &kill).await {
                Applied::Respond(r) => early = Some(r),
                Applied::CutAfter(n) => cut = Some(n),
                Applied::Continue => {}
            }
        }
        match early {
            Some(r) => r,
            None => {
                let req = strip_route_slash(req);
                let r = if path.starts_with("/api/v2/") || path == "/healthz" {
                    echange_gate(&app, req).await
                } else {
                    call(&app.api, req).await
                };
                match cut {
                    Some(n) => faults::cut_after(r, n, kill.clone()),
                    None => r,
                }
            }
        }
    };
    let h = resp.headers_mut();
    if path.starts_with("/api/v2/") || path == "/healthz" {
        h.insert(header::SERVER, HeaderValue::from_static(SERVER_HEADER));
    }
    h.append(header::VARY, HeaderValue::from_static("Origin"));
    if let Some(o) = origin {
        h.insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, o);
        h.insert(
            header::ACCESS_CONTROL_EXPOSE_HEADERS,
            HeaderValue::from_static(CORS_EXPOSE),
        );
    }
    resp
}

/// Percent-decodes a URL path (`+` stays `+`); invalid escapes are kept as they are.
pub fn decode_path(p: &str) -> String {
    let b = p.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while let Some(&c) = b.get(i) {
        let hex = |j: usize| b.get(j).and_then(|h| (*h as char).to_digit(16));
        match (c, hex(i + 1), hex(i + 2)) {
            (b'%', Some(h), Some(l)) => {
                out.push((h * 16 + l) as u8);
                i += 3;
            }
            _ => {
                out.push(c);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// SFTPGo's `checkConnection` for the Échange routes: defender ban, then the per-host
/// connection limit (both off by default).
async fn echange_gate(app: &App, req: Request<Body>) -> Response {
    let (banned, max) = {
        let g = app.shared.echange.lock();
        (g.banned, g.max_in_flight)
    };
    if banned {
        return api_msg(
            StatusCode::FORBIDDEN,
            "",
            Some("your IP address is blocked"),
        );
    }
    let n = app.shared.in_flight.fetch_add(1, Ordering::SeqCst) + 1;
    let guard = InFlight(app.shared.in_flight.clone());
    if max > 0 && n > max {
        return api_msg(
            StatusCode::FORBIDDEN,
            "",
            Some("you are not allowed to connect"),
        );
    }
    let (parts, body) = call(&app.api, req).await.into_parts();
    Response::from_parts(
        parts,
        Body::new(GuardedBody {
            inner: body,
            _guard: guard,
        }),
    )
}

fn log_request(shared: &Shared, req: &Request<Body>, path: &str, is_control: bool) {
    if is_control {
        return;
    }
    let entry = json!({
        "method": req.method().as_str(),
        "path": path,
        "query": req.uri().query().unwrap_or(""),
        "headers": header_map_json(req.headers()),
    });
    if let Ok(mut l) = shared.log.lock() {
        l.push(entry);
    }
}

fn preflight(origin: Option<&HeaderValue>) -> Response {
    let mut r = Response::new(Body::empty());
    *r.status_mut() = StatusCode::NO_CONTENT;
    let h = r.headers_mut();
    if let Some(o) = origin {
        h.insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, o.clone());
    }
    h.insert(
        header::ACCESS_CONTROL_ALLOW_METHODS,
        HeaderValue::from_static(CORS_METHODS),
    );
    h.insert(
        header::ACCESS_CONTROL_ALLOW_HEADERS,
        HeaderValue::from_static(CORS_HEADERS),
    );
    h.insert(
        header::ACCESS_CONTROL_MAX_AGE,
        HeaderValue::from_static("600"),
    );
    h.append(
        header::VARY,
        HeaderValue::from_static("Access-Control-Request-Method"),
    );
    h.append(
        header::VARY,
        HeaderValue::from_static("Access-Control-Request-Headers"),
    );
    r
}

/// chi's `StripSlashes`: `/api/v2/user/dirs/` routes like `/api/v2/user/dirs` (not `…//`).
fn strip_route_slash(mut req: Request<Body>) -> Request<Body> {
    let path = req.uri().path();
    if path.starts_with("/api/v2/") && path.ends_with('/') && !path.ends_with("//") {
        let new_path = path.trim_end_matches('/').to_string();
        let pq = match req.uri().query() {
            Some(q) => format!("{new_path}?{q}"),
            None => new_path,
        };
        if let Ok(u) = Uri::builder().path_and_query(pq).build() {
            *req.uri_mut() = u;
        }
    }
    req
}

async fn call(router: &Router, req: Request<Body>) -> Response {
    match tower::ServiceExt::oneshot(router.clone(), req).await {
        Ok(r) => r,
        Err(never) => match never {},
    }
}

// ---------------------------------------------------------------------------------------
// Test controls
// ---------------------------------------------------------------------------------------

type Sh = State<Arc<Shared>>;

fn ok() -> Response {
    json_response(StatusCode::OK, &json!({"ok": true}))
}

fn bad(msg: &str) -> Response {
    json_response(StatusCode::BAD_REQUEST, &json!({"error": msg}))
}

fn controls_router(shared: Arc<Shared>) -> Router {
    Router::new()
        .route("/__fake/reset", post(reset))
        .route("/__fake/faults", post(add_fault).delete(clear_faults))
        .route("/__fake/requests", get(requests))
        .route("/__fake/echange/otp", post(otp))
        .route("/__fake/echange/expire-tokens", post(rotate_key))
        .route("/__fake/echange/rotate-key", post(rotate_key))
        .route("/__fake/echange/ip-change", post(ip_change))
        .route("/__fake/echange/config", post(echange_config))
        .route("/__fake/echange/generate", post(generate))
        .route("/__fake/echange/sha256", get(sha256))
        .route("/__fake/echange/admin-token", post(admin_token))
        .route("/__fake/echange/delete-user", post(delete_user))
        .route("/__fake/echange/user", post(update_user))
        .with_state(shared.clone())
        .merge(ped::controls_router(shared.ped.clone()))
        .fallback(not_found)
}

async fn reset(State(sh): Sh) -> Response {
    sh.echange.reset();
    sh.faults.clear();
    if let Ok(mut l) = sh.log.lock() {
        l.clear();
    }
    sh.ped.reset();
    ok()
}

async fn add_fault(State(sh): Sh, body: axum::body::Bytes) -> Response {
    match serde_json::from_slice::<Fault>(&body) {
        Ok(f) => {
            sh.faults.push(f);
            ok()
        }
        Err(e) => bad(&format!("bad fault: {e}")),
    }
}

async fn clear_faults(State(sh): Sh) -> Response {
    sh.faults.clear();
    ok()
}

async fn requests(State(sh): Sh) -> Response {
    let list = sh.log.lock().map(|l| l.clone()).unwrap_or_default();
    json_response(StatusCode::OK, &Value::Array(list))
}

#[derive(Deserialize)]
struct UserBody {
    username: String,
}

async fn otp(State(sh): Sh, Json(b): Json<UserBody>) -> Response {
    let mut g = sh.echange.lock();
    if g.user(&b.username).is_none() {
        return bad("unknown user");
    }
    let code = g.new_otp(&b.username);
    json_response(StatusCode::OK, &json!({"code": code}))
}

async fn rotate_key(State(sh): Sh) -> Response {
    sh.echange.lock().key_gen += 1;
    ok()
}

async fn ip_change(State(sh): Sh) -> Response {
    let mut g = sh.echange.lock();
    g.ip_changes += 1;
    let n = g.ip_changes;
    g.client_ip = Some(format!("192.0.2.{}", n % 250 + 1));
    ok()
}

#[derive(Deserialize)]
struct ConfigBody {
    token_ttl_secs: Option<u64>,
    leeway_secs: Option<u64>,
    streamzip_abort_at: Option<u64>,
    streamzip_abort_threshold: Option<u64>,
    token_ip_binding: Option<bool>,
    max_upload_file_size: Option<u64>,
    banned: Option<bool>,
    max_per_host_connections: Option<u64>,
}

async fn echange_config(State(sh): Sh, Json(b): Json<ConfigBody>) -> Response {
    let mut g = sh.echange.lock();
    if let Some(t) = b.token_ttl_secs {
        g.ttl_secs = t;
    }
    if let Some(l) = b.leeway_secs {
        g.leeway_secs = l;
    }
    if let Some(a) = b.streamzip_abort_at {
        g.streamzip_abort_at = (a > 0).then_some(a);
    }
    if let Some(t) = b.streamzip_abort_threshold {
        g.abort_threshold = t;
    }
    if let Some(bind) = b.token_ip_binding {
        g.bind_ip = bind;
    }
    if let Some(m) = b.max_upload_file_size {
        g.max_upload = m;
    }
    if let Some(v) = b.banned {
        g.banned = v;
    }
    if let Some(v) = b.max_per_host_connections {
        g.max_in_flight = v;
    }
    ok()
}

#[derive(Deserialize)]
struct GenerateBody {
    path: String,
    size: u64,
    #[serde(default)]
    username: Option<String>,
}

async fn generate(State(sh): Sh, Json(b): Json<GenerateBody>) -> Response {
    let p = fs::clean_path(&b.path, None);
    if p == "/" {
        return bad("path must name a file");
    }
    let mut g = sh.echange.lock();
    let users: Vec<String> = match &b.username {
        Some(u) => vec![u.clone()],
        None => g.users.iter().map(|u| u.username.clone()).collect(),
    };
    let now = now_ms();
    for u in users {
        let home = g.homes.entry(u).or_default();
        if home.mkdir_all(&p, false, now).is_err() || home.get(&p).is_some_and(Node::is_dir) {
            return bad("a parent is not a directory, or the path is a directory");
        }
        home.insert(
            &p,
            Node::File {
                content: Content::Generated {
                    size: b.size,
                    seed: fnv1a(p.as_bytes()),
                },
                mtime_ms: now,
            },
        );
    }
    json_response(StatusCode::OK, &json!({"path": p, "size": b.size}))
}

async fn sha256(State(sh): Sh, RawQuery(q): RawQuery) -> Response {
    let q = go_query(q.as_deref());
    let Some(raw) = query_get(&q, "path") else {
        return bad("missing path");
    };
    let user = query_get(&q, "username").unwrap_or_else(|| "fournisseur".to_string());
    let p = fs::clean_path(&raw, None);
    let content = {
        let g = sh.echange.lock();
        match g.homes.get(&user).and_then(|h| h.stat(&p)) {
            Some((_, Node::File { content, .. })) => content.clone(),
            _ => return json_response(StatusCode::NOT_FOUND, &json!({"error": "no such file"})),
        }
    };
    let size = content.len();
    let digest = tokio::task::spawn_blocking(move || {
        let mut h = Sha256::new();
        let mut r = content.reader(0, size);
        while let Some(c) = r.next_chunk(256 * 1024) {
            h.update(&c);
        }
        h.finalize()
    })
    .await;
    match digest {
        Ok(d) => {
            let hex: String = d.iter().map(|b| format!("{b:02x}")).collect();
            json_response(StatusCode::OK, &json!({"sha256": hex, "size": size}))
        }
        Err(_) => bad("hashing failed"),
    }
}

async fn admin_token(State(sh): Sh, axum::Extension(peer): axum::Extension<PeerAddr>) -> Response {
    let g = sh.echange.lock();
    let t = echange::auth::admin_token(&g, peer.0.ip());
    json_response(StatusCode::OK, &json!({"access_token": t}))
}

async fn delete_user(State(sh): Sh, Json(b): Json<UserBody>) -> Response {
    let mut g = sh.echange.lock();
    match g.users.iter_mut().find(|u| u.username == b.username) {
        Some(u) => {
            u.deleted = true;
            ok()
        }
        None => bad("unknown user"),
    }
}

#[derive(Deserialize)]
struct UserUpdate {
    username: String,
    #[serde(default, with = "double_option")]
    start_directory: Option<Option<String>>,
    two_factor_pending: Option<bool>,
    password_change_pending: Option<bool>,
    permissions: Option<Vec<String>>,
    otp: Option<bool>,
    http_denied: Option<bool>,
}

/// Distinguishes an absent field (`None`) from an explicit `null` (`Some(None)`).
mod double_option {
    use serde::{Deserialize, Deserializer};

    pub fn deserialize<'de, D: Deserializer<'de>>(
        d: D,
    ) -> Result<Option<Option<String>>, D::Error> {
        Option::<String>::deserialize(d).map(Some)
    }
}

async fn update_user(State(sh): Sh, Json(b): Json<UserUpdate>) -> Response {
    let mut g = sh.echange.lock();
    let Some(u) = g.users.iter_mut().find(|u| u.username == b.username) else {
        return bad("unknown user");
    };
    if let Some(sd) = b.start_directory {
        u.start_dir = sd
            .filter(|s| !s.is_empty())
            .map(|s| fs::clean_path(&s, None));
    }
    if let Some(v) = b.two_factor_pending {
        u.two_fa_pending = v;
    }
    if let Some(v) = b.password_change_pending {
        u.password_change_pending = v;
    }
    if let Some(p) = b.permissions {
        u.permissions = p;
    }
    if let Some(o) = b.otp {
        u.otp = o;
    }
    if let Some(d) = b.http_denied {
        u.http_denied = d;
    }
    ok()
}
