//! GÉRÉDIS « Échange » (SFTPGo user API): models, request builders, response parsing, token lifetime.
