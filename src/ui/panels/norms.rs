//! Feature norm: the histogram of ‖h‖ over the displayed training examples, and the mean
//! ‖h‖ of both models over training time (SCIENCE.md §2).
//!
//! Cross-entropy has no finite optimum, so it keeps growing ‖h‖ to widen the logit gap;
//! label smoothing stops at Δ*. With a shared scale both canvases bin over the same range and
//! share the bar height, so the two histograms compare directly.

use web_sys::HtmlCanvasElement;

use super::canvas::{Rect, Surface, INK, MODEL_COLOURS, MODEL_NAMES};
use super::chart::{finite_range, step_range, Pen, Plot};
use crate::ui::scene::{HistoryPoint, Scene};

/// Bars of the norm histogram.
const BINS: usize = 30;

/// The norm range the histogram bins over: from 0 to just past the largest norm of this
/// model, or of both models with a shared scale.
fn norm_axis(scene: &Scene, model: usize) -> Option<(f64, f64)> {
    let models = if scene.view.shared_scale {
        0..2
    } else {
        model..model + 1
    };
    let norms = models.flat_map(|m| {
        scene.current.models[m]
            .train_norms
            .iter()
            .map(|&v| v as f64)
    });
    let (_, hi) = finite_range(norms)?;
    Some((0.0, (hi * 1.05).max(1e-3)))
}

fn histogram(norms: &[f32], axis: (f64, f64)) -> [u32; BINS] {
    let mut counts = [0u32; BINS];
    let width = (axis.1 - axis.0) / BINS as f64;
    for &norm in norms.iter().filter(|v| v.is_finite()) {
        let bin = ((norm as f64 - axis.0) / width)
            .floor()
            .clamp(0.0, BINS as f64 - 1.0);
        counts[bin as usize] += 1;
    }
    counts
}

/// Draws model `model`'s feature-norm histogram and both models' mean norm over time.
pub fn draw(canvas: &HtmlCanvasElement, scene: &Scene, model: usize) {
    let Some(s) = Surface::begin(canvas) else {
        return;
    };
    let model = model.min(1);
    let Some(axis) = norm_axis(scene, model) else {
        s.message("Waiting for the first frame…");
        return;
    };

    let frame = s
        .bounds()
        .inset(s.px(44.0), s.px(24.0), s.px(12.0), s.px(28.0));
    s.font(11.0);
    let caption = format!(
        "{} · ‖h‖ of the displayed training examples",
        MODEL_NAMES[model]
    );
    s.text(&caption, s.px(8.0), s.px(6.0), "left", "top", INK);

    draw_histogram(&s, scene, model, frame.rows(0.0, 0.56), axis);
    draw_history(&s, scene.history, model, frame.rows(0.72, 1.0));
}

fn draw_histogram(s: &Surface, scene: &Scene, model: usize, area: Rect, axis: (f64, f64)) {
    let counts = histogram(&scene.current.models[model].train_norms, axis);
    let tallest = if scene.view.shared_scale {
        let other = histogram(&scene.current.models[1 - model].train_norms, axis);
        counts.iter().chain(&other).copied().max()
    } else {
        counts.iter().copied().max()
    };
    let plot = Plot::new(area, axis, (0.0, tallest.unwrap_or(0).max(1) as f64 * 1.1));
    plot.axes(s, "feature norm ‖h‖", "examples");

    let bar = area.w / BINS as f64;
    s.ctx.set_global_alpha(0.75);
    for (i, &count) in counts.iter().enumerate().filter(|(_, &c)| c > 0) {
        let x = area.x + bar * i as f64;
        let top = plot.y.map(count as f64);
        s.fill_between(
            x + 0.5,
            top,
            x + bar - 0.5,
            area.bottom(),
            MODEL_COLOURS[model],
        );
    }
    s.ctx.set_global_alpha(1.0);

    let mean = scene.current.models[model].metrics.mean_feature_norm as f64;
    if mean.is_finite() {
        s.pen(INK, 1.0);
        s.dashed(4.0, 3.0);
        plot.vline(s, mean);
        s.solid();
        s.font(10.0);
        let x = plot.x.map(mean) + s.px(4.0);
        s.text(
            &format!("mean {mean:.2}"),
            x,
            area.y + s.px(16.0),
            "left",
            "top",
            INK,
        );
    }
}

/// Both models' mean ‖h‖ against the step, this model's line drawn over the other's.
fn draw_history(s: &Surface, history: &[HistoryPoint], model: usize, area: Rect) {
    let norm = |point: &HistoryPoint, m: usize| point.metrics[m].mean_feature_norm as f64;
    let steps = step_range(history.iter().map(|p| p.step));
    let norms = finite_range(history.iter().flat_map(|p| [norm(p, 0), norm(p, 1)]));
    let (Some(steps), Some(norms)) = (steps, norms) else {
        s.font(10.0);
        let (x, y) = (area.x + area.w / 2.0, area.y + area.h / 2.0);
        s.text(
            "mean ‖h‖ over training appears here",
            x,
            y,
            "center",
            "middle",
            INK,
        );
        return;
    };

    let plot = Plot::new(area, steps, (0.0, norms.1.max(1e-3) * 1.1));
    plot.axes(s, "step", "mean ‖h‖");

    // A line needs no more points than the chart has pixels.
    let stride = (history.len() / (area.w as usize).max(1)).max(1);
    for m in [1 - model, model] {
        let (width, alpha) = if m == model { (2.0, 1.0) } else { (1.25, 0.45) };
        let pen = Pen::solid(MODEL_COLOURS[m], width).faded(alpha);
        let sampled = history.iter().step_by(stride).chain(history.last());
        plot.polyline(s, pen, sampled.map(|p| (p.step as f64, norm(p, m))));
    }
}
