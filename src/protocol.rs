//! The messages between the page and the training worker, and their wire format.
//!
//! Both ends are this crate, so messages are serde types encoded with `postcard` into bytes
//! that travel as a `Uint8Array`. A message that fails to decode is reported, never trusted.

use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

use crate::core::twin::{LiveConfig, Projection, RunConfig, RunInfo, Snapshot};

/// How fast the worker trains while playing.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize, Default)]
pub enum Speed {
    /// A fixed pace, for slow motion. Values are clamped to `0.25..=2000`.
    StepsPerSecond(f32),
    /// As many steps as fit, while still answering commands and sending ~10 frames a second.
    #[default]
    Fastest,
}

/// Page → worker.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum Command {
    /// Start over: new data, widths, head or seed. Both models restart from the seed.
    Reset {
        run: RunConfig,
        live: LiveConfig,
    },
    /// Smoothing, optimiser, learning rate, weight decay or batch size: applied live.
    Live(LiveConfig),
    Play,
    Pause,
    /// Run exactly this many steps, then send a frame (works while paused).
    Step(u32),
    Speed(Speed),
    /// Which projection the next frames use.
    View(Projection),
    /// Stop sending frames while training (for measuring the cost of drawing), or resume.
    Frames(bool),
    /// At full speed, leave this share of wall time idle (0 to 0.5), so that the page can
    /// draw at 60 fps on a machine with few cores (`worker::schedule::Headroom`).
    Headroom(f32),
}

/// How fast training went over the last frame interval.
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Pace {
    /// Twin steps (both models) per second of wall time.
    pub steps_per_second: f32,
    /// Arithmetic rate of the training itself, in GFLOP/s.
    pub gflops: f32,
    /// Fraction of wall time spent training (the rest is frames and messages).
    pub busy: f32,
}

/// Worker → page.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum Event {
    /// The worker's wasm has started; commands sent before this are lost. `kernels` names
    /// the kernels it trains on (`core::kernels::name`), for the page's status line.
    Ready { kernels: String },
    /// A run started; the frames that follow belong to it.
    Started(Box<RunInfo>),
    /// One frame of both models.
    Frame {
        snapshot: Box<Snapshot>,
        playing: bool,
        pace: Pace,
    },
    /// Something the user should read: a rejected setting, a diverged run.
    Problem(String),
}

/// Why a message could not be read.
#[derive(Debug, thiserror::Error, PartialEq)]
#[error("could not decode a worker message: {0}")]
pub struct DecodeError(String);

pub fn encode<T: Serialize>(message: &T) -> Vec<u8> {
    postcard::to_allocvec(message).expect("protocol types always serialise")
}

/// Reads one whole message; bytes left over after it mean the message is not what it seems.
pub fn decode<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, DecodeError> {
    let (message, rest) =
        postcard::take_from_bytes(bytes).map_err(|e| DecodeError(e.to_string()))?;
    if !rest.is_empty() {
        return Err(DecodeError(format!(
            "{} unexpected bytes after the message",
            rest.len()
        )));
    }
    Ok(message)
}

#[cfg(test)]
mod tests {
    // Under wasm32 the same tests run in Node through wasm-bindgen-test, on the simd128 kernels.
    use super::*;
    use crate::core::twin::{Metrics, ModelFrame};
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    #[test]
    fn every_command_survives_the_wire() {
        let commands = [
            Command::Reset {
                run: RunConfig::default(),
                live: LiveConfig::default(),
            },
            Command::Live(LiveConfig::default()),
            Command::Play,
            Command::Pause,
            Command::Step(7),
            Command::Speed(Speed::StepsPerSecond(2.5)),
            Command::Speed(Speed::Fastest),
            Command::View(Projection::Pca),
            Command::View(Projection::TemplatePlane { classes: [3, 5, 8] }),
            Command::Frames(false),
            Command::Headroom(0.3),
        ];
        for command in commands {
            let back: Command = decode(&encode(&command)).expect("round trip");
            assert_eq!(back, command);
        }
    }

    #[test]
    fn a_frame_survives_the_wire() {
        let mut snapshot = Snapshot {
            step: 42,
            epoch: 3.5,
            ..Snapshot::default()
        };
        snapshot.models[1] = ModelFrame {
            metrics: Metrics {
                ece: 0.05,
                ..Metrics::default()
            },
            train_points: vec![[1.0, -2.0]; 3],
            validation_logits: vec![0.25; 20],
            ..ModelFrame::default()
        };
        let event = Event::Frame {
            snapshot: Box::new(snapshot),
            playing: true,
            pace: Pace::default(),
        };
        let back: Event = decode(&encode(&event)).expect("round trip");
        assert_eq!(back, event);
    }

    #[test]
    fn garbage_is_an_error_not_a_panic() {
        for bytes in [&[][..], &[0xff; 9][..], &[7, 1, 2, 3][..]] {
            assert!(
                decode::<Command>(bytes).is_err(),
                "{bytes:?} decoded as a command"
            );
        }
        // A truncated valid message must fail too.
        let full = encode(&Command::Reset {
            run: RunConfig::default(),
            live: LiveConfig::default(),
        });
        assert!(decode::<Command>(&full[..full.len() / 2]).is_err());
    }
}
