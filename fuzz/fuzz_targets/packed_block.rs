//! Frame packing (record format versions 2 and 3) both ways. Any bytes as
//! a block's decompressed payload: the reader refuses or reads on, never
//! panics. The same bytes cut into frames at newlines and packed: every
//! frame comes back byte for byte.
#![no_main]

use libfuzzer_sys::fuzz_target;
use tickdesk::record::pack::{NibblePacker, RunPacker, Unpacker};
use tickdesk::record::{Kind, RecordRef};

fuzz_target!(|data: &[u8]| {
    let mut u = Unpacker::default();
    for (version, check) in [(2, true), (2, false), (3, true), (3, false)] {
        u.reset(version);
        let mut at = 0;
        while at < data.len() {
            match u.read(data, at, check) {
                Ok(f) => {
                    assert!(f.next > at, "a record moves the reader on");
                    let _ = u.payload(data, f.payload);
                    at = f.next;
                }
                Err(_) => break,
            }
        }
    }

    let frames: Vec<&[u8]> = data.split(|&b| b == b'\n').collect();
    for version in [2, 3] {
        let (mut v2, mut v3) = (RunPacker::default(), NibblePacker::default());
        let mut block = Vec::new();
        for (i, f) in frames.iter().enumerate() {
            let kind = if f.first() == Some(&b'!') { Kind::Input } else { Kind::Frame };
            let r = RecordRef { kind, stamp_ns: (i as u64).wrapping_mul(0x9e37_79b9), seq: i as u64, conn: 1, payload: f };
            if version == 2 { v2.push(&mut block, r) } else { v3.push(&mut block, r) }
        }
        u.reset(version);
        let mut at = 0;
        for (i, f) in frames.iter().enumerate() {
            let r = u.read(&block, at, true).expect("a packed record reads back");
            assert_eq!(u.payload(&block, r.payload), *f, "version {version}, frame {i}");
            assert_eq!((r.seq, r.conn), (i as u64, 1));
            at = r.next;
        }
        assert_eq!(at, block.len());
    }
});
