//! Starting the training worker and talking to it.
//!
//! The worker is a classic Web Worker on `./worker_loader.js`, the shim Trunk writes for the
//! `worker` binary. Its wasm starts asynchronously, and a message posted before it has set
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

/// Where the worker's loader shim is served, relative to the page.
pub const WORKER_URL: &str = "./worker_loader.js";

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
    /// Starts the worker; `handler` receives every event and every problem, in order.
    pub fn start(handler: impl FnMut(Incoming) + 'static) -> Result<Self, String> {
        let worker = Worker::new(WORKER_URL)
            .map_err(|error| format!("could not start the training worker: {error:?}"))?;
        let mailbox = Rc::new(Mailbox::default());
        let handler = Rc::new(RefCell::new(handler));

        let on_message = {
            let (worker, mailbox, handler) = (worker.clone(), mailbox.clone(), handler.clone());
            Closure::<dyn FnMut(MessageEvent)>::new(move |message: MessageEvent| {
                let incoming = read(&message);
                if let Ok(Event::Ready) = incoming {
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
    if !(data.is_instance_of::<Uint8Array>() || data.is_instance_of::<js_sys::ArrayBuffer>()) {
        return Err(format!(
            "The worker sent something that is not bytes: {data:?}"
        ));
    }
    let bytes = Uint8Array::new(&data).to_vec();
    protocol::decode::<Event>(&bytes).map_err(|error| format!("The page {error}."))
}
