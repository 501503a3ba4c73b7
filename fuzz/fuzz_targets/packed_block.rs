//! Frame packing (record format version 2) both ways. Any bytes as a
//! block's decompressed payload: the reader refuses or reads on, never
//! panics. The same bytes cut into frames at newlines and packed: every
//! frame comes back byte for byte.
#![no_main]

use libfuzzer_sys::fuzz_target;
use tickdesk::record::pack::{Packer, Unpacker};
use tickdesk::record::{Kind, RecordRef};

fuzz_target!(|data: &[u8]| {
    let mut u = Unpacker::default();
    for check in [true, false] {
        u.reset(true);
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
    let mut p = Packer::default();
    let mut block = Vec::new();
    for (i, f) in frames.iter().enumerate() {
        let kind = if f.first() == Some(&b'!') { Kind::Input } else { Kind::Frame };
        p.push(&mut block, RecordRef { kind, stamp_ns: (i as u64).wrapping_mul(0x9e37_79b9), seq: i as u64, conn: 1, payload: f });
    }
    u.reset(true);
    let mut at = 0;
    for (i, f) in frames.iter().enumerate() {
        let r = u.read(&block, at, true).expect("a packed record reads back");
        assert_eq!(u.payload(&block, r.payload), *f, "frame {i}");
        assert_eq!((r.seq, r.conn), (i as u64, 1));
        at = r.next;
    }
    assert_eq!(at, block.len());
});
