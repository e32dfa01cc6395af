//! Shared drawing helpers: the 2D context in device pixels, colours, legends and class names.
//!
//! Axes and curves go through plotters (see [`chart`](super::chart)); the scatter of the
//! cluster panel, histogram and reliability bars, digit images and annotations are drawn on
//! the context directly, where plotters would cost several JS calls a mark and gain nothing.

use std::borrow::Cow;

use wasm_bindgen::{JsCast, JsValue};
use web_sys::{CanvasRenderingContext2d, HtmlCanvasElement};

/// Cross-entropy's colour, then label smoothing's, used by every panel.
pub const MODEL_COLOURS: [&str; 2] = ["#2166ac", "#d6604d"];
pub use crate::core::twin::MODEL_NAMES;
/// Text and axis lines.
pub const INK: &str = "#1f2328";
/// Secondary text and reference lines.
pub const MUTED: &str = "#6e7781";
/// Grid lines.
pub const GRID: &str = "#eaeef2";
/// The canvas background, painted so panels read the same on a light or dark page.
pub const PAPER: &str = "#ffffff";

/// Ten well-separated class colours; classes past ten get generated hues.
const CLASS_COLOURS: [&str; 10] = [
    "#3b75af", "#ef8636", "#519e3e", "#c53a32", "#8d69b8", "#84584e", "#d57dbe", "#7f7f7f",
    "#bcbc45", "#58bbcc",
];

/// The colour of class `k`: ten fixed colours, then hues spaced by the golden angle so
/// neighbouring class indices never look alike.
pub fn class_colour(k: usize) -> Cow<'static, str> {
    match CLASS_COLOURS.get(k) {
        Some(colour) => Cow::Borrowed(colour),
        None => {
            let hue = (k as f64 * 137.508) % 360.0;
            let lightness = if k.is_multiple_of(2) { 38 } else { 55 };
            Cow::Owned(format!("hsl({hue:.0},62%,{lightness}%)"))
        }
    }
}

/// A rectangle in device pixels.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Rect {
    pub x: f64,
    pub y: f64,
    pub w: f64,
    pub h: f64,
}

impl Rect {
    pub fn new(x: f64, y: f64, w: f64, h: f64) -> Self {
        Self {
            x,
            y,
            w: w.max(1.0),
            h: h.max(1.0),
        }
    }

    pub fn right(&self) -> f64 {
        self.x + self.w
    }

    pub fn bottom(&self) -> f64 {
        self.y + self.h
    }

    /// The rectangle shrunk by the given margins (left, top, right, bottom).
    pub fn inset(&self, left: f64, top: f64, right: f64, bottom: f64) -> Rect {
        Rect::new(
            self.x + left,
            self.y + top,
            self.w - left - right,
            self.h - top - bottom,
        )
    }

    /// The horizontal band from fraction `from` to fraction `to` of the height.
    pub fn rows(&self, from: f64, to: f64) -> Rect {
        Rect::new(self.x, self.y + self.h * from, self.w, self.h * (to - from))
    }

    /// The vertical band from fraction `from` to fraction `to` of the width.
    pub fn columns(&self, from: f64, to: f64) -> Rect {
        Rect::new(self.x + self.w * from, self.y, self.w * (to - from), self.h)
    }
}

/// A canvas's 2D context, cleared and ready, with its size in device pixels and the device
/// pixel ratio used to size text and lines.
pub struct Surface {
    /// The canvas, for plotters' backend, which draws on the same context.
    pub canvas: HtmlCanvasElement,
    pub ctx: CanvasRenderingContext2d,
    pub width: f64,
    pub height: f64,
    /// Device pixels per CSS pixel.
    pub dpr: f64,
}

impl Surface {
    /// Takes the canvas's context and paints the background; `None` if the canvas has no 2D
    /// context or no area.
    pub fn begin(canvas: &HtmlCanvasElement) -> Option<Surface> {
        let ctx: CanvasRenderingContext2d = canvas.get_context("2d").ok()??.dyn_into().ok()?;
        let (width, height) = (canvas.width() as f64, canvas.height() as f64);
        if width < 1.0 || height < 1.0 {
            return None;
        }
        let surface = Surface {
            canvas: canvas.clone(),
            ctx,
            width,
            height,
            dpr: device_pixel_ratio(),
        };
        let ctx = &surface.ctx;
        let _ = ctx.set_transform(1.0, 0.0, 0.0, 1.0, 0.0, 0.0);
        ctx.set_global_alpha(1.0);
        surface.solid();
        ctx.set_fill_style_str(PAPER);
        ctx.fill_rect(0.0, 0.0, width, height);
        surface.font(11.0);
        Some(surface)
    }

    /// The whole canvas.
    pub fn bounds(&self) -> Rect {
        Rect::new(0.0, 0.0, self.width, self.height)
    }

    /// CSS pixels to device pixels.
    pub fn px(&self, css: f64) -> f64 {
        css * self.dpr
    }

    /// Sets the font to `css` CSS pixels of the system sans-serif.
    pub fn font(&self, css: f64) {
        self.ctx
            .set_font(&format!("{:.1}px system-ui, sans-serif", self.px(css)));
    }

    /// Writes `text` at (x, y) with the given alignment (`left|center|right`) and baseline
    /// (`top|middle|bottom|alphabetic`).
    pub fn text(&self, text: &str, x: f64, y: f64, align: &str, baseline: &str, colour: &str) {
        self.ctx.set_text_align(align);
        self.ctx.set_text_baseline(baseline);
        self.ctx.set_fill_style_str(colour);
        let _ = self.ctx.fill_text(text, x, y);
    }

    /// A short message in the middle of the canvas, for when there is nothing to draw yet.
    pub fn message(&self, text: &str) {
        self.font(12.0);
        self.text(
            text,
            self.width / 2.0,
            self.height / 2.0,
            "center",
            "middle",
            MUTED,
        );
    }

    /// Sets a dash pattern given in CSS pixels.
    pub fn dashed(&self, on: f64, off: f64) {
        let pattern = js_sys::Array::of2(&JsValue::from(self.px(on)), &self.px(off).into());
        let _ = self.ctx.set_line_dash(&pattern);
    }

    /// Back to solid lines.
    pub fn solid(&self) {
        let _ = self.ctx.set_line_dash(&js_sys::Array::new());
    }

    /// Sets the stroke colour and a width in CSS pixels.
    pub fn pen(&self, colour: &str, css_width: f64) {
        self.ctx.set_stroke_style_str(colour);
        self.ctx.set_line_width(self.px(css_width));
    }

    /// A straight line in device pixels with the current pen.
    pub fn segment(&self, x0: f64, y0: f64, x1: f64, y1: f64) {
        self.ctx.begin_path();
        self.ctx.move_to(x0, y0);
        self.ctx.line_to(x1, y1);
        self.ctx.stroke();
    }

    /// Fills a rectangle given by two corners, in either order.
    pub fn fill_between(&self, x0: f64, y0: f64, x1: f64, y1: f64, colour: &str) {
        self.ctx.set_fill_style_str(colour);
        self.ctx
            .fill_rect(x0.min(x1), y0.min(y1), (x1 - x0).abs(), (y1 - y0).abs());
    }

    /// Restricts drawing to `area` until the matching [`Surface::unclip`].
    pub fn clip(&self, area: Rect) {
        self.ctx.save();
        self.ctx.begin_path();
        self.ctx.rect(area.x, area.y, area.w, area.h);
        self.ctx.clip();
    }

    pub fn unclip(&self) {
        self.ctx.restore();
    }
}

/// `window.devicePixelRatio`, or 1 when there is no window or it is not a usable number.
pub fn device_pixel_ratio() -> f64 {
    let dpr = web_sys::window().map_or(1.0, |w| w.device_pixel_ratio());
    if dpr.is_finite() && dpr > 0.0 {
        dpr
    } else {
        1.0
    }
}

/// The name of class `k`, or its index when the run has no name for it.
pub fn class_name(names: &[String], k: usize) -> Cow<'_, str> {
    match names.get(k) {
        Some(name) if !name.is_empty() => Cow::Borrowed(name.as_str()),
        _ => Cow::Owned(k.to_string()),
    }
}

/// A short legend: a colour swatch and a name per entry, laid out in one row from (x, y).
pub fn legend(s: &Surface, x: f64, y: f64, entries: &[(&str, &str)]) {
    s.font(10.0);
    let mut cursor = x;
    for (colour, name) in entries {
        s.fill_between(
            cursor,
            y - s.px(4.0),
            cursor + s.px(12.0),
            y + s.px(4.0),
            colour,
        );
        s.text(name, cursor + s.px(16.0), y, "left", "middle", INK);
        let width = s.ctx.measure_text(name).map_or(s.px(60.0), |m| m.width());
        cursor += s.px(28.0) + width;
    }
}
