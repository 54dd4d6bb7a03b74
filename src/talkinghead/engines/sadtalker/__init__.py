"""The `sadtalker` engine: SadTalker's published networks, run inside our job pipeline.

Torch is imported only by the modules that run networks (`networks/`, `weights.py`,
`coefficients.py`, `engine.py`); `checkpoints.py` and `download.py` work without it,
so `talkinghead models download sadtalker` and the checkpoint checks run on the
default install. See docs/sadtalker.md.
"""
