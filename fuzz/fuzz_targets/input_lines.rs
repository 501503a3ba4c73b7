//! Any bytes as a recording (plain or, with the magic bytes, gzip): the
//! reader and the decoder never panic and never loop.
#![no_main]

use libfuzzer_sys::fuzz_target;
use tickdesk::feed::binance::BinanceDecoder;
use tickdesk::feed::input::{InputReader, Limits};

fuzz_target!(|data: &[u8]| {
    let limits = Limits {
        frame_bytes: 512,
        rest_bytes: 2048,
    };
    let Ok(mut r) = InputReader::from_reader("fuzz", std::io::Cursor::new(data.to_vec()), limits)
    else {
        return;
    };
    let mut d = BinanceDecoder::default();
    let mut n = 0usize;
    while let Some(rec) = r.next() {
        if let Ok(rec) = rec {
            let _ = d.decode_record(&rec);
        }
        n += 1;
        assert!(n <= data.len() + 1, "more records than bytes");
    }
    let s = r.stats();
    assert!(s.frames + s.rest_bodies + s.bad_lines() <= s.lines + s.documents + 1);
});
