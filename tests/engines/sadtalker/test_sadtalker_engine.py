"""The engine's own pieces: chunk independence, the mapping's window, the 3DMM crop.

Stand-in weights, so the drawn faces are noise by construction; what is checked is
that any frame range renders the same pixels (chunks can be drawn anywhere, in any
order). Paste-back is checked end to end (test_sadtalker_end_to_end.py).
"""

from __future__ import annotations

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from talkinghead.engines.sadtalker import engine as sad  # noqa: E402
from talkinghead.engines.sadtalker.coefficients import CoefficientTrack  # noqa: E402
from talkinghead.engines.sadtalker.face_crop import (  # noqa: E402
    RECON_TEMPLATE,
    five_points,
    recon_alignment,
    recon_input,
)
from talkinghead.events import NullSink  # noqa: E402
from talkinghead.face.framing import FramedPortrait, apply_framing, plan_framing  # noqa: E402
from talkinghead.face.landmarks import FaceGeometry, detect_face  # noqa: E402
from talkinghead.media.image import load_portrait  # noqa: E402
from talkinghead.settings import RenderSettings  # noqa: E402


@pytest.fixture(scope="module")
def full_frame(sample_portrait_path, standin_checkpoints):
    settings = RenderSettings(preprocess="full")
    image = load_portrait(sample_portrait_path)
    face = detect_face(image.pixels, NullSink())
    framing = plan_framing((image.width, image.height), face, settings)
    canvas, framed = apply_framing(image.pixels, face, framing)
    rng = np.random.default_rng(1)
    track = CoefficientTrack(rng.normal(0, 0.3, 73).astype(np.float32),
                             rng.normal(0, 0.3, (6, 70)).astype(np.float32))
    previous, sad.network_side = sad.network_side, 128
    try:
        portrait = FramedPortrait(canvas, framed, framing.roi)
        state = sad.SadTalkerEngine().prepare_track(track, portrait, settings)
    finally:
        sad.network_side = previous
    return canvas, state


def test_any_frame_range_renders_the_same_frames(full_frame):
    _, state = full_frame
    engine = sad.SadTalkerEngine()
    whole = list(engine.render(state, None, 0, 2))  # frames 0 and 1 drawn as one batch
    alone = list(engine.render(state, None, 1, 2))
    assert len(whole) == 2 and len(alone) == 1
    assert np.abs(whole[1].astype(int) - alone[0]).max() <= 1
    assert np.abs(whole[0].astype(int) - whole[1]).mean() > 1  # the motion does change frames


def test_the_crop_mapping_reads_the_portraits_crop_parameters(full_frame):
    _, state = full_frame
    window = sad.SadTalkerEngine.window(state, 0)
    assert state.with_crop and window.shape == (73, 27)
    assert np.allclose(window[70:], state.track.source[70:, None])
    assert np.allclose(window[:70, :14], state.track.driving[0][:, None])  # edge repeated


def test_the_3dmm_input_keeps_a_tilted_head_tilted(sample_portrait_path):
    """Scale and shift only: a roll must reach the 3DMM network so it can read the angle."""
    image = load_portrait(sample_portrait_path)
    face = detect_face(image.pixels, NullSink())
    aligned, crop = recon_input(image.pixels, face)
    assert aligned.shape == (224, 224, 3) and crop[0] > 0
    centre = np.array(image.pixels.shape[1::-1]) / 2
    turn = np.array([[np.cos(0.3), -np.sin(0.3)], [np.sin(0.3), np.cos(0.3)]])
    tilted = FaceGeometry((face.points - centre) @ turn.T + centre, face.box)
    matrix = recon_alignment(tilted)
    assert matrix[0, 1] == matrix[1, 0] == 0
    moved = five_points(tilted) @ matrix[:, :2].T + matrix[:, 2]
    eyes = moved[1] - moved[0]
    assert abs(np.degrees(np.arctan2(eyes[1], eyes[0]))) > 10  # still tilted
    assert np.abs(moved.mean(0) - RECON_TEMPLATE.mean(0)).max() < 1e-6


def test_a_chunks_trimmed_track_draws_the_same_windows(full_frame, tmp_path):
    """What a remote chunk worker receives: only the rows its frames read, same windows."""
    import dataclasses

    _, state = full_frame
    long = CoefficientTrack(state.track.source,
                            np.random.default_rng(2).normal(size=(200, 70)).astype(np.float32))
    long.save(tmp_path)
    files = sad.SadTalkerEngine().chunk_files(tmp_path, 100, 150)
    assert len(files["sadtalker.npz"]) < 30_000 < len(long.to_bytes(compressed=False))
    (tmp_path / "remote").mkdir()
    (tmp_path / "remote" / "sadtalker.npz").write_bytes(files["sadtalker.npz"])
    trimmed = CoefficientTrack.load(tmp_path / "remote")
    full_state = dataclasses.replace(state, track=long)
    trimmed_state = dataclasses.replace(state, track=trimmed)
    for frame in (100, 149, 199):
        same = np.array_equal(sad.SadTalkerEngine.window(full_state, frame),
                              sad.SadTalkerEngine.window(trimmed_state, frame))
        assert same == (frame < 150)
