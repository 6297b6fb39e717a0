//! Test controls under `/__fake/ped/...` (not part of the vendor API; no auth; JSON in/out).

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use bytes::Bytes;
use serde_json::{json, Value};

use super::clock::now_secs;
use super::flask::json_response;
use super::messages::Lang;
use super::state::{Account, PedState};
use super::webhooks::{notify, redeliver, STATES};

fn ok(v: Value) -> Response {
    json_response(StatusCode::OK, &v)
}

fn fail(status: StatusCode, msg: &str) -> Response {
    json_response(status, &json!({ "error": msg }))
}

/// Parses a control body; an empty body counts as `{}`.
fn body(bytes: &[u8]) -> Result<Value, Response> {
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Ok(json!({}));
    }
    serde_json::from_slice(bytes)
        .map_err(|e| fail(StatusCode::BAD_REQUEST, &format!("invalid JSON body: {e}")))
}

fn str_field<'a>(v: &'a Value, name: &str) -> Result<&'a str, Response> {
    v.get(name).and_then(Value::as_str).ok_or_else(|| {
        fail(
            StatusCode::BAD_REQUEST,
            &format!("missing string field {name:?}"),
        )
    })
}

fn run(f: impl FnOnce() -> Result<Response, Response>) -> Response {
    f().unwrap_or_else(|e| e)
}

/// `POST /__fake/ped/reset`
pub(crate) async fn reset(State(state): State<PedState>) -> Response {
    state.reset();
    ok(json!({ "reset": true }))
}

/// `POST /__fake/ped/expire-tokens`: every token issued so far now gets 401.
pub(crate) async fn expire_tokens(State(state): State<PedState>) -> Response {
    state.lock().token_generation += 1;
    ok(json!({ "expired": true }))
}

/// `POST /__fake/ped/callback {"email", "url"}` (`url: null` removes it).
pub(crate) async fn callback(State(state): State<PedState>, bytes: Bytes) -> Response {
    run(|| {
        let b = body(&bytes)?;
        let email = str_field(&b, "email")?;
        let url = match b.get("url") {
            None | Some(Value::Null) => None,
            Some(Value::String(s)) => Some(s.clone()),
            Some(_) => {
                return Err(fail(
                    StatusCode::BAD_REQUEST,
                    "\"url\" must be a string or null",
                ))
            }
        };
        let mut g = state.lock();
        let acc = g
            .account_mut(email)
            .ok_or_else(|| fail(StatusCode::NOT_FOUND, "unknown account"))?;
        acc.callback = url.clone();
        Ok(ok(json!({ "email": email, "url": url })))
    })
}

/// `POST /__fake/ped/accounts {"email","password","api_key","registration_id"?}`: adds an
/// account (contract flags on, no callback) or replaces the one with that e-mail.
pub(crate) async fn add_account(State(state): State<PedState>, bytes: Bytes) -> Response {
    run(|| {
        let b = body(&bytes)?;
        let email = str_field(&b, "email")?.to_string();
        let password = str_field(&b, "password")?.to_string();
        let api_key = str_field(&b, "api_key")?.to_string();
        let registration_id = b
            .get("registration_id")
            .and_then(Value::as_str)
            .unwrap_or("AZ-000-00")
            .to_string();
        let mut g = state.lock();
        if g.accounts
            .iter()
            .any(|a| a.api_key == api_key && a.email != email)
        {
            return Err(fail(
                StatusCode::CONFLICT,
                "API key already used by another account",
            ));
        }
        g.accounts.retain(|a| a.email != email);
        g.accounts.push(Account {
            email: email.clone(),
            password,
            api_key,
            callback: None,
            contract_registration: true,
            contract_documents: true,
            registration_id,
        });
        Ok(ok(json!({ "email": email })))
    })
}

/// `POST /__fake/ped/contract {"email", "registration_id"?: bool, "documents"?: bool}`
pub(crate) async fn contract(State(state): State<PedState>, bytes: Bytes) -> Response {
    run(|| {
        let b = body(&bytes)?;
        let email = str_field(&b, "email")?;
        let mut g = state.lock();
        let acc = g
            .account_mut(email)
            .ok_or_else(|| fail(StatusCode::NOT_FOUND, "unknown account"))?;
        if let Some(v) = b.get("registration_id").and_then(Value::as_bool) {
            acc.contract_registration = v;
        }
        if let Some(v) = b.get("documents").and_then(Value::as_bool) {
            acc.contract_documents = v;
        }
        Ok(ok(json!({
            "email": email,
            "registration_id": acc.contract_registration,
            "documents": acc.contract_documents,
        })))
    })
}

/// `GET /__fake/ped/webhooks`: every delivery attempt since reset, oldest first.
pub(crate) async fn webhooks(State(state): State<PedState>) -> Response {
    let g = state.lock();
    ok(Value::Array(
        g.deliveries.iter().map(|d| d.to_json()).collect(),
    ))
}

/// `POST /__fake/ped/redeliver {"seq"?: n, "orderid"?: id, "times"?: 1}`: sends a past
/// delivery again (by `seq`; else the last one for `orderid`; else the very last one).
pub(crate) async fn redeliver_control(State(state): State<PedState>, bytes: Bytes) -> Response {
    let b = match body(&bytes) {
        Ok(b) => b,
        Err(e) => return e,
    };
    let seq = {
        let g = state.lock();
        match (
            b.get("seq").and_then(Value::as_u64),
            b.get("orderid").and_then(Value::as_str),
        ) {
            (Some(s), _) => Some(s),
            (None, Some(id)) => g
                .deliveries
                .iter()
                .rev()
                .find(|d| d.orderid == id)
                .map(|d| d.seq),
            (None, None) => g.deliveries.last().map(|d| d.seq),
        }
    };
    let Some(seq) = seq else {
        return fail(StatusCode::NOT_FOUND, "no such delivery");
    };
    let times = b.get("times").and_then(Value::as_u64).unwrap_or(1).min(100);
    let mut made = Vec::new();
    for _ in 0..times {
        match redeliver(&state, seq).await {
            Some(records) => made.extend(records),
            None => return fail(StatusCode::NOT_FOUND, "no such delivery"),
        }
    }
    ok(Value::Array(made))
}

/// `POST /__fake/ped/advance {"orderid", "state"}`: moves an order and sends its webhook.
pub(crate) async fn advance(State(state): State<PedState>, bytes: Bytes) -> Response {
    let pre = (|| {
        let b = body(&bytes)?;
        let orderid = str_field(&b, "orderid")?.to_string();
        let new_state = str_field(&b, "state")?;
        if !STATES.contains(&new_state) {
            return Err(fail(StatusCode::BAD_REQUEST, "unknown state"));
        }
        let mut g = state.lock();
        let order = g
            .order_mut(&orderid)
            .ok_or_else(|| fail(StatusCode::NOT_FOUND, "unknown order"))?;
        order.set_state(new_state, now_secs());
        Ok(orderid)
    })();
    let orderid = match pre {
        Ok(id) => id,
        Err(e) => return e,
    };
    let deliveries = notify(&state, &orderid).await;
    let g = state.lock();
    let order = g.order(&orderid).map(|o| o.payload(g.lang));
    ok(json!({ "order": order, "deliveries": deliveries }))
}

/// `POST /__fake/ped/reject-syndic {"username", "password"}`
pub(crate) async fn reject_syndic(State(state): State<PedState>, bytes: Bytes) -> Response {
    run(|| {
        let b = body(&bytes)?;
        let user = str_field(&b, "username")?.to_string();
        let pass = str_field(&b, "password")?.to_string();
        let mut g = state.lock();
        if !g.is_rejected(&user, &pass) {
            g.rejected_syndic.push((user, pass));
        }
        Ok(ok(json!({ "rejected": g.rejected_syndic.len() })))
    })
}

/// `GET /__fake/ped/orders`: stored orders (with what the client sent) and request counts.
pub(crate) async fn orders(State(state): State<PedState>) -> Response {
    let g = state.lock();
    let orders: Vec<Value> = g
        .orders
        .iter()
        .map(|o| {
            let mut v = o.payload(g.lang);
            if let Some(m) = v.as_object_mut() {
                m.insert("method".into(), json!(o.method));
                m.insert("request".into(), o.request.clone());
                m.insert("refresh_requests".into(), Value::Array(o.refreshes.clone()));
                m.insert("refresh_count".into(), json!(o.refreshes.len()));
            }
            v
        })
        .collect();
    ok(json!({ "orders": orders, "request_counts": g.request_counts }))
}

/// `GET /__fake/ped/requests`: request counts per vendor route since reset.
pub(crate) async fn requests(State(state): State<PedState>) -> Response {
    ok(json!(state.lock().request_counts))
}

/// `POST /__fake/ped/lang {"lang": "fr" | "en"}`
pub(crate) async fn set_lang(State(state): State<PedState>, bytes: Bytes) -> Response {
    run(|| {
        let b = body(&bytes)?;
        let lang: Lang = str_field(&b, "lang")?
            .parse()
            .map_err(|e: String| fail(StatusCode::BAD_REQUEST, &e))?;
        state.lock().lang = lang;
        Ok(ok(json!({ "lang": lang.as_str() })))
    })
}

/// `POST /__fake/ped/config {"token_ttl_secs"?, "webhook_retries"?, "webhook_timeout_ms"?}`
/// (until the next reset); answers the current settings.
pub(crate) async fn config(State(state): State<PedState>, bytes: Bytes) -> Response {
    run(|| {
        let b = body(&bytes)?;
        let mut g = state.lock();
        if let Some(v) = b.get("token_ttl_secs").and_then(Value::as_u64) {
            g.token_ttl = v;
        }
        if let Some(v) = b.get("webhook_retries").and_then(Value::as_u64) {
            g.webhook_retries = u32::try_from(v.min(10)).unwrap_or(10);
        }
        if let Some(v) = b.get("webhook_timeout_ms").and_then(Value::as_u64) {
            g.webhook_timeout_ms = v;
        }
        Ok(ok(json!({
            "token_ttl_secs": g.token_ttl,
            "webhook_retries": g.webhook_retries,
            "webhook_timeout_ms": g.webhook_timeout_ms,
            "lang": g.lang.as_str(),
        })))
    })
}
