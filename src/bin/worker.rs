//! The training worker's entry point; Trunk builds it as a classic Web Worker.

#[cfg(target_arch = "wasm32")]
fn main() {
    smoothing_lab::worker::runtime::start();
}

#[cfg(not(target_arch = "wasm32"))]
fn main() {
    eprintln!("the worker runs in a browser; build it with `trunk build`");
}
