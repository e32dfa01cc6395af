//! The controls column: buttons, then every setting of CONTRACT.md with a visible label.
//!
//! Controls only edit the [`Settings`] signal (or fire an [`Action`]); the app decides what
//! each change asks of the worker. Each control reads the settings through its own closure,
//! so moving one slider re-renders only the controls that read the field it changed.

use leptos::callback::{Callable, UnsyncCallback};
use leptos::prelude::*;

use crate::core::loss::SmoothingForm;
use crate::settings::{
    self, Choice, DataChoice, HeadChoice, KernelChoice, OptimizerChoice, Settings, SpeedChoice,
    SplitChoice, ViewChoice,
};

/// A button press the app turns into commands.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Action {
    Play,
    Pause,
    Step,
    Reset,
    /// Evaluate each model's calibration at its fitted temperature.
    FitTemperature,
}

/// `10^x` rounded to three significant digits, so that log sliders write tidy URLs.
fn from_log(x: f64) -> f32 {
    let value = 10f64.powf(x);
    let magnitude = 10f64.powf(value.log10().floor() - 2.0);
    ((value / magnitude).round() * magnitude) as f32
}

/// The page's controls. `set_hidden_notice` receives the notice of a hidden-widths entry
/// that could not be used as typed (or `None` once one could).
#[component]
pub fn Controls(
    settings: ReadSignal<Settings>,
    set_settings: WriteSignal<Settings>,
    on_action: UnsyncCallback<Action>,
    /// Names of the current run's classes, for the class pickers.
    class_names: Signal<Vec<String>>,
    set_hidden_notice: WriteSignal<Option<String>>,
    /// "Fit T" results shown under the evaluation temperature, when set.
    fitted: Signal<Option<[f32; 2]>>,
    set_fitted: WriteSignal<Option<[f32; 2]>>,
) -> impl IntoView {
    // Each setter edits one field; the settings effect in the app sees the whole new value.
    let edit = move |change: &dyn Fn(&mut Settings)| set_settings.update(|s| change(s));
    // The slider's `value`, as text. Linear sliders print the f32 itself, so that 0.1 reads
    // back as "0.1" rather than as its f64 widening.
    let field = move |read: fn(&Settings) -> String| Signal::derive(move || settings.with(read));

    let (lr_min, lr_max) = (settings::LEARNING_RATE.start().log10(), 0.0);
    let (t_min, t_max) = (
        (*settings::TEMPERATURE.start() as f64).log10(),
        (*settings::TEMPERATURE.end() as f64).log10(),
    );

    let button = move |label: &'static str, action: Action| {
        view! {
            <button type="button" on:click=move |_| on_action.run(action)>
                {label}
            </button>
        }
    };

    view! {
        <aside class="controls" aria-label="Controls">
            <div class="buttons">
                {button("Play", Action::Play)}
                {button("Pause", Action::Pause)}
                {button("Step", Action::Step)}
                {button("Reset", Action::Reset)}
                {button("Fit T", Action::FitTemperature)}
            </div>

            <fieldset>
                <legend>"Run (changing these restarts both models)"</legend>
                <ChoiceSelect
                    id="data"
                    label="Dataset"
                    value=Signal::derive(move || settings.with(|s| s.data))
                    on_pick=move |data: DataChoice| edit(&|s| s.set_data(data))
                />
                <div class="control">
                    <label for="ctl-seed">"Seed"</label>
                    <input
                        id="ctl-seed"
                        type="number"
                        min="0"
                        step="1"
                        prop:value=move || settings.with(|s| s.seed.to_string())
                        on:change=move |ev| {
                            let text = event_target_value(&ev);
                            match text.trim().parse::<u64>() {
                                Ok(seed) => edit(&|s| s.seed = seed),
                                // Put the box back to the seed in use.
                                Err(_) => set_settings.update(|_| {}),
                            }
                        }
                    />
                </div>
                <div class="control">
                    <label for="ctl-hidden">"Hidden widths"</label>
                    <input
                        id="ctl-hidden"
                        type="text"
                        inputmode="numeric"
                        placeholder="128,64"
                        prop:value=move || settings.with(Settings::hidden_text)
                        on:change=move |ev| {
                            let text = event_target_value(&ev);
                            let current = settings.with_untracked(|s| s.hidden.clone());
                            let (hidden, notice) = Settings::hidden_from_text(&text, &current);
                            set_hidden_notice.set(notice.map(|n| n.message));
                            // Updating even when unchanged rewrites the box with the widths used.
                            set_settings.update(|s| s.hidden = hidden);
                        }
                    />
                </div>
                <ChoiceSelect
                    id="head"
                    label="Head"
                    value=Signal::derive(move || settings.with(|s| s.head))
                    on_pick=move |head: HeadChoice| edit(&|s| s.head = head)
                />
                <Slider
                    id="scale"
                    label="Cosine scale s"
                    range=(1.0, 64.0, 1.0)
                    value=field(|s| s.scale.to_string())
                    shown=Signal::derive(move || settings.with(|s| format!("{}", s.scale)))
                    on_slide=move |v| edit(&|s| s.scale = v as f32)
                />
            </fieldset>

            <fieldset>
                <legend>"Training (applied live)"</legend>
                <ChoiceSelect
                    id="opt"
                    label="Optimizer"
                    value=Signal::derive(move || settings.with(|s| s.optimizer))
                    on_pick=move |optimizer: OptimizerChoice| edit(&|s| s.optimizer = optimizer)
                />
                <Slider
                    id="lr"
                    label="Learning rate"
                    range=(lr_min as f64, lr_max, 0.01)
                    value=field(|s| (s.learning_rate as f64).log10().to_string())
                    shown=Signal::derive(move || settings.with(|s| format!("{}", s.learning_rate)))
                    on_slide=move |x| edit(&|s| s.learning_rate = from_log(x))
                />
                <div class="control">
                    <label for="ctl-batch">"Batch size"</label>
                    <select
                        id="ctl-batch"
                        on:change=move |ev| {
                            if let Ok(batch) = event_target_value(&ev).parse::<usize>() {
                                edit(&|s| s.batch = batch);
                            }
                        }
                    >
                        {settings::BATCH_SIZES
                            .iter()
                            .map(|&size| {
                                view! {
                                    <option
                                        value=size.to_string()
                                        prop:selected=move || settings.with(|s| s.batch == size)
                                    >
                                        {size.to_string()}
                                    </option>
                                }
                            })
                            .collect_view()}
                    </select>
                </div>
                <Slider
                    id="wd"
                    label="Weight decay"
                    range=(0.0, 0.01, 0.0001)
                    value=field(|s| s.weight_decay.to_string())
                    shown=Signal::derive(move || settings.with(|s| format!("{}", s.weight_decay)))
                    on_slide=move |v| edit(&|s| s.weight_decay = (v as f32 * 1e4).round() / 1e4)
                />
                <Slider
                    id="alpha"
                    label="Label smoothing α"
                    range=(0.0, 0.9, 0.01)
                    value=field(|s| s.alpha.to_string())
                    shown=Signal::derive(move || settings.with(|s| format!("{:.2}", s.alpha)))
                    on_slide=move |v| edit(&|s| s.alpha = (v as f32 * 100.0).round() / 100.0)
                />
                <ChoiceSelect
                    id="form"
                    label="Smoothing form"
                    value=Signal::derive(move || settings.with(|s| s.form))
                    on_pick=move |form: SmoothingForm| edit(&|s| s.form = form)
                />
                <ChoiceSelect
                    id="speed"
                    label="Speed"
                    value=Signal::derive(move || settings.with(|s| s.speed))
                    on_pick=move |speed: SpeedChoice| edit(&|s| s.speed = speed)
                />
                <ChoiceSelect
                    id="kernels"
                    label="Kernels (restarts)"
                    value=Signal::derive(move || settings.with(|s| s.kernels))
                    on_pick=move |kernels: KernelChoice| edit(&|s| s.kernels = kernels)
                />
            </fieldset>

            <fieldset>
                <legend>"View (redraws only)"</legend>
                {["a", "b", "c"]
                    .into_iter()
                    .enumerate()
                    .map(|(slot, letter)| {
                        view! {
                            <ClassSelect
                                position=slot
                                letter=letter
                                settings=settings
                                class_names=class_names
                                on_pick=move |class: usize| edit(&|s| s.set_class(slot, class))
                            />
                        }
                    })
                    .collect_view()}
                <ChoiceSelect
                    id="split"
                    label="Split"
                    value=Signal::derive(move || settings.with(|s| s.split))
                    on_pick=move |split: SplitChoice| edit(&|s| s.split = split)
                />
                <ChoiceSelect
                    id="view"
                    label="Cluster view"
                    value=Signal::derive(move || settings.with(|s| s.view))
                    on_pick=move |view: ViewChoice| edit(&|s| s.view = view)
                />
                <div class="control checkbox">
                    <input
                        id="ctl-shared"
                        type="checkbox"
                        prop:checked=move || settings.with(|s| s.shared)
                        on:change=move |ev| {
                            let on = event_target_checked(&ev);
                            edit(&|s| s.shared = on);
                        }
                    />
                    <label for="ctl-shared">"Shared scale"</label>
                </div>
                <Slider
                    id="t"
                    label="Sharpen temperature T"
                    range=(t_min, t_max, 0.01)
                    value=field(|s| (s.sharpen_t as f64).log10().to_string())
                    shown=Signal::derive(move || settings.with(|s| format!("{}", s.sharpen_t)))
                    on_slide=move |x| edit(&|s| s.sharpen_t = clamp_temperature(from_log(x)))
                />
                <Slider
                    id="evalt"
                    label="Evaluation temperature"
                    range=(t_min, t_max, 0.01)
                    value=field(|s| (s.eval_t as f64).log10().to_string())
                    shown=Signal::derive(move || settings.with(|s| format!("{}", s.eval_t)))
                    on_slide=move |x| {
                        // A hand-picked temperature replaces the fitted ones.
                        set_fitted.set(None);
                        edit(&|s| s.eval_t = clamp_temperature(from_log(x)));
                    }
                />
                <p class="fitted" data-testid="fitted">
                    {move || {
                        fitted
                            .get()
                            .map(|[ce, ls]| {
                                format!(
                                    "Calibration drawn at the fitted T: CE {ce:.2}, LS {ls:.2}",
                                )
                            })
                    }}
                </p>
            </fieldset>
        </aside>
    }
}

fn clamp_temperature(t: f32) -> f32 {
    t.clamp(*settings::TEMPERATURE.start(), *settings::TEMPERATURE.end())
}

/// A labelled `<select>` over every value of a [`Choice`].
#[component]
fn ChoiceSelect<T>(
    id: &'static str,
    label: &'static str,
    value: Signal<T>,
    on_pick: impl Fn(T) + 'static,
) -> impl IntoView
where
    T: Choice + Send + Sync,
{
    let id = format!("ctl-{id}");
    let options = T::ALL
        .iter()
        .map(|&choice| {
            view! {
                <option value=choice.name() prop:selected=move || value.get() == choice>
                    {choice.label()}
                </option>
            }
        })
        .collect_view();

    view! {
        <div class="control">
            <label for=id.clone()>{label}</label>
            <select
                id=id
                on:change=move |ev| {
                    if let Some(choice) = T::from_name(&event_target_value(&ev)) {
                        on_pick(choice);
                    }
                }
            >
                {options}
            </select>
        </div>
    }
}

/// One of the three template-plane class pickers ("Class a", "Class b", "Class c").
#[component]
fn ClassSelect(
    /// 0 for class a, 1 for b, 2 for c.
    position: usize,
    letter: &'static str,
    settings: ReadSignal<Settings>,
    class_names: Signal<Vec<String>>,
    on_pick: impl Fn(usize) + 'static,
) -> impl IntoView {
    let id = format!("ctl-class-{letter}");
    // Re-rendered when the dataset (and so the class count) or the run's names change.
    let options = move || {
        let count = settings.with(|s| s.data.classes());
        let names = class_names.get();
        (0..count)
            .map(|class| {
                let name = match names.get(class) {
                    Some(name) if names.len() == count && *name != class.to_string() => {
                        format!("{class} ({name})")
                    }
                    _ => class.to_string(),
                };
                view! {
                    <option
                        value=class.to_string()
                        prop:selected=move || settings.with(|s| s.classes[position] == class)
                    >
                        {name}
                    </option>
                }
            })
            .collect_view()
    };

    view! {
        <div class="control">
            <label for=id.clone()>{format!("Class {letter}")}</label>
            <select
                id=id
                on:change=move |ev| {
                    if let Ok(class) = event_target_value(&ev).parse::<usize>() {
                        on_pick(class);
                    }
                }
            >
                {options}
            </select>
        </div>
    }
}

/// A labelled range input with its value shown beside it. `range` is `(min, max, step)` in
/// slider units (log10 of the value for the logarithmic sliders).
#[component]
fn Slider(
    id: &'static str,
    label: &'static str,
    range: (f64, f64, f64),
    value: Signal<String>,
    shown: Signal<String>,
    on_slide: impl Fn(f64) + 'static,
) -> impl IntoView {
    let id = format!("ctl-{id}");
    let (min, max, step) = range;
    view! {
        <div class="control">
            <label for=id.clone()>{label}</label>
            <div class="slider">
                <input
                    id=id.clone()
                    type="range"
                    min=min.to_string()
                    max=max.to_string()
                    step=step.to_string()
                    prop:value=move || value.get()
                    on:input=move |ev| {
                        if let Ok(x) = event_target_value(&ev).parse::<f64>() {
                            on_slide(x);
                        }
                    }
                />
                <output for=id>{move || shown.get()}</output>
            </div>
        </div>
    }
}
