//! Reconciliation: the venue's open orders and balances against what this
//! session believes, at start (a restart), after every user-stream
//! (re)subscription, and at the end. Every difference is logged, counted
//! and resolved: missing fills are fetched, ends we missed are applied,
//! orders an earlier session left are canceled (or reported).
//! Polling while the stream is down is the same queries, per order.

use super::{Gateway, Outcome};
use crate::domain::{InstrumentId, Instruments, Notional};
use crate::venue::client::TradingClient;
use crate::venue::error::TradeError;
use crate::venue::parse::{AccountInfo, OrderView};
use serde::Serialize;
use std::collections::BTreeSet;

/// One asset's balance at the venue, exact strings.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct BalanceView {
    pub asset: String,
    pub free: String,
    pub locked: String,
}

/// What the venue said, in one go.
pub struct Snapshot {
    pub open: Vec<(InstrumentId, Result<Vec<OrderView>, TradeError>)>,
    pub account: Result<AccountInfo, TradeError>,
    /// The first reconciliation of the session: balances are its start.
    pub at_start: bool,
    /// When the reading began: orders sent after it may be missing from it.
    pub taken_mono: u64,
}

/// Reads the open orders of `symbols` and the account.
pub async fn fetch(
    client: &TradingClient,
    instruments: &Instruments,
    symbols: Vec<InstrumentId>,
    at_start: bool,
) -> Snapshot {
    let taken_mono = crate::telemetry::mono_ns();
    let mut open = Vec::with_capacity(symbols.len());
    for id in symbols {
        let Some(inst) = instruments.try_get(id) else { continue };
        open.push((id, client.open_orders(inst).await));
    }
    Snapshot { open, account: client.account().await, at_start, taken_mono }
}

fn balances(a: &AccountInfo) -> Vec<BalanceView> {
    let mut v: Vec<BalanceView> = a
        .balances
        .iter()
        .filter(|b| b.free != Notional::ZERO || b.locked != Notional::ZERO)
        .map(|b| BalanceView {
            asset: b.asset.clone(),
            free: b.free.display().to_string(),
            locked: b.locked.display().to_string(),
        })
        .collect();
    v.sort_by(|a, b| a.asset.cmp(&b.asset));
    v
}

impl Gateway {
    /// Reconciles in the background: `at_start` covers every instrument
    /// (orders left by an earlier session), later runs the ones we trade.
    pub(super) fn spawn_reconcile(&mut self, at_start: bool) {
        let symbols = if at_start { self.instruments.iter().map(|(id, _)| id).collect() } else { self.open_symbols() };
        let (client, instruments) = (self.client.clone(), self.instruments.clone());
        self.spawn_task(
            async move { Outcome::Reconciled(Box::new(fetch(&client, &instruments, symbols, at_start).await)) },
        );
    }

    /// Instruments with orders this session has not seen end.
    pub(super) fn open_symbols(&self) -> Vec<InstrumentId> {
        let set: BTreeSet<InstrumentId> = self.tracks.values().filter(|t| !t.done).map(|t| t.instrument).collect();
        set.into_iter().collect()
    }

    pub(super) async fn apply_reconcile(&mut self, snap: Snapshot, cancel_orphans: bool) {
        self.report.reconciliations += 1;
        match &snap.account {
            Ok(a) => {
                let b = balances(a);
                if snap.at_start && self.report.balances_start.is_empty() {
                    self.report.balances_start = b.clone();
                }
                self.report.balances_end = b;
            }
            Err(e) => self.error(format!("reconcile: account: {e}")),
        }
        let mut updates = Vec::new();
        for (inst_id, result) in snap.open {
            let symbol = self.instruments.try_get(inst_id).map(|i| i.symbol.clone()).unwrap_or_default();
            let list = match result {
                Ok(l) => l,
                Err(e) => {
                    self.error(format!("reconcile: open orders of {symbol}: {e}"));
                    continue;
                }
            };
            let mut seen = BTreeSet::new();
            for v in &list {
                seen.insert(v.client_order_id.clone());
                if self.tracks.contains_key(&v.client_order_id) {
                    updates.extend(self.learn(&v.client_order_id, v));
                } else {
                    self.report.discrepancies += 1;
                    tracing::warn!(symbol = %symbol, "reconcile: open order {} (id {}) at the venue is not this session's", v.client_order_id, v.order_id);
                    if cancel_orphans && self.cfg.cancel_orphans {
                        self.cancel_orphan(inst_id, v.order_id);
                    }
                }
            }
            // Ours, open here, gone there: it ended while we were not looking.
            let gone: Vec<String> = self
                .tracks
                .iter()
                .filter(|(cid, t)| {
                    t.instrument == inst_id
                        && !t.done
                        && !t.submitting
                        && t.sent_mono < snap.taken_mono
                        && !seen.contains(*cid)
                })
                .map(|(cid, _)| cid.clone())
                .collect();
            for cid in gone {
                self.report.discrepancies += 1;
                tracing::info!(symbol = %symbol, "reconcile: order {cid} is no longer open at the venue; querying its end");
                self.send_query(&cid);
            }
        }
        self.emit(updates).await;
    }

    fn cancel_orphan(&mut self, inst_id: InstrumentId, order_id: i64) {
        let Some(inst) = self.instruments.try_get(inst_id).cloned() else { return };
        let client = self.client.clone();
        self.spawn_task(async move {
            let result = client.cancel(&inst, Some(order_id), None).await;
            Outcome::Orphan { symbol: inst.symbol.clone(), result }
        });
    }

    /// While the user data stream is down: ask after every order not seen to end.
    pub(super) fn poll_open(&mut self) {
        let due: Vec<String> = self
            .tracks
            .iter()
            .filter(|(_, t)| !t.done && !t.submitting && !t.querying)
            .map(|(c, _)| c.clone())
            .collect();
        if due.is_empty() {
            return;
        }
        self.report.polls += 1;
        for cid in due {
            self.send_query(&cid);
        }
    }

    /// The end of a run: cancel whatever is still open.
    pub(super) fn cancel_open(&mut self) {
        let open: Vec<String> = self.tracks.iter().filter(|(_, t)| !t.done).map(|(c, _)| c.clone()).collect();
        for cid in open {
            match self.tracks.get_mut(&cid) {
                Some(t) if t.submitting => t.cancel_wanted = true,
                Some(_) => self.send_cancel(cid),
                None => {}
            }
        }
    }
}
