"""Development tooling for talkinghead: measurement and test helpers, never installed.

- `evaluation/`: test speech with known phoneme timings (eSpeak NG through ctypes), rendered
  and measured; the lip-sync and syllable scores of `benchmarks/lipsync.py`.
- `measure.py`: facts about encoded videos (frames, boxes, mouth opening, face positions).
- `quality.py`: image measures of a render (PSNR, SSIM, blinks, head sway).
- `standin.py`: deterministic stand-in weights for the sadtalker engine's tests.

The tests find it through pytest's `pythonpath`; benchmarks and scripts put `dev/` on
`sys.path` themselves. `pip install .` installs only `talkinghead`.
"""
