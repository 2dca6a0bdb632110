//! The plain importer: any bytes give a work or a clear error, never a panic; a work it
//! accepts exports to well-formed, script-free HTML.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(work) = ajar_formats::plain::parse("fuzz.txt", data) {
        let _ = work.validate();
        ajar_fuzz::check_export(&work, ajar_fuzz::Depth::Quick);
    }
});
