//! Softmax probability curves: what each loss asks of the logit gap Δ, and where the live
//! training examples actually sit (SCIENCE.md §1).
//!
//! ```text
//! p_y(Δ)   = e^Δ / (e^Δ + K − 1)
//! L(Δ)     = −q_y log p_y − (K − 1)·q_o log p_o
//! dL/dΔ    = p_y − q_y
//! ceiling  = q_y = 1 − α + α/K          Δ* = ln(q_y / q_o)
//! ```
//!
//! The cross-entropy canvas draws α = 0; the smoothed canvas draws the α the worker is
//! training with right now (`Snapshot::live`), with cross-entropy faint behind it.

use web_sys::HtmlCanvasElement;

use super::canvas::{Rect, Surface, INK, MODEL_COLOURS, MUTED};
use super::chart::{finite_range, Pen, Plot};
use crate::core::loss::{loss_at_gap, true_probability_at_gap, Smoothing, SmoothingForm};
use crate::core::twin::SMOOTHED;
use crate::ui::scene::Scene;

/// Left end of the Δ axis.
const GAP_MIN: f64 = -2.0;
/// Right end of the Δ axis unless the examples sit further out.
const GAP_MAX: f64 = 12.0;
/// The Δ axis never reaches past this, however far the examples' gaps grow.
const GAP_LIMIT: f64 = 40.0;
/// Points per curve.
const SAMPLES: usize = 160;
/// Bars of the Δ histogram.
const BINS: usize = 48;
/// Cross-entropy's curves behind the smoothed ones.
const REFERENCE: &str = "rgba(33,102,172,0.3)";

/// The smoothing model `model` trains with in this frame.
fn smoothing_of(scene: &Scene, model: usize) -> Option<Smoothing> {
    if model == SMOOTHED {
        scene.current.live.map(|live| live.smoothing)
    } else {
        Some(Smoothing::NONE)
    }
}

/// The models whose data sets the axes: both with a shared scale, else this one.
fn scaled_models(scene: &Scene, model: usize) -> std::ops::Range<usize> {
    if scene.view.shared_scale {
        0..2
    } else {
        model..model + 1
    }
}

/// Δ from the left end to far enough right to hold every example's gap.
fn gap_axis(scene: &Scene, model: usize) -> (f64, f64) {
    let gaps = scaled_models(scene, model)
        .flat_map(|m| scene.current.models[m].train_gaps.iter().map(|&g| g as f64));
    let widest = finite_range(gaps).map_or(GAP_MAX, |(_, hi)| (hi + 0.5).ceil());
    (GAP_MIN, widest.clamp(GAP_MAX, GAP_LIMIT))
}

fn gap_at(axis: (f64, f64), i: usize) -> f64 {
    axis.0 + (axis.1 - axis.0) * i as f64 / SAMPLES as f64
}

/// Counts of model `model`'s gaps in [`BINS`] equal bins over `axis`, the ends clamped in.
fn histogram(scene: &Scene, model: usize, axis: (f64, f64)) -> [u32; BINS] {
    let mut counts = [0u32; BINS];
    let width = (axis.1 - axis.0) / BINS as f64;
    for &gap in &scene.current.models[model].train_gaps {
        if gap.is_finite() {
            let bin = ((gap as f64 - axis.0) / width)
                .floor()
                .clamp(0.0, BINS as f64 - 1.0);
            counts[bin as usize] += 1;
        }
    }
    counts
}

/// Draws model `model`'s probability, loss and slope against Δ, with its examples' gaps.
pub fn draw(canvas: &HtmlCanvasElement, scene: &Scene, model: usize) {
    let Some(s) = Surface::begin(canvas) else {
        return;
    };
    let model = model.min(1);
    let classes = scene.info.classes;
    let Some(smoothing) = smoothing_of(scene, model).filter(|_| classes >= 2) else {
        s.message("Waiting for the first frame…");
        return;
    };

    let axis = gap_axis(scene, model);
    let frame = s
        .bounds()
        .inset(s.px(44.0), s.px(24.0), s.px(12.0), s.px(30.0));
    let probability = Plot::new(frame.rows(0.0, 0.34), axis, (0.0, 1.05)).without_x_labels();
    let loss = loss_plot(scene, model, frame.rows(0.40, 0.76), axis);
    let strip = frame.rows(0.82, 1.0);

    caption(&s, scene, model, smoothing);
    draw_probability(&s, &probability, classes, smoothing, model);
    draw_loss(&s, &loss, classes, smoothing, model);
    draw_gaps(&s, scene, model, strip, axis);

    if let Some(optimum) = smoothing.optimal_gap(classes) {
        s.pen(MODEL_COLOURS[model], 1.0);
        s.dashed(4.0, 3.0);
        for plot in [&probability, &loss] {
            plot.vline(&s, optimum as f64);
        }
        s.solid();
        // Below the curve, which passes through (Δ*, ceiling).
        let x = probability.x.map(optimum as f64) + s.px(4.0);
        let y = probability.area.bottom() - s.px(4.0);
        s.font(11.0);
        let label = format!("Δ* = {optimum:.2}");
        s.text(&label, x, y, "left", "bottom", MODEL_COLOURS[model]);
    }
}

fn caption(s: &Surface, scene: &Scene, model: usize, smoothing: Smoothing) {
    let classes = scene.info.classes;
    let text = if model == SMOOTHED {
        let form = match smoothing.form {
            SmoothingForm::Uniform => "q_y = 1 − α + α/K",
            SmoothingForm::OffTarget => "q_y = 1 − α, others α/(K − 1)",
        };
        format!(
            "label smoothing α = {:.2} ({form}) · K = {classes}",
            smoothing.alpha
        )
    } else {
        format!("cross-entropy (hard targets) · K = {classes}")
    };
    s.font(11.0);
    s.text(&text, s.px(8.0), s.px(6.0), "left", "top", INK);
}

fn draw_probability(s: &Surface, plot: &Plot, classes: usize, smoothing: Smoothing, model: usize) {
    plot.axes(s, "", "p_y(Δ)");
    let axis = (plot.x.lo, plot.x.hi);
    plot.polyline(
        s,
        Pen::solid(MODEL_COLOURS[model], 2.0),
        (0..=SAMPLES).map(|i| {
            let gap = gap_at(axis, i);
            (gap, true_probability_at_gap(gap as f32, classes) as f64)
        }),
    );

    let ceiling = smoothing.ceiling(classes) as f64;
    s.pen(MUTED, 1.0);
    s.dashed(2.0, 3.0);
    plot.hline(s, ceiling);
    s.solid();
    s.font(10.0);
    let y = plot.y.map(ceiling) + s.px(3.0);
    let label = format!("ceiling {ceiling:.2}");
    s.text(
        &label,
        plot.area.right() - s.px(4.0),
        y,
        "right",
        "top",
        MUTED,
    );
    if smoothing.optimal_gap(classes).is_none() {
        let text = "no finite optimum: the loss keeps rewarding a wider gap";
        let (x, y) = (
            plot.area.right() - s.px(4.0),
            plot.area.bottom() - s.px(6.0),
        );
        s.text(text, x, y, "right", "bottom", MUTED);
    }
}

/// The loss chart; with a shared scale its y range fits both models' losses.
fn loss_plot(scene: &Scene, model: usize, area: Rect, axis: (f64, f64)) -> Plot {
    let classes = scene.info.classes;
    let highest = scaled_models(scene, model)
        .filter_map(|m| smoothing_of(scene, m))
        .chain(std::iter::once(Smoothing::NONE))
        .map(|smoothing| loss_at_gap(axis.0 as f32, classes, smoothing).0 as f64)
        .fold(1.0, f64::max);
    Plot::new(area, axis, (-1.05, highest * 1.05))
}

fn draw_loss(s: &Surface, plot: &Plot, classes: usize, smoothing: Smoothing, model: usize) {
    // Titled on the right: on the left the loss curve runs along the top.
    plot.axes(s, "", "");
    let title = "loss (solid), slope dL/dΔ (dashed)";
    let (x, y) = (plot.area.right() - s.px(4.0), plot.area.y + s.px(3.0));
    s.text(title, x, y, "right", "top", MUTED);
    s.pen(MUTED, 1.0);
    plot.hline(s, 0.0);

    let mut curves = vec![(smoothing, MODEL_COLOURS[model], 2.0)];
    if model == SMOOTHED {
        curves.insert(0, (Smoothing::NONE, REFERENCE, 1.5));
    }
    let axis = (plot.x.lo, plot.x.hi);
    for (smoothing, colour, width) in curves {
        let at = |i| {
            let gap = gap_at(axis, i);
            (gap, loss_at_gap(gap as f32, classes, smoothing))
        };
        let losses = (0..=SAMPLES)
            .map(at)
            .map(|(gap, (loss, _))| (gap, loss as f64));
        plot.polyline(s, Pen::solid(colour, width), losses);
        let slopes = (0..=SAMPLES)
            .map(at)
            .map(|(gap, (_, slope))| (gap, slope as f64));
        plot.polyline(s, Pen::dashed(colour, width, 5.0, 3.0), slopes);
    }
}

/// A strip histogram of the examples' gaps on the same Δ axis.
fn draw_gaps(s: &Surface, scene: &Scene, model: usize, strip: Rect, axis: (f64, f64)) {
    let counts = histogram(scene, model, axis);
    let tallest = scaled_models(scene, model)
        .map(|m| histogram(scene, m, axis).into_iter().max().unwrap_or(0))
        .max()
        .unwrap_or(0)
        .max(1);
    let plot = Plot::new(strip, axis, (0.0, tallest as f64));
    plot.axes(s, "logit gap Δ", "");

    s.ctx.set_global_alpha(0.7);
    let bar = strip.w / BINS as f64;
    for (i, &count) in counts.iter().enumerate().filter(|(_, &c)| c > 0) {
        let x = strip.x + bar * i as f64;
        let top = plot.y.map(count as f64);
        s.fill_between(
            x + 0.5,
            top,
            x + bar - 0.5,
            strip.bottom(),
            MODEL_COLOURS[model],
        );
    }
    s.ctx.set_global_alpha(1.0);

    let shown = counts.iter().sum::<u32>();
    s.font(10.0);
    let text = format!("training examples' Δ (n = {shown})");
    s.text(
        &text,
        strip.x + s.px(4.0),
        strip.y + s.px(2.0),
        "left",
        "top",
        INK,
    );
}
