"""The `sadtalker` engine: SadTalker's face renderer drawing our jobs' frames.

Planning (`plan_job`, called by api.create_job) runs the audio networks once for the
whole audio and saves the coefficient track in the job folder. Chunk workers
(`prepare` + `render`) load the renderer networks once per process, encode the
portrait once, and per frame map a 27-frame window of coefficients to driven
keypoints and decode the warped features into the face square, which is pasted
back into the canvas (all of it for crop/resize; a feathered head square for full
and framed outputs). Runs on CUDA when available, else on the CPU.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Final

import cv2
import numpy as np
import torch

from ...errors import TalkingHeadError
from ...face.framing import FramedPortrait
from ...motion.types import MotionPlan
from ...settings import RenderSettings
from ..base import Engine
from .checkpoints import CheckpointSet, checkpoint_directory, locate
from .coefficients import COEFFICIENTS_FILE, CoefficientTrack, plan_coefficients
from .face_crop import paste, paste_mask, renderer_square
from .networks.generator import Generator
from .networks.mapping import WINDOW_RADIUS, MappingNet
from .networks.motion import drive_keypoints
from .weights import cached_bundle, cached_mapping, pick_device

RENDER_NETWORKS: Final = ("kp_extractor", "generator")
# Frames decoded together: a GPU wants batches; on a CPU more buys little and costs memory.
FRAMES_PER_BATCH: Final = {"cuda": 8, "cpu": 2}
# The side the renderer draws at; None: --size (256 or 512, what the bundles were trained
# for). Any multiple of 128 runs: the stand-in tests use 128 to stay fast.
network_side: int | None = None


@dataclass(frozen=True)
class SadTalkerState:
    canvas: np.ndarray
    square: tuple[int, int, int, int]  # canvas pixels the renderer redraws
    mask: np.ndarray  # paste weights over the square
    track: CoefficientTrack
    with_crop: bool  # the `full` mapping also reads the portrait's crop parameters
    generator: Generator
    mapping: MappingNet
    canonical: torch.Tensor  # the portrait's canonical keypoints (1, 15, 3)
    volume: torch.Tensor  # the portrait's encoded features (1, 32, 16, S/4, S/4)
    kp_source: torch.Tensor  # (1, 15, 3)
    device: torch.device


def require_checkpoints(settings: RenderSettings) -> CheckpointSet:
    """The files for this size and preprocess mode, from --checkpoints or the environment."""
    return locate(settings.size, settings.preprocess, checkpoint_directory())


class SadTalkerEngine(Engine[SadTalkerState]):
    name = "sadtalker"
    plans_jobs = True

    def check_ready(self, settings: RenderSettings) -> None:
        """Fail before any work if the checkpoint files this render needs are missing."""
        super().check_ready(settings)
        require_checkpoints(settings)

    def plan_job(self, job_folder: Path, portrait: FramedPortrait, plan: MotionPlan,
                 samples: np.ndarray, settings: RenderSettings, seed: int) -> None:
        """Run the audio networks for the whole job (blinking where the plan blinks); save
        the coefficient track in `job_folder`."""
        checkpoints = require_checkpoints(settings)
        track = plan_coefficients(portrait.canvas, portrait.face, samples, settings,
                                  plan.blink, seed, checkpoints, pick_device())
        track.save(job_folder)

    def chunk_files(self, job_folder: Path, start: int, stop: int) -> dict[str, bytes]:
        """The job-folder files a remote worker needs for frames start..stop-1, by name:
        the coefficient track, trimmed to the rows those frames read (kilobytes)."""
        track = CoefficientTrack.load(job_folder).for_frames(start, stop, WINDOW_RADIUS)
        return {COEFFICIENTS_FILE: track.to_bytes()}

    def prepare(self, portrait: FramedPortrait, settings: RenderSettings,
                job_folder: Path | None = None) -> SadTalkerState:
        """Load the renderer (once per process) and encode the portrait (once per job). The
        frames' motion is the job's coefficient track, planned from its audio."""
        if job_folder is None:
            raise TalkingHeadError("the sadtalker engine renders planned jobs only (their "
                                   "coefficients come from the audio): use api.render")
        return self.prepare_track(CoefficientTrack.load(job_folder), portrait, settings)

    def prepare_track(self, track: CoefficientTrack, portrait: FramedPortrait,
                      settings: RenderSettings) -> SadTalkerState:
        """`prepare` with the coefficient track given (tests and benchmarks)."""
        canvas, face, roi = portrait.canvas, portrait.face, portrait.roi
        checkpoints = require_checkpoints(settings)
        device = pick_device()
        networks = cached_bundle(str(checkpoints.bundle), checkpoints.bundle.stat().st_mtime,
                                 RENDER_NETWORKS, str(device))
        mapping = cached_mapping(str(checkpoints.mapping), checkpoints.mapping.stat().st_mtime,
                                 checkpoints.mapping_channels, str(device))
        generator = networks["generator"]
        assert isinstance(generator, Generator)
        square = renderer_square(canvas.shape, face, roi)
        x0, y0, x1, y1 = square
        whole = square == (0, 0, canvas.shape[1], canvas.shape[0])
        side = network_side or settings.size
        source = cv2.resize(canvas[y0:y1, x0:x1], (side, side),
                            interpolation=cv2.INTER_AREA if x1 - x0 > side else cv2.INTER_CUBIC)
        image = torch.from_numpy(source).permute(2, 0, 1)[None].float().div(255).to(device)
        with_crop = checkpoints.mapping_channels == 73
        with torch.inference_mode():
            canonical = networks["kp_extractor"](image)
            own = torch.from_numpy(track.source if with_crop else track.source[:70])
            window = own[None, :, None].expand(1, -1, 2 * WINDOW_RADIUS + 1).to(device)
            kp_source = drive_keypoints(canonical, mapping(window))
            volume = generator.encode(image)
        return SadTalkerState(canvas, square, paste_mask(x1 - x0, whole), track, with_crop,
                              generator, mapping, canonical, volume, kp_source, device)

    def render(self, state: SadTalkerState, plan: MotionPlan | None, start: int,
               stop: int) -> Iterator[np.ndarray]:
        """Frames start..stop-1: each a canvas with the renderer's face square pasted in."""
        batch = FRAMES_PER_BATCH.get(state.device.type, 2)
        for first in range(start, stop, batch):
            indices = range(first, min(stop, first + batch))
            with torch.inference_mode():
                images = self._draw(state, indices)
            for image in images:
                yield paste(state.canvas, image, state.square, state.mask)

    def _draw(self, state: SadTalkerState, indices: range) -> np.ndarray:
        windows = torch.from_numpy(np.stack([self.window(state, i) for i in indices]))
        motion = state.mapping(windows.to(state.device))
        batch = len(indices)
        kp_driving = drive_keypoints(state.canonical.expand(batch, -1, -1), motion)
        out = state.generator.decode(state.volume.expand(batch, -1, -1, -1, -1),
                                     state.kp_source.expand(batch, -1, -1), kp_driving)
        return (out.clamp(0, 1).mul(255).round().byte().permute(0, 2, 3, 1).cpu().numpy())

    @staticmethod
    def window(state: SadTalkerState, frame: int) -> np.ndarray:
        """(70 or 73, 27): the coefficients of frames frame-13..frame+13, edges repeated."""
        driving = state.track.driving
        index = np.clip(np.arange(frame - WINDOW_RADIUS, frame + WINDOW_RADIUS + 1), 0,
                        len(driving) - 1)
        rows = driving[index]
        if state.with_crop:
            rows = np.concatenate([rows, np.repeat(state.track.source[None, 70:], len(rows),
                                                   axis=0)], axis=1)
        return rows.T.astype(np.float32)
