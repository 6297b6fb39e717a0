//! PRE-ETAT.DATE: models, validation, request builders, envelope parsing, webhooks.
