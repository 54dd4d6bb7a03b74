"""The page itself, in Gradio, over `WebService`; and the server that serves it.

Gradio is what SadTalker and LivePortrait ship, so the page looks and works
the way their users expect (drop zones, microphone recording, a video player),
and its frontend is bundled in the wheel: nothing is fetched from a CDN at run
time. Telemetry and the version check are off (`analytics_enabled=False` and
the environment variables in `_offline_environment`), fonts are the theme's
local ones, and server-side rendering (which needs Node) is off.

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

from ..errors import TalkingHeadError
from ..settings import PRESETS
from . import DEFAULT_HOST, DEFAULT_MAX_UPLOAD_MB, DEFAULT_PORT
from .auth import TOKEN_PARAMETER, TokenGate, token_for
from .form import Control, controls, preset_values, run_controls
from .inputs import describe_error
from .service import WebService
from .views import CSS, JOB_COLUMNS, job_table, message_html, progress_html

PROGRESS_TICK_S = 1.0
JOBS_TICK_S = 3.0
START_TIMEOUT_S = 60.0
INTRO = (
    "# talkinghead\n"
    "Drop a portrait and a voice-over, pick a preset, press **Render**. Renders run on this "
    "machine, {at_once}, in the same job store as the `talkinghead` command: closing "
    "this tab does not stop them, and `talkinghead --jobs` lists them."
)


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


def build_page(service: WebService):
    """The Gradio Blocks of the page, wired to `service`."""
    _offline_environment()
    import gradio as gr

    look = controls()
    run = run_controls()

    def safely(handler: Callable, fallback: Callable[[str], tuple]) -> Callable:
        """Run a handler; turn any error into `fallback(one line)` for the page."""
        def wrapped(*args):
            try:
                return handler(*args)
            except TalkingHeadError as e:
                return fallback(str(e))
            except Exception as e:
                traceback.print_exc(file=sys.stderr)
                return fallback(describe_error(e))
        wrapped.__name__ = handler.__name__
        return wrapped

    with gr.Blocks(title="talkinghead", analytics_enabled=False,
                   delete_cache=(3600, 86400)) as page:
        browser = gr.BrowserState({"visitor": "", "current": ""},
                                  storage_key="talkinghead", secret=_visitor_secret(service))
        portrait_path = gr.State("")
        audio_path = gr.State("")
        shown = gr.State("")  # the item whose video is in the player
        running = service.queue.max_running
        gr.Markdown(INTRO.format(at_once="one at a time" if running == 1
                                 else f"{running} at a time"))
        with gr.Row(equal_height=False):
            with gr.Column(scale=4):
                portrait = gr.File(label="Portrait: PNG, JPEG, WebP, BMP or TIFF, up to 50 MP",
                                   elem_id="portrait", height=150)
                portrait_message = gr.HTML(elem_id="portrait-check")
                preview = gr.Image(label="Face check", interactive=False, visible=False,
                                   elem_id="face-preview", height=260, format="jpeg")
                with gr.Tabs():
                    with gr.Tab("Upload voice-over"):
                        audio_file = gr.File(
                            label="WAV, MP3, M4A, FLAC, OGG/Opus, or a video's sound",
                            elem_id="audio-file", height=150)
                    with gr.Tab("Record"):
                        microphone = gr.Audio(sources=["microphone"], type="filepath",
                                              label="Microphone", elem_id="microphone")
                audio_message = gr.HTML(elem_id="audio-check")
                transcript = gr.Textbox(label="Transcript (optional): what is said, for "
                                              "sharper lip-sync", lines=2,
                                        elem_id="transcript")
            with gr.Column(scale=3):
                preset = gr.Dropdown(list(PRESETS), value="default", label="Preset",
                                     elem_id="preset")
                widgets = {c.name: _widget(gr, c) for c in look if not c.advanced}
                with gr.Accordion("More settings", open=False):
                    widgets.update({c.name: _widget(gr, c) for c in (*look, *run)
                                    if c.advanced})
                render_button = gr.Button("Render", variant="primary", elem_id="render-button")
                submit_message = gr.HTML(elem_id="submit-message")
            with gr.Column(scale=5):
                progress = gr.HTML(progress_html(None), elem_id="progress")
                video = gr.Video(label="Result", interactive=False, elem_id="result",
                                 height=360)
                with gr.Row():
                    download = gr.DownloadButton("Download", visible=False,
                                                 elem_id="download-button")
                    cancel_button = gr.Button("Cancel", variant="stop", visible=False,
                                              elem_id="cancel-button")
        gr.Markdown("### Recent jobs (this page's and the command line's)")
        jobs = gr.Dataframe(headers=list(JOB_COLUMNS), value=job_table(service.recent()),
                            interactive=False, elem_id="jobs", wrap=True)
        with gr.Row(equal_height=True):
            job_id = gr.Textbox(label="Job", placeholder="click a row, or paste a job ID",
                                elem_id="job-id", scale=3)
            open_button = gr.Button("Open", elem_id="open-button", scale=1)
            resume_button = gr.Button("Resume", elem_id="resume-button", scale=1)
            cancel_job_button = gr.Button("Cancel", elem_id="cancel-job-button", scale=1)
            job_download = gr.DownloadButton("Download", visible=False,
                                             elem_id="job-download-button", scale=1)
        job_message = gr.HTML(elem_id="job-message")
        progress_timer = gr.Timer(PROGRESS_TICK_S)
        jobs_timer = gr.Timer(JOBS_TICK_S)

        setting_names = list(widgets)
        setting_inputs = [widgets[name] for name in setting_names]

        # -- handlers ------------------------------------------------------------------------

        def on_load(state):
            state = dict(state or {})
            state["visitor"] = state.get("visitor") or secrets.token_hex(8)
            state.setdefault("current", "")
            return state

        def on_portrait(upload):
            if not upload:
                return "", "", gr.update(value=None, visible=False)
            check = service.check_portrait(upload)
            return (str(check.path), message_html(check.message, True),
                    gr.update(value=check.preview, visible=True))

        def on_audio(upload):
            if not upload:
                return "", ""
            check = service.check_audio(upload)
            return str(check.path), message_html(check.message, True)

        def on_preset(name):
            values = preset_values(name)
            return [gr.update(value=_shown_value(values[n])) if n in values else gr.update()
                    for n in setting_names]

        def on_render(state, image, audio, text, preset_name, *values):
            state = dict(state or {})
            visitor = state.get("visitor") or secrets.token_hex(8)
            ticket = service.submit(visitor, image, audio, preset_name,
                                    dict(zip(setting_names, values, strict=True)), text)
            state.update(visitor=visitor, current=ticket.id)
            view = service.view(ticket.id)
            return state, message_html(f"Queued as {ticket.id}.", True), progress_html(view)

        def on_tick(state, shown_id):
            current = (state or {}).get("current") or ""
            if not current:
                return (gr.skip(), gr.skip(), gr.skip(), gr.update(visible=False), shown_id)
            try:
                view = service.view(current)
            except TalkingHeadError as e:
                return (message_html(str(e), False), gr.skip(), gr.update(visible=False),
                        gr.update(visible=False), shown_id)
            cancellable = view.state in ("queued", "running")
            if view.video is not None and shown_id != view.id:
                return (progress_html(view), gr.update(value=str(view.video) if view.playable
                                                       else None),
                        gr.update(value=str(view.video), visible=True),
                        gr.update(visible=cancellable), view.id)
            if view.video is None and shown_id:
                return (progress_html(view), gr.update(value=None),
                        gr.update(value=None, visible=False),
                        gr.update(visible=cancellable), "")
            return progress_html(view), gr.skip(), gr.skip(), gr.update(visible=cancellable), \
                shown_id

        def on_jobs_tick():
            return job_table(service.recent())

        def on_cancel(state):
            current = (state or {}).get("current") or ""
            return message_html(service.cancel(current), True)

        def on_select(event):
            row = event.row_value or []
            return row[0] if row else gr.skip()

        on_select.__annotations__["event"] = gr.SelectData  # Gradio reads the real class

        def on_job_id(item):
            item = (item or "").strip()
            if not item.startswith("th-"):
                return gr.update(value=None, visible=False)
            view = service.view(item)
            return gr.update(value=str(view.video) if view.video else None,
                             visible=view.video is not None)

        def on_open(state, item):
            item = (item or "").strip()
            view = service.view(item)  # raises in words for an unknown ID
            state = dict(state or {})
            state["current"] = view.id
            return state, message_html(f"Opened {view.id}.", True), progress_html(view)

        def on_resume(state, item):
            state = dict(state or {})
            visitor = state.get("visitor") or secrets.token_hex(8)
            ticket = service.resume(visitor, (item or "").strip())
            state.update(visitor=visitor, current=ticket.id)
            return state, message_html(f"Resuming {ticket.request.job_id} as {ticket.id}.",
                                       True), progress_html(service.view(ticket.id))

        def on_cancel_job(item):
            return message_html(service.cancel(item or ""), True)

        # -- wiring --------------------------------------------------------------------------

        quiet = {"show_progress": "hidden", "concurrency_limit": None}
        page.load(on_load, inputs=[browser], outputs=[browser], api_visibility="private",
                  **quiet)
        # A new file forgets the last checked one at once, so Render pressed while the new
        # one is still being checked cannot use the old one.
        checking = "<div class='th-checking'>Checking…</div>"
        for source, kept, message in ((portrait, portrait_path, portrait_message),
                                      (audio_file, audio_path, audio_message),
                                      (microphone, audio_path, audio_message)):
            trigger = source.start_recording if source is microphone else source.change
            trigger(lambda: ("", checking), outputs=[kept, message], queue=False,
                    api_visibility="private", show_progress="hidden")
        portrait.change(
            safely(on_portrait, lambda m: ("", message_html(m, False),
                                           gr.update(value=None, visible=False))),
            inputs=[portrait], outputs=[portrait_path, portrait_message, preview],
            api_name="check_portrait", concurrency_limit=2)
        audio_file.change(safely(on_audio, lambda m: ("", message_html(m, False))),
                          inputs=[audio_file], outputs=[audio_path, audio_message],
                          api_name="check_audio", concurrency_limit=2)
        microphone.stop_recording(safely(on_audio, lambda m: ("", message_html(m, False))),
                                  inputs=[microphone], outputs=[audio_path, audio_message],
                                  api_visibility="private", concurrency_limit=2)
        preset.change(safely(on_preset, lambda m: [gr.skip() for _ in setting_inputs]),
                      inputs=[preset], outputs=setting_inputs,
                      api_visibility="private", **quiet)
        render_button.click(
            safely(on_render, lambda m: (gr.skip(), message_html(m, False), gr.skip())),
            inputs=[browser, portrait_path, audio_path, transcript, preset, *setting_inputs],
            outputs=[browser, submit_message, progress], api_name="render", **quiet)
        progress_timer.tick(safely(on_tick, lambda m: (message_html(m, False), gr.skip(),
                                                       gr.skip(), gr.skip(), gr.skip())),
                            inputs=[browser, shown],
                            outputs=[progress, video, download, cancel_button, shown],
                            api_visibility="private", **quiet)
        jobs_timer.tick(safely(on_jobs_tick, lambda m: gr.skip()), outputs=[jobs],
                        api_visibility="private", **quiet)
        cancel_button.click(safely(on_cancel, lambda m: message_html(m, False)),
                            inputs=[browser], outputs=[submit_message],
                            api_visibility="private", **quiet)
        jobs.select(on_select, outputs=[job_id], api_visibility="private", **quiet)
        job_id.change(safely(on_job_id, lambda m: gr.update(value=None, visible=False)),
                      inputs=[job_id], outputs=[job_download], api_visibility="private",
                      **quiet)
        open_button.click(
            safely(on_open, lambda m: (gr.skip(), message_html(m, False), gr.skip())),
            inputs=[browser, job_id], outputs=[browser, job_message, progress],
            api_visibility="private", **quiet)
        resume_button.click(
            safely(on_resume, lambda m: (gr.skip(), message_html(m, False), gr.skip())),
            inputs=[browser, job_id], outputs=[browser, job_message, progress],
            api_visibility="private", **quiet)
        cancel_job_button.click(safely(on_cancel_job, lambda m: message_html(m, False)),
                                inputs=[job_id], outputs=[job_message],
                                api_visibility="private", **quiet)
        def status(item):
            return _status_payload(service, item)

        status.__annotations__.update(item=str, return_=dict)
        status.__annotations__["return"] = status.__annotations__.pop("return_")
        gr.api(status, api_name="status")
    return page


def _status_payload(service: WebService, item: str) -> dict:
    """For scripts (and the HTTP test): an item's state, stages and video path, as JSON."""
    try:
        view = service.view(item)
    except TalkingHeadError as e:
        return {"id": item, "state": "unknown", "error": str(e)}
    return {"id": view.id, "job_id": view.job_id, "state": view.state, "error": view.error,
            "position": view.position, "video": str(view.video) if view.video else None,
            "stages": [{"name": s.name, "state": s.state, "done": s.done, "total": s.total}
                       for s in view.stages]}


def _shown_value(value):
    return "" if value is None else value


def _widget(gr, control: Control):
    common = {"label": control.label, "info": control.info or None,
              "elem_id": "setting-" + control.name.replace("_", "-")}
    if control.kind == "choice":
        return gr.Dropdown(list(control.choices), value=control.default, **common)
    if control.kind == "slider":
        return gr.Slider(control.low, control.high, value=control.default, step=control.step,
                         **common)
    if control.kind == "check":
        return gr.Checkbox(value=bool(control.default), **common)
    if control.kind == "number":
        return gr.Number(value=control.default, minimum=control.low, **common)
    return gr.Textbox(value=_shown_value(control.default), **common)


@dataclass
class RunningServer:
    """A started server: its address (with the token, if any) and how to stop it."""

    url: str
    token: str | None
    service: WebService
    _server: object
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
    except ImportError as e:
        raise TalkingHeadError('the web page needs the ui extra: pip install "talkinghead[ui]"'
                               ) from e
    token = token_for(host, token)
    listener = _listen(host, port)
    bound_port = listener.getsockname()[1]
    service = WebService(home, workers=workers, max_running=max_renders)
    page = build_page(service)
    app = FastAPI(openapi_url=None, docs_url=None, redoc_url=None)
    app = gr.mount_gradio_app(
        app, page, path="/", footer_links=["api"], run_history=False,
        allowed_paths=[str(service.folder)],
        max_file_size=int(max_upload_mb * 1024 * 1024), ssr_mode=False, show_error=True,
        theme=gr.themes.Default(), css=CSS, server_name=host, server_port=bound_port)
    asgi = TokenGate(app, token) if token else app
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
