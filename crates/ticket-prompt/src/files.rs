//! Files attached to a direct invocation (Pika's `files: [{fileName, fileContent, mimeType}]`)
//! → checked [`AttachedFile`]s.
//!
//! The files are the caller's, but their bytes reach an agent that may parse them or write them
//! to disk by name, so each one is held to a short allow-list of types, its bytes must be what
//! its type claims, and its name must be a plain file name.

use std::fmt;

use base64::Engine;
use base64::alphabet;
use base64::engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig};
use serde_json::{Map, Value};

use crate::error::TicketError;
use crate::json::refuse_unknown_fields;

/// The most files one request may attach: enough for a few documents, few enough that one
/// request cannot fan out into a heap of agent-side work.
pub(crate) const MAX_FILES: usize = 5;

/// The most decoded bytes all files of one request may hold together (4 MiB). A Lambda Function
/// URL request is at most 6 MB and base64 inflates content by 4/3, so 4 MiB of content (about
/// 5.6 MB encoded) is the most that still fits beside the rest of the body.
pub(crate) const MAX_FILES_BYTES: usize = 4 * 1024 * 1024;

/// The longest file name, in characters: the common file-system limit, since agents may write
/// the file under its name.
const FILE_NAME_MAX_CHARS: usize = 255;

/// Every key a file object may carry (Pika's names, verbatim).
const FILE_FIELDS: [&str; 3] = ["fileName", "fileContent", "mimeType"];

/// Standard-alphabet base64 with or without padding: Pika's clients pad, but unpadded content
/// decodes to the same bytes, so refusing it would only break callers for nothing. Anything
/// else (whitespace, the URL-safe alphabet, non-canonical trailing bits) is refused.
const CONTENT_BASE64: GeneralPurpose = GeneralPurpose::new(
    &alphabet::STANDARD,
    GeneralPurposeConfig::new().with_decode_padding_mode(DecodePaddingMode::Indifferent),
);

/// How a type's bytes are recognised.
enum Signature {
    /// Text: valid UTF-8.
    Utf8,
    /// JSON: valid UTF-8 that parses as one JSON document.
    Json,
    /// Binary: starts with one of these magic numbers.
    StartsWith(&'static [&'static [u8]]),
    /// WebP: `RIFF`, a 4-byte length, then `WEBP`.
    Webp,
}

/// The served types and how to recognise each: only formats agents commonly read, so a caller
/// cannot hand an agent an executable or an archive under any label.
const SERVED_TYPES: [(&str, Signature); 9] = [
    ("text/plain", Signature::Utf8),
    ("text/csv", Signature::Utf8),
    ("text/markdown", Signature::Utf8),
    ("application/json", Signature::Json),
    ("application/pdf", Signature::StartsWith(&[b"%PDF-"])),
    ("image/png", Signature::StartsWith(&[b"\x89PNG\r\n\x1a\n"])),
    ("image/jpeg", Signature::StartsWith(&[b"\xFF\xD8\xFF"])),
    ("image/gif", Signature::StartsWith(&[b"GIF87a", b"GIF89a"])),
    ("image/webp", Signature::Webp),
];

/// One checked attachment.
#[derive(Clone, PartialEq, Eq)]
pub struct AttachedFile {
    /// A plain file name: 1-255 characters, no path separators or control characters, not `.`
    /// or `..`.
    pub name: String,
    /// The bare, lower-case media type (parameters such as `charset` dropped), one of the served
    /// types.
    pub mime_type: String,
    /// The decoded bytes (never empty), matching `mime_type`.
    pub content: Vec<u8>,
}

/// Shows the size instead of the bytes: a debug log of a request must not dump megabytes of
/// (possibly confidential) file content.
impl fmt::Debug for AttachedFile {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AttachedFile")
            .field("name", &self.name)
            .field("mime_type", &self.mime_type)
            .field("size_bytes", &self.content.len())
            .finish()
    }
}

/// Parses the `files` array found under `field`; errors name the offending element, e.g.
/// `files[0].mimeType`.
pub(crate) fn parse_files(value: &Value, field: &str) -> Result<Vec<AttachedFile>, TicketError> {
    let Value::Array(items) = value else {
        return Err(TicketError::invalid(
            field,
            "must be an array of {fileName, fileContent, mimeType} objects",
        ));
    };
    if items.len() > MAX_FILES {
        return Err(TicketError::invalid(
            field,
            format!("at most {MAX_FILES} files"),
        ));
    }
    let mut total = 0usize;
    let mut files = Vec::with_capacity(items.len());
    for (i, item) in items.iter().enumerate() {
        let at = format!("{field}[{i}]");
        let file = parse_file(item, &at)?;
        total += file.content.len();
        if total > MAX_FILES_BYTES {
            return Err(TicketError::FileTooLarge {
                field: field.to_owned(),
                limit: format!(
                    "at most {MAX_FILES_BYTES} bytes (4 MiB) of decoded file content in total"
                ),
            });
        }
        check_signature(&file, &at)?;
        files.push(file);
    }
    Ok(files)
}

/// One element, checked for its keys, name, type and encoding (not yet its bytes' signature).
fn parse_file(item: &Value, at: &str) -> Result<AttachedFile, TicketError> {
    let Value::Object(obj) = item else {
        return Err(TicketError::invalid(
            at,
            "must be an object with fileName, fileContent and mimeType",
        ));
    };
    refuse_unknown_fields(obj, &FILE_FIELDS, at)?;
    let name = required_string(obj, "fileName", at)?;
    let name_field = format!("{at}.fileName");
    if !is_plain_file_name(name) {
        return Err(TicketError::invalid(
            &name_field,
            format!(
                "must be 1-{FILE_NAME_MAX_CHARS} characters without control characters, \
                 '/' or '\\', and not '.' or '..'"
            ),
        ));
    }
    let mime_type = served_type(required_string(obj, "mimeType", at)?).ok_or_else(|| {
        TicketError::UnsupportedFileType {
            field: format!("{at}.mimeType"),
            reason: format!(
                "only {} are accepted",
                SERVED_TYPES.map(|(t, _)| t).join(", ")
            ),
        }
    })?;
    let content_field = format!("{at}.fileContent");
    let content = CONTENT_BASE64
        .decode(required_string(obj, "fileContent", at)?)
        .map_err(|_| TicketError::invalid(&content_field, "must be standard base64"))?;
    if content.is_empty() {
        return Err(TicketError::invalid(&content_field, "must not be empty"));
    }
    Ok(AttachedFile {
        name: name.to_owned(),
        mime_type: mime_type.to_owned(),
        content,
    })
}

/// The string under `key`; every file key is required.
fn required_string<'a>(
    obj: &'a Map<String, Value>,
    key: &str,
    at: &str,
) -> Result<&'a str, TicketError> {
    obj.get(key)
        .and_then(Value::as_str)
        .ok_or_else(|| TicketError::invalid(&format!("{at}.{key}"), "required; must be a string"))
}

/// A name an agent can safely write as one file in its working directory: never a path, never
/// the directory itself or its parent.
fn is_plain_file_name(name: &str) -> bool {
    let chars = name.chars().count();
    (1..=FILE_NAME_MAX_CHARS).contains(&chars)
        && !name
            .chars()
            .any(|c| c.is_control() || c == '/' || c == '\\')
        && name != "."
        && name != ".."
}

/// The served type `declared` names, compared case-insensitively with parameters (`; charset=…`)
/// ignored, as media types are.
fn served_type(declared: &str) -> Option<&'static str> {
    let bare = declared.split(';').next().unwrap_or_default().trim();
    SERVED_TYPES
        .iter()
        .map(|(t, _)| *t)
        .find(|t| t.eq_ignore_ascii_case(bare))
}

/// Refuses a file whose bytes are not what its type says, so a label cannot smuggle other
/// content past the allow-list.
fn check_signature(file: &AttachedFile, at: &str) -> Result<(), TicketError> {
    let bytes = file.content.as_slice();
    let matches = match SERVED_TYPES
        .iter()
        .find(|(t, _)| *t == file.mime_type)
        .map(|(_, s)| s)
    {
        Some(Signature::Utf8) => std::str::from_utf8(bytes).is_ok(),
        Some(Signature::Json) => serde_json::from_slice::<serde::de::IgnoredAny>(bytes).is_ok(),
        Some(Signature::StartsWith(magics)) => magics.iter().any(|m| bytes.starts_with(m)),
        Some(Signature::Webp) => {
            bytes.len() >= 12 && bytes.starts_with(b"RIFF") && &bytes[8..12] == b"WEBP"
        }
        None => false,
    };
    if matches {
        Ok(())
    } else {
        Err(TicketError::UnsupportedFileType {
            field: format!("{at}.fileContent"),
            reason: format!("the content is not a {}", file.mime_type),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use base64::engine::general_purpose::{STANDARD, STANDARD_NO_PAD, URL_SAFE};
    use serde_json::json;

    const PNG: &[u8] = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR";

    fn file(name: &str, mime: &str, content: &[u8]) -> Value {
        json!({"fileName": name, "fileContent": STANDARD.encode(content), "mimeType": mime})
    }

    fn parse(files: Value) -> Result<Vec<AttachedFile>, TicketError> {
        parse_files(&files, "files")
    }

    /// The variant's name and field, for compact assertions.
    fn refusal(files: Value) -> (&'static str, String) {
        let err = parse(files).unwrap_err();
        let kind = match &err {
            TicketError::InvalidField { .. } => "invalid",
            TicketError::UnsupportedFileType { .. } => "unsupported",
            TicketError::FileTooLarge { .. } => "too_large",
            other => panic!("unexpected {other:?}"),
        };
        (kind, err.field().unwrap_or_default().to_owned())
    }

    #[test]
    fn every_served_type_with_matching_bytes_is_accepted() {
        let samples: [(&str, &[u8]); 9] = [
            ("text/plain", "héllo".as_bytes()),
            ("text/csv", b"city,temp\nSF,18\n"),
            ("text/markdown", b"# Notes"),
            ("application/json", br#"{"a": [1, 2]}"#),
            ("application/pdf", b"%PDF-1.7\n"),
            ("image/png", PNG),
            ("image/jpeg", b"\xFF\xD8\xFF\xE0\0\x10JFIF"),
            ("image/gif", b"GIF89a\x01\0\x01\0"),
            ("image/webp", b"RIFF\x24\0\0\0WEBPVP8 "),
        ];
        for (mime, bytes) in samples {
            let got =
                parse(json!([file("f", mime, bytes)])).unwrap_or_else(|e| panic!("{mime}: {e}"));
            assert_eq!(got[0].mime_type, mime);
            assert_eq!(got[0].content, bytes, "{mime}");
        }
        assert!(parse(json!([file("a.gif", "image/gif", b"GIF87a..")])).is_ok());
    }

    #[test]
    fn media_types_are_compared_case_insensitively_without_parameters() {
        let got = parse(json!([file("d.csv", "Text/CSV; charset=utf-8", b"a,b")])).unwrap();
        assert_eq!(got[0].mime_type, "text/csv");
        assert_eq!(got[0].name, "d.csv");
    }

    #[test]
    fn content_may_omit_base64_padding() {
        let body = json!([{"fileName": "a.txt", "fileContent": STANDARD_NO_PAD.encode("ab"), "mimeType": "text/plain"}]);
        assert_eq!(parse(body).unwrap()[0].content, b"ab");
    }

    #[test]
    fn no_files_is_an_empty_list() {
        assert_eq!(parse(json!([])).unwrap(), vec![]);
    }

    #[test]
    fn files_must_be_an_array_of_objects_with_exactly_the_three_keys() {
        assert_eq!(
            refusal(json!({"fileName": "a"})),
            ("invalid", "files".into())
        );
        assert_eq!(refusal(json!(["a.txt"])), ("invalid", "files[0]".into()));
        let mut extra = file("a.txt", "text/plain", b"a");
        extra["size"] = json!(1);
        assert_eq!(
            refusal(json!([file("ok.txt", "text/plain", b"a"), extra])),
            ("invalid", "files[1].size".into())
        );
        for key in FILE_FIELDS {
            let mut missing = file("a.txt", "text/plain", b"a");
            missing.as_object_mut().unwrap().remove(key);
            assert_eq!(
                refusal(json!([missing])),
                ("invalid", format!("files[0].{key}"))
            );
        }
        let mut not_text = file("a.txt", "text/plain", b"a");
        not_text["fileName"] = json!(7);
        assert_eq!(
            refusal(json!([not_text])),
            ("invalid", "files[0].fileName".into())
        );
    }

    #[test]
    fn six_files_are_too_many() {
        let one = file("a.txt", "text/plain", b"a");
        assert!(parse(json!(vec![one.clone(); MAX_FILES])).is_ok());
        assert_eq!(
            refusal(json!(vec![one; MAX_FILES + 1])),
            ("invalid", "files".into())
        );
    }

    #[test]
    fn more_than_four_mib_in_total_is_too_large() {
        let half = vec![b'a'; MAX_FILES_BYTES / 2];
        let at_limit = json!([
            file("a.txt", "text/plain", &half),
            file("b.txt", "text/plain", &half)
        ]);
        assert!(parse(at_limit).is_ok());
        let over = json!([
            file("a.txt", "text/plain", &half),
            file("b.txt", "text/plain", &[half.as_slice(), b"a"].concat())
        ]);
        let err = parse(over).unwrap_err();
        assert!(
            matches!(err, TicketError::FileTooLarge { ref field, .. } if field == "files"),
            "{err:?}"
        );
    }

    #[test]
    fn types_outside_the_allow_list_are_unsupported() {
        for mime in ["application/x-msdownload", "text/html", "", "image/svg+xml"] {
            assert_eq!(
                refusal(json!([file("a.exe", mime, b"MZ\x90\0")])),
                ("unsupported", "files[0].mimeType".into()),
                "{mime}"
            );
        }
    }

    #[test]
    fn bytes_that_are_not_the_declared_type_are_unsupported() {
        let cases: [(&str, &[u8]); 8] = [
            ("text/csv", PNG),
            ("image/webp", b"RIFX\0\0\0\0WEBP"),
            ("image/webp", b"RIFFWEBP"),
            ("image/png", b"just some text"),
            ("application/json", b"{not json"),
            ("application/pdf", b"PDF-1.7"),
            ("image/webp", b"RIFF\0\0\0\0WAVE"),
            ("image/gif", b"GIF90a"),
        ];
        for (mime, bytes) in cases {
            let err = parse(json!([file("f", mime, bytes)])).unwrap_err();
            assert_eq!(err.field(), Some("files[0].fileContent"), "{mime}");
            assert!(
                matches!(err, TicketError::UnsupportedFileType { ref reason, .. } if *reason == format!("the content is not a {mime}")),
                "{mime}: {err:?}"
            );
        }
    }

    #[test]
    fn content_must_be_standard_base64() {
        for content in [
            "not base64!",
            "YW Jj",
            "YWJj\n",
            &URL_SAFE.encode([0xFB, 0xFF]),
        ] {
            let body =
                json!([{"fileName": "a.txt", "fileContent": content, "mimeType": "text/plain"}]);
            assert_eq!(
                refusal(body),
                ("invalid", "files[0].fileContent".into()),
                "{content}"
            );
        }
    }

    #[test]
    fn an_empty_file_is_refused() {
        assert_eq!(
            refusal(json!([file("a.txt", "text/plain", b"")])),
            ("invalid", "files[0].fileContent".into())
        );
    }

    #[test]
    fn file_names_must_be_plain_names() {
        let long = "n".repeat(FILE_NAME_MAX_CHARS + 1);
        for name in [
            "../etc/passwd",
            "a/b",
            "a\\b",
            ".",
            "..",
            "",
            "a\u{0}b",
            "a\nb",
            &long,
        ] {
            assert_eq!(
                refusal(json!([file(name, "text/plain", b"a")])),
                ("invalid", "files[0].fileName".into()),
                "{name:?}"
            );
        }
        let longest = "é".repeat(FILE_NAME_MAX_CHARS);
        for name in ["..data", ".env", "report v2.csv", &longest] {
            assert!(
                parse(json!([file(name, "text/plain", b"a")])).is_ok(),
                "{name}"
            );
        }
    }

    #[test]
    fn refusals_never_quote_the_values() {
        let err = parse(json!([file(
            "secret-name",
            "application/x-secret-type",
            b"a"
        )]))
        .unwrap_err();
        let text = err.to_string();
        assert!(!text.contains("secret"), "{text}");
    }

    #[test]
    fn debug_output_shows_the_size_not_the_bytes() {
        let f = &parse(json!([file("a.txt", "text/plain", b"confidential")])).unwrap()[0];
        let shown = format!("{f:?}");
        assert!(
            shown.contains("size_bytes: 12") && !shown.contains("99, 111"),
            "{shown}"
        );
    }
}
