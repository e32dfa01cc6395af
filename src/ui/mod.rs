//! The page: a Leptos app that renders the worker's frames and sends it commands.
//!
//! - [`app`]: the root component, wiring settings, the worker and the URL together.
//! - [`controls`]: the controls column.
//! - [`sections`]: the six panel sections, their canvases and the cluster tooltip.
//! - [`stage`]: the non-reactive state the animation draws from (run, snapshots, history).
//! - [`animation`]: the `requestAnimationFrame` loop that interpolates and draws.
//! - [`visibility`]: which canvases are in sight, so that the loop draws only those.
//! - [`worker_bridge`]: starting the training worker and talking to it.
//! - [`url`]: reading and rewriting the address bar.
//! - [`scene`] and [`panels`]: what one frame draws from, and the drawing itself.

pub mod animation;
pub mod app;
pub mod controls;
pub mod panels;
pub mod scene;
pub mod sections;
pub mod stage;
pub mod url;
pub mod visibility;
pub mod worker_bridge;

/// Entry point of the page's wasm: installs the panic hook and the logger, then mounts
/// [`app::App`] on `<body>`.
pub fn start() {
    console_error_panic_hook::set_once();
    if console_log::init_with_level(log::Level::Info).is_err() {
        web_sys::console::warn_1(&"the logger was already installed".into());
    }
    log::info!("mounting the page");
    leptos::mount::mount_to_body(app::App);
}
