"""Fixtures for the sadtalker engine: stand-in checkpoints (random weights, published layout).

The stand-ins are written once per test session (about 700 MB in a temporary folder)
and found through $TALKINGHEAD_SADTALKER_CHECKPOINTS, as a user's files would be.
Whatever renders from them is noise by construction: these tests check plumbing,
shapes and determinism, and the parity tests check the numbers.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest


@pytest.fixture(scope="session")
def standin_checkpoints(tmp_path_factory) -> Path:
    pytest.importorskip("torch")
    from talkinghead.engines.sadtalker import checkpoints
    from talkinghead_dev import standin

    folder = tmp_path_factory.mktemp("sadtalker-checkpoints")
    standin.write_standin_bundle(folder / checkpoints.BUNDLE_256.name)
    standin.write_standin_mapping(folder / checkpoints.MAPPING_CROP.name, 70)
    standin.write_standin_mapping(folder / checkpoints.MAPPING_FULL.name, 73)
    previous = os.environ.get(checkpoints.CHECKPOINTS_ENV)
    os.environ[checkpoints.CHECKPOINTS_ENV] = str(folder)
    yield folder
    if previous is None:
        del os.environ[checkpoints.CHECKPOINTS_ENV]
    else:
        os.environ[checkpoints.CHECKPOINTS_ENV] = previous
    shutil.rmtree(folder, ignore_errors=True)  # pytest keeps old temp folders: not 700 MB each
