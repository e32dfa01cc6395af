//! When the worker trains and when it reports.
//!
//! The worker runs in slices: it trains for a while, answers any commands that arrived, and
//! sends a frame roughly every [`FRAME_INTERVAL_MS`]. At a fixed speed it owes the page a
//! number of steps that grows with wall time; at full speed it trains for [`SLICE_MS`] a slice.

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
    /// Keep stepping until this many milliseconds have passed, then yield at once.
    Until { ms: f64 },
}

/// Turns a speed and the passing of time into step budgets.
#[derive(Clone, Debug)]
pub struct Schedule {
    speed: Speed,
    /// Fractional steps owed at a fixed pace.
    owed: f64,
}

impl Schedule {
    pub fn new(speed: Speed) -> Self {
        Self {
            speed: sanitise(speed),
            owed: 0.0,
        }
    }

    pub fn speed(&self) -> Speed {
        self.speed
    }

    pub fn set_speed(&mut self, speed: Speed) {
        self.speed = sanitise(speed);
        self.owed = 0.0;
    }

    /// The budget for the next slice, `elapsed_ms` after the previous one started.
    pub fn next(&mut self, elapsed_ms: f64) -> Budget {
        match self.speed {
            Speed::Fastest => Budget::Until { ms: SLICE_MS },
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
    fn slow_motion_sends_a_frame_per_step_and_fast_play_ten_a_second() {
        assert!(frame_due(Speed::StepsPerSecond(2.0), 1.0, true));
        assert!(!frame_due(Speed::StepsPerSecond(2.0), 500.0, false));
        assert!(!frame_due(Speed::Fastest, 40.0, true));
        assert!(frame_due(Speed::Fastest, 120.0, true));
    }
}
