//! The request and order types as serde's derives read and wrote them before the crate had its
//! own JSON readers and writers (the same fields and attributes), converted to the crate's
//! types: the reference the readers' and writers' tests compare with.

use serde::{Deserialize, Deserializer, Serialize};
use serde_json::{Map, Value};

use super::model::{Invoice, LegacyRefreshRequest, OrderMethod, OrderRequest, Owner};
use super::model::{RefreshRequest, Syndic};
use super::state::OrderState;
use super::transaction::Transaction;
use crate::json::testing::from_serde;
use crate::json::Obj;

#[derive(Clone, Copy, Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
pub(crate) enum SMethod {
    Email,
    Extranet,
    Upload,
}

impl From<SMethod> for OrderMethod {
    fn from(m: SMethod) -> OrderMethod {
        match m {
            SMethod::Email => OrderMethod::Email,
            SMethod::Extranet => OrderMethod::Extranet,
            SMethod::Upload => OrderMethod::Upload,
        }
    }
}

#[derive(Deserialize, Serialize)]
pub(crate) struct SOwner {
    #[serde(default)]
    firstname: String,
    #[serde(default)]
    lastname: String,
}

#[derive(Default, Deserialize, Serialize)]
pub(crate) struct SInvoice {
    #[serde(default)]
    address: String,
    #[serde(default)]
    city: String,
    #[serde(default)]
    zipcode: String,
    #[serde(default)]
    lastname: String,
}

#[derive(Deserialize, Serialize)]
pub(crate) struct SSyndic {
    #[serde(default)]
    name: String,
    #[serde(default)]
    username: String,
    #[serde(default)]
    password: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    url: Option<String>,
}

fn owner(o: SOwner) -> Owner {
    Owner {
        firstname: o.firstname,
        lastname: o.lastname,
    }
}

fn invoice(i: SInvoice) -> Invoice {
    Invoice {
        address: i.address,
        city: i.city,
        zipcode: i.zipcode,
        lastname: i.lastname,
    }
}

fn syndic(s: SSyndic) -> Syndic {
    Syndic {
        name: s.name,
        username: s.username,
        password: s.password,
        url: s.url,
    }
}

#[derive(Deserialize, Serialize)]
pub(crate) struct SOrder {
    #[serde(default)]
    address: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    additional: Option<String>,
    #[serde(default)]
    city: String,
    #[serde(default)]
    zipcode: String,
    #[serde(default)]
    owners: Vec<SOwner>,
    #[serde(default)]
    invoice: SInvoice,
    method: SMethod,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    syndic: Option<SSyndic>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    documents: Option<Vec<Value>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    lots: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    comment: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    all_due_paid: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    external_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    test_mode: Option<bool>,
}

impl From<SOrder> for OrderRequest {
    fn from(o: SOrder) -> OrderRequest {
        OrderRequest {
            address: o.address,
            additional: o.additional,
            city: o.city,
            zipcode: o.zipcode,
            owners: o.owners.into_iter().map(owner).collect(),
            invoice: invoice(o.invoice),
            method: o.method.into(),
            syndic: o.syndic.map(syndic),
            documents: o.documents.map(|d| d.iter().map(from_serde).collect()),
            lots: o.lots,
            comment: o.comment,
            all_due_paid: o.all_due_paid,
            external_id: o.external_id,
            test_mode: o.test_mode,
        }
    }
}

fn default_extranet() -> SMethod {
    SMethod::Extranet
}

#[derive(Deserialize, Serialize)]
pub(crate) struct SRefresh {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    comment: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    all_due_paid: Option<bool>,
    #[serde(default = "default_extranet")]
    method: SMethod,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    syndic: Option<SSyndic>,
}

impl From<SRefresh> for RefreshRequest {
    fn from(r: SRefresh) -> RefreshRequest {
        RefreshRequest {
            comment: r.comment,
            all_due_paid: r.all_due_paid,
            method: r.method.into(),
            syndic: r.syndic.map(syndic),
        }
    }
}

#[derive(Deserialize, Serialize)]
pub(crate) struct SLegacyRefresh {
    #[serde(default)]
    orderid: String,
    #[serde(default)]
    account: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    comment: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    all_due_paid: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    method: Option<SMethod>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    syndic: Option<SSyndic>,
}

impl From<SLegacyRefresh> for LegacyRefreshRequest {
    fn from(r: SLegacyRefresh) -> LegacyRefreshRequest {
        LegacyRefreshRequest {
            orderid: r.orderid,
            account: r.account,
            comment: r.comment,
            all_due_paid: r.all_due_paid,
            method: r.method.map(OrderMethod::from),
            syndic: r.syndic.map(syndic),
        }
    }
}

/// A present field (even `null`) becomes `Some`.
fn present<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Value>, D::Error> {
    Value::deserialize(d).map(Some)
}

#[derive(Deserialize, Serialize)]
pub(crate) struct STransaction {
    orderid: String,
    state: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    account: Option<String>,
    #[serde(
        default,
        deserialize_with = "present",
        skip_serializing_if = "Option::is_none"
    )]
    billing_mode: Option<Value>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    created: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    external_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pending: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    refreshed: Option<bool>,
    #[serde(
        default,
        deserialize_with = "present",
        skip_serializing_if = "Option::is_none"
    )]
    sso_provider: Option<Value>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    test_mode: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    updated: Option<String>,
    #[serde(flatten)]
    extra: Map<String, Value>,
}

impl From<STransaction> for Transaction {
    fn from(t: STransaction) -> Transaction {
        Transaction {
            orderid: t.orderid,
            state: OrderState::from_wire(&t.state),
            account: t.account,
            billing_mode: t.billing_mode.as_ref().map(from_serde),
            created: t.created,
            external_id: t.external_id,
            pending: t.pending,
            refreshed: t.refreshed,
            sso_provider: t.sso_provider.as_ref().map(from_serde),
            test_mode: t.test_mode,
            updated: t.updated,
            extra: Obj(t
                .extra
                .iter()
                .map(|(k, v)| (k.clone(), from_serde(v)))
                .collect()),
        }
    }
}

/// `T` as serde's derive of `S` read `v`, and what serde's derive wrote of it.
pub(crate) fn read<S: serde::de::DeserializeOwned + Serialize, T: From<S>>(
    v: &Value,
) -> serde_json::Result<(T, Value)> {
    let s = serde_json::from_value::<S>(v.clone())?;
    let written = serde_json::to_value(&s)?;
    Ok((T::from(s), written))
}
