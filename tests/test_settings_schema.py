"""One settings schema: each `RenderSettings` field's `Option` is the CLI flag, the page's control
and the README's row, with the same words in all three."""

from __future__ import annotations

import importlib.util
import re
from dataclasses import fields
from pathlib import Path

from talkinghead.cli import build_parser
from talkinghead.settings import RenderSettings, option_fields, option_of, settings_for
from talkinghead.web.form import controls, flag_labels

ROOT = Path(__file__).resolve().parents[1]


def _readme_tool():
    spec = importlib.util.spec_from_file_location("readme_options",
                                                  ROOT / "tools" / "readme_options.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _words(text: str) -> str:
    return re.sub(r"\s+", " ", text)


def test_every_setting_has_an_option():
    assert [f.name for f in option_fields()] == [f.name for f in fields(RenderSettings)]
    assert all(option_of(f).label and option_of(f).help for f in option_fields())


def test_the_cli_help_says_what_the_option_says():
    helptext = _words(build_parser().format_help())
    for setting in option_fields():
        option = option_of(setting)
        assert option.flag(setting.name) in helptext
        assert _words(option.help) in helptext, setting.name


def test_each_flag_sets_its_setting():
    parser = build_parser()
    given = {"size": ["--size", "512"], "expression_scale": ["--expression-scale", "1.5"],
             "pose_style": ["--pose-style", "7"], "still": ["--still"],
             "preprocess": ["--preprocess", "full"], "enhance": ["--no-enhance"],
             "fps": ["--fps", "30"], "seed": ["--seed", "11"], "format": ["--format", "webm"],
             "aspect": ["--aspect", "16:9"], "resolution": ["--resolution", "640x360"],
             "framing": ["--framing", "head"], "pad": ["--pad", "edge"],
             "background": ["--background", "blur"]}
    assert set(given) == {f.name for f in option_fields()}
    expected = {"size": 512, "expression_scale": 1.5, "pose_style": 7, "still": True,
                "preprocess": "full", "enhance": False, "fps": 30, "seed": 11, "format": "webm",
                "aspect": "16:9", "resolution": (640, 360), "framing": "head", "pad": "edge",
                "background": "blur"}
    for name, argv in given.items():
        args = parser.parse_args(argv)
        chosen = settings_for(args.preset, **{f.name: getattr(args, f.name)
                                             for f in option_fields()})
        assert getattr(chosen, name) == expected[name], name
    defaults = parser.parse_args([])
    assert settings_for("default", **{f.name: getattr(defaults, f.name)
                                      for f in option_fields()}) == RenderSettings()


def test_the_page_uses_the_same_labels_and_help():
    shown = {c.name: c for c in controls()}
    assert list(shown) == [f.name for f in option_fields()]
    for setting in option_fields():
        option = option_of(setting)
        assert shown[setting.name].label == option.label
        assert shown[setting.name].info.startswith(option.help)
        assert not re.search(r"(?<![\w-])--[a-z]", shown[setting.name].info), setting.name
    assert flag_labels()["--no-enhance"] == "Enhance"


def test_the_readme_holds_the_current_table():
    tool = _readme_tool()
    readme = (ROOT / "README.md").read_text()
    assert tool.with_table(readme) == readme, "run: python tools/readme_options.py --write"
    assert "| `--size` | 256 |" in readme
