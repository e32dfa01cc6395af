//! Charts drawn with plotters on a panel's canvas: the grid, axes, tick labels and curves of
//! a plot area, in data coordinates, on a linear or a logarithmic x axis.
//!
//! Plotters picks the ticks and draws the mesh and the line series through
//! `plotters-canvas`. Its wasm text layout measures a label by appending a `<span>` to the
//! document, which forces a page layout; plotters only does that for labels on a right-hand
//! axis, so every chart here labels its left and bottom axes only. Marks that are not axes
//! or curves (histogram bars, reliability bars, annotations) are drawn by the panels
//! themselves through [`Scale::map`], which maps the same data range onto the same pixels.

use plotters::coord::ranged1d::{Ranged, ValueFormatter};
use plotters::coord::types::RangedCoordf64;
use plotters::prelude::*;
use plotters_canvas::CanvasBackend;

use super::canvas::{Rect, Surface, GRID, MUTED};

/// Room left of a plot area for the y tick labels, in CSS pixels.
const Y_LABEL_ROOM: f64 = 44.0;
/// Room below a plot area for the x tick labels, in CSS pixels.
const X_LABEL_ROOM: f64 = 16.0;
/// Tick label size, in CSS pixels.
const TICK_FONT: f64 = 10.0;

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

/// How a curve is stroked: colour, width in CSS pixels, and an optional dash (on, off) in CSS
/// pixels.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Pen<'a> {
    pub colour: &'a str,
    pub width: f64,
    pub dash: Option<(f64, f64)>,
    /// Multiplies the colour's own alpha. Default 1.
    pub opacity: f64,
}

impl<'a> Pen<'a> {
    pub fn solid(colour: &'a str, width: f64) -> Self {
        Self {
            colour,
            width,
            dash: None,
            opacity: 1.0,
        }
    }

    pub fn dashed(colour: &'a str, width: f64, on: f64, off: f64) -> Self {
        Self {
            colour,
            width,
            dash: Some((on, off)),
            opacity: 1.0,
        }
    }

    /// The same pen, fainter.
    pub fn faded(self, opacity: f64) -> Self {
        Self {
            opacity: opacity.clamp(0.0, 1.0),
            ..self
        }
    }
}

/// A chart area with its two scales.
#[derive(Clone, Copy, Debug)]
pub struct Plot {
    /// The plotting area in device pixels, on whole pixels (plotters draws on whole pixels).
    pub area: Rect,
    pub x: Scale,
    pub y: Scale,
    /// Whether [`Plot::axes`] labels the x ticks; off for charts stacked over one x axis.
    pub x_labels: bool,
}

impl Plot {
    /// A linear chart of `x` × `y` over `area`.
    pub fn new(area: Rect, x: (f64, f64), y: (f64, f64)) -> Self {
        let area = Rect::new(
            area.x.round(),
            area.y.round(),
            area.w.round(),
            area.h.round(),
        );
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

    /// Grid, axis lines, tick labels (by plotters) and the axis titles.
    pub fn axes(&self, s: &Surface, x_title: &str, y_title: &str) {
        s.solid();
        self.on_chart(
            s,
            Mesh {
                surface: s,
                x_labels: self.x_labels,
            },
        );

        s.font(10.0);
        let a = self.area;
        if !x_title.is_empty() {
            let y = a.bottom() + s.px(18.0);
            s.text(x_title, a.right(), y, "right", "top", MUTED);
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

    /// Strokes the points as a plotters line series with `pen`, clipped to the area. A
    /// non-finite point breaks the line, which restarts after it.
    pub fn polyline(&self, s: &Surface, pen: Pen, points: impl IntoIterator<Item = (f64, f64)>) {
        // Far-off values stay a few heights from the area, so no pixel coordinate overflows.
        let (lo, hi) = (self.y.lo, self.y.hi);
        let reach = (hi - lo) * 3.0;
        let mut runs: Vec<Vec<(f64, f64)>> = vec![Vec::new()];
        for (x, y) in points {
            if x.is_finite() && y.is_finite() {
                let y = y.clamp(lo - reach, hi + reach);
                runs.last_mut().expect("never empty").push((x, y));
            } else if runs.last().is_some_and(|run| !run.is_empty()) {
                runs.push(Vec::new());
            }
        }

        s.clip(self.area);
        s.solid();
        self.on_chart(
            s,
            Lines {
                surface: s,
                pen,
                runs: &runs,
            },
        );
        s.unclip();
    }

    /// A horizontal reference line at data value `y`, with the surface's current pen.
    pub fn hline(&self, s: &Surface, y: f64) {
        let py = self.y.map(y);
        if py >= self.area.y - 0.5 && py <= self.area.bottom() + 0.5 {
            s.segment(self.area.x, py, self.area.right(), py);
        }
    }

    /// A vertical reference line at data value `x`, with the surface's current pen.
    pub fn vline(&self, s: &Surface, x: f64) {
        let px = self.x.map(x);
        if px >= self.area.x - 0.5 && px <= self.area.right() + 0.5 {
            s.segment(px, self.area.y, px, self.area.bottom());
        }
    }

    /// Builds the plotters chart whose plotting area is exactly `self.area`, on the right
    /// kind of x axis, and hands it to `job`.
    fn on_chart(&self, s: &Surface, job: impl ChartJob) {
        let Some(backend) = CanvasBackend::with_canvas_object(s.canvas.clone()) else {
            return;
        };
        let root = backend.into_drawing_area();
        let a = self.area;
        // Room for the labels, as much as the canvas has: the plotting area must stay `area`.
        let left = s.px(Y_LABEL_ROOM).round();
        let below = s
            .px(X_LABEL_ROOM)
            .round()
            .min((s.height - a.bottom()).max(0.0));
        let corner = ((a.x - left).max(0.0) as i32, a.y as i32);
        let left = a.x as i32 - corner.0;
        let size = ((a.w as i32 + left) as u32, (a.h + below) as u32);
        let cell = root.shrink(corner, size);

        let mut builder = ChartBuilder::on(&cell);
        builder
            .y_label_area_size(left)
            .x_label_area_size(below as i32);
        let y = self.y.lo..self.y.hi;
        let drawn = if self.x.log {
            let x = (self.x.lo..self.x.hi).log_scale();
            builder
                .build_cartesian_2d(x, y)
                .map_err(|e| e.to_string())
                .and_then(|mut c| job.run(&mut c))
        } else {
            let x = self.x.lo..self.x.hi;
            builder
                .build_cartesian_2d(x, y)
                .map_err(|e| e.to_string())
                .and_then(|mut c| job.run(&mut c))
        };
        if let Err(error) = drawn {
            log::debug!("chart not drawn: {error}");
        }
    }
}

/// A plotters chart over one of the x axes a [`Plot`] can have.
type Chart<'a, X> = ChartContext<'a, CanvasBackend, Cartesian2d<X, RangedCoordf64>>;

/// Something drawn in a plot's data coordinates, whichever kind of x axis the plot has.
trait ChartJob {
    fn run<X>(self, chart: &mut Chart<'_, X>) -> Result<(), String>
    where
        X: Ranged<ValueType = f64> + ValueFormatter<f64>;
}

/// The grid, the left and bottom axis lines, and their tick labels.
struct Mesh<'s> {
    surface: &'s Surface,
    x_labels: bool,
}

impl ChartJob for Mesh<'_> {
    fn run<X>(self, chart: &mut Chart<'_, X>) -> Result<(), String>
    where
        X: Ranged<ValueType = f64> + ValueFormatter<f64>,
    {
        let s = self.surface;
        let (width, height) = chart.plotting_area().dim_in_pixel();
        let ticks_x = ((width as f64 / s.px(70.0)) as usize).clamp(2, 8);
        let ticks_y = ((height as f64 / s.px(28.0)) as usize).clamp(2, 6);
        let font = ("system-ui, sans-serif", s.px(TICK_FONT))
            .into_font()
            .color(&colour(MUTED));
        let label = |v: &f64| tick_label(*v);
        let hide = |_: &f64| String::new();

        let mut mesh = chart.configure_mesh();
        mesh.max_light_lines(0)
            .x_labels(ticks_x)
            .y_labels(ticks_y)
            .bold_line_style(colour(GRID).stroke_width(pixels(s, 1.0)))
            .axis_style(colour(MUTED).stroke_width(pixels(s, 1.0)))
            .set_all_tick_mark_size(s.px(3.0) as i32)
            .label_style(font)
            .x_label_formatter(if self.x_labels { &label } else { &hide })
            .y_label_formatter(&label);
        mesh.draw().map_err(|e| e.to_string())
    }
}

/// Runs of points, each one line series.
struct Lines<'s, 'p> {
    surface: &'s Surface,
    pen: Pen<'p>,
    runs: &'p [Vec<(f64, f64)>],
}

impl ChartJob for Lines<'_, '_> {
    fn run<X>(self, chart: &mut Chart<'_, X>) -> Result<(), String>
    where
        X: Ranged<ValueType = f64> + ValueFormatter<f64>,
    {
        let s = self.surface;
        let pen = self.pen;
        let style = colour(pen.colour)
            .mix(pen.opacity)
            .stroke_width(pixels(s, pen.width));
        for run in self.runs.iter().filter(|run| run.len() > 1) {
            let points = run.iter().copied();
            let drawn = match pen.dash {
                None => chart
                    .draw_series(LineSeries::new(points, style))
                    .map(|_| ()),
                Some((on, off)) => {
                    let (on, off) = (pixels(s, on), pixels(s, off));
                    let dashes = DashedLineSeries::new(points, on, off, style);
                    chart.draw_series(dashes).map(|_| ())
                }
            };
            drawn.map_err(|e| e.to_string())?;
        }
        Ok(())
    }
}

/// A tick value with no trailing zeros: `0`, `0.25`, `20`, `5000`.
fn tick_label(v: f64) -> String {
    if v.abs() < 1e-9 {
        return "0".to_string();
    }
    let text = format!("{v:.4}");
    text.trim_end_matches('0').trim_end_matches('.').to_string()
}

/// `css` CSS pixels as a whole number of device pixels, at least one.
fn pixels(s: &Surface, css: f64) -> u32 {
    s.px(css).round().max(1.0) as u32
}

/// A plotters colour from `#rrggbb` or `rgba(r,g,b,a)`, the two forms the panels' colours
/// are written in; anything else is drawn in the muted grey, never a panic.
pub fn colour(css: &str) -> RGBAColor {
    parse_colour(css).unwrap_or(RGBAColor(110, 119, 129, 1.0))
}

fn parse_colour(css: &str) -> Option<RGBAColor> {
    let css = css.trim();
    if let Some(hex) = css.strip_prefix('#').filter(|hex| hex.len() == 6) {
        let channel = |i: usize| u8::from_str_radix(hex.get(i..i + 2)?, 16).ok();
        return Some(RGBAColor(channel(0)?, channel(2)?, channel(4)?, 1.0));
    }
    let inner = css.strip_prefix("rgba(")?.strip_suffix(')')?;
    let parts: Vec<&str> = inner.split(',').map(str::trim).collect();
    let [r, g, b, a] = parts.as_slice() else {
        return None;
    };
    let alpha: f64 = a.parse().ok()?;
    Some(RGBAColor(
        r.parse().ok()?,
        g.parse().ok()?,
        b.parse().ok()?,
        alpha.clamp(0.0, 1.0),
    ))
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
