"""The lip-sync evaluation, end to end: speech in, figures measured on rendered frames out.

    clips = english_speech(QUICK_VOICES)              # eSpeak NG, phoneme times known
    plans = [plan_known_speech(c, with_transcript=True) for c in clips]
    stage = prepare_stage("portrait.png")
    scores = english_scores(stage, clips, plans)      # LipSyncScores, summed over the clips

The speech goes through exactly what a render does (`analyse_speech` with or without the
transcript, `plan_motion` with the default settings), the frames through the render engine;
only the encoding is skipped. `benchmarks/lipsync.py` prints every figure, the slow tests in
`tests/evaluation/` hold them to the issue's goals.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from talkinghead.media.audio import load_audio
from talkinghead.motion.plan import plan_motion
from talkinghead.motion.types import MotionPlan
from talkinghead.settings import RenderSettings
from talkinghead.speech.analysis import analyse_speech

from .corpus import SENTENCES, transcript
from .espeak import KnownSpeech
from .rendered import Calibration, Stage
from .scores import LipSyncScores, SyllableScores, score_lipsync, score_syllables
from .syllables import pauses, syllable_peaks

PLAN_SEED = 1  # blinks and head motion: any fixed value (the mouth does not depend on it)


@dataclass(frozen=True)
class _Samples:
    """What `analyse_speech` reads from an audio (samples and their rate)."""

    samples: object
    sample_rate: int


def plan_known_speech(clip: KnownSpeech, with_transcript: bool,
                      settings: RenderSettings | None = None,
                      sentences: tuple[str, ...] = SENTENCES) -> MotionPlan:
    """The motion plan a render would make for `clip` (given its transcript, or not)."""
    settings = settings or RenderSettings()
    speech = analyse_speech(_Samples(clip.samples, clip.sample_rate),
                            transcript=transcript(sentences) if with_transcript else None)
    frames = max(1, round(clip.duration_s * settings.fps))
    return plan_motion(speech, settings, frames, PLAN_SEED)


def english_scores(stage: Stage, clips: list[KnownSpeech], plans: list[MotionPlan],
                   detect_every: int = 1) -> LipSyncScores:
    """All English figures for one portrait, summed over the clips (`detect_every`: see
    `Stage.openings`)."""
    total = None
    for clip, plan in zip(clips, plans, strict=True):
        scores = score_lipsync(stage.openings(plan, detect_every=detect_every), clip.phonemes,
                               plan.fps, stage.calibrate(plan))
        total = scores if total is None else total + scores
    return total


@dataclass(frozen=True)
class RecordingPlan:
    """A recording (any language, singing) with its plan and its measured syllables."""

    name: str
    plan: MotionPlan
    peaks_s: tuple[float, ...]
    pauses_s: tuple[tuple[float, float], ...]


def plan_recording(path: str | Path, settings: RenderSettings | None = None) -> RecordingPlan:
    settings = settings or RenderSettings()
    audio = load_audio(path)
    frames = max(1, round(audio.duration_s * settings.fps))
    plan = plan_motion(analyse_speech(audio), settings, frames, PLAN_SEED)
    return RecordingPlan(Path(path).stem, plan,
                         tuple(float(t) for t in syllable_peaks(audio.samples,
                                                                audio.sample_rate)),
                         tuple(pauses(audio.samples, audio.sample_rate)))


def recording_scores(stage: Stage, recording: RecordingPlan,
                     calibration: Calibration | None = None,
                     detect_every: int = 1) -> SyllableScores:
    plan = recording.plan
    return score_syllables(stage.openings(plan, detect_every=detect_every),
                           list(recording.peaks_s),
                           list(recording.pauses_s), plan.fps,
                           calibration or stage.calibrate(plan))
