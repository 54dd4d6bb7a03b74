"""Shared fixtures: the bundled sample portrait (a real face, 300 x 300) and ../shared/data."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest

import talkinghead

SAMPLES = Path(talkinghead.__file__).resolve().parent / "samples"
SHARED_DATA = Path(__file__).resolve().parent.parent.parent / "shared" / "data"


@pytest.fixture(scope="session", autouse=True)
def job_store_home(tmp_path_factory) -> Path:
    """Every test run gets its own job store, never the user's (subprocesses inherit it)."""
    home = tmp_path_factory.mktemp("talkinghead-home")
    previous = os.environ.get("TALKINGHEAD_HOME")
    os.environ["TALKINGHEAD_HOME"] = str(home)
    yield home
    if previous is None:
        del os.environ["TALKINGHEAD_HOME"]
    else:
        os.environ["TALKINGHEAD_HOME"] = previous


@pytest.fixture(scope="session")
def sample_portrait_path() -> Path:
    return SAMPLES / "portrait.jpg"


@pytest.fixture(scope="session")
def sample_speech_path() -> Path:
    return SAMPLES / "speech.ogg"


@pytest.fixture(scope="session")
def sample_pixels(sample_portrait_path) -> np.ndarray:
    from talkinghead.media.image import load_portrait

    return load_portrait(sample_portrait_path).pixels


@pytest.fixture(scope="session")
def sample_face(sample_pixels):
    from talkinghead.face.landmarks import detect_face

    return detect_face(sample_pixels)


@pytest.fixture(scope="session")
def shared_data() -> Path:
    if not SHARED_DATA.is_dir():
        pytest.skip("../shared/data is not beside the checkout")
    return SHARED_DATA
