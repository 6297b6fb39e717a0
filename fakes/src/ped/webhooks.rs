//! Webhook notifications: payload building (docs/pre-etat-date.md), a small valid PDF for `done`, and the
//! HTTP POST to the account's callback URL with the delivery log.

use std::time::Duration;

use axum::http::{header, Method, Request, Uri};
use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper_util::client::legacy::Client;
use hyper_util::rt::TokioExecutor;
use serde_json::{json, Map, Value};

use super::clock::{now_secs, ymd};
use super::state::{Account, Delivery, Order, PedState};

/// The five order states, which are also the webhook `status` values.
pub const STATES: [&str; 5] = ["confirmed", "received", "waiting", "done", "need-refresh"];

/// A one-page PDF 1.4 naming the order, with a correct cross-reference table.
pub fn pdf_for(orderid: &str) -> Vec<u8> {
    let safe: String = orderid
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '_')
        .collect();
    let text = format!("BT /F1 18 Tf 72 720 Td (Pre-etat date - transaction {safe}) Tj ET");
    let objects = [
        "<< /Type /Catalog /Pages 2 0 R >>".to_string(),
        "<< /Type /Pages /Kids [3 0 R] /Count 1 >>".to_string(),
        "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /Font << /F1 5 0 R >> >> /Contents 4 0 R >>".to_string(),
        format!("<< /Length {} >>\nstream\n{text}\nendstream", text.len()),
        "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>".to_string(),
    ];
    let mut out = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n".to_vec();
    let mut offsets = Vec::new();
    for (i, obj) in objects.iter().enumerate() {
        offsets.push(out.len());
        out.extend_from_slice(format!("{} 0 obj\n{obj}\nendobj\n", i + 1).as_bytes());
    }
    let xref = out.len();
    out.extend_from_slice(
        format!("xref\n0 {}\n0000000000 65535 f \n", objects.len() + 1).as_bytes(),
    );
    for off in offsets {
        out.extend_from_slice(format!("{off:010} 00000 n \n").as_bytes());
    }
    out.extend_from_slice(
        format!(
            "trailer\n<< /Size {} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n",
            objects.len() + 1
        )
        .as_bytes(),
    );
    out
}

/// The notification body for `order` now being in `event`.
pub(crate) fn notification(
    order: &Order,
    account: Option<&Account>,
    event: &str,
    first_document_id: u64,
) -> Value {
    let mut m = Map::new();
    m.insert("status".into(), json!(event));
    m.insert("orderid".into(), json!(order.orderid));
    m.insert("external_id".into(), json!(order.external_id));
    if event == "done" {
        m.insert(
            "content".into(),
            json!(STANDARD.encode(pdf_for(&order.orderid))),
        );
        if let Some(acc) = account {
            if acc.contract_registration {
                m.insert("registration_id".into(), json!(acc.registration_id));
            }
            if acc.contract_documents {
                let delivered = ymd(now_secs());
                let docs: Vec<Value> = [1u64, 2, 3, 9, 10]
                    .iter()
                    .enumerate()
                    .map(|(i, doctype)| {
                        let id = first_document_id + i as u64;
                        json!({
                            "id": id,
                            "doctype": doctype,
                            "delivered": delivered,
                            "comment": "",
                            "mimetype": "application/pdf",
                            "url": format!("https://storage.example/{}-{id}.pdf", order.orderid),
                        })
                    })
                    .collect();
                m.insert("documents".into(), Value::Array(docs));
            }
        }
    }
    Value::Object(m)
}

/// Number of documents a `done` notification lists (ids are consumed per notification).
const DOCS_PER_DONE: u64 = 5;

/// Builds the notification for the order's current state and POSTs it (with the configured
/// retries). Returns the delivery records made.
pub(crate) async fn notify(state: &PedState, orderid: &str) -> Vec<Value> {
    let prepared = {
        let mut g = state.lock();
        let first_id = g.next_document_id;
        let Some(order) = g.order(orderid).cloned() else {
            return Vec::new();
        };
        let account = g
            .accounts
            .iter()
            .find(|a| a.email == order.account)
            .cloned();
        if order.state == "done" {
            g.next_document_id += DOCS_PER_DONE;
        }
        let body = notification(&order, account.as_ref(), &order.state, first_id);
        (account.and_then(|a| a.callback), order.state.clone(), body)
    };
    let (url, event, body) = prepared;
    send(state, url, orderid, &event, body, None).await
}

/// Sends delivery `seq` again (same body) to the account's current callback URL.
pub(crate) async fn redeliver(state: &PedState, seq: u64) -> Option<Vec<Value>> {
    let (url, orderid, event, body) = {
        let g = state.lock();
        let d = g.deliveries.iter().find(|d| d.seq == seq)?;
        let account = g.order(&d.orderid).map(|o| o.account.clone());
        let url = account
            .and_then(|email| g.accounts.iter().find(|a| a.email == email).cloned())
            .and_then(|a| a.callback)
            .or_else(|| d.url.clone());
        (url, d.orderid.clone(), d.event.clone(), d.body.clone())
    };
    Some(send(state, url, &orderid, &event, body, Some(seq)).await)
}

async fn send(
    state: &PedState,
    url: Option<String>,
    orderid: &str,
    event: &str,
    body: Value,
    redelivery_of: Option<u64>,
) -> Vec<Value> {
    let (retries, timeout_ms) = {
        let g = state.lock();
        (g.webhook_retries, g.webhook_timeout_ms)
    };
    let bytes = Bytes::from(body.to_string());
    let mut records = Vec::new();
    for attempt in 1..=retries.saturating_add(1) {
        let result = match &url {
            None => Err("no callback URL configured for this account".to_string()),
            Some(u) => post(u, bytes.clone(), Duration::from_millis(timeout_ms)).await,
        };
        let ok = matches!(result, Ok(s) if (200..300).contains(&s));
        let mut g = state.lock();
        let d = Delivery {
            seq: g.next_seq(),
            url: url.clone(),
            orderid: orderid.to_string(),
            event: event.to_string(),
            body: body.clone(),
            reply_status: result.as_ref().ok().copied(),
            error: result.err(),
            attempt,
            redelivery_of,
        };
        records.push(d.to_json());
        g.deliveries.push(d);
        if ok || url.is_none() {
            break;
        }
    }
    records
}

/// One JSON POST; returns the reply status or a transport error text.
async fn post(url: &str, body: Bytes, timeout: Duration) -> Result<u16, String> {
    let uri: Uri = url
        .parse()
        .map_err(|_| "callback URL is not a valid URI".to_string())?;
    if uri.scheme_str() != Some("http") {
        return Err("the fake only delivers to http:// callback URLs".to_string());
    }
    let client = Client::builder(TokioExecutor::new())
        .pool_max_idle_per_host(0)
        .build_http::<Full<Bytes>>();
    let req = Request::builder()
        .method(Method::POST)
        .uri(uri)
        .header(header::CONTENT_TYPE, "application/json")
        .header(header::USER_AGENT, "passerelle-fakes/pre-etat-date")
        .body(Full::new(body))
        .map_err(|e| format!("cannot build request: {e}"))?;
    let work = async {
        let res = client
            .request(req)
            .await
            .map_err(|e| format!("callback unreachable: {e}"))?;
        let status = res.status().as_u16();
        // Drain the reply so the connection closes cleanly; its content is not used.
        let _ = res.into_body().collect().await;
        Ok(status)
    };
    tokio::time::timeout(timeout, work)
        .await
        .unwrap_or_else(|_| Err("callback timed out".to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pdf_is_well_formed() {
        let pdf = pdf_for("ABC123");
        assert!(pdf.starts_with(b"%PDF-1."));
        assert!(pdf.ends_with(b"%%EOF\n"));
        let text = String::from_utf8_lossy(&pdf);
        assert!(text.contains("ABC123"));
        // startxref points at the xref keyword.
        let start: usize = text
            .rsplit("startxref\n")
            .next()
            .and_then(|t| t.lines().next())
            .and_then(|n| n.parse().ok())
            .unwrap_or(0);
        assert_eq!(pdf.get(start..start + 4), Some(&b"xref"[..]));
        // Every object offset in the table points at "N 0 obj".
        for (i, line) in text
            .lines()
            .skip_while(|l| *l != "xref")
            .skip(3)
            .take(5)
            .enumerate()
        {
            let off: usize = line.get(..10).and_then(|n| n.parse().ok()).unwrap_or(0);
            let want = format!("{} 0 obj", i + 1);
            assert_eq!(pdf.get(off..off + want.len()), Some(want.as_bytes()));
        }
    }
}
