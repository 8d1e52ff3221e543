//! What the agent saw: probe samples and the up-seconds they vouch for.
//!
//! A sample taken at `t` vouches for `[t, t + interval)`, cut short by the next
//! sample. Time no sample covers (before the agent started, or while it was
//! stopped) counts as down: an attestor signs only for uptime it observed.

use std::collections::VecDeque;

/// Probe results of one health check, oldest first.
#[derive(Debug, Clone)]
pub struct Samples {
    interval: i64,
    samples: VecDeque<(i64, bool)>,
}

impl Samples {
    /// Samples taken every `interval` seconds (at least 1).
    pub fn new(interval: i64) -> Samples {
        Samples {
            interval: interval.max(1),
            samples: VecDeque::new(),
        }
    }

    /// Records a probe at unix time `at`; samples must come in time order.
    pub fn record(&mut self, at: i64, up: bool) {
        if self.samples.back().is_some_and(|&(last, _)| at < last) {
            return;
        }
        self.samples.push_back((at, up));
    }

    /// Seconds of `[from, to)` covered by up samples.
    pub fn up_seconds(&self, from: i64, to: i64) -> u64 {
        self.covered(from, to, true)
    }

    /// Seconds of `[from, to)` covered by any sample, up or down: the rest
    /// the agent did not observe (it counts as down).
    pub fn observed_seconds(&self, from: i64, to: i64) -> u64 {
        self.covered(from, to, false)
    }

    fn covered(&self, from: i64, to: i64, only_up: bool) -> u64 {
        let mut up = 0;
        for (i, &(at, is_up)) in self.samples.iter().enumerate() {
            if only_up && !is_up {
                continue;
            }
            let mut until = at.saturating_add(self.interval);
            if let Some(&(next, _)) = self.samples.get(i + 1) {
                until = until.min(next);
            }
            let (start, end) = (at.max(from), until.min(to));
            if end > start {
                up += (end - start) as u64;
            }
        }
        up
    }

    /// Forgets samples that can no longer cover anything from `before` on.
    pub fn prune(&mut self, before: i64) {
        while self.samples.len() > 1 && self.samples[1].0 <= before {
            self.samples.pop_front();
        }
    }

    /// Samples held.
    pub fn len(&self) -> usize {
        self.samples.len()
    }

    /// Whether no sample is held.
    pub fn is_empty(&self) -> bool {
        self.samples.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_sample_covers_until_the_next_or_its_interval() {
        let mut s = Samples::new(10);
        for (t, up) in [(100, true), (110, true), (120, false), (130, true)] {
            s.record(t, up);
        }
        assert_eq!(s.up_seconds(100, 140), 30);
        assert_eq!(s.up_seconds(105, 125), 15);
        assert_eq!(s.up_seconds(120, 130), 0);
        // Before the first sample nothing is vouched for.
        assert_eq!(s.up_seconds(50, 100), 0);
        // The last sample covers one interval, no more.
        assert_eq!(s.up_seconds(130, 200), 10);
    }

    #[test]
    fn observed_seconds_count_up_and_down_samples_but_not_gaps() {
        let mut s = Samples::new(1);
        s.record(100, true);
        s.record(101, false);
        s.record(105, true);
        assert_eq!(s.up_seconds(100, 106), 2);
        assert_eq!(s.observed_seconds(100, 106), 3);
    }

    #[test]
    fn a_gap_in_sampling_is_not_uptime() {
        let mut s = Samples::new(5);
        s.record(0, true);
        s.record(60, true);
        assert_eq!(s.up_seconds(0, 65), 10);
    }

    #[test]
    fn pruning_keeps_what_still_covers_the_window() {
        let mut s = Samples::new(10);
        for t in (0..100).step_by(10) {
            s.record(t, true);
        }
        s.prune(45);
        assert_eq!(s.up_seconds(45, 100), 55);
        assert_eq!(s.len(), 6);
        s.record(50, false);
        assert_eq!(s.len(), 6, "out-of-order samples are ignored");
    }
}
