"""Render a motion plan on a portrait in memory and measure the mouth on every frame.

The frames come from the same engine as a real render (framing, `prepare`, `render`), only
not encoded; the mouth is measured on them by landmark detection (`measure.mouth_opening`:
inner-lip gap over inter-ocular distance, dlib's 68 points), so what is judged is what a viewer
sees, not the motion curves.

What "sealed", "open" and "at rest" mean is calibrated per portrait, on the portrait's own
rest mouth rendered with the clip's head motion (mouth channels at zero): the detector's
reading there (`rest`) and its frame-to-frame noise (`noise`, a robust standard deviation):

- sealed: opening <= SEALED_GAP + 3 * noise. Sealed renders of closed and open portraits read
  0.000-0.018 here, closed rest mouths 0.000-0.011: 0.025 of the inter-ocular distance is about
  1.5 px on a 256 px crop, less than the lip line's own width.
- open: opening >= rest + max(OPEN_MARGIN, 3 * noise). 0.06 (4 px on a 256 px crop) is a gap a
  viewer sees at once; real speakers open 0.1-0.4 on vowels.
- at rest: |opening - rest| <= max(REST_MARGIN, 3 * noise).

Every frame gets dlib's 68-point landmark predictor. The face box it starts from comes from
the HOG face detector on every frame by default (`detect_every=1`, as `measure.mouth_opening`
does), or, to save time (the detector takes 96% of it), on every n-th frame, the frames
between using the box of the last detection: the head moves a few pixels at most in 0.2 s,
well within what the predictor tolerates.
"""

from __future__ import annotations

from dataclasses import dataclass, fields, replace
from pathlib import Path
from typing import Final

import numpy as np

from talkinghead.engines.registry import get_engine
from talkinghead.face.framing import FramedPortrait, apply_framing, plan_framing
from talkinghead.face.landmarks import detect_face
from talkinghead.media.image import load_portrait
from talkinghead.motion.types import MOUTH_CHANNELS, MotionPlan
from talkinghead.settings import RenderSettings
from talkinghead_dev.measure import mouth_openings

SEALED_GAP: Final = 0.025
OPEN_MARGIN: Final = 0.06
REST_MARGIN: Final = 0.02
NOISE_SIGMAS: Final = 3.0
CALIBRATION_FRAMES: Final = 40  # rest frames spread over the clip's head motion


@dataclass(frozen=True)
class Calibration:
    """The detector's reading of a portrait's rest mouth, and the thresholds derived from it."""

    rest: float
    noise: float

    @property
    def sealed_max(self) -> float:
        return SEALED_GAP + NOISE_SIGMAS * self.noise

    @property
    def open_min(self) -> float:
        return self.rest + max(OPEN_MARGIN, NOISE_SIGMAS * self.noise)

    @property
    def rest_margin(self) -> float:
        return max(REST_MARGIN, NOISE_SIGMAS * self.noise)

    def sealed(self, opening: np.ndarray) -> np.ndarray:
        return np.asarray(opening) <= self.sealed_max

    def open(self, opening: np.ndarray) -> np.ndarray:
        return np.asarray(opening) >= self.open_min

    def at_rest(self, opening: np.ndarray) -> np.ndarray:
        return np.abs(np.asarray(opening) - self.rest) <= self.rest_margin


@dataclass
class Stage:
    """A portrait framed and prepared by a render engine, ready to draw any plan's frames."""

    name: str
    settings: RenderSettings
    engine: object
    state: object

    def frames(self, plan: MotionPlan, indices=None):
        """The rendered frames `indices` (all by default) of `plan`, as RGB arrays."""
        indices = range(plan.n_frames) if indices is None else indices
        for i in indices:
            yield next(iter(self.engine.render(self.state, plan, int(i), int(i) + 1)))

    def openings(self, plan: MotionPlan, indices=None, detect_every: int = 1) -> np.ndarray:
        """Mouth opening measured on each rendered frame (NaN where no face was found)."""
        return mouth_openings(self.frames(plan, indices), detect_every)

    def calibrate(self, plan: MotionPlan) -> Calibration:
        """Rest level and detector noise on this portrait, under `plan`'s head motion."""
        rest_plan = at_rest(plan)
        count = min(CALIBRATION_FRAMES, plan.n_frames)
        indices = np.unique(np.linspace(0, plan.n_frames - 1, count).round().astype(int))
        values = self.openings(rest_plan, indices)
        values = values[np.isfinite(values)]
        rest = float(np.median(values))
        noise = float(1.4826 * np.median(np.abs(values - rest)))
        return Calibration(rest, noise)


def prepare_stage(image: str | Path, settings: RenderSettings | None = None,
                  engine: str = "warp") -> Stage:
    """Load, frame and prepare `image` exactly as a render does."""
    settings = settings or RenderSettings()
    portrait = load_portrait(image)
    face = detect_face(portrait.pixels)
    framing = plan_framing((portrait.width, portrait.height), face, settings)
    canvas, framed_face = apply_framing(portrait.pixels, face, framing)
    renderer = get_engine(engine)
    state = renderer.prepare(FramedPortrait(canvas, framed_face, framing.roi), settings)
    return Stage(Path(image).stem, settings, renderer, state)


def at_rest(plan: MotionPlan) -> MotionPlan:
    """`plan` with every mouth channel at rest (head and eyes unchanged)."""
    zeros = {f.name: np.zeros(plan.n_frames, np.float32) for f in fields(plan)
             if f.name in MOUTH_CHANNELS}
    return replace(plan, **zeros)
