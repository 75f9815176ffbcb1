//! Any bytes as a write-ahead log: scanned or refused, never a panic.
//!
//! Raw bytes rarely get past the record checksums, so an input that starts
//! with `RECS` is split at 0xFF bytes into record payloads, which
//! `kg::db::log_with_payloads` frames with valid sequence numbers and
//! checksums: that reaches the record decoder with arbitrary bytes.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let framed;
    let bytes = match data.strip_prefix(b"RECS") {
        Some(rest) => {
            let payloads: Vec<&[u8]> = rest.split(|b| *b == 0xff).collect();
            framed = kg::db::log_with_payloads(&payloads);
            &framed[..]
        }
        None => data,
    };
    match kg::db::decode_log_bytes(bytes) {
        Ok(records) => assert!(
            records <= bytes.len(),
            "{records} records in {} bytes",
            bytes.len()
        ),
        Err(e) => {
            let _ = e.to_string();
        }
    }
});
