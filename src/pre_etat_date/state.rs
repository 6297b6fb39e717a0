//! The order state vocabulary, shared by order payloads (`state`) and webhooks (`status`).

use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// State of an order (docs/pre-etat-date.md#3-ordering). Unknown strings are kept in [`OrderState::Unknown`] so a new
/// server value never breaks parsing.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum OrderState {
    /// `confirmed`: the order was accepted (initial state).
    Confirmed,
    /// `received`: all required documents have been collected.
    Received,
    /// `waiting`: some documents are missing.
    Waiting,
    /// `done`: the pré-état daté is ready.
    Done,
    /// `need-refresh`: a refresh of the order was requested.
    NeedRefresh,
    /// Any other value, verbatim.
    Unknown(String),
}

impl OrderState {
    /// The five documented states, in lifecycle order.
    pub const KNOWN: [OrderState; 5] = [
        OrderState::Confirmed,
        OrderState::Received,
        OrderState::Waiting,
        OrderState::Done,
        OrderState::NeedRefresh,
    ];

    /// The wire string, e.g. `"need-refresh"`.
    pub fn as_str(&self) -> &str {
        match self {
            OrderState::Confirmed => "confirmed",
            OrderState::Received => "received",
            OrderState::Waiting => "waiting",
            OrderState::Done => "done",
            OrderState::NeedRefresh => "need-refresh",
            OrderState::Unknown(s) => s,
        }
    }

    /// Maps a wire string; anything undocumented becomes [`OrderState::Unknown`].
    pub fn from_wire(s: &str) -> OrderState {
        match s {
            "confirmed" => OrderState::Confirmed,
            "received" => OrderState::Received,
            "waiting" => OrderState::Waiting,
            "done" => OrderState::Done,
            "need-refresh" => OrderState::NeedRefresh,
            other => OrderState::Unknown(other.to_string()),
        }
    }

    /// Whether this is one of the five documented states.
    pub fn is_known(&self) -> bool {
        !matches!(self, OrderState::Unknown(_))
    }
}

impl fmt::Display for OrderState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for OrderState {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for OrderState {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        Ok(OrderState::from_wire(&s))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wire_strings_round_trip() {
        let wire = ["confirmed", "received", "waiting", "done", "need-refresh"];
        for (state, w) in OrderState::KNOWN.iter().zip(wire) {
            assert_eq!(state.as_str(), w);
            assert_eq!(OrderState::from_wire(w), *state);
            assert!(state.is_known());
            let json = serde_json::to_string(state).unwrap();
            assert_eq!(json, format!("\"{w}\""));
            let back: OrderState = serde_json::from_str(&json).unwrap();
            assert_eq!(back, *state);
        }
    }

    #[test]
    fn unknown_values_are_kept() {
        let s: OrderState = serde_json::from_str("\"cancelled\"").unwrap();
        assert_eq!(s, OrderState::Unknown("cancelled".into()));
        assert!(!s.is_known());
        assert_eq!(serde_json::to_string(&s).unwrap(), "\"cancelled\"");
        // Case matters on the wire: "Done" is not "done".
        assert_eq!(
            OrderState::from_wire("Done"),
            OrderState::Unknown("Done".into())
        );
        assert!(serde_json::from_str::<OrderState>("42").is_err());
    }
}
