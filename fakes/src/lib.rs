//! Fake GÉRÉDIS « Échange » (SFTPGo user API) and PRE-ETAT.DATE servers.
//!
//! One binary serves both APIs on 127.0.0.1: Échange under `/api/v2/...` and `/healthz`,
//! PRE-ETAT.DATE under `/ped/...` (and `/ped/api/...`, the docs-host form), test controls under
//! `/__fake/...`. Behaviour follows `shared/specs/*.md` ("Behaviours a faithful fake must
//! reproduce").

pub mod gozip;
pub mod ped;
pub mod server;
