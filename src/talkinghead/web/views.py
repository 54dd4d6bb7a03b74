"""HTML for the page, from the service's plain values (no UI library here), in the page's words.

Messages come from the CLI's own checks, so they name flags (`--timeout`) and
commands (`talkinghead --resume`); `page_words` says the same in the page's
terms (the field's label, the Resume button) before anything is shown.
"""

from __future__ import annotations

import html
import re
import time
from functools import lru_cache
from urllib.parse import quote

from .form import flag_labels
from .progress import FINISHED, RUNNING, STOPPED, StageProgress
from .service import ItemView, JobRow

MIN_FRAMES_FOR_ETA = 25  # one second of video: enough to tell the drawing rate
JOB_COLUMNS = ("job", "state", "done", "audio", "started", "portrait", "from")
NARROW_COLUMNS = ("audio", "started", "portrait", "from")  # hidden on a phone's width
FILE_ROUTE = "gradio_api/file="  # the UI library's route for files under its allowed folders
IDLE_TEXT = ("Your video appears here. Add a portrait and a voice-over, then press Render; "
             "you can close this tab while it renders and come back to it.")

_HEADLINES = {
    "queued": "Waiting for its turn",
    "running": "Rendering",
    "done": "Finished",
    "failed": "Failed",
    "cancelled": "Cancelled",
    "interrupted": "Interrupted",
    "timed_out": "Timed out",
    "planned": "Planned, not started",
    "rendering": "Rendering (in another process)",
}

# The CLI's advice, said with the page's buttons. Applied before flags become labels.
_CLI_PHRASES = (
    (re.compile(r" in the job store \([^)]*\); list jobs with --jobs"),
     " here; pick one from the jobs list"),
    (re.compile(r": rerun the same command or 'talkinghead --resume (th-[0-9a-f]+)' to "
                r"continue, then 'talkinghead --retrieve \1 --output FILE'"),
     r": Resume continues job \1"),
    (re.compile(r"; continue it with --resume (th-[0-9a-f]+)"), r"; Resume continues it"),
    (re.compile(r"wait, or check it with --retrieve th-[0-9a-f]+"), "wait for it to finish"),
    (re.compile(r"\bthe job store\b"), "the jobs folder"),
    (re.compile(r"\bjob store\b"), "jobs folder"),
)
_FLAG = re.compile(r"(?<![\w-])--([a-z][a-z-]*[a-z])")

CSS = """
#intro-text .html-container, #jobs-title .html-container, #jobs .html-container { padding: 0; }
#intro-text h1 { margin: 0.2rem 0 0.4rem; }
.th-caption { max-width: 52rem; margin: 0; }
#sample-button { align-self: flex-start; width: auto; max-width: 100%; }
.th-progress { font-size: 0.95rem; line-height: 1.4; }
.th-progress .th-head { margin-bottom: 0.5rem; overflow-wrap: anywhere; }
.th-progress .th-stage { margin: 0.35rem 0; }
.th-progress .th-line { display: flex; justify-content: space-between; gap: 0.6rem; }
.th-progress .th-bar { height: 0.6rem; border-radius: 0.3rem; width: 100%; margin-top: 0.15rem;
  background: var(--neutral-200, #e5e7eb); overflow: hidden; }
.th-progress .th-bar > div { height: 100%; background: var(--color-accent, #f97316);
  transition: width 0.4s; }
.th-progress .th-finished .th-bar > div { background: #16a34a; }
.th-progress .th-stopped .th-bar > div { background: #9ca3af; }
.th-progress .th-count { font-variant-numeric: tabular-nums; text-align: right;
  color: var(--body-text-color-subdued, #4b5563); }
.th-progress .th-error, .th-error { color: #b91c1c; font-weight: 600; }
.th-progress .th-notice { color: var(--body-text-color-subdued, #6b7280); margin: 0.15rem 0;
  overflow-wrap: anywhere; }
.th-progress .th-said { margin-top: 0.3rem; }
.th-ok { color: #15803d; }
.th-hint { color: var(--body-text-color-subdued, #4b5563); }
.gradio-container { overflow: clip !important; }  /* hidden would stop the Render bar sticking */
.th-field-check { margin-top: -0.3rem; }
#render-bar { position: sticky; bottom: 0; z-index: 20; padding: 0.5rem 0;
  background: var(--background-fill-primary, #fff); }
#render-hint { min-height: 1.4rem; }
.th-video { width: 100%; max-height: 60vh; background: #000; border-radius: 0.4rem; }
.th-jobs { width: 100%; border-collapse: collapse; font-size: 0.9rem; table-layout: auto; }
.th-jobs th, .th-jobs td { text-align: left; padding: 0.35rem 0.5rem;
  border-bottom: 1px solid var(--border-color-primary, #e5e7eb); overflow-wrap: anywhere; }
.th-jobs tbody tr[data-job] { cursor: pointer; }
.th-jobs tbody tr[data-job]:hover, .th-jobs tbody tr[data-job]:focus {
  background: var(--background-fill-secondary, #f3f4f6); outline: none; }
.th-jobs code { white-space: nowrap; }
.th-jobs .th-empty { color: var(--body-text-color-subdued, #6b7280); }
@media (max-width: 640px) {
  .th-jobs .th-narrow-hide { display: none; }
  #render-bar { padding: 0.4rem 0; }
}
"""

# Clicking (or Enter on) a row of the jobs list puts its ID in the Job box, as typing would.
JOBS_JS = """
const pick = (event) => {
  const row = event.target.closest('tr[data-job]');
  if (!row) return;
  const box = document.querySelector('#job-id textarea, #job-id input');
  if (!box) return;
  box.value = row.dataset.job;
  box.dispatchEvent(new Event('input', {bubbles: true}));
};
element.addEventListener('click', pick);
element.addEventListener('keydown', (event) => { if (event.key === 'Enter') pick(event); });
"""


def page_words(text: str) -> str:
    """A message of the CLI's checks in the page's terms: field labels for flags, buttons for
    commands."""
    for pattern, replacement in _CLI_PHRASES:
        text = pattern.sub(replacement, text)
    labels = _labels()
    return _FLAG.sub(lambda m: labels.get(m.group(0), m.group(1).replace("-", " ")), text)


@lru_cache(maxsize=1)
def _labels() -> dict[str, str]:
    return flag_labels()


def progress_html(view: ItemView | None) -> str:
    """The progress panel: a headline, one bar per stage, notices, and the error if any."""
    if view is None:
        return f"<div class='th-progress' data-state='idle'>{_e(IDLE_TEXT)}</div>"
    state = "stopping" if view.stopping else view.state
    parts = [f"<div class='th-progress' data-state='{_e(state)}' "
             f"data-job='{_e(view.job_id or '')}'>",
             f"<div class='th-head'><b>{_e(_headline(view))}</b> · {_e(view.title)}"
             + (f" · job <code>{_e(view.job_id)}</code>" if view.job_id else "")
             + "</div>"]
    parts += [_stage_html(stage) for stage in view.stages]
    parts += [f"<div class='th-notice'>{_e(page_words(n))}</div>" for n in view.notices[-3:]]
    if view.error:  # a cancel is no error: it says what is left, in plain text
        kind = "th-said" if view.state == "cancelled" else "th-error"
        parts.append(f"<div class='{kind}'>{_e(page_words(view.error))}</div>")
    if view.state == "done" and view.video is None:
        parts.append("<div class='th-error'>The video was cleaned up since; render it "
                     "again.</div>")
    elif view.video is not None and not view.playable:
        parts.append("<div class='th-notice'>Browsers cannot play this format; use "
                     "Download.</div>")
    parts.append("</div>")
    return "".join(parts)


def _headline(view: ItemView) -> str:
    if view.stopping:
        return "Stopping…"
    headline = _HEADLINES.get(view.state, view.state.replace("_", " ").capitalize())
    if view.position is not None:
        headline += f" (number {view.position} in the queue)"
    if view.elapsed_s is not None:
        preposition = {"running": "for", "done": "in"}.get(view.state, "after")
        headline += f" {preposition} {view.elapsed_s:.0f} s"
        left = _seconds_left(view.stages)
        if view.state == "running" and left is not None:
            headline += f"; frames done in about {left:.0f} s"
    return headline


def _seconds_left(stages: tuple[StageProgress, ...]) -> float | None:
    """From the frame rate so far; None until enough frames are drawn to tell."""
    render = next((s for s in stages if s.name == "render"), None)
    drawn = render.done - render.earlier if render else 0
    if render is None or render.state != RUNNING or not render.total or drawn < MIN_FRAMES_FOR_ETA:
        return None
    return (render.elapsed_s or 0.0) / drawn * (render.total - render.done)


def _stage_html(stage: StageProgress) -> str:
    """A labelled progress bar (role=progressbar, so screen readers and tests can read it)."""
    percent = round(stage.fraction * 100)
    count = _stage_count(stage, percent)
    return (f"<div class='th-stage th-{_e(stage.state)}' data-stage='{_e(stage.name)}'>"
            f"<div class='th-line'><span>{_e(stage.label)}</span>"
            f"<span class='th-count'>{_e(count)}</span></div>"
            f"<div class='th-bar' role='progressbar' aria-label='{_e(stage.label)}' "
            f"aria-valuemin='0' aria-valuemax='100' aria-valuenow='{percent}' "
            f"aria-valuetext='{_e(count or stage.state)}'>"
            f"<div style='width:{percent}%'></div></div></div>")


def _stage_count(stage: StageProgress, percent: int) -> str:
    elapsed = stage.elapsed_s
    took = f" in {elapsed:.0f} s" if elapsed is not None and elapsed >= 1 else ""
    if stage.state == FINISHED:
        return (f"{stage.total} frames" if stage.total else "done") + took
    if stage.state == STOPPED:
        drawn = f" at {stage.done} / {stage.total}" if stage.total else ""
        return f"stopped{drawn}" + (f" after {elapsed:.0f} s" if elapsed is not None else "")
    if stage.state == RUNNING and stage.total:
        return f"{stage.done} / {stage.total} ({percent}%)"
    if stage.state == RUNNING:
        return f"working… {elapsed or 0:.0f} s"  # the stage reports no count: show it is alive
    return ""


def video_html(view: ItemView | None) -> str:
    """The finished clip in the browser's own player (nothing to load for it), or nothing."""
    if view is None or view.video is None or not view.playable:
        return ""
    source = FILE_ROUTE + quote(str(view.video))
    return (f"<video class='th-video' src='{_e(source)}' controls playsinline "
            f"preload='metadata' aria-label='{_e('The rendered video: ' + view.video.name)}'>"
            "</video>")


def message_html(text: str, ok: bool) -> str:
    """A one-line result next to an input: green when fine, red in words when not."""
    return f"<div class='{'th-ok' if ok else 'th-error'}'>{_e(page_words(text))}</div>"


def hint_html(text: str, problem: bool = False) -> str:
    """Why Render cannot be pressed yet (or nothing): red when a value must be fixed."""
    if not text:
        return ""
    return f"<div class='{'th-error' if problem else 'th-hint'}'>{_e(text)}</div>"


def job_table(rows: list[JobRow]) -> list[list[str]]:
    """The jobs list's cells, in `JOB_COLUMNS` order; a render not yet planned has no job ID."""
    return [[row.id if row.id.startswith("th-") else "", row.state.replace("_", " "),
             f"{row.progress:.0%}", "" if row.audio_s is None else f"{row.audio_s:.1f} s",
             time.strftime("%Y-%m-%d %H:%M", time.localtime(row.created)), row.title,
             row.source] for row in rows]


def jobs_html(rows: list[JobRow]) -> str:
    """The jobs list as a table that drops its less telling columns on a phone's width."""
    if not rows:
        return ("<p class='th-empty'>No jobs yet. Renders from this page and from the "
                "command line show up here.</p>")
    hide = {i for i, name in enumerate(JOB_COLUMNS) if name in NARROW_COLUMNS}
    head = "".join(f"<th{_narrow(i, hide)} scope='col'>{name.capitalize()}</th>"
                   for i, name in enumerate(JOB_COLUMNS))
    body = []
    for cells in job_table(rows):
        job = cells[0]
        shown = [f"<code>{_e(job)}</code>" if job else "<span class='th-empty'>not started"
                 "</span>", *(_e(c) for c in cells[1:])]
        attributes = f" data-job='{_e(job)}' tabindex='0'" if job else ""
        body.append(f"<tr{attributes}>" + "".join(f"<td{_narrow(i, hide)}>{c}</td>"
                                                  for i, c in enumerate(shown)) + "</tr>")
    return ("<table class='th-jobs'><thead><tr>" + head + "</tr></thead><tbody>"
            + "".join(body) + "</tbody></table>")


def _narrow(index: int, hide: set[int]) -> str:
    return " class='th-narrow-hide'" if index in hide else ""


def _e(text: str) -> str:
    return html.escape(str(text), quote=True)

