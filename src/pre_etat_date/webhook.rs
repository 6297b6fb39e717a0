//! Webhook notifications sent by the service to the customer's callback URL (docs/pre-etat-date.md#6-webhooks).
//!
//! [`parse_webhook`] turns a body into a [`WebhookEvent`]; it never panics and reports every bad
//! input as `invalid_input` (the body comes from whoever can reach the callback URL). `content`
//! (base64 of the PDF) is decoded leniently — standard or URL-safe alphabet, whitespace and
//! line breaks ignored, padding optional — and must start with `%PDF`. Unknown fields are kept.

use crate::json::{Json, Obj, ObjWriter, ToJson};

use super::b64::decode_lenient;
use super::doctype::{DocumentType, Lang};
use super::state::OrderState;
use crate::error::{Error, Result};

const OP: &str = "parseWebhook";

/// One supporting document of a `done` notification. Fields of an unexpected type are kept in
/// `extra` rather than failing the whole notification.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct WebhookDocument {
    /// Document id.
    pub id: Option<u64>,
    /// Document type code (1–10, see [`DocumentType`]).
    pub doctype: Option<u32>,
    /// Date the document was obtained, verbatim (`YYYY-MM-DD`).
    pub delivered: Option<String>,
    /// Comment.
    pub comment: Option<String>,
    /// MIME type, e.g. `application/pdf`.
    pub mimetype: Option<String>,
    /// Download link.
    pub url: Option<String>,
    /// Every other field, untouched.
    pub extra: Obj,
}

/// The known fields present, then `extra`'s members.
impl ToJson for WebhookDocument {
    fn write_json(&self, out: &mut String) {
        ObjWriter::new(out)
            .some("id", &self.id)
            .some("doctype", &self.doctype)
            .some("delivered", &self.delivered)
            .some("comment", &self.comment)
            .some("mimetype", &self.mimetype)
            .some("url", &self.url)
            .members(&self.extra)
            .end();
    }
}

impl WebhookDocument {
    /// The document type, when `doctype` is present.
    pub fn document_type(&self) -> Option<DocumentType> {
        self.doctype.map(DocumentType::from_code)
    }

    /// The label of `doctype` in `lang`, when present.
    pub fn doctype_label(&self, lang: Lang) -> Option<String> {
        self.document_type().map(|t| t.label(lang))
    }
}

/// A parsed notification. Serializing it (for JavaScript) leaves `pdf` out: the binding layer
/// hands the bytes over as a `Uint8Array`.
#[derive(Clone, Debug, PartialEq)]
pub struct WebhookEvent {
    /// New state of the order.
    pub status: OrderState,
    /// The order id.
    pub orderid: String,
    /// The customer's reference (`null` when none was given).
    pub external_id: Option<String>,
    /// Registration number, when the contract allows it.
    pub registration_id: Option<String>,
    /// Supporting documents (`done` only, contract permitting); `None` when absent.
    pub documents: Option<Vec<WebhookDocument>>,
    /// The pré-état daté, decoded from `content` (`done` only).
    pub pdf: Option<Vec<u8>>,
    /// Every other top-level field, untouched (`content` is not kept here).
    pub extra: Obj,
}

/// `status`, `orderid`, `external_id` (`null` when none), `registration_id` and `documents`
/// when present, then `extra`'s members; not `pdf`.
impl ToJson for WebhookEvent {
    fn write_json(&self, out: &mut String) {
        ObjWriter::new(out)
            .field("status", &self.status)
            .field("orderid", &self.orderid)
            .field("external_id", &self.external_id)
            .some("registration_id", &self.registration_id)
            .some("documents", &self.documents)
            .members(&self.extra)
            .end();
    }
}

fn bad(what: &str) -> Error {
    Error::invalid_input(format!("{OP} failed: {what}"))
}

/// The values of `keys` in `obj` (`None` when absent; the last one when repeated) and its other
/// members in order (a repeated key kept as often as it occurs: [`Obj::get`] and `JSON.parse`
/// of the written text read its last value).
fn take<const N: usize>(obj: Obj, keys: [&str; N]) -> ([Option<Json>; N], Obj) {
    let mut found = [const { None }; N];
    let mut rest = Obj::new();
    for (k, v) in obj.0 {
        match keys.iter().position(|key| *key == k) {
            Some(i) => found[i] = Some(v),
            None => rest.0.push((k, v)),
        }
    }
    (found, rest)
}

/// A string, or a number written as text (ids are sometimes numeric); `null` is `None`.
fn text_field(v: Option<Json>, key: &str) -> Result<Option<String>> {
    match v {
        None | Some(Json::Null) => Ok(None),
        Some(Json::Str(s)) => Ok(Some(s)),
        Some(Json::Num(n)) => Ok(Some(n.into())),
        Some(_) => Err(bad(&format!("{key} must be a string"))),
    }
}

fn uint(v: &Json) -> Option<u64> {
    match v {
        Json::Num(_) => v.as_u64(),
        Json::Str(s) => s.trim().parse().ok(),
        _ => None,
    }
}

fn document(value: Json) -> Result<WebhookDocument> {
    let obj = match value {
        Json::Obj(o) => o,
        _ => return Err(bad("every item of documents must be an object")),
    };
    let ([id, doctype, delivered, comment, mimetype, url], mut extra) = take(
        obj,
        ["id", "doctype", "delivered", "comment", "mimetype", "url"],
    );
    let mut doc = WebhookDocument::default();
    if let Some(v) = id {
        match uint(&v) {
            Some(id) => doc.id = Some(id),
            None if v.is_null() => {}
            None => {
                extra.insert("id", v);
            }
        }
    }
    if let Some(v) = doctype {
        match uint(&v).and_then(|n| u32::try_from(n).ok()) {
            Some(t) => doc.doctype = Some(t),
            None if v.is_null() => {}
            None => {
                extra.insert("doctype", v);
            }
        }
    }
    for (key, slot, v) in [
        ("delivered", &mut doc.delivered, delivered),
        ("comment", &mut doc.comment, comment),
        ("mimetype", &mut doc.mimetype, mimetype),
        ("url", &mut doc.url, url),
    ] {
        match v {
            Some(Json::Str(s)) => *slot = Some(s),
            Some(Json::Null) | None => {}
            Some(other) => {
                extra.insert(key, other);
            }
        }
    }
    doc.extra = extra;
    Ok(doc)
}

/// Decodes `content` into PDF bytes: `None` when absent, `null` or blank.
fn pdf(content: Option<Json>) -> Result<Option<Vec<u8>>> {
    let text = match content {
        None | Some(Json::Null) => return Ok(None),
        Some(Json::Str(s)) => s,
        Some(_) => return Err(bad("content must be a base64 string")),
    };
    if text.trim().is_empty() {
        return Ok(None);
    }
    let bytes = decode_lenient(&text).ok_or_else(|| bad("content is not valid base64"))?;
    if !bytes.starts_with(b"%PDF") {
        return Err(bad("content does not decode to a PDF document"));
    }
    Ok(Some(bytes))
}

/// Parses a notification from an already-decoded JSON value.
pub fn parse_webhook_value(value: Json) -> Result<WebhookEvent> {
    let obj = match value {
        Json::Obj(o) => o,
        _ => return Err(bad("the notification must be a JSON object")),
    };
    let ([status, orderid, external_id, registration_id, documents, content], extra) = take(
        obj,
        [
            "status",
            "orderid",
            "external_id",
            "registration_id",
            "documents",
            "content",
        ],
    );
    let status = match status {
        Some(Json::Str(s)) if !s.trim().is_empty() => OrderState::from_wire(&s),
        None | Some(Json::Null) => return Err(bad("status is missing")),
        Some(_) => return Err(bad("status must be a non-empty string")),
    };
    let orderid = match text_field(orderid, "orderid")? {
        Some(id) if !id.trim().is_empty() => id,
        _ => return Err(bad("orderid is missing")),
    };
    let external_id = text_field(external_id, "external_id")?;
    let registration_id = text_field(registration_id, "registration_id")?;
    let documents = match documents {
        None | Some(Json::Null) => None,
        Some(Json::Arr(items)) => Some(
            items
                .into_iter()
                .map(document)
                .collect::<Result<Vec<_>>>()?,
        ),
        Some(_) => return Err(bad("documents must be an array")),
    };
    let pdf = pdf(content)?;
    Ok(WebhookEvent {
        status,
        orderid,
        external_id,
        registration_id,
        documents,
        pdf,
        extra,
    })
}

/// Parses a notification body (bytes or text: `&[u8]`, `&str`, `Vec<u8>`, `String`).
pub fn parse_webhook(body: impl AsRef<[u8]>) -> Result<WebhookEvent> {
    let body = body.as_ref();
    let value = crate::json::parse_bytes(body).map_err(|e| {
        if e.eof && body.iter().all(u8::is_ascii_whitespace) {
            bad("the body is empty")
        } else {
            let (line, column) = e.line_column(body);
            bad(&format!(
                "the body is not valid JSON (line {line}, column {column})"
            ))
        }
    })?;
    parse_webhook_value(value)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::json::testing::{from_serde, to_serde};
    use crate::ErrorCode;
    use serde_json::{json, Value};

    /// [`parse_webhook_value`] of a serde_json value.
    fn pv(v: Value) -> Result<WebhookEvent> {
        parse_webhook_value(from_serde(&v))
    }

    /// The `done` example of the English documentation, with the content completed to a
    /// decodable value (the docs truncate it with `...`).
    const EN_DONE: &str = r#"{
  "status": "done",
  "orderid": "order_id_12345",
  "external_id": "1221",
  "content": "JVBERi0xLjMKJeLjz9MNCjEgMCBvYmoKPDwvTW9k",
  "registration_id": "AA-XXX-XX",
  "documents": [
    { "id": 41, "doctype": 2, "delivered": "2025-03-12", "comment": "",
      "mimetype": "application/pdf", "url": "https://storage.example/2c8b5050b7d84f.pdf" }
  ]
}"#;

    #[test]
    fn documented_done_notification() {
        let ev = parse_webhook(EN_DONE).unwrap();
        assert_eq!(ev.status, OrderState::Done);
        assert_eq!(ev.orderid, "order_id_12345");
        assert_eq!(ev.external_id.as_deref(), Some("1221"));
        assert_eq!(ev.registration_id.as_deref(), Some("AA-XXX-XX"));
        let pdf = ev.pdf.as_deref().unwrap();
        assert!(pdf.starts_with(b"%PDF-1.3\n%\xe2\xe3\xcf\xd3\r\n1 0 obj\n<</Mod"));
        let docs = ev.documents.as_ref().unwrap();
        assert_eq!(docs.len(), 1);
        let d = &docs[0];
        assert_eq!(d.id, Some(41));
        assert_eq!(d.doctype, Some(2));
        assert_eq!(d.doctype_label(Lang::Fr).as_deref(), Some("Procès-Verbal"));
        assert_eq!(d.delivered.as_deref(), Some("2025-03-12"));
        assert_eq!(d.comment.as_deref(), Some(""));
        assert_eq!(d.mimetype.as_deref(), Some("application/pdf"));
        assert_eq!(
            d.url.as_deref(),
            Some("https://storage.example/2c8b5050b7d84f.pdf")
        );
        assert!(ev.extra.is_empty());
        // The serialized form (for JS) keeps wire names and drops the PDF bytes.
        let v = to_serde(&ev);
        assert_eq!(v["documents"][0]["doctype"], 2);
        assert_eq!(v["status"], "done");
        assert!(v.get("pdf").is_none() && v.get("content").is_none());
    }

    #[test]
    fn every_status_without_content() {
        for state in ["confirmed", "received", "waiting", "done", "need-refresh"] {
            let body = json!({"status": state, "orderid": "C7HOF2", "external_id": null});
            let ev = pv(body.clone()).unwrap();
            assert_eq!(ev.status.as_str(), state);
            assert!(ev.status.is_known());
            assert_eq!(ev.external_id, None);
            assert_eq!(ev.pdf, None);
            assert_eq!(ev.documents, None);
            assert_eq!(parse_webhook(body.to_string()).unwrap(), ev);
            assert_eq!(parse_webhook(body.to_string().as_bytes()).unwrap(), ev);
        }
        let ev = parse_webhook(r#"{"status": "archived", "orderid": "X"}"#).unwrap();
        assert_eq!(ev.status, OrderState::Unknown("archived".into()));
    }

    #[test]
    fn lenient_content_decoding() {
        let wrapped = "JVBERi0x\r\nLjMKJeLj\n z9MNCg";
        let ev = pv(json!({"status": "done", "orderid": "A", "content": wrapped})).unwrap();
        assert_eq!(
            ev.pdf.as_deref(),
            Some(&b"%PDF-1.3\n%\xe2\xe3\xcf\xd3\r\n"[..])
        );
        for blank in [json!(""), json!("  \n"), Value::Null] {
            let ev = pv(json!({"status": "done", "orderid": "A", "content": blank})).unwrap();
            assert_eq!(ev.pdf, None);
        }
    }

    #[test]
    fn bad_content_is_invalid_input() {
        for (content, why) in [
            (json!("aGVsbG8gd29ybGQ="), "PDF"),
            (json!("@@@not base64"), "base64"),
            (json!(42), "base64 string"),
            (json!(["JVBERi0x"]), "base64 string"),
        ] {
            let e = pv(json!({"status": "done", "orderid": "A", "content": content})).unwrap_err();
            assert_eq!(e.code(), ErrorCode::InvalidInput);
            assert!(e.message().contains(why), "{}", e.message());
            assert!(e.message().starts_with("parseWebhook failed: "));
        }
    }

    #[test]
    fn unknown_fields_are_kept() {
        let ev = pv(json!({
            "status": "done", "orderid": 123456, "external_id": 1221, "signature": "abc",
            "documents": [{"id": "7", "doctype": 42, "size": 1000, "url": 5, "delivered": null}]
        }))
        .unwrap();
        assert_eq!(ev.orderid, "123456");
        assert_eq!(ev.external_id.as_deref(), Some("1221"));
        assert_eq!(ev.extra.get("signature"), Some(&from_serde(&json!("abc"))));
        let d = &ev.documents.as_ref().unwrap()[0];
        assert_eq!(d.id, Some(7));
        assert_eq!(
            d.doctype_label(Lang::En).as_deref(),
            Some("Document type 42")
        );
        assert_eq!(d.extra.get("size"), Some(&from_serde(&json!(1000))));
        assert_eq!(d.extra.get("url"), Some(&from_serde(&json!(5))));
        assert_eq!(d.url, None);
        assert_eq!(d.delivered, None);
        let v = to_serde(&ev);
        assert_eq!(v["signature"], "abc");
        assert_eq!(v["documents"][0]["size"], 1000);
    }

    #[test]
    fn garbage_is_invalid_input() {
        let cases: Vec<Vec<u8>> = vec![
            b"".to_vec(),
            b"   ".to_vec(),
            b"not json".to_vec(),
            b"{".to_vec(),
            b"[]".to_vec(),
            b"null".to_vec(),
            b"\"done\"".to_vec(),
            b"\xff\xfe".to_vec(),
            br#"{}"#.to_vec(),
            br#"{"orderid": "A"}"#.to_vec(),
            br#"{"status": "", "orderid": "A"}"#.to_vec(),
            br#"{"status": 5, "orderid": "A"}"#.to_vec(),
            br#"{"status": "done"}"#.to_vec(),
            br#"{"status": "done", "orderid": " "}"#.to_vec(),
            br#"{"status": "done", "orderid": {}}"#.to_vec(),
            br#"{"status": "done", "orderid": "A", "external_id": []}"#.to_vec(),
            br#"{"status": "done", "orderid": "A", "documents": {}}"#.to_vec(),
            br#"{"status": "done", "orderid": "A", "documents": [1]}"#.to_vec(),
            "é".repeat(1000).into_bytes(),
            "[".repeat(10_000).into_bytes(),
        ];
        for body in cases {
            let e = parse_webhook(&body).unwrap_err();
            assert_eq!(
                e.code(),
                ErrorCode::InvalidInput,
                "{:?}",
                String::from_utf8_lossy(&body)
            );
            assert!(e.message().starts_with("parseWebhook failed: "));
            assert!(e.message().len() < 200);
        }
        assert!(parse_webhook("").unwrap_err().message().contains("empty"));
    }
}
