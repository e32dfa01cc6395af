//! The root component: settings, the worker, the URL and the layout, wired together.
//!
//! Data flows one way. Controls edit the [`Settings`] signal; one effect turns each change
//! into worker commands, copies the view settings to the [`Stage`], and schedules the URL
//! rewrite. The worker's events go straight into the stage (for the canvases) and into a few
//! text signals (for the step counter, pace and metrics), which therefore change only when a
//! frame arrives, about ten times a second, never once per animation frame.

use std::cell::RefCell;
use std::rc::Rc;

use leptos::callback::UnsyncCallback;
use leptos::prelude::*;
use leptos::reactive::send_wrapper_ext::SendOption;

use super::animation::use_stage_animation;
use super::controls::{Action, Controls};
use super::scene::{ClusterMode, Split, ViewSettings};
use super::sections::{Hover, PanelSection};
use super::stage::{Panel, SharedStage, Stage};
use super::url::{self, UrlWriter};
use super::worker_bridge::{relaxed_simd_supported, Incoming, WorkerBridge};
use crate::core::loss::{Smoothing, SmoothingForm};
use crate::core::twin::Metrics;
use crate::protocol::{Command, Event, Pace};
use crate::settings::{KernelChoice, Settings, SplitChoice, ViewChoice};

/// Notices kept on screen at most; older worker problems scroll away.
const MAX_NOTICES: usize = 8;

/// The text the page prints about the latest frame.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
struct Readout {
    step: u64,
    metrics: [Metrics; 2],
    /// Each model's fitted temperature in the latest frame.
    temperatures: [f32; 2],
    pace: Pace,
    playing: bool,
}

/// The page.
#[component]
pub fn App() -> impl IntoView {
    let (initial, url_notices) = Settings::from_query(&url::current_query());
    for notice in &url_notices {
        log::info!("URL setting rejected: {}", notice.message);
    }

    let (settings, set_settings) = signal(initial.clone());
    let (notices, set_notices) = signal(
        url_notices
            .into_iter()
            .map(|n| n.message)
            .collect::<Vec<_>>(),
    );
    let (hidden_notice, set_hidden_notice) = signal(None::<String>);
    let (readout, set_readout) = signal(Readout::default());
    let (class_names, set_class_names) = signal(Vec::<String>::new());
    let (fitted, set_fitted) = signal(None::<[f32; 2]>);
    let (ready, set_ready) = signal(false);
    let (kernels, set_kernels) = signal(String::new());
    let (idle_share, set_idle_share) = signal(0.0f32);
    let hover = RwSignal::new(None::<Hover>);

    let stage: SharedStage = Rc::new(RefCell::new(Stage::new(
        view_settings(&initial, None),
        initial.draw,
        prefers_reduced_motion(),
    )));
    let report = move |text: String| {
        set_notices.update(|list| {
            if list.last() != Some(&text) {
                list.push(text);
            }
            let excess = list.len().saturating_sub(MAX_NOTICES);
            list.drain(..excess);
        });
    };

    let handle_event = {
        let stage = stage.clone();
        move |incoming: Incoming| match incoming {
            Ok(Event::Ready { kernels }) => set_kernels.set(kernels),
            Ok(Event::Started(info)) => {
                set_class_names.set(info.class_names.clone());
                stage.borrow_mut().start_run(*info);
                hover.set(None);
                set_fitted.set(None);
            }
            Ok(Event::Frame {
                snapshot,
                playing,
                pace,
            }) => {
                let [ce, ls] = &snapshot.models;
                set_readout.set(Readout {
                    step: snapshot.step,
                    metrics: [ce.metrics, ls.metrics],
                    temperatures: [ce.temperature.temperature, ls.temperature.temperature],
                    pace,
                    playing,
                });
                let now = window().performance().map_or(0.0, |p| p.now());
                let mut stage = stage.borrow_mut();
                stage.receive(*snapshot, now);
                // With drawing off nothing is ever drawn, so a frame's arrival is "ready".
                if !stage.drawing && !stage.drawn_once {
                    stage.drawn_once = true;
                    set_ready.set(true);
                }
            }
            Ok(Event::Problem(text)) => report(text),
            Err(text) => report(text),
        }
    };
    // The worker, replaced when the Kernels control picks another build; replacing (or
    // dropping) a bridge terminates its worker, so no frame of the old one arrives after.
    let bridge: Rc<RefCell<Option<WorkerBridge>>> = Rc::new(RefCell::new(None));
    let relaxed_supported = relaxed_simd_supported();
    let start_worker = {
        let bridge = bridge.clone();
        move |kernels: KernelChoice| {
            let (build, notice) = kernels.build(relaxed_supported);
            if let Some(notice) = notice {
                report(notice.message);
            }
            set_kernels.set(String::new());
            drop(bridge.borrow_mut().take());
            match WorkerBridge::start(build, handle_event.clone()) {
                Ok(started) => *bridge.borrow_mut() = Some(started),
                Err(text) => report(text),
            }
        }
    };
    start_worker(initial.kernels);
    let send = {
        let bridge = bridge.clone();
        move |command: Command| {
            if let Some(bridge) = bridge.borrow().as_ref() {
                bridge.send(command);
            }
        }
    };
    // Dropping the bridge terminates the worker when the page unmounts.
    let keep_bridge = SendOption::new_local(Some(bridge));
    on_cleanup(move || {
        if let Some(bridge) = keep_bridge.take() {
            drop(bridge.borrow_mut().take());
        }
    });

    // The one effect from settings to the world. It subscribes to `settings` only, and gets
    // the previous value back, so each change is compared with the one before it.
    let url_writer = UrlWriter::default();
    let pacing_send = send.clone();
    let synced_stage = stage.clone();
    let command = send.clone();
    Effect::new(move |before: Option<Settings>| {
        let now = settings.get();
        // What a fresh worker needs: the view, the pace and a run; then play, if asked.
        let start = |play: bool| {
            command(Command::View(now.projection()));
            command(Command::Speed(now.speed()));
            // The idle share the page asks for (the animation loop's), which a new worker
            // must hear too. Untracked: this effect follows `settings` alone.
            command(Command::Headroom(idle_share.get_untracked()));
            command(Command::Reset {
                run: now.run_config(),
                live: now.live_config(),
            });
            if play {
                command(Command::Play);
            }
        };
        match before.as_ref().map(|before| (before, now.changes(before))) {
            None => {
                // First run: start the worker on the URL's settings.
                start(now.autoplay);
                url::replace_query(&now);
            }
            Some((_, changes)) if changes.worker => {
                // Another build of the worker: it starts from scratch on the same settings,
                // and keeps playing if the old one was.
                start_worker(now.kernels);
                start(readout.get_untracked().playing);
                url_writer.schedule(now.clone());
            }
            Some((before, changes)) => {
                if changes.projection {
                    command(Command::View(now.projection()));
                }
                if changes.reset {
                    command(Command::Reset {
                        run: now.run_config(),
                        live: now.live_config(),
                    });
                } else if changes.live {
                    command(Command::Live(now.live_config()));
                }
                if changes.speed {
                    command(Command::Speed(now.speed()));
                }
                if now.split != before.split || now.view != before.view {
                    hover.set(None);
                }
                url_writer.schedule(now.clone());
            }
        }

        let mut stage = synced_stage.borrow_mut();
        // A selection indexes the split on show, so a new split forgets it.
        let same_split = before.as_ref().is_none_or(|b| b.split == now.split);
        let selected = stage.view.selected.filter(|_| same_split);
        let view = view_settings(&now, selected);
        if stage.view != view || stage.drawing != now.draw {
            stage.view = view;
            stage.drawing = now.draw;
            stage.mark_all_stale();
        }
        now
    });

    let acting_stage = stage.clone();
    let on_action = UnsyncCallback::new(move |action: Action| match action {
        Action::Play => send(Command::Play),
        Action::Pause => send(Command::Pause),
        Action::Step => send(Command::Step(1)),
        Action::Reset => {
            let now = settings.get_untracked();
            send(Command::Reset {
                run: now.run_config(),
                live: now.live_config(),
            });
        }
        Action::FitTemperature => {
            let mut stage = acting_stage.borrow_mut();
            let Some(snapshot) = stage.current() else {
                return;
            };
            let fit = [0, 1].map(|m| snapshot.models[m].temperature.temperature);
            stage.fitted = Some(fit);
            stage.mark_all_stale();
            set_fitted.set(Some(fit));
        }
    });
    // "Fit T" lasts until the evaluation slider moves; keep the stage in step with it.
    let fitted_stage = stage.clone();
    Effect::new(move |_| {
        let fit = fitted.get();
        let mut stage = fitted_stage.borrow_mut();
        if stage.fitted != fit {
            stage.fitted = fit;
            stage.mark_all_stale();
        }
    });

    let _animation = use_stage_animation(
        stage.clone(),
        move || set_ready.set(true),
        move |share| {
            set_idle_share.set(share);
            pacing_send(Command::Headroom(share));
        },
    );

    let all_notices = move || {
        let mut list = notices.get();
        list.extend(hidden_notice.get());
        list
    };

    view! {
        <header class="intro">
            <h1>"Label smoothing, live"</h1>
            <p>
                "Two identical networks train side by side on the same batches: one on hard \
                 one-hot targets (cross-entropy), one on label-smoothed targets that give the \
                 true class 1−α+α/K and every class α/K. Every panel compares the two, so each \
                 difference you see is the loss's doing."
            </p>
        </header>
        <ul class="notice" data-testid="notice" role="alert">
            {move || all_notices().into_iter().map(|n| view! { <li>{n}</li> }).collect_view()}
        </ul>
        <main class="layout">
            <Controls
                settings=settings
                set_settings=set_settings
                on_action=on_action
                class_names=class_names.into()
                set_hidden_notice=set_hidden_notice
                fitted=fitted.into()
                set_fitted=set_fitted
            />
            <div class="board">
                <Status readout=readout settings=settings kernels=kernels idle_share=idle_share />
                <Panels settings=settings stage=stage hover=hover readout=readout />
                <p class="about">
                    "About the data: the digits are the UCI Optical Recognition of Handwritten \
                     Digits data set (E. Alpaydin and C. Kaynak, 1998; CC BY 4.0), 8×8 images \
                     with 17 grey levels. Blobs, spirals and rings are generated in your \
                     browser from the seed."
                </p>
            </div>
        </main>
        <Show when=move || ready.get()>
            <span data-testid="ready" hidden=true></span>
        </Show>
    }
}

/// The step counter, the pace and one line of metrics per model.
#[component]
fn Status(
    readout: ReadSignal<Readout>,
    settings: ReadSignal<Settings>,
    kernels: ReadSignal<String>,
    idle_share: ReadSignal<f32>,
) -> impl IntoView {
    let line = move |model: usize| {
        let r = readout.get();
        let m = r.metrics[model];
        format!(
            "validation accuracy {:.1}% · NLL {:.3} · ECE {:.3} · mean ‖h‖ {:.2} · fitted T {:.2}",
            m.validation_accuracy * 100.0,
            m.validation_nll,
            m.ece,
            m.mean_feature_norm,
            r.temperatures[model],
        )
    };
    let smoothed = move || settings.with(|s| format!("LS (α = {:.2})", s.alpha));
    view! {
        <div class="status" aria-live="off">
            <p class="counter">
                "Step " <span data-testid="step">{move || readout.get().step.to_string()}</span>
                " · "
                <span data-testid="pace">
                    {move || {
                        let pace = readout.get().pace;
                        format!("{:.0} steps/s · {:.2} GFLOP/s", pace.steps_per_second, pace.gflops)
                    }}
                </span>
                " · "
                <span>{move || if readout.get().playing { "training" } else { "paused" }}</span>
                <span
                    data-testid="headroom"
                    title="Frames were dropping, so the worker leaves this share of its time idle for the page to draw"
                >
                    {move || {
                        let share = idle_share.get();
                        if share > 0.0 {
                            format!(" · {:.0} % idle for drawing", share * 100.0)
                        } else {
                            String::new()
                        }
                    }}
                </span>
                " · "
                <span data-testid="kernels" title="What the worker trains on: the Kernels control">
                    {move || {
                        kernels
                            .with(|k| {
                                if k.is_empty() { String::new() } else { format!("kernels: {k}") }
                            })
                    }}
                </span>
            </p>
            <p class="metrics" data-testid="metrics-ce">
                <b>"CE "</b>
                {move || line(0)}
            </p>
            <p class="metrics" data-testid="metrics-ls">
                <b>{smoothed}" "</b>
                {move || line(1)}
            </p>
        </div>
    }
}

/// The grid of six panel sections.
#[component]
fn Panels(
    settings: ReadSignal<Settings>,
    stage: SharedStage,
    hover: RwSignal<Option<Hover>>,
    readout: ReadSignal<Readout>,
) -> impl IntoView {
    let model_names = Signal::derive(move || {
        let alpha = settings.with(|s| s.alpha);
        [
            "Cross-entropy (hard targets)".to_string(),
            format!("Label smoothing (α = {alpha:.2})"),
        ]
    });
    let classes = move || settings.with(|s| s.data.classes());

    let curves = Signal::derive(move || {
        let (alpha, form) = settings.with(|s| (s.alpha, s.form));
        let k = classes();
        let smoothing = Smoothing::new(alpha, form);
        let ceiling = smoothing.ceiling(k);
        let formula = match form {
            SmoothingForm::Uniform => "1−α+α/K, the paper's form",
            SmoothingForm::OffTarget => "1−α, with α/(K−1) for each other class",
        };
        match smoothing.optimal_gap(k) {
            Some(gap) => format!(
                "p_y against the logit gap Δ with the wrong classes level. Cross-entropy only \
                 approaches zero loss as Δ → ∞, where its slope vanishes; label smoothing \
                 bottoms out at the ceiling p_y = {ceiling:.3} ({formula}) when Δ* = {gap:.2} \
                 (α = {alpha:.2}, K = {k}). The strip under each chart shows where the live \
                 training examples sit in Δ."
            ),
            None => "p_y against the logit gap Δ with the wrong classes level. With α = 0 both \
                     models use hard targets, so neither loss has a finite minimum."
                .to_string(),
        }
    });
    let clusters = Signal::derive(move || {
        let (view, [a, b, c]) = settings.with(|s| (s.view, s.classes));
        match view {
            ViewChoice::Plane => format!(
                "Penultimate features of classes {a}, {b}, {c} on the plane through their \
                 templates (Müller et al. 2019). The paper finds label smoothing pulling each \
                 class into a tight cluster at a corner of a near-regular triangle, while \
                 cross-entropy spreads classes along cones. {} Hover an example; click to \
                 pick it for the sharpen panel.",
                readout.with(|r| compare(
                    "within-class spread over template distance",
                    [r.metrics[0].tightness, r.metrics[1].tightness],
                    "has the tighter clusters",
                    "has the looser clusters",
                ))
            ),
            ViewChoice::Pca => "Top two principal components of the penultimate features of \
                                all classes: a second view, not the classifier's own geometry."
                .to_string(),
        }
    });
    let norms = Signal::derive(move || {
        let cosine = settings.with(|s| s.head == crate::settings::HeadChoice::Cosine);
        if cosine {
            "Feature norm ‖h‖ of the training examples. With the cosine head the logit scale \
             is pinned at s, so smoothing cannot shrink the norm's effect; it can only move \
             angles."
                .to_string()
        } else {
            format!(
                "Feature norm ‖h‖ of the training examples. Cross-entropy has no finite \
                 optimum and keeps growing ‖h‖; label smoothing stops at Δ*, so its norms \
                 should stay smaller. {}",
                readout.with(|r| compare(
                    "mean ‖h‖",
                    [
                        r.metrics[0].mean_feature_norm,
                        r.metrics[1].mean_feature_norm
                    ],
                    "has the smaller norm",
                    "has the larger norm",
                ))
            )
        }
    });
    let sharpen = Signal::derive(move || {
        let t = settings.with(|s| s.sharpen_t);
        format!(
            "Sharpen(p, T) = p^(1/T) / Σ p^(1/T), which equals softmax(z/T), at T = {t}. T < 1 \
             sharpens (MixMatch uses 0.5, the opposite of smoothing), T > 1 flattens; entropy \
             falls as 1/T grows. Click an example in Feature clusters to show it here."
        )
    });
    let calibration = Signal::derive(move || {
        let t = settings.with(|s| s.eval_t);
        let [ece_ce, ece_ls] = readout.with(|r| [r.metrics[0].ece, r.metrics[1].ece]);
        format!(
            "Reliability diagram on validation data, 15 bins, at T = {t}: accuracy against \
             confidence, with the diagonal as perfect calibration. Smoothing does not always \
             help: small networks can become under-confident. {}",
            compare(
                "ECE at T = 1",
                [ece_ce, ece_ls],
                "better calibrated",
                "worse calibrated"
            )
        )
    });
    let training = Signal::derive(|| {
        "Validation accuracy, NLL, ECE and mean ‖h‖ of both models against the step.".to_string()
    });

    let sections = [
        (Panel::Clusters, "Feature clusters", clusters),
        (Panel::Curves, "Softmax probability curves", curves),
        (Panel::Norms, "Feature norm", norms),
        (Panel::Sharpen, "Sharpen and temperature", sharpen),
        (Panel::Calibration, "Calibration", calibration),
        (Panel::Training, "Training curves", training),
    ];
    let sections = sections
        .into_iter()
        .map(|(panel, title, caption)| {
            view! {
                <PanelSection
                    panel=panel
                    title=title
                    caption=caption
                    stage=stage.clone()
                    model_names=model_names
                    hover=hover
                />
            }
        })
        .collect_view();
    view! { <div class="panels">{sections}</div> }
}

/// One sentence comparing a live measure of the two models, with `lower` said of the
/// smoothed model when its value is the lower one and `higher` when it is the higher:
/// "Now: mean ‖h‖ 11.440 for cross-entropy, 4.550 with smoothing: smoothing has the smaller
/// norm." The verdict comes from the numbers, so a caption never claims what the live
/// models do not show.
fn compare(measure: &str, [ce, ls]: [f32; 2], lower: &str, higher: &str) -> String {
    if !(ce.is_finite() && ls.is_finite()) {
        return String::new();
    }
    let verdict = if ls < ce {
        format!("smoothing {lower}")
    } else if ls > ce {
        format!("smoothing {higher}")
    } else {
        "the two are level".to_string()
    };
    format!("Now: {measure} {ce:.3} for cross-entropy, {ls:.3} with smoothing: {verdict}.")
}

/// The view-only part of `settings`, as the panels read it.
fn view_settings(settings: &Settings, selected: Option<usize>) -> ViewSettings {
    ViewSettings {
        classes: settings.classes,
        split: match settings.split {
            SplitChoice::Train => Split::Train,
            SplitChoice::Validation => Split::Validation,
        },
        mode: match settings.view {
            ViewChoice::Plane => ClusterMode::TemplatePlane,
            ViewChoice::Pca => ClusterMode::Pca,
        },
        shared_scale: settings.shared,
        sharpen_temperature: settings.sharpen_t,
        evaluation_temperature: settings.eval_t,
        selected,
    }
}

fn prefers_reduced_motion() -> bool {
    window()
        .match_media("(prefers-reduced-motion: reduce)")
        .ok()
        .flatten()
        .is_some_and(|query| query.matches())
}
