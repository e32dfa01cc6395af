//! Calibration: a reliability diagram of the displayed validation examples at the evaluation
//! temperature, with ECE, NLL and accuracy at that temperature (SCIENCE.md §4–5).
//!
//! ```text
//! p = softmax(z / T)                       (temperature scaling, evaluation only)
//! ECE = Σ_m (|B_m| / n) · |acc(B_m) − conf(B_m)|
//! ```
//!
//! The axes are [0, 1] on both canvases, so the two models always share a scale.

use ndarray::ArrayView2;
use web_sys::HtmlCanvasElement;

use super::canvas::{legend, Rect, Surface, INK, MODEL_COLOURS, MODEL_NAMES, MUTED};
use super::chart::Plot;
use crate::core::metrics::{self, Reliability};
use crate::ui::scene::Scene;

/// Reliability-diagram bins, as in Guo et al. and Müller et al.
const BINS: usize = 15;
/// The shaded gap between a bin's accuracy and its mean confidence.
const GAP_COLOUR: &str = "rgba(200,40,40,0.28)";
/// The outline of each bin's gap.
const GAP_EDGE: &str = "#b2182b";

/// What the diagram shows for one model at one temperature.
struct Evaluation {
    reliability: Reliability,
    nll: f32,
    accuracy: f32,
    examples: usize,
}

/// Model `model`'s displayed validation predictions at `temperature`, or `None` when there
/// are none or their labels do not fit the class count.
fn evaluate(scene: &Scene, model: usize, temperature: f32) -> Option<Evaluation> {
    let classes = scene.info.classes;
    let logits = &scene.current.models[model].validation_logits;
    let labels = &scene.info.display_validation_labels;
    let examples = labels.len().min(logits.len() / classes.max(1));
    let labels = &labels[..examples];
    if classes < 2 || examples == 0 || labels.iter().any(|&label| label >= classes) {
        return None;
    }

    let logits = ArrayView2::from_shape((examples, classes), &logits[..examples * classes]).ok()?;
    let probabilities = metrics::softmax_rows(metrics::scale_logits(logits, temperature).view());
    Some(Evaluation {
        reliability: metrics::reliability(probabilities.view(), labels, BINS),
        nll: metrics::nll(probabilities.view(), labels),
        accuracy: metrics::accuracy(probabilities.view(), labels),
        examples,
    })
}

/// Draws model `model`'s reliability diagram at `view.evaluation_temperature`.
pub fn draw(canvas: &HtmlCanvasElement, scene: &Scene, model: usize) {
    let Some(s) = Surface::begin(canvas) else {
        return;
    };
    let model = model.min(1);
    let temperature = scene.view.evaluation_temperature;
    let temperature = if temperature.is_finite() && temperature > 0.0 {
        temperature
    } else {
        1.0
    };
    let Some(evaluation) = evaluate(scene, model, temperature) else {
        s.message("Waiting for the first frame…");
        return;
    };

    let fitted = scene.current.models[model].temperature.temperature;
    s.font(11.0);
    let title = if fitted.is_finite() {
        format!(
            "{} · T = {temperature:.2} · fitted T = {fitted:.2}",
            MODEL_NAMES[model]
        )
    } else {
        format!("{} · T = {temperature:.2}", MODEL_NAMES[model])
    };
    s.text(&title, s.px(8.0), s.px(6.0), "left", "top", INK);
    let numbers = format!(
        "ECE {:.3} · NLL {:.3} · accuracy {:.1}% · n = {}",
        evaluation.reliability.ece,
        evaluation.nll,
        evaluation.accuracy * 100.0,
        evaluation.examples
    );
    s.text(&numbers, s.px(8.0), s.px(21.0), "left", "top", INK);

    let frame = s
        .bounds()
        .inset(s.px(40.0), s.px(40.0), s.px(12.0), s.px(28.0));
    let diagram = Plot::new(frame.rows(0.0, 0.8), (0.0, 1.0), (0.0, 1.0)).without_x_labels();
    draw_diagram(&s, &diagram, &evaluation.reliability, model);
    draw_counts(&s, frame.rows(0.84, 1.0), &evaluation, model);
}

fn draw_diagram(s: &Surface, plot: &Plot, reliability: &Reliability, model: usize) {
    plot.axes(s, "", "accuracy");

    for bin in reliability.bins.iter().filter(|bin| bin.count > 0) {
        let (left, right) = (plot.x.map(bin.lower as f64), plot.x.map(bin.upper as f64));
        let accuracy = plot.y.map(bin.accuracy as f64);
        let confidence = plot.y.map(bin.confidence as f64);
        s.ctx.set_global_alpha(0.8);
        s.fill_between(
            left + 0.5,
            accuracy,
            right - 0.5,
            plot.area.bottom(),
            MODEL_COLOURS[model],
        );
        s.ctx.set_global_alpha(1.0);
        // Outlined as well as tinted: when a bin is under-confident its gap lies inside the
        // bar, where a tint alone reads as a different colour of bar.
        s.fill_between(left + 0.5, accuracy, right - 0.5, confidence, GAP_COLOUR);
        s.pen(GAP_EDGE, 1.25);
        let (top, height) = (accuracy.min(confidence), (accuracy - confidence).abs());
        s.ctx
            .stroke_rect(left + 1.0, top, right - left - 2.0, height);
    }

    s.pen(MUTED, 1.0);
    s.dashed(4.0, 3.0);
    let (x0, y0) = plot.at(0.0, 0.0);
    let (x1, y1) = plot.at(1.0, 1.0);
    s.segment(x0, y0, x1, y1);
    s.solid();

    let entries = [
        (MODEL_COLOURS[model], "accuracy per bin"),
        (GAP_COLOUR, "gap to confidence"),
    ];
    legend(
        s,
        plot.area.x + s.px(8.0),
        plot.area.y + s.px(24.0),
        &entries,
    );
}

/// The share of examples in each confidence bin, on the diagram's x axis.
fn draw_counts(s: &Surface, area: Rect, evaluation: &Evaluation, model: usize) {
    let plot = Plot::new(area, (0.0, 1.0), (0.0, 1.0));
    plot.axes(s, "confidence (max probability)", "");
    let total = evaluation.examples.max(1) as f64;
    s.ctx.set_global_alpha(0.5);
    for bin in evaluation
        .reliability
        .bins
        .iter()
        .filter(|bin| bin.count > 0)
    {
        let (left, right) = (plot.x.map(bin.lower as f64), plot.x.map(bin.upper as f64));
        let top = plot.y.map(bin.count as f64 / total);
        s.fill_between(
            left + 0.5,
            top,
            right - 0.5,
            area.bottom(),
            MODEL_COLOURS[model],
        );
    }
    s.ctx.set_global_alpha(1.0);
    s.font(10.0);
    s.text(
        "share of examples",
        area.x + s.px(4.0),
        area.y + s.px(2.0),
        "left",
        "top",
        INK,
    );
}
