"""Finding and checking checkpoint files: one clear line for each way a file can be wrong.

These run without torch: the checks read only the safetensors header and file sizes.
"""

from __future__ import annotations

import numpy as np
import pytest

from talkinghead.engines.sadtalker import checkpoints, safetensors_io
from talkinghead.engines.sadtalker.checkpoints import CheckpointError, locate


def _bundle(path, prefixes=checkpoints.BUNDLE_PREFIXES):
    safetensors_io.save(path, {f"{p}.w": np.ones((2, 3), np.float32) for p in prefixes})
    return path


def _folder(tmp_path, preprocess="crop", size=256):
    bundle, mapping = checkpoints.files_for(size, preprocess)
    _bundle(tmp_path / bundle.name)
    (tmp_path / mapping.name).write_bytes(b"\0" * 16)
    return tmp_path


def test_the_files_follow_size_and_preprocess():
    assert [f.name for f in checkpoints.files_for(512, "full")] == [
        "SadTalker_V0.0.2_512.safetensors", "mapping_00109-model.pth.tar"]
    assert [f.name for f in checkpoints.files_for(256, "crop")] == [
        "SadTalker_V0.0.2_256.safetensors", "mapping_00229-model.pth.tar"]
    assert all(f.url.startswith("https://github.com/") and f.url.endswith(f.name)
               for f in checkpoints.OFFICIAL_FILES)


def test_directory_comes_from_flag_then_environment(monkeypatch, tmp_path):
    monkeypatch.setenv(checkpoints.CHECKPOINTS_ENV, str(tmp_path / "env"))
    assert checkpoints.checkpoint_directory() == tmp_path / "env"
    assert checkpoints.checkpoint_directory(tmp_path / "flag") == tmp_path / "flag"
    monkeypatch.delenv(checkpoints.CHECKPOINTS_ENV)
    monkeypatch.setenv("TALKINGHEAD_HOME", str(tmp_path / "home"))
    assert checkpoints.checkpoint_directory() == tmp_path / "home" / "sadtalker"


def test_missing_files_are_named_with_the_fix(tmp_path):
    with pytest.raises(CheckpointError) as error:
        locate(512, "full", tmp_path)
    message = str(error.value)
    assert "SadTalker_V0.0.2_512.safetensors and mapping_00109-model.pth.tar" in message
    assert "talkinghead models download sadtalker" in message and "\n" not in message


def test_small_files_are_reported_as_interrupted_downloads(tmp_path):
    with pytest.raises(CheckpointError, match="far smaller than the published"):
        locate(256, "crop", _folder(tmp_path))


def test_a_complete_bundle_with_all_networks_passes(tmp_path):
    found = locate(256, "full", _folder(tmp_path, "full"), min_bytes=False)
    assert found.mapping.name == "mapping_00109-model.pth.tar" and found.mapping_channels == 73


def test_truncated_bundle_is_refused(tmp_path):
    folder = _folder(tmp_path)
    bundle = folder / checkpoints.BUNDLE_256.name
    bundle.write_bytes(bundle.read_bytes()[:-5])
    with pytest.raises(CheckpointError, match="truncated"):
        locate(256, "crop", folder, min_bytes=False)


def test_bundle_lacking_a_network_is_refused(tmp_path):
    _bundle(tmp_path / checkpoints.BUNDLE_256.name, ("audio2exp", "generator"))
    (tmp_path / checkpoints.MAPPING_CROP.name).write_bytes(b"x")
    with pytest.raises(CheckpointError, match="no audio2pose, face_3drecon, kp_extractor"):
        locate(256, "crop", tmp_path, min_bytes=False)


def test_a_file_that_is_not_safetensors_is_refused(tmp_path):
    (tmp_path / checkpoints.BUNDLE_256.name).write_bytes(b"<html>not found</html>")
    (tmp_path / checkpoints.MAPPING_CROP.name).write_bytes(b"x")
    with pytest.raises(CheckpointError, match="not a usable SadTalker bundle"):
        locate(256, "crop", tmp_path, min_bytes=False)


def test_layout_mismatches_name_the_tensor_and_both_shapes():
    expected = {"first.weight": (4, 3), "first.bias": (4,)}
    with pytest.raises(CheckpointError, match=r"generator\.first\.bias"):
        checkpoints.compare_layout("f", "generator", {"first.weight": (4, 3)}, expected)
    with pytest.raises(CheckpointError, match=r"shape \[5, 3\], expected \[4, 3\]"):
        checkpoints.compare_layout("f", "generator", {"first.weight": (5, 3),
                                                      "first.bias": (4,)}, expected)


def test_safetensors_round_trip_keeps_names_shapes_and_values(tmp_path):
    tensors = {"a.b": np.arange(6, dtype=np.float32).reshape(2, 3),
               "a.count": np.array(7, dtype=np.int64)}
    safetensors_io.save(tmp_path / "t.safetensors", tensors)
    loaded = safetensors_io.load(tmp_path / "t.safetensors")
    assert loaded.keys() == tensors.keys()
    for name, value in tensors.items():
        assert loaded[name].shape == value.shape and np.array_equal(loaded[name], value)
    header, _ = safetensors_io.read_header(tmp_path / "t.safetensors")
    assert header["a.count"].shape == () and header["a.b"].dtype == "F32"


def test_a_render_without_checkpoints_fails_before_reading_its_inputs(monkeypatch, tmp_path):
    pytest.importorskip("torch")
    from talkinghead import api

    monkeypatch.setenv(checkpoints.CHECKPOINTS_ENV, str(tmp_path / "empty"))
    unreadable = tmp_path / "not-an-image.png"
    unreadable.write_bytes(b"junk")  # were it read first, this would be an image error
    with pytest.raises(CheckpointError, match="models download sadtalker"):
        api.render(unreadable, tmp_path / "missing.wav", tmp_path / "o.mp4", engine="sadtalker")
