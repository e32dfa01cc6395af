//! Charts on a [`Surface`]: scales (linear and logarithmic), round tick values, and a plot
//! area that draws its axes, polylines and reference lines in data coordinates.

use super::canvas::{Rect, Surface, GRID, MUTED};

/// A map from a data interval onto a pixel interval, linear or logarithmic.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Scale {
    pub lo: f64,
    pub hi: f64,
    from: f64,
    to: f64,
    log: bool,
}

impl Scale {
    /// A linear scale; an empty or non-finite domain is widened to something drawable.
    pub fn linear(lo: f64, hi: f64, from: f64, to: f64) -> Self {
        let (lo, hi) = sane_domain(lo, hi);
        Self {
            lo,
            hi,
            from,
            to,
            log: false,
        }
    }

    /// A logarithmic scale over a positive domain.
    pub fn log(lo: f64, hi: f64, from: f64, to: f64) -> Self {
        let lo = if lo.is_finite() && lo > 0.0 { lo } else { 1e-3 };
        let hi = if hi.is_finite() && hi > lo {
            hi
        } else {
            lo * 10.0
        };
        Self {
            lo,
            hi,
            from,
            to,
            log: true,
        }
    }

    fn unit(&self, v: f64) -> f64 {
        if self.log {
            (v.max(f64::MIN_POSITIVE).ln() - self.lo.ln()) / (self.hi.ln() - self.lo.ln())
        } else {
            (v - self.lo) / (self.hi - self.lo)
        }
    }

    /// The pixel position of data value `v`.
    pub fn map(&self, v: f64) -> f64 {
        self.from + self.unit(v) * (self.to - self.from)
    }

    /// The data value at pixel `p`.
    pub fn invert(&self, p: f64) -> f64 {
        let u = (p - self.from) / (self.to - self.from);
        if self.log {
            (self.lo.ln() + u * (self.hi.ln() - self.lo.ln())).exp()
        } else {
            self.lo + u * (self.hi - self.lo)
        }
    }

    /// Calls `f` with about `count` round tick values inside the domain.
    pub fn ticks(&self, count: usize, mut f: impl FnMut(f64, &str)) {
        if self.log {
            let mut decade = 10f64.powf(self.lo.log10().floor());
            while decade <= self.hi * 1.0001 {
                for m in [1.0, 2.0, 5.0] {
                    let v = decade * m;
                    if v >= self.lo * 0.9999 && v <= self.hi * 1.0001 {
                        f(v, &format_value(v, v));
                    }
                }
                decade *= 10.0;
            }
            return;
        }
        let step = nice_step(self.hi - self.lo, count.max(1));
        let first = (self.lo / step).ceil() as i64;
        let last = (self.hi / step + 1e-9).floor() as i64;
        for i in first..=last.min(first + 50) {
            let v = i as f64 * step;
            f(v, &format_value(v, step));
        }
    }
}

fn sane_domain(lo: f64, hi: f64) -> (f64, f64) {
    match (lo.is_finite(), hi.is_finite()) {
        (true, true) if hi > lo => (lo, hi),
        (true, true) => (lo - 0.5, lo + 0.5),
        (true, false) => (lo, lo + 1.0),
        (false, true) => (hi - 1.0, hi),
        (false, false) => (0.0, 1.0),
    }
}

/// A round step (1, 2 or 5 times a power of ten) that cuts `span` into about `count` parts.
pub fn nice_step(span: f64, count: usize) -> f64 {
    let raw = span.abs().max(1e-12) / count as f64;
    let power = 10f64.powf(raw.log10().floor());
    let mantissa = raw / power;
    let nice = if mantissa < 1.5 {
        1.0
    } else if mantissa < 3.5 {
        2.0
    } else if mantissa < 7.5 {
        5.0
    } else {
        10.0
    };
    nice * power
}

/// `v` with as many decimals as a tick spacing of `step` needs.
pub fn format_value(v: f64, step: f64) -> String {
    let decimals = (-step.abs().max(1e-9).log10().floor()).clamp(0.0, 6.0) as usize;
    let v = if v.abs() < step.abs() * 1e-6 { 0.0 } else { v };
    format!("{v:.decimals$}")
}

/// A chart area with its two scales.
#[derive(Clone, Copy, Debug)]
pub struct Plot {
    pub area: Rect,
    pub x: Scale,
    pub y: Scale,
    /// Whether [`Plot::axes`] labels the x ticks; off for charts stacked over one x axis.
    pub x_labels: bool,
}

impl Plot {
    /// A linear chart of `x` × `y` over `area`.
    pub fn new(area: Rect, x: (f64, f64), y: (f64, f64)) -> Self {
        Self {
            area,
            x: Scale::linear(x.0, x.1, area.x, area.right()),
            y: Scale::linear(y.0, y.1, area.bottom(), area.y),
            x_labels: true,
        }
    }

    /// The same chart without x tick labels.
    pub fn without_x_labels(mut self) -> Self {
        self.x_labels = false;
        self
    }

    /// The same chart with a logarithmic x axis.
    pub fn log_x(mut self) -> Self {
        self.x = Scale::log(self.x.lo, self.x.hi, self.area.x, self.area.right());
        self
    }

    /// Device-pixel position of the data point (x, y).
    pub fn at(&self, x: f64, y: f64) -> (f64, f64) {
        (self.x.map(x), self.y.map(y))
    }

    /// Grid, frame, tick labels and axis titles.
    pub fn axes(&self, s: &Surface, x_title: &str, y_title: &str) {
        let a = self.area;
        let ticks_x = ((a.w / s.px(70.0)) as usize).clamp(2, 8);
        let ticks_y = ((a.h / s.px(28.0)) as usize).clamp(2, 6);
        s.font(10.0);

        s.pen(GRID, 1.0);
        self.x.ticks(ticks_x, |v, label| {
            let px = self.x.map(v);
            s.segment(px, a.y, px, a.bottom());
            if self.x_labels {
                s.text(label, px, a.bottom() + s.px(3.0), "center", "top", MUTED);
            }
        });
        self.y.ticks(ticks_y, |v, label| {
            let py = self.y.map(v);
            s.segment(a.x, py, a.right(), py);
            s.text(label, a.x - s.px(4.0), py, "right", "middle", MUTED);
        });

        s.pen(MUTED, 1.0);
        s.ctx.stroke_rect(a.x, a.y, a.w, a.h);
        if !x_title.is_empty() {
            s.text(
                x_title,
                a.right(),
                a.bottom() + s.px(15.0),
                "right",
                "top",
                MUTED,
            );
        }
        if !y_title.is_empty() {
            s.text(
                y_title,
                a.x + s.px(4.0),
                a.y + s.px(3.0),
                "left",
                "top",
                MUTED,
            );
        }
    }

    /// Strokes the points as one polyline with the current pen, clipped to the area, skipping
    /// non-finite points (the line restarts after them).
    pub fn polyline(&self, s: &Surface, points: impl IntoIterator<Item = (f64, f64)>) {
        s.clip(self.area);
        s.ctx.begin_path();
        let mut pen_down = false;
        for (x, y) in points {
            if !(x.is_finite() && y.is_finite()) {
                pen_down = false;
                continue;
            }
            let (px, py) = self.at(x, y);
            // Keep far-off values finite so the canvas does not drop the whole path.
            let py = py.clamp(self.area.y - self.area.h, self.area.bottom() + self.area.h);
            if pen_down {
                s.ctx.line_to(px, py);
            } else {
                s.ctx.move_to(px, py);
                pen_down = true;
            }
        }
        s.ctx.stroke();
        s.unclip();
    }

    /// A horizontal reference line at data value `y`, with the current pen.
    pub fn hline(&self, s: &Surface, y: f64) {
        let py = self.y.map(y);
        if py >= self.area.y - 0.5 && py <= self.area.bottom() + 0.5 {
            s.segment(self.area.x, py, self.area.right(), py);
        }
    }

    /// A vertical reference line at data value `x`, with the current pen.
    pub fn vline(&self, s: &Surface, x: f64) {
        let px = self.x.map(x);
        if px >= self.area.x - 0.5 && px <= self.area.right() + 0.5 {
            s.segment(px, self.area.y, px, self.area.bottom());
        }
    }
}

/// The smallest and largest finite values, or `None` when there are none.
pub fn finite_range(values: impl IntoIterator<Item = f64>) -> Option<(f64, f64)> {
    values
        .into_iter()
        .filter(|v| v.is_finite())
        .fold(None, |range, v| match range {
            None => Some((v, v)),
            Some((lo, hi)) => Some((lo.min(v), hi.max(v))),
        })
}

/// The x range of a chart against the training step: the steps seen, or `0..=step` while
/// there is only one.
pub fn step_range(steps: impl IntoIterator<Item = u64>) -> Option<(f64, f64)> {
    let (lo, hi) = finite_range(steps.into_iter().map(|step| step as f64))?;
    Some(if hi > lo {
        (lo, hi)
    } else {
        (0.0, hi.max(1.0))
    })
}
