//! What a venue did with an order (sandbox route), as input records. The
//! gateway's answers reach the engine out of band, so a replay of a
//! sandbox session feeds the recorded answers at the places the engine
//! took them live, and routes to no venue at all.

use super::{InputError, R, W};
use crate::domain::{Liquidity, Notional, OrderId, Price, Qty};
use crate::route::{RoundTrip, VenueUpdate};

impl W<'_> {
    pub(super) fn venue(&mut self, u: &VenueUpdate) {
        match u {
            VenueUpdate::Accepted { id, venue_order_id, time_ms, rtt } => {
                self.u8(1);
                self.u64(id.0);
                self.i64(*venue_order_id);
                self.i64(*time_ms);
                self.rtt(*rtt);
            }
            VenueUpdate::Fill { id, trade_id, price, qty, fee, liquidity, time_ms, rtt } => {
                self.u8(2);
                self.u64(id.0);
                self.i64(*trade_id);
                self.i64(price.0);
                self.i64(qty.0);
                self.0.extend_from_slice(&fee.0.to_le_bytes());
                self.u8(match liquidity {
                    Liquidity::Maker => 0,
                    Liquidity::Taker => 1,
                });
                self.i64(*time_ms);
                self.rtt(*rtt);
            }
            VenueUpdate::Canceled { id, time_ms, rtt } => {
                self.u8(3);
                self.u64(id.0);
                self.i64(*time_ms);
                self.rtt(*rtt);
            }
            VenueUpdate::Expired { id, time_ms } => {
                self.u8(4);
                self.u64(id.0);
                self.i64(*time_ms);
            }
            VenueUpdate::Rejected { id, time_ms, code, msg } => {
                self.u8(5);
                self.u64(id.0);
                self.i64(*time_ms);
                self.i64(*code);
                self.text(msg);
            }
            VenueUpdate::CancelRejected { id, time_ms, code, msg } => {
                self.u8(6);
                self.u64(id.0);
                self.i64(*time_ms);
                self.i64(*code);
                self.text(msg);
            }
            VenueUpdate::Unknown { id, detail } => {
                self.u8(7);
                self.u64(id.0);
                self.text(detail);
            }
        }
    }

    /// Round trips are informational (latency panes), kept for fidelity.
    fn rtt(&mut self, rtt: Option<RoundTrip>) {
        self.opt_i64(rtt.map(|r| i64::try_from(r.ns).unwrap_or(i64::MAX)));
    }

    fn text(&mut self, s: &str) {
        self.u32(u32::try_from(s.len()).unwrap_or(u32::MAX));
        self.0.extend_from_slice(s.as_bytes());
    }
}

impl R<'_> {
    pub(super) fn venue(&mut self) -> Result<VenueUpdate, InputError> {
        let code = self.u8()?;
        let id = OrderId(self.u64()?);
        Ok(match code {
            1 => VenueUpdate::Accepted { id, venue_order_id: self.i64()?, time_ms: self.i64()?, rtt: self.rtt()? },
            2 => VenueUpdate::Fill {
                id,
                trade_id: self.i64()?,
                price: Price(self.i64()?),
                qty: Qty(self.i64()?),
                fee: Notional(i128::from_le_bytes(self.take()?)),
                liquidity: match self.u8()? {
                    0 => Liquidity::Maker,
                    1 => Liquidity::Taker,
                    c => return Err(InputError::UnknownCode { what: "liquidity", code: c }),
                },
                time_ms: self.i64()?,
                rtt: self.rtt()?,
            },
            3 => VenueUpdate::Canceled { id, time_ms: self.i64()?, rtt: self.rtt()? },
            4 => VenueUpdate::Expired { id, time_ms: self.i64()? },
            5 => VenueUpdate::Rejected { id, time_ms: self.i64()?, code: self.i64()?, msg: self.text()? },
            6 => VenueUpdate::CancelRejected { id, time_ms: self.i64()?, code: self.i64()?, msg: self.text()? },
            7 => VenueUpdate::Unknown { id, detail: self.text()? },
            c => return Err(InputError::UnknownCode { what: "venue update", code: c }),
        })
    }

    fn rtt(&mut self) -> Result<Option<RoundTrip>, InputError> {
        Ok(self.opt_i64()?.map(|ns| RoundTrip { ns: u64::try_from(ns).unwrap_or(0) }))
    }

    fn text(&mut self) -> Result<String, InputError> {
        let n = self.u32()? as usize;
        let (head, rest) = self.0.split_at_checked(n).ok_or(InputError::Truncated)?;
        self.0 = rest;
        Ok(String::from_utf8_lossy(head).into_owned())
    }
}
