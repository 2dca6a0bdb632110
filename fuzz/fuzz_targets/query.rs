//! The search box's query parser: any text gives a query or a message, never a panic.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        match ajar_search::query::parse(text) {
            Ok(_) => {}
            Err(e) => assert!(!e.to_string().is_empty(), "an empty message for {text:?}"),
        }
    }
});
