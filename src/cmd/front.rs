//! What a front end (the terminal workstation) attaches to a run: a stop
//! flag, a way to send commands, and screens published by the engine thread.

use crate::engine::{Engine, Event};
use crate::ui::model::{ScreenBuilder, ScreenData, ViewRequest};
use std::sync::atomic::{AtomicBool, AtomicU64};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio::sync::{mpsc, watch};

/// The run's side of a front end.
pub struct FrontEnd {
    /// Set by the front end to end the run (quit); also set by signals.
    pub stop: Arc<AtomicBool>,
    /// Receives the command channel once the run has set up its source.
    pub commands: std::sync::mpsc::Sender<mpsc::Sender<Vec<Event>>>,
    pub screen: ScreenFeed,
    /// Events the source dropped because the engine's channel was full; the
    /// source adds, the screen shows it (the status bar's `drops`).
    pub drops: Arc<AtomicU64>,
}

/// Builds and publishes screens on the engine thread at a capped rate.
pub struct ScreenFeed {
    pub builder: ScreenBuilder,
    /// What the chart shows; written by the UI, read here with `try_lock`
    /// so the engine never waits on it.
    pub request: Arc<Mutex<ViewRequest>>,
    pub tx: watch::Sender<Arc<ScreenData>>,
    /// Minimum time between two screens (1 / fps).
    pub every: Duration,
    last: Option<Instant>,
    view: ViewRequest,
}

impl ScreenFeed {
    pub fn new(
        builder: ScreenBuilder,
        request: Arc<Mutex<ViewRequest>>,
        tx: watch::Sender<Arc<ScreenData>>,
        every: Duration,
    ) -> Self {
        Self { builder, request, tx, every, last: None, view: ViewRequest::default() }
    }

    /// Publishes when a frame interval has passed since the last screen.
    pub fn publish_if_due(&mut self, engine: &Engine) -> bool {
        if self.last.is_some_and(|t| t.elapsed() < self.every) {
            return false;
        }
        self.publish(engine);
        true
    }

    /// Time left before the next screen may be published.
    pub fn until_due(&self) -> Duration {
        self.last.map_or(Duration::ZERO, |t| self.every.saturating_sub(t.elapsed()))
    }

    pub fn publish(&mut self, engine: &Engine) {
        if let Ok(v) = self.request.try_lock() {
            self.view = *v;
        }
        let screen = self.builder.build(engine, &self.view);
        self.tx.send_replace(Arc::new(screen));
        self.last = Some(Instant::now());
    }
}
