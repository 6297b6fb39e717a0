//! Request-body validation for `POST /order/` and the refresh routes (docs/pre-etat-date.md).
//! Each check yields the exact 400 message the fake answers with.

use serde_json::{Map, Value};

use super::messages::{invalid_field, missing_field, Lang, Msg};

/// A validated create request.
pub(crate) struct NewOrder {
    pub method: String,
    pub syndic: Option<Value>,
    pub external_id: Option<String>,
    pub test_mode: bool,
}

/// A validated refresh request.
pub(crate) struct Refresh {
    /// The syndic given in this request, if any (else the stored one is kept).
    pub syndic: Option<Value>,
}

/// `name`, `username`, `password` non-empty strings, `url` a string if present, and the pair
/// not registered as rejected.
fn syndic_ok(syndic: &Value, rejected: &dyn Fn(&str, &str) -> bool) -> bool {
    let Some(s) = syndic.as_object() else {
        return false;
    };
    let field = |k: &str| s.get(k).and_then(Value::as_str).filter(|v| !v.is_empty());
    let (Some(_), Some(user), Some(pass)) = (field("name"), field("username"), field("password"))
    else {
        return false;
    };
    if !matches!(
        s.get("url"),
        None | Some(Value::Null) | Some(Value::String(_))
    ) {
        return false;
    }
    !rejected(user, pass)
}

/// A JSON type test such as `Value::is_string`.
type TypeCheck = fn(&Value) -> bool;

fn check_optional(
    body: &Map<String, Value>,
    lang: Lang,
    fields: &[(&str, TypeCheck)],
) -> Result<(), String> {
    for (name, ok) in fields {
        match body.get(*name) {
            None | Some(Value::Null) => {}
            Some(v) if ok(v) => {}
            Some(_) => return Err(invalid_field(lang, name)),
        }
    }
    Ok(())
}

/// Validates a create body.
pub(crate) fn create(
    body: &Value,
    lang: Lang,
    rejected: &dyn Fn(&str, &str) -> bool,
) -> Result<NewOrder, String> {
    let Some(b) = body.as_object() else {
        return Err(Msg::InvalidMethod.text(lang).to_string());
    };
    let method = match b.get("method").and_then(Value::as_str) {
        Some(m @ ("email" | "extranet" | "upload")) => m.to_string(),
        _ => return Err(Msg::InvalidMethod.text(lang).to_string()),
    };
    for name in ["address", "city", "zipcode"] {
        match b.get(name) {
            None | Some(Value::Null) => return Err(missing_field(lang, name)),
            Some(Value::String(s)) if s.trim().is_empty() => return Err(missing_field(lang, name)),
            Some(Value::String(_)) => {}
            Some(_) => return Err(invalid_field(lang, name)),
        }
    }
    match b.get("owners") {
        None | Some(Value::Null) => return Err(missing_field(lang, "owners")),
        Some(Value::Array(items)) if items.is_empty() => return Err(missing_field(lang, "owners")),
        Some(Value::Array(items)) => {
            let person_ok = |o: &Value| {
                o.as_object().is_some_and(|o| {
                    ["firstname", "lastname"]
                        .iter()
                        .all(|k| matches!(o.get(*k), None | Some(Value::Null | Value::String(_))))
                        && o.get("lastname").and_then(Value::as_str).is_some()
                })
            };
            if !items.iter().all(person_ok) {
                return Err(invalid_field(lang, "owners"));
            }
        }
        Some(_) => return Err(invalid_field(lang, "owners")),
    }
    match b.get("invoice") {
        None | Some(Value::Null) => return Err(missing_field(lang, "invoice")),
        Some(Value::Object(inv)) => {
            let strings = inv
                .values()
                .all(|v| matches!(v, Value::Null | Value::String(_)));
            if !strings {
                return Err(invalid_field(lang, "invoice"));
            }
        }
        Some(_) => return Err(invalid_field(lang, "invoice")),
    }
    check_optional(
        b,
        lang,
        &[
            ("additional", Value::is_string),
            ("lots", Value::is_string),
            ("comment", Value::is_string),
            ("external_id", Value::is_string),
            ("all_due_paid", Value::is_boolean),
            ("test_mode", Value::is_boolean),
            ("documents", Value::is_array),
        ],
    )?;
    let syndic = b.get("syndic").filter(|v| !v.is_null()).cloned();
    let syndic_valid = syndic.as_ref().is_some_and(|s| syndic_ok(s, rejected));
    if method == "extranet" && !syndic_valid {
        return Err(Msg::SyndicInvalid.text(lang).to_string());
    }
    let has_docs = b
        .get("documents")
        .and_then(Value::as_array)
        .is_some_and(|d| !d.is_empty());
    if method == "upload" && !has_docs {
        return Err(Msg::UploadDocumentsMissing.text(lang).to_string());
    }
    Ok(NewOrder {
        method,
        syndic,
        external_id: b
            .get("external_id")
            .and_then(Value::as_str)
            .map(str::to_string),
        test_mode: b.get("test_mode").and_then(Value::as_bool).unwrap_or(false),
    })
}

/// Validates a refresh body. `default_method` is `Some("extranet")` for the deprecated route
/// (where `method` may be omitted); `stored` is the syndic held from creation.
pub(crate) fn refresh(
    body: &Map<String, Value>,
    lang: Lang,
    default_method: Option<&str>,
    stored: Option<&Value>,
    rejected: &dyn Fn(&str, &str) -> bool,
) -> Result<Refresh, String> {
    let method = match body.get("method") {
        None | Some(Value::Null) => default_method,
        Some(v) => v.as_str(),
    };
    if method != Some("extranet") {
        return Err(Msg::InvalidMethod.text(lang).to_string());
    }
    check_optional(
        body,
        lang,
        &[
            ("comment", Value::is_string),
            ("all_due_paid", Value::is_boolean),
        ],
    )?;
    let given = body.get("syndic").filter(|v| !v.is_null());
    let effective = given.or(stored);
    if !effective.is_some_and(|s| syndic_ok(s, rejected)) {
        return Err(Msg::SyndicInvalid.text(lang).to_string());
    }
    Ok(Refresh {
        syndic: given.cloned(),
    })
}
