//! Any bytes as a graph file's snapshot: decoded or refused, never a panic;
//! a snapshot the decoder accepts gives a graph that answers queries.
//!
//! Raw bytes rarely get past the header and body checksums, so an input
//! that starts with `BODY` is taken as a body alone and given a valid
//! header (the current format's: magic, version, generation, body length,
//! body checksum, header checksum) before decoding: that reaches the body
//! decoder with arbitrary bytes.
#![no_main]

use kg::db::snapshot::{HEADER_LEN, MAGIC, VERSION};
use kg_fuzz::query_imported;
use libfuzzer_sys::fuzz_target;

/// `body` behind a header whose lengths and checksums match it.
fn with_valid_header(body: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(HEADER_LEN + body.len());
    out.extend_from_slice(&MAGIC);
    out.extend_from_slice(&VERSION.to_le_bytes());
    out.extend_from_slice(&0u32.to_le_bytes());
    out.extend_from_slice(&1u64.to_le_bytes());
    out.extend_from_slice(&(body.len() as u64).to_le_bytes());
    out.extend_from_slice(&crc32fast::hash(body).to_le_bytes());
    let header_crc = crc32fast::hash(&out);
    out.extend_from_slice(&header_crc.to_le_bytes());
    out.extend_from_slice(body);
    out
}

fuzz_target!(|data: &[u8]| {
    let fixed;
    let bytes = match data.strip_prefix(b"BODY") {
        Some(body) => {
            fixed = with_valid_header(body);
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
