//! Fake GÉRÉDIS « Échange » (SFTPGo user API) and PRE-ETAT.DATE servers.
//!
//! One binary serves both APIs on 127.0.0.1: Échange under `/api/v2/user/...` and `/healthz`,
//! PRE-ETAT.DATE at the root and under `/api/...`, test controls under `/__fake/...`.
//! Behaviour follows the facts in `docs/echange.md` and `docs/pre-etat-date.md` and the contract
//! in `fakes/README.md`.

// Handlers pass ready-made error responses around; boxing them buys nothing here.
#![allow(clippy::result_large_err)]
#![warn(missing_docs)]

pub mod echange;
pub mod faults;
pub mod gozip;
pub mod ped;
pub mod server;
pub mod util;
