//! Typed values read out of a parsed JSON [`Value`] by hand, for the request bodies and the order
//! payload, with the helpers of `crate::json` (unknown fields are ignored, or kept in a
//! transaction's `extra`).

use serde_json::{Map, Value};

pub(crate) use crate::json::Problem;
use crate::json::{join, wrong, Res};

use super::model::{Invoice, Owner, Syndic};
use super::model::{LegacyRefreshRequest, OrderMethod, OrderRequest, RefreshRequest};
use super::state::OrderState;
use super::transaction::Transaction;

// The field helpers of `crate::json`, over a serde_json value (the public types hold those).

/// The members of `m` but those named in `keys`. Built by inserting (as are the maps
/// `crate::json::into_value` makes) rather than by removing from `m`: the module then links no
/// `BTreeMap` removal.
pub(crate) fn without(m: Map<String, Value>, keys: &[&str]) -> Map<String, Value> {
    let mut out = Map::new();
    for (k, v) in m {
        if !keys.contains(&k.as_str()) {
            out.insert(k, v);
        }
    }
    out
}

fn object<'a>(v: &'a Value, path: &str) -> Res<&'a Map<String, Value>> {
    v.as_object().ok_or_else(|| wrong(path, "an object"))
}

/// An optional field: absent and `null` are `None`.
fn opt<'a>(m: &'a Map<String, Value>, key: &str) -> Option<&'a Value> {
    m.get(key).filter(|v| !v.is_null())
}

fn opt_string(m: &Map<String, Value>, prefix: &str, key: &str) -> Res<Option<String>> {
    match opt(m, key) {
        None => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.clone())),
        Some(_) => Err(wrong(&join(prefix, key), "a string")),
    }
}

/// A string field with a default: absent is `""`, `null` is an error (as serde's `default`).
fn string(m: &Map<String, Value>, prefix: &str, key: &str) -> Res<String> {
    match m.get(key) {
        None => Ok(String::new()),
        Some(Value::String(s)) => Ok(s.clone()),
        Some(_) => Err(wrong(&join(prefix, key), "a string")),
    }
}

fn opt_bool(m: &Map<String, Value>, prefix: &str, key: &str) -> Res<Option<bool>> {
    match opt(m, key) {
        None => Ok(None),
        Some(Value::Bool(b)) => Ok(Some(*b)),
        Some(_) => Err(wrong(&join(prefix, key), "a boolean")),
    }
}

fn method(v: &Value, path: &str) -> Res<OrderMethod> {
    match v.as_str() {
        Some("email") => Ok(OrderMethod::Email),
        Some("extranet") => Ok(OrderMethod::Extranet),
        Some("upload") => Ok(OrderMethod::Upload),
        Some(_) => Err(format!(
            "unknown variant at `{path}`, expected one of `email`, `extranet`, `upload`"
        )),
        None => Err(wrong(path, "one of `email`, `extranet`, `upload`")),
    }
}

fn opt_method(m: &Map<String, Value>, key: &str) -> Res<Option<OrderMethod>> {
    opt(m, key).map(|v| method(v, key)).transpose()
}

fn syndic(m: &Map<String, Value>) -> Res<Option<Syndic>> {
    let Some(v) = opt(m, "syndic") else {
        return Ok(None);
    };
    let s = object(v, "syndic")?;
    Ok(Some(Syndic {
        name: string(s, "syndic", "name")?,
        username: string(s, "syndic", "username")?,
        password: string(s, "syndic", "password")?,
        url: opt_string(s, "syndic", "url")?,
    }))
}

/// A struct field with a default: absent is the default, `null` is an error.
fn present<'a>(m: &'a Map<String, Value>, key: &str) -> Option<&'a Value> {
    m.get(key)
}

/// Reads an order body.
pub(crate) fn order(v: &Value) -> Res<OrderRequest> {
    let m = object(v, "")?;
    let owners = match present(m, "owners") {
        None => Vec::new(),
        Some(Value::Array(items)) => items
            .iter()
            .enumerate()
            .map(|(i, item)| {
                let path = format!("owners[{i}]");
                let o = object(item, &path)?;
                Ok(Owner {
                    firstname: string(o, &path, "firstname")?,
                    lastname: string(o, &path, "lastname")?,
                })
            })
            .collect::<Res<Vec<Owner>>>()?,
        Some(_) => return Err(wrong("owners", "an array")),
    };
    let invoice = match present(m, "invoice") {
        None => Invoice::default(),
        Some(v) => {
            let o = object(v, "invoice")?;
            Invoice {
                address: string(o, "invoice", "address")?,
                city: string(o, "invoice", "city")?,
                zipcode: string(o, "invoice", "zipcode")?,
                lastname: string(o, "invoice", "lastname")?,
            }
        }
    };
    let method = match m.get("method") {
        Some(v) => method(v, "method")?,
        None => return Err("missing field `method`".into()),
    };
    let documents = match opt(m, "documents") {
        None => None,
        Some(Value::Array(items)) => Some(items.clone()),
        Some(_) => return Err(wrong("documents", "an array")),
    };
    Ok(OrderRequest {
        address: string(m, "", "address")?,
        additional: opt_string(m, "", "additional")?,
        city: string(m, "", "city")?,
        zipcode: string(m, "", "zipcode")?,
        owners,
        invoice,
        method,
        syndic: syndic(m)?,
        documents,
        lots: opt_string(m, "", "lots")?,
        comment: opt_string(m, "", "comment")?,
        all_due_paid: opt_bool(m, "", "all_due_paid")?,
        external_id: opt_string(m, "", "external_id")?,
        test_mode: opt_bool(m, "", "test_mode")?,
    })
}

/// Reads a refresh body (`method` defaults to `extranet` when absent).
pub(crate) fn refresh(v: &Value) -> Res<RefreshRequest> {
    let m = object(v, "")?;
    Ok(RefreshRequest {
        comment: opt_string(m, "", "comment")?,
        all_due_paid: opt_bool(m, "", "all_due_paid")?,
        method: match m.get("method") {
            None => OrderMethod::Extranet,
            Some(v) => method(v, "method")?,
        },
        syndic: syndic(m)?,
    })
}

/// Reads a legacy refresh body.
pub(crate) fn legacy_refresh(v: &Value) -> Res<LegacyRefreshRequest> {
    let m = object(v, "")?;
    Ok(LegacyRefreshRequest {
        orderid: string(m, "", "orderid")?,
        account: string(m, "", "account")?,
        comment: opt_string(m, "", "comment")?,
        all_due_paid: opt_bool(m, "", "all_due_paid")?,
        method: opt_method(m, "method")?,
        syndic: syndic(m)?,
    })
}

/// The fields of [`Transaction`] that are not kept in `extra`.
const TRANSACTION_FIELDS: [&str; 11] = [
    "orderid",
    "state",
    "account",
    "billing_mode",
    "created",
    "external_id",
    "pending",
    "refreshed",
    "sso_provider",
    "test_mode",
    "updated",
];

/// Reads an order payload; `orderid` and `state` are required, unknown fields go to `extra`.
pub(crate) fn transaction(v: Value) -> Res<Transaction> {
    let Value::Object(m) = v else {
        return Err(wrong("", "an object"));
    };
    let orderid = match m.get("orderid") {
        Some(Value::String(s)) => s.clone(),
        Some(_) => return Err(wrong("orderid", "a string")),
        None => return Err("missing field `orderid`".into()),
    };
    let state = match m.get("state") {
        Some(Value::String(s)) => OrderState::from_wire(s),
        Some(_) => return Err(wrong("state", "a string")),
        None => return Err("missing field `state`".into()),
    };
    let t = Transaction {
        orderid,
        state,
        account: opt_string(&m, "", "account")?,
        billing_mode: m.get("billing_mode").cloned(),
        created: opt_string(&m, "", "created")?,
        external_id: opt_string(&m, "", "external_id")?,
        pending: opt_bool(&m, "", "pending")?,
        refreshed: opt_bool(&m, "", "refreshed")?,
        sso_provider: m.get("sso_provider").cloned(),
        test_mode: opt_bool(&m, "", "test_mode")?,
        updated: opt_string(&m, "", "updated")?,
        extra: Map::new(),
    };
    Ok(Transaction {
        extra: without(m, &TRANSACTION_FIELDS),
        ..t
    })
}

#[cfg(test)]
mod tests {
    //! The hand-written readers agree with the serde derives on every input here: same success
    //! and same value, or both an error.
    use super::*;
    use serde::de::DeserializeOwned;
    use serde_json::json;
    use std::fmt::Debug;

    fn agree<T: DeserializeOwned + PartialEq + Debug>(v: Value, read: impl Fn(&Value) -> Res<T>) {
        let ours = read(&v);
        let serde = serde_json::from_value::<T>(v.clone());
        match (&ours, &serde) {
            (Ok(a), Ok(b)) => assert_eq!(a, b, "{v}"),
            (Err(_), Err(_)) => {}
            _ => panic!("{v}: ours {ours:?}, serde {serde:?}"),
        }
    }

    fn inputs() -> Vec<Value> {
        let full = json!({"address": "4 BIS RUE", "additional": "Bât. B", "city": "CALUIRE",
            "zipcode": "69300", "owners": [{"firstname": "Jean", "lastname": "Dupont"},
            {"lastname": "SCI X"}], "invoice": {"address": "64 av", "city": "PARIS",
            "zipcode": "75116", "lastname": "NOTAIRES"}, "method": "extranet",
            "syndic": {"name": "S", "username": "u", "password": "p", "url": "https://x"},
            "documents": [{"a": 1}, 2], "lots": "12", "comment": "c", "all_due_paid": true,
            "external_id": "E1", "test_mode": false, "orderid": "C7", "account": "a@b.fr",
            "unknown": {"kept": "or ignored"}});
        let mut out = vec![
            full.clone(),
            json!({}),
            json!(null),
            json!([1]),
            json!("x"),
            json!(3),
        ];
        let replacements = [
            json!(null),
            json!(1.5),
            json!(7),
            json!("s"),
            json!(true),
            json!([]),
            json!({}),
            json!(["x"]),
            json!([{}]),
            json!([null]),
            json!("fax"),
            json!("email"),
            json!("upload"),
        ];
        for key in full.as_object().unwrap().keys() {
            for r in &replacements {
                let mut v = full.clone();
                v[key] = r.clone();
                out.push(v.clone());
                v.as_object_mut().unwrap().remove(key);
                out.push(v);
            }
        }
        for (outer, inner) in [
            ("syndic", "password"),
            ("syndic", "url"),
            ("invoice", "city"),
            ("owners", "lastname"),
        ] {
            for r in &replacements {
                let mut v = full.clone();
                match &mut v[outer] {
                    Value::Array(a) => a[0][inner] = r.clone(),
                    o => o[inner] = r.clone(),
                }
                out.push(v.clone());
                match &mut v[outer] {
                    Value::Array(a) => a[0].as_object_mut().unwrap().remove(inner),
                    o => o.as_object_mut().unwrap().remove(inner),
                };
                out.push(v);
            }
        }
        out
    }

    /// serde also reads a struct from an array of its fields in order; the readers do not (an
    /// array where an object is expected is an error).
    fn struct_as_array(v: &Value) -> bool {
        let is_arr = |x: &Value| x.is_array();
        v.get("syndic").is_some_and(is_arr)
            || v.get("invoice").is_some_and(is_arr)
            || v["owners"].as_array().is_some_and(|o| o.iter().any(is_arr))
    }

    #[test]
    fn request_readers_agree_with_serde() {
        for v in inputs().into_iter().filter(|v| !struct_as_array(v)) {
            agree::<OrderRequest>(v.clone(), order);
            agree::<RefreshRequest>(v.clone(), refresh);
            agree::<LegacyRefreshRequest>(v.clone(), legacy_refresh);
        }
    }

    #[test]
    fn transaction_reader_agrees_with_serde() {
        let full = json!({"orderid": "C7HOF2", "state": "confirmed", "account": "a@b.fr",
            "billing_mode": null, "created": "Tue, 25 Mar 2025 17:32:39 GMT",
            "external_id": "1221", "pending": true, "refreshed": false, "sso_provider": {"x": 1},
            "test_mode": true, "updated": "Tue, 25 Mar 2025 17:32:39 GMT",
            "price": {"ht": 120}, "n": 1.5});
        let mut inputs = vec![full.clone(), json!({}), json!(null), json!([])];
        for key in full.as_object().unwrap().keys() {
            for r in [
                json!(null),
                json!(1),
                json!("archived"),
                json!(true),
                json!({}),
            ] {
                let mut v = full.clone();
                v[key] = r;
                inputs.push(v.clone());
                v.as_object_mut().unwrap().remove(key);
                inputs.push(v);
            }
        }
        for v in inputs {
            let ours = transaction(v.clone());
            let serde = serde_json::from_value::<Transaction>(v.clone());
            match (&ours, &serde) {
                (Ok(a), Ok(b)) => assert_eq!(a, b, "{v}"),
                (Err(_), Err(_)) => {}
                _ => panic!("{v}: ours {ours:?}, serde {serde:?}"),
            }
        }
    }

    #[test]
    fn problems_name_the_field_never_the_value() {
        let e = order(&json!({"method": "email", "syndic": {"password": "hunter2x", "name": 5}}))
            .unwrap_err();
        assert_eq!(e, "invalid type at `syndic.name`, expected a string");
        let e = order(&json!({"method": "fax-secret"})).unwrap_err();
        assert!(!e.contains("fax-secret") && e.contains("`method`"), "{e}");
        assert_eq!(order(&json!({})).unwrap_err(), "missing field `method`");
    }
}
