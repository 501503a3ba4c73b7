//! Any bytes as a session segment, and as a recorded engine input: the
//! reader reports damage and reads on, the input codec refuses, and
//! neither panics nor loops.
#![no_main]

use libfuzzer_sys::fuzz_target;
use tickdesk::record::{SegmentReader, input};

fuzz_target!(|data: &[u8]| {
    let _ = input::decode(data);
    let path = std::env::temp_dir().join(format!("tickdesk-fuzz-{}.tdr", std::process::id()));
    if std::fs::write(&path, data).is_err() {
        return;
    }
    if let Ok(mut r) = SegmentReader::open(&path) {
        let mut n = 0usize;
        let issues = r.for_each(|rec| {
            let _ = input::decode(rec.payload);
            n += 1;
        });
        if let Ok(issues) = issues {
            assert!(issues.len() <= data.len() + 1, "more issues than bytes");
        }
    }
    let _ = std::fs::remove_file(&path);
});
