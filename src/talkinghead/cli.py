"""Command line: the original SadTalker tool's flags, over `talkinghead.render`.

Every command line of the original README works unchanged. Errors in the
user's input print one line and exit 2; `--verbose` adds the traceback.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import signal
import sys
import time
import traceback
from collections.abc import Callable, Sequence
from dataclasses import Field
from pathlib import Path
from types import FrameType, ModuleType
from typing import TYPE_CHECKING, Any, NoReturn

from .engines.registry import DEFAULT_ENGINE, ENGINE_NAMES
from .errors import SettingsError, TalkingHeadError, storage_error
from .events import NullSink, TerminalSink
from .jobs.chunking import DEFAULT_CHUNK_SECONDS, MIN_CHUNK_SECONDS
from .jobs.cleanup import (
    DEFAULT_KEEP_DAYS,
    DEFAULT_MAX_STORE_GB,
    KEEP_DAYS_VARIABLE,
    MAX_STORE_GB_VARIABLE,
    CleanupLimits,
    clean_store,
)
from .jobs.store import Job, JobStore
from .settings import (
    PRESETS,
    default_text,
    option_fields,
    option_of,
    parse_resolution,
    preset_sets,
    settings_for,
)
from .version import __version__

if TYPE_CHECKING:
    from .api import RenderResult

EXIT_USAGE = 2
SAMPLES = Path(__file__).resolve().parent / "samples"
PROG = "talkinghead"


class _OneLineParser(argparse.ArgumentParser):
    """Usage errors as one line (argparse prints the whole usage block by default)."""

    def error(self, message: str) -> NoReturn:
        self.exit(EXIT_USAGE, f"{self.prog}: {message} (see --help)\n")


def _number(text: str) -> float:
    """A finite number (argparse's `float` also takes nan and inf)."""
    try:
        value = float(text)
    except ValueError:
        value = math.nan
    if not math.isfinite(value):
        raise argparse.ArgumentTypeError(f"expected a number, got {text!r}")
    return value


def _preset_table() -> str:
    rows = [f"  {name:<13}" + ", ".join(f"{k}={v}" for k, v in values.items())
            for name, values in PRESETS.items()]
    return "presets (an explicit flag overrides its preset's value):\n" + "\n".join(rows)


def _add_setting(group: argparse._ArgumentGroup, setting: Field[Any]) -> None:
    """One `RenderSettings` field as an option, from its `Option`. Every default is None: the
    preset's value, else the field's, applies (see `settings_for`)."""
    option = option_of(setting)
    default = default_text(setting) + (", or the preset's" if preset_sets(setting.name) else "")
    text = f"{option.help} (default: {default})".replace("%", "%%")
    flag = option.flag(setting.name)
    if isinstance(setting.default, bool):
        action = "store_false" if option.inverted_flag else "store_true"
        group.add_argument(flag, dest=setting.name, action=action, default=None, help=text)
        return
    group.add_argument(flag, dest=setting.name, type=_value_type(setting), default=None,
                       choices=option.choices or None, metavar=option.metavar, help=text)


def _value_type(setting: Field[Any]) -> Callable[[str], Any]:
    if setting.name == "resolution":
        return parse_resolution
    if isinstance(setting.default, float):
        return _number
    if isinstance(setting.default, int) or setting.name == "seed":
        return int
    return str


def build_parser(prog: str = PROG) -> argparse.ArgumentParser:
    parser = _OneLineParser(
        prog=prog,
        description="Turn a portrait image and a speech recording into a talking-head MP4. "
                    "Runs locally on the CPU; no account or model download needed.",
        epilog=_preset_table(),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.epilog = (f"{parser.epilog}\n\nweb page: talkinghead serve [--host H] [--port P] "
                     "(see serve --help)")
    io = parser.add_argument_group("inputs and output")
    io.add_argument("--image", help="portrait image: PNG, JPEG, WebP, BMP or TIFF")
    io.add_argument("--audio", help="speech: any format FFmpeg reads (WAV, MP3, M4A, FLAC, "
                                    "OGG/Opus, or a video's audio track)")
    io.add_argument("--output", help="MP4 to write (its folder is created if missing)")
    io.add_argument("--transcript", metavar="FILE",
                    help="plain UTF-8 text of what is said: mouth shapes timed by forced "
                         "alignment of it (English), more accurate than recognition alone")
    io.add_argument("--motion-json", metavar="FILE",
                    help="also write the per-frame motion (mouth, blinks, head) as JSON")
    io.add_argument("--demo", action="store_true",
                    help="use the bundled sample portrait and speech (and its transcript) as "
                         "--image and --audio")

    look = parser.add_argument_group("look and motion")
    look.add_argument("--preset", default="default", choices=list(PRESETS),
                      help="settings bundle, see the table below (default: %(default)s)")
    frame = parser.add_argument_group(
        "frame, rate and format (for editors and Remotion: an exact output size, framed "
        "around the face)")
    for setting in option_fields():
        _add_setting(look if option_of(setting).group == "look" else frame, setting)

    run = parser.add_argument_group("running and jobs")
    run.add_argument("--timeout", type=_number, default=None, metavar="SECONDS",
                     help="stop after this long, counted from the start, keeping finished "
                          "chunks for --resume (default: none locally; with --backend runpod "
                          "4 min per audio minute + 2 min, as in the original)")
    run.add_argument("--chunk-seconds", type=_number, default=DEFAULT_CHUNK_SECONDS,
                     metavar="SECONDS", help="render in chunks of at most about this length, "
                                             "cut at pauses; audio of 10 s or more is cut into "
                                             "up to 8 chunks of at least 5 s, so that every "
                                             "core works (default: %(default)g)")
    run.add_argument("--workers", type=int, default=None,
                     help="parallel chunk renderers (default: the number of cores, "
                          f"{os.cpu_count()} here)")
    run.add_argument("--backend", choices=("local", "runpod"), default="local",
                     help="where chunks render: this machine, or the RunPod serverless "
                          "endpoint in RUNPOD_SADTALKER_ENDPOINT_ID (needs "
                          "'pip install talkinghead[runpod]') (default: %(default)s)")
    run.add_argument("--engine", choices=ENGINE_NAMES, default=DEFAULT_ENGINE,
                     help="warp: our weight-free engine; sadtalker: SadTalker's published "
                          "networks (needs 'pip install talkinghead[sadtalker]' and "
                          "'talkinghead models download sadtalker') (default: %(default)s)")
    run.add_argument("--checkpoints", metavar="DIR", default=None,
                     help="with --engine sadtalker: the folder of its checkpoint files "
                          "(default: $TALKINGHEAD_SADTALKER_CHECKPOINTS or the download folder)")
    run.add_argument("--setup", action="store_true",
                     help="check that the local engine is ready; with --backend runpod or a "
                          "RUNPOD_API_KEY, also create or update the RunPod endpoint")
    run.add_argument("--worker-image", default=None,
                     help="with --setup: the worker image RunPod pulls "
                          "(default: $TALKINGHEAD_WORKER_IMAGE)")
    run.add_argument("--cpu", action="store_true",
                     help="with --setup: a CPU endpoint (cheaper; the warp engine needs no GPU)")
    run.add_argument("--retrieve", metavar="JOB_ID",
                     help="copy a finished job's video to --output, or report its progress "
                          "(exit 3 while unfinished)")
    run.add_argument("--resume", metavar="JOB_ID",
                     help="continue an interrupted or timed-out job (its --output by default)")
    run.add_argument("--jobs", action="store_true", help="list recent jobs, then exit")
    run.add_argument("--clean-jobs", action="store_true",
                     help="delete job folders older than --keep-days or beyond --max-store-gb")
    run.add_argument("--keep-days", type=_number, default=None,
                     help=f"with --clean-jobs (default: ${KEEP_DAYS_VARIABLE} "
                          f"or {DEFAULT_KEEP_DAYS:g})")
    run.add_argument("--max-store-gb", type=_number, default=None,
                     help=f"with --clean-jobs (default: ${MAX_STORE_GB_VARIABLE} "
                          f"or {DEFAULT_MAX_STORE_GB:g})")
    run.add_argument("--json", action="store_true",
                     help="print one JSON summary on stdout (output, size, fps, job, alpha, ...)")
    run.add_argument("--quiet", action="store_true", help="no progress bars")
    run.add_argument("--verbose", action="store_true", help="show tracebacks on errors")
    run.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    return parser


def main(argv: Sequence[str] | None = None, prog: str = PROG) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv[:1] == ["serve"]:  # the web page: `talkinghead serve --help`
        return _serve(argv[1:], f"{prog} serve")
    if argv[:1] == ["models"]:  # optional engines' weights: `talkinghead models download ...`
        from .models_command import main as models_main

        return models_main(argv[1:], f"{prog} models")
    parser = build_parser(prog)
    args = parser.parse_args(argv)
    previous = signal.signal(signal.SIGTERM, _terminate)
    try:
        return _run(parser, args)
    except (TalkingHeadError, OSError) as caught:
        error = caught if isinstance(caught, TalkingHeadError) else storage_error(
            caught, _failed_path(caught))
        if error is None:  # any other OSError is a bug: its traceback is wanted
            raise
        if args.verbose:
            traceback.print_exc()
        print(f"{prog}: {error}", file=sys.stderr)
        return error.exit_code
    except KeyboardInterrupt:
        print(f"{prog}: interrupted; finished chunks are kept: rerun the same command "
              "to continue", file=sys.stderr)
        return 130
    finally:
        signal.signal(signal.SIGTERM, previous)


def _failed_path(error: OSError) -> str:
    return f"'{error.filename}'" if error.filename else "a file"


def _terminate(signum: int, frame: FrameType | None) -> None:
    """SIGTERM takes the same path as Ctrl-C: record the job as interrupted, keep its chunks."""
    raise KeyboardInterrupt


def _run(parser: argparse.ArgumentParser, args: argparse.Namespace) -> int:
    if args.setup:
        from .doctor import check_local_engine

        print(check_local_engine())
        if args.backend == "runpod" or _runpod_key_present():
            _remote().setup.setup_endpoint(_remote().setup.SetupOptions(
                image=args.worker_image, compute="CPU" if args.cpu else "GPU"))
        return 0
    if args.jobs:
        print(_jobs_table(_api().list_jobs()))
        return 0
    if args.clean_jobs:
        for flag, value in (("--keep-days", args.keep_days),
                            ("--max-store-gb", args.max_store_gb)):
            if value is not None and value < 0:
                parser.error(f"{flag} must be zero or more, got {value:g}")
        limits = CleanupLimits.from_environment(args.keep_days, args.max_store_gb)
        removed = clean_store(JobStore(), limits)
        print(f"removed {len(removed)} job(s)" + (": " + " ".join(removed) if removed else ""))
        return 0
    if args.retrieve:
        if not args.output:
            parser.error("--retrieve needs --output FILE")
        if _is_remote_job(args.retrieve):
            _remote().executor.retrieve_remote(args.retrieve, args.output)
        else:
            _api().retrieve(args.retrieve, args.output)
        print(f"wrote {args.output} (job {args.retrieve})", file=sys.stderr)
        return 0
    if args.timeout is not None and args.timeout <= 0:
        parser.error(f"--timeout must be a positive number of seconds, got {args.timeout:g}")
    sink = NullSink() if args.quiet else TerminalSink()
    timeout = args.timeout if args.timeout is not None else "auto"
    if args.checkpoints:  # the environment carries it to chunk worker processes
        os.environ["TALKINGHEAD_SADTALKER_CHECKPOINTS"] = str(Path(args.checkpoints).resolve())
    if args.resume:
        backend = "runpod" if _is_remote_job(args.resume) else args.backend
        result = _api().resume(args.resume, args.output, sink=sink, timeout_s=timeout,
                            workers=args.workers, backend=backend)
        return _report(result, args)
    if args.demo:
        args.image = args.image or str(SAMPLES / "portrait.jpg")
        if not args.audio:
            args.audio = str(SAMPLES / "speech.ogg")
            args.transcript = args.transcript or str(SAMPLES / "speech.txt")
    missing = [flag for flag in ("image", "audio", "output") if not getattr(args, flag)]
    if missing:
        parser.error("missing " + ", ".join(f"--{m}" for m in missing))
    settings = settings_for(args.preset, **{setting.name: getattr(args, setting.name)
                                            for setting in option_fields()})
    if args.chunk_seconds < MIN_CHUNK_SECONDS:
        parser.error(f"--chunk-seconds must be at least {MIN_CHUNK_SECONDS:g}")
    if args.workers is not None and args.workers < 1:
        parser.error("--workers must be at least 1")
    if args.transcript:  # the API sees only its text: keep the file from being written over
        outputs = {"the output": Path(args.output)}
        if args.motion_json:
            outputs["the motion JSON"] = Path(args.motion_json)
        _api().refuse_overwriting(outputs, [Path(args.transcript)], JobStore())
    result = _api().render(args.image, args.audio, args.output, settings, sink=sink,
                        engine=args.engine,
                        timeout_s=timeout, chunk_seconds=args.chunk_seconds,
                        workers=args.workers, backend=args.backend,
                        transcript=_read_transcript(args.transcript),
                        motion_json=args.motion_json)
    return _report(result, args)


def _api() -> ModuleType:
    """The pipeline (NumPy, OpenCV, PyAV, ...), loaded only once the arguments are known to be
    good, so that --help and argument errors answer at once."""
    from . import api

    return api


def _read_transcript(path: str | None) -> str | None:
    if path is None:
        return None
    try:
        text = Path(path).read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as e:
        raise SettingsError(f"--transcript '{path}' is not UTF-8 text (save it as UTF-8)") from e
    except OSError as e:
        raise SettingsError(f"cannot read --transcript '{path}': {e.strerror or e}") from e
    if not text.strip():
        raise SettingsError(f"--transcript '{path}' is empty (give the text that is said, "
                            "or leave the flag out)")
    return text


def _serve(argv: list[str], prog: str) -> int:
    try:
        from .web.command import main as serve_main
    except ImportError:
        print(f"{prog}: the web page needs the ui extra: pip install 'talkinghead[ui]'",
              file=sys.stderr)
        return EXIT_USAGE
    return serve_main(argv, prog)


def _remote() -> ModuleType:
    """The RunPod modules, which need the optional `runpod` extra."""
    try:
        from .jobs import runpod
        from .jobs.runpod import executor, setup  # noqa: F401  (loaded for the attributes)
    except ImportError as e:
        raise TalkingHeadError("RunPod support needs the runpod extra: "
                               "pip install 'talkinghead[runpod]'") from e
    return runpod


def _runpod_key_present() -> bool:
    from dotenv import dotenv_values

    return bool(os.environ.get("RUNPOD_API_KEY") or dotenv_values(".env").get("RUNPOD_API_KEY"))


def _is_remote_job(job_id: str) -> bool:
    """A RunPod job ID, or one of ours whose chunks went to RunPod."""
    from .jobs.runpod.ids import has_remote_chunks, is_runpod_job_id

    return is_runpod_job_id(job_id) or has_remote_chunks(JobStore().folder(job_id))


def _report(result: RenderResult, args: argparse.Namespace) -> int:
    if args.json:
        summary = {"output": str(result.output), "job_id": result.job_id,
                   "width": result.width, "height": result.height, "fps": result.fps,
                   "frames": result.frames, "duration_s": round(result.duration_s, 3),
                   "processing_s": round(result.processing_s, 3),
                   "face_box": [round(v, 1) for v in result.face_box],
                   "alpha": result.alpha}
        print(json.dumps(summary))
    if not args.quiet:
        print(f"wrote {result.output} ({result.width}x{result.height}, "
              f"{result.duration_s:.1f} s, job {result.job_id}, "
              f"{result.processing_s:.1f} s)", file=sys.stderr)
    return 0


def _jobs_table(jobs: Sequence[Job]) -> str:
    if not jobs:
        return "no jobs yet"
    rows = [f"{'job':<16}{'state':<13}{'done':>6}  {'audio':>8}  {'created':<17}output"]
    for job in jobs:
        created = time.strftime("%Y-%m-%d %H:%M", time.localtime(job.created))
        rows.append(f"{job.id:<16}{job.state:<13}{job.progress:>6.0%}  "
                    f"{job.duration_s:>7.1f}s  {created:<17}{job.output_path}")
    return "\n".join(rows)


if __name__ == "__main__":
    sys.exit(main())
