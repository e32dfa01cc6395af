//! The worker's event loop in the browser: it owns the [`Twin`], trains in slices, answers
//! commands between slices, and posts frames about ten times a second.
//!
//! A slice ends by posting a message to itself through a `MessageChannel`, which yields to
//! the worker's event loop (so commands get in) without the 4 ms clamp of nested timers.

use std::cell::RefCell;
use std::rc::Rc;

use js_sys::Uint8Array;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::{DedicatedWorkerGlobalScope, MessageChannel, MessageEvent};

use super::schedule::{frame_due, Budget, Schedule};
use crate::core::optim::{OptimizerConfig, OptimizerKind};
use crate::core::twin::{Projection, Twin, MODEL_NAMES};
use crate::protocol::{self, Command, Event, Pace, Speed};

/// Starts the worker: installs the logger and the message handler, then announces itself.
pub fn start() {
    console_error_panic_hook::set_once();
    let _ = console_log::init_with_level(log::Level::Info);

    let scope: DedicatedWorkerGlobalScope = js_sys::global().unchecked_into();
    let channel = MessageChannel::new().expect("a worker can open a MessageChannel");
    let worker = Rc::new(RefCell::new(Worker::new(scope.clone(), channel.port2())));

    let on_command = {
        let worker = worker.clone();
        Closure::<dyn FnMut(MessageEvent)>::new(move |event: MessageEvent| {
            let bytes = Uint8Array::new(&event.data()).to_vec();
            match protocol::decode::<Command>(&bytes) {
                Ok(command) => worker.borrow_mut().handle(command),
                Err(error) => worker.borrow().post(&Event::Problem(error.to_string())),
            }
        })
    };
    scope.set_onmessage(Some(on_command.as_ref().unchecked_ref()));
    on_command.forget();

    let on_tick = {
        let worker = worker.clone();
        Closure::<dyn FnMut(MessageEvent)>::new(move |_: MessageEvent| {
            worker.borrow_mut().tick();
        })
    };
    channel
        .port1()
        .set_onmessage(Some(on_tick.as_ref().unchecked_ref()));
    on_tick.forget();

    let on_timer = Closure::<dyn FnMut()>::new(move || worker.borrow_mut().tick());
    TIMER.with(|slot| *slot.borrow_mut() = Some(on_timer));

    log::info!("training worker started");
    scope
        .post_message(&bytes(&Event::Ready {
            kernels: crate::core::kernels::name().to_string(),
        }))
        .expect("posting to the page");
}

thread_local! {
    static TIMER: RefCell<Option<Closure<dyn FnMut()>>> = const { RefCell::new(None) };
}

fn bytes(event: &Event) -> Uint8Array {
    Uint8Array::from(protocol::encode(event).as_slice())
}

struct Worker {
    scope: DedicatedWorkerGlobalScope,
    /// The end of the channel a slice posts to, to wake `tick` at once.
    wake: web_sys::MessagePort,
    twin: Option<Twin>,
    playing: bool,
    /// Whether a tick is already queued, so commands never start a second loop.
    scheduled: bool,
    schedule: Schedule,
    projection: Projection,
    frames: bool,
    last_tick: f64,
    last_frame: f64,
    /// Steps and time spent training since the last frame.
    steps_since_frame: u64,
    busy_ms_since_frame: f64,
}

impl Worker {
    fn new(scope: DedicatedWorkerGlobalScope, wake: web_sys::MessagePort) -> Self {
        Self {
            scope,
            wake,
            twin: None,
            playing: false,
            scheduled: false,
            schedule: Schedule::new(Speed::Fastest),
            projection: Projection::default(),
            frames: true,
            last_tick: 0.0,
            last_frame: 0.0,
            steps_since_frame: 0,
            busy_ms_since_frame: 0.0,
        }
    }

    fn now(&self) -> f64 {
        self.scope.performance().map_or(0.0, |p| p.now())
    }

    fn post(&self, event: &Event) {
        if let Err(error) = self.scope.post_message(&bytes(event)) {
            log::warn!("could not post to the page: {error:?}");
        }
    }

    fn handle(&mut self, command: Command) {
        log::debug!("command {command:?}");
        match command {
            Command::Reset { run, live } => match Twin::new(run, live) {
                Ok(twin) => {
                    log::info!("run started: {} examples", twin.data().train.len());
                    self.post(&Event::Started(Box::new(twin.info())));
                    self.twin = Some(twin);
                    self.reset_pace();
                    self.send_frame();
                }
                Err(error) => self.post(&Event::Problem(error.to_string())),
            },
            Command::Live(live) => {
                if let Some(twin) = &mut self.twin {
                    twin.set_live(live);
                }
                if !self.playing {
                    self.send_frame();
                }
            }
            Command::Play => {
                self.playing = true;
                self.last_tick = self.now();
                self.wake_soon(0.0);
            }
            Command::Pause => {
                self.playing = false;
                self.send_frame();
            }
            Command::Step(steps) => {
                self.train(steps.min(10_000));
                self.send_frame();
            }
            Command::Speed(speed) => self.schedule.set_speed(speed),
            Command::Headroom(share) => self.schedule.set_headroom(share),
            Command::View(projection) => {
                self.projection = projection;
                if !self.playing {
                    self.send_frame();
                }
            }
            Command::Frames(on) => self.frames = on,
        }
    }

    /// One slice of play: train what the schedule allows, maybe send a frame, queue the next.
    fn tick(&mut self) {
        self.scheduled = false;
        if !self.playing || self.twin.is_none() {
            return;
        }

        let start = self.now();
        let elapsed = start - self.last_tick;
        self.last_tick = start;

        let (stepped, wait_ms) = match self.schedule.next(elapsed) {
            Budget::Steps { steps, wait_ms } => (self.train(steps) > 0, wait_ms),
            Budget::Until { ms, rest_ms } => {
                let mut stepped = false;
                while self.now() - start < ms {
                    self.train(1);
                    stepped = true;
                }
                (stepped, rest_ms)
            }
        };

        if self.playing && frame_due(self.schedule.speed(), self.now() - self.last_frame, stepped) {
            self.send_frame();
        }
        if self.playing {
            self.wake_soon(wait_ms);
        }
    }

    /// Runs `steps` twin steps; stops play with a message if the weights stop being finite.
    fn train(&mut self, steps: u32) -> u32 {
        let Some(twin) = &mut self.twin else { return 0 };
        let start = self.scope.performance().map_or(0.0, |p| p.now());
        twin.step(steps);
        let end = self.scope.performance().map_or(0.0, |p| p.now());
        self.busy_ms_since_frame += end - start;
        self.steps_since_frame += steps as u64;

        if steps > 0 && twin.diverged() {
            let lr = twin.live().optimizer.learning_rate;
            let step = twin.steps();
            self.playing = false;
            self.post(&Event::Problem(format!(
                "Training diverged at step {step}: the weights are no longer finite. The \
                 learning rate {lr} is too high for this setting; lower it and press Reset."
            )));
        }
        steps
    }

    fn wake_soon(&mut self, wait_ms: f64) {
        if self.scheduled {
            return;
        }
        self.scheduled = true;
        if wait_ms <= 0.0 {
            let _ = self.wake.post_message(&JsValue::NULL);
            return;
        }
        TIMER.with(|slot| {
            if let Some(callback) = slot.borrow().as_ref() {
                let _ = self
                    .scope
                    .set_timeout_with_callback_and_timeout_and_arguments_0(
                        callback.as_ref().unchecked_ref(),
                        wait_ms.round() as i32,
                    );
            }
        });
    }

    fn reset_pace(&mut self) {
        self.last_frame = self.now();
        self.steps_since_frame = 0;
        self.busy_ms_since_frame = 0.0;
    }

    fn send_frame(&mut self) {
        let now = self.now();
        let since = (now - self.last_frame).max(1e-3);
        let Some(twin) = &mut self.twin else { return };

        let batch = twin.live().batch_size as f64;
        let flops = twin.info_flops_per_example() * batch * self.steps_since_frame as f64;
        let pace = Pace {
            steps_per_second: (self.steps_since_frame as f64 * 1000.0 / since) as f32,
            gflops: (flops / (self.busy_ms_since_frame.max(1e-3) * 1e6)) as f32,
            busy: (self.busy_ms_since_frame / since).min(1.0) as f32,
        };

        if self.frames || !self.playing {
            let snapshot = Box::new(twin.snapshot(self.projection));
            let collapsed = snapshot.collapsed();
            if self.playing && !collapsed.is_empty() {
                self.playing = false;
                let optimizer = twin.live().optimizer;
                let text = collapse_message(&collapsed, snapshot.step, optimizer);
                self.post(&Event::Problem(text));
            }
            self.post(&Event::Frame {
                snapshot,
                playing: self.playing,
                pace,
            });
        }
        self.reset_pace();
    }
}

/// What the page says when a model's hidden units have all died.
fn collapse_message(models: &[usize], step: u64, optimizer: OptimizerConfig) -> String {
    let names: Vec<&str> = models.iter().map(|&m| MODEL_NAMES[m]).collect();
    let rule = match optimizer.kind {
        OptimizerKind::Sgd { .. } => "SGD",
        OptimizerKind::Adam { .. } => "Adam",
    };
    format!(
        "Training stopped at step {step}: every hidden unit of the {} model now outputs zero \
         for every example (mean ‖h‖ = 0), so no gradient reaches the lower layers and it \
         cannot recover. The learning rate {} is too high for {rule}; lower it and press Reset.",
        names.join(" and the "),
        optimizer.learning_rate,
    )
}
