//! Sharpen and temperature: one example's predicted distribution next to its sharpened form,
//! and how the entropy falls as the temperature drops (SCIENCE.md §4).
//!
//! ```text
//! Sharpen(p, T)_i = p_i^(1/T) / Σ_j p_j^(1/T)  =  softmax(z / T)_i
//! ```
//!
//! T < 1 sharpens (MixMatch uses 0.5), T = 1 leaves p alone, T > 1 flattens toward uniform.

use ndarray::ArrayView2;
use web_sys::HtmlCanvasElement;

use super::canvas::{class_name, legend, Rect, Surface, INK, MODEL_COLOURS, MUTED};
use super::chart::{Pen, Plot};
use crate::core::metrics;
use crate::ui::scene::{Scene, Split};

/// Temperature axis of the entropy chart (log scale).
const TEMPERATURE_RANGE: (f64, f64) = (0.05, 5.0);
/// Points on the entropy curve.
const SAMPLES: usize = 80;
/// Class labels shown under the bars at most; more classes get every n-th label.
const MAX_LABELS: usize = 12;
/// The predicted distribution, drawn faint behind its sharpened form.
const UNSHARPENED_ALPHA: f64 = 0.35;

/// The example on show.
struct Example {
    index: usize,
    label: usize,
    probabilities: Vec<f32>,
}

/// The selected example of the split on show (the first one when nothing is selected), with
/// model `model`'s predicted probabilities for it.
fn example(scene: &Scene, model: usize) -> Option<Example> {
    let classes = scene.info.classes;
    let frame = &scene.current.models[model];
    let (labels, values) = match scene.view.split {
        Split::Train => (&scene.info.display_train_labels, &frame.train_probabilities),
        Split::Validation => (
            &scene.info.display_validation_labels,
            &frame.validation_logits,
        ),
    };
    let available = labels.len().min(values.len() / classes.max(1));
    if classes == 0 || available == 0 {
        return None;
    }

    let index = scene.view.selected.filter(|&i| i < available).unwrap_or(0);
    let row = &values[index * classes..(index + 1) * classes];
    let probabilities = match scene.view.split {
        Split::Train => row.to_vec(),
        Split::Validation => {
            let logits = ArrayView2::from_shape((1, classes), row).ok()?;
            metrics::softmax_rows(logits).into_raw_vec_and_offset().0
        }
    };
    if !probabilities.iter().all(|p| p.is_finite()) {
        return None;
    }
    Some(Example {
        index,
        label: labels[index],
        probabilities,
    })
}

/// Draws model `model`'s prediction for the selected example, sharpened at the view's T.
pub fn draw(canvas: &HtmlCanvasElement, scene: &Scene, model: usize) {
    let Some(s) = Surface::begin(canvas) else {
        return;
    };
    let model = model.min(1);
    let Some(example) = example(scene, model) else {
        s.message("Waiting for the first frame…");
        return;
    };
    let temperature = scene.view.sharpen_temperature;
    let temperature = if temperature.is_finite() && temperature > 0.0 {
        temperature
    } else {
        1.0
    };
    let sharpened = metrics::sharpen(&example.probabilities, temperature);

    let split = match scene.view.split {
        Split::Train => "training",
        Split::Validation => "validation",
    };
    let name = class_name(&scene.info.class_names, example.label);
    s.font(11.0);
    let caption = format!("{split} example #{} · true class {name}", example.index);
    s.text(&caption, s.px(8.0), s.px(6.0), "left", "top", INK);

    let frame = s
        .bounds()
        .inset(s.px(40.0), s.px(26.0), s.px(12.0), s.px(44.0));
    draw_bars(
        &s,
        scene,
        model,
        frame.rows(0.0, 0.46),
        &example,
        &sharpened,
    );
    draw_entropy(
        &s,
        model,
        frame.rows(0.62, 1.0),
        &example.probabilities,
        temperature,
    );

    s.font(10.0);
    let footer = "Sharpen(p, T) = softmax(z / T): the same operator as temperature scaling";
    s.text(
        footer,
        s.px(8.0),
        s.height - s.px(6.0),
        "left",
        "bottom",
        MUTED,
    );
}

fn draw_bars(
    s: &Surface,
    scene: &Scene,
    model: usize,
    area: Rect,
    example: &Example,
    sharpened: &[f32],
) {
    let classes = example.probabilities.len();
    let plot = Plot::new(area, (-0.5, classes as f64 - 0.5), (0.0, 1.0)).without_x_labels();
    plot.axes(s, "", "");

    let slot = area.w / classes as f64;
    let bar = (slot * 0.4).max(1.0);
    let colour = MODEL_COLOURS[model];
    for (k, (&p, &q)) in example.probabilities.iter().zip(sharpened).enumerate() {
        let centre = plot.x.map(k as f64);
        s.ctx.set_global_alpha(UNSHARPENED_ALPHA);
        s.fill_between(
            centre - bar,
            plot.y.map(p as f64),
            centre,
            area.bottom(),
            colour,
        );
        s.ctx.set_global_alpha(1.0);
        if q.is_finite() {
            s.fill_between(
                centre,
                plot.y.map(q as f64),
                centre + bar,
                area.bottom(),
                colour,
            );
        }
    }

    // Class labels under the bars; the true class in ink, bold.
    let every = classes.div_ceil(MAX_LABELS).max(1);
    s.font(10.0);
    for k in (0..classes).filter(|k| k % every == 0 || *k == example.label) {
        let name = class_name(&scene.info.class_names, k);
        let x = plot.x.map(k as f64);
        let colour = if k == example.label { INK } else { MUTED };
        s.text(&name, x, area.bottom() + s.px(3.0), "center", "top", colour);
    }
    let x = plot.x.map(example.label as f64);
    s.pen(INK, 2.0);
    s.segment(
        x - slot * 0.45,
        area.bottom() + s.px(16.0),
        x + slot * 0.45,
        area.bottom() + s.px(16.0),
    );

    let faint = format!("rgba(110,119,129,{UNSHARPENED_ALPHA})");
    let entries = [(faint.as_str(), "p"), (colour, "Sharpen(p, T)")];
    legend(s, s.width - s.px(150.0), s.px(12.0), &entries);
}

fn draw_entropy(s: &Surface, model: usize, area: Rect, probabilities: &[f32], temperature: f32) {
    let most = (probabilities.len().max(2) as f64).ln();
    let plot = Plot::new(area, TEMPERATURE_RANGE, (0.0, most * 1.05)).log_x();
    plot.axes(s, "temperature T (log)", "entropy (nats)");

    let entropy_at = |t: f64| metrics::entropy(&metrics::sharpen(probabilities, t as f32)) as f64;
    let (lo, hi) = (TEMPERATURE_RANGE.0.ln(), TEMPERATURE_RANGE.1.ln());
    let at = |i: usize| (lo + (hi - lo) * i as f64 / SAMPLES as f64).exp();

    s.pen(MUTED, 1.0);
    s.dashed(2.0, 3.0);
    plot.vline(s, 1.0);
    plot.hline(s, most);
    s.solid();
    s.font(10.0);
    let uniform_y = plot.y.map(most) - s.px(2.0);
    s.text(
        "uniform",
        area.right() - s.px(4.0),
        uniform_y,
        "right",
        "bottom",
        MUTED,
    );
    let identity_x = plot.x.map(1.0) + s.px(3.0);
    s.text(
        "T = 1: p itself",
        identity_x,
        area.bottom() - s.px(3.0),
        "left",
        "bottom",
        MUTED,
    );

    let pen = Pen::solid(MODEL_COLOURS[model], 2.0);
    plot.polyline(s, pen, (0..=SAMPLES).map(|i| (at(i), entropy_at(at(i)))));

    let t = (temperature as f64).clamp(TEMPERATURE_RANGE.0, TEMPERATURE_RANGE.1);
    let h = entropy_at(t);
    if h.is_finite() {
        let (x, y) = plot.at(t, h);
        s.pen(INK, 1.0);
        plot.vline(s, t);
        s.ctx.begin_path();
        let _ = s.ctx.arc(x, y, s.px(4.0), 0.0, std::f64::consts::TAU);
        s.ctx.set_fill_style_str(MODEL_COLOURS[model]);
        s.ctx.fill();
        s.ctx.stroke();
        let label = format!("T = {temperature:.2}, H = {h:.2}");
        let (align, dx) = if x > area.x + area.w * 0.6 {
            ("right", -8.0)
        } else {
            ("left", 8.0)
        };
        s.text(&label, x + s.px(dx), area.y + s.px(4.0), align, "top", INK);
    }
}
