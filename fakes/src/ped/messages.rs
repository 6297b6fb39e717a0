//! The fake's message catalogue: French strings by default (verbatim from the French docs,
//! typos included), English strings in EN mode.

use std::str::FromStr;

/// Language of the `message` texts the fake answers with.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Lang {
    /// French, the raw-server wording of `api.pre-etat.date/doc` (default).
    #[default]
    Fr,
    /// English, the wording of `docs.maison-du-pre-etat-date.fr`.
    En,
}

impl Lang {
    /// `"fr"` or `"en"`.
    pub fn as_str(self) -> &'static str {
        match self {
            Lang::Fr => "fr",
            Lang::En => "en",
        }
    }
}

impl FromStr for Lang {
    type Err = String;

    /// Accepts `fr` / `en` (case-insensitive).
    fn from_str(s: &str) -> Result<Lang, String> {
        match s.to_ascii_lowercase().as_str() {
            "fr" => Ok(Lang::Fr),
            "en" => Ok(Lang::En),
            other => Err(format!("unknown language {other:?} (expected fr or en)")),
        }
    }
}

/// Every message the vendor-facing routes can answer with.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Msg {
    InvalidApiKey,
    InvalidCredentials,
    Authenticated,
    InvalidToken,
    Created,
    SyndicInvalid,
    InvalidMethod,
    UploadDocumentsMissing,
    NotFound,
    InvalidEvent,
    NotTestMode,
    EventSent,
    Healthy,
}

impl Msg {
    pub(crate) fn text(self, lang: Lang) -> &'static str {
        use Msg::*;
        match (self, lang) {
            (InvalidApiKey, Lang::Fr) => "La clé API n'est pas valide",
            (InvalidApiKey, Lang::En) => "Invalid API key",
            (InvalidCredentials, Lang::Fr) => "Informations de connexion invalides.",
            (InvalidCredentials, Lang::En) => "Invalid credentials",
            (Authenticated, Lang::Fr) => "Connexion russie",
            (Authenticated, Lang::En) => "Authenticated",
            (InvalidToken, Lang::Fr) => "Token invalide ou expiré",
            (InvalidToken, Lang::En) => "Invalid or expired token",
            (Created, Lang::Fr) => "Transaction creée avec succsée",
            (Created, Lang::En) => "Transaction created",
            (SyndicInvalid, Lang::Fr) => {
                "Informations du syndic manquantes ou incorrectes pour la méthode 'extranet'"
            }
            (SyndicInvalid, Lang::En) => {
                "Missing or invalid syndic information for method 'extranet'"
            }
            (InvalidMethod, Lang::Fr) => "Méthode invalide",
            (InvalidMethod, Lang::En) => "Invalid method",
            (UploadDocumentsMissing, Lang::Fr) => "Documents manquants pour la méthode 'upload'",
            (UploadDocumentsMissing, Lang::En) => "Missing documents for method 'upload'",
            (NotFound, Lang::Fr) => "Transaction introuvable",
            (NotFound, Lang::En) => "Transaction not found",
            (InvalidEvent, Lang::Fr) => "Événement invalide",
            (InvalidEvent, Lang::En) => "Invalid event",
            (NotTestMode, Lang::Fr) => "Transaction hors mode test",
            (NotTestMode, Lang::En) => "Transaction not in test mode",
            (EventSent, Lang::Fr) => "Événement envoyé",
            (EventSent, Lang::En) => "Event sent",
            (Healthy, _) => "OK",
        }
    }
}

/// `Champ manquant : <field>` / `Missing field: <field>`.
pub(crate) fn missing_field(lang: Lang, field: &str) -> String {
    match lang {
        Lang::Fr => format!("Champ manquant : {field}"),
        Lang::En => format!("Missing field: {field}"),
    }
}

/// `Champ invalide : <field>` / `Invalid field: <field>` (a field present with the wrong type).
pub(crate) fn invalid_field(lang: Lang, field: &str) -> String {
    match lang {
        Lang::Fr => format!("Champ invalide : {field}"),
        Lang::En => format!("Invalid field: {field}"),
    }
}

/// The 500 text for a body Python's `json` module would reject (Werkzeug's wording).
pub(crate) fn decode_failure(lang: Lang, detail: &str) -> String {
    match lang {
        Lang::Fr => format!("Failed to decode JSON object: {detail}"),
        Lang::En => "Failed to decode JSON object".to_string(),
    }
}
