//! The EPUB importer: an EPUB file (input starting with `PK`) or, to get past the zip's
//! checksums, the files of one (`NAME\0CONTENT\0...`, zipped here). Any input gives a work or
//! a clear error, never a panic; a work it accepts exports to well-formed, script-free HTML.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let zipped;
    let bytes = if data.starts_with(b"PK") {
        data
    } else {
        zipped = ajar_fuzz::zip_of(data, true);
        &zipped
    };
    if let Ok(work) = ajar_formats::epub::parse("fuzz.epub", bytes) {
        let _ = work.validate();
        ajar_fuzz::check_export(&work, ajar_fuzz::Depth::Quick);
    }
});
