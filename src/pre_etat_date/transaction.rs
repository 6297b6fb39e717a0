//! The order object returned by `POST /order/` and the refresh routes (docs/pre-etat-date.md#3-ordering).

use crate::json::{Json, Obj, ObjWriter, ToJson};

use super::state::OrderState;
use crate::time::{format_iso8601, parse_http_date};

/// An order ("transaction") as the server describes it.
///
/// Every field is optional except `orderid` and `state`; fields this crate does not know are
/// kept in [`Transaction::extra`] and serialized back, so nothing the server sends is lost.
/// `created`/`updated` are kept verbatim (HTTP-date strings such as
/// `Tue, 25 Mar 2025 17:32:39 GMT`); [`Transaction::created_iso`] and friends parse them.
#[derive(Clone, Debug, PartialEq)]
pub struct Transaction {
    /// Order id (opaque; six upper-case characters in every example).
    pub orderid: String,
    /// Current state.
    pub state: OrderState,
    /// E-mail of the account that placed the order.
    pub account: Option<String>,
    /// Undocumented; `null` in the French examples. `Some(Json::Null)` when sent as `null`,
    /// `None` when absent.
    pub billing_mode: Option<Json>,
    /// Creation time, verbatim.
    pub created: Option<String>,
    /// The customer's reference, echoed.
    pub external_id: Option<String>,
    /// Undocumented; `true` on creation (processing not finished, inferred).
    pub pending: Option<bool>,
    /// Undocumented; becomes `true` once a refresh was requested (inferred).
    pub refreshed: Option<bool>,
    /// Undocumented; `null` in the French examples (same presence rule as `billing_mode`).
    pub sso_provider: Option<Json>,
    /// Whether this is a test order.
    pub test_mode: Option<bool>,
    /// Time of the last change, verbatim.
    pub updated: Option<String>,
    /// Every other field the server sent, untouched.
    pub extra: Obj,
}

/// The fields present, in declaration order, then `extra`'s members.
impl ToJson for Transaction {
    fn write_json(&self, out: &mut String) {
        ObjWriter::new(out)
            .field("orderid", &self.orderid)
            .field("state", &self.state)
            .some("account", &self.account)
            .some("billing_mode", &self.billing_mode)
            .some("created", &self.created)
            .some("external_id", &self.external_id)
            .some("pending", &self.pending)
            .some("refreshed", &self.refreshed)
            .some("sso_provider", &self.sso_provider)
            .some("test_mode", &self.test_mode)
            .some("updated", &self.updated)
            .members(&self.extra)
            .end();
    }
}

impl Transaction {
    /// `created` as Unix seconds, when it parses as an HTTP-date.
    pub fn created_unix(&self) -> Option<i64> {
        self.created.as_deref().and_then(parse_http_date)
    }

    /// `updated` as Unix seconds, when it parses as an HTTP-date.
    pub fn updated_unix(&self) -> Option<i64> {
        self.updated.as_deref().and_then(parse_http_date)
    }

    /// `created` as ISO 8601 UTC (`2025-03-25T17:32:39Z`), when it parses.
    pub fn created_iso(&self) -> Option<String> {
        self.created_unix().map(format_iso8601)
    }

    /// `updated` as ISO 8601 UTC, when it parses.
    pub fn updated_iso(&self) -> Option<String> {
        self.updated_unix().map(format_iso8601)
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::json::testing::{from_serde, to_serde};
    use serde_json::{json, Value};

    /// The order payload reader (`crate::pre_etat_date::read::transaction`) on a serde value.
    fn read(v: Value) -> Result<Transaction, String> {
        super::super::read::transaction(from_serde(&v))
    }

    /// The payload of the French create response (the French documentation), verbatim.
    pub(crate) const FR_PAYLOAD: &str = r#"{
    "account": "utilisateur@mail.com", 
    "billing_mode": null, 
    "created": "Tue, 25 Mar 2025 17:32:39 GMT", 
    "external_id": "1221", 
    "orderid": "C7HOF2", 
    "pending": true, 
    "refreshed": false, 
    "sso_provider": null, 
    "state": "confirmed", 
    "test_mode": true, 
    "updated": "Tue, 25 Mar 2025 17:32:39 GMT"
  }"#;

    #[test]
    fn fr_payload_parses_and_round_trips() {
        let t = super::super::read::transaction(crate::json::parse(FR_PAYLOAD).unwrap()).unwrap();
        assert_eq!(t.orderid, "C7HOF2");
        assert_eq!(t.state, OrderState::Confirmed);
        assert_eq!(t.account.as_deref(), Some("utilisateur@mail.com"));
        assert_eq!(t.billing_mode, Some(Json::Null));
        assert_eq!(t.sso_provider, Some(Json::Null));
        assert_eq!(t.pending, Some(true));
        assert_eq!(t.refreshed, Some(false));
        assert_eq!(t.test_mode, Some(true));
        assert_eq!(t.external_id.as_deref(), Some("1221"));
        assert_eq!(t.created_iso().as_deref(), Some("2025-03-25T17:32:39Z"));
        assert_eq!(t.updated_unix(), Some(1_742_923_959));
        assert!(t.extra.is_empty());
        let back = to_serde(&t);
        assert_eq!(back, serde_json::from_str::<Value>(FR_PAYLOAD).unwrap());
    }

    #[test]
    fn en_payload_without_billing_fields_stays_without_them() {
        let en = json!({"account": "user@mail.com", "created": "Tue, 25 Mar 2025 17:32:39 GMT",
            "external_id": "1221", "orderid": "C7HOF2", "pending": true, "refreshed": false,
            "state": "confirmed", "test_mode": true, "updated": "Tue, 25 Mar 2025 17:32:39 GMT"});
        let t = read(en.clone()).unwrap();
        assert_eq!(t.billing_mode, None);
        assert_eq!(to_serde(&t), en);
    }

    #[test]
    fn unknown_fields_and_states_are_kept() {
        let v = json!({"orderid": "X1", "state": "archived", "price": {"ht": 120},
                       "created": "not a date", "external_id": null});
        let t = read(v.clone()).unwrap();
        assert_eq!(t.state, OrderState::Unknown("archived".into()));
        assert_eq!(t.extra.get("price"), Some(&from_serde(&json!({"ht": 120}))));
        assert_eq!(t.created.as_deref(), Some("not a date"));
        assert_eq!(t.created_iso(), None);
        assert_eq!(t.updated_iso(), None);
        assert_eq!(t.external_id, None);
        let back = to_serde(&t);
        assert_eq!(back["price"], json!({"ht": 120}));
        assert_eq!(back["state"], json!("archived"));
    }

    #[test]
    fn orderid_and_state_are_required() {
        assert!(read(json!({"state": "done"})).is_err());
        assert!(read(json!({"orderid": "A"})).is_err());
        assert!(read(json!({"orderid": 1, "state": "done"})).is_err());
    }
}
