//! The training worker's entry point; Trunk builds it as a classic Web Worker.

fn main() {
    smoothing_lab::worker::main();
}
