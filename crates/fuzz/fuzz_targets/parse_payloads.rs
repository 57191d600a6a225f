//! Any body, for every source: parsing, validation and prompt rendering never panic, and the
//! rendered prompt always ends with its closing marker. As an SNS envelope: reading it, its string
//! to sign and its URLs never panic, and a certificate URL it accepts is an https URL on an SNS
//! host.
#![no_main]

use libfuzzer_sys::fuzz_target;
use ticket_prompt::sns::SnsEnvelope;
use ticket_prompt::{FieldLimits, Source, read_delivery, render_prompt};

fuzz_target!(|data: &[u8]| {
    if let Ok(envelope) = SnsEnvelope::parse(data) {
        let _ = envelope.digest();
        let _ = envelope.string_to_sign();
        let _ = envelope.subscribe_url();
        if let Ok(url) = envelope.signing_cert_url() {
            let host = url.host_str().unwrap_or_default();
            assert_eq!(url.scheme(), "https", "{url}");
            assert!(
                host.starts_with("sns.")
                    && (host.ends_with(".amazonaws.com") || host.ends_with(".amazonaws.com.cn")),
                "{url}"
            );
        }
    }
    for source in Source::ALL {
        if let Ok(delivery) = read_delivery(source, data, Some("issues"))
            && let Ok(ticket) = delivery.ticket(&FieldLimits::default())
        {
            let prompt = render_prompt(&ticket, "0123456789abcdef");
            assert!(prompt.ends_with("</ticket_data id=\"0123456789abcdef\">\n"));
            assert_eq!(
                prompt
                    .matches("</ticket_data id=\"0123456789abcdef\">")
                    .count(),
                1
            );
        }
    }
});
