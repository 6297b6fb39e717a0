//! Client-side checks run before an order or a refresh is sent.
//!
//! Every problem is reported (not only the first), each with a JSON path
//! (`owners[0].lastname`, `syndic.password`), a stable code and an English sentence. Messages
//! name fields, never their values, so secrets cannot leak through them.
//!
//! Rules and decisions (the vendor documents almost none of them):
//! * `address`, `city`, `zipcode`, `invoice.{address,city,zipcode,lastname}`: required, not blank.
//! * Postal codes: five ASCII digits whose prefix is a French département (`01`–`95`; Corsica
//!   is `20…`, `2A`/`2B` are département codes, not postal codes), an overseas département
//!   (`971`–`976`) or Monaco / overseas collectivities (`980`, `984`, `986`, `987`, `988`).
//! * `owners`: at least one; each `lastname` required. `firstname` **may be blank**: companies
//!   (SCI, firms) own lots and have no first name.
//! * `method = extranet` ⇒ `syndic` with non-blank `name`, `username`, `password`.
//!   `syndic.url`, whenever present, must be an `http(s)://` address.
//! * `method = upload` ⇒ `documents` non-empty.
//! * `external_id`, when present: not blank, at most 255 characters.
//! * Length limits (characters): see the `MAX_*` constants. Single-line fields must not contain
//!   control characters (line breaks included).

use crate::json::{Json, Obj};

use super::model::{LegacyRefreshRequest, OrderMethod, OrderRequest, RefreshRequest, Syndic};
use crate::error::Error;

/// Longest accepted address, city, name or identifier.
pub const MAX_SHORT: usize = 255;
/// Longest accepted password (syndic).
pub const MAX_PASSWORD: usize = 1024;
/// Longest accepted URL.
pub const MAX_URL: usize = 2048;
/// Longest accepted `comment` or `lots`.
pub const MAX_TEXT: usize = 5000;
/// Most owners accepted in one order.
pub const MAX_OWNERS: usize = 100;

pub use crate::error::ValidationIssue;

/// Collects issues while walking a request.
#[derive(Default)]
struct Checker {
    issues: Vec<ValidationIssue>,
}

impl Checker {
    fn push(&mut self, path: &str, code: &'static str, message: String) {
        self.issues.push(ValidationIssue::new(path, code, message));
    }

    /// Required, single line, at most `max` characters.
    fn required(&mut self, path: &str, value: &str, max: usize) {
        if value.trim().is_empty() {
            self.push(path, "required", format!("{path} is required"));
        } else {
            self.line(path, value, max);
        }
    }

    /// Optional single-line text: only length and characters are checked.
    fn line(&mut self, path: &str, value: &str, max: usize) {
        if value.chars().count() > max {
            self.push(
                path,
                "too_long",
                format!("{path} must be at most {max} characters"),
            );
        }
        if value.chars().any(char::is_control) {
            self.push(
                path,
                "invalid_characters",
                format!("{path} must not contain line breaks or control characters"),
            );
        }
    }

    /// Optional multi-line text.
    fn text(&mut self, path: &str, value: &str, max: usize) {
        if value.chars().count() > max {
            self.push(
                path,
                "too_long",
                format!("{path} must be at most {max} characters"),
            );
        }
    }

    fn zipcode(&mut self, path: &str, value: &str) {
        if value.trim().is_empty() {
            self.push(path, "required", format!("{path} is required"));
        } else if let Err(why) = check_french_zipcode(value) {
            self.push(path, "invalid_zipcode", format!("{path} {why}"));
        }
    }

    fn url(&mut self, path: &str, value: &str) {
        if !is_http_url(value) {
            self.push(
                path,
                "invalid_url",
                format!("{path} must be an http:// or https:// address"),
            );
        } else {
            self.line(path, value, MAX_URL);
        }
    }

    /// A syndic block; credentials required when `complete` is asked for.
    fn syndic(&mut self, syndic: &Syndic, require_credentials: bool) {
        if require_credentials {
            self.required("syndic.name", &syndic.name, MAX_SHORT);
            self.required("syndic.username", &syndic.username, MAX_SHORT);
            if syndic.password.trim().is_empty() {
                self.push(
                    "syndic.password",
                    "required",
                    "syndic.password is required".into(),
                );
            }
        } else {
            self.line("syndic.name", &syndic.name, MAX_SHORT);
            self.line("syndic.username", &syndic.username, MAX_SHORT);
        }
        if syndic.password.chars().count() > MAX_PASSWORD {
            self.push(
                "syndic.password",
                "too_long",
                format!("syndic.password must be at most {MAX_PASSWORD} characters"),
            );
        }
        if let Some(url) = &syndic.url {
            self.url("syndic.url", url);
        }
    }

    fn common_optional(&mut self, comment: Option<&str>) {
        if let Some(c) = comment {
            self.text("comment", c, MAX_TEXT);
        }
    }
}

/// Why a postal code is not French, as the end of a sentence starting with the field path.
fn check_french_zipcode(zip: &str) -> Result<(), &'static str> {
    let bytes = zip.as_bytes();
    if bytes.len() == 5
        && bytes.first() == Some(&b'2')
        && matches!(bytes.get(1), Some(b'A' | b'B' | b'a' | b'b'))
    {
        return Err(
            "uses a Corsican département code (2A/2B); Corsican postal codes start with 20",
        );
    }
    if bytes.len() != 5 || !bytes.iter().all(u8::is_ascii_digit) {
        return Err("must be a French postal code of exactly 5 digits");
    }
    let d = |i: usize| bytes.get(i).map_or(0, |b| b - b'0');
    let ok = match (d(0), d(1)) {
        (0, 0) => false,
        (0..=8, _) | (9, 0..=5) => true,
        (9, 7) => (1..=6).contains(&d(2)),
        (9, 8) => matches!(d(2), 0 | 4 | 6 | 7 | 8),
        _ => false,
    };
    if ok {
        Ok(())
    } else {
        Err("does not start with a French département number")
    }
}

/// Whether `zip` is a plausible French postal code (see the module rules).
pub fn is_french_zipcode(zip: &str) -> bool {
    check_french_zipcode(zip).is_ok()
}

fn is_http_url(value: &str) -> bool {
    let lower = value.get(..8).unwrap_or(value).to_ascii_lowercase();
    let rest = if lower.starts_with("https://") {
        value.get(8..)
    } else if lower.starts_with("http://") {
        value.get(7..)
    } else {
        None
    };
    match rest {
        Some(r) => {
            let host = r.split(['/', '?', '#']).next().unwrap_or("");
            !host.is_empty() && !host.chars().any(char::is_whitespace)
        }
        None => false,
    }
}

/// Checks an order; returns every problem found (empty when the order may be sent).
pub fn validate_order(order: &OrderRequest) -> Vec<ValidationIssue> {
    let mut c = Checker::default();
    c.required("address", &order.address, MAX_SHORT);
    if let Some(a) = &order.additional {
        c.line("additional", a, MAX_SHORT);
    }
    c.required("city", &order.city, MAX_SHORT);
    c.zipcode("zipcode", &order.zipcode);

    if order.owners.is_empty() {
        c.push(
            "owners",
            "required",
            "owners must list at least one owner".into(),
        );
    } else if order.owners.len() > MAX_OWNERS {
        c.push(
            "owners",
            "too_many",
            format!("owners must list at most {MAX_OWNERS} owners"),
        );
    }
    for (i, owner) in order.owners.iter().take(MAX_OWNERS).enumerate() {
        c.line(
            &format!("owners[{i}].firstname"),
            &owner.firstname,
            MAX_SHORT,
        );
        c.required(&format!("owners[{i}].lastname"), &owner.lastname, MAX_SHORT);
    }

    c.required("invoice.address", &order.invoice.address, MAX_SHORT);
    c.required("invoice.city", &order.invoice.city, MAX_SHORT);
    c.zipcode("invoice.zipcode", &order.invoice.zipcode);
    c.required("invoice.lastname", &order.invoice.lastname, MAX_SHORT);

    match (&order.syndic, order.method) {
        (Some(s), method) => c.syndic(s, method == OrderMethod::Extranet),
        (None, OrderMethod::Extranet) => c.push(
            "syndic",
            "required",
            "syndic (name, username, password) is required when method is extranet".into(),
        ),
        (None, _) => {}
    }
    if order.method == OrderMethod::Upload && !matches!(&order.documents, Some(d) if !d.is_empty())
    {
        c.push(
            "documents",
            "required",
            "documents must list at least one document when method is upload".into(),
        );
    }
    if let Some(lots) = &order.lots {
        c.text("lots", lots, MAX_TEXT);
    }
    c.common_optional(order.comment.as_deref());
    if let Some(id) = &order.external_id {
        c.required("external_id", id, MAX_SHORT);
    }
    c.issues
}

/// Checks a refresh request (`POST /order/{orderid}/refresh`). `syndic` is optional (the service
/// may hold it from the order), but when given its name and credentials must be complete.
pub fn validate_refresh(req: &RefreshRequest) -> Vec<ValidationIssue> {
    let mut c = Checker::default();
    if let Some(s) = &req.syndic {
        c.syndic(s, true);
    }
    c.common_optional(req.comment.as_deref());
    c.issues
}

/// Checks a legacy refresh request: `orderid` and `account` (an e-mail) are required, the rest
/// as in [`validate_refresh`].
pub fn validate_legacy_refresh(req: &LegacyRefreshRequest) -> Vec<ValidationIssue> {
    let mut c = Checker::default();
    c.required("orderid", &req.orderid, MAX_SHORT);
    c.required("account", &req.account, MAX_SHORT);
    if !req.account.trim().is_empty() && !looks_like_email(&req.account) {
        c.push(
            "account",
            "invalid_email",
            "account must be the e-mail address of the account".into(),
        );
    }
    if let Some(s) = &req.syndic {
        c.syndic(s, true);
    }
    c.common_optional(req.comment.as_deref());
    c.issues
}

fn looks_like_email(s: &str) -> bool {
    match s.trim().split_once('@') {
        Some((local, domain)) => !local.is_empty() && !domain.is_empty() && !domain.contains('@'),
        None => false,
    }
}

/// One `invalid_input` error summarising `issues` for `operation` (e.g. `createOrder`). Messages
/// name fields only, never values.
pub fn issues_to_error(operation: &str, issues: &[ValidationIssue]) -> Error {
    let n = issues.len();
    let listed: Vec<&str> = issues.iter().take(10).map(|i| i.message.as_str()).collect();
    let more = if n > 10 {
        format!("; and {} more", n - 10)
    } else {
        String::new()
    };
    Error::invalid_input(format!(
        "{operation} failed: the request is invalid ({n} problem{}): {}{more}",
        if n == 1 { "" } else { "s" },
        listed.join("; ")
    ))
    .with_issues(issues.to_vec())
}

/// Reads an order from any JSON value the way a form hands it over — missing fields, wrong
/// types, an unknown `method` — and returns every problem as an issue instead of failing on the
/// first: the order (when one could be read) and the issues `createOrder` would report.
/// Messages name fields only, never values.
pub fn validate_order_value(value: &Json) -> (Option<OrderRequest>, Vec<ValidationIssue>) {
    let mut issues = Vec::new();
    let Json::Obj(map) = value else {
        issues.push(ValidationIssue::new(
            "",
            "invalid_type",
            "the order must be an object",
        ));
        return (None, issues);
    };
    let mut clean = map.clone();
    // Keys dropped from `clean` (null, or of the wrong type), taken out at the end.
    let mut drop = Vec::new();
    let strings = [
        "address",
        "additional",
        "city",
        "zipcode",
        "lots",
        "comment",
        "external_id",
    ];
    for key in strings {
        keep_if(
            &clean,
            key,
            is_string,
            "a string",
            &mut issues,
            "",
            &mut drop,
        );
    }
    for key in ["all_due_paid", "test_mode"] {
        keep_if(
            &clean,
            key,
            is_boolean,
            "true or false",
            &mut issues,
            "",
            &mut drop,
        );
    }
    keep_if(
        &clean,
        "documents",
        is_array,
        "an array",
        &mut issues,
        "",
        &mut drop,
    );
    if keep_if(
        &clean,
        "owners",
        is_array,
        "an array",
        &mut issues,
        "",
        &mut drop,
    ) {
        if let Some(Json::Arr(owners)) = clean.get_mut("owners") {
            for (i, owner) in owners.iter_mut().enumerate() {
                let at = format!("owners[{i}]");
                clean_object(owner, &at, &["firstname", "lastname"], &mut issues);
            }
        }
    }
    for (key, fields) in [
        ("invoice", &["address", "city", "zipcode", "lastname"][..]),
        ("syndic", &["name", "username", "password", "url"][..]),
    ] {
        if keep_if(
            &clean,
            key,
            is_object,
            "an object",
            &mut issues,
            "",
            &mut drop,
        ) {
            if let Some(v) = clean.get_mut(key) {
                clean_object(v, key, fields, &mut issues);
            }
        }
    }
    let mut clean = super::read::without(clean, &drop);
    let method_ok = matches!(
        clean.get("method").and_then(Json::as_str),
        Some("email" | "extranet" | "upload")
    );
    if !method_ok {
        let missing = matches!(clean.get("method"), None | Some(Json::Null));
        issues.push(ValidationIssue::new(
            "method",
            if missing { "required" } else { "invalid_value" },
            "method must be one of email, extranet, upload",
        ));
        // Read the rest without the method-specific rules.
        clean.insert("method", Json::Str("email".into()));
    }
    let order: OrderRequest = match super::read::order(&Json::Obj(clean)) {
        Ok(o) => o,
        Err(_) => {
            issues.push(ValidationIssue::new(
                "",
                "invalid_type",
                "the order could not be read",
            ));
            return (None, issues);
        }
    };
    let mut checked = validate_order(&order);
    if !method_ok {
        checked.retain(|i| i.path != "syndic" && i.path != "documents");
    }
    issues.extend(checked);
    (Some(order), issues)
}

/// Keeps `map[key]` when absent, `null` (added to `drop`) or of the right type; else records an
/// issue and adds it to `drop`. Returns whether a value of the right type is there.
fn keep_if<'k>(
    map: &Obj,
    key: &'k str,
    ok: fn(&Json) -> bool,
    expected: &str,
    issues: &mut Vec<ValidationIssue>,
    prefix: &str,
    drop: &mut Vec<&'k str>,
) -> bool {
    match map.get(key) {
        None => false,
        Some(Json::Null) => {
            drop.push(key);
            false
        }
        Some(v) if ok(v) => true,
        Some(_) => {
            let path = if prefix.is_empty() {
                key.to_string()
            } else {
                format!("{prefix}.{key}")
            };
            issues.push(ValidationIssue::new(
                path.clone(),
                "invalid_type",
                format!("{path} must be {expected}"),
            ));
            drop.push(key);
            false
        }
    }
}

/// Checks that `v` is an object whose `fields` are strings (dropping the others with an issue).
fn clean_object(v: &mut Json, at: &str, fields: &[&str], issues: &mut Vec<ValidationIssue>) {
    let Json::Obj(map) = v else {
        issues.push(ValidationIssue::new(
            at,
            "invalid_type",
            format!("{at} must be an object"),
        ));
        *v = Json::Obj(Obj::new());
        return;
    };
    let mut drop = Vec::new();
    for f in fields {
        keep_if(map, f, is_string, "a string", issues, at, &mut drop);
    }
    *map = super::read::without(std::mem::take(map), &drop);
}

fn is_string(v: &Json) -> bool {
    matches!(v, Json::Str(_))
}

fn is_boolean(v: &Json) -> bool {
    matches!(v, Json::Bool(_))
}

fn is_array(v: &Json) -> bool {
    matches!(v, Json::Arr(_))
}

fn is_object(v: &Json) -> bool {
    matches!(v, Json::Obj(_))
}

#[cfg(test)]
mod tests {
    use super::super::model::tests::en_order;
    use super::super::model::Owner;
    use super::*;
    use crate::json::testing::{json, to_serde};
    use crate::json::ToJson;

    fn codes(issues: &[ValidationIssue]) -> Vec<(String, &'static str)> {
        issues.iter().map(|i| (i.path.clone(), i.code)).collect()
    }

    #[test]
    fn documented_example_is_valid() {
        assert_eq!(validate_order(&en_order()), vec![]);
    }

    #[test]
    fn empty_order_reports_every_problem() {
        let order = OrderRequest::from_json_value(json!({"method": "extranet"})).unwrap();
        let got = codes(&validate_order(&order));
        let want: Vec<(String, &str)> = [
            ("address", "required"),
            ("city", "required"),
            ("zipcode", "required"),
            ("owners", "required"),
            ("invoice.address", "required"),
            ("invoice.city", "required"),
            ("invoice.zipcode", "required"),
            ("invoice.lastname", "required"),
            ("syndic", "required"),
        ]
        .iter()
        .map(|(p, c)| (p.to_string(), *c))
        .collect();
        assert_eq!(got, want);
    }

    #[test]
    fn blank_values_count_as_missing() {
        let mut o = en_order();
        o.address = "   ".into();
        o.owners.push(Owner {
            firstname: "Marie".into(),
            lastname: "\t".into(),
        });
        o.syndic = Some(Syndic {
            name: "S".into(),
            username: " ".into(),
            password: "".into(),
            url: None,
        });
        assert_eq!(
            codes(&validate_order(&o)),
            vec![
                ("address".to_string(), "required"),
                ("owners[1].lastname".to_string(), "required"),
                ("syndic.username".to_string(), "required"),
                ("syndic.password".to_string(), "required"),
            ]
        );
    }

    #[test]
    fn company_owner_without_firstname_is_fine() {
        let mut o = en_order();
        o.owners = vec![Owner {
            firstname: String::new(),
            lastname: "SCI LES TILLEULS".into(),
        }];
        assert!(validate_order(&o).is_empty());
    }

    #[test]
    fn zipcode_rules() {
        for ok in [
            "69300", "75116", "01000", "20000", "20090", "20200", "95000", "97100", "97200",
            "97300", "97400", "97500", "97600", "98000", "98400", "98600", "98700", "98800",
            "97133",
        ] {
            assert!(is_french_zipcode(ok), "{ok}");
        }
        for bad in [
            "",
            "6930",
            "693000",
            "2A004",
            "2b200",
            "00100",
            "96000",
            "99000",
            "97000",
            "97700",
            "97800",
            "98100",
            "9A000",
            " 69300",
            "69 300",
            "６９３００",
            "69300\n",
        ] {
            assert!(!is_french_zipcode(bad), "{bad}");
        }
        let mut o = en_order();
        o.zipcode = "2A004".into();
        o.invoice.zipcode = "7511".into();
        let issues = validate_order(&o);
        assert_eq!(
            codes(&issues),
            vec![
                ("zipcode".to_string(), "invalid_zipcode"),
                ("invoice.zipcode".to_string(), "invalid_zipcode")
            ]
        );
        assert!(issues[0].message.contains("start with 20"));
        assert!(issues[1].message.contains("5 digits"));
    }

    #[test]
    fn method_rules() {
        let mut o = en_order();
        o.method = OrderMethod::Upload;
        o.documents = Some(vec![]);
        o.syndic = None;
        assert_eq!(
            codes(&validate_order(&o)),
            vec![("documents".to_string(), "required")]
        );
        o.documents = Some(vec![json!({"name": "pv.pdf"})]);
        assert!(validate_order(&o).is_empty());

        // Email needs neither syndic nor documents; a partial syndic is fine there.
        o.method = OrderMethod::Email;
        o.documents = None;
        o.syndic = Some(Syndic {
            name: "Foncia".into(),
            ..Syndic::default()
        });
        assert!(validate_order(&o).is_empty());
    }

    #[test]
    fn syndic_url_must_be_http() {
        let mut o = en_order();
        for (url, ok) in [
            ("https://extranet.example.com", true),
            ("HTTP://x.fr/login?a=b", true),
            ("ftp://x", false),
            ("https://", false),
            ("extranet.example.com", false),
            ("https://a b", false),
            ("é", false),
        ] {
            if let Some(s) = o.syndic.as_mut() {
                s.url = Some(url.into());
            }
            let issues = validate_order(&o);
            assert_eq!(issues.is_empty(), ok, "{url}: {issues:?}");
            if !ok {
                assert_eq!(issues[0].code, "invalid_url");
            }
        }
    }

    #[test]
    fn lengths_external_id_and_control_characters() {
        let mut o = en_order();
        o.external_id = Some(" ".into());
        o.city = "x".repeat(256);
        o.comment = Some("line 1\nline 2".into());
        o.lots = Some("x".repeat(MAX_TEXT + 1));
        o.invoice.address = "64 av.\u{0}".into();
        assert_eq!(
            codes(&validate_order(&o)),
            vec![
                ("city".to_string(), "too_long"),
                ("invoice.address".to_string(), "invalid_characters"),
                ("lots".to_string(), "too_long"),
                ("external_id".to_string(), "required"),
            ]
        );
        o = en_order();
        o.external_id = Some("é".repeat(255));
        assert!(validate_order(&o).is_empty());
        o.external_id = Some("é".repeat(256));
        assert_eq!(codes(&validate_order(&o))[0].1, "too_long");
        o = en_order();
        o.owners = vec![Owner::default(); MAX_OWNERS + 1];
        let issues = validate_order(&o);
        assert_eq!(issues[0].code, "too_many");
        assert_eq!(issues.len(), 1 + MAX_OWNERS);
    }

    #[test]
    fn refresh_rules() {
        assert!(validate_refresh(&RefreshRequest::default()).is_empty());
        let r = RefreshRequest {
            syndic: Some(Syndic {
                name: "".into(),
                username: "u".into(),
                password: "p".into(),
                url: Some("nope".into()),
            }),
            comment: Some("c".repeat(MAX_TEXT + 1)),
            ..RefreshRequest::default()
        };
        assert_eq!(
            codes(&validate_refresh(&r)),
            vec![
                ("syndic.name".to_string(), "required"),
                ("syndic.url".to_string(), "invalid_url"),
                ("comment".to_string(), "too_long"),
            ]
        );
    }

    #[test]
    fn legacy_refresh_rules() {
        let ok = LegacyRefreshRequest {
            orderid: "SD28Z5".into(),
            account: "xxx@gmail.com".into(),
            ..LegacyRefreshRequest::default()
        };
        assert!(validate_legacy_refresh(&ok).is_empty());
        assert_eq!(
            codes(&validate_legacy_refresh(&LegacyRefreshRequest::default())),
            vec![
                ("orderid".to_string(), "required"),
                ("account".to_string(), "required")
            ]
        );
        let bad = LegacyRefreshRequest {
            account: "not-an-email".into(),
            ..ok
        };
        assert_eq!(
            codes(&validate_legacy_refresh(&bad)),
            vec![("account".to_string(), "invalid_email")]
        );
    }

    #[test]
    fn messages_and_errors_never_contain_values() {
        let mut o = en_order();
        o.syndic = Some(Syndic {
            name: "n".into(),
            username: "user-secret\n".into(),
            password: "p".repeat(MAX_PASSWORD + 1),
            url: Some("javascript:secret-url".into()),
        });
        o.zipcode = "ZIPSECRET".into();
        let issues = validate_order(&o);
        assert_eq!(issues.len(), 4, "{issues:?}");
        let err = issues_to_error("createOrder", &issues);
        assert_eq!(err.code(), crate::ErrorCode::InvalidInput);
        assert!(err
            .message()
            .starts_with("createOrder failed: the request is invalid (4 problems): "));
        let all = format!("{issues:?} {err:?} {err}");
        for secret in ["user-secret", "ppppp", "secret-url", "ZIPSECRET"] {
            assert!(!all.contains(secret), "{secret} leaked: {all}");
        }
        let one = issues_to_error("createOrder", &issues[..1]);
        assert!(one.message().contains("(1 problem)"));
    }

    #[test]
    fn issues_serialize_for_javascript() {
        let issue = ValidationIssue::new("owners[0].lastname", "required", "x");
        assert_eq!(
            to_serde(&issue),
            serde_json::json!({"path": "owners[0].lastname", "code": "required", "message": "x"})
        );
    }

    #[test]
    fn any_object_gives_issues_not_an_error() {
        let (order, issues) = validate_order_value(&json!({}));
        assert!(order.is_some());
        let paths: Vec<&str> = issues.iter().map(|i| i.path.as_str()).collect();
        for p in [
            "address",
            "city",
            "zipcode",
            "owners",
            "invoice.address",
            "invoice.lastname",
            "method",
        ] {
            assert!(paths.contains(&p), "{p} missing from {paths:?}");
        }
        assert!(
            !paths.contains(&"syndic"),
            "no method: no method-specific issue"
        );

        let (_, issues) = validate_order_value(&json!({
            "address": 4, "owners": "Dupont", "invoice": [], "method": "fax",
            "syndic": {"password": 1234}, "test_mode": "yes"
        }));
        let got: Vec<(&str, &str)> = issues.iter().map(|i| (i.path.as_str(), i.code)).collect();
        for want in [
            ("address", "invalid_type"),
            ("owners", "invalid_type"),
            ("invoice", "invalid_type"),
            ("method", "invalid_value"),
            ("syndic.password", "invalid_type"),
            ("test_mode", "invalid_type"),
        ] {
            assert!(got.contains(&want), "{want:?} missing from {got:?}");
        }
        let all = format!("{issues:?}");
        assert!(!all.contains("1234") && !all.contains("Dupont"), "{all}");

        let (order, issues) = validate_order_value(&json!([1, 2]));
        assert!(order.is_none());
        assert_eq!(issues[0].code, "invalid_type");

        // A valid order reads the same as the strict parser, with no issue.
        let full = crate::json::parse(&ToJson::to_json(&en_order())).unwrap();
        let (order, issues) = validate_order_value(&full);
        assert!(issues.is_empty(), "{issues:?}");
        assert_eq!(order.unwrap(), en_order());

        // createOrder's error carries the same list.
        let e = issues_to_error("createOrder", &validate_order_value(&json!({})).1);
        assert_eq!(e.issues(), validate_order_value(&json!({})).1.as_slice());
    }
}
