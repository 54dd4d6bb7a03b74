"""Parity: our networks against the ORIGINAL SadTalker code, from committed golden tensors.

scripts/make_sadtalker_goldens.py ran the original implementation (outside this
project) with the deterministic stand-in weights and saved its inputs and outputs;
here the same weights are regenerated from the seed (the session's stand-in files,
read back through our checkpoint loader), our networks run on the same inputs, and
every output must match.

"Match" is judged against the rounding of the computation itself, not a fixed number:
float32 results differ between CPUs (vector width and threads change the order of sums),
by an amount that grows with the depth of the network and the size of its outputs. So
each check also runs our network in float64 on the same inputs: the float32 result's
distance from it is this computation's rounding error here. The golden, float32 on
another CPU, carries a rounding error of the same size, so ours may differ from it by
their sum; `ROUNDING_MARGIN` allows the golden's to be a few times ours. A bug (a wrong
constant, rotation order or layer) moves outputs by far more (0.01 to 1).
"""

from __future__ import annotations

import copy
import json
from pathlib import Path

import numpy as np
import pytest

ROUNDING_MARGIN = 4.0  # the golden's float32 rounding, as a multiple of ours
ULPS_FLOOR = 16  # float32 ulps of the output's magnitude, for results that round exactly here
RECORDED_LIMIT = 1e-4  # what the goldens' maker measured against the original (same CPU)
GOLDEN = Path(__file__).resolve().parent / "golden"


torch = pytest.importorskip("torch")


@pytest.fixture(scope="module")
def golden():
    with np.load(GOLDEN / "inputs.npz") as x, np.load(GOLDEN / "outputs.npz") as y:
        return dict(x), dict(y)


@pytest.fixture(scope="module")
def nets(standin_checkpoints):
    from talkinghead.engines.sadtalker import checkpoints
    from talkinghead.engines.sadtalker.weights import BUNDLE_NETWORKS, load_bundle_networks

    return load_bundle_networks(standin_checkpoints / checkpoints.BUNDLE_256.name,
                                tuple(BUNDLE_NETWORKS), torch.device("cpu"))


@pytest.fixture(scope="module")
def mappings(standin_checkpoints):
    from talkinghead.engines.sadtalker import checkpoints
    from talkinghead.engines.sadtalker.weights import load_mapping

    return {c: load_mapping(standin_checkpoints / f.name, c, torch.device("cpu"))
            for c, f in ((70, checkpoints.MAPPING_CROP), (73, checkpoints.MAPPING_FULL))}


def _image(array):
    return torch.from_numpy(array.astype(np.float32) / 255.0)


def _double(module):
    return copy.deepcopy(module).double()


def _as64(value):
    return value.double() if torch.is_tensor(value) and value.is_floating_point() else value


def _tolerance(ours32, ours64, expected_array) -> float:
    """How far a correct float32 result may be from the golden: both carry rounding error."""
    rounding = float((ours32.double() - ours64).abs().max())
    floor = ULPS_FLOOR * float(np.finfo(np.float32).eps) * float(np.abs(expected_array).max())
    return (1.0 + ROUNDING_MARGIN) * rounding + floor


def _close(ours, expected_array, reference64):
    """`ours` (float32) matches the golden within this computation's own rounding error;
    `reference64` is the same computation in float64."""
    difference = float(np.abs(ours.detach().numpy() - expected_array).max())
    tolerance = _tolerance(ours, reference64, expected_array)
    assert difference <= tolerance, (
        f"max abs difference {difference:.3g} > {tolerance:.3g}, float32 rounding here "
        f"{float((ours.double() - reference64).abs().max()):.3g}")


def _run_both(module, *inputs):
    """The module's float32 output and the same computation in float64."""
    return module(*inputs), _double(module)(*(_as64(i) for i in inputs))


@torch.inference_mode()
def test_audio_to_expression_matches_original(golden, nets):
    x, y = golden
    out, out64 = _run_both(nets["audio2exp"], torch.from_numpy(x["exp_mels"]),
                           torch.from_numpy(x["exp_ref"]), torch.from_numpy(x["exp_blink"]))
    _close(out, y["exp"], out64)


@torch.inference_mode()
def test_audio_to_pose_matches_original(golden, nets):
    x, y = golden
    out, out64 = _run_both(nets["audio2pose"], *(torch.from_numpy(x[k]) for k in (
        "pose_mels", "pose_ref", "pose_style", "pose_latent")))
    _close(out, y["pose"], out64)


@torch.inference_mode()
def test_3dmm_extraction_matches_original(golden, nets):
    x, y = golden
    out, out64 = _run_both(nets["face_3drecon"], _image(x["recon_face"]))
    _close(out, y["recon"], out64)


@pytest.mark.parametrize("channels", [70, 73])
@torch.inference_mode()
def test_mapping_matches_original(golden, mappings, channels):
    x, y = golden
    motion, motion64 = _run_both(mappings[channels], torch.from_numpy(x[f"map{channels}_window"]))
    for key in ("yaw", "pitch", "roll", "t", "exp"):
        _close(getattr(motion, key), y[f"map{channels}_{key}"], getattr(motion64, key))


@pytest.fixture(scope="module")
def renderer(nets, mappings):
    return nets["kp_extractor"], nets["generator"], mappings[70]


@torch.inference_mode()
def test_keypoint_detector_matches_original(golden, renderer):
    x, y = golden
    out, out64 = _run_both(renderer[0], _image(x["render_source"]))
    _close(out, y["kp"], out64)


@torch.inference_mode()
def test_generator_matches_original(golden, renderer):
    x, y = golden
    out, out64 = _run_both(renderer[1], _image(x["render_source"]),
                           torch.from_numpy(x["render_kp_source"]),
                           torch.from_numpy(x["render_kp_driving"]))
    _close(out, y["render"], out64)


@torch.inference_mode()
def test_animating_one_frame_matches_original(golden, renderer):
    """Mapping -> head pose in degrees -> rotated, shifted, expressed keypoints -> image."""
    from talkinghead.engines.sadtalker.networks.motion import drive_keypoints

    x, y = golden

    def animate(detector, generator, mapping, dtype):
        source = _image(x["render_source"]).to(dtype)
        canonical = detector(source)
        windows = (torch.from_numpy(x[k]).to(dtype)
                   for k in ("anim_source_window", "anim_target_window"))
        kp_source, kp_driving = (drive_keypoints(canonical, mapping(w)) for w in windows)
        return kp_source, kp_driving, generator(source, kp_source, kp_driving)

    ours = animate(*renderer, torch.float32)
    ours64 = animate(*map(_double, renderer), torch.float64)
    for out, out64, key in zip(ours, ours64, ("anim_kp_source", "anim_kp_driving", "anim"),
                               strict=True):
        _close(out, y[key], out64)


@torch.inference_mode()
def test_posing_keypoints_matches_original(golden, renderer):
    """Head turns of tens of degrees on keypoints spread over the volume: sensitive to the
    degree conversion (pi taken as 3.14, as trained) and the rotation order."""
    from talkinghead.engines.sadtalker.networks.motion import drive_keypoints

    x, y = golden
    motion, motion64 = _run_both(renderer[2], torch.from_numpy(x["anim_target_window"]))
    canonical = torch.from_numpy(x["drive_canonical"])
    _close(drive_keypoints(canonical, motion), y["drive_kp"],
           drive_keypoints(canonical.double(), motion64))


def test_goldens_are_informative(golden):
    """A parity check is only as strong as its outputs: none constant, images not saturated."""
    _, y = golden
    for key, value in y.items():
        assert float(np.std(value)) > 1e-3, key
    for key in ("render", "anim"):
        midtones = np.mean((y[key] > 0.02) & (y[key] < 0.98))
        assert midtones > 0.5, f"{key}: only {midtones:.0%} of pixels off the sigmoid's ends"
    recorded = json.loads((GOLDEN / "differences.json").read_text())["max_abs_difference"]
    assert set(recorded) == set(y) and max(recorded.values()) <= RECORDED_LIMIT
