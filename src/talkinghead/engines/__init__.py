"""Render engines: turn a framed portrait and a motion plan into frames.

`base.Engine` is the interface and `registry.get_engine` picks one by name. `warp/` is the
default engine (a landmark mesh warp, CPU only); `sadtalker/` runs SadTalker's networks and
needs the `sadtalker` extra (PyTorch), imported only when that engine is chosen.
"""
