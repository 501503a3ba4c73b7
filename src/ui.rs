//! The terminal workstation: ratatui panes over a plain-data picture of the
//! engine.
//!
//! The engine thread builds a [`model::ScreenData`] at most once per frame
//! interval and publishes it through a `watch` channel; the UI thread draws
//! the latest one at its own rate and turns keys into [`action::Action`]s.
//! Trading actions become engine [`crate::engine::Command`]s sent through the
//! same channel as market events, so they pass the same risk checks and a
//! replay sees them in order. The UI never blocks the engine: it only reads
//! snapshots and sends commands with `try_send`.
//!
//! Every pane is a function `render(area, buf, ctx)` over a [`panes::PaneCtx`],
//! so each can be snapshot-tested alone with ratatui's `TestBackend`.

pub mod action;
pub mod app;
pub mod format;
pub mod keymap;
pub mod layout;
pub mod log_layer;
pub mod model;
pub mod panes;
pub mod sample;
pub mod screen;
pub mod state;
pub mod terminal;
pub mod theme;
pub mod ticket;
