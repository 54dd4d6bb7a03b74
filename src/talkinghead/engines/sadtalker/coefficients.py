"""Planning: the audio networks turn the whole speech into per-frame 3DMM coefficients, once.

Like the motion plan, this runs before any frame is drawn and is saved in the job
folder, so chunks (in any order, on any worker) render from the same numbers and
a resumed job draws exactly the frames the interrupted one would have. Per frame:
64 expression coefficients (audio -> expression, scaled by --expression-scale)
and 6 pose coefficients (audio -> pose in the --pose-style, or the portrait's own
pose when --still). The networks work at 25 fps; the result is resampled to the
job's frame rate. Blinks come from our motion plan's `blink` channel, and the pose
net's latent noise from the job's seed, so reruns give the same video.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Final

import numpy as np
import torch
from scipy.signal import savgol_filter

from ...errors import TalkingHeadError
from ...face.landmarks import FaceGeometry
from ...media.files import atomic_path
from ...settings import RenderSettings
from .audio_features import FPS as NET_FPS
from .audio_features import mel_windows
from .checkpoints import CheckpointSet
from .face_crop import recon_input
from .networks.audio2exp import ExpressionNet
from .networks.audio2pose import LATENT_DIM, SEQUENCE_FRAMES, PoseNet
from .networks.recon import split_coefficients
from .weights import cached_bundle

COEFFICIENTS_FILE: Final = "sadtalker.npz"
EXPRESSION_BATCH: Final = 10  # frames per audio -> expression call, as trained
POSE_SMOOTHING_FRAMES: Final = 13  # Savitzky-Golay window (order 2) over the pose track
PLANNING_NETWORKS: Final = ("audio2exp", "audio2pose", "face_3drecon")


@dataclass(frozen=True, eq=False)
class CoefficientTrack:
    """What the renderer needs about the portrait and the motion, per output frame."""

    source: np.ndarray  # (73,) the portrait: expression 64, angles 3, translation 3, crop 3
    driving: np.ndarray  # (frames, 70): expression 64 + pose 6 for each output frame

    def save(self, folder: Path) -> None:
        with atomic_path(folder / COEFFICIENTS_FILE) as partial, open(partial, "wb") as f:
            np.savez(f, source=self.source, driving=self.driving)

    def for_frames(self, start: int, stop: int, radius: int) -> CoefficientTrack:
        """The same track with every row a frame start..stop-1 cannot see zeroed.

        What a remote chunk worker needs: rendering those frames reads rows within
        `radius` of them only (edges clamp to the same rows as in the full track), and
        the zeros compress to almost nothing.
        """
        keep = np.zeros(len(self.driving), bool)
        keep[max(0, start - radius):stop + radius] = True
        return CoefficientTrack(self.source, np.where(keep[:, None], self.driving, 0))

    def to_bytes(self, compressed: bool = True) -> bytes:
        import io

        buffer = io.BytesIO()
        (np.savez_compressed if compressed else np.savez)(buffer, source=self.source,
                                                          driving=self.driving)
        return buffer.getvalue()

    @classmethod
    def load(cls, folder: Path) -> CoefficientTrack:
        try:
            with np.load(folder / COEFFICIENTS_FILE) as saved:
                return cls(saved["source"], saved["driving"])
        except (OSError, KeyError, ValueError) as e:
            raise TalkingHeadError(f"the job folder {folder} has no usable SadTalker "
                                   f"coefficients ({e}); render again to plan a new job") from e


def portrait_coefficients(recon: torch.nn.Module, canvas: np.ndarray, face: FaceGeometry,
                          device: torch.device) -> np.ndarray:
    """(73,) the portrait's expression, angles, translation and crop parameters."""
    aligned, crop = recon_input(canvas, face)
    image = torch.from_numpy(aligned).permute(2, 0, 1)[None].float().div(255).to(device)
    with torch.inference_mode():
        groups = split_coefficients(recon(image))
    own = torch.cat([groups["exp"], groups["angle"], groups["trans"]], dim=1)[0].cpu().numpy()
    return np.concatenate([own, crop]).astype(np.float32)


def predict_expression(net: ExpressionNet, mels: torch.Tensor, ref: torch.Tensor,
                       blink: torch.Tensor) -> torch.Tensor:
    """(T, 64) expression for T frames of mel windows, in batches of 10 frames."""
    parts = [net(mels[None, i:i + EXPRESSION_BATCH], ref[None, i:i + EXPRESSION_BATCH],
                 blink[None, i:i + EXPRESSION_BATCH])[0]
             for i in range(0, len(mels), EXPRESSION_BATCH)]
    return torch.cat(parts)


def predict_pose(net: PoseNet, mels: torch.Tensor, ref_pose: torch.Tensor, style: int,
                 generator: torch.Generator) -> torch.Tensor:
    """(T, 6) pose: frame 0 is the portrait's; later frames in blocks of 32 from the CVAE.

    A last partial block is decoded from the final 32 frames (padded at the front with
    the first frame's embedding when the audio is shorter) and its tail kept.
    """
    device = mels.device
    embeddings = net.embed(mels[None, 1:])[0]  # frame 0 is the reference
    style_t = torch.tensor([style], device=device)
    motion = [torch.zeros(1, 6, device=device)]
    todo = len(embeddings)
    for start in range(0, todo - todo % SEQUENCE_FRAMES, SEQUENCE_FRAMES):
        motion.append(_decode(net, embeddings[start:start + SEQUENCE_FRAMES], ref_pose,
                              style_t, generator))
    rest = todo % SEQUENCE_FRAMES
    if rest:
        tail = embeddings[-SEQUENCE_FRAMES:]
        if len(tail) < SEQUENCE_FRAMES:
            tail = torch.cat([tail[:1].expand(SEQUENCE_FRAMES - len(tail), -1), tail])
        motion.append(_decode(net, tail, ref_pose, style_t, generator)[-rest:])
    return ref_pose[None] + torch.cat(motion)


def _decode(net: PoseNet, embeddings: torch.Tensor, ref_pose: torch.Tensor, style: torch.Tensor,
            generator: torch.Generator) -> torch.Tensor:
    latent = torch.randn(1, LATENT_DIM, generator=generator).to(embeddings.device)
    return net.netG.decoder(embeddings[None], ref_pose[None], style, latent)[0]


def smooth_pose(pose: np.ndarray) -> np.ndarray:
    """Savitzky-Golay (order 2) over time: the original's fix for jitter between blocks."""
    window = POSE_SMOOTHING_FRAMES if len(pose) >= POSE_SMOOTHING_FRAMES else (
        (len(pose) - 1) // 2 * 2 + 1)
    if window <= 2:
        return pose
    return savgol_filter(pose, window, 2, axis=0)


def resample(track: np.ndarray, frames: int, fps: int) -> np.ndarray:
    """A 25 fps track (T, C) linearly resampled at the job's `frames` and `fps`."""
    if len(track) == frames and fps == NET_FPS:
        return track
    times = np.arange(frames) * NET_FPS / fps
    source = np.arange(len(track))
    return np.stack([np.interp(times, source, track[:, c]) for c in range(track.shape[1])],
                    axis=1)


def plan_coefficients(canvas: np.ndarray, face: FaceGeometry, samples: np.ndarray,
                      settings: RenderSettings, blink: np.ndarray, seed: int,
                      checkpoints: CheckpointSet, device: torch.device) -> CoefficientTrack:
    """Run the 3DMM and audio networks for a job: the portrait and every frame's motion.

    `samples` is the job's 16 kHz audio; `blink` the motion plan's blink channel, one
    value per output frame (so its length is the job's frame count).
    """
    nets = cached_bundle(str(checkpoints.bundle), checkpoints.bundle.stat().st_mtime,
                         PLANNING_NETWORKS, str(device))
    audio2exp, audio2pose = nets["audio2exp"], nets["audio2pose"]
    assert isinstance(audio2exp, ExpressionNet) and isinstance(audio2pose, PoseNet)
    source = portrait_coefficients(nets["face_3drecon"], canvas, face, device)
    mels = torch.from_numpy(mel_windows(samples)).to(device)
    if len(mels) < 2:
        raise TalkingHeadError("the audio is too short for the sadtalker engine "
                               "(it needs at least 0.08 s)")
    net_frames, frames = len(mels), len(blink)
    # the plan's blinks are at the job's fps: read them at the networks' 25 fps
    blink_25 = np.interp(np.arange(net_frames) / NET_FPS * settings.fps, np.arange(frames),
                         np.asarray(blink, np.float64))
    ref_exp = torch.from_numpy(source[:64]).to(device).expand(net_frames, -1)
    generator = torch.Generator().manual_seed(seed)
    with torch.inference_mode():
        expression_t = predict_expression(
            audio2exp, mels, ref_exp, torch.from_numpy(blink_25.astype(np.float32)).to(device))
        pose_t = predict_pose(audio2pose, mels, torch.from_numpy(source[64:70]).to(device),
                              settings.pose_style, generator)
    expression = expression_t.cpu().numpy() * settings.expression_scale
    pose = smooth_pose(pose_t.cpu().numpy())
    if settings.still:
        pose = np.repeat(source[None, 64:70], net_frames, axis=0)
    driving = resample(np.concatenate([expression, pose], axis=1), frames, settings.fps)
    return CoefficientTrack(source, driving.astype(np.float32))
