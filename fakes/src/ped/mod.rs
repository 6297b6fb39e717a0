//! Fake PRE-ETAT.DATE API (docs/pre-etat-date.md).
//!
//! Vendor routes, each at the root and under `/api` (the docs-host form):
//! `GET /health`, `POST /account/auth`, `POST /order/` (`POST /order` redirects there, 308),
//! `POST /order/{orderid}/refresh`, `POST /order/needrefresh`, `POST /order/test/webhook-events`.
//! Bodies are Flask-style JSON envelopes `{"message", "payload", "success"}` with sorted keys;
//! messages are French by default, English after `POST /__fake/ped/lang {"lang":"en"}`.
//!
//! Test controls (JSON, no auth), all under `/__fake/ped/`:
//! - `POST reset` — back to the seed state (also done by [`PedState::reset`]).
//! - `POST expire-tokens` — every issued token now gets 401.
//! - `POST callback {"email","url"}` — the account's webhook URL (`null` removes it).
//! - `POST accounts {"email","password","api_key","registration_id"?}` — adds (or replaces)
//!   an account; gone again after reset.
//! - `POST contract {"email","registration_id"?:bool,"documents"?:bool}` — what `done`
//!   webhooks carry besides `content` (seed: both on for `notaire@example.fr`, both off for
//!   `autre@example.fr`).
//! - `GET webhooks` — every delivery attempt: `seq`, `url`, `orderid`, `event`, `body`,
//!   `reply_status` (null when unreachable), `error`, `attempt`, `redelivery_of`.
//! - `POST redeliver {"seq"?,"orderid"?,"times"?}` — sends a past notification again.
//! - `POST advance {"orderid","state"}` — moves an order (any of the five states) and sends
//!   the webhook.
//! - `POST reject-syndic {"username","password"}` — that pair now gets the syndic 400.
//! - `GET orders` — `{"orders":[order payload + method, request, refresh_requests,
//!   refresh_count], "request_counts":{"POST /order/": n, …}}`.
//! - `GET requests` — the request counts alone.
//! - `POST lang {"lang":"fr"|"en"}`, `POST config {"token_ttl_secs"?, "webhook_retries"?,
//!   "webhook_timeout_ms"?}`.
//!
//! Fake choices beyond the spec: the body is decoded whatever its `Content-Type` (like Flask's
//! `get_json(force=True)`); output keeps non-ASCII characters as UTF-8; no webhook is sent on
//! creation (the response carries `confirmed`); `registration_id` and `documents` only travel
//! with `done`; `updated` strictly increases on every change (at least +1 s) so a test can see
//! it move without sleeping; refresh answers `refreshed: true` (docs/pre-etat-date.md) with `"message": null`
//! (as the vendor's example); request counts use the keys `"GET /health"`,
//! `"POST /account/auth"`, `"POST /order/"`, `"POST /order"` (the redirect),
//! `"POST /order/{orderid}/refresh"`, `"POST /order/needrefresh"`,
//! `"POST /order/test/webhook-events"`, whatever the `/api` prefix, failed attempts included.
//!
//! The module prints nothing; passwords, syndic credentials and API keys therefore never reach
//! a log line.

// Handlers short-circuit with a ready `Response` as the error value; its size is irrelevant here.
#![allow(clippy::result_large_err)]

mod clock;
mod controls;
pub mod flask;
mod jwt;
mod messages;
pub mod pyjson;
mod routes;
mod state;
mod validate;
mod webhooks;

use axum::extract::DefaultBodyLimit;
use axum::routing::{get, post};
use axum::Router;

pub use clock::http_date;
pub use messages::Lang;
pub use state::{PedState, DEFAULT_TOKEN_TTL};
pub use webhooks::{pdf_for, STATES};

/// Largest request body the fake accepts (uploads may carry documents).
const BODY_LIMIT: usize = 64 * 1024 * 1024;

/// All PRE-ETAT.DATE routes at the root and under `/api`, plus the `/__fake/ped/...` controls:
/// [`api_router`] merged with [`controls_router`]. Merge it as is (do not nest it under `/api`:
/// the `/api` forms are already there).
pub fn router(state: PedState) -> Router {
    api_router(state.clone()).merge(controls_router(state))
}

/// The vendor routes only, each at the root and under `/api`.
pub fn api_router(state: PedState) -> Router {
    let mut r = Router::new();
    for prefix in ["", "/api"] {
        r = r
            .route(&format!("{prefix}/health"), get(routes::health))
            .route(&format!("{prefix}/account/auth"), post(routes::auth))
            .route(&format!("{prefix}/order/"), post(routes::create_order))
            .route(
                &format!("{prefix}/order"),
                post(routes::order_without_slash),
            )
            .route(
                &format!("{prefix}/order/{{orderid}}/refresh"),
                post(routes::refresh),
            )
            .route(
                &format!("{prefix}/order/needrefresh"),
                post(routes::needrefresh),
            )
            .route(
                &format!("{prefix}/order/test/webhook-events"),
                post(routes::webhook_events),
            );
    }
    r.layer(DefaultBodyLimit::max(BODY_LIMIT)).with_state(state)
}

/// The `/__fake/ped/...` test controls only.
pub fn controls_router(state: PedState) -> Router {
    let c = "/__fake/ped";
    Router::new()
        .route(&format!("{c}/reset"), post(controls::reset))
        .route(&format!("{c}/expire-tokens"), post(controls::expire_tokens))
        .route(&format!("{c}/callback"), post(controls::callback))
        .route(&format!("{c}/contract"), post(controls::contract))
        .route(&format!("{c}/accounts"), post(controls::add_account))
        .route(&format!("{c}/webhooks"), get(controls::webhooks))
        .route(&format!("{c}/redeliver"), post(controls::redeliver_control))
        .route(&format!("{c}/advance"), post(controls::advance))
        .route(&format!("{c}/reject-syndic"), post(controls::reject_syndic))
        .route(&format!("{c}/orders"), get(controls::orders))
        .route(&format!("{c}/requests"), get(controls::requests))
        .route(&format!("{c}/lang"), post(controls::set_lang))
        .route(&format!("{c}/config"), post(controls::config))
        .with_state(state)
}
