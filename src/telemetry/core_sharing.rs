//! How much a second busy CPU slows the first.
//!
//! A virtual machine's host may run two vCPUs on the two hardware threads
//! of one physical core, and move them from one minute to the next; then
//! every cycle one thread spends slows the other, and a figure taken then
//! is not comparable with one taken on separate cores. Benchmark reports
//! carry this ratio so that figures taken at different times can be told
//! apart (on the Intel machine it stayed near 1.0 while the recording cost
//! swung from −9 to 19 %, so it rules that cause out rather than in).

use std::hint::black_box;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Instant;

use rustix::thread::{CpuSet, sched_getaffinity, sched_setaffinity};

/// Steps of the probe loop: about 20 ms alone on a 3 GHz core.
const STEPS: u64 = 8_000_000;
/// Words of the probe's table: 1 MiB, allocated before the clock starts.
const TABLE_WORDS: usize = 1 << 17;
/// Measurements of each kind, interleaved.
const ROUNDS: usize = 3;

/// The time of a fixed integer loop on one CPU while a second CPU runs the
/// same loop, over its time alone: the median of three of each, taken in
/// turn, each thread pinned to its CPU. About 1.0 when the two are
/// separate cores, up to about 2 when they share one. `None` with fewer
/// than two CPUs or where threads cannot be pinned.
pub fn core_sharing() -> Option<f64> {
    let (a, b) = two_cpus()?;
    let mut ratios = Vec::with_capacity(ROUNDS);
    for _ in 0..ROUNDS {
        let alone = timed_on(a, None)?;
        let shared = timed_on(a, Some(b))?;
        ratios.push(shared / alone.max(f64::MIN_POSITIVE));
    }
    ratios.sort_by(f64::total_cmp);
    Some(ratios[ROUNDS / 2])
}

/// Seconds the loop takes on `cpu`, with `busy` running it meanwhile.
fn timed_on(cpu: usize, busy: Option<usize>) -> Option<f64> {
    let stop = AtomicBool::new(false);
    let started = AtomicBool::new(false);
    std::thread::scope(|s| {
        let spinner = busy.map(|other| {
            let (stop, started) = (&stop, &started);
            s.spawn(move || {
                let pinned = pin(other);
                started.store(true, Ordering::Release);
                let mut table = vec![0u64; TABLE_WORDS];
                while pinned && !stop.load(Ordering::Relaxed) {
                    black_box(work(&mut table, STEPS / 64));
                }
                pinned
            })
        });
        while spinner.is_some() && !started.load(Ordering::Acquire) {
            std::hint::spin_loop();
        }
        let secs = s
            .spawn(|| {
                if !pin(cpu) {
                    return None;
                }
                let mut table = vec![0u64; TABLE_WORDS];
                let t0 = Instant::now();
                black_box(work(&mut table, STEPS));
                Some(t0.elapsed().as_secs_f64())
            })
            .join()
            .ok()
            .flatten();
        stop.store(true, Ordering::Relaxed);
        let spinner_pinned = spinner.is_none_or(|h| h.join().unwrap_or(false));
        secs.filter(|_| spinner_pinned)
    })
}

/// Four independent multiply-xorshift chains and a read and write at a
/// random place of a 1 MiB table per step: integer work and cache traffic,
/// as the pipeline's threads do. A second hardware thread on the same core
/// competes for both, and two threads on separate cores for neither.
fn work(table: &mut [u64], steps: u64) -> u64 {
    let mut s = [0x9e37_79b9_7f4a_7c15u64, 0x6a09_e667_f3bc_c909, 0xbb67_ae85_84ca_a73b, 0x3c6e_f372_fe94_f82b];
    for _ in 0..steps {
        for x in &mut s {
            *x ^= *x << 13;
            *x ^= *x >> 7;
            *x ^= *x << 17;
            *x = x.wrapping_mul(0x2545_f491_4f6c_dd1d);
        }
        let at = (s[0] >> 40) as usize % table.len();
        table[at] ^= s[1];
        s[2] ^= table[(s[3] >> 40) as usize % table.len()];
    }
    s.iter().fold(0, |acc, x| acc ^ x)
}

/// The first two CPUs this process may run on.
fn two_cpus() -> Option<(usize, usize)> {
    let set = sched_getaffinity(None).ok()?;
    let mut cpus = (0..CpuSet::MAX_CPU).filter(|&c| set.is_set(c));
    Some((cpus.next()?, cpus.next()?))
}

/// Pins the calling thread to `cpu`.
fn pin(cpu: usize) -> bool {
    let mut set = CpuSet::new();
    set.set(cpu);
    sched_setaffinity(None, &set).is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_ratio_is_measured_where_there_are_two_cpus() {
        let Some((_, _)) = two_cpus() else {
            eprintln!("skipped: this process may run on one CPU only");
            return;
        };
        let r = core_sharing().expect("two CPUs and pinning allowed");
        assert!(r.is_finite() && r > 0.0, "{r}");
    }

    #[test]
    fn the_loop_depends_on_its_steps() {
        let fresh = || vec![0u64; TABLE_WORDS];
        assert_ne!(work(&mut fresh(), 1), work(&mut fresh(), 2));
        assert_eq!(work(&mut fresh(), 3), work(&mut fresh(), 3));
    }
}
