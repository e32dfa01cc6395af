//! The six panel sections: a heading, a caption saying what to look for, and the canvases.
//!
//! Canvases register themselves with the [`Stage`](super::stage::Stage) when they mount, and
//! the animation loop draws them from there; nothing in this module draws. The cluster
//! canvases also answer the pointer: hovering (or tapping) an example shows a tooltip with
//! the example and both models' probabilities, and clicking selects it for the sharpen panel.

use std::cell::RefCell;
use std::rc::Rc;

use leptos::html::Canvas;
use leptos::prelude::*;
use leptos::reactive::send_wrapper_ext::SendOption;
use web_sys::{HtmlCanvasElement, PointerEvent};

use super::panels;
use super::scene::Split;
use super::stage::{Panel, PanelCanvas, SharedStage, Stage};
use super::visibility;
use crate::core::twin::{CROSS_ENTROPY, SMOOTHED};

/// What the cluster tooltip shows about one example.
#[derive(Clone, Debug, PartialEq)]
pub struct Hover {
    /// Which canvas the pointer is over (0 cross-entropy, 1 smoothed).
    pub model: usize,
    /// Pointer position within that canvas, and the canvas's width, in CSS pixels.
    pub x: f64,
    pub y: f64,
    pub width: f64,
    pub index: usize,
    pub split: Split,
    pub label: usize,
    pub class_names: Vec<String>,
    /// The raw image (values 0..=16) and its side, for image data.
    pub image: Option<(usize, Vec<f32>)>,
    /// Both models' predicted probabilities, K each.
    pub probabilities: [Vec<f32>; 2],
}

/// One panel: `<section>` with its heading, caption and canvases.
#[component]
pub fn PanelSection(
    panel: Panel,
    title: &'static str,
    /// One line on what to look for; reactive so it can quote live numbers.
    caption: Signal<String>,
    stage: SharedStage,
    /// The labels under the two canvases (cross-entropy, smoothed).
    model_names: Signal<[String; 2]>,
    /// The cluster tooltip's state; only the cluster panel reads or writes it.
    hover: RwSignal<Option<Hover>>,
) -> impl IntoView {
    let figures = if panel.shows_both() {
        vec![(CROSS_ENTROPY, "both")]
    } else {
        vec![(CROSS_ENTROPY, "ce"), (SMOOTHED, "ls")]
    };
    let single = figures.len() == 1;

    let figures = figures
        .into_iter()
        .map(|(model, tag)| {
            let name = move || {
                if single {
                    "both models: blue cross-entropy, red label smoothing; solid validation, dashed training"
                        .to_string()
                } else {
                    model_names.with(|names| names[model].clone())
                }
            };
            view! {
                <figure>
                    <PanelCanvas panel=panel model=model tag=tag stage=stage.clone() hover=hover />
                    <figcaption>{name}</figcaption>
                    {(panel == Panel::Clusters).then(|| view! { <Tooltip model=model hover=hover /> })}
                </figure>
            }
        })
        .collect_view();

    view! {
        <section class="panel" class:wide=single data-section=panel.name()>
            <h2>{title}</h2>
            <p class="caption">{move || caption.get()}</p>
            <div class="figures">{figures}</div>
        </section>
    }
}

/// A mounted canvas, and the observer that keeps its visibility (dropped with it).
type Mounted = (HtmlCanvasElement, Option<visibility::Watch>);

/// A canvas that registers itself for drawing, and, in the cluster panel, answers the pointer.
#[component]
fn PanelCanvas(
    panel: Panel,
    model: usize,
    tag: &'static str,
    stage: SharedStage,
    hover: RwSignal<Option<Hover>>,
) -> impl IntoView {
    let node: NodeRef<Canvas> = NodeRef::new();
    let mounted: Rc<RefCell<Option<Mounted>>> = Rc::default();
    let (registered, remembered) = (stage.clone(), mounted.clone());
    node.on_load(move |element: HtmlCanvasElement| {
        registered.borrow_mut().canvases.push(PanelCanvas {
            panel,
            model,
            element: element.clone(),
            stale: true,
            visible: true,
        });
        let watch = visibility::watch(registered.clone(), &element);
        *remembered.borrow_mut() = Some((element, watch));
    });

    // Cleanup must be `Send`; the page has one thread, which `SendOption` checks.
    let on_unmount = SendOption::new_local(Some((stage.clone(), mounted)));
    on_cleanup(move || {
        if let Some((stage, mounted)) = on_unmount.take() {
            if let Some((element, _watch)) = mounted.take() {
                stage.borrow_mut().canvases.retain(|c| c.element != element);
            }
        }
    });

    let label = format!("{} panel, {}", panel.name(), tag);
    let clusters = panel == Panel::Clusters;
    let (pointing, selecting) = (stage.clone(), stage);

    view! {
        <canvas
            node_ref=node
            data-panel=panel.name()
            data-model=tag
            role="img"
            aria-label=label
            width="400"
            height="300"
            class:pickable=clusters
            on:pointermove=move |ev: PointerEvent| {
                if clusters {
                    hover.set(pick(&pointing, &node, model, &ev));
                }
            }
            on:pointerleave=move |ev: PointerEvent| {
                // A finger lifting also "leaves"; keep a tapped example's tooltip on screen.
                if clusters && ev.pointer_type() != "touch" {
                    hover.set(None);
                }
            }
            on:click=move |ev| {
                if !clusters {
                    return;
                }
                let picked = pick(&selecting, &node, model, &ev);
                let mut stage = selecting.borrow_mut();
                stage.view.selected = picked.as_ref().map(|h| h.index);
                stage.mark_all_stale();
                drop(stage);
                hover.set(picked);
            }
        />
    }
}

/// The example under the pointer, if any.
fn pick(
    stage: &SharedStage,
    node: &NodeRef<Canvas>,
    model: usize,
    ev: &web_sys::MouseEvent,
) -> Option<Hover> {
    let canvas = node.get_untracked()?;
    let stage = stage.try_borrow().ok()?;
    let (x, y) = (ev.offset_x() as f64, ev.offset_y() as f64);
    let now = window().performance().map_or(0.0, |p| p.now());
    let index = stage
        .with_scene(stage.progress(now), |scene| {
            panels::clusters::hit_test(&canvas, scene, model, x, y)
        })
        .flatten()?;
    let width = canvas.client_width() as f64;
    describe(&stage, model, index, [x, y, width])
}

/// Everything the tooltip shows about example `index` of the split on show.
fn describe(stage: &Stage, model: usize, index: usize, place: [f64; 3]) -> Option<Hover> {
    let [x, y, width] = place;
    let info = stage.info.as_ref()?;
    let snapshot = stage.current()?;
    let split = stage.view.split;
    let classes = info.classes;
    let train = info.display_train_labels.len();
    let (label, image_row) = match split {
        Split::Train => (*info.display_train_labels.get(index)?, index),
        Split::Validation => (*info.display_validation_labels.get(index)?, train + index),
    };

    let image = info.image_side.and_then(|side| {
        let pixels = info
            .display_images
            .get(image_row * info.inputs..(image_row + 1) * info.inputs)?;
        Some((side, pixels.to_vec()))
    });
    let row = |m: usize| -> Vec<f32> {
        let frame = &snapshot.models[m];
        let range = index * classes..(index + 1) * classes;
        match split {
            Split::Train => frame.train_probabilities.get(range).map(<[f32]>::to_vec),
            Split::Validation => frame.validation_logits.get(range).map(softmax),
        }
        .unwrap_or_default()
    };

    Some(Hover {
        model,
        x,
        y,
        width,
        index,
        split,
        label,
        class_names: info.class_names.clone(),
        image,
        probabilities: [row(CROSS_ENTROPY), row(SMOOTHED)],
    })
}

fn softmax(logits: &[f32]) -> Vec<f32> {
    let max = logits.iter().copied().fold(f32::NEG_INFINITY, f32::max);
    let exps: Vec<f32> = logits.iter().map(|&z| (z - max).exp()).collect();
    let total: f32 = exps.iter().sum();
    exps.iter()
        .map(|e| e / total.max(f32::MIN_POSITIVE))
        .collect()
}

/// The tooltip over cluster canvas `model`, shown while it is the hovered one.
#[component]
fn Tooltip(model: usize, hover: RwSignal<Option<Hover>>) -> impl IntoView {
    move || {
        let hover = hover.get().filter(|h| h.model == model)?;
        let name = |k: usize| {
            hover
                .class_names
                .get(k)
                .cloned()
                .unwrap_or_else(|| k.to_string())
        };

        // The true class first, then the classes either model rates highest.
        let [ce, ls] = &hover.probabilities;
        let mut order: Vec<usize> = (0..ce.len().max(ls.len())).collect();
        let p = |v: &Vec<f32>, k: usize| v.get(k).copied().unwrap_or(0.0);
        order.sort_by(|&a, &b| (p(ce, b).max(p(ls, b))).total_cmp(&p(ce, a).max(p(ls, a))));
        order.retain(|&k| k != hover.label);
        order.insert(0, hover.label);
        order.truncate(4);

        let rows = order
            .into_iter()
            .map(|k| {
                let marker = if k == hover.label { " (true)" } else { "" };
                view! {
                    <tr>
                        <th scope="row">{format!("{}{marker}", name(k))}</th>
                        <td>{format!("{:.3}", p(ce, k))}</td>
                        <td>{format!("{:.3}", p(ls, k))}</td>
                    </tr>
                }
            })
            .collect_view();

        let image = hover.image.clone().map(|(side, pixels)| {
            let cells = pixels
                .into_iter()
                .map(|v| {
                    let level = 255.0 - (v.clamp(0.0, 16.0) / 16.0 * 255.0);
                    let style = format!("background:rgb({level:.0},{level:.0},{level:.0})");
                    view! { <span style=style></span> }
                })
                .collect_view();
            let grid = format!("grid-template-columns:repeat({side},1fr)");
            view! { <div class="digit" style=grid aria-hidden="true">{cells}</div> }
        });

        let split = if hover.split == Split::Train {
            "training"
        } else {
            "validation"
        };
        // Open towards the middle of the canvas, so the tooltip stays on the page.
        let style = if hover.x > hover.width * 0.5 {
            format!(
                "right:{:.0}px;top:{:.0}px",
                hover.width - hover.x + 14.0,
                hover.y + 14.0
            )
        } else {
            format!("left:{:.0}px;top:{:.0}px", hover.x + 14.0, hover.y + 14.0)
        };
        Some(view! {
            <div class="tooltip" role="tooltip" data-testid="tooltip" style=style>
                {image}
                <p>{format!("{split} example {}, class {}", hover.index, name(hover.label))}</p>
                <table>
                    <thead>
                        <tr>
                            <th scope="col">"class"</th>
                            <th scope="col">"CE"</th>
                            <th scope="col">"LS"</th>
                        </tr>
                    </thead>
                    <tbody>{rows}</tbody>
                </table>
            </div>
        })
    }
}
