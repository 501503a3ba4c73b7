//! The backfill: before the venue serves, the generator runs over the past
//! (`kline-history` candles of `history-interval`, at `history-rate`
//! messages per second of market time) so `/api/v3/klines` has history.
//! The live market then starts where the history ended: each symbol's
//! start price is its last mid. Live trade ids are a new series, so the
//! recent trades of the backfill are not served.

use super::config::SimVenueConfig;
use super::market::MarketState;
use crate::domain::{BookTicker, MarketEvent, Price};
use crate::sim::{Generator, SyntheticConfig};

/// The backfill never generates more than this many messages.
const MAX_MESSAGES: f64 = 5_000_000.0;
/// Keeps the history's random stream apart from the live one.
const SEED_SALT: u64 = 0x4849_5354_4f52_5921;

/// Fills `st` (whose symbols are `sc`'s, in order) with the history before
/// `now_ms` and returns the live config that continues it.
pub fn backfill(
    sc: &SyntheticConfig,
    vc: &SimVenueConfig,
    now_ms: i64,
    st: &mut MarketState,
) -> Result<SyntheticConfig, String> {
    let span_ms = vc.history_interval.duration_ms().unwrap_or(0).saturating_mul(vc.kline_history as i64);
    if span_ms <= 0 {
        return Ok(sc.clone());
    }
    // From the start of the candle that holds `now - span`: the first trade
    // then falls in that candle whenever the venue starts, and the history
    // always has `kline_history` closed candles (started a moment before a
    // boundary, it had one fewer when its first trade came after it).
    let span_ms = now_ms - super::candles::bucket(vc.history_interval, now_ms - span_ms).0;
    let mut hc = sc.clone();
    hc.seed = sc.seed ^ SEED_SALT;
    hc.rate = vc.history_rate.min(MAX_MESSAGES / (span_ms as f64 / 1000.0));
    let mut generator = Generator::new(&hc, now_ms - span_ms).map_err(|e| format!("synthetic: {e}"))?;
    let instruments = generator.instruments();
    let mut last: Vec<Option<BookTicker>> = vec![None; instruments.len()];
    let mut n = 0u64;
    loop {
        let (meta, ev) = generator.next_event();
        if meta.time_ms >= now_ms {
            break;
        }
        n += 1;
        let i = meta.instrument.index();
        match ev {
            MarketEvent::Trade(t) => st.on_trade(i, &t),
            MarketEvent::BookTicker(b) => {
                if let Some(slot) = last.get_mut(i) {
                    *slot = Some(b);
                }
            }
            _ => {}
        }
    }
    for i in 0..st.symbols().len() {
        if let Some(s) = st.get_mut(i) {
            s.candles.advance(now_ms, |_, _| {});
        }
    }
    st.clear_trades();
    tracing::info!("sim venue: backfilled {n} messages over {} s (rate {:.2}/s)", span_ms / 1000, hc.rate);

    let mut live = sc.clone();
    for (i, b) in last.iter().enumerate() {
        let (Some(b), Some(inst)) = (b, instruments.get(i)) else { continue };
        let tick = inst.tick_size.0.max(1);
        let mid = (b.bid.0 + b.ask.0) / 2 / tick * tick;
        let mut trial = live.clone();
        trial.symbols[i].start_price = Price(mid).display(inst.price_scale).to_string();
        // A mid the config refuses (too close to the floor) keeps the configured start.
        if trial.validate().is_ok() {
            live = trial;
        }
    }
    Ok(live)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::Timeframe;
    use crate::sim::venue::market::Keep;

    #[test]
    fn history_fills_the_klines_and_the_live_market_continues_it() {
        // Any moment, and the one where the history would begin 1 ms before a minute boundary.
        for now in [1_700_000_000_000, 1_700_000_040_000 - 1, 1_700_000_040_000, 1_700_000_012_345] {
            history_at(now);
        }
    }

    fn history_at(now: i64) {
        let sc = SyntheticConfig::default();
        let vc = SimVenueConfig { kline_history: 30, ..SimVenueConfig::default() };
        let mut st =
            MarketState::new(Keep { kline_history: 30, depth_levels: 10, recent_trades: 10, ladder: true, seed: 1 });
        for inst in Generator::new(&sc, now).unwrap().instruments() {
            st.add(&inst);
        }
        let live = backfill(&sc, &vc, now, &mut st).unwrap();
        let btc = st.get(0).unwrap();
        let m1 = btc.candles.query(Timeframe::M1, None, None, 1000);
        assert_eq!(m1.len(), 31, "30 closed and the open one, now = {now}");
        assert!(m1.windows(2).all(|w| w[1].open_time == w[0].close_time + 1));
        assert!(m1.iter().all(|b| b.open_time % 60_000 == 0 && b.close_time < now + 60_000));
        assert!(m1.iter().filter(|b| b.trades > 0).count() > 25);
        assert!(btc.trades.is_empty());
        assert_ne!(live.symbols[0].start_price, sc.symbols[0].start_price);
        live.validate().unwrap();
        let last_close = m1.last().unwrap().close;
        let start = Price::parse(&live.symbols[0].start_price, 2).unwrap().0;
        assert!((start - last_close).abs() < last_close / 100, "{start} vs {last_close}");
    }
}
