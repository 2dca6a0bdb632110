//! `ajar import` of a `.zip` of story files: a zip (input starting with `PK`) or, to get past
//! the zip's checksums, the entries of one (`NAME\0CONTENT\0...`, zipped here). Any input
//! gives works and per-entry errors, never a panic; every work read exports to well-formed,
//! script-free HTML.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let zipped;
    let bytes = if data.starts_with(b"PK") {
        data
    } else {
        zipped = ajar_fuzz::zip_of(data, false);
        &zipped
    };
    if let Ok(entries) = ajar_formats::read_zip("fuzz.zip", bytes) {
        for (_, work) in entries {
            if let Ok(work) = work {
                let _ = work.validate();
                ajar_fuzz::check_export(&work, ajar_fuzz::Depth::Quick);
            }
        }
    }
});
