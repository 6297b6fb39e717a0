//! The order state vocabulary, shared by order payloads (`state`) and webhooks (`status`).

use std::fmt;

use crate::json::ToJson;

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

/// Its wire string ([`OrderState::as_str`]), as a JSON string.
impl ToJson for OrderState {
    fn write_json(&self, out: &mut String) {
        self.as_str().write_json(out);
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
            let json = state.to_json();
            assert_eq!(json, format!("\"{w}\""));
            let back = OrderState::from_wire(crate::json::parse(&json).unwrap().as_str().unwrap());
            assert_eq!(back, *state);
        }
    }

    #[test]
    fn unknown_values_are_kept() {
        let s = OrderState::from_wire("cancelled");
        assert_eq!(s, OrderState::Unknown("cancelled".into()));
        assert!(!s.is_known());
        assert_eq!(s.to_json(), "\"cancelled\"");
        // Case matters on the wire: "Done" is not "done".
        assert_eq!(
            OrderState::from_wire("Done"),
            OrderState::Unknown("Done".into())
        );
        // A state is a string: a number is refused where a state is read.
        let e = super::super::read::transaction(
            crate::json::parse(r#"{"orderid": "A", "state": 42}"#).unwrap(),
        )
        .unwrap_err();
        assert!(e.contains("`state`"), "{e}");
    }
}
