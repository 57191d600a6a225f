//! Which URLs may carry credentials: HTTPS anywhere, plain HTTP only to a stand-in on the same
//! machine (tests, `make local`, and `sam local`, where the function runs in a container and
//! reaches its host as `host.docker.internal`). That name does not resolve on Lambda, so a
//! deployment cannot send credentials in clear text through it.

/// The hosts plain HTTP may reach, as the URL parser writes them.
const LOCAL_STAND_INS: [&str; 4] = ["127.0.0.1", "localhost", "[::1]", "host.docker.internal"];

/// What a refused URL is told (no value echoed).
pub(crate) const SECURE_URL_RULE: &str = "must be an https:// URL without user:password@ (http:// only to a local stand-in: 127.0.0.1, localhost or host.docker.internal)";

/// `raw` is `https://…`, or plain HTTP to a stand-in on this machine. Read with the parser the
/// HTTP client uses, so the host checked is the host connected to: a prefix test would take
/// `http://localhost:@attacker.example` (user `localhost`, host `attacker.example`) for local.
/// Credentials in the URL are refused too: they belong in the secret's own fields.
pub(crate) fn is_secure_or_local(raw: &str) -> bool {
    let Ok(url) = reqwest::Url::parse(raw) else {
        return false;
    };
    if !url.username().is_empty() || url.password().is_some() {
        return false;
    }
    match (url.scheme(), url.host_str()) {
        ("https", Some(_)) => true,
        ("http", Some(host)) => LOCAL_STAND_INS.contains(&host),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn https_anywhere_and_plain_http_only_to_a_stand_in_on_this_machine() {
        for ok in [
            "https://example.service-now.com",
            "http://127.0.0.1:9300",
            "http://localhost:9300/x",
            "http://[::1]:9300",
            "http://host.docker.internal:9300",
            "http://LOCALHOST:9300",
        ] {
            assert!(is_secure_or_local(ok), "{ok}");
        }
        for refused in [
            "http://example.service-now.com",
            "http://localhost.example.com:80",
            "http://host.docker.internal.example.com:80",
            "http://127.0.0.1.nip.io:80",
            "http://localhost:@attacker.example:80",
            "http://127.0.0.1:9300@attacker.example",
            "https://user:password@example.service-now.com",
            "ftp://127.0.0.1:21",
            "HTTP://example.com",
            "",
        ] {
            assert!(!is_secure_or_local(refused), "{refused}");
        }
    }
}
