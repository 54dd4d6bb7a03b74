"""Fixtures for the web page's tests: a fresh job store per test and small synthetic inputs.

The tests of the page's logic need no browser and no UI library; those that
start the server skip cleanly where the `ui` extra is not installed, and the
browser tests also where Debian's chromium or Playwright is missing.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from talkinghead.media.audio import write_wav

CHROMIUM_PATHS = ("/usr/bin/chromium", "/usr/bin/chromium-browser")
# The launch flags for a browser that must not reach the network on its own. Even with the
# first six, chromium looks up update servers' names in the background; the resolver rule
# makes every name but 127.0.0.1 unknown, so the test machine sends no DNS query either.
CHROMIUM_FLAGS = ("--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                  "--disable-component-update", "--no-first-run",
                  "--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE 127.0.0.1")


@pytest.fixture
def home(tmp_path: Path, monkeypatch) -> Path:
    """A job store of this test's own (subprocesses inherit it through the environment)."""
    folder = tmp_path / "home"
    monkeypatch.setenv("TALKINGHEAD_HOME", str(folder))
    return folder


@pytest.fixture
def faceless_png(tmp_path: Path) -> Path:
    """A 160 x 160 gradient: a valid picture with no face in it (small, for quick checks)."""
    side = 160
    ramp = np.linspace(0, 255, side, dtype=np.uint8)
    pixels = np.stack([np.tile(ramp, (side, 1)), np.tile(ramp[:, None], (1, side)),
                       np.full((side, side), 128, np.uint8)], axis=2)
    path = tmp_path / "landscape.png"
    Image.fromarray(pixels).save(path)
    return path



@pytest.fixture
def faceless_photo(tmp_path: Path) -> Path:
    """A 1600 x 1200 JPEG of noisy gradients, like a landscape photo: a face search over it
    runs every detector to the end."""
    height, width = 1200, 1600
    y, x = np.mgrid[0:height, 0:width]
    pixels = np.stack([x / width * 255, y / height * 255, (x + y) / (width + height) * 255], 2)
    noise = np.random.default_rng(0).normal(0, 20, pixels.shape)
    path = tmp_path / "landscape.jpg"
    Image.fromarray(np.clip(pixels + noise, 0, 255).astype(np.uint8)).save(path, quality=90)
    return path


@pytest.fixture(scope="session")
def make_wav():
    """`make_wav(path, samples)` writes 16 kHz mono 16-bit samples (floats in -1..1)."""
    return write_wav


@pytest.fixture
def silent_wav(tmp_path: Path) -> Path:
    return write_wav(tmp_path / "silence.wav", np.zeros(16000, np.float32))


@pytest.fixture(scope="session")
def chromium() -> tuple[str, list[str]]:
    """Debian's chromium (never a downloaded browser) and its launch flags; skip without it."""
    found = next((p for p in CHROMIUM_PATHS if Path(p).is_file()), None) or shutil.which(
        "chromium")
    if found is None:
        pytest.skip("Debian's chromium is not installed (apt-get install chromium)")
    return found, list(CHROMIUM_FLAGS)
