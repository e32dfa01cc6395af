//! Which panel canvases are in sight.
//!
//! A canvas scrolled far out of view costs main-thread time to draw and shows nothing, and in
//! an embedded page most of the panels may be out of view. Each canvas gets an
//! `IntersectionObserver` that sets its [`PanelCanvas::visible`](super::stage::PanelCanvas)
//! flag; the animation loop skips canvases out of sight and leaves them stale, so each one is
//! drawn afresh in the first frame after it comes back. The margin lets a canvas be drawn
//! shortly before it scrolls in, so that no one sees it blank.

use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::{
    HtmlCanvasElement, IntersectionObserver, IntersectionObserverEntry, IntersectionObserverInit,
};

use super::stage::SharedStage;

/// How far outside the viewport a canvas still counts as in sight.
const MARGIN: &str = "200px 0px";

/// Watches one canvas until dropped.
pub struct Watch {
    observer: IntersectionObserver,
    _on_change: Closure<dyn FnMut(js_sys::Array)>,
}

impl Drop for Watch {
    fn drop(&mut self) {
        self.observer.disconnect();
    }
}

/// Starts keeping `element`'s visibility in `stage` up to date. `None` if the browser has no
/// `IntersectionObserver`, in which case the canvas stays counted as visible and is drawn as
/// before.
pub fn watch(stage: SharedStage, element: &HtmlCanvasElement) -> Option<Watch> {
    let on_change = Closure::<dyn FnMut(js_sys::Array)>::new(move |entries: js_sys::Array| {
        // Observer callbacks run as tasks of their own, never inside a borrow of the stage.
        let Ok(mut stage) = stage.try_borrow_mut() else {
            log::warn!("the stage was busy; a canvas's visibility change was missed");
            return;
        };
        for entry in entries.iter() {
            let Ok(entry) = entry.dyn_into::<IntersectionObserverEntry>() else {
                continue;
            };
            if let Ok(canvas) = entry.target().dyn_into::<HtmlCanvasElement>() {
                stage.set_visible(&canvas, entry.is_intersecting());
            }
        }
    });
    let options = IntersectionObserverInit::new();
    options.set_root_margin(MARGIN);
    let observer =
        IntersectionObserver::new_with_options(on_change.as_ref().unchecked_ref(), &options)
            .inspect_err(|error| {
                log::warn!("no IntersectionObserver, drawing every canvas: {error:?}")
            })
            .ok()?;
    observer.observe(element);
    Some(Watch {
        observer,
        _on_change: on_change,
    })
}
