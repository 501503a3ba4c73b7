//! Properties of frame packing (record format versions 2 and 3): whatever
//! frames a block holds, in whatever order, with whatever numbers, they
//! come back byte for byte with their stamps, sequence numbers and
//! connections; and no bytes, damaged or made up, panic the reader.

#![allow(clippy::unwrap_used)] // test helpers: a panic is a failed test

use proptest::prelude::*;
use tickdesk::record::pack::{NibblePacker, RunPacker, Unpacker};
use tickdesk::record::{Kind, RecordRef};

/// Real frame layouts (from the recordings' PROVENANCE examples) whose
/// numbers the generator rewrites.
const LAYOUTS: [&str; 5] = [
    r#"{"stream":"btcusdt@trade","data":{"e":"trade","E":1723161255343,"s":"BTCUSDT","t":3735683259,"p":"61837.63000000","q":"0.02000000","T":1723161255342,"m":true,"M":true}}"#,
    r#"{"stream":"btcusdt@bookTicker","data":{"u":50093239212,"s":"BTCUSDT","b":"61837.63000000","B":"3.78826000","a":"61837.64000000","A":"1.54698000"}}"#,
    r#"{"stream":"blzeth@depth@100ms","data":{"e":"depthUpdate","E":1633998514469,"s":"BLZETH","U":281916627,"u":281916627,"b":[["0.00006421","0.00000000"]],"a":[["0.00006431","12.00000000"]]}}"#,
    r#"{"stream":"lrcbtc@kline_1m","data":{"e":"kline","E":1633998534486,"s":"LRCBTC","k":{"t":1633998480000,"T":1633998539999,"s":"LRCBTC","i":"1m","f":12368013,"L":12368013,"o":"0.00000638","c":"0.00000638","h":"0.00000638","l":"0.00000638","v":"177.00000000","n":1,"x":false,"q":"0.00112926","V":"177.00000000","Q":"0.00112926","B":"0"}}}"#,
    r#"{"e":"trade","E":1672515782136,"s":"1000SATSUSDT","t":12345,"p":"0.001","q":"100","T":1672515782136,"m":true,"M":true}"#,
];

/// A frame: one of the layouts with each digit run rewritten from `digits`
/// (mostly the same width, sometimes another, up to 21 digits: past what a
/// template holds), or plain bytes.
fn frame() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        8 => (0..LAYOUTS.len(), prop::collection::vec((any::<u64>(), 0u8..10), 40)).prop_map(|(l, digits)| {
            let src = LAYOUTS[l].as_bytes();
            let mut out = Vec::with_capacity(src.len() + 16);
            let (mut i, mut run) = (0, 0);
            while i < src.len() {
                if !src[i].is_ascii_digit() {
                    out.push(src[i]);
                    i += 1;
                    continue;
                }
                let start = i;
                while i < src.len() && src[i].is_ascii_digit() {
                    i += 1;
                }
                let (value, width_pick) = digits[run % digits.len()];
                run += 1;
                let width = if width_pick < 8 { i - start } else { 1 + (value % 21) as usize };
                let text = format!("{:0width$}", value % 10u64.pow(width.min(19) as u32), width = width);
                out.extend_from_slice(&text.as_bytes()[text.len() - width..]);
            }
            out
        }),
        1 => prop::collection::vec(any::<u8>(), 0..200),
        1 => prop::collection::vec(prop::sample::select(b"0123456789\"{}:,.".to_vec()), 0..120),
    ]
}

/// A record's fields, owned: kind, stamp, seq, conn, payload.
type Rec = (Kind, u64, u64, u32, Vec<u8>);

fn record() -> impl Strategy<Value = Rec> {
    (
        prop_oneof![9 => Just(Kind::Frame), 1 => Just(Kind::Input), 1 => Just(Kind::Connect)],
        prop_oneof![3 => 0u64..1_000_000, 1 => any::<u64>()],
        prop_oneof![3 => 0u64..4, 1 => any::<u64>()],
        prop_oneof![3 => 0u32..3, 1 => any::<u32>()],
        frame(),
    )
}

/// Packs `block` as format `version` (2 or 3) does.
fn pack(block: &[Rec], version: u32) -> Vec<u8> {
    let (mut v2, mut v3) = (RunPacker::default(), NibblePacker::default());
    let mut out = Vec::new();
    let mut stamp = 1_700_000_000_000_000_000u64;
    let mut seq = 0u64;
    for (kind, ds, dq, conn, payload) in block {
        stamp = stamp.wrapping_add(*ds);
        seq = seq.wrapping_add(*dq);
        let r = RecordRef { kind: *kind, stamp_ns: stamp, seq, conn: *conn, payload };
        if version == 2 { v2.push(&mut out, r) } else { v3.push(&mut out, r) }
    }
    out
}

/// Reads a block to its end or its first damaged record.
fn unpack(block: &[u8], version: u32, check: bool) -> (Vec<Rec>, bool) {
    let mut u = Unpacker::default();
    u.reset(version);
    let (mut at, mut out) = (0, Vec::new());
    let mut stamp = 1_700_000_000_000_000_000u64;
    let mut seq = 0u64;
    while at < block.len() {
        let Ok(f) = u.read(block, at, check) else { return (out, false) };
        let (ds, dq) = (f.stamp_ns.wrapping_sub(stamp), f.seq.wrapping_sub(seq));
        (stamp, seq) = (f.stamp_ns, f.seq);
        out.push((f.kind, ds, dq, f.conn, u.payload(block, f.payload).to_vec()));
        at = f.next;
    }
    (out, true)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn every_record_comes_back_byte_for_byte(block in prop::collection::vec(record(), 0..300), version in 2u32..=3) {
        let packed = pack(&block, version);
        prop_assert_eq!(unpack(&packed, version, true), (block.clone(), true));
        prop_assert_eq!(unpack(&packed, version, false), (block, true));
    }

    #[test]
    fn a_damaged_block_never_panics_and_checksums_catch_it(
        block in prop::collection::vec(record(), 1..200),
        at in any::<prop::sample::Index>(),
        flip in 1u8..=255,
        version in 2u32..=3,
    ) {
        let mut packed = pack(&block, version);
        let i = at.index(packed.len());
        packed[i] ^= flip;
        // Checked: what comes back before the damage is the block's own.
        let (back, _) = unpack(&packed, version, true);
        prop_assert!(back.len() <= block.len());
        prop_assert_eq!(&back[..], &block[..back.len()]);
        let _ = unpack(&packed, version, false);
    }

    #[test]
    fn made_up_bytes_never_panic_the_reader(bytes in prop::collection::vec(any::<u8>(), 0..600), version in 1u32..=3) {
        let _ = unpack(&bytes, version, true);
        let _ = unpack(&bytes, version, false);
    }
}
