//! Lenient base64 decoding for server-produced text (webhook PDFs, JWT segments): standard or
//! URL-safe alphabet, padding optional, whitespace and line breaks ignored.

use base64::alphabet;
use base64::engine::general_purpose::{GeneralPurpose, GeneralPurposeConfig};
use base64::engine::DecodePaddingMode;
use base64::Engine;

const LENIENT: GeneralPurpose = GeneralPurpose::new(
    &alphabet::STANDARD,
    GeneralPurposeConfig::new()
        .with_decode_padding_mode(DecodePaddingMode::Indifferent)
        .with_decode_allow_trailing_bits(true),
);

/// Decodes `text`, or `None` when it is not base64 in any of the accepted forms.
pub(crate) fn decode_lenient(text: &str) -> Option<Vec<u8>> {
    let cleaned: String = text
        .chars()
        .filter(|c| !c.is_ascii_whitespace())
        .map(|c| match c {
            '-' => '+',
            '_' => '/',
            other => other,
        })
        .collect();
    LENIENT.decode(cleaned.as_bytes()).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_the_usual_variants() {
        assert_eq!(decode_lenient("JVBERi0x").as_deref(), Some(&b"%PDF-1"[..]));
        assert_eq!(decode_lenient("aGk=").as_deref(), Some(&b"hi"[..]));
        assert_eq!(decode_lenient("aGk").as_deref(), Some(&b"hi"[..]));
        assert_eq!(decode_lenient("aG\r\n k=\n").as_deref(), Some(&b"hi"[..]));
        assert_eq!(decode_lenient("-_8").as_deref(), Some(&[0xfb, 0xff][..]));
        assert_eq!(decode_lenient("+/8=").as_deref(), Some(&[0xfb, 0xff][..]));
        assert_eq!(decode_lenient("").as_deref(), Some(&b""[..]));
    }

    #[test]
    fn rejects_garbage() {
        for bad in ["a", "é", "ab$c", "a=b=", "aGk=aGk=", "😀😀"] {
            assert_eq!(decode_lenient(bad), None, "{bad}");
        }
    }
}
