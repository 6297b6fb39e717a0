//! Request-side types of the PRE-ETAT.DATE API, with the wire field names the API documents (docs/pre-etat-date.md).
//!
//! Optional fields are `Option`s and are omitted from the JSON when `None`. Fields the server
//! requires are plain values that default when absent (`""`, no owners), so that an incomplete
//! object coming from JavaScript still reads and [`super::validate_order`] can report *every*
//! problem at once instead of stopping at the first one. Each type writes its JSON body with
//! [`ToJson`], fields in declaration order.
//!
//! `Debug` is written by hand wherever a secret lives: syndic `username`/`password` and the
//! account password print as `<redacted>`.

use std::fmt;

use crate::json::{Json, ObjWriter, ToJson};

use crate::error::{Error, Result};

/// Placeholder printed instead of a secret.
pub(crate) const REDACTED: &str = "<redacted>";

/// How the service obtains the condominium documents (`method`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum OrderMethod {
    /// `email`: the documents are requested from the syndic by e-mail.
    Email,
    /// `extranet`: the service logs into the syndic's extranet (needs [`Syndic`] credentials).
    Extranet,
    /// `upload`: the customer uploads the documents (needs `documents`).
    Upload,
}

impl OrderMethod {
    /// The wire string.
    pub fn as_str(self) -> &'static str {
        match self {
            OrderMethod::Email => "email",
            OrderMethod::Extranet => "extranet",
            OrderMethod::Upload => "upload",
        }
    }
}

/// Its wire string ([`OrderMethod::as_str`]), as a JSON string.
impl ToJson for OrderMethod {
    fn write_json(&self, out: &mut String) {
        self.as_str().write_json(out);
    }
}

/// One owner (seller) of the lot.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Owner {
    /// First name; may be empty for a company (an SCI, a firm).
    pub firstname: String,
    /// Last name or company name (required).
    pub lastname: String,
}

/// `{"firstname", "lastname"}`.
impl ToJson for Owner {
    fn write_json(&self, out: &mut String) {
        ObjWriter::new(out)
            .field("firstname", &self.firstname)
            .field("lastname", &self.lastname)
            .end();
    }
}

/// The billing party (`invoice`).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Invoice {
    /// Street address.
    pub address: String,
    /// City.
    pub city: String,
    /// French postal code, as text (`"75116"`).
    pub zipcode: String,
    /// Person or firm name, e.g. `PLAISIR NOTAIRES`.
    pub lastname: String,
}

/// `{"address", "city", "zipcode", "lastname"}`.
impl ToJson for Invoice {
    fn write_json(&self, out: &mut String) {
        ObjWriter::new(out)
            .field("address", &self.address)
            .field("city", &self.city)
            .field("zipcode", &self.zipcode)
            .field("lastname", &self.lastname)
            .end();
    }
}

/// The managing agent and its extranet credentials (`syndic`). `Debug` redacts the credentials.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct Syndic {
    /// Name of the syndic.
    pub name: String,
    /// Extranet login (secret).
    pub username: String,
    /// Extranet password (secret).
    pub password: String,
    /// Extranet address (documented by the English site only).
    pub url: Option<String>,
}

/// `{"name", "username", "password", "url" (when set)}`: the credentials are written (this is
/// the request body).
impl ToJson for Syndic {
    fn write_json(&self, out: &mut String) {
        ObjWriter::new(out)
            .field("name", &self.name)
            .field("username", &self.username)
            .field("password", &self.password)
            .some("url", &self.url)
            .end();
    }
}

impl fmt::Debug for Syndic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Syndic")
            .field("name", &self.name)
            .field("username", &REDACTED)
            .field("password", &REDACTED)
            .field("url", &self.url)
            .finish()
    }
}

/// Body of `POST /order/` (docs/pre-etat-date.md#3-ordering). `Debug` redacts the syndic credentials.
#[derive(Clone, PartialEq)]
pub struct OrderRequest {
    /// Street address of the lot (required).
    pub address: String,
    /// Address complement.
    pub additional: Option<String>,
    /// City (required).
    pub city: String,
    /// French postal code, as text (required).
    pub zipcode: String,
    /// Owners of the lot (at least one).
    pub owners: Vec<Owner>,
    /// Billing party (required).
    pub invoice: Invoice,
    /// How documents are obtained (required).
    pub method: OrderMethod,
    /// Syndic details; required when `method` is `extranet`.
    pub syndic: Option<Syndic>,
    /// Uploaded documents; required (non-empty) when `method` is `upload`. The element schema is
    /// undocumented, so elements are passed through untouched.
    pub documents: Option<Vec<Json>>,
    /// Lot number(s), free format.
    pub lots: Option<String>,
    /// Free text.
    pub comment: Option<String>,
    /// `true` when the owner is up to date with the condominium charges.
    pub all_due_paid: Option<bool>,
    /// The customer's own reference, echoed in the order and in every webhook.
    pub external_id: Option<String>,
    /// Marks a test transaction.
    pub test_mode: Option<bool>,
}

impl OrderRequest {
    /// An order with the required fields set and every optional field `None`.
    pub fn new(
        address: impl Into<String>,
        city: impl Into<String>,
        zipcode: impl Into<String>,
        owners: Vec<Owner>,
        invoice: Invoice,
        method: OrderMethod,
    ) -> OrderRequest {
        OrderRequest {
            address: address.into(),
            additional: None,
            city: city.into(),
            zipcode: zipcode.into(),
            owners,
            invoice,
            method,
            syndic: None,
            documents: None,
            lots: None,
            comment: None,
            all_due_paid: None,
            external_id: None,
            test_mode: None,
        }
    }

    /// Reads an order from a JSON value (e.g. an object received from JavaScript). The error is
    /// `invalid_input` and never quotes the offending string value (it could be a password).
    pub fn from_json_value(value: Json) -> Result<OrderRequest> {
        malformed("order", super::read::order(&value))
    }
}

/// The fields set, in declaration order (the body of `POST /order/`).
impl ToJson for OrderRequest {
    fn write_json(&self, out: &mut String) {
        ObjWriter::new(out)
            .field("address", &self.address)
            .some("additional", &self.additional)
            .field("city", &self.city)
            .field("zipcode", &self.zipcode)
            .field("owners", &self.owners)
            .field("invoice", &self.invoice)
            .field("method", &self.method)
            .some("syndic", &self.syndic)
            .some("documents", &self.documents)
            .some("lots", &self.lots)
            .some("comment", &self.comment)
            .some("all_due_paid", &self.all_due_paid)
            .some("external_id", &self.external_id)
            .some("test_mode", &self.test_mode)
            .end();
    }
}

impl fmt::Debug for OrderRequest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("OrderRequest")
            .field("address", &self.address)
            .field("additional", &self.additional)
            .field("city", &self.city)
            .field("zipcode", &self.zipcode)
            .field("owners", &self.owners)
            .field("invoice", &self.invoice)
            .field("method", &self.method)
            .field("syndic", &self.syndic)
            .field("documents", &self.documents.as_ref().map(Vec::len))
            .field("lots", &self.lots)
            .field("comment", &self.comment)
            .field("all_due_paid", &self.all_due_paid)
            .field("external_id", &self.external_id)
            .field("test_mode", &self.test_mode)
            .finish()
    }
}

/// Body of `POST /order/{orderid}/refresh` (docs/pre-etat-date.md#5-refreshes). `Debug` redacts the syndic credentials.
#[derive(Clone, PartialEq, Eq)]
pub struct RefreshRequest {
    /// Free text.
    pub comment: Option<String>,
    /// `true` when the owner is up to date with the condominium charges.
    pub all_due_paid: Option<bool>,
    /// Currently only `extranet` is supported by the service; defaults to it when absent.
    pub method: OrderMethod,
    /// Syndic details; optional when the service already holds them from the order.
    pub syndic: Option<Syndic>,
}

impl Default for RefreshRequest {
    fn default() -> RefreshRequest {
        RefreshRequest {
            comment: None,
            all_due_paid: None,
            method: OrderMethod::Extranet,
            syndic: None,
        }
    }
}

impl RefreshRequest {
    /// Reads a refresh request from a JSON value; errors are `invalid_input` without values.
    pub fn from_json_value(value: Json) -> Result<RefreshRequest> {
        malformed("refresh request", super::read::refresh(&value))
    }
}

/// The fields set, in declaration order (`method` always).
impl ToJson for RefreshRequest {
    fn write_json(&self, out: &mut String) {
        ObjWriter::new(out)
            .some("comment", &self.comment)
            .some("all_due_paid", &self.all_due_paid)
            .field("method", &self.method)
            .some("syndic", &self.syndic)
            .end();
    }
}

impl fmt::Debug for RefreshRequest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RefreshRequest")
            .field("comment", &self.comment)
            .field("all_due_paid", &self.all_due_paid)
            .field("method", &self.method)
            .field("syndic", &self.syndic)
            .finish()
    }
}

/// Body of the deprecated `POST /order/needrefresh` (docs/pre-etat-date.md#5-refreshes): the order is named in the body.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct LegacyRefreshRequest {
    /// The order to refresh (required).
    pub orderid: String,
    /// E-mail of the account that owns the order (required).
    pub account: String,
    /// Free text.
    pub comment: Option<String>,
    /// `true` when the owner is up to date with the condominium charges.
    pub all_due_paid: Option<bool>,
    /// Method; the service assumes `extranet` when absent.
    pub method: Option<OrderMethod>,
    /// Syndic details.
    pub syndic: Option<Syndic>,
}

impl LegacyRefreshRequest {
    /// Reads a legacy refresh request from a JSON value; errors are `invalid_input` without
    /// values.
    pub fn from_json_value(value: Json) -> Result<LegacyRefreshRequest> {
        malformed(
            "legacy refresh request",
            super::read::legacy_refresh(&value),
        )
    }
}

/// The fields set, in declaration order (`orderid` and `account` always).
impl ToJson for LegacyRefreshRequest {
    fn write_json(&self, out: &mut String) {
        ObjWriter::new(out)
            .field("orderid", &self.orderid)
            .field("account", &self.account)
            .some("comment", &self.comment)
            .some("all_due_paid", &self.all_due_paid)
            .some("method", &self.method)
            .some("syndic", &self.syndic)
            .end();
    }
}

impl fmt::Debug for LegacyRefreshRequest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("LegacyRefreshRequest")
            .field("orderid", &self.orderid)
            .field("account", &self.account)
            .field("comment", &self.comment)
            .field("all_due_paid", &self.all_due_paid)
            .field("method", &self.method)
            .field("syndic", &self.syndic)
            .finish()
    }
}

/// Account login for `POST /account/auth`. `Debug` redacts the password.
#[derive(Clone, PartialEq, Eq)]
pub struct Credentials {
    /// Account e-mail.
    pub email: String,
    /// Account password (secret).
    pub password: String,
}

impl Credentials {
    /// Credentials from an e-mail and a password.
    pub fn new(email: impl Into<String>, password: impl Into<String>) -> Credentials {
        Credentials {
            email: email.into(),
            password: password.into(),
        }
    }
}

impl fmt::Debug for Credentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Credentials")
            .field("email", &self.email)
            .field("password", &REDACTED)
            .finish()
    }
}

/// Payload of a successful `POST /account/auth`. `Debug` redacts the token.
#[derive(Clone, PartialEq, Eq)]
pub struct AccessToken {
    /// The bearer token (a JWT).
    pub access_token: String,
}

/// `{"access_token"}`.
impl ToJson for AccessToken {
    fn write_json(&self, out: &mut String) {
        ObjWriter::new(out)
            .field("access_token", &self.access_token)
            .end();
    }
}

impl fmt::Debug for AccessToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AccessToken")
            .field("access_token", &REDACTED)
            .finish()
    }
}

/// A reader's problem as `invalid_input`. Problems name the field, never its value (it could be a
/// password).
fn malformed<T>(what: &str, read: std::result::Result<T, super::read::Problem>) -> Result<T> {
    read.map_err(|p| Error::invalid_input(format!("the {what} is malformed: {p}")))
}

/// At most `max` characters of `s`, with `…` appended when something was cut.
pub(crate) fn truncate_chars(s: &str, max: usize) -> String {
    match s.char_indices().nth(max) {
        Some((i, _)) => format!("{}…", s.get(..i).unwrap_or("")),
        None => s.to_string(),
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::json::testing::{from_serde, to_serde};
    use serde_json::{json, Value};

    /// The full create request of the English documentation (docs/pre-etat-date.md#3-ordering), verbatim.
    pub(crate) const EN_CREATE: &str = r#"{
  "address": "4 BIS RUE DE LA FERME",
  "additional": "",
  "city": "CALUIRE ET CUIRE",
  "zipcode": "69300",
  "owners": [{ "firstname": "Jean", "lastname": "Dupont" }],
  "invoice": { "address": "64, avenue Kleber", "city": "PARIS", "zipcode": "75116", "lastname": "PLAISIR NOTAIRES" },
  "method": "extranet",
  "syndic": { "name": "Syndic Name", "username": "syndic_user", "password": "syndic_pass", "url": "https://extranet.example.com" },
  "documents": [],
  "lots": "",
  "comment": "",
  "all_due_paid": false,
  "external_id": "1221",
  "test_mode": true
}"#;

    /// The create request of the French documentation and the seed, verbatim.
    pub(crate) const FR_CREATE: &str = r#"{
        "address": "4 BIS RUE DE LA FERME",
        "additional": "",
        "city": "CALUIRE ET CUIRE",
        "zipcode": "69300",
        "owners": [{"firstname": "Jean", "lastname": "Dupont"}],
        "invoice": {"address": "64, avenue Kleber", "city": "PARIS", "zipcode": "75116", "lastname": "PLAISIR NOTAIRES"},
        "method": "extranet",
        "syndic": {
            "name": "Syndic Name",
            "username": "syndic_user",
            "password": "syndic_pass"
        }
    }"#;

    pub(crate) fn en_order() -> OrderRequest {
        OrderRequest::from_json_value(crate::json::parse(EN_CREATE).unwrap()).unwrap()
    }

    #[test]
    fn en_example_round_trips_field_for_field() {
        let order = en_order();
        assert_eq!(order.method, OrderMethod::Extranet);
        assert_eq!(order.zipcode, "69300");
        assert_eq!(order.owners[0].lastname, "Dupont");
        assert_eq!(order.invoice.lastname, "PLAISIR NOTAIRES");
        assert_eq!(
            order.syndic.as_ref().and_then(|s| s.url.as_deref()),
            Some("https://extranet.example.com")
        );
        let back = to_serde(&order);
        let original: Value = serde_json::from_str(EN_CREATE).unwrap();
        assert_eq!(back, original);
    }

    #[test]
    fn fr_example_omits_none_fields() {
        let order = OrderRequest::from_json_value(crate::json::parse(FR_CREATE).unwrap()).unwrap();
        let back = to_serde(&order);
        let original: Value = serde_json::from_str(FR_CREATE).unwrap();
        assert_eq!(back, original);
        let obj = back.as_object().unwrap();
        for absent in [
            "documents",
            "lots",
            "comment",
            "all_due_paid",
            "external_id",
            "test_mode",
        ] {
            assert!(!obj.contains_key(absent), "{absent} should be omitted");
        }
        assert!(!obj["syndic"].as_object().unwrap().contains_key("url"));
    }

    #[test]
    fn zipcode_is_sent_as_a_string_and_method_lower_case() {
        let order = OrderRequest::new(
            "1 rue A",
            "PARIS",
            "75001",
            vec![Owner {
                firstname: String::new(),
                lastname: "SCI X".into(),
            }],
            Invoice::default(),
            OrderMethod::Upload,
        );
        let v = to_serde(&order);
        assert_eq!(v["zipcode"], json!("75001"));
        assert_eq!(v["method"], json!("upload"));
        assert_eq!(v["owners"][0]["firstname"], json!(""));
        for m in [
            OrderMethod::Email,
            OrderMethod::Extranet,
            OrderMethod::Upload,
        ] {
            assert_eq!(to_serde(&m), Value::String(m.as_str().into()));
        }
    }

    #[test]
    fn refresh_defaults_to_extranet_and_omits_none() {
        let r = RefreshRequest::from_json_value(crate::json::parse("{}").unwrap()).unwrap();
        assert_eq!(r, RefreshRequest::default());
        assert_eq!(to_serde(&r), json!({"method": "extranet"}));
        let seed = r#"{"all_due_paid": true, "comment": "", "method": "extranet",
            "syndic": {"name": "Syndic Name", "username": "syndic_user", "password": "syndic_pass"}}"#;
        let r = RefreshRequest::from_json_value(crate::json::parse(seed).unwrap()).unwrap();
        assert_eq!(to_serde(&r), serde_json::from_str::<Value>(seed).unwrap());
    }

    #[test]
    fn legacy_refresh_seed_body_round_trips() {
        let seed = r#"{"orderid": "xxx", "account": "xxx@gmail.com", "method": "extranet",
            "syndic": {"name": "Syndic Name", "username": "syndic_user", "password": "syndic_pass"}}"#;
        let r = LegacyRefreshRequest::from_json_value(crate::json::parse(seed).unwrap()).unwrap();
        assert_eq!(r.orderid, "xxx");
        assert_eq!(r.method, Some(OrderMethod::Extranet));
        assert_eq!(to_serde(&r), serde_json::from_str::<Value>(seed).unwrap());
    }

    #[test]
    fn debug_redacts_every_secret() {
        let order = en_order();
        let refresh = RefreshRequest {
            syndic: order.syndic.clone(),
            ..RefreshRequest::default()
        };
        let legacy = LegacyRefreshRequest {
            orderid: "C7HOF2".into(),
            account: "a@b.fr".into(),
            syndic: order.syndic.clone(),
            ..LegacyRefreshRequest::default()
        };
        let creds = Credentials::new("user@mail.com", "account-pw-42");
        let token = AccessToken {
            access_token: "eyJ.secret.token".into(),
        };
        let outputs = [
            format!("{order:?}"),
            format!("{order:#?}"),
            format!("{refresh:?}"),
            format!("{legacy:?}"),
            format!("{:?}", order.syndic),
            format!("{creds:?}"),
            format!("{token:?}"),
        ];
        for out in &outputs {
            for secret in ["syndic_user", "syndic_pass", "account-pw-42", "eyJ.secret"] {
                assert!(!out.contains(secret), "{secret} leaked in {out}");
            }
        }
        assert!(outputs[0].contains("Syndic Name"));
        assert!(outputs[0].contains(REDACTED));
        assert!(outputs[5].contains("user@mail.com"));
    }

    #[test]
    fn from_json_value_errors_never_quote_values() {
        let j = |v: Value| from_serde(&v);
        let bad = j(json!({"method": "extranet", "syndic": {"password": ["x"]},
                         "all_due_paid": "hunter2"}));
        let e = OrderRequest::from_json_value(bad).unwrap_err();
        assert_eq!(e.code(), crate::ErrorCode::InvalidInput);
        assert!(!e.message().contains("hunter2"), "{}", e.message());
        assert!(!format!("{e:?}").contains("hunter2"));
        let e = OrderRequest::from_json_value(j(json!({"method": "fax"}))).unwrap_err();
        assert!(
            e.message().contains("order is malformed"),
            "{}",
            e.message()
        );
        let e =
            RefreshRequest::from_json_value(j(json!({"all_due_paid": "pw-secret"}))).unwrap_err();
        assert!(!e.message().contains("pw-secret"));
        let e = OrderRequest::from_json_value(j(
            json!({"method": "email", "syndic": {"password": 987654}}),
        ))
        .unwrap_err();
        assert!(!e.message().contains("987654"), "{}", e.message());
        let e = LegacyRefreshRequest::from_json_value(j(json!({"orderid": 5}))).unwrap_err();
        assert_eq!(e.code(), crate::ErrorCode::InvalidInput);
        assert!(OrderRequest::from_json_value(j(json!({"method": "upload"}))).is_ok());
    }

    #[test]
    fn truncate_helper() {
        assert_eq!(truncate_chars("ééé", 2), "éé…");
        assert_eq!(truncate_chars("ab", 2), "ab");
        assert_eq!(truncate_chars(&"x".repeat(500), 200).chars().count(), 201);
    }
}
