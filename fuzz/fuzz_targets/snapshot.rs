//! Any bytes as a graph file's snapshot: decoded or refused, never a panic;
//! a snapshot the decoder accepts gives a graph that answers queries.
//!
//! Raw bytes rarely get past the header and body checksums, so an input
//! that starts with `BODY` is taken as a body alone and given a valid
//! header (`kg::db::snapshot_with_body`) before decoding: that reaches the
//! body decoder with arbitrary bytes.
#![no_main]

use kg_fuzz::query_imported;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let fixed;
    let bytes = match data.strip_prefix(b"BODY") {
        Some(body) => {
            fixed = kg::db::snapshot_with_body(body);
            &fixed[..]
        }
        None => data,
    };
    match kg::db::decode_snapshot_bytes(bytes) {
        Ok(graph) => query_imported(graph),
        Err(e) => {
            let _ = e.to_string();
        }
    }
});
