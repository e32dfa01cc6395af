//! When the worker trains and when it reports.
//!
//! The worker runs in slices: it trains for a while, answers any commands that arrived, and
//! sends a frame roughly every [`FRAME_INTERVAL_MS`]. At a fixed speed it owes the page a
//! number of steps that grows with wall time; at full speed it trains for [`SLICE_MS`] a slice,
//! then rests for the share of wall time the page asked to keep free ([`Headroom`]).

use crate::protocol::Speed;

/// Time between frames while playing (about ten a second).
pub const FRAME_INTERVAL_MS: f64 = 100.0;
/// Longest stretch of training between two looks at the message queue, at full speed.
pub const SLICE_MS: f64 = 15.0;
/// Slowest and fastest fixed pace, in steps per second.
pub const SPEED_RANGE: (f32, f32) = (0.25, 2000.0);

/// How much to train in the coming slice.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Budget {
    /// Exactly this many steps (possibly none), then wait `wait_ms` before the next slice.
    Steps { steps: u32, wait_ms: f64 },
    /// Keep stepping until `ms` milliseconds have passed, then wait `rest_ms` (0: yield and
    /// go on at once).
    Until { ms: f64, rest_ms: f64 },
}

/// Turns a speed and the passing of time into step budgets.
#[derive(Clone, Debug)]
pub struct Schedule {
    speed: Speed,
    /// Fractional steps owed at a fixed pace.
    owed: f64,
    /// Share of wall time to leave idle at full speed, `0..=MAX_HEADROOM`.
    headroom: f64,
}

impl Schedule {
    pub fn new(speed: Speed) -> Self {
        Self {
            speed: sanitise(speed),
            owed: 0.0,
            headroom: 0.0,
        }
    }

    pub fn speed(&self) -> Speed {
        self.speed
    }

    pub fn set_speed(&mut self, speed: Speed) {
        self.speed = sanitise(speed);
        self.owed = 0.0;
    }

    /// Leaves `share` of wall time idle at full speed (clamped to `0..=MAX_HEADROOM`; not a
    /// number means none), so that the page's threads get a core on a small machine.
    pub fn set_headroom(&mut self, share: f32) {
        let share = if share.is_nan() { 0.0 } else { share as f64 };
        self.headroom = share.clamp(0.0, MAX_HEADROOM);
    }

    /// The budget for the next slice, `elapsed_ms` after the previous one started.
    pub fn next(&mut self, elapsed_ms: f64) -> Budget {
        match self.speed {
            Speed::Fastest if self.headroom > 0.0 => {
                // Timers nested this deep fire no sooner than 4 ms, so a short rest would
                // really be 4 ms: the slice grows instead, to keep the share asked for.
                let h = self.headroom;
                let rest_ms = (SLICE_MS * h / (1.0 - h)).max(MIN_REST_MS);
                Budget::Until {
                    ms: rest_ms * (1.0 - h) / h,
                    rest_ms,
                }
            }
            Speed::Fastest => Budget::Until {
                ms: SLICE_MS,
                rest_ms: 0.0,
            },
            Speed::StepsPerSecond(rate) => {
                let rate = rate as f64;
                // A throttled background tab can wake after seconds: pay at most a quarter of
                // a second's worth, rather than a burst that jumps the picture.
                self.owed =
                    (self.owed + elapsed_ms.max(0.0) * rate / 1000.0).min(rate * 0.25 + 1.0);
                let steps = self.owed.floor();
                self.owed -= steps;
                let wait_ms = ((1.0 - self.owed) * 1000.0 / rate).clamp(1.0, FRAME_INTERVAL_MS);
                Budget::Steps {
                    steps: steps as u32,
                    wait_ms,
                }
            }
        }
    }
}

/// The most of wall time the worker leaves idle at the page's request.
pub const MAX_HEADROOM: f64 = 0.5;
/// The shortest rest a timer gives reliably (browsers clamp nested timeouts to 4 ms).
const MIN_REST_MS: f64 = 4.0;

/// The page's side of [`Schedule::set_headroom`]: from the intervals between its animation
/// frames, the share of wall time it asks the worker to leave idle at full speed.
///
/// A frame counts as dropped when its interval is over [`DROPPED_MS`] (one and a half 60 Hz
/// vsyncs). Each observation covers about a second of frames. More than [`DROP_LIMIT`] of them
/// dropped raises the share by [`STEP_UP`], up to [`MAX_HEADROOM`]; [`CALM_OBSERVATIONS`]
/// calm observations in a row (at most [`CALM_DROPS`] dropped: a stray late frame on a busy
/// machine must not pin the share up) lower it by [`STEP_DOWN`]. So a machine with cores to
/// spare never asks anything, and a busy one finds the least idle time that keeps 60 fps.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Headroom {
    share: f64,
    calm: u32,
}

/// An interval over this many ms is a dropped frame.
pub const DROPPED_MS: f64 = 25.0;
/// Share of dropped frames in one observation above which the headroom grows.
pub const DROP_LIMIT: f64 = 0.02;
/// How much the headroom grows after a bad observation, and shrinks after a calm spell.
pub const STEP_UP: f64 = 0.1;
pub const STEP_DOWN: f64 = 0.05;
/// Calm observations in a row before the headroom shrinks.
pub const CALM_OBSERVATIONS: u32 = 3;
/// The most dropped frames an observation may hold and still count as calm.
pub const CALM_DROPS: usize = 1;

impl Headroom {
    /// The share currently asked for.
    pub fn share(&self) -> f32 {
        self.share as f32
    }

    /// Takes one observation's frame intervals (ms); returns the new share when it changed.
    /// An empty observation (no frames: a hidden tab) changes nothing.
    pub fn observe(&mut self, intervals: &[f64]) -> Option<f32> {
        if intervals.is_empty() {
            return None;
        }
        let dropped = intervals.iter().filter(|&&ms| ms > DROPPED_MS).count();
        let before = self.share;
        if dropped as f64 > DROP_LIMIT * intervals.len() as f64 {
            self.share = (self.share + STEP_UP).min(MAX_HEADROOM);
            self.calm = 0;
        } else if dropped <= CALM_DROPS {
            self.calm += 1;
            if self.calm >= CALM_OBSERVATIONS {
                self.share = (self.share - STEP_DOWN).max(0.0);
                self.calm = 0;
            }
        } else {
            self.calm = 0;
        }
        // Round away float noise, so that a share that reached 0 reads exactly 0.
        self.share = (self.share * 100.0).round() / 100.0;
        (self.share != before).then_some(self.share as f32)
    }
}

/// Clamps a fixed pace into [`SPEED_RANGE`]; a non-finite one becomes [`Speed::Fastest`].
pub fn sanitise(speed: Speed) -> Speed {
    match speed {
        Speed::StepsPerSecond(rate) if rate.is_finite() => {
            Speed::StepsPerSecond(rate.clamp(SPEED_RANGE.0, SPEED_RANGE.1))
        }
        Speed::StepsPerSecond(_) => Speed::Fastest,
        Speed::Fastest => Speed::Fastest,
    }
}

/// Whether a frame is due `since_ms` after the last one. Slow paces send one per step.
pub fn frame_due(speed: Speed, since_ms: f64, stepped: bool) -> bool {
    match speed {
        Speed::StepsPerSecond(rate) if rate <= 10.0 => stepped,
        _ => since_ms >= FRAME_INTERVAL_MS,
    }
}

#[cfg(test)]
mod tests {
    // Under wasm32 the same tests run in Node through wasm-bindgen-test, on the simd128 kernels.
    use super::*;
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    #[test]
    fn fixed_pace_pays_the_steps_wall_time_owes() {
        let mut schedule = Schedule::new(Speed::StepsPerSecond(20.0));
        let mut total = 0;
        for _ in 0..100 {
            if let Budget::Steps { steps, .. } = schedule.next(10.0) {
                total += steps;
            }
        }
        // One second at 20 steps/s, give or take the fraction still owed.
        assert!(
            (19..=20).contains(&total),
            "paid {total} steps for one second at 20/s"
        );
    }

    #[test]
    fn a_long_sleep_does_not_cause_a_burst() {
        let mut schedule = Schedule::new(Speed::StepsPerSecond(100.0));
        let Budget::Steps { steps, .. } = schedule.next(60_000.0) else {
            panic!("fixed pace")
        };
        assert!(steps <= 26, "a minute asleep paid {steps} steps at once");
    }

    #[test]
    fn speeds_are_clamped_and_nan_means_fastest() {
        assert_eq!(
            sanitise(Speed::StepsPerSecond(1e9)),
            Speed::StepsPerSecond(2000.0)
        );
        assert_eq!(
            sanitise(Speed::StepsPerSecond(0.0)),
            Speed::StepsPerSecond(0.25)
        );
        assert_eq!(sanitise(Speed::StepsPerSecond(f32::NAN)), Speed::Fastest);
    }

    #[test]
    fn headroom_grows_while_frames_drop_and_shrinks_back_when_calm() {
        let smooth = vec![16.7; 60];
        let mut janky = smooth.clone();
        janky[..6].fill(33.3);

        let mut headroom = Headroom::default();
        assert_eq!(
            headroom.observe(&smooth),
            None,
            "a smooth page asks nothing"
        );
        assert_eq!(headroom.observe(&janky), Some(0.1));
        for _ in 0..10 {
            headroom.observe(&janky);
        }
        assert_eq!(headroom.share() as f64, MAX_HEADROOM, "capped");

        // One dropped frame in sixty still counts as calm; two raise the share (over 2 %).
        let mut one = smooth.clone();
        one[0] = 40.0;
        assert_eq!(headroom.observe(&one), None);
        assert_eq!(headroom.observe(&one), None);
        assert_eq!(headroom.observe(&one), Some(0.45));
        let mut two = one.clone();
        two[1] = 40.0;
        assert_eq!(headroom.observe(&two), Some(0.5));
        assert_eq!(headroom.observe(&smooth), None);
        assert_eq!(headroom.observe(&smooth), None);
        assert_eq!(headroom.observe(&smooth), Some(0.45));
        for _ in 0..100 {
            headroom.observe(&smooth);
        }
        assert_eq!(headroom.share(), 0.0, "all the way back");
        assert_eq!(headroom.observe(&[]), None, "a hidden tab says nothing");
    }

    #[test]
    fn headroom_turns_full_speed_into_work_then_rest() {
        let mut schedule = Schedule::new(Speed::Fastest);
        assert_eq!(
            schedule.next(0.0),
            Budget::Until {
                ms: SLICE_MS,
                rest_ms: 0.0
            }
        );
        for share in [0.05, 0.1, 0.25] {
            schedule.set_headroom(share);
            let Budget::Until { ms, rest_ms } = schedule.next(0.0) else {
                panic!("full speed")
            };
            let idle = rest_ms / (ms + rest_ms);
            assert!((idle - share as f64).abs() < 1e-6, "{ms} on, {rest_ms} off");
            assert!(rest_ms >= MIN_REST_MS, "a rest of {rest_ms} ms");
        }
        schedule.set_headroom(9.0);
        let Budget::Until { ms, rest_ms } = schedule.next(0.0) else {
            panic!("full speed")
        };
        assert_eq!(rest_ms, ms, "clamped to half");
        schedule.set_headroom(f32::NAN);
        assert_eq!(
            schedule.next(0.0),
            Budget::Until {
                ms: SLICE_MS,
                rest_ms: 0.0
            }
        );
    }

    #[test]
    fn slow_motion_sends_a_frame_per_step_and_fast_play_ten_a_second() {
        assert!(frame_due(Speed::StepsPerSecond(2.0), 1.0, true));
        assert!(!frame_due(Speed::StepsPerSecond(2.0), 500.0, false));
        assert!(!frame_due(Speed::Fastest, 40.0, true));
        assert!(frame_due(Speed::Fastest, 120.0, true));
    }
}
