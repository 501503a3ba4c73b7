//! Replay control: what the workstation can do to a running replay
//! (pause, speed, jump ahead) and what its status bar shows of it, shared
//! between the UI thread and the replay without locks. The replay itself
//! (`tickdesk replay`) lives in `cmd::replay`: it drives the same decoders
//! and engine as a live run.

use crate::config::Speed;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};

/// The speeds `faster` and `slower` step through; `f64::INFINITY` is `max`.
const LADDER: [f64; 10] = [0.25, 0.5, 1.0, 2.0, 5.0, 10.0, 20.0, 50.0, 100.0, f64::INFINITY];

/// How far one `jump ahead` goes, in recorded receive time (the frames'
/// receive stamps, which pacing follows too; see docs/recording.md).
pub const JUMP_MS: u64 = 60_000;

#[derive(Debug, Default)]
pub struct ReplayControl {
    paused: AtomicBool,
    /// f64 bits of the speed; infinity is `max`. 0 until set.
    speed: AtomicU64,
    /// Bumped on every change, so the pacer re-anchors its clock.
    generation: AtomicU64,
    /// Recorded receive time to skip, unpaced, not yet taken by the pacer.
    jump_ms: AtomicU64,
    ended: AtomicBool,
}

/// What the status bar shows beside the replay clock.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ReplayStatus {
    /// Hundredths of real time (100 = 1x); `None`: as fast as the machine goes.
    pub speed_pct: Option<u32>,
    pub paused: bool,
    pub ended: bool,
}

impl ReplayControl {
    pub fn set_speed(&self, speed: Speed) {
        let x = match speed {
            Speed::Max => f64::INFINITY,
            Speed::Times(x) => x,
        };
        self.speed.store(x.to_bits(), Ordering::Relaxed);
        self.generation.fetch_add(1, Ordering::Relaxed);
    }

    /// The current speed; `None` is `max`.
    pub fn speed(&self) -> Option<f64> {
        match f64::from_bits(self.speed.load(Ordering::Relaxed)) {
            x if x.is_infinite() => None,
            x if x > 0.0 => Some(x),
            _ => Some(1.0),
        }
    }

    pub fn toggle_pause(&self) {
        self.paused.fetch_xor(true, Ordering::Relaxed);
        self.generation.fetch_add(1, Ordering::Relaxed);
    }

    pub fn paused(&self) -> bool {
        self.paused.load(Ordering::Relaxed)
    }

    /// One step up the speed ladder (1, 2, 5, 10, 20, 50, 100, max).
    pub fn faster(&self) {
        let now = self.speed().unwrap_or(f64::INFINITY);
        let next = LADDER.iter().copied().find(|&x| x > now).unwrap_or(f64::INFINITY);
        self.store(next);
    }

    /// One step down the ladder (to a quarter of real time at the least).
    pub fn slower(&self) {
        let now = self.speed().unwrap_or(f64::INFINITY);
        let next = LADDER.iter().copied().rev().find(|&x| x < now).unwrap_or(LADDER[0]);
        self.store(next);
    }

    fn store(&self, x: f64) {
        self.speed.store(x.to_bits(), Ordering::Relaxed);
        self.generation.fetch_add(1, Ordering::Relaxed);
    }

    /// Skip `JUMP_MS` ahead by the frames' recorded receive stamps, unpaced
    /// (every record is still applied). Taken at once, paused or not: a
    /// paused replay stays paused at the new point.
    pub fn jump(&self) {
        self.jump_ms.fetch_add(JUMP_MS, Ordering::Relaxed);
        self.generation.fetch_add(1, Ordering::Relaxed);
    }

    /// The jump asked since the last call; a plain load when none was
    /// (the pacer asks before every frame and while it waits).
    pub fn take_jump_ms(&self) -> u64 {
        if self.jump_ms.load(Ordering::Relaxed) == 0 {
            return 0;
        }
        self.jump_ms.swap(0, Ordering::Relaxed)
    }

    pub fn generation(&self) -> u64 {
        self.generation.load(Ordering::Relaxed)
    }

    /// The replay is over and its last screen published.
    pub fn set_ended(&self) {
        self.ended.store(true, Ordering::Release);
    }

    pub fn status(&self) -> ReplayStatus {
        ReplayStatus {
            speed_pct: self.speed().map(|x| (x * 100.0).round().clamp(1.0, 1e9) as u32),
            paused: self.paused(),
            ended: self.ended.load(Ordering::Acquire),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn faster_and_slower_walk_the_ladder() {
        let c = ReplayControl::default();
        c.set_speed(Speed::Times(1.0));
        c.faster();
        assert_eq!(c.speed(), Some(2.0));
        for _ in 0..10 {
            c.faster();
        }
        assert_eq!(c.speed(), None, "the top is max");
        c.slower();
        assert_eq!(c.speed(), Some(100.0));
        for _ in 0..20 {
            c.slower();
        }
        assert_eq!(c.speed(), Some(0.25));
    }

    #[test]
    fn a_jump_is_taken_once() {
        let c = ReplayControl::default();
        c.jump();
        c.jump();
        assert_eq!(c.take_jump_ms(), 2 * JUMP_MS);
        assert_eq!(c.take_jump_ms(), 0);
    }
}
