//! Any bytes as a write-ahead log: scanned or refused, never a panic.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    match kg::db::decode_log_bytes(data) {
        Ok(records) => assert!(
            records <= data.len(),
            "{records} records in {} bytes",
            data.len()
        ),
        Err(e) => {
            let _ = e.to_string();
        }
    }
});
