import pytest

from talkinghead.errors import SettingsError
from talkinghead.settings import PRESETS, RenderSettings, settings_for


def test_defaults_match_the_original_tool():
    s = RenderSettings()
    assert (s.size, s.expression_scale, s.pose_style, s.still, s.preprocess, s.enhance, s.fps) == (
        256, 1.0, 0, False, "crop", True, 25)


@pytest.mark.parametrize("preset, expected", [
    ("default", {"pose_style": 0, "expression_scale": 1.0}),
    ("natural", {"pose_style": 45, "expression_scale": 1.0}),
    ("expressive", {"pose_style": 45, "expression_scale": 1.3}),
    ("professional", {"still": True, "expression_scale": 0.8}),
    ("fullbody", {"still": True, "preprocess": "full"}),
])
def test_presets_set_the_readme_values(preset, expected):
    s = settings_for(preset)
    assert {k: getattr(s, k) for k in expected} == expected


def test_explicit_values_override_the_preset_and_none_does_not():
    s = settings_for("expressive", expression_scale=0.7, pose_style=None)
    assert s.expression_scale == 0.7 and s.pose_style == 45


@pytest.mark.parametrize("field, value", [
    ("size", 384), ("expression_scale", 0.4), ("expression_scale", 2.01),
    ("pose_style", -1), ("pose_style", 46), ("preprocess", "zoom"),
])
def test_out_of_range_values_are_refused(field, value):
    with pytest.raises(SettingsError, match=field.replace("_", "-")):
        RenderSettings(**{field: value})


def test_unknown_preset_is_refused():
    with pytest.raises(SettingsError, match="--preset"):
        settings_for("cinematic")


def test_every_preset_is_valid():
    for name in PRESETS:
        settings_for(name)


@pytest.mark.parametrize("values, message", [
    ({"fps": 29}, "--fps"), ({"format": "avi"}, "--format"), ({"aspect": "21:9"}, "--aspect"),
    ({"framing": "waist"}, "--framing"), ({"pad": "color:green"}, "--pad"),
    ({"background": "color:#12345"}, "color:#1a2b3c"), ({"background": " "}, "--background"),
    ({"background": "transparent"}, "needs --format webm .* or mov .*: mp4 video has no alpha"),
    ({"resolution": (1281, 720)}, "even"), ({"resolution": (1280, 720), "aspect": "9:16"},
                                            "does not match"),
])
def test_frame_and_format_settings_are_checked(values, message):
    with pytest.raises(SettingsError, match=message):
        RenderSettings(**values)


def test_resolution_parses_and_frames_the_face():
    from talkinghead.settings import parse_resolution

    settings = RenderSettings(resolution=parse_resolution("1280x720"))
    assert settings.resolution == (1280, 720) and settings.frames_the_face
    assert not RenderSettings().frames_the_face
    with pytest.raises(SettingsError):
        parse_resolution("1280by720")


def test_the_background_choice_says_what_it_needs():
    keep = RenderSettings()
    assert (keep.cuts_out, keep.has_alpha, keep.background_file) == (False, False, None)
    for fmt in ("webm", "mov"):
        clear = RenderSettings(background="transparent", format=fmt)
        assert (clear.cuts_out, clear.has_alpha, clear.background_file) == (True, True, None)
    for choice in ("blur", "color:#1A2b3c"):
        replaced = RenderSettings(background=choice)  # mp4 is fine: no alpha leaves
        assert (replaced.cuts_out, replaced.has_alpha, replaced.background_file) == (
            True, False, None)
    assert RenderSettings(background="slides/bg.png").background_file == "slides/bg.png"
