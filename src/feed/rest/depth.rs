//! `/api/v3/depth` bodies → a [`DepthSnapshot`], through the Binance decoder.
//!
//! The body names no symbol; the decoder is given the instrument so that the
//! levels come out at its scales, and the snapshot is stamped with the
//! caller's id.

use super::error::BodyError;
use crate::domain::{DepthSnapshot, Instrument, InstrumentId, Instruments, MarketEvent};
use crate::feed::binance::{BinanceDecoder, Decoded};

/// Parses a depth snapshot body for `inst` (registered as `id`).
pub fn parse(body: &[u8], inst: &Instrument, id: InstrumentId) -> Result<DepthSnapshot, BodyError> {
    let mut d = BinanceDecoder::new(Instruments::fixed(vec![inst.clone()])).with_max_frame_bytes(body.len());
    match d.decode_with_symbol(body, inst.symbol.as_bytes()) {
        Ok(Decoded::Market(MarketEvent::DepthSnapshot(mut s))) => {
            s.instrument = Some(id);
            Ok(s)
        }
        Ok(other) => Err(BodyError::at("body", format_args!("expected a depth snapshot, got {:?}", other.kind()))),
        Err(e) => Err(BodyError(e.detail)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{Level, Price, Qty, Venue};

    #[test]
    fn levels_at_the_instrument_scales_with_the_callers_id() {
        let inst = Instrument::with_defaults(Venue::BinanceSpot, "LTCBTC");
        let body =
            br#"{"lastUpdateId":1027024,"bids":[["4.00000000","431.00000000"]],"asks":[["4.00000200","12.00000000"]]}"#;
        let s = parse(body, &inst, InstrumentId(7)).unwrap();
        assert_eq!((s.instrument, s.last_update_id), (Some(InstrumentId(7)), 1_027_024));
        assert_eq!(s.bids, vec![Level { price: Price(400_000_000), qty: Qty(43_100_000_000) }]);
        assert_eq!(s.asks, vec![Level { price: Price(400_000_200), qty: Qty(1_200_000_000) }]);
    }

    #[test]
    fn names_the_bad_level() {
        let inst = Instrument::with_defaults(Venue::BinanceSpot, "LTCBTC");
        let e = parse(br#"{"lastUpdateId":1,"bids":[["4","x"]],"asks":[]}"#, &inst, InstrumentId(0)).unwrap_err();
        assert!(e.0.starts_with("bids[0][1]: bad decimal \"x\""), "{e}");
        let e = parse(br#"{"bids":[],"asks":[]}"#, &inst, InstrumentId(0)).unwrap_err();
        assert!(e.0.starts_with("body: expected a depth snapshot"), "{e}");
        let e = parse(br#"{"code":-1121,"msg":"Invalid symbol."}"#, &inst, InstrumentId(0)).unwrap_err();
        assert!(e.0.starts_with("body: expected a depth snapshot, got ErrorFrame"), "{e}");
        assert!(parse(b"{", &inst, InstrumentId(0)).is_err());
    }
}
