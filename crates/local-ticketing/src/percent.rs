//! Percent-decoding of path segments and query parameters (GitLab's `namespace%2Fproject`
//! project ids, Power Automate's `sig`, the lookups' filters).

/// `s` with each `%XX` escape decoded (invalid UTF-8 replaced); a `%` not followed by two hex
/// digits is kept as it is. `+` is left alone: in a path it is a plus, and the signatures this
/// decodes are URL-safe base64.
pub(crate) fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let escape = (bytes[i] == b'%')
            .then(|| bytes.get(i + 1..i + 3))
            .flatten()
            .and_then(|hex| std::str::from_utf8(hex).ok())
            .and_then(|hex| u8::from_str_radix(hex, 16).ok());
        match escape {
            Some(byte) => {
                out.push(byte);
                i += 3;
            }
            None => {
                out.push(bytes[i]);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// The first value of parameter `name` in `query` (without the `?`), decoded.
pub(crate) fn query_param(query: Option<&str>, name: &str) -> Option<String> {
    query?
        .split('&')
        .filter_map(|pair| pair.split_once('=').or(Some((pair, ""))))
        .find(|(key, _)| percent_decode(key) == name)
        .map(|(_, value)| percent_decode(value))
}

/// The first value of parameter `name` in a form-encoded `query`, decoded with `+` read as a
/// space: how the vendors' web frameworks read a lookup's query string (and how clients that
/// build it with form encoding, such as `reqwest`'s `query`, write a space).
pub(crate) fn form_param(query: Option<&str>, name: &str) -> Option<String> {
    let spaced = query?.replace('+', "%20");
    query_param(Some(&spaced), name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_escapes_and_keeps_the_rest() {
        assert_eq!(percent_decode("acme%2Fops"), "acme/ops");
        assert_eq!(percent_decode("acme%2fops%20x"), "acme/ops x");
        assert_eq!(percent_decode("caf%C3%A9"), "café");
        assert_eq!(percent_decode("100%"), "100%");
        assert_eq!(percent_decode("%zz+1"), "%zz+1");
    }

    #[test]
    fn finds_query_parameters() {
        let q = Some("api-version=1&sp=%2Ftriggers%2Fmanual%2Frun&sig=a%2Db&flag");
        assert_eq!(query_param(q, "api-version").as_deref(), Some("1"));
        assert_eq!(
            query_param(q, "sp").as_deref(),
            Some("/triggers/manual/run")
        );
        assert_eq!(query_param(q, "sig").as_deref(), Some("a-b"));
        assert_eq!(query_param(q, "flag").as_deref(), Some(""));
        assert_eq!(query_param(q, "missing"), None);
        assert_eq!(query_param(None, "sig"), None);
    }

    #[test]
    fn form_parameters_read_plus_as_a_space() {
        let q = Some("labels=alert+job%2Bx,ops&state=all");
        assert_eq!(form_param(q, "labels").as_deref(), Some("alert job+x,ops"));
        assert_eq!(query_param(q, "labels").as_deref(), Some("alert+job+x,ops"));
        assert_eq!(form_param(q, "state").as_deref(), Some("all"));
        assert_eq!(form_param(None, "state"), None);
    }
}
