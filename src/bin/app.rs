//! The page's entry point: installs the panic hook and the logger, then mounts the app.

#[cfg(target_arch = "wasm32")]
fn main() {
    smoothing_lab::ui::start();
}

#[cfg(not(target_arch = "wasm32"))]
fn main() {
    eprintln!("the app runs in a browser; serve it with `scripts/serve.sh`");
}
