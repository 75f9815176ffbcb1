//! Any bytes as `kg import` input (Jsonl format): the first byte sets options,
//! the rest is the file(s); see `kg_fuzz::import_case`. Imported or
//! refused with an error, never a panic; an imported graph answers queries.
#![no_main]

use kg::io::read::InputFormat;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    kg_fuzz::import_case(data, InputFormat::Jsonl);
});
