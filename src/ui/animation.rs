//! The `requestAnimationFrame` loop that glides between frames and draws the panels.
//!
//! [`use_raf_fn`] is a small animation-frame hook: its callback gets the time since the
//! previous frame, it can be paused and resumed, and it stops when the component that
//! started it unmounts. It runs outside the reactive graph on purpose: drawing reads the
//! [`Stage`](super::stage::Stage) directly, so a frame costs no signal updates at all.
//!
//! [`use_stage_animation`] builds on it: each animation frame it measures the frame time,
//! keeps canvases sized to their layout in device pixels, and redraws while a glide is in
//! progress or something changed. About once a second it hands the latest frame intervals
//! to a [`Headroom`] controller, which asks the worker to leave some of each second idle
//! while frames drop (on a machine with few cores the worker's core use is what drops
//! them), and to stop once they no longer do. For the performance script, the last
//! [`FRAME_TIMES`] frame intervals are exposed as `window.__frameTimes()`, and how long the callback itself took in
//! each of those frames (sizing, drawing, all of our main-thread work) as
//! `window.__frameWork()`.

use std::cell::{Cell, RefCell};
use std::collections::VecDeque;
use std::rc::{Rc, Weak};

use leptos::prelude::*;
use leptos::reactive::send_wrapper_ext::SendOption;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

use super::stage::SharedStage;
use crate::worker::schedule::Headroom;

/// Frames per [`Headroom`] observation: about a second at 60 Hz.
const PACING_FRAMES: usize = 60;

/// How many animation-frame intervals `window.__frameTimes()` reports.
pub const FRAME_TIMES: usize = 600;
/// Main-thread time, in ms, one animation frame may spend on still (non-gliding) canvases
/// before it leaves the rest for the next frame. A still canvas takes about 1–4 ms to draw
/// in sight, and a snapshot arrives every sixth frame or so: the nine still canvases are
/// fresh within a few frames, and no frame pays for all of them.
const STILL_BUDGET_MS: f64 = 4.0;
/// The globals the performance script reads: frame intervals, and our work per frame.
const FRAME_TIMES_GLOBAL: &str = "__frameTimes";
const FRAME_WORK_GLOBAL: &str = "__frameWork";

/// What the animation callback receives each frame.
#[derive(Clone, Copy, Debug)]
pub struct RafArgs {
    /// Milliseconds since the previous frame; 0 on the first frame after a (re)start.
    pub delta: f64,
    /// The frame's `DOMHighResTimeStamp`, in ms.
    pub timestamp: f64,
}

/// Pause and resume for a loop started by [`use_raf_fn`].
#[derive(Clone)]
pub struct RafControls {
    state: Rc<RafState>,
}

/// The JS-callable closure behind each `requestAnimationFrame`.
type FrameClosure = Closure<dyn FnMut(f64)>;

struct RafState {
    callback: RefCell<Box<dyn FnMut(RafArgs)>>,
    /// The pending request, if the loop is running.
    handle: Cell<Option<i32>>,
    previous: Cell<Option<f64>>,
    /// The frame closure; it holds only a `Weak` back to this state, so no cycle.
    frame: RefCell<Option<FrameClosure>>,
}

impl RafControls {
    /// Stops calling back until [`RafControls::resume`].
    pub fn pause(&self) {
        if let Some(handle) = self.state.handle.take() {
            let _ = window().cancel_animation_frame(handle);
        }
        self.state.previous.set(None);
    }

    /// Starts calling back again (no-op if running).
    pub fn resume(&self) {
        if self.state.handle.get().is_none() {
            request(&self.state);
        }
    }

    pub fn is_active(&self) -> bool {
        self.state.handle.get().is_some()
    }
}

fn request(state: &RafState) {
    let frame = state.frame.borrow();
    let Some(frame) = frame.as_ref() else { return };
    match window().request_animation_frame(frame.as_ref().unchecked_ref()) {
        Ok(handle) => state.handle.set(Some(handle)),
        Err(error) => log::warn!("requestAnimationFrame failed: {error:?}"),
    }
}

/// Calls `callback` every animation frame, starting now, until paused or until the current
/// reactive owner is cleaned up (the component unmounts).
pub fn use_raf_fn(callback: impl FnMut(RafArgs) + 'static) -> RafControls {
    let state = Rc::new(RafState {
        callback: RefCell::new(Box::new(callback)),
        handle: Cell::new(None),
        previous: Cell::new(None),
        frame: RefCell::new(None),
    });

    let weak: Weak<RafState> = Rc::downgrade(&state);
    let frame = FrameClosure::new(move |timestamp: f64| {
        let Some(state) = weak.upgrade() else { return };
        state.handle.set(None);
        let delta = state
            .previous
            .replace(Some(timestamp))
            .map_or(0.0, |p| timestamp - p);
        (state.callback.borrow_mut())(RafArgs { delta, timestamp });
        // Ask for the next frame after the callback, so a slow frame is measured as slow;
        // unless the callback paused the loop (which clears `previous`) or restarted it.
        if state.previous.get().is_some() && state.handle.get().is_none() {
            request(&state);
        }
    });
    *state.frame.borrow_mut() = Some(frame);

    let controls = RafControls { state };
    controls.resume();

    // Cleanup must be `Send`; the wasm page has one thread, and `SendOption` checks that.
    let on_unmount = SendOption::new_local(Some(controls.clone()));
    on_cleanup(move || {
        if let Some(controls) = on_unmount.take() {
            controls.pause();
            controls.state.frame.borrow_mut().take();
        }
    });
    controls
}

/// Rings of the latest frame intervals and of the time our callback took in each frame.
#[derive(Default)]
pub struct FrameTimes {
    deltas: VecDeque<f64>,
    work: VecDeque<f64>,
}

impl FrameTimes {
    pub fn push(&mut self, delta: f64, work: f64) {
        if self.deltas.len() == FRAME_TIMES {
            self.deltas.pop_front();
            self.work.pop_front();
        }
        self.deltas.push_back(delta);
        self.work.push_back(work);
    }

    /// The latest `count` frame intervals (fewer if fewer are kept), oldest first.
    pub fn latest(&self, count: usize) -> Vec<f64> {
        let skip = self.deltas.len().saturating_sub(count);
        self.deltas.iter().skip(skip).copied().collect()
    }
}

fn to_array(values: &VecDeque<f64>) -> js_sys::Array {
    values.iter().map(|&d| JsValue::from_f64(d)).collect()
}

/// Installs `window.__frameTimes()` and `window.__frameWork()` for as long as the current
/// owner lives.
fn expose_frame_times(times: Rc<RefCell<FrameTimes>>) {
    let deltas = times.clone();
    let getters = [
        (
            FRAME_TIMES_GLOBAL,
            Closure::<dyn Fn() -> js_sys::Array>::new(move || to_array(&deltas.borrow().deltas)),
        ),
        (
            FRAME_WORK_GLOBAL,
            Closure::<dyn Fn() -> js_sys::Array>::new(move || to_array(&times.borrow().work)),
        ),
    ];
    for (name, getter) in &getters {
        if let Err(error) =
            js_sys::Reflect::set(&window(), &JsValue::from_str(name), getter.as_ref())
        {
            log::warn!("could not expose {name}: {error:?}");
        }
    }

    let installed = SendOption::new_local(Some(getters));
    on_cleanup(move || {
        for name in [FRAME_TIMES_GLOBAL, FRAME_WORK_GLOBAL] {
            let _ = js_sys::Reflect::delete_property(&window(), &JsValue::from_str(name));
        }
        drop(installed.take());
    });
}

/// Draws `stage` every animation frame while there is something new to show, and calls
/// `on_first_draw` once, after the first frame has been drawn. `on_headroom` receives each
/// new share of wall time the worker should leave idle.
pub fn use_stage_animation(
    stage: SharedStage,
    on_first_draw: impl Fn() + 'static,
    on_headroom: impl Fn(f32) + 'static,
) -> RafControls {
    let times = Rc::new(RefCell::new(FrameTimes::default()));
    expose_frame_times(times.clone());
    let performance = window().performance();

    let clock = performance.clone();
    let now = move || clock.as_ref().map_or(0.0, |p| p.now());
    let mut headroom = Headroom::default();
    // Frames counted towards the next observation; the intervals themselves are in `times`.
    let mut observed = 0;
    // Start-up drops frames whatever the worker does (compiling, the first draws), so pacing
    // starts one observation after the first frame is drawn.
    let mut warm_up = true;
    use_raf_fn(move |args| {
        let start = now();
        draw_frame(&stage, &performance, args, &on_first_draw);
        if args.delta <= 0.0 {
            return;
        }
        times.borrow_mut().push(args.delta, now() - start);
        if !stage.try_borrow().is_ok_and(|stage| stage.drawn_once) {
            return;
        }
        observed += 1;
        if observed == PACING_FRAMES {
            observed = 0;
            if warm_up {
                warm_up = false;
            } else if let Some(share) = headroom.observe(&times.borrow().latest(PACING_FRAMES)) {
                log::debug!("asking the worker to leave {share:.2} of its time idle");
                on_headroom(share);
            }
        }
    })
}

/// One animation frame of [`use_stage_animation`].
fn draw_frame(
    stage: &SharedStage,
    performance: &Option<web_sys::Performance>,
    args: RafArgs,
    on_first_draw: &impl Fn(),
) {
    let Ok(mut stage) = stage.try_borrow_mut() else {
        return;
    };
    if !stage.drawing || stage.current().is_none() {
        return;
    }

    let resized = fit_canvases(&stage.canvases);
    if resized {
        stage.mark_all_stale();
    }
    let now = performance.as_ref().map_or(args.timestamp, |p| p.now());
    let t = stage.progress(now);
    // Idle frames cost nothing. The gliding panels redraw every frame until they reach the
    // current snapshot; the still ones redraw once per change, as many a frame as fit in
    // the budget, so that no frame pays for all of them.
    let glide = !stage.settled;
    if !glide && !stage.any_stale() {
        return;
    }
    let clock = || performance.as_ref().map_or(now, |p| p.now());
    if stage.draw(t, glide, clock, STILL_BUDGET_MS) {
        stage.settled = t >= 1.0;
        if !stage.drawn_once && !stage.any_stale() {
            stage.drawn_once = true;
            on_first_draw();
        }
    }
}

/// Gives each canvas as many pixels as it has device pixels on screen; `true` if any changed.
fn fit_canvases(canvases: &[super::stage::PanelCanvas]) -> bool {
    let ratio = window().device_pixel_ratio().max(1.0);
    let mut changed = false;
    for canvas in canvases {
        let element = &canvas.element;
        let (css_width, css_height) = (element.client_width(), element.client_height());
        if css_width == 0 || css_height == 0 {
            continue;
        }
        let width = (css_width as f64 * ratio).round() as u32;
        let height = (css_height as f64 * ratio).round() as u32;
        if element.width() != width || element.height() != height {
            element.set_width(width);
            element.set_height(height);
            changed = true;
        }
    }
    changed
}
