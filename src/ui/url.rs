//! Reading the address bar, and rewriting it as the settings change.
//!
//! The URL is the settings' serialisation ([`Settings::to_query`]), so a copied link
//! reproduces a run. Sliders fire many `input` events a second; rewriting history for each
//! would be wasteful (and browsers throttle `replaceState`), so writes are debounced.

use std::cell::RefCell;
use std::rc::Rc;
use std::time::Duration;

use leptos::prelude::*;
use wasm_bindgen::JsValue;

use crate::settings::Settings;

/// How long the URL waits for the settings to stop changing; the contract allows 500 ms.
pub const URL_DEBOUNCE: Duration = Duration::from_millis(200);

/// The page's query string, with its `?`, or empty.
pub fn current_query() -> String {
    window().location().search().unwrap_or_default()
}

/// Rewrites the query to `settings` without adding a history entry, keeping the path and
/// the fragment.
pub fn replace_query(settings: &Settings) {
    let location = window().location();
    let path = location.pathname().unwrap_or_default();
    let hash = location.hash().unwrap_or_default();
    let url = format!("{path}?{}{hash}", settings.to_query());
    if location.search().ok().as_deref() == Some(&url[path.len()..url.len() - hash.len()]) {
        return;
    }
    if let Ok(history) = window().history() {
        if let Err(error) = history.replace_state_with_url(&JsValue::NULL, "", Some(&url)) {
            log::warn!("could not rewrite the URL: {error:?}");
        }
    }
}

/// Writes the URL [`URL_DEBOUNCE`] after the last call, with the settings of that call.
#[derive(Clone, Default)]
pub struct UrlWriter {
    pending: Rc<RefCell<Option<TimeoutHandle>>>,
}

impl UrlWriter {
    pub fn schedule(&self, settings: Settings) {
        if let Some(handle) = self.pending.borrow_mut().take() {
            handle.clear();
        }
        let pending = self.pending.clone();
        let write = move || {
            pending.borrow_mut().take();
            replace_query(&settings);
        };
        match set_timeout_with_handle(write, URL_DEBOUNCE) {
            Ok(handle) => *self.pending.borrow_mut() = Some(handle),
            Err(error) => log::warn!("could not schedule the URL rewrite: {error:?}"),
        }
    }
}
