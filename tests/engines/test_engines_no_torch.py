"""The default install stays free of torch: importing talkinghead or rendering with the
warp engine must never import it (the sadtalker engine imports it only when chosen)."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
from scipy.io import wavfile

PROGRAM = """
import sys
import talkinghead, talkinghead.cli, talkinghead.api, talkinghead.engines.sadtalker.checkpoints
import talkinghead.engines.sadtalker.download, talkinghead.models_command
assert "torch" not in sys.modules, "import pulled in torch"
from talkinghead import api
from talkinghead.settings import RenderSettings
api.render(sys.argv[1], sys.argv[2], sys.argv[3], RenderSettings(), workers=1)
assert "torch" not in sys.modules, "a warp render pulled in torch"
print("torch-free")
"""


def test_import_and_warp_render_never_import_torch(tmp_path, sample_portrait_path):
    rate = 16000
    t = np.arange(int(0.4 * rate)) / rate
    voice = 0.4 * np.sin(2 * np.pi * 140 * t) * np.sin(np.pi * t / 0.4)  # a voiced hum
    wavfile.write(tmp_path / "hum.wav", rate, (voice * 32767).astype(np.int16))
    result = subprocess.run([sys.executable, "-c", PROGRAM, str(sample_portrait_path),
                             str(tmp_path / "hum.wav"), str(tmp_path / "out.mp4")],
                            capture_output=True, text=True, timeout=300, check=False)
    assert result.returncode == 0, result.stderr[-2000:]
    assert "torch-free" in result.stdout and (tmp_path / "out.mp4").stat().st_size > 0
