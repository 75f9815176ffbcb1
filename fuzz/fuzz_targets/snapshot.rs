//! Any bytes as a graph file's snapshot: decoded or refused, never a panic;
//! a snapshot the decoder accepts gives a graph that answers queries.
#![no_main]

use kg_fuzz::query_imported;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    match kg::db::decode_snapshot_bytes(data) {
        Ok(graph) => query_imported(graph),
        Err(e) => {
            let _ = e.to_string();
        }
    }
});
