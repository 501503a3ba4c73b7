//! Engine inputs that are not frames, as bytes: status changes (the
//! stale-feed timer), clock offsets, backfilled candles, timer ticks,
//! commands, depth snapshots and venue answers (sandbox route). A replay
//! decodes them back into the very events the engine consumed live. Little-endian integers, a tag byte per
//! variant; a decoder that meets anything else says so instead of guessing.

use crate::domain::{
    Candle, DepthSnapshot, InstrumentId, Level, MarketEvent, Notional, OrderId, OrderIntent, OrderKind, Price, Qty,
    Side, StrategyId, TimeInForce, Timeframe,
};
use crate::engine::{Command, EventKind};

mod venue;

/// Encodes `kind` when it is a recordable input; `false` for what a replay
/// regenerates itself (instrument announcements, feed figures).
pub fn encode(kind: &EventKind, out: &mut Vec<u8>) -> bool {
    let mut w = W(out);
    match kind {
        EventKind::MarketStatus { instrument, stale } => {
            w.u8(1);
            w.u32(instrument.0);
            w.u8(u8::from(*stale));
        }
        EventKind::ClockOffset { offset_ms } => {
            w.u8(2);
            w.i64(*offset_ms);
        }
        EventKind::Backfill(candles) => {
            w.u8(3);
            w.u32(candles.len() as u32);
            for c in candles {
                w.candle(c);
            }
        }
        EventKind::Timer { time_ms } => {
            w.u8(4);
            w.i64(*time_ms);
        }
        EventKind::Command { time_ms, command } => {
            w.u8(5);
            w.i64(*time_ms);
            w.command(command);
        }
        EventKind::Market(MarketEvent::DepthSnapshot(s)) => {
            w.u8(6);
            w.u32(s.instrument.map_or(u32::MAX, |i| i.0));
            w.u64(s.last_update_id);
            for side in [&s.bids, &s.asks] {
                w.u32(side.len() as u32);
                for l in side {
                    w.i64(l.price.0);
                    w.i64(l.qty.0);
                }
            }
        }
        EventKind::Venue(u) => {
            w.u8(7);
            w.venue(u);
        }
        _ => return false,
    }
    true
}

/// Why an input record could not be read back.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum InputError {
    #[error("input record ends early")]
    Truncated,
    #[error("unknown input tag {0}")]
    UnknownTag(u8),
    #[error("unknown {what} code {code}")]
    UnknownCode { what: &'static str, code: u8 },
}

/// Decodes what [`encode`] wrote.
pub fn decode(bytes: &[u8]) -> Result<EventKind, InputError> {
    let mut r = R(bytes);
    let kind = match r.u8()? {
        1 => EventKind::MarketStatus { instrument: InstrumentId(r.u32()?), stale: r.u8()? != 0 },
        2 => EventKind::ClockOffset { offset_ms: r.i64()? },
        3 => {
            let n = r.u32()? as usize;
            let mut v = Vec::with_capacity(n.min(bytes.len() / 8));
            for _ in 0..n {
                v.push(r.candle()?);
            }
            EventKind::Backfill(v)
        }
        4 => EventKind::Timer { time_ms: r.i64()? },
        5 => EventKind::Command { time_ms: r.i64()?, command: r.command()? },
        6 => {
            let inst = r.u32()?;
            let last_update_id = r.u64()?;
            let mut sides = [Vec::new(), Vec::new()];
            for side in &mut sides {
                let n = r.u32()? as usize;
                side.reserve(n.min(bytes.len() / 16));
                for _ in 0..n {
                    side.push(Level { price: Price(r.i64()?), qty: Qty(r.i64()?) });
                }
            }
            let [bids, asks] = sides;
            EventKind::Market(MarketEvent::DepthSnapshot(DepthSnapshot {
                instrument: (inst != u32::MAX).then_some(InstrumentId(inst)),
                last_update_id,
                bids,
                asks,
            }))
        }
        7 => EventKind::Venue(Box::new(r.venue()?)),
        t => return Err(InputError::UnknownTag(t)),
    };
    Ok(kind)
}

struct W<'a>(&'a mut Vec<u8>);

impl W<'_> {
    fn u8(&mut self, v: u8) {
        self.0.push(v);
    }
    fn u16(&mut self, v: u16) {
        self.0.extend_from_slice(&v.to_le_bytes());
    }
    fn u32(&mut self, v: u32) {
        self.0.extend_from_slice(&v.to_le_bytes());
    }
    fn u64(&mut self, v: u64) {
        self.0.extend_from_slice(&v.to_le_bytes());
    }
    fn i64(&mut self, v: i64) {
        self.0.extend_from_slice(&v.to_le_bytes());
    }
    fn opt_i64(&mut self, v: Option<i64>) {
        match v {
            Some(x) => {
                self.u8(1);
                self.i64(x);
            }
            None => self.u8(0),
        }
    }
    fn candle(&mut self, c: &Candle) {
        self.u32(c.instrument.0);
        self.u8(timeframe_code(c.timeframe));
        self.i64(c.open_time_ms);
        for p in [c.open, c.high, c.low, c.close] {
            self.i64(p.0);
        }
        self.i64(c.volume.0);
        self.0.extend_from_slice(&c.quote_volume.0.to_le_bytes());
        self.u64(c.trades);
    }
    fn command(&mut self, c: &Command) {
        match c {
            Command::Submit(i) => {
                self.u8(1);
                self.u32(i.instrument.0);
                self.u8(match i.side {
                    Side::Buy => 0,
                    Side::Sell => 1,
                });
                self.u8(match i.kind {
                    OrderKind::Market => 0,
                    OrderKind::Limit => 1,
                    OrderKind::LimitMaker => 2,
                    OrderKind::StopLossLimit => 3,
                    OrderKind::TakeProfitLimit => 4,
                });
                self.u8(match i.tif {
                    TimeInForce::Gtc => 0,
                    TimeInForce::Ioc => 1,
                    TimeInForce::Fok => 2,
                });
                self.i64(i.qty.0);
                self.opt_i64(i.limit_price.map(|p| p.0));
                self.opt_i64(i.stop_price.map(|p| p.0));
                self.u16(i.strategy.0);
                self.opt_i64(i.expire_after_ms);
            }
            Command::Cancel(id) => {
                self.u8(2);
                self.u64(id.0);
            }
            Command::CancelAll => self.u8(3),
            Command::KillSwitch { flatten } => {
                self.u8(4);
                self.u8(u8::from(*flatten));
            }
            Command::ResetKillSwitch => self.u8(5),
            Command::PauseStrategy(s) => {
                self.u8(6);
                self.u16(s.0);
            }
            Command::ResumeStrategy(s) => {
                self.u8(7);
                self.u16(s.0);
            }
        }
    }
}

struct R<'a>(&'a [u8]);

impl R<'_> {
    fn take<const N: usize>(&mut self) -> Result<[u8; N], InputError> {
        let (head, rest) = self.0.split_at_checked(N).ok_or(InputError::Truncated)?;
        self.0 = rest;
        let mut a = [0u8; N];
        a.copy_from_slice(head);
        Ok(a)
    }
    fn u8(&mut self) -> Result<u8, InputError> {
        Ok(self.take::<1>()?[0])
    }
    fn u16(&mut self) -> Result<u16, InputError> {
        Ok(u16::from_le_bytes(self.take()?))
    }
    fn u32(&mut self) -> Result<u32, InputError> {
        Ok(u32::from_le_bytes(self.take()?))
    }
    fn u64(&mut self) -> Result<u64, InputError> {
        Ok(u64::from_le_bytes(self.take()?))
    }
    fn i64(&mut self) -> Result<i64, InputError> {
        Ok(i64::from_le_bytes(self.take()?))
    }
    fn opt_i64(&mut self) -> Result<Option<i64>, InputError> {
        Ok(match self.u8()? {
            0 => None,
            _ => Some(self.i64()?),
        })
    }
    fn candle(&mut self) -> Result<Candle, InputError> {
        let instrument = InstrumentId(self.u32()?);
        let code = self.u8()?;
        let timeframe = timeframe_from(code).ok_or(InputError::UnknownCode { what: "timeframe", code })?;
        Ok(Candle {
            instrument,
            timeframe,
            open_time_ms: self.i64()?,
            open: Price(self.i64()?),
            high: Price(self.i64()?),
            low: Price(self.i64()?),
            close: Price(self.i64()?),
            volume: Qty(self.i64()?),
            quote_volume: Notional(i128::from_le_bytes(self.take()?)),
            trades: self.u64()?,
        })
    }
    fn command(&mut self) -> Result<Command, InputError> {
        let code = |what, code| InputError::UnknownCode { what, code };
        Ok(match self.u8()? {
            1 => {
                let instrument = InstrumentId(self.u32()?);
                let side = match self.u8()? {
                    0 => Side::Buy,
                    1 => Side::Sell,
                    c => return Err(code("side", c)),
                };
                let kind = match self.u8()? {
                    0 => OrderKind::Market,
                    1 => OrderKind::Limit,
                    2 => OrderKind::LimitMaker,
                    3 => OrderKind::StopLossLimit,
                    4 => OrderKind::TakeProfitLimit,
                    c => return Err(code("order kind", c)),
                };
                let tif = match self.u8()? {
                    0 => TimeInForce::Gtc,
                    1 => TimeInForce::Ioc,
                    2 => TimeInForce::Fok,
                    c => return Err(code("time in force", c)),
                };
                Command::Submit(OrderIntent {
                    instrument,
                    side,
                    kind,
                    tif,
                    qty: Qty(self.i64()?),
                    limit_price: self.opt_i64()?.map(Price),
                    stop_price: self.opt_i64()?.map(Price),
                    strategy: StrategyId(self.u16()?),
                    expire_after_ms: self.opt_i64()?,
                })
            }
            2 => Command::Cancel(OrderId(self.u64()?)),
            3 => Command::CancelAll,
            4 => Command::KillSwitch { flatten: self.u8()? != 0 },
            5 => Command::ResetKillSwitch,
            6 => Command::PauseStrategy(StrategyId(self.u16()?)),
            7 => Command::ResumeStrategy(StrategyId(self.u16()?)),
            c => return Err(code("command", c)),
        })
    }
}

const TIMEFRAMES: [Timeframe; 16] = [
    Timeframe::S1,
    Timeframe::M1,
    Timeframe::M3,
    Timeframe::M5,
    Timeframe::M15,
    Timeframe::M30,
    Timeframe::H1,
    Timeframe::H2,
    Timeframe::H4,
    Timeframe::H6,
    Timeframe::H8,
    Timeframe::H12,
    Timeframe::D1,
    Timeframe::D3,
    Timeframe::W1,
    Timeframe::Mo1,
];

fn timeframe_code(t: Timeframe) -> u8 {
    TIMEFRAMES.iter().position(|&x| x == t).unwrap_or(0) as u8
}

fn timeframe_from(code: u8) -> Option<Timeframe> {
    TIMEFRAMES.get(usize::from(code)).copied()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn round_trip(kind: EventKind) {
        let mut out = Vec::new();
        assert!(encode(&kind, &mut out), "{kind:?} is recordable");
        assert_eq!(decode(&out), Ok(kind));
        for cut in 0..out.len() {
            assert!(decode(&out[..cut]).is_err(), "a record cut at {cut} is refused");
        }
    }

    #[test]
    fn every_recorded_input_round_trips_and_a_cut_one_is_refused() {
        round_trip(EventKind::MarketStatus { instrument: InstrumentId(3), stale: true });
        round_trip(EventKind::ClockOffset { offset_ms: -12 });
        round_trip(EventKind::Timer { time_ms: 1_700_000_000_000 });
        round_trip(EventKind::Backfill(vec![Candle {
            instrument: InstrumentId(1),
            timeframe: Timeframe::H4,
            open_time_ms: 1_700_000_000_000,
            open: Price(1),
            high: Price(5),
            low: Price(-1),
            close: Price(2),
            volume: Qty(77),
            quote_volume: Notional(1 << 90),
            trades: 9,
        }]));
        let mut intent = OrderIntent::limit(InstrumentId(2), Side::Sell, Qty(10), Price(99), StrategyId(4));
        intent.expire_after_ms = Some(5_000);
        for command in [
            Command::Submit(intent),
            Command::Submit(OrderIntent::market(InstrumentId(0), Side::Buy, Qty(1), StrategyId::MANUAL)),
            Command::Cancel(OrderId(7)),
            Command::CancelAll,
            Command::KillSwitch { flatten: true },
            Command::ResetKillSwitch,
            Command::PauseStrategy(StrategyId(1)),
            Command::ResumeStrategy(StrategyId(1)),
        ] {
            round_trip(EventKind::Command { time_ms: 5, command });
        }
        round_trip(EventKind::Market(MarketEvent::DepthSnapshot(DepthSnapshot {
            instrument: Some(InstrumentId(0)),
            last_update_id: 42,
            bids: vec![Level { price: Price(10), qty: Qty(2) }],
            asks: vec![Level { price: Price(11), qty: Qty(3) }, Level { price: Price(12), qty: Qty(1) }],
        })));
    }

    #[test]
    fn every_venue_update_round_trips() {
        use crate::domain::Liquidity;
        use crate::route::{RoundTrip, VenueUpdate};
        let id = OrderId(9);
        let rtt = Some(RoundTrip { ns: 1_234_567 });
        for u in [
            VenueUpdate::Accepted { id, venue_order_id: 77, time_ms: 5, rtt },
            VenueUpdate::Accepted { id, venue_order_id: -1, time_ms: 5, rtt: None },
            VenueUpdate::Fill {
                id,
                trade_id: 3,
                price: Price(101),
                qty: Qty(4),
                fee: Notional(-(1 << 70)),
                liquidity: Liquidity::Maker,
                time_ms: 6,
                rtt,
            },
            VenueUpdate::Fill {
                id,
                trade_id: 4,
                price: Price(1),
                qty: Qty(1),
                fee: Notional(0),
                liquidity: Liquidity::Taker,
                time_ms: 6,
                rtt: None,
            },
            VenueUpdate::Canceled { id, time_ms: 7, rtt },
            VenueUpdate::Expired { id, time_ms: 8 },
            VenueUpdate::Rejected { id, time_ms: 9, code: -2010, msg: "Account has insufficient balance.".into() },
            VenueUpdate::CancelRejected { id, time_ms: 10, code: -2011, msg: "Unknown order sent.".into() },
            VenueUpdate::Unknown { id, detail: String::new() },
        ] {
            round_trip(EventKind::Venue(Box::new(u)));
        }
        assert_eq!(
            decode(&[7, 9, 0, 0, 0, 0, 0, 0, 0, 0]),
            Err(InputError::UnknownCode { what: "venue update", code: 9 })
        );
    }

    #[test]
    fn an_unknown_tag_is_named() {
        assert_eq!(decode(&[99]), Err(InputError::UnknownTag(99)));
    }
}
