"""Shared helpers: a warp engine prepared on the bundled sample portrait."""

from __future__ import annotations

import pytest

from talkinghead.engines.warp.engine import WarpEngine
from talkinghead.face.framing import FramedPortrait, apply_framing, plan_framing
from talkinghead.settings import RenderSettings


def prepare(pixels, face, preprocess, enhance=True):
    """(engine, state, canvas, framing) for `pixels` framed by `preprocess`."""
    settings = RenderSettings(preprocess=preprocess, enhance=enhance)
    framing = plan_framing((pixels.shape[1], pixels.shape[0]), face, settings)
    canvas, framed = apply_framing(pixels, face, framing)
    engine = WarpEngine()
    return engine, engine.prepare(FramedPortrait(canvas, framed, framing.roi),
                                  settings), canvas, framing


@pytest.fixture
def prepared():
    return prepare
