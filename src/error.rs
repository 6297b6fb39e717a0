//! The one error type every operation returns.
//!
//! An [`Error`] carries a stable machine-readable [`ErrorCode`], the HTTP status when a response
//! arrived, the server's own message verbatim, and a clear English sentence naming the
//! operation. It never carries a password, token, API key or syndic credential: the constructors
//! take only texts that the caller or the server produced *about* a failure, and the request
//! types that do hold secrets redact them in their `Debug` output.

use std::fmt;

/// Stable, machine-readable error codes (the `code` field of `PasserelleError` in JavaScript).
#[non_exhaustive]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ErrorCode {
    /// HTTP 400.
    BadRequest,
    /// HTTP 401.
    Unauthorized,
    /// HTTP 403.
    Forbidden,
    /// HTTP 404.
    NotFound,
    /// HTTP 409.
    Conflict,
    /// HTTP 413.
    TooLarge,
    /// HTTP 429.
    RateLimited,
    /// HTTP 5xx.
    Server,
    /// Any other unexpected HTTP status.
    Http,
    /// The request never got a response (connection refused, reset, dropped).
    Network,
    /// An attempt took longer than `timeoutMs`.
    Timeout,
    /// The caller aborted (an `AbortSignal`, or the Rust future was dropped).
    Aborted,
    /// A response arrived but its body is not what the API promises.
    InvalidResponse,
    /// The caller passed something the API cannot accept; nothing was sent.
    InvalidInput,
    /// A stream (a download or a zip archive) ended before it was complete.
    Truncated,
    /// A zip entry name that would escape the extraction folder.
    UnsafePath,
    /// A configured size limit was exceeded.
    LimitExceeded,
}

impl ErrorCode {
    /// Every code, in declaration order.
    pub const ALL: [ErrorCode; 17] = [
        ErrorCode::BadRequest,
        ErrorCode::Unauthorized,
        ErrorCode::Forbidden,
        ErrorCode::NotFound,
        ErrorCode::Conflict,
        ErrorCode::TooLarge,
        ErrorCode::RateLimited,
        ErrorCode::Server,
        ErrorCode::Http,
        ErrorCode::Network,
        ErrorCode::Timeout,
        ErrorCode::Aborted,
        ErrorCode::InvalidResponse,
        ErrorCode::InvalidInput,
        ErrorCode::Truncated,
        ErrorCode::UnsafePath,
        ErrorCode::LimitExceeded,
    ];

    /// The wire string of the code, e.g. `"not_found"`.
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorCode::BadRequest => "bad_request",
            ErrorCode::Unauthorized => "unauthorized",
            ErrorCode::Forbidden => "forbidden",
            ErrorCode::NotFound => "not_found",
            ErrorCode::Conflict => "conflict",
            ErrorCode::TooLarge => "too_large",
            ErrorCode::RateLimited => "rate_limited",
            ErrorCode::Server => "server",
            ErrorCode::Http => "http",
            ErrorCode::Network => "network",
            ErrorCode::Timeout => "timeout",
            ErrorCode::Aborted => "aborted",
            ErrorCode::InvalidResponse => "invalid_response",
            ErrorCode::InvalidInput => "invalid_input",
            ErrorCode::Truncated => "truncated",
            ErrorCode::UnsafePath => "unsafe_path",
            ErrorCode::LimitExceeded => "limit_exceeded",
        }
    }

    /// The code for an HTTP error status (anything that is not 2xx/3xx).
    pub fn from_status(status: u16) -> ErrorCode {
        match status {
            400 => ErrorCode::BadRequest,
            401 => ErrorCode::Unauthorized,
            403 => ErrorCode::Forbidden,
            404 => ErrorCode::NotFound,
            409 => ErrorCode::Conflict,
            413 => ErrorCode::TooLarge,
            429 => ErrorCode::RateLimited,
            500..=599 => ErrorCode::Server,
            _ => ErrorCode::Http,
        }
    }
}

impl fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The underlying error of a failure that produced no response (the runtime's own error),
/// reduced to data that cannot carry a secret.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ErrorCause {
    /// The runtime error's name, e.g. `TypeError`.
    pub name: String,
    /// Its system code when it has one, e.g. `ECONNREFUSED`.
    pub code: String,
    /// Its message, when it cannot quote request data; else empty.
    pub message: String,
}

/// One problem found in a request.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ValidationIssue {
    /// Where: a JSON path such as `owners[0].lastname` or `syndic.password`.
    pub path: String,
    /// Stable code: `required`, `invalid_zipcode`, `too_long`, `too_many`, `invalid_url`,
    /// `invalid_characters`, `invalid_email`, `invalid_type`, `invalid_value`.
    pub code: &'static str,
    /// An English sentence.
    pub message: String,
}

/// `{"path", "code", "message"}`.
impl crate::json::ToJson for ValidationIssue {
    fn write_json(&self, out: &mut String) {
        crate::json::ObjWriter::new(out)
            .field("path", &self.path)
            .field("code", self.code)
            .field("message", &self.message)
            .end();
    }
}

impl ValidationIssue {
    /// An issue at `path` with a stable `code`.
    pub fn new(path: impl Into<String>, code: &'static str, message: impl Into<String>) -> Self {
        ValidationIssue {
            path: path.into(),
            code,
            message: message.into(),
        }
    }
}

/// What an error carries besides its code, sentence and status (boxed: most errors have none
/// of it, and a small `Error` keeps every `Result` small).
#[derive(Clone, Default, PartialEq, Eq)]
struct Details {
    server_message: Option<String>,
    server_error: Option<String>,
    retry_after: Option<u64>,
    cause: Option<ErrorCause>,
    issues: Vec<ValidationIssue>,
}

/// A failed operation. See the module documentation.
#[non_exhaustive]
#[derive(Clone, PartialEq, Eq)]
pub struct Error {
    code: ErrorCode,
    message: String,
    status: Option<u16>,
    details: Option<Box<Details>>,
}

impl Error {
    /// A new error with a code and a clear English sentence that names the operation.
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Error {
        Error {
            code,
            message: message.into(),
            status: None,
            details: None,
        }
    }

    /// `invalid_input`: the caller passed something unusable; nothing was sent.
    pub fn invalid_input(message: impl Into<String>) -> Error {
        Error::new(ErrorCode::InvalidInput, message)
    }

    /// `invalid_response`: the server answered something the API does not promise.
    pub fn invalid_response(message: impl Into<String>) -> Error {
        Error::new(ErrorCode::InvalidResponse, message)
    }

    /// A client's runner answered a call with the wrong kind of value: a bug of the crate,
    /// reported as `invalid_response` instead of a panic (both clients' runners use it).
    #[cfg(any(feature = "echange", feature = "pre-etat-date"))]
    pub(crate) fn wrong_answer<T>() -> Result<T> {
        Err(Error::invalid_response(
            "internal error: a call was answered with the wrong kind of value",
        ))
    }

    fn details_mut(&mut self) -> &mut Details {
        self.details.get_or_insert_with(Box::default)
    }

    fn details(&self) -> Option<&Details> {
        self.details.as_deref()
    }

    /// Sets the HTTP status.
    pub fn with_status(mut self, status: u16) -> Error {
        self.status = Some(status);
        self
    }

    /// Sets the server's own message (kept verbatim).
    pub fn with_server_message(mut self, message: Option<String>) -> Error {
        self.details_mut().server_message = message;
        self
    }

    /// Sets Échange's `error` field (kept verbatim).
    pub fn with_server_error(mut self, error: Option<String>) -> Error {
        self.details_mut().server_error = error;
        self
    }

    /// Sets the `Retry-After` delay in seconds.
    pub fn with_retry_after(mut self, seconds: Option<u64>) -> Error {
        self.details_mut().retry_after = seconds;
        self
    }

    /// Sets the underlying error.
    pub fn with_cause(mut self, cause: ErrorCause) -> Error {
        self.details_mut().cause = Some(cause);
        self
    }

    /// Attaches the problems found in the caller's input (`invalid_input`).
    pub fn with_issues(mut self, issues: Vec<ValidationIssue>) -> Error {
        self.details_mut().issues = issues;
        self
    }

    /// The problems found in the caller's input, for `invalid_input` from validation.
    pub fn issues(&self) -> &[ValidationIssue] {
        self.details().map_or(&[], |d| d.issues.as_slice())
    }

    /// The underlying error, when there is one (network failures).
    pub fn cause(&self) -> Option<&ErrorCause> {
        self.details().and_then(|d| d.cause.as_ref())
    }

    /// The error with every occurrence of each secret (3 bytes or more) replaced by
    /// `<redacted>`, in every text it carries — the server's included.
    pub fn scrubbed(mut self, secrets: &[String]) -> Error {
        let clean = |s: &mut String| {
            for secret in secrets {
                if secret.len() >= 3 && s.contains(secret.as_str()) {
                    *s = s.replace(secret.as_str(), "<redacted>");
                }
            }
        };
        clean(&mut self.message);
        if let Some(d) = self.details.as_deref_mut() {
            for text in [&mut d.server_message, &mut d.server_error]
                .into_iter()
                .flatten()
            {
                clean(text);
            }
            if let Some(c) = &mut d.cause {
                clean(&mut c.message);
                clean(&mut c.code);
            }
            for i in &mut d.issues {
                clean(&mut i.message);
            }
        }
        self
    }

    /// The stable machine-readable code.
    pub fn code(&self) -> ErrorCode {
        self.code
    }

    /// A clear English sentence naming the operation.
    pub fn message(&self) -> &str {
        &self.message
    }

    /// The HTTP status, when a response arrived.
    pub fn status(&self) -> Option<u16> {
        self.status
    }

    /// The server's own message, verbatim (French text included), when it sent one.
    pub fn server_message(&self) -> Option<&str> {
        self.details().and_then(|d| d.server_message.as_deref())
    }

    /// Échange's `error` field, when present.
    pub fn server_error(&self) -> Option<&str> {
        self.details().and_then(|d| d.server_error.as_deref())
    }

    /// Seconds to wait, from a `Retry-After` header, when present.
    pub fn retry_after(&self) -> Option<u64> {
        self.details().and_then(|d| d.retry_after)
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)?;
        if let Some(status) = self.status {
            write!(f, " (HTTP {status})")?;
        }
        match (self.server_message(), self.server_error()) {
            (Some(m), Some(e)) if !m.is_empty() => write!(f, ": {m} ({e})"),
            (_, Some(e)) => write!(f, ": {e}"),
            (Some(m), None) if !m.is_empty() => write!(f, ": {m}"),
            _ => Ok(()),
        }
    }
}

impl fmt::Debug for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Error")
            .field("code", &self.code.as_str())
            .field("message", &self.message)
            .field("status", &self.status)
            .field("server_message", &self.server_message())
            .field("server_error", &self.server_error())
            .field("retry_after", &self.retry_after())
            .field("cause", &self.cause())
            .finish()
    }
}

impl std::error::Error for Error {}

/// Shorthand for `Result<T, passerelle::Error>`.
pub type Result<T, E = Error> = std::result::Result<T, E>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_stable_strings() {
        let all: Vec<&str> = ErrorCode::ALL.iter().map(|c| c.as_str()).collect();
        assert_eq!(
            all,
            [
                "bad_request",
                "unauthorized",
                "forbidden",
                "not_found",
                "conflict",
                "too_large",
                "rate_limited",
                "server",
                "http",
                "network",
                "timeout",
                "aborted",
                "invalid_response",
                "invalid_input",
                "truncated",
                "unsafe_path",
                "limit_exceeded"
            ]
        );
    }

    #[test]
    fn status_mapping() {
        assert_eq!(ErrorCode::from_status(400), ErrorCode::BadRequest);
        assert_eq!(ErrorCode::from_status(416), ErrorCode::Http);
        assert_eq!(ErrorCode::from_status(503), ErrorCode::Server);
        assert_eq!(ErrorCode::from_status(429), ErrorCode::RateLimited);
    }

    #[test]
    fn display_keeps_server_text_verbatim() {
        let e = Error::new(ErrorCode::NotFound, "listDir failed")
            .with_status(404)
            .with_server_message(Some("Unable to get directory lister".into()))
            .with_server_error(Some("file does not exist".into()));
        assert_eq!(
            e.to_string(),
            "listDir failed (HTTP 404): Unable to get directory lister (file does not exist)"
        );
    }
}
