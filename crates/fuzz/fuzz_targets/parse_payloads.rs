//! Any body, for every source: parsing, validation and prompt rendering never panic, and the
//! rendered prompt always ends with its closing marker.
#![no_main]

use libfuzzer_sys::fuzz_target;
use ticket_prompt::{FieldLimits, Source, read_delivery, render_prompt};

fuzz_target!(|data: &[u8]| {
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
