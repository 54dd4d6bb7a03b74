"""The page itself, in Gradio, over `WebService`; and the server that serves it.

Gradio is what SadTalker and LivePortrait ship, so the page looks and works
the way their users expect (drop zones, microphone recording), and its frontend
is bundled in the wheel: nothing is fetched from a CDN at run time. Telemetry
and the version check are off (`analytics_enabled=False` and the environment
variables in `_offline_environment`), and server-side rendering (which needs
Node) is off.

The page is kept light: the system's fonts, the browser's own video player, an
HTML jobs list, the recorder made only when its tab is opened, responses
compressed, and the server asked for progress only while a render of this page
is queued or running.

Blank number fields mean "automatic" and stay blank. Each value is checked as it
is typed (the CLI's checks, in the page's words, next to the field), and Render
is off, with the reason beside it, until the form would be accepted.

Every handler catches `TalkingHeadError` (and anything else) and shows one
line next to the input it concerns; no handler lets a traceback reach the page.
"""

from __future__ import annotations

import errno
import logging
import os
import secrets
import socket
import sys
import threading
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..errors import TalkingHeadError
from ..settings import PRESETS
from .auth import TOKEN_PARAMETER, TokenGate, token_for
from .defaults import DEFAULT_HOST, DEFAULT_MAX_UPLOAD_MB, DEFAULT_PORT
from .form import Control, controls, field_problems, form_problem, preset_values, run_controls
from .inputs import describe_error, sample_inputs, warm_up
from .service import WebService
from .views import (
    CSS,
    JOBS_JS,
    hint_html,
    jobs_html,
    message_html,
    page_words,
    progress_html,
    video_html,
)

if TYPE_CHECKING:
    from types import ModuleType

    import uvicorn
    from gradio import HTML, Blocks, Checkbox, Dropdown, Slider, Textbox

    Widget = Dropdown | Slider | Checkbox | Textbox

Update = dict[str, Any]  # what gr.update() and gr.skip() return: a change to a component
Stored = dict[str, str]  # what the page keeps in the browser: {"visitor": ..., "current": ...}

PROGRESS_TICK_S = 1.0  # while a render of this page is queued or running; no polling otherwise
START_TIMEOUT_S = 60.0
GZIP_MIN_BYTES = 1024  # the page, its config and API answers; the UI library compresses its assets
LIVE_STATES = ("queued", "running", "rendering")  # an item whose progress still moves
SYSTEM_FONTS = ("ui-sans-serif", "system-ui", "-apple-system", "Segoe UI", "Roboto", "sans-serif")
SYSTEM_MONO = ("ui-monospace", "SFMono-Regular", "Menlo", "Consolas", "monospace")
TITLE = "talkinghead"
CAPTION = (
    "Make a portrait talk: add a photo of a face and a recording of someone speaking, press "
    "<b>Render</b>, and get a video of that face saying it, lips in sync. It is made on this "
    "computer, {at_once}; you can close the tab while it works.")
FIX_FIRST = "Fix this first: "
NEEDS_BOTH = "Add a portrait and a voice-over first, or press Try the sample."
NEEDS_PORTRAIT = "Add a portrait with a face first."
NEEDS_VOICE = "Add a voice-over first, or record one."
CHECKING = "<div class='th-hint'>Checking…</div>"
RECORDING = "<div class='th-hint'>Recording…</div>"


def _offline_environment() -> None:
    """Before Gradio is imported: no telemetry, no version check, no Hub calls."""
    os.environ["GRADIO_ANALYTICS_ENABLED"] = "False"
    os.environ["HF_HUB_DISABLE_TELEMETRY"] = "1"
    os.environ["HF_HUB_OFFLINE"] = "1"


def _visitor_secret(service: WebService) -> str:
    """A per-installation key for the visitor ID in the browser's storage (survives restarts)."""
    path = service.folder / "browser-secret"
    if not path.is_file():
        path.write_text(secrets.token_hex(16))
    return path.read_text().strip()


def render_blocker(image: str, audio: str, preset: str, values: dict[str, Any]) -> str:
    """Why Render cannot be pressed now, in the page's words; "" when it can."""
    problems = field_problems(preset, values)
    if problems:
        return FIX_FIRST + page_words(next(iter(problems.values())))
    if problem := form_problem(preset, values):
        return FIX_FIRST + page_words(problem)
    if not image and not audio:
        return NEEDS_BOTH
    if not image:
        return NEEDS_PORTRAIT
    if not audio:
        return NEEDS_VOICE
    return ""


def build_page(service: WebService) -> Blocks:
    """The Gradio Blocks of the page, wired to `service`."""
    _offline_environment()
    import gradio as gr
    from gradio.events import api as gr_api  # gr.api, which gradio leaves out of its __all__

    look = controls()
    run = run_controls()

    def safely(handler: Callable[..., Any],
               fallback: Callable[[str], Any]) -> Callable[..., Any]:
        """Run a handler; turn any error into `fallback(one line)` for the page."""
        def wrapped(*args: Any) -> Any:
            try:
                return handler(*args)
            except TalkingHeadError as e:
                return fallback(str(e))
            except Exception as e:
                traceback.print_exc(file=sys.stderr)
                return fallback(describe_error(e))
        wrapped.__name__ = handler.__name__
        return wrapped

    def polling(on: bool) -> gr.Timer:
        return gr.Timer(active=on)

    running = service.queue.max_running
    at_once = "one video at a time" if running == 1 else f"{running} videos at a time"
    with gr.Blocks(title="talkinghead", analytics_enabled=False,
                   delete_cache=(3600, 86400)) as page:
        browser = gr.BrowserState({"visitor": "", "current": ""},
                                  storage_key="talkinghead", secret=_visitor_secret(service))
        portrait_path = gr.State("")
        audio_path = gr.State("")
        shown = gr.State("")  # the item whose video is in the player
        jobs_shown = gr.State("")  # the jobs list as last sent, so a tick sends only changes
        gr.HTML(f"<h1>{TITLE}</h1><p class='th-caption'>{CAPTION.format(at_once=at_once)}</p>",
                elem_id="intro-text")
        sample_button = gr.Button("Try the sample: a portrait and a voice-over", size="md",
                                  elem_id="sample-button", variant="secondary")
        with gr.Row(equal_height=False):
            with gr.Column(scale=4, min_width=280):
                portrait = gr.File(label="Portrait: a picture with a face (PNG, JPEG, WebP, "
                                         "BMP or TIFF)", elem_id="portrait", height=160)
                portrait_message = gr.HTML(elem_id="portrait-check")
                preview = gr.Image(label="Face check", interactive=False, visible=False,
                                   elem_id="face-preview", height=240, format="jpeg",
                                   buttons=[])
                with gr.Tabs(elem_id="voice-tabs") as voice_tabs:
                    with gr.Tab("Upload voice-over", id="upload"):
                        audio_file = gr.File(
                            label="Voice-over: WAV, MP3, M4A, FLAC, OGG/Opus, or a video's sound",
                            elem_id="audio-file", height=160)
                    with gr.Tab("Record", id="record") as record_tab:
                        recorder_wanted = gr.State(False)

                        # The recorder is made when its tab is first opened: its code (and the
                        # audio player's streaming library, 160 kB) loads only for those who
                        # record. (gr.render has no return annotation: mypy calls it untyped.)
                        @gr.render(inputs=[recorder_wanted],  # type: ignore[untyped-decorator]
                                   triggers=[recorder_wanted.change])
                        def recorder(wanted: bool) -> None:
                            if wanted:
                                add_recorder()
                audio_message = gr.HTML(elem_id="audio-check")
                with gr.Accordion("Transcript (optional)", open=False,
                                  elem_id="transcript-panel"):
                    transcript = gr.Textbox(label="What is said, word for word (English): "
                                                  "sharper lip-sync", lines=2,
                                            elem_id="transcript")
            with gr.Column(scale=3, min_width=260):
                preset = gr.Dropdown(list(PRESETS), value="default", label="Preset",
                                     elem_id="preset")
                widgets: dict[str, Widget] = {}
                checks: dict[str, HTML] = {}
                with gr.Accordion("Look", open=False, elem_id="look-panel"):
                    for control in look:
                        if not control.advanced:
                            widgets[control.name] = _widget(gr, control)
                            if control.kind in ("number", "text"):
                                checks[control.name] = _field_check(gr, control)
                with gr.Accordion("More settings", open=False, elem_id="more-panel"):
                    for control in (*look, *run):
                        if control.advanced:
                            widgets[control.name] = _widget(gr, control)
                            if control.kind in ("number", "text"):
                                checks[control.name] = _field_check(gr, control)
                with gr.Column(elem_id="render-bar"):
                    render_button = gr.Button("Render", variant="primary",
                                              elem_id="render-button", interactive=False)
                    render_hint = gr.HTML(hint_html(NEEDS_BOTH), elem_id="render-hint")
            with gr.Column(scale=5, min_width=280):
                progress = gr.HTML(progress_html(None), elem_id="progress")
                result = gr.HTML(elem_id="result", visible=False)
                with gr.Row():
                    download = gr.DownloadButton("Download", visible=False,
                                                 elem_id="download-button")
                    cancel_button = gr.Button("Cancel", variant="stop", visible=False,
                                              elem_id="cancel-button")
        gr.HTML("<h3>Jobs: this page's and the command line's</h3>", elem_id="jobs-title")
        jobs = gr.HTML(jobs_html(service.recent()), elem_id="jobs", js_on_load=JOBS_JS)
        with gr.Row(equal_height=False, elem_id="job-actions"):
            job_id = gr.Textbox(label="Job", placeholder="click a row above, or paste a job ID",
                                elem_id="job-id", scale=2, min_width=220)
            with gr.Column(scale=3, min_width=280):
                with gr.Row(elem_id="job-buttons"):
                    open_button = gr.Button("Open", elem_id="open-button", size="md",
                                            min_width=70)
                    resume_button = gr.Button("Resume", elem_id="resume-button", size="md",
                                              min_width=70)
                    cancel_job_button = gr.Button("Cancel", elem_id="cancel-job-button",
                                                  size="md", min_width=70)
                    job_download = gr.DownloadButton("Download", visible=False,
                                                     elem_id="job-download-button", size="md",
                                                     min_width=70)
                    refresh_button = gr.Button("Refresh list", elem_id="refresh-button",
                                               size="md", min_width=70)
        job_message = gr.HTML(elem_id="job-message")
        progress_timer = gr.Timer(PROGRESS_TICK_S, active=False)

        setting_names = list(widgets)
        setting_inputs = [widgets[name] for name in setting_names]
        checked_names = list(checks)
        check_outputs = [checks[name] for name in checked_names]

        # -- handlers ------------------------------------------------------------------------

        def on_load(state: Stored | None) -> tuple[Stored, str, str, gr.Timer]:
            state = dict(state or {})
            state["visitor"] = state.get("visitor") or secrets.token_hex(8)
            state["current"] = _still_known(service, state.get("current") or "")
            html = jobs_html(service.recent())
            return state, html, html, polling(bool(state["current"]))

        def on_sample() -> tuple[str, str, str, gr.Tabs]:
            sample = sample_inputs(service.uploads)
            return (str(sample.portrait), str(sample.voice), sample.transcript,
                    gr.Tabs(selected="upload"))

        def on_portrait(upload: str | None) -> tuple[str, str, Update]:
            if not upload:
                return "", "", gr.update(value=None, visible=False)
            check = service.check_portrait(upload)
            return (str(check.path), message_html(check.message, True),
                    gr.update(value=check.preview, visible=True))

        def on_audio(upload: str | None) -> tuple[str, str]:
            if not upload:
                return "", ""
            check = service.check_audio(upload)
            return str(check.path), message_html(check.message, True)

        def on_preset(name: str) -> list[Update]:
            values = preset_values(name)
            return [gr.update(value=_shown_value(values[n])) if n in values else gr.update()
                    for n in setting_names]

        def on_form(image: str, audio: str, preset_name: str,
                    *values: Any) -> tuple[gr.Button | str | Update, ...]:
            named = dict(zip(setting_names, values, strict=True))
            problems = field_problems(preset_name, named)
            reason = render_blocker(image, audio, preset_name, named)
            return (gr.Button(interactive=not reason),
                    hint_html(reason, problem=reason.startswith(FIX_FIRST)),
                    *[gr.update(value=message_html(problems[n], False), visible=True)
                      if n in problems else gr.update(value="", visible=False)
                      for n in checked_names])

        def on_render(state: Stored | None, image: str, audio: str, text: str, preset_name: str,
                      *values: Any) -> tuple[Stored, str, str, gr.Timer]:
            state = dict(state or {})
            visitor = state.get("visitor") or secrets.token_hex(8)
            ticket = service.submit(visitor, image, audio, preset_name,
                                    dict(zip(setting_names, values, strict=True)), text)
            state.update(visitor=visitor, current=ticket.id)
            return state, "", progress_html(service.view(ticket.id)), polling(True)

        def on_tick(state: Stored | None, shown_id: str, jobs_seen: str
                    ) -> tuple[str | Update, Update, Update, Update, str, str | Update, str,
                               gr.Timer]:
            current = (state or {}).get("current") or ""
            html = jobs_html(service.recent())
            jobs_update = gr.skip() if html == jobs_seen else html
            if not current:
                return (gr.skip(), gr.skip(), gr.skip(), gr.update(visible=False), shown_id,
                        jobs_update, html, polling(False))
            try:
                view = service.view(current)
            except TalkingHeadError as e:
                return (message_html(str(e), False), gr.skip(), gr.update(visible=False),
                        gr.update(visible=False), shown_id, jobs_update, html, polling(False))
            live = view.state in LIVE_STATES
            cancellable = view.state in ("queued", "running") and not view.stopping
            player, saved, now_shown = gr.skip(), gr.skip(), shown_id
            if view.video is not None and shown_id != view.id:
                player, saved, now_shown = (gr.update(value=video_html(view),
                                                      visible=view.playable),
                                            gr.update(value=str(view.video), visible=True),
                                            view.id)
            elif view.video is None and shown_id:
                player, saved, now_shown = (gr.update(value="", visible=False),
                                            gr.update(value=None, visible=False), "")
            return (progress_html(view), player, saved, gr.update(visible=cancellable),
                    now_shown, jobs_update, html, polling(live))

        def on_cancel(state: Stored | None) -> tuple[str, Update]:
            current = (state or {}).get("current") or ""
            service.cancel(current)
            return progress_html(service.view(current)), gr.update(visible=False)

        def on_job_id(item: str | None) -> tuple[Update, str]:
            item = (item or "").strip()
            if not item.startswith("th-"):
                return gr.update(value=None, visible=False), ""
            view = service.view(item)
            return gr.update(value=str(view.video) if view.video else None,
                             visible=view.video is not None), ""

        def on_open(state: Stored | None, item: str | None) -> tuple[Stored, str, str, gr.Timer]:
            view = service.view((item or "").strip())  # raises in words for an unknown ID
            state = dict(state or {})
            state["current"] = view.id
            return state, "", progress_html(view), polling(True)

        def on_resume(state: Stored | None, item: str | None
                      ) -> tuple[Stored, str, str, gr.Timer]:
            state = dict(state or {})
            visitor = state.get("visitor") or secrets.token_hex(8)
            ticket = service.resume(visitor, (item or "").strip())
            state.update(visitor=visitor, current=ticket.id)
            return state, "", progress_html(service.view(ticket.id)), polling(True)

        def on_cancel_job(state: Stored | None, item: str | None
                          ) -> tuple[Stored | Update, str, str | Update, gr.Timer | Update]:
            item = (item or "").strip()
            view = service.view(item)
            if view.state not in ("queued", "running"):
                return gr.skip(), message_html(service.cancel(item), True), gr.skip(), \
                    gr.skip()
            service.cancel(view.id)
            state = dict(state or {})
            state["current"] = view.id
            return state, "", progress_html(service.view(view.id)), polling(True)

        def on_refresh() -> tuple[str, str]:
            html = jobs_html(service.recent())
            return html, html

        # -- wiring --------------------------------------------------------------------------

        quiet: dict[str, Any] = {"show_progress": "hidden", "concurrency_limit": None}
        private: dict[str, Any] = {"api_visibility": "private", **quiet}
        page.load(on_load, inputs=[browser],
                  outputs=[browser, jobs, jobs_shown, progress_timer], **private)
        form_inputs = [portrait_path, audio_path, preset, *setting_inputs]
        form_outputs = [render_button, render_hint, *check_outputs]
        form_check: dict[str, Any] = {
            "fn": safely(on_form, lambda m: (gr.skip(), message_html(m, False),
                                             *[gr.skip() for _ in check_outputs])),
            "inputs": form_inputs, "outputs": form_outputs, "queue": False,
            "api_visibility": "private", "show_progress": "hidden"}
        # A new file forgets the last checked one at once, so Render cannot use the old one
        # while the new one is being checked.
        for source, kept, message in ((portrait, portrait_path, portrait_message),
                                      (audio_file, audio_path, audio_message)):
            source.change(lambda: ("", CHECKING), outputs=[kept, message], queue=False,
                          api_visibility="private", show_progress="hidden").then(**form_check)
        portrait.change(
            safely(on_portrait, lambda m: ("", message_html(m, False),
                                           gr.update(value=None, visible=False))),
            inputs=[portrait], outputs=[portrait_path, portrait_message, preview],
            api_name="check_portrait", concurrency_limit=2).then(**form_check)
        audio_file.change(safely(on_audio, lambda m: ("", message_html(m, False))),
                          inputs=[audio_file], outputs=[audio_path, audio_message],
                          api_name="check_audio", concurrency_limit=2).then(**form_check)

        def add_recorder() -> None:
            microphone = gr.Audio(sources=["microphone"], type="filepath", label="Microphone",
                                  elem_id="microphone")
            microphone.start_recording(lambda: ("", RECORDING), outputs=[audio_path, audio_message],
                                       queue=False, api_visibility="private",
                                       show_progress="hidden").then(**form_check)
            microphone.stop_recording(
                safely(on_audio, lambda m: ("", message_html(m, False))), inputs=[microphone],
                outputs=[audio_path, audio_message], api_visibility="private",
                concurrency_limit=2).then(**form_check)

        record_tab.select(lambda: True, outputs=[recorder_wanted], **private)
        sample_button.click(safely(on_sample, lambda m: (gr.skip(), gr.skip(), gr.skip(),
                                                         gr.skip())),
                            outputs=[portrait, audio_file, transcript, voice_tabs], **private)
        preset.change(safely(on_preset, lambda m: [gr.skip() for _ in setting_inputs]),
                      inputs=[preset], outputs=setting_inputs, **private).then(**form_check)
        for widget in setting_inputs:
            widget.change(**form_check)
        render_button.click(
            safely(on_render, lambda m: (gr.skip(), message_html(m, False), gr.skip(),
                                         gr.skip())),
            inputs=[browser, portrait_path, audio_path, transcript, preset, *setting_inputs],
            outputs=[browser, render_hint, progress, progress_timer], api_name="render",
            **quiet)
        progress_timer.tick(
            safely(on_tick, lambda m: (message_html(m, False), gr.skip(), gr.skip(),
                                       gr.skip(), gr.skip(), gr.skip(), gr.skip(),
                                       polling(False))),
            inputs=[browser, shown, jobs_shown],
            outputs=[progress, result, download, cancel_button, shown, jobs, jobs_shown,
                     progress_timer], **private)
        cancel_button.click(safely(on_cancel, lambda m: (message_html(m, False), gr.skip())),
                            inputs=[browser], outputs=[progress, cancel_button], **private)
        job_id.change(safely(on_job_id, lambda m: (gr.update(value=None, visible=False),
                                                   gr.skip())),
                      inputs=[job_id], outputs=[job_download, job_message], **private)
        def failed_job_action(message: str) -> tuple[Update, str, Update, Update]:
            return gr.skip(), message_html(message, False), gr.skip(), gr.skip()

        job_outputs = [browser, job_message, progress, progress_timer]
        open_button.click(safely(on_open, failed_job_action), inputs=[browser, job_id],
                          outputs=job_outputs, **private)
        resume_button.click(safely(on_resume, failed_job_action), inputs=[browser, job_id],
                            outputs=job_outputs, **private)
        cancel_job_button.click(safely(on_cancel_job, failed_job_action),
                                inputs=[browser, job_id], outputs=job_outputs, **private)
        refresh_button.click(safely(on_refresh, lambda m: (gr.skip(), gr.skip())),
                             outputs=[jobs, jobs_shown], **private)

        def status(item: str) -> dict[str, Any]:
            return _status_payload(service, item)

        # gr.api reads the hints at run time, and here they are strings: give it the types.
        status.__annotations__ = {"item": str, "return": dict}
        gr_api(status, api_name="status")
    return page


def _still_known(service: WebService, item: str) -> str:
    """The visitor's last render, or "" when this server no longer knows it (restarted)."""
    if not item:
        return ""
    try:
        service.view(item)
    except TalkingHeadError:
        return ""
    return item


def _status_payload(service: WebService, item: str) -> dict[str, Any]:
    """For scripts (and the HTTP test): an item's state, stages and video path, as JSON."""
    try:
        view = service.view(item)
    except TalkingHeadError as e:
        return {"id": item, "state": "unknown", "error": str(e)}
    return {"id": view.id, "job_id": view.job_id, "state": view.state, "error": view.error,
            "position": view.position, "video": str(view.video) if view.video else None,
            "stages": [{"name": s.name, "state": s.state, "done": s.done, "total": s.total}
                       for s in view.stages]}


def _shown_value(value: Any) -> Any:
    """A control's value as the page shows it: blank for automatic, 45 rather than 45.0."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def _widget(gr: ModuleType, control: Control) -> Widget:
    common: dict[str, Any] = {"label": control.label, "info": control.info or None,
              "elem_id": "setting-" + control.name.replace("_", "-")}
    if control.kind == "choice":
        return gr.Dropdown(list(control.choices), value=control.default,
                           allow_custom_value=control.custom, **common)
    if control.kind == "slider":
        return gr.Slider(control.low, control.high, value=control.default, step=control.step,
                         **common)
    if control.kind == "check":
        return gr.Checkbox(value=bool(control.default), **common)
    # Numbers are typed as text: a blank field stays blank (automatic), where a number field
    # would turn it into 0 when its panel is first opened.
    return gr.Textbox(value=_shown_value(control.default), placeholder="automatic"
                      if control.default is None else None, **common)


def _field_check(gr: ModuleType, control: Control) -> HTML:
    """Under a typed field: what is wrong with its value, as soon as it is typed."""
    return gr.HTML(elem_id="setting-" + control.name.replace("_", "-") + "-check",
                   elem_classes="th-field-check", visible=False)


@dataclass
class RunningServer:
    """A started server: its address (with the token, if any) and how to stop it."""

    url: str
    token: str | None
    service: WebService
    _server: uvicorn.Server
    _thread: threading.Thread

    def stop(self) -> None:
        # Open event streams are cut at shutdown; uvicorn would log each one as an error.
        logging.getLogger("uvicorn.error").setLevel(logging.CRITICAL)
        self._server.should_exit = True
        self._thread.join(timeout=15)
        self.service.close()

    def wait(self) -> None:
        while self._thread.is_alive():
            self._thread.join(timeout=0.5)


def start(host: str = DEFAULT_HOST, port: int = DEFAULT_PORT, token: str | None = None, *,
          home: Path | None = None, workers: int | None = None, max_renders: int = 1,
          max_upload_mb: float = DEFAULT_MAX_UPLOAD_MB) -> RunningServer:
    """Start the page in a background thread and return once it answers.

    `port=0` picks a free port. A non-loopback `host` always gets a token (a new
    random one unless `token` is given); a loopback one only when `token` is given.
    """
    _offline_environment()
    try:
        import gradio as gr
        import uvicorn
        from fastapi import FastAPI
        from starlette.middleware.gzip import GZipMiddleware
    except ImportError as e:
        raise TalkingHeadError('the web page needs the ui extra: pip install "talkinghead[ui]"'
                               ) from e
    token = token_for(host, token)
    listener = _listen(host, port)
    bound_port = listener.getsockname()[1]
    service = WebService(home, workers=workers, max_running=max_renders)
    threading.Thread(target=warm_up, name="talkinghead-warm-up", daemon=True).start()
    page = build_page(service)
    app = FastAPI(openapi_url=None, docs_url=None, redoc_url=None)
    app = gr.mount_gradio_app(
        app, page, path="/", footer_links=["api"], run_history=False,
        allowed_paths=[str(service.folder)],
        max_file_size=int(max_upload_mb * 1024 * 1024), ssr_mode=False, show_error=True,
        theme=gr.themes.Default(font=SYSTEM_FONTS, font_mono=SYSTEM_MONO), css=CSS,
        server_name=host, server_port=bound_port)
    compressed = GZipMiddleware(app, minimum_size=GZIP_MIN_BYTES)  # videos and images pass as-is
    asgi = TokenGate(compressed, token) if token else compressed
    config = uvicorn.Config(asgi, log_level="warning", access_log=False,
                            timeout_graceful_shutdown=1, lifespan="on")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [listener]},
                              name="talkinghead-web", daemon=True)
    thread.start()
    deadline = time.monotonic() + START_TIMEOUT_S
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            service.close()
            raise TalkingHeadError(f"the web server did not start on {host}:{bound_port}")
        time.sleep(0.05)
    shown_host = f"[{host}]" if ":" in host else host
    url = f"http://{shown_host}:{bound_port}/"
    if token:
        url += f"?{TOKEN_PARAMETER}={token}"
    return RunningServer(url, token, service, server, thread)


def _listen(host: str, port: int) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    listener = socket.socket(family, socket.SOCK_STREAM)
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        listener.bind((host, port))
    except OSError as e:
        listener.close()
        reason = "is in use; pick another with --port" if e.errno == errno.EADDRINUSE else (
            e.strerror or str(e))
        raise TalkingHeadError(f"cannot listen on {host}:{port}: the port {reason}") from e
    listener.listen(128)
    listener.set_inheritable(True)
    return listener


def serve(host: str = DEFAULT_HOST, port: int = DEFAULT_PORT, token: str | None = None, *,
          home: Path | None = None, workers: int | None = None, max_renders: int = 1,
          max_upload_mb: float = DEFAULT_MAX_UPLOAD_MB,
          announce: Callable[[str], None] | None = None) -> None:
    """Serve the page until Ctrl-C (what `talkinghead serve` runs)."""
    say = announce or (lambda line: print(line, file=sys.stderr, flush=True))
    running = start(host, port, token, home=home, workers=workers, max_renders=max_renders,
                    max_upload_mb=max_upload_mb)
    try:  # from here on, Ctrl-C at any moment stops the server's threads (else exit hangs)
        say(f"talkinghead: page at {running.url}")
        if running.token:
            say("talkinghead: the page needs that token (it is in the address above); "
                "anyone on your network who has it can render on this machine")
        say(f"talkinghead: jobs in {running.service.store.home}; Ctrl-C stops the server "
            "(a render in progress is interrupted and can be resumed)")
        running.wait()
    except KeyboardInterrupt:
        pass
    finally:
        running.stop()
