//! `cargo run --release --bin bench` natively, or `scripts/bench.sh` for headless Chromium:
//! kernel GFLOP/s against ndarray, the simd128 peak, and twin-training throughput.

#[cfg(target_arch = "wasm32")]
fn main() {
    fn now() -> f64 {
        web_sys::window()
            .and_then(|w| w.performance())
            .map_or(0.0, |p| p.now())
    }
    smoothing_lab::bench::report(now, "wasm32 in the browser", &mut |line| {
        web_sys::console::log_1(&line.into());
    });
    web_sys::console::log_1(&"BENCH DONE".into());
}

#[cfg(not(target_arch = "wasm32"))]
fn main() {
    use std::sync::OnceLock;
    use std::time::Instant;

    static START: OnceLock<Instant> = OnceLock::new();
    fn now() -> f64 {
        START.get_or_init(Instant::now).elapsed().as_secs_f64() * 1000.0
    }
    smoothing_lab::bench::report(now, "native (scalar kernels)", &mut |line| {
        println!("{line}")
    });
}
