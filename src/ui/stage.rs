//! The state the animation draws from, kept outside the reactive graph.
//!
//! Frames arrive about ten times a second; the screen refreshes sixty times. Putting every
//! frame through signals would re-run the view for data only canvases read, so the run, the
//! last two snapshots, the metric history and the registered canvases live here instead, in
//! one `Rc<RefCell<Stage>>` that the worker's message handler writes and the
//! `requestAnimationFrame` loop reads. Signals carry only the text the page prints.

use std::cell::RefCell;
use std::rc::Rc;

use web_sys::HtmlCanvasElement;

use super::panels;
use super::scene::{HistoryPoint, Scene, ViewSettings};
use crate::core::twin::{RunInfo, Snapshot};

/// Longest time one frame-to-frame glide may take, in ms. A frame that follows a long pause
/// (a manual step, a throttled tab) glides for this long rather than for the whole gap.
const LONGEST_GLIDE_MS: f64 = 300.0;
/// Points of history kept before it is thinned to every other point.
const HISTORY_LIMIT: usize = 4000;

/// The six panels, named as their canvases' `data-panel` attribute names them.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Panel {
    Clusters,
    Curves,
    Norms,
    Sharpen,
    Calibration,
    Training,
}

impl Panel {
    pub const ALL: [Panel; 6] = [
        Panel::Clusters,
        Panel::Curves,
        Panel::Norms,
        Panel::Sharpen,
        Panel::Calibration,
        Panel::Training,
    ];

    /// The `data-panel` value.
    pub fn name(self) -> &'static str {
        match self {
            Panel::Clusters => "clusters",
            Panel::Curves => "curves",
            Panel::Norms => "norms",
            Panel::Sharpen => "sharpen",
            Panel::Calibration => "calibration",
            Panel::Training => "training",
        }
    }

    /// Whether one canvas shows both models (`data-model="both"`).
    pub fn shows_both(self) -> bool {
        self == Panel::Training
    }

    /// Whether the panel glides between snapshots. The others draw from the current
    /// snapshot alone, so they are redrawn when something changes, not every animation frame.
    pub fn moves(self) -> bool {
        self == Panel::Clusters
    }

    fn draw(self, canvas: &HtmlCanvasElement, scene: &Scene, model: usize) {
        match self {
            Panel::Clusters => panels::clusters::draw(canvas, scene, model),
            Panel::Curves => panels::curves::draw(canvas, scene, model),
            Panel::Norms => panels::norms::draw(canvas, scene, model),
            Panel::Sharpen => panels::sharpen::draw(canvas, scene, model),
            Panel::Calibration => panels::calibration::draw(canvas, scene, model),
            Panel::Training => panels::training::draw(canvas, scene, model),
        }
    }
}

/// One canvas on the page and what it shows.
pub struct PanelCanvas {
    pub panel: Panel,
    /// 0 cross-entropy, 1 smoothed (and 0 for the training curves, which show both).
    pub model: usize,
    pub element: HtmlCanvasElement,
    /// Whether it still shows an older state than the stage holds.
    pub stale: bool,
    /// Whether it is on screen or close to it (see [`super::visibility`]). Canvases out of
    /// sight are not drawn; they stay stale and are drawn when they come back.
    pub visible: bool,
}

/// What the animation draws from. See the module docs for why it is not a signal.
#[derive(Default)]
pub struct Stage {
    pub info: Option<RunInfo>,
    previous: Option<Snapshot>,
    current: Option<Snapshot>,
    /// `performance.now()` when `previous` and `current` arrived.
    arrivals: (f64, f64),
    pub history: Vec<HistoryPoint>,
    /// View-only settings, copied in from the page's settings whenever they change.
    pub view: ViewSettings,
    /// Per-model evaluation temperatures set by "Fit T"; `None` uses `view`'s.
    pub fitted: Option<[f32; 2]>,
    pub canvases: Vec<PanelCanvas>,
    /// Whether the gliding panels have reached the current snapshot (progress 1).
    pub settled: bool,
    /// Whether anything has been drawn since the page opened.
    pub drawn_once: bool,
    /// Whether the panels are drawn at all (`draw=0` turns them off).
    pub drawing: bool,
    /// `prefers-reduced-motion`: jump to each frame instead of gliding.
    pub reduced_motion: bool,
    /// Where the next frame starts looking for stale still canvases, so that a canvas late
    /// in the list is not starved by earlier ones when a frame's budget runs out.
    still_cursor: usize,
}

/// The shared handle the bridge, the controls and the animation loop hold.
pub type SharedStage = Rc<RefCell<Stage>>;

impl Stage {
    pub fn new(view: ViewSettings, drawing: bool, reduced_motion: bool) -> Self {
        Self {
            view,
            drawing,
            reduced_motion,
            ..Self::default()
        }
    }

    /// A new run: forget the old run's frames and history.
    pub fn start_run(&mut self, info: RunInfo) {
        self.info = Some(info);
        self.previous = None;
        self.current = None;
        self.history.clear();
        self.view.selected = None;
        self.fitted = None;
        self.mark_all_stale();
    }

    /// A frame arrived at `now` (ms).
    pub fn receive(&mut self, snapshot: Snapshot, now: f64) {
        let point = HistoryPoint {
            step: snapshot.step,
            metrics: [snapshot.models[0].metrics, snapshot.models[1].metrics],
        };
        // A frame re-sent at the same step (a live change while paused) replaces its point.
        match self.history.last_mut() {
            Some(last) if last.step >= point.step => *last = point,
            _ => self.history.push(point),
        }
        if self.history.len() > HISTORY_LIMIT {
            thin(&mut self.history);
        }

        self.previous = self.current.take();
        self.current = Some(snapshot);
        self.arrivals = (self.arrivals.1, now);
        self.mark_all_stale();
        self.settled = false;
    }

    pub fn current(&self) -> Option<&Snapshot> {
        self.current.as_ref()
    }

    /// Eased progress from the previous snapshot to the current one at `now`.
    pub fn progress(&self, now: f64) -> f32 {
        if self.reduced_motion || self.previous.is_none() {
            return 1.0;
        }
        let (before, latest) = self.arrivals;
        let glide = (latest - before).clamp(1.0, LONGEST_GLIDE_MS);
        ease(((now - latest) / glide).clamp(0.0, 1.0) as f32)
    }

    /// Calls `f` with the scene at progress `t`, if a run has a frame to show.
    pub fn with_scene<R>(&self, t: f32, f: impl FnOnce(&Scene) -> R) -> Option<R> {
        let info = self.info.as_ref()?;
        let current = self.current.as_ref()?;
        let scene = Scene {
            info,
            previous: self.previous.as_ref().unwrap_or(current),
            current,
            t,
            view: &self.view,
            history: &self.history,
        };
        Some(f(&scene))
    }

    /// Marks every canvas as needing a redraw.
    pub fn mark_all_stale(&mut self) {
        for canvas in &mut self.canvases {
            canvas.stale = true;
        }
    }

    /// Whether any canvas in sight still shows an older state.
    pub fn any_stale(&self) -> bool {
        self.canvases.iter().any(|c| c.stale && c.visible)
    }

    /// Records whether `element`'s canvas is in sight.
    pub fn set_visible(&mut self, element: &HtmlCanvasElement, visible: bool) {
        for canvas in self.canvases.iter_mut().filter(|c| &c.element == element) {
            canvas.visible = visible;
        }
    }

    /// Draws, at progress `t` and only canvases in sight: the gliding canvases if `glide` or
    /// they are stale, then stale still ones, taken in turn from where the last frame stopped,
    /// until `budget_ms` of `clock` has passed (at least one a frame, so none waits for ever).
    /// Marks what it drew as fresh; `false` if there was nothing to draw from.
    pub fn draw(&mut self, t: f32, glide: bool, clock: impl Fn() -> f64, budget_ms: f64) -> bool {
        let start = clock();
        let count = self.canvases.len();
        let mut drawn = vec![false; count];
        let scene_ready = self.with_scene(t, |scene| {
            for (index, canvas) in self.canvases.iter().enumerate() {
                if canvas.visible && canvas.panel.moves() && (glide || canvas.stale) {
                    self.draw_one(canvas, scene);
                    drawn[index] = true;
                }
            }
            let (mut next, mut drew_still) = (self.still_cursor, false);
            for index in (0..count).map(|i| (self.still_cursor + i) % count) {
                let canvas = &self.canvases[index];
                if !canvas.visible || canvas.panel.moves() || !canvas.stale {
                    continue;
                }
                if drew_still && clock() - start >= budget_ms {
                    break;
                }
                self.draw_one(canvas, scene);
                (drawn[index], drew_still, next) = (true, true, index + 1);
            }
            next
        });
        let Some(next) = scene_ready else {
            return false;
        };
        self.still_cursor = if count == 0 { 0 } else { next % count };
        for (canvas, drawn) in self.canvases.iter_mut().zip(drawn) {
            if drawn {
                canvas.stale = false;
            } else if glide && canvas.panel.moves() {
                // Out of sight mid-glide: it may still show an earlier point of the glide.
                canvas.stale = true;
            }
        }
        true
    }

    fn draw_one(&self, canvas: &PanelCanvas, scene: &Scene) {
        match (canvas.panel, self.fitted) {
            // After "Fit T" each model's reliability diagram is evaluated at its own fitted
            // temperature, so that canvas gets a per-model view.
            (Panel::Calibration, Some(fitted)) => {
                let view = ViewSettings {
                    evaluation_temperature: fitted[canvas.model.min(1)],
                    ..self.view.clone()
                };
                let scene = Scene {
                    view: &view,
                    ..*scene
                };
                canvas.panel.draw(&canvas.element, &scene, canvas.model);
            }
            _ => canvas.panel.draw(&canvas.element, scene, canvas.model),
        }
    }
}

/// Smooth start and stop: `3t² − 2t³`.
fn ease(t: f32) -> f32 {
    t * t * (3.0 - 2.0 * t)
}

/// Keeps every other point, and always the latest.
fn thin(history: &mut Vec<HistoryPoint>) {
    let last = history.last().copied();
    let mut index = 0;
    history.retain(|_| {
        index += 1;
        index % 2 == 1
    });
    if let (Some(last), Some(kept)) = (last, history.last()) {
        if kept.step != last.step {
            history.push(last);
        }
    }
}
