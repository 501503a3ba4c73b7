//! Paces a replay by the recorded receive stamps: event N waits until its
//! distance from an anchor, divided by the speed, has passed on the wall
//! clock. Pausing, a speed change or a jump re-anchors, so the replay never
//! races to catch up. Pacing decides only when an event is applied, never
//! what the engine does with it.

use crate::cmd::front::ScreenFeed;
use crate::engine::{Engine, Event};
use crate::replay::ReplayControl;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};
use tokio::sync::mpsc;

/// Longest single sleep: screens and keys stay live while waiting.
const SLICE: Duration = Duration::from_millis(20);

pub struct Pacer {
    from_ns: Option<u64>,
    anchor: Option<(u64, Instant)>,
    generation: u64,
    skip_until: u64,
}

impl Pacer {
    pub fn new(from_ns: Option<u64>) -> Self {
        Self { from_ns, anchor: None, generation: 0, skip_until: 0 }
    }

    /// Waits until the record stamped `stamp` is due (not at all before
    /// `--from`, during a jump, or at `max`), keeping screens and commands
    /// going meanwhile.
    pub fn wait(
        &mut self,
        stamp: u64,
        control: &ReplayControl,
        stop: &AtomicBool,
        engine: &mut Engine,
        mut screen: Option<&mut ScreenFeed>,
        mut commands: Option<&mut mpsc::Receiver<Vec<Event>>>,
    ) {
        let jump = control.take_jump_ms();
        if jump > 0 {
            self.skip_until = self.skip_until.max(stamp).saturating_add(jump.saturating_mul(1_000_000));
        }
        if self.from_ns.is_some_and(|f| stamp < f) || stamp < self.skip_until {
            self.anchor = None;
            return;
        }
        loop {
            if stop.load(Ordering::Relaxed) {
                return;
            }
            let generation = control.generation();
            if generation != self.generation {
                self.generation = generation;
                self.anchor = None;
            }
            let wait = if control.paused() {
                self.anchor = None;
                SLICE
            } else {
                let Some(speed) = control.speed() else { return };
                let (s0, t0) = *self.anchor.get_or_insert((stamp, Instant::now()));
                let due = t0 + Duration::from_secs_f64(stamp.saturating_sub(s0) as f64 / 1e9 / speed);
                let now = Instant::now();
                if due <= now {
                    return;
                }
                (due - now).min(SLICE)
            };
            if let Some(rx) = commands.as_deref_mut() {
                take_commands(rx, engine);
            }
            if let Some(s) = screen.as_deref_mut() {
                s.publish_if_due(engine);
            }
            std::thread::sleep(wait);
        }
    }
}

/// Commands typed in the workstation during a replay go to the engine as
/// they would live.
pub fn take_commands(rx: &mut mpsc::Receiver<Vec<Event>>, engine: &mut Engine) {
    while let Ok(batch) = rx.try_recv() {
        for ev in &batch {
            engine.process(ev);
        }
    }
}
