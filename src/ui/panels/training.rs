//! Training curves of both models against the step, as small multiples: loss, accuracy,
//! expected calibration error and mean feature norm.
//!
//! Dashed lines are training numbers, solid lines validation numbers. The smoothed model's
//! training loss is measured against its own smoothed targets, so it bottoms out above zero;
//! validation NLL is against the true labels for both and compares directly.

use web_sys::HtmlCanvasElement;

use super::canvas::{legend, Rect, Surface, INK, MODEL_COLOURS, MODEL_NAMES, MUTED};
use super::chart::{finite_range, step_range, Pen, Plot};
use crate::core::twin::Metrics;
use crate::ui::scene::{HistoryPoint, Scene};

/// One metric read off a history point.
type Reading = fn(&Metrics) -> f32;

/// One small chart: its title and the (solid, dashed) metrics it plots for each model.
struct Chart {
    title: &'static str,
    solid: Reading,
    dashed: Option<Reading>,
    /// Whether the y axis starts at zero rather than just below the lowest value.
    from_zero: bool,
}

const CHARTS: [Chart; 4] = [
    Chart {
        title: "loss: validation NLL, train (own targets)",
        solid: |m| m.validation_nll,
        dashed: Some(|m| m.train_loss),
        from_zero: true,
    },
    Chart {
        title: "accuracy: validation, train",
        solid: |m| m.validation_accuracy,
        dashed: Some(|m| m.train_accuracy),
        from_zero: false,
    },
    Chart {
        title: "ECE (validation, T = 1)",
        solid: |m| m.ece,
        dashed: None,
        from_zero: true,
    },
    Chart {
        title: "mean feature norm ‖h‖",
        solid: |m| m.mean_feature_norm,
        dashed: None,
        from_zero: true,
    },
];

/// Draws both models' training curves; `_model` is ignored (the canvas shows both).
pub fn draw(canvas: &HtmlCanvasElement, scene: &Scene, _model: usize) {
    let Some(s) = Surface::begin(canvas) else {
        return;
    };
    let history = scene.history;
    let Some(steps) = step_range(history.iter().map(|p| p.step)) else {
        s.message("Training curves appear once training starts");
        return;
    };

    let entries = [
        (MODEL_COLOURS[0], MODEL_NAMES[0]),
        (MODEL_COLOURS[1], MODEL_NAMES[1]),
    ];
    legend(&s, s.px(8.0), s.px(12.0), &entries);
    s.font(10.0);
    let note = "solid: validation · dashed: train";
    s.text(
        note,
        s.width - s.px(8.0),
        s.px(12.0),
        "right",
        "middle",
        MUTED,
    );

    let grid = s.bounds().inset(0.0, s.px(24.0), 0.0, 0.0);
    let two_wide = grid.w >= s.px(520.0);
    for (i, chart) in CHARTS.iter().enumerate() {
        let cell = if two_wide {
            let (row, column) = ((i / 2) as f64, (i % 2) as f64);
            grid.rows(row / 2.0, (row + 1.0) / 2.0)
                .columns(column / 2.0, (column + 1.0) / 2.0)
        } else {
            grid.rows(i as f64 / 4.0, (i as f64 + 1.0) / 4.0)
        };
        draw_chart(&s, history, chart, cell, steps);
    }
}

fn draw_chart(s: &Surface, history: &[HistoryPoint], chart: &Chart, cell: Rect, steps: (f64, f64)) {
    let area = cell.inset(s.px(46.0), s.px(20.0), s.px(12.0), s.px(30.0));
    let readings = [Some(chart.solid), chart.dashed];
    let values = history.iter().flat_map(|point| {
        point
            .metrics
            .iter()
            .flat_map(|m| readings.iter().flatten().map(|read| read(m) as f64))
    });
    let Some((lo, hi)) = finite_range(values) else {
        return;
    };

    let lo = if chart.from_zero {
        lo.min(0.0)
    } else {
        lo - (hi - lo).max(0.02) * 0.1
    };
    let hi = hi + (hi - lo).max(1e-3) * 0.08;
    let plot = Plot::new(area, steps, (lo, hi));
    plot.axes(s, "step", "");
    s.font(10.5);
    s.text(chart.title, area.x, cell.y + s.px(6.0), "left", "top", INK);

    // A line needs no more points than the chart is pixels wide.
    let stride = (history.len() / (area.w as usize).max(1)).max(1);
    for (model, colour) in MODEL_COLOURS.iter().enumerate() {
        let pens = [
            Pen::solid(colour, 1.75),
            Pen::dashed(colour, 1.75, 4.0, 3.0),
        ];
        for (read, pen) in readings.iter().zip(pens) {
            let Some(read) = read else { continue };
            let sampled = history.iter().step_by(stride).chain(history.last());
            let points = sampled.map(|p| (p.step as f64, read(&p.metrics[model]) as f64));
            plot.polyline(s, pen, points);
        }
    }
}
