//! What a panel needs to draw one animation frame: the run, the two latest snapshots, how far
//! between them we are, the view settings, and the metric history.
//!
//! The animation loop builds a [`Scene`] every `requestAnimationFrame` and hands it to each
//! panel's `draw`; panels read it and never touch signals, so drawing stays outside the
//! reactive graph.

use crate::core::twin::{Metrics, ModelFrame, RunInfo, Snapshot};

/// Which examples the cluster panel shows.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum Split {
    #[default]
    Train,
    Validation,
}

/// The cluster panel's projection mode.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum ClusterMode {
    #[default]
    TemplatePlane,
    Pca,
}

/// View-only settings: they change what is drawn, never what is trained.
#[derive(Clone, Debug, PartialEq)]
pub struct ViewSettings {
    /// The three classes of the template plane. Default `[0, 1, 2]`.
    pub classes: [usize; 3],
    pub split: Split,
    pub mode: ClusterMode,
    /// Whether the two models' plots share one scale, so sizes compare honestly. Default on.
    pub shared_scale: bool,
    /// Temperature of the sharpen panel, 0.05..=5. Default 0.5 (MixMatch's).
    pub sharpen_temperature: f32,
    /// Temperature the calibration panel evaluates at. Default 1.
    pub evaluation_temperature: f32,
    /// Index into the displayed training examples of the example the sharpen panel shows,
    /// and the hovered example of the cluster panel.
    pub selected: Option<usize>,
}

impl Default for ViewSettings {
    fn default() -> Self {
        Self {
            classes: [0, 1, 2],
            split: Split::Train,
            mode: ClusterMode::TemplatePlane,
            shared_scale: true,
            sharpen_temperature: 0.5,
            evaluation_temperature: 1.0,
            selected: None,
        }
    }
}

/// One point of the training curves.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct HistoryPoint {
    pub step: u64,
    /// Cross-entropy first, then smoothed.
    pub metrics: [Metrics; 2],
}

/// Everything one animation frame draws from.
pub struct Scene<'a> {
    pub info: &'a RunInfo,
    /// The snapshot before `current`; equal to it right after a run starts.
    pub previous: &'a Snapshot,
    pub current: &'a Snapshot,
    /// Progress from `previous` to `current`, in `0..=1`, already eased.
    pub t: f32,
    pub view: &'a ViewSettings,
    pub history: &'a [HistoryPoint],
}

impl Scene<'_> {
    /// The interpolated position of a point of model `model`.
    pub fn lerp_point(&self, from: [f32; 2], to: [f32; 2]) -> [f32; 2] {
        [
            from[0] + (to[0] - from[0]) * self.t,
            from[1] + (to[1] - from[1]) * self.t,
        ]
    }

    /// Model `index`'s frames, (previous, current). Index 0 is cross-entropy, 1 is smoothed.
    pub fn frames(&self, index: usize) -> (&ModelFrame, &ModelFrame) {
        (&self.previous.models[index], &self.current.models[index])
    }
}
