//! The training worker built with the `relaxed-simd` feature, so that its matrix products use
//! `f32x4.relaxed_madd`. index.html builds it beside `worker`; the page starts this one only
//! where the browser validates relaxed SIMD.

fn main() {
    smoothing_lab::worker::main();
}
