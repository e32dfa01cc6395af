//! Feature clusters: the penultimate features of the displayed examples, in the template
//! plane of three classes (Müller et al. 2019, Fig. 1) or in the top two principal components.
//!
//! In the template plane an example sits at `(xᵀu1, xᵀu2)` and a template at `(w_kᵀu1,
//! w_kᵀu2)`, an exact linear image of the logit differences, so both axes share one scale:
//! distances and the shape of the template triangle are drawn as they are. Points glide from
//! the previous snapshot to the current one.
//!
//! Points are drawn straight onto the 2D context with one path and one fill per class, so a
//! thousand points cost a thousand `arc` calls and a handful of fills.

use std::f64::consts::TAU;

use web_sys::HtmlCanvasElement;

use super::canvas::{class_colour, class_name, device_pixel_ratio, legend, Rect, Surface};
use super::canvas::{INK, MUTED, PAPER};
use crate::core::twin::{ModelFrame, Projection};
use crate::ui::scene::{Scene, Split};

/// Radius of an example's dot, in CSS pixels.
const DOT_RADIUS: f64 = 2.3;
/// How far from a dot a pointer still picks it, in CSS pixels.
const PICK_RADIUS: f64 = 8.0;
/// Half the size of a template marker, in CSS pixels.
const TEMPLATE_SIZE: f64 = 8.0;

/// Where data coordinates land on the canvas: one scale for both axes, y pointing up.
#[derive(Clone, Copy, Debug)]
struct Placement {
    scale: f64,
    centre: [f64; 2],
    origin: (f64, f64),
}

impl Placement {
    fn at(&self, p: [f32; 2]) -> (f64, f64) {
        (
            self.origin.0 + (p[0] as f64 - self.centre[0]) * self.scale,
            self.origin.1 - (p[1] as f64 - self.centre[1]) * self.scale,
        )
    }
}

fn is_pca(scene: &Scene) -> bool {
    matches!(scene.current.projection, Projection::Pca)
}

/// Whether examples of class `label` are drawn: every class under PCA, the three chosen
/// classes in the template plane.
fn shows(scene: &Scene, label: usize) -> bool {
    if is_pca(scene) {
        label < scene.info.classes
    } else {
        scene.view.classes.contains(&label)
    }
}

/// The classes drawn, each once, in drawing order.
fn drawn_classes(scene: &Scene) -> impl Iterator<Item = usize> {
    let pca = is_pca(scene);
    let every = if pca { scene.info.classes } else { 0 };
    let chosen = scene.view.classes;
    let first_mentions = (0..3).filter(move |&i| !pca && !chosen[..i].contains(&chosen[i]));
    (0..every).chain(first_mentions.map(move |i| chosen[i]))
}

fn split_labels<'a>(scene: &Scene<'a>) -> &'a [usize] {
    match scene.view.split {
        Split::Train => &scene.info.display_train_labels,
        Split::Validation => &scene.info.display_validation_labels,
    }
}

fn split_points(frame: &ModelFrame, split: Split) -> &[[f32; 2]] {
    match split {
        Split::Train => &frame.train_points,
        Split::Validation => &frame.validation_points,
    }
}

/// Calls `f(index, label, position)` for every drawn example of `model`, in frame order,
/// at its interpolated position. Drawing, scaling and picking all go through here.
fn for_each_point(scene: &Scene, model: usize, mut f: impl FnMut(usize, usize, [f32; 2])) {
    let (previous, current) = scene.frames(model);
    let labels = split_labels(scene);
    let now = split_points(current, scene.view.split);
    let before = split_points(previous, scene.view.split);
    let glide = before.len() == now.len();

    for (index, (&label, &point)) in labels.iter().zip(now).enumerate() {
        if !shows(scene, label) {
            continue;
        }
        let point = if glide {
            scene.lerp_point(before[index], point)
        } else {
            point
        };
        if point[0].is_finite() && point[1].is_finite() {
            f(index, label, point);
        }
    }
}

/// Calls `f(class, position)` for the template of each chosen class (template plane only).
fn for_each_template(scene: &Scene, model: usize, mut f: impl FnMut(usize, [f32; 2])) {
    if is_pca(scene) {
        return;
    }
    let (previous, current) = scene.frames(model);
    for k in drawn_classes(scene) {
        let Some(&now) = current.templates.get(k) else {
            continue;
        };
        let point = match previous.templates.get(k) {
            Some(&before) if previous.templates.len() == current.templates.len() => {
                scene.lerp_point(before, now)
            }
            _ => now,
        };
        if point[0].is_finite() && point[1].is_finite() {
            f(k, point);
        }
    }
}

/// The area the points may use, leaving room for the caption and the template labels.
fn plot_area(width: f64, height: f64, dpr: f64) -> Rect {
    Rect::new(0.0, 0.0, width, height).inset(18.0 * dpr, 36.0 * dpr, 18.0 * dpr, 22.0 * dpr)
}

/// The one transform from data to device pixels, shared by [`draw`] and [`hit_test`]. With
/// a shared scale it fits both models' points and templates, otherwise this model's.
fn placement(width: f64, height: f64, dpr: f64, scene: &Scene, model: usize) -> Option<Placement> {
    let mut lo = [f64::INFINITY; 2];
    let mut hi = [f64::NEG_INFINITY; 2];
    let mut include = |p: [f32; 2]| {
        for axis in 0..2 {
            lo[axis] = lo[axis].min(p[axis] as f64);
            hi[axis] = hi[axis].max(p[axis] as f64);
        }
    };
    let models = if scene.view.shared_scale {
        0..2
    } else {
        model..model + 1
    };
    for m in models {
        for_each_point(scene, m, |_, _, p| include(p));
        for_each_template(scene, m, |_, p| include(p));
    }
    if !(lo[0].is_finite() && hi[0].is_finite()) {
        return None;
    }

    let area = plot_area(width, height, dpr);
    let span_x = (hi[0] - lo[0]).max(1e-6);
    let span_y = (hi[1] - lo[1]).max(1e-6);
    let scale = (area.w / span_x).min(area.h / span_y);
    Some(Placement {
        scale,
        centre: [(lo[0] + hi[0]) / 2.0, (lo[1] + hi[1]) / 2.0],
        origin: (area.x + area.w / 2.0, area.y + area.h / 2.0),
    })
}

/// Draws model `model`'s feature clusters for the split and classes in `scene.view`.
pub fn draw(canvas: &HtmlCanvasElement, scene: &Scene, model: usize) {
    let Some(s) = Surface::begin(canvas) else {
        return;
    };
    let model = model.min(1);
    let Some(place) = placement(s.width, s.height, s.dpr, scene, model) else {
        let (_, current) = scene.frames(model);
        if current.train_points.is_empty() {
            s.message("Waiting for the first frame…");
        } else {
            s.message("No examples of these classes to show");
        }
        return;
    };

    draw_points(&s, scene, model, place);
    draw_selection(&s, scene, model, place);
    draw_templates(&s, scene, model, place);
    draw_captions(&s, scene, model);
}

fn draw_points(s: &Surface, scene: &Scene, model: usize, place: Placement) {
    let radius = s.px(DOT_RADIUS);
    s.ctx.set_global_alpha(match scene.view.split {
        Split::Train => 0.8,
        Split::Validation => 0.65,
    });
    for class in drawn_classes(scene) {
        s.ctx.begin_path();
        for_each_point(scene, model, |_, label, p| {
            if label == class {
                let (x, y) = place.at(p);
                s.ctx.move_to(x + radius, y);
                let _ = s.ctx.arc(x, y, radius, 0.0, TAU);
            }
        });
        s.ctx.set_fill_style_str(&class_colour(class));
        s.ctx.fill();
    }
    s.ctx.set_global_alpha(1.0);
}

fn draw_selection(s: &Surface, scene: &Scene, model: usize, place: Placement) {
    let Some(selected) = scene.view.selected else {
        return;
    };
    for_each_point(scene, model, |index, _, p| {
        if index == selected {
            let (x, y) = place.at(p);
            s.pen(INK, 1.5);
            s.ctx.begin_path();
            let _ = s.ctx.arc(x, y, s.px(DOT_RADIUS + 4.0), 0.0, TAU);
            s.ctx.stroke();
        }
    });
}

/// Large outlined diamonds at the chosen templates, a faint triangle between them, and the
/// class names.
fn draw_templates(s: &Surface, scene: &Scene, model: usize, place: Placement) {
    let mut corners = [(0.0, 0.0); 3];
    let mut count = 0;
    for_each_template(scene, model, |_, p| {
        if count < 3 {
            corners[count] = place.at(p);
            count += 1;
        }
    });
    if count == 3 {
        s.pen(MUTED, 1.0);
        s.dashed(3.0, 3.0);
        s.ctx.begin_path();
        s.ctx.move_to(corners[0].0, corners[0].1);
        s.ctx.line_to(corners[1].0, corners[1].1);
        s.ctx.line_to(corners[2].0, corners[2].1);
        s.ctx.close_path();
        s.ctx.stroke();
        s.solid();
    }

    let size = s.px(TEMPLATE_SIZE);
    s.font(12.0);
    for_each_template(scene, model, |k, p| {
        let (x, y) = place.at(p);
        let colour = class_colour(k);
        s.ctx.begin_path();
        s.ctx.move_to(x, y - size);
        s.ctx.line_to(x + size, y);
        s.ctx.line_to(x, y + size);
        s.ctx.line_to(x - size, y);
        s.ctx.close_path();
        s.ctx.set_fill_style_str(PAPER);
        s.ctx.fill();
        s.pen(&colour, 2.5);
        s.ctx.stroke();

        let name = class_name(&scene.info.class_names, k);
        let (tx, ty) = (x + size + s.px(3.0), y - size);
        s.ctx.set_text_align("left");
        s.ctx.set_text_baseline("middle");
        s.pen(PAPER, 3.0);
        let _ = s.ctx.stroke_text(&name, tx, ty);
        s.ctx.set_fill_style_str(&colour);
        let _ = s.ctx.fill_text(&name, tx, ty);
    });
}

fn draw_captions(s: &Surface, scene: &Scene, model: usize) {
    let split = match scene.view.split {
        Split::Train => "train",
        Split::Validation => "validation",
    };
    let names = &scene.info.class_names;
    s.font(11.0);
    let caption = if is_pca(scene) {
        format!("PCA of penultimate features · {split}")
    } else {
        let [a, b, c] = scene.view.classes;
        format!(
            "template plane of {}, {}, {} · {split}",
            class_name(names, a),
            class_name(names, b),
            class_name(names, c)
        )
    };
    s.text(&caption, s.px(8.0), s.px(6.0), "left", "top", INK);

    let tightness = scene.frames(model).1.metrics.tightness;
    if !is_pca(scene) && tightness.is_finite() {
        let right = s.width - s.px(8.0);
        s.text(
            &format!("tightness {tightness:.3}"),
            right,
            s.px(6.0),
            "right",
            "top",
            INK,
        );
        s.font(9.5);
        s.text(
            "spread / template distance",
            right,
            s.px(20.0),
            "right",
            "top",
            MUTED,
        );
    }

    if is_pca(scene) && scene.info.classes <= 10 {
        let entries: Vec<(String, String)> = (0..scene.info.classes)
            .map(|k| {
                (
                    class_colour(k).into_owned(),
                    class_name(names, k).into_owned(),
                )
            })
            .collect();
        let entries: Vec<(&str, &str)> = entries
            .iter()
            .map(|(c, n)| (c.as_str(), n.as_str()))
            .collect();
        legend(s, s.px(8.0), s.height - s.px(10.0), &entries);
    }
}

/// The index (into the split on show) of the drawn example nearest to the pointer, if one is
/// within a few pixels. `x_css`, `y_css` are CSS pixels from the canvas's top-left corner,
/// as `MouseEvent.offsetX/offsetY` give them.
pub fn hit_test(
    canvas: &HtmlCanvasElement,
    scene: &Scene,
    model: usize,
    x_css: f64,
    y_css: f64,
) -> Option<usize> {
    let model = model.min(1);
    let (width, height) = (canvas.width() as f64, canvas.height() as f64);
    let shown = canvas.get_bounding_client_rect().width();
    // Device pixels per CSS pixel as laid out, which is what the pointer coordinates use.
    let ratio = if shown > 0.0 {
        width / shown
    } else {
        device_pixel_ratio()
    };
    let place = placement(width, height, device_pixel_ratio(), scene, model)?;

    let (px, py) = (x_css * ratio, y_css * ratio);
    let mut best = None;
    let mut best_distance = (PICK_RADIUS * ratio).powi(2);
    for_each_point(scene, model, |index, _, p| {
        let (x, y) = place.at(p);
        let distance = (x - px).powi(2) + (y - py).powi(2);
        if distance <= best_distance {
            best_distance = distance;
            best = Some(index);
        }
    });
    best
}
