//! Starting the training worker and talking to it.
//!
//! The worker is a classic Web Worker on `./worker_loader.js`, which loads one of the two
//! builds Trunk makes, named in its query: `worker` (baseline simd128) or `worker_relaxed`
//! (the products on relaxed SIMD). A module with a relaxed-SIMD instruction fails validation
//! in an engine without it, so the page asks [`relaxed_simd_supported`] first.
//!
//! The worker's wasm starts asynchronously, and a message posted before it has set
//! its `onmessage` is dropped, so [`WorkerBridge::send`] queues commands until the worker
//! posts [`Event::Ready`], then sends the queue in order.
//!
//! Messages travel as `protocol::encode` bytes in a `Uint8Array`. Anything that goes wrong on
//! the way in (an undecodable message, an error inside the worker) reaches the page's handler
//! as text for the notice area; nothing here panics on what the worker sends.

use std::cell::{Cell, RefCell};
use std::rc::Rc;

use js_sys::Uint8Array;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::{ErrorEvent, MessageEvent, Worker};

use crate::protocol::{self, Command, Event};
use crate::settings::WorkerBuild;

/// Where the worker's loader shim is served, relative to the page.
pub const WORKER_URL: &str = "./worker_loader.js";

/// The smallest module that uses `f32x4.relaxed_madd`: one function `() -> v128` returning
/// `relaxed_madd(splat 0, splat 0, splat 0)`. An engine validates it only if it has relaxed
/// SIMD, the feature the `worker_relaxed` build needs.
const RELAXED_MADD_PROBE: [u8; 49] = [
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, // magic, version 1
    0x01, 0x05, 0x01, 0x60, 0x00, 0x01, 0x7b, // types: () -> v128
    0x03, 0x02, 0x01, 0x00, // functions: one, of type 0
    0x0a, 0x1c, 0x01, 0x1a, 0x00, // code: one body of 26 bytes, no locals
    0x43, 0x00, 0x00, 0x00, 0x00, 0xfd, 0x13, // f32.const 0, f32x4.splat
    0x43, 0x00, 0x00, 0x00, 0x00, 0xfd, 0x13, // the same
    0x43, 0x00, 0x00, 0x00, 0x00, 0xfd, 0x13, // the same
    0xfd, 0x85, 0x02, // f32x4.relaxed_madd (0xfd 0x105)
    0x0b, // end
];

/// Whether this browser's WebAssembly has relaxed SIMD (it validates [`RELAXED_MADD_PROBE`]).
pub fn relaxed_simd_supported() -> bool {
    let probe = Uint8Array::from(RELAXED_MADD_PROBE.as_slice());
    js_sys::WebAssembly::validate(&probe).unwrap_or(false)
}

/// What the bridge hands the page: an event, or a problem to show.
pub type Incoming = Result<Event, String>;

/// State the message handler and the bridge share.
#[derive(Default)]
struct Mailbox {
    /// Whether the worker has said [`Event::Ready`].
    ready: Cell<bool>,
    /// Commands waiting for the worker to be ready, oldest first.
    queue: RefCell<Vec<Command>>,
}

/// The page's end of the worker. Dropping it terminates the worker.
pub struct WorkerBridge {
    worker: Worker,
    mailbox: Rc<Mailbox>,
    // Kept alive for as long as the worker may call them.
    _on_message: Closure<dyn FnMut(MessageEvent)>,
    _on_error: Closure<dyn FnMut(ErrorEvent)>,
}

impl WorkerBridge {
    /// Starts the worker's `build`; `handler` receives every event and every problem, in
    /// order.
    pub fn start(
        build: WorkerBuild,
        handler: impl FnMut(Incoming) + 'static,
    ) -> Result<Self, String> {
        let url = format!("{WORKER_URL}?{}", build.loader_query());
        let worker = Worker::new(&url)
            .map_err(|error| format!("could not start the training worker: {error:?}"))?;
        let mailbox = Rc::new(Mailbox::default());
        let handler = Rc::new(RefCell::new(handler));

        let on_message = {
            let (worker, mailbox, handler) = (worker.clone(), mailbox.clone(), handler.clone());
            Closure::<dyn FnMut(MessageEvent)>::new(move |message: MessageEvent| {
                let incoming = read(&message);
                if let Ok(Event::Ready { .. }) = incoming {
                    log::info!("training worker ready");
                    mailbox.ready.set(true);
                    for command in mailbox.queue.take() {
                        post(&worker, &command);
                    }
                }
                (handler.borrow_mut())(incoming);
            })
        };
        worker.set_onmessage(Some(on_message.as_ref().unchecked_ref()));

        let on_error = Closure::<dyn FnMut(ErrorEvent)>::new(move |error: ErrorEvent| {
            error.prevent_default();
            let text = format!(
                "The training worker failed: {} ({}:{})",
                error.message(),
                error.filename(),
                error.lineno()
            );
            log::warn!("{text}");
            (handler.borrow_mut())(Err(text));
        });
        worker.set_onerror(Some(on_error.as_ref().unchecked_ref()));

        Ok(Self {
            worker,
            mailbox,
            _on_message: on_message,
            _on_error: on_error,
        })
    }

    /// Sends `command` now, or as soon as the worker is ready.
    pub fn send(&self, command: Command) {
        if self.mailbox.ready.get() {
            post(&self.worker, &command);
        } else {
            log::debug!("queued until the worker is ready: {command:?}");
            self.mailbox.queue.borrow_mut().push(command);
        }
    }
}

impl Drop for WorkerBridge {
    fn drop(&mut self) {
        self.worker.set_onmessage(None);
        self.worker.set_onerror(None);
        self.worker.terminate();
    }
}

fn post(worker: &Worker, command: &Command) {
    let bytes = Uint8Array::from(protocol::encode(command).as_slice());
    if let Err(error) = worker.post_message(&bytes) {
        log::warn!("could not post {command:?} to the worker: {error:?}");
    }
}

/// Decodes one message; the data may be a `Uint8Array` or its `ArrayBuffer`.
fn read(message: &MessageEvent) -> Incoming {
    let data = message.data();
    // Text comes only from the loader, when the worker's wasm could not start.
    if let Some(text) = data.as_string() {
        return Err(text);
    }
    if !(data.is_instance_of::<Uint8Array>() || data.is_instance_of::<js_sys::ArrayBuffer>()) {
        return Err(format!(
            "The worker sent something that is not bytes: {data:?}"
        ));
    }
    let bytes = Uint8Array::new(&data).to_vec();
    protocol::decode::<Event>(&bytes).map_err(|error| format!("The page {error}."))
}
