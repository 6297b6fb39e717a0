//! Lenient base64 decoding for server-produced text (webhook PDFs, JWT segments): standard or
//! URL-safe alphabet, padding optional, whitespace and line breaks ignored.

/// The value of a base64 digit (standard alphabet, `-` and `_` of the URL-safe one accepted too).
fn digit(c: u8) -> Option<u32> {
    Some(match c {
        b'A'..=b'Z' => c - b'A',
        b'a'..=b'z' => c - b'a' + 26,
        b'0'..=b'9' => c - b'0' + 52,
        b'+' | b'-' => 62,
        b'/' | b'_' => 63,
        _ => return None,
    } as u32)
}

/// Decodes `text`, or `None` when it is not base64 in any of the accepted forms: padding may
/// be absent or shorter than canonical but never longer nor inside, a lone final digit is
/// refused, unused bits of the last digit are ignored.
pub(crate) fn decode_lenient(text: &str) -> Option<Vec<u8>> {
    let mut digits: Vec<u8> = text.bytes().filter(|c| !c.is_ascii_whitespace()).collect();
    let padding = digits.iter().rev().take_while(|&&c| c == b'=').count();
    digits.truncate(digits.len() - padding);
    let tail = digits.len() % 4;
    if tail == 1 || padding > (4 - tail) % 4 {
        return None;
    }
    let mut out = Vec::with_capacity(digits.len() / 4 * 3 + 2);
    for group in digits.chunks(4) {
        let mut n = 0u32;
        for (i, &c) in group.iter().enumerate() {
            n |= digit(c)? << (18 - 6 * i);
        }
        let bytes = [(n >> 16) as u8, (n >> 8) as u8, n as u8];
        out.extend_from_slice(&bytes[..group.len() - 1]);
    }
    Some(out)
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
        for bad in [
            "a", "é", "ab$c", "a=b=", "aGk=aGk=", "😀😀", "aGk==", "aGlh=", "=", "a===",
        ] {
            assert_eq!(decode_lenient(bad), None, "{bad}");
        }
    }

    /// Same answers as the `base64` crate configured leniently (the decoder this one replaced).
    #[test]
    fn agrees_with_the_base64_crate() {
        use base64::engine::general_purpose::{GeneralPurpose, GeneralPurposeConfig};
        use base64::engine::DecodePaddingMode;
        use base64::Engine;
        const LENIENT: GeneralPurpose = GeneralPurpose::new(
            &base64::alphabet::STANDARD,
            GeneralPurposeConfig::new()
                .with_decode_padding_mode(DecodePaddingMode::Indifferent)
                .with_decode_allow_trailing_bits(true),
        );
        let reference = |t: &str| {
            let cleaned: String = t
                .chars()
                .filter(|c| !c.is_ascii_whitespace())
                .map(|c| match c {
                    '-' => '+',
                    '_' => '/',
                    o => o,
                })
                .collect();
            LENIENT.decode(cleaned.as_bytes()).ok()
        };
        let alphabet = [
            "A", "Q", "/", "_", "-", "+", "z", "9", "=", " ", "\n", "é", ".",
        ];
        // Every string of up to 6 symbols from the alphabet above (13^6 would be slow: up to 5,
        // plus a few long ones).
        let mut cases: Vec<String> = vec![String::new()];
        for _ in 0..5 {
            let next: Vec<String> = cases
                .iter()
                .filter(|c| c.chars().count() >= cases.last().unwrap().chars().count())
                .flat_map(|c| alphabet.iter().map(move |a| format!("{c}{a}")))
                .collect();
            cases.extend(next);
        }
        cases.push("JVBERi0xLjQKJcfs".repeat(5));
        cases.push(format!("{}==", "JVBERi0xLjQKJcfs".repeat(3)));
        for c in &cases {
            assert_eq!(decode_lenient(c), reference(c), "{c:?}");
        }
    }
}
