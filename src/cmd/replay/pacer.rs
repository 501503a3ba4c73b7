//! Paces a replay by the recorded receive stamps: event N waits until its
//! distance from an anchor, divided by the speed, has passed on the wall
//! clock. Pausing, a speed change or a jump re-anchors, so the replay never
//! races to catch up. Pacing decides only when an event is applied, never
//! what the engine does with it.

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
    /// `--from`, during a jump, or at `max`), calling `meanwhile` about
    /// every 20 ms while it waits so screens and commands keep going.
    ///
    /// A jump is taken whenever it comes, paused or not: the records of the
    /// next minute of receive stamps then pass unpaced, and the first one
    /// after it waits as any other (still paused, if the replay was).
    pub fn wait(&mut self, stamp: u64, control: &ReplayControl, stop: &AtomicBool, mut meanwhile: impl FnMut()) {
        loop {
            let jump = control.take_jump_ms();
            if jump > 0 {
                self.skip_until = self.skip_until.max(stamp).saturating_add(jump.saturating_mul(1_000_000));
            }
            if self.from_ns.is_some_and(|f| stamp < f) || stamp < self.skip_until {
                self.anchor = None;
                return;
            }
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
            meanwhile();
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Speed;
    use crate::replay::JUMP_MS;
    use std::sync::Arc;
    use std::sync::atomic::AtomicU64;

    const SEC: u64 = 1_000_000_000;
    /// Receive stamp of the first frame.
    const T0: u64 = 1_000 * SEC;

    /// What a paced replay of `stamps` has applied so far, as the player
    /// would: each stamp once `wait` lets it through.
    struct Run {
        control: Arc<ReplayControl>,
        stop: Arc<AtomicBool>,
        /// The last stamp applied (0: none yet).
        applied: Arc<AtomicU64>,
        /// Calls of `meanwhile` (screens and commands while waiting).
        idle: Arc<AtomicU64>,
        thread: std::thread::JoinHandle<()>,
    }

    fn run(stamps: Vec<u64>, control: ReplayControl) -> Run {
        let control = Arc::new(control);
        let stop = Arc::new(AtomicBool::new(false));
        let applied = Arc::new(AtomicU64::new(0));
        let idle = Arc::new(AtomicU64::new(0));
        let (c, s, a, i) = (control.clone(), stop.clone(), applied.clone(), idle.clone());
        let thread = std::thread::spawn(move || {
            let mut pacer = Pacer::new(None);
            for stamp in stamps {
                pacer.wait(stamp, &c, &s, || {
                    i.fetch_add(1, Ordering::Relaxed);
                });
                if s.load(Ordering::Relaxed) {
                    return;
                }
                a.store(stamp, Ordering::Relaxed);
            }
        });
        Run { control, stop, applied, idle, thread }
    }

    /// Polls until `applied` is `want` (5 s at most).
    fn wait_applied(r: &Run, want: u64) {
        let start = Instant::now();
        while r.applied.load(Ordering::Relaxed) != want {
            assert!(
                start.elapsed() < Duration::from_secs(5),
                "applied {} s, expected {} s",
                r.applied.load(Ordering::Relaxed) as f64 / 1e9,
                want as f64 / 1e9
            );
            std::thread::sleep(Duration::from_millis(2));
        }
    }

    #[test]
    fn a_jump_while_paused_skips_a_minute_and_stays_paused() {
        let control = ReplayControl::default();
        control.set_speed(Speed::Times(1.0));
        control.toggle_pause();
        // Five minutes of frames a second apart.
        let r = run((0..300).map(|i| T0 + i * SEC).collect(), control);

        let start = Instant::now();
        while r.idle.load(Ordering::Relaxed) < 2 {
            assert!(start.elapsed() < Duration::from_secs(5), "screens and commands go on while paused");
            std::thread::sleep(Duration::from_millis(2));
        }
        assert_eq!(r.applied.load(Ordering::Relaxed), 0, "nothing is applied while paused");

        r.control.jump();
        // The frames of the minute from the one waiting pass unpaced; the
        // first one a minute on waits, still paused.
        let landed = T0 + JUMP_MS * 1_000_000 - SEC;
        wait_applied(&r, landed);
        std::thread::sleep(Duration::from_millis(150));
        assert_eq!(r.applied.load(Ordering::Relaxed), landed, "the replay stays paused where the jump landed");
        assert!(r.control.paused());

        // Resumed at max, it plays to the end.
        r.control.set_speed(Speed::Max);
        r.control.toggle_pause();
        wait_applied(&r, T0 + 299 * SEC);
        r.thread.join().unwrap();
    }

    #[test]
    fn a_jump_ends_a_long_wait_at_once() {
        let control = ReplayControl::default();
        control.set_speed(Speed::Times(1.0));
        // Ten minutes of silence between two frames, then frames 1, 100 and 200 s later.
        let stamps = vec![T0, T0 + 600 * SEC, T0 + 601 * SEC, T0 + 700 * SEC, T0 + 800 * SEC];
        let r = run(stamps, control);
        wait_applied(&r, T0);
        std::thread::sleep(Duration::from_millis(60));
        assert_eq!(r.applied.load(Ordering::Relaxed), T0, "at 1x the next frame is ten minutes away");

        r.control.jump();
        // The waiting frame and the minute after it go through; the first
        // frame after that starts the pace again from itself (no catching
        // up) and the next one, 100 s on, waits.
        wait_applied(&r, T0 + 700 * SEC);
        std::thread::sleep(Duration::from_millis(60));
        assert_eq!(r.applied.load(Ordering::Relaxed), T0 + 700 * SEC);

        r.stop.store(true, Ordering::Relaxed);
        r.thread.join().unwrap();
        assert_eq!(r.applied.load(Ordering::Relaxed), T0 + 700 * SEC, "a stop applies nothing more");
    }
}
