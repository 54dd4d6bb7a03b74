"""The settings form: the CLI's settings, defaults, ranges and presets, and its messages."""

from __future__ import annotations

from dataclasses import MISSING, fields

import pytest

from talkinghead import settings as th
from talkinghead.errors import SettingsError
from talkinghead.jobs.chunking import DEFAULT_CHUNK_SECONDS
from talkinghead.settings import PRESETS, RenderSettings, settings_for
from talkinghead.web.form import (
    controls,
    field_problems,
    flag_labels,
    form_problem,
    preset_values,
    run_controls,
    run_options,
    settings_from_form,
)

LOOK_SETTINGS = ("size", "expression_scale", "pose_style", "still", "preprocess", "enhance")


def form_defaults() -> dict:
    return {c.name: c.default for c in (*controls(), *run_controls())}


def test_every_look_setting_of_the_cli_is_on_the_form_with_its_default():
    defaults = {f.name: f.default for f in fields(RenderSettings) if f.default is not MISSING}
    form = {c.name: c for c in controls()}
    for name in LOOK_SETTINGS:
        assert form[name].default == defaults[name], name
    assert set(form) <= set(defaults)  # nothing the settings do not have


def test_ranges_and_choices_are_the_settings_module_s():
    form = {c.name: c for c in controls()}
    assert form["size"].choices == tuple(th.SIZES)
    assert (form["expression_scale"].low, form["expression_scale"].high) == \
        th.EXPRESSION_SCALE_RANGE
    assert (form["pose_style"].low, form["pose_style"].high) == th.POSE_STYLE_RANGE
    assert form["preprocess"].choices == tuple(th.PREPROCESS_MODES)


def test_untouched_form_gives_the_cli_s_default_settings():
    assert settings_from_form("default", form_defaults()) == RenderSettings()
    run = run_options(form_defaults())
    assert (run.timeout_s, run.chunk_seconds, run.backend) == ("auto", DEFAULT_CHUNK_SECONDS,
                                                               "local")


@pytest.mark.parametrize("preset", list(PRESETS))
def test_a_preset_shows_its_values_and_renders_as_the_cli_preset(preset):
    values = preset_values(preset)
    for name, value in PRESETS[preset].items():
        assert values[name] == value
    assert settings_from_form(preset, values) == settings_for(preset)


def test_a_changed_control_overrides_the_preset_as_a_flag_does():
    values = {**preset_values("natural"), "expression_scale": 1.5}
    assert settings_from_form("natural", values) == settings_for("natural",
                                                                 expression_scale=1.5)


def test_slider_floats_become_whole_numbers_where_the_setting_is_whole():
    values = {**form_defaults(), "pose_style": 12.0, "size": "512"}
    settings = settings_from_form("default", values)
    assert settings.pose_style == 12 and settings.size == 512


@pytest.mark.parametrize(("change", "message"), [
    ({"expression_scale": 3.0}, "--expression-scale must be between 0.5 and 2.0"),
    ({"pose_style": 12.5}, "--pose-style must be a whole number"),
    ({"size": 300}, "--size must be one of 256, 512"),
    ({"seed": "abc"}, "--seed must be a number"),
])
def test_out_of_range_values_get_the_cli_s_message(change, message):
    with pytest.raises(SettingsError, match=message):
        settings_from_form("default", {**form_defaults(), **change})


def test_unknown_preset():
    with pytest.raises(SettingsError, match="--preset must be one of"):
        preset_values("cinematic")


@pytest.mark.parametrize(("values", "message"), [
    ({"timeout": -5}, "--timeout must be a positive number"),
    ({"timeout": "soon"}, "--timeout must be a number"),
    ({"chunk_seconds": 0.1}, "--chunk-seconds must be at least"),
    ({"backend": "cloud"}, "--backend must be one of local, runpod"),
])
def test_run_options_are_checked_like_the_cli(values, message):
    with pytest.raises(SettingsError, match=message):
        run_options(values)


def test_blank_seed_and_timeout_mean_automatic():
    settings = settings_from_form("default", {**form_defaults(), "seed": "", "timeout": ""})
    assert settings.seed is None
    assert run_options({"timeout": "", "chunk_seconds": 30}).timeout_s == "auto"


def test_each_bad_value_is_named_on_its_own_and_blanks_are_fine():
    values = {**form_defaults(), "seed": "", "timeout": "0", "chunk_seconds": "abc",
              "resolution": "1280x720", "expression_scale": 1.2}
    problems = field_problems("default", values)
    assert set(problems) == {"timeout", "chunk_seconds"}
    assert problems["timeout"].startswith("--timeout must be a positive number")
    assert form_problem("default", values) is not None
    assert field_problems("default", {**form_defaults(), "seed": "", "timeout": ""}) == {}
    assert form_problem("default", {**form_defaults(), "seed": "", "timeout": ""}) is None


def test_flags_have_the_page_s_names():
    labels = flag_labels()
    assert labels["--timeout"] == "Timeout" and labels["--chunk-seconds"] == "Chunk seconds"
    assert labels["--expression-scale"] == "Expression scale" and labels["--preset"] == "Preset"


def test_the_background_is_offered_with_typed_colours_but_no_server_files():
    control = {c.name: c for c in controls()}["background"]
    assert control.advanced and control.custom and control.default == "keep"
    assert {"keep", "transparent", "blur"} <= set(control.choices)
    values = {**form_defaults(), "background": "color:#123abc"}
    assert settings_from_form("default", values).background == "color:#123abc"
    problems = field_problems("default", {**form_defaults(), "background": "/etc/slide.png"})
    assert "talkinghead --background FILE" in problems["background"]
    # Transparent is fine alone; with mp4 the whole form says which formats have alpha.
    clear = {**form_defaults(), "background": "transparent"}
    assert "background" not in field_problems("default", clear)
    assert "--format webm" in form_problem("default", clear)
    assert form_problem("default", {**clear, "format": "webm"}) is None
