//! Typed values read out of a parsed JSON [`Json`] value by hand, for the request bodies and the order
//! payload, with the helpers of `crate::json` (unknown fields are ignored, or kept in a
//! transaction's `extra`).

pub(crate) use crate::json::Problem;
use crate::json::{object, opt, opt_bool, opt_string, string, wrong, Json, Obj, Res};

use super::model::{Invoice, Owner, Syndic};
use super::model::{LegacyRefreshRequest, OrderMethod, OrderRequest, RefreshRequest};
use super::state::OrderState;
use super::transaction::Transaction;

/// The members of `m` but those named in `keys`, in order (a repeated key kept as often as it
/// occurs: [`Obj::get`] and `JSON.parse` of the written text read its last value).
pub(crate) fn without(m: Obj, keys: &[&str]) -> Obj {
    Obj(m
        .0
        .into_iter()
        .filter(|(k, _)| !keys.contains(&k.as_str()))
        .collect())
}

fn method(v: &Json, path: &str) -> Res<OrderMethod> {
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

fn opt_method(m: &Obj, key: &str) -> Res<Option<OrderMethod>> {
    opt(m, key).map(|v| method(v, key)).transpose()
}

fn syndic(m: &Obj) -> Res<Option<Syndic>> {
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
fn present<'a>(m: &'a Obj, key: &str) -> Option<&'a Json> {
    m.get(key)
}

/// Reads an order body.
pub(crate) fn order(v: &Json) -> Res<OrderRequest> {
    let m = object(v, "")?;
    let owners = match present(m, "owners") {
        None => Vec::new(),
        Some(Json::Arr(items)) => items
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
        Some(Json::Arr(items)) => Some(items.clone()),
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
pub(crate) fn refresh(v: &Json) -> Res<RefreshRequest> {
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
pub(crate) fn legacy_refresh(v: &Json) -> Res<LegacyRefreshRequest> {
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
pub(crate) fn transaction(v: Json) -> Res<Transaction> {
    let Json::Obj(m) = v else {
        return Err(wrong("", "an object"));
    };
    let orderid = match m.get("orderid") {
        Some(Json::Str(s)) => s.clone(),
        Some(_) => return Err(wrong("orderid", "a string")),
        None => return Err("missing field `orderid`".into()),
    };
    let state = match m.get("state") {
        Some(Json::Str(s)) => OrderState::from_wire(s),
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
        extra: Obj::new(),
    };
    Ok(Transaction {
        extra: without(m, &TRANSACTION_FIELDS),
        ..t
    })
}

#[cfg(test)]
mod tests {
    //! The hand-written readers agree with the serde derives on every input here: same success
    //! and same value, or both an error; and what the crate writes of a value read is what the
    //! serde derives wrote.
    use super::super::serde_ref::{self, SLegacyRefresh, SOrder, SRefresh, STransaction};
    use super::*;
    use crate::json::testing::{from_serde, to_serde};
    use crate::json::ToJson;
    use serde::de::DeserializeOwned;
    use serde::Serialize;
    use serde_json::{json, Value};
    use std::fmt::Debug;

    /// Our reader and serde's derive of `S` (the type as it was) on the same value, then our
    /// writer and serde's on what was read.
    fn agree<S: DeserializeOwned + Serialize, T: From<S> + PartialEq + Debug + ToJson>(
        v: Value,
        read: impl Fn(&Json) -> Res<T>,
    ) {
        let ours = read(&from_serde(&v));
        let serde = serde_ref::read::<S, T>(&v);
        match (&ours, &serde) {
            (Ok(a), Ok((b, written))) => {
                assert_eq!(a, b, "{v}");
                assert_eq!(&to_serde(a), written, "{v}");
            }
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
            agree::<SOrder, OrderRequest>(v.clone(), order);
            agree::<SRefresh, RefreshRequest>(v.clone(), refresh);
            agree::<SLegacyRefresh, LegacyRefreshRequest>(v.clone(), legacy_refresh);
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
            let ours = transaction(from_serde(&v));
            let serde = serde_ref::read::<STransaction, Transaction>(&v);
            match (&ours, &serde) {
                (Ok(a), Ok((b, written))) => {
                    assert_eq!(a, b, "{v}");
                    assert_eq!(&to_serde(a), written, "{v}");
                }
                (Err(_), Err(_)) => {}
                _ => panic!("{v}: ours {ours:?}, serde {serde:?}"),
            }
        }
    }

    #[test]
    fn problems_name_the_field_never_the_value() {
        let j = |v: Value| from_serde(&v);
        let e = order(&j(
            json!({"method": "email", "syndic": {"password": "hunter2x", "name": 5}}),
        ))
        .unwrap_err();
        assert_eq!(e, "invalid type at `syndic.name`, expected a string");
        let e = order(&j(json!({"method": "fax-secret"}))).unwrap_err();
        assert!(!e.contains("fax-secret") && e.contains("`method`"), "{e}");
        assert_eq!(order(&j(json!({}))).unwrap_err(), "missing field `method`");
    }
}
