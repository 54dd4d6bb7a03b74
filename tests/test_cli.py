"""The command line: the original tool's flags, one-line errors, exit status 2."""

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from talkinghead.cli import build_parser, main
from talkinghead.motion.export import read_plan_json
from talkinghead_dev.measure import video_facts

TOOLS_SCRIPT = Path(__file__).resolve().parent.parent / "tools" / "sadtalker.py"


def test_help_documents_every_option_with_its_default():
    text = " ".join(build_parser().format_help().split())
    for flag in ("--image", "--audio", "--output", "--preset", "--size", "--expression-scale",
                 "--pose-style", "--still", "--preprocess", "--no-enhance", "--timeout",
                 "--setup", "--retrieve"):
        assert flag in text
    for default in ("default: 256", "default: 1.0", "default: 0", "default: crop",
                    "default: default"):
        assert default in text
    assert "expressive" in text and "expression_scale=1.3" in text  # the preset table


@pytest.mark.parametrize("argv, message", [
    (["--expression-scale", "2.5"], "--expression-scale must be between 0.5 and 2.0"),
    (["--pose-style", "46"], "--pose-style must be a whole number from 0 to 45"),
    (["--size", "1024"], "--size: invalid choice"),
    (["--preprocess", "zoom"], "--preprocess: invalid choice"),
    (["--preset", "cinematic"], "--preset: invalid choice"),
    (["--timeout", "-5"], "--timeout must be a positive number"),
])
def test_out_of_range_values_are_refused_in_one_line(argv, message, tmp_path, capsys):
    out = tmp_path / "o.mp4"
    args = ["--image", "x.png", "--audio", "y.wav", "--output", str(out), *argv]
    with pytest.raises(SystemExit) as exit_info:
        status = main(args)
        raise SystemExit(status)
    assert exit_info.value.code == 2
    err = capsys.readouterr().err
    assert message in err and err.count("\n") == 1
    assert not out.exists()


def test_missing_inputs_are_named(capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(["--output", "o.mp4"])
    assert exit_info.value.code == 2
    assert "missing --image, --audio" in capsys.readouterr().err


def test_bad_image_is_one_line_without_traceback(tmp_path, sample_speech_path, capsys):
    bad = tmp_path / "bad.png"
    bad.write_bytes(b"not an image at all")
    out = tmp_path / "o.mp4"
    status = main(["--image", str(bad), "--audio", str(sample_speech_path), "--output", str(out)])
    err = capsys.readouterr().err
    assert status == 2 and err.count("\n") == 1 and "Traceback" not in err
    assert "bad.png" in err and not out.exists()


def test_no_face_reports_the_image_guidelines(tmp_path, sample_speech_path, capsys):
    blank = tmp_path / "wall.png"
    Image.fromarray(np.full((200, 200, 3), 90, np.uint8)).save(blank)
    out = tmp_path / "o.mp4"
    status = main(["--image", str(blank), "--audio", str(sample_speech_path), "--output", str(out),
                   "--quiet"])
    err = capsys.readouterr().err
    assert status == 2 and "no face found" in err and "front-facing" in err
    assert not out.exists()


def test_retrieve_of_an_unknown_job_fails_clearly(capsys, tmp_path):
    out = tmp_path / "r.mp4"
    assert main(["--retrieve", "th-0123456789ab", "--output", str(out)]) == 2
    assert "no job th-0123456789ab" in capsys.readouterr().err
    assert not out.exists()


def test_retrieve_of_a_runpod_id_needs_the_api_key(capsys, tmp_path, monkeypatch):
    pytest.importorskip("requests")
    monkeypatch.delenv("RUNPOD_API_KEY", raising=False)
    monkeypatch.chdir(tmp_path)  # no .env here
    out = tmp_path / "r.mp4"
    assert main(["--retrieve", "7d69546a-3d31-4f74-bf12-b1c19a2f4d3c-u1", "--output",
                 str(out)]) == 2
    assert "RUNPOD_API_KEY" in capsys.readouterr().err and not out.exists()


def test_setup_checks_the_local_engine(capsys):
    assert main(["--setup"]) == 0
    assert "ready" in capsys.readouterr().out


def test_compatibility_script_has_the_same_options():
    result = subprocess.run([sys.executable, str(TOOLS_SCRIPT), "--help"], capture_output=True,
                            text=True, check=True)
    assert "sadtalker.py" in result.stdout and "--pose-style" in result.stdout
    def options(text):
        return text[text.index("options:"):]

    assert options(result.stdout) == options(build_parser().format_help())


def test_verbose_shows_the_traceback_and_keeps_the_exit_status(tmp_path, sample_speech_path,
                                                                capsys):
    bad = tmp_path / "bad.png"
    bad.write_bytes(b"junk")
    status = main(["--image", str(bad), "--audio", str(sample_speech_path),
                   "--output", str(tmp_path / "o.mp4"), "--verbose"])
    err = capsys.readouterr().err
    assert status == 2
    assert "Traceback" in err and "ImageError" in err
    assert err.splitlines()[-1].startswith("talkinghead: cannot read image")


def test_demo_renders_the_bundled_samples(tmp_path, capsys):
    out = tmp_path / "demo" / "demo.mp4"
    assert main(["--demo", "--output", str(out)]) == 0
    facts = video_facts(out)
    assert (facts.width, facts.height, facts.video_codec, facts.audio_codec) == (
        256, 256, "h264", "aac")
    assert f"wrote {out}" in capsys.readouterr().err


@pytest.mark.parametrize("content, message", [
    (b"\xff\xfe\x00caf\xe9", "is not UTF-8 text"),
    (b"  \n", "is empty"),
    (None, "cannot read --transcript"),
])
def test_a_bad_transcript_is_refused_in_one_line(content, message, tmp_path,
                                                 sample_portrait_path, sample_speech_path,
                                                 capsys):
    transcript = tmp_path / "said.txt"
    if content is not None:
        transcript.write_bytes(content)
    out = tmp_path / "o.mp4"
    status = main(["--image", str(sample_portrait_path), "--audio", str(sample_speech_path),
                   "--output", str(out), "--transcript", str(transcript), "--quiet"])
    err = capsys.readouterr().err
    assert status == 2 and message in err and err.count("\n") == 1
    assert not out.exists()


def test_transcript_and_motion_json_flags(tmp_path, sample_portrait_path, sample_speech_path):
    transcript = tmp_path / "said.txt"
    transcript.write_text("\ufeffHello! I am a talking head.", encoding="utf-8")  # BOM is fine
    motion = tmp_path / "motion" / "plan.json"
    out = tmp_path / "o.mp4"
    assert main(["--image", str(sample_portrait_path), "--audio", str(sample_speech_path),
                 "--output", str(out), "--transcript", str(transcript),
                 "--motion-json", str(motion), "--quiet"]) == 0
    plan = read_plan_json(motion)
    assert plan.n_frames == video_facts(out).frames
    assert plan.lips_closed.max() >= 0.9  # "I am": the lips close on the m
