"""The public API: `render(image, audio, output, settings)`, plus `resume`, `retrieve`, `list_jobs`.

A render is a durable job (see jobs/): the inputs are validated, the face is
framed, the speech analysed and the motion planned for the whole audio; those
results are saved in the job's folder, the frames are drawn chunk by chunk
(in parallel processes when there are several chunks), and the chunks are
joined with the original audio. The CLI, the web page and the RunPod worker
all call these functions.
"""

from __future__ import annotations

import hashlib
import json
import os
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .engines.registry import get_engine
from .errors import SettingsError, TalkingHeadError
from .events import NullSink, ProgressSink
from .face.framing import UPSCALE_WARNING, FramedPortrait, apply_framing, plan_framing
from .face.landmarks import LANDMARK_MODEL_VARIABLE, landmark_model_identity
from .face.matte import foreground_colours, framed_person_matte
from .jobs.chunking import DEFAULT_CHUNK_SECONDS, plan_chunks, spread_chunk_seconds
from .jobs.cleanup import CleanupLimits, clean_store
from .jobs.delivery import deliver, refuse_overwriting, refuse_overwriting_inputs_of
from .jobs.faces import find_face
from .jobs.inputs import (
    ChunkInputs,
    inputs_saved,
    load_face,
    load_inputs,
    planned_by_this_code,
    save_inputs,
)
from .jobs.runner import ChunkExecutor, LocalExecutor, result_path, run_job
from .jobs.store import DONE, PLANNED, Job, JobStore, new_job_id
from .jobs.timeout import Deadline, Timeout, auto_timeout_s
from .jobs.workers import WorkerPool, worker_pool
from .media.audio import Audio, audio_sha256, load_audio
from .media.compose import backdrop_for
from .media.files import copy_file, ensure_file_writable, ensure_writable
from .media.formats import output_format
from .media.image import Portrait, load_portrait
from .motion.export import write_plan_json
from .motion.plan import plan_motion
from .motion.types import MotionPlan
from .settings import RenderSettings
from .speech.analysis import analyse_speech, start_analysis
from .speech.phonemes import piece_count
from .speech.types import Speech
from .version import code_fingerprint


@dataclass(frozen=True)
class RenderResult:
    """What was written, and how long it took."""

    output: Path
    job_id: str
    width: int
    height: int
    fps: int
    frames: int
    duration_s: float
    processing_s: float
    faces_found: int
    face_box: tuple[float, float, float, float]  # in output pixels
    reused: bool = False  # True when an identical earlier job's video was reused
    alpha: bool = False  # True when the video has an alpha channel (--background transparent)


def render(image: str | os.PathLike, audio: str | os.PathLike, output: str | os.PathLike,
           settings: RenderSettings | None = None, *, engine: str = "warp",
           sink: ProgressSink | None = None, timeout_s: Timeout = None,
           chunk_seconds: float = DEFAULT_CHUNK_SECONDS, workers: int | None = None,
           store: JobStore | None = None,
           backend: str | ChunkExecutor = "local", transcript: str | None = None,
           motion_json: str | os.PathLike | None = None) -> RenderResult:
    """Render a talking-head MP4 of `image` speaking `audio` to `output`.

    Rerunning the same inputs and settings resumes an unfinished job (or reuses a
    finished one). Raises a `TalkingHeadError` subclass for bad input; `output`
    is then untouched, and it only ever appears complete. `timeout_s` counts from the call;
    "auto" allows remote renders what the original tool allowed (4 minutes per audio minute
    plus 2) and local ones as long as they take.
    `backend` draws the chunks: "local" (this machine's cores), "runpod" (the
    endpoint in RUNPOD_SADTALKER_ENDPOINT_ID; needs the `runpod` extra), or a
    `ChunkExecutor`. `transcript`, the plain text of what is said, times the mouth shapes by
    forced alignment instead of phone recognition (more accurate lip sync, English).
    `motion_json` also writes the per-frame motion plan there (see motion/export.py).
    """
    started = time.monotonic()
    settings = settings or RenderSettings()
    transcript = (transcript or "").strip() or None
    sink = sink or NullSink()
    output = Path(output)
    store = store or JobStore()
    outputs = {"the output": output}
    if motion_json is not None:
        outputs["the motion JSON"] = Path(motion_json)
    backdrop_file = settings.background_file
    inputs = [Path(image), Path(audio), *([Path(backdrop_file)] if backdrop_file else [])]
    refuse_overwriting(outputs, inputs, store)
    ensure_writable(output, output_format(settings.format, alpha=settings.has_alpha))
    if motion_json is not None:
        ensure_file_writable(Path(motion_json), "give a file name for the motion JSON")
    _check_engine(engine, settings)
    executor = executor_for(backend, workers)
    portrait = load_portrait(image)
    sound_sha256 = audio_sha256(audio)
    background = load_background(backdrop_file) if backdrop_file else None
    key = input_key(portrait.sha256, sound_sha256, settings, engine, chunk_seconds, transcript,
                    background.sha256 if background else None)
    job = store.find_resumable(key) or finished_job(store, key)
    resumable = job is not None and inputs_saved(store.folder(job.id))
    # The sound is decoded (and checked) only for a new job: a job found already has its plan.
    sound = None if resumable else load_audio(audio, sound_sha256)
    local = isinstance(executor, LocalExecutor)  # remote chunks cost a job each: keep them long
    if sound is not None and local:
        chunk_seconds = spread_chunk_seconds(sound.duration_s, chunk_seconds)
    processes = 0 if sound is None else _worker_processes(executor, sound, settings,
                                                          chunk_seconds)
    with worker_pool(processes) as shared:
        if job is not None and sound is None:
            sink.notice(f"job {job.id}: {'reusing' if job.state == DONE else 'resuming'} "
                        f"({job.frames_done}/{job.frames} frames already rendered)")
        else:
            assert sound is not None  # not resumable: decoded above
            earlier = rendered_by_other_code(store, portrait.sha256, sound_sha256, settings,
                                             engine)
            if earlier is not None:
                sink.notice(f"job {earlier.id} rendered these inputs with another version of "
                            "talkinghead, so they are rendered anew ('talkinghead --retrieve "
                            f"{earlier.id} --output FILE' still gives that video)")
            job = create_job(store, new_job_id(), portrait, sound, settings, engine, output,
                             chunk_seconds, key, sink, started, transcript, background, shared)
            sound = None  # its 16 kHz copy (230 MB an hour) is analysed: drawing needs none
            if shared is not None and isinstance(executor, LocalExecutor):
                executor = LocalExecutor(executor.workers, shared)  # they draw the chunks too
        if motion_json is not None:
            write_plan_json(motion_plan(job.id, store=store), motion_json)
        return _run(store, job, output, executor, sink, timeout_s, started)


def resume(job_id: str, output: str | os.PathLike | None = None, *,
           sink: ProgressSink | None = None, timeout_s: Timeout = None,
           workers: int | None = None, store: JobStore | None = None,
           backend: str | ChunkExecutor = "local") -> RenderResult:
    """Continue job `job_id` from its record; its inputs must be unchanged on disk."""
    started = time.monotonic()
    store = store or JobStore()
    sink = sink or NullSink()
    job = store.get(job_id)
    output = Path(output) if output else Path(job.output_path)
    refuse_overwriting_inputs_of(job, output, store)
    ensure_writable(output, output_format(job.settings.format, alpha=job.settings.has_alpha))
    if not inputs_saved(store.folder(job.id)):
        raise TalkingHeadError(f"job {job.id} has no saved plan (it died while planning); "
                               "run the original command again")
    if job.state != DONE and not planned_by_this_code(store.folder(job.id)):
        raise TalkingHeadError(f"job {job.id} was planned by another version of talkinghead, "
                               "whose frames would not match this one's: run the original "
                               "command again to render it anew")
    audio = Path(job.audio_path)
    if not audio.is_file() or audio_sha256(audio) != job.audio_sha256:
        raise TalkingHeadError(f"job {job.id}: its audio {audio} is gone or has changed; "
                               "run the render again with the current file")
    return _run(store, job, output, executor_for(backend, workers), sink, timeout_s, started)


def _check_engine(engine: str, settings: RenderSettings) -> None:
    """An unknown engine, or one missing its files (checkpoints), fails before any work."""
    get_engine(engine).check_ready(settings)


def executor_for(backend: str | ChunkExecutor, workers: int | None = None) -> ChunkExecutor:
    """The chunk executor for a backend name (or the executor itself)."""
    if not isinstance(backend, str):
        return backend
    if backend == "local":
        return LocalExecutor(workers or os.cpu_count() or 1)
    if backend == "runpod":
        try:
            from .jobs.runpod.executor import RunPodExecutor
        except ImportError as e:
            raise TalkingHeadError("the RunPod backend needs the runpod extra: "
                                   "pip install 'talkinghead[runpod]'") from e
        return RunPodExecutor.from_environment()
    raise TalkingHeadError(f"unknown backend {backend!r}: choose local or runpod")


def retrieve(job_id: str, output: str | os.PathLike, *, store: JobStore | None = None) -> Job:
    """Copy a finished job's video to `output`; `JobNotFinishedError` says how far it got."""
    store = store or JobStore()
    return deliver(store, store.get(job_id), Path(output))


def list_jobs(limit: int = 20, *, store: JobStore | None = None) -> list[Job]:
    return (store or JobStore()).recent(limit)


def motion_plan(job_id: str, *, store: JobStore | None = None) -> MotionPlan:
    """The per-frame motion a job renders (planned from its audio and transcript)."""
    store = store or JobStore()
    folder = store.folder(store.get(job_id).id)
    if not inputs_saved(folder):
        raise TalkingHeadError(f"job {job_id} has no saved plan (it died while planning)")
    return load_inputs(folder).plan


def input_key(image_sha256: str, audio_sha256: str, settings: RenderSettings, engine: str,
              chunk_seconds: float, transcript: str | None = None,
              background_sha256: str | None = None) -> str:
    """Identity of a render: the same key means the same video, so the job can be resumed."""
    identity = {"image": image_sha256, "audio": audio_sha256, "settings": settings.to_dict(),
                "engine": engine, "chunk_seconds": chunk_seconds, "code": code_fingerprint()}
    if transcript:  # absent rather than None: keys of renders without one stay as they were
        identity["transcript"] = hashlib.sha256(transcript.encode()).hexdigest()
    if background_sha256:  # --background FILE: the picture, wherever it lies
        identity["background"] = background_sha256
    if os.environ.get(LANDMARK_MODEL_VARIABLE):  # another landmark model, another video
        identity["landmarks"] = landmark_model_identity()
    return hashlib.sha256(json.dumps(identity, sort_keys=True).encode()).hexdigest()


def derive_seed(image_sha256: str, audio_sha256: str, settings: RenderSettings) -> int:
    """Same inputs and settings, same blinks and head motion."""
    key = f"{image_sha256}:{audio_sha256}:{sorted(settings.to_dict().items())}"
    return int.from_bytes(hashlib.sha256(key.encode()).digest()[:4], "big")


def finished_job(store: JobStore, key: str) -> Job | None:
    """A finished job with the same key whose video is still in the store."""
    for job in store.recent(limit=50):
        if job.input_key == key and job.state == DONE and (
                result_path(store.folder(job.id), job)).is_file():
            return job
    return None


def rendered_by_other_code(store: JobStore, image_sha256: str, audio_sha256: str,
                           settings: RenderSettings, engine: str) -> Job | None:
    """A finished job of the same inputs and settings that another version's code planned."""
    for job in store.recent(limit=50):
        folder = store.folder(job.id)
        if (job.state == DONE and job.image_sha256 == image_sha256
                and job.audio_sha256 == audio_sha256 and job.settings == settings
                and job.engine == engine and result_path(folder, job).is_file()
                and not planned_by_this_code(folder)):
            return job
    return None


def create_job(store: JobStore, job_id: str, portrait: Portrait, sound: Audio,
               settings: RenderSettings, engine: str, output: Path, chunk_seconds: float,
               key: str, sink: ProgressSink, started: float, transcript: str | None = None,
               background: Portrait | None = None, workers: WorkerPool | None = None) -> Job:
    """Find the face, analyse the speech, plan all motion, and record it all as a new job.

    With `workers`, they analyse the speech while this process finds the face.
    `background` is the picture of `--background FILE`."""
    pool = workers.pool if workers is not None else None
    analysis = start_analysis(sound, transcript, pool=pool)  # the workers work from here on
    with sink.stage("face"):
        face = find_face(store, portrait.sha256, portrait.pixels, sink)
        framing = plan_framing((portrait.width, portrait.height), face, settings)
        matte = (framed_person_matte(portrait.pixels, face, framing)
                 if settings.cuts_out else None)
    if framing.mode == "frame" and framing.scale > UPSCALE_WARNING:
        sink.notice(f"the face is magnified {framing.scale:.1f}x to fill the frame; "
                    "a larger portrait or a smaller --resolution will look sharper")
    with sink.stage("speech"):
        speech = analyse_speech(sound, transcript, started=analysis)
    if transcript and not any(phone.aligned for phone in speech.phones):
        sink.notice("the transcript could not be aligned to the audio (is it what is said, "
                    "in English?); the mouth follows the recognised speech instead")
    canvas, framed_face = apply_framing(portrait.pixels, face, framing)
    backdrop = None
    if matte is not None:
        backdrop = backdrop_for(settings.background, canvas, matte,
                                background.pixels if background else None)
        canvas = foreground_colours(canvas, matte, framed_face.interocular)
        matte = (matte * 255 + 0.5).astype(np.uint8)
    frames = max(1, round(sound.duration_s * settings.fps))
    seed = settings.seed if settings.seed is not None else derive_seed(
        portrait.sha256, sound.sha256, settings)
    plan = plan_motion(speech, settings, frames, seed)
    chunks = plan_chunks(frames, settings.fps, chunk_seconds,
                         _frame_loudness(speech, frames, settings.fps))
    renderer = get_engine(engine)
    framed = FramedPortrait(canvas, framed_face, framing.roi, matte)
    renderer.check_portrait(framed)
    folder = store.folder(job_id)
    folder.mkdir(parents=True, exist_ok=True)
    if renderer.plans_jobs:  # e.g. sadtalker's audio networks, once for the whole audio
        with sink.stage("coefficients"):
            renderer.plan_job(folder, framed, plan, sound.samples, settings, seed)
    save_inputs(folder, ChunkInputs(canvas, framed_face, framing.roi, plan, matte, backdrop))
    now = time.time()
    width, height = framing.canvas_size
    job = Job(id=job_id, input_key=key, state=PLANNED, created=now, updated=now,
              image_path=str(portrait.source.resolve()), image_sha256=portrait.sha256,
              audio_path=str(sound.source.resolve()), audio_sha256=sound.sha256,
              settings=settings, engine=engine, output_path=str(output.resolve()),
              frames=frames, fps=settings.fps, duration_s=sound.duration_s, width=width,
              height=height, timings={"plan_s": round(time.monotonic() - started, 3)},
              error=None, chunks=chunks)
    job = store.create(job)
    sink.notice(f"job {job.id}: {frames} frames in {len(chunks)} chunk(s)")
    return job


def _worker_processes(executor: ChunkExecutor, sound: Audio, settings: RenderSettings,
                      chunk_seconds: float) -> int:
    """How many worker processes a new job starts: as many as the pieces of its speech or
    (drawn on this machine) its chunks keep busy, at most one per core."""
    cores = executor.workers if isinstance(executor, LocalExecutor) else os.cpu_count() or 1
    chunks = 1
    if isinstance(executor, LocalExecutor):
        frames = max(1, round(sound.duration_s * settings.fps))
        chunks = len(plan_chunks(frames, settings.fps, chunk_seconds))
    return min(cores, max(piece_count(sound.duration_s), chunks))


def load_background(path: str) -> Portrait:
    """The picture of `--background FILE`, read (and refused with one line) before any work."""
    try:
        return load_portrait(path)
    except TalkingHeadError as e:
        raise SettingsError(f"--background {path}: {e}") from e


def _frame_loudness(speech: Speech, frames: int, fps: int) -> np.ndarray:
    features = speech.features
    hops = np.minimum((np.arange(frames) / fps / features.hop_s).astype(int),
                      len(features.loudness) - 1)
    return np.asarray(features.loudness)[hops] if len(features.loudness) else np.zeros(frames)


def _run(store: JobStore, job: Job, output: Path, executor: ChunkExecutor, sink: ProgressSink,
         timeout_s: Timeout, started: float) -> RenderResult:
    """Render what is missing, copy the video to `output`, then clean the store (never of
    this job). The time limit counts from `started`, the start of the call."""
    if timeout_s == "auto":  # local renders have no automatic limit: a slow CPU is no failure
        local = isinstance(executor, LocalExecutor)
        timeout_s = None if local else auto_timeout_s(job.duration_s)
    limits = CleanupLimits.from_environment()  # nonsense in the environment fails before work
    reused = job.state == DONE
    result = run_job(store, job, executor=executor, sink=sink,
                     deadline=Deadline(timeout_s, started))
    copy_file(result, output)
    store.set_state(job.id, DONE, output_path=str(output.resolve()))
    face = load_face(store.folder(job.id))
    clean_store(store, limits, keep=(job.id,))
    return RenderResult(output, job.id, job.width, job.height, job.fps, job.frames,
                        job.duration_s, time.monotonic() - started, face.faces_found,
                        face.box, reused, job.settings.has_alpha)
