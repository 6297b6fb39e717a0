//! Document type codes (`doctype`) of webhook documents (docs/pre-etat-date.md#64-document-types) and their labels.

/// Label language.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum Lang {
    /// French (the service's own language; the default).
    #[default]
    Fr,
    /// English.
    En,
}

impl Lang {
    /// `"fr"` / `"en"` (case-insensitive, surrounding spaces ignored); anything else is `None`.
    pub fn parse(s: &str) -> Option<Lang> {
        match s.trim().to_ascii_lowercase().as_str() {
            "fr" => Some(Lang::Fr),
            "en" => Some(Lang::En),
            _ => None,
        }
    }
}

/// A document type code; codes outside 1–10 are kept in [`DocumentType::Unknown`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum DocumentType {
    /// 1 — Fiche synthétique / Summary sheet.
    SummarySheet,
    /// 2 — Procès-Verbal / Minutes (of general meetings).
    Minutes,
    /// 3 — Règlement de Copropriété / Co-ownership rules.
    CoOwnershipRules,
    /// 4 — Diagnostic / Diagnostics.
    Diagnostics,
    /// 5 — Diagnostic Amiante / Asbestos diagnostic.
    AsbestosDiagnostic,
    /// 6 — Diagnostic Plomb / Lead diagnostic.
    LeadDiagnostic,
    /// 7 — Carnet d'Entretien / Maintenance logbook.
    MaintenanceLogbook,
    /// 8 — Plans.
    Plans,
    /// 9 — Immatriculation / Registration (French label unverified).
    Registration,
    /// 10 — Autre / Other (French label unverified).
    Other,
    /// Any other code.
    Unknown(u32),
}

impl DocumentType {
    /// The type for a wire code.
    pub fn from_code(code: u32) -> DocumentType {
        match code {
            1 => DocumentType::SummarySheet,
            2 => DocumentType::Minutes,
            3 => DocumentType::CoOwnershipRules,
            4 => DocumentType::Diagnostics,
            5 => DocumentType::AsbestosDiagnostic,
            6 => DocumentType::LeadDiagnostic,
            7 => DocumentType::MaintenanceLogbook,
            8 => DocumentType::Plans,
            9 => DocumentType::Registration,
            10 => DocumentType::Other,
            other => DocumentType::Unknown(other),
        }
    }

    /// The wire code.
    pub fn code(self) -> u32 {
        match self {
            DocumentType::SummarySheet => 1,
            DocumentType::Minutes => 2,
            DocumentType::CoOwnershipRules => 3,
            DocumentType::Diagnostics => 4,
            DocumentType::AsbestosDiagnostic => 5,
            DocumentType::LeadDiagnostic => 6,
            DocumentType::MaintenanceLogbook => 7,
            DocumentType::Plans => 8,
            DocumentType::Registration => 9,
            DocumentType::Other => 10,
            DocumentType::Unknown(c) => c,
        }
    }

    /// The label in `lang`; unknown codes give `Type de document 42` / `Document type 42`.
    pub fn label(self, lang: Lang) -> String {
        let known = match (self, lang) {
            (DocumentType::SummarySheet, Lang::Fr) => "Fiche synthétique",
            (DocumentType::SummarySheet, Lang::En) => "Summary sheet",
            (DocumentType::Minutes, Lang::Fr) => "Procès-Verbal",
            (DocumentType::Minutes, Lang::En) => "Minutes",
            (DocumentType::CoOwnershipRules, Lang::Fr) => "Règlement de Copropriété",
            (DocumentType::CoOwnershipRules, Lang::En) => "Co-ownership rules",
            (DocumentType::Diagnostics, Lang::Fr) => "Diagnostic",
            (DocumentType::Diagnostics, Lang::En) => "Diagnostics",
            (DocumentType::AsbestosDiagnostic, Lang::Fr) => "Diagnostic Amiante",
            (DocumentType::AsbestosDiagnostic, Lang::En) => "Asbestos diagnostic",
            (DocumentType::LeadDiagnostic, Lang::Fr) => "Diagnostic Plomb",
            (DocumentType::LeadDiagnostic, Lang::En) => "Lead diagnostic",
            (DocumentType::MaintenanceLogbook, Lang::Fr) => "Carnet d'Entretien",
            (DocumentType::MaintenanceLogbook, Lang::En) => "Maintenance logbook",
            (DocumentType::Plans, _) => "Plans",
            (DocumentType::Registration, Lang::Fr) => "Immatriculation",
            (DocumentType::Registration, Lang::En) => "Registration",
            (DocumentType::Other, Lang::Fr) => "Autre",
            (DocumentType::Other, Lang::En) => "Other",
            (DocumentType::Unknown(code), Lang::Fr) => return format!("Type de document {code}"),
            (DocumentType::Unknown(code), Lang::En) => return format!("Document type {code}"),
        };
        known.to_string()
    }
}

/// The label of a `doctype` code in `lang` (see [`DocumentType::label`]).
pub fn document_type_label(code: u32, lang: Lang) -> String {
    DocumentType::from_code(code).label(lang)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_match_the_spec_table() {
        let fr = [
            "Fiche synthétique",
            "Procès-Verbal",
            "Règlement de Copropriété",
            "Diagnostic",
            "Diagnostic Amiante",
            "Diagnostic Plomb",
            "Carnet d'Entretien",
            "Plans",
            "Immatriculation",
            "Autre",
        ];
        let en = [
            "Summary sheet",
            "Minutes",
            "Co-ownership rules",
            "Diagnostics",
            "Asbestos diagnostic",
            "Lead diagnostic",
            "Maintenance logbook",
            "Plans",
            "Registration",
            "Other",
        ];
        for (i, (f, e)) in fr.iter().zip(en).enumerate() {
            let code = i as u32 + 1;
            assert_eq!(document_type_label(code, Lang::Fr), *f);
            assert_eq!(document_type_label(code, Lang::En), e);
            assert_eq!(DocumentType::from_code(code).code(), code);
            assert!(!matches!(
                DocumentType::from_code(code),
                DocumentType::Unknown(_)
            ));
        }
    }

    #[test]
    fn unknown_codes_get_a_generic_label() {
        assert_eq!(document_type_label(42, Lang::Fr), "Type de document 42");
        assert_eq!(document_type_label(42, Lang::En), "Document type 42");
        assert_eq!(document_type_label(0, Lang::En), "Document type 0");
        assert_eq!(
            DocumentType::from_code(u32::MAX),
            DocumentType::Unknown(u32::MAX)
        );
        assert_eq!(DocumentType::Unknown(11).code(), 11);
    }

    #[test]
    fn lang_parsing() {
        assert_eq!(Lang::parse("fr"), Some(Lang::Fr));
        assert_eq!(Lang::parse(" EN "), Some(Lang::En));
        assert_eq!(Lang::parse("de"), None);
        assert_eq!(Lang::default(), Lang::Fr);
    }
}
