//! The vendor-facing routes (docs/pre-etat-date.md), mounted at the root and under `/api`.

use axum::extract::{Path, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use bytes::Bytes;
use serde_json::{json, Map, Value};

use super::clock::now_secs;
use super::flask::{envelope, error};
use super::messages::{decode_failure, missing_field, Lang, Msg};
use super::state::{Order, PedState};
use super::webhooks::{notify, STATES};
use super::{jwt, pyjson, validate};

type Reply = Result<Response, Response>;

fn lang(state: &PedState) -> Lang {
    state.lock().lang
}

/// The account e-mail owning the `X-Auth-Key`, or the 400 envelope.
fn check_key(state: &PedState, headers: &HeaderMap) -> Result<String, Response> {
    let g = state.lock();
    headers
        .get("x-auth-key")
        .and_then(|v| v.to_str().ok())
        .and_then(|k| g.account_by_key(k))
        .map(|a| a.email.clone())
        .ok_or_else(|| error(StatusCode::BAD_REQUEST, Msg::InvalidApiKey.text(g.lang)))
}

/// Checks `X-Auth-Key` and `Authorization: Bearer`; returns the token's account e-mail.
fn check_auth(state: &PedState, headers: &HeaderMap) -> Result<String, Response> {
    let key_account = check_key(state, headers)?;
    let g = state.lock();
    let unauthorized = || error(StatusCode::UNAUTHORIZED, Msg::InvalidToken.text(g.lang));
    let token = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .ok_or_else(unauthorized)?;
    let sub =
        jwt::verify(&g.signing_secret(), token.trim(), now_secs()).ok_or_else(unauthorized)?;
    if sub != key_account {
        return Err(unauthorized());
    }
    Ok(sub)
}

/// Decodes a JSON body like Flask's `get_json(force=True)`; malformed → 500 envelope.
fn json_body(state: &PedState, body: &[u8]) -> Result<Value, Response> {
    pyjson::decode(body).map_err(|detail| {
        error(
            StatusCode::INTERNAL_SERVER_ERROR,
            &decode_failure(lang(state), &detail),
        )
    })
}

fn bad_request(msg: &str) -> Response {
    error(StatusCode::BAD_REQUEST, msg)
}

fn not_found(lang: Lang) -> Response {
    error(StatusCode::NOT_FOUND, Msg::NotFound.text(lang))
}

fn flatten(r: Reply) -> Response {
    r.unwrap_or_else(|e| e)
}

/// `GET /health`
pub(crate) async fn health(State(state): State<PedState>, headers: HeaderMap) -> Response {
    state.count("GET /health");
    flatten((|| {
        check_key(&state, &headers)?;
        Ok(envelope(
            StatusCode::OK,
            Some(Msg::Healthy.text(lang(&state))),
            Value::Null,
        ))
    })())
}

/// `POST /account/auth`
pub(crate) async fn auth(
    State(state): State<PedState>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    state.count("POST /account/auth");
    flatten((|| {
        let key_account = check_key(&state, &headers)?;
        let body = json_body(&state, &body)?;
        let g = state.lock();
        let field = |name: &str| {
            body.get(name)
                .and_then(Value::as_str)
                .ok_or_else(|| bad_request(&missing_field(g.lang, name)))
        };
        let email = field("email")?;
        let password = field("password")?;
        let account = g
            .accounts
            .iter()
            .find(|a| a.email == email && a.password == password && a.email == key_account)
            .ok_or_else(|| {
                error(
                    StatusCode::UNAUTHORIZED,
                    Msg::InvalidCredentials.text(g.lang),
                )
            })?;
        let now = now_secs();
        let token = jwt::sign(
            &g.signing_secret(),
            &account.email,
            now,
            now.saturating_add(g.token_ttl),
        );
        Ok(envelope(
            StatusCode::OK,
            Some(Msg::Authenticated.text(g.lang)),
            json!({ "access_token": token }),
        ))
    })())
}

/// `POST /order/`
pub(crate) async fn create_order(
    State(state): State<PedState>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    state.count("POST /order/");
    flatten((|| {
        let account = check_auth(&state, &headers)?;
        let body = json_body(&state, &body)?;
        let mut g = state.lock();
        let lang = g.lang;
        let valid = {
            let rejected = |u: &str, p: &str| g.is_rejected(u, p);
            validate::create(&body, lang, &rejected).map_err(|m| bad_request(&m))?
        };
        let now = now_secs();
        let order = Order {
            orderid: g.new_orderid(),
            account,
            created: now,
            updated: now,
            external_id: valid.external_id,
            test_mode: valid.test_mode,
            state: "confirmed".into(),
            pending: true,
            refreshed: false,
            method: valid.method,
            syndic: valid.syndic,
            request: body,
            refreshes: Vec::new(),
        };
        let payload = order.payload(lang);
        g.orders.push(order);
        Ok(envelope(
            StatusCode::OK,
            Some(Msg::Created.text(lang)),
            payload,
        ))
    })())
}

/// `POST /order` (no trailing slash): Werkzeug's strict-slashes redirect to `/order/`.
pub(crate) async fn order_without_slash(
    State(state): State<PedState>,
    uri: axum::http::Uri,
) -> Response {
    state.count("POST /order");
    let location = format!("{}/", uri.path());
    let mut res = (
        StatusCode::PERMANENT_REDIRECT,
        format!("<!DOCTYPE HTML PUBLIC \"-//W3C//DTD HTML 3.2 Final//EN\">\n<title>Redirecting...</title>\n<h1>Redirecting...</h1>\n<p>You should be redirected automatically to target URL: <a href=\"{location}\">{location}</a>.  If not click the link.\n"),
    )
        .into_response();
    res.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/html; charset=utf-8"),
    );
    if let Ok(v) = HeaderValue::from_str(&location) {
        res.headers_mut().insert(header::LOCATION, v);
    }
    res
}

/// Shared tail of both refresh routes: validation, state change, then the webhook.
async fn do_refresh(
    state: &PedState,
    account: &str,
    orderid: &str,
    body: &Map<String, Value>,
    default_method: Option<&str>,
) -> Reply {
    let payload = {
        let mut g = state.lock();
        let lang = g.lang;
        let order = g
            .order(orderid)
            .filter(|o| o.account == account)
            .ok_or_else(|| not_found(lang))?;
        let stored = order.syndic.clone();
        let valid = {
            let rejected = |u: &str, p: &str| g.is_rejected(u, p);
            validate::refresh(body, lang, default_method, stored.as_ref(), &rejected)
                .map_err(|m| bad_request(&m))?
        };
        let order = g.order_mut(orderid).ok_or_else(|| not_found(lang))?;
        if valid.syndic.is_some() {
            order.syndic = valid.syndic;
        }
        order.refreshes.push(Value::Object(body.clone()));
        order.refreshed = true;
        order.set_state("need-refresh", now_secs());
        order.payload(lang)
    };
    notify(state, orderid).await;
    // The vendor's example refresh response has `"message": null`.
    Ok(envelope(StatusCode::OK, None, payload))
}

fn body_object(state: &PedState, body: &[u8]) -> Result<Map<String, Value>, Response> {
    match json_body(state, body)? {
        Value::Object(m) => Ok(m),
        _ => Err(bad_request(Msg::InvalidMethod.text(lang(state)))),
    }
}

/// `POST /order/{orderid}/refresh`
pub(crate) async fn refresh(
    State(state): State<PedState>,
    Path(orderid): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    state.count("POST /order/{orderid}/refresh");
    let pre = (|| {
        let account = check_auth(&state, &headers)?;
        let body = body_object(&state, &body)?;
        Ok::<_, Response>((account, body))
    })();
    match pre {
        Ok((account, body)) => flatten(do_refresh(&state, &account, &orderid, &body, None).await),
        Err(e) => e,
    }
}

/// `POST /order/needrefresh` (deprecated): `orderid` and `account` in the body.
pub(crate) async fn needrefresh(
    State(state): State<PedState>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    state.count("POST /order/needrefresh");
    let pre = (|| {
        let account = check_auth(&state, &headers)?;
        let body = body_object(&state, &body)?;
        let lang = lang(&state);
        let field = |name: &str| {
            body.get(name)
                .and_then(Value::as_str)
                .map(str::to_string)
                .ok_or_else(|| bad_request(&missing_field(lang, name)))
        };
        let orderid = field("orderid")?;
        let claimed = field("account")?;
        if claimed != account {
            return Err(not_found(lang));
        }
        Ok((account, orderid, body))
    })();
    match pre {
        Ok((account, orderid, body)) => {
            flatten(do_refresh(&state, &account, &orderid, &body, Some("extranet")).await)
        }
        Err(e) => e,
    }
}

/// `POST /order/test/webhook-events`: `orderid` + `event`.
pub(crate) async fn webhook_events(
    State(state): State<PedState>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    state.count("POST /order/test/webhook-events");
    let pre = (|| {
        let account = check_auth(&state, &headers)?;
        let body = body_object(&state, &body)?;
        let mut g = state.lock();
        let lang = g.lang;
        let orderid = body
            .get("orderid")
            .and_then(Value::as_str)
            .ok_or_else(|| bad_request(&missing_field(lang, "orderid")))?
            .to_string();
        let event = body
            .get("event")
            .and_then(Value::as_str)
            .filter(|e| STATES.contains(e))
            .ok_or_else(|| bad_request(Msg::InvalidEvent.text(lang)))?
            .to_string();
        let order = g
            .order_mut(&orderid)
            .filter(|o| o.account == account)
            .ok_or_else(|| not_found(lang))?;
        if !order.test_mode {
            return Err(bad_request(Msg::NotTestMode.text(lang)));
        }
        order.set_state(&event, now_secs());
        Ok((orderid, lang))
    })();
    match pre {
        Ok((orderid, lang)) => {
            notify(&state, &orderid).await;
            envelope(StatusCode::OK, Some(Msg::EventSent.text(lang)), Value::Null)
        }
        Err(e) => e,
    }
}
