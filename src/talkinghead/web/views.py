"""HTML and table rows for the page, from the service's plain values (no UI library here)."""

from __future__ import annotations

import html
import time

from .progress import FINISHED, RUNNING, StageProgress
from .service import ItemView, JobRow

MIN_FRAMES_FOR_ETA = 25  # one second of video: enough to tell the drawing rate
JOB_COLUMNS = ("job", "state", "done", "audio", "started", "portrait", "from")

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

CSS = """
.th-progress { font-size: 0.95rem; line-height: 1.4; }
.th-progress .th-head { margin-bottom: 0.5rem; }
.th-progress .th-stage { display: grid; grid-template-columns: 7rem 1fr 10rem;
  gap: 0.6rem; align-items: center; margin: 0.25rem 0; }
.th-progress .th-bar { height: 0.6rem; border-radius: 0.3rem;
  background: var(--neutral-200, #e5e7eb); overflow: hidden; }
.th-progress .th-bar > div { height: 100%; background: var(--color-accent, #f97316);
  transition: width 0.4s; }
.th-progress .th-finished .th-bar > div { background: #16a34a; }
.th-progress .th-count { font-variant-numeric: tabular-nums; text-align: right; }
.th-progress .th-error, .th-error { color: #b91c1c; font-weight: 600; }
.th-progress .th-notice { color: var(--body-text-color-subdued, #6b7280); margin: 0.15rem 0; }
.th-ok { color: #15803d; }
"""


def progress_html(view: ItemView | None) -> str:
    """The progress panel: a headline, one bar per stage, notices, and the error if any."""
    if view is None:
        return ("<div class='th-progress' data-state='idle'>Drop a portrait and a voice-over, "
                "then press Render. Progress shows here; you can close the tab and come "
                "back.</div>")
    headline = _HEADLINES.get(view.state, view.state.replace("_", " ").capitalize())
    if view.position is not None:
        headline += f" (number {view.position} in the queue)"
    if view.elapsed_s is not None:
        preposition = {"running": "for", "done": "in"}.get(view.state, "after")
        headline += f" {preposition} {view.elapsed_s:.0f} s"
        left = _seconds_left(view.stages)
        if view.state == "running" and left is not None:
            headline += f"; frames done in about {left:.0f} s"
    parts = [f"<div class='th-progress' data-state='{_e(view.state)}' "
             f"data-job='{_e(view.job_id or '')}'>",
             f"<div class='th-head'><b>{_e(headline)}</b> · {_e(view.title)}"
             + (f" · job <code>{_e(view.job_id)}</code>" if view.job_id else "")
             + "</div>"]
    parts += [_stage_html(stage) for stage in view.stages]
    parts += [f"<div class='th-notice'>{_e(n)}</div>" for n in view.notices[-3:]]
    if view.error:
        parts.append(f"<div class='th-error'>{_e(view.error)}</div>")
    if view.state == "done" and view.video is None:
        parts.append("<div class='th-error'>The video was cleaned up from the job store; "
                     "render it again.</div>")
    elif view.video is not None and not view.playable:
        parts.append("<div class='th-notice'>Browsers cannot play this format; use "
                     "Download.</div>")
    parts.append("</div>")
    return "".join(parts)


def _seconds_left(stages: tuple[StageProgress, ...]) -> float | None:
    """From the frame rate so far; None until enough frames are drawn to tell."""
    render = next((s for s in stages if s.name == "render"), None)
    drawn = render.done - render.earlier if render else 0
    if render is None or render.state != RUNNING or not render.total or drawn < MIN_FRAMES_FOR_ETA:
        return None
    return (render.elapsed_s or 0.0) / drawn * (render.total - render.done)


def _stage_html(stage: StageProgress) -> str:
    percent = round(stage.fraction * 100)
    elapsed = stage.elapsed_s
    took = f" in {elapsed:.0f} s" if elapsed is not None and elapsed >= 1 else ""
    if stage.state == FINISHED:
        count = (f"{stage.total} frames" if stage.total else "done") + took
    elif stage.state == RUNNING and stage.total:
        count = f"{stage.done} / {stage.total} ({percent}%)"
    elif stage.state == RUNNING:
        count = f"working… {elapsed or 0:.0f} s"  # the stage reports no count: show it is alive
    else:
        count = ""
    return (f"<div class='th-stage th-{_e(stage.state)}' data-stage='{_e(stage.name)}'>"
            f"<span>{_e(stage.label)}</span>"
            f"<div class='th-bar'><div style='width:{percent}%'></div></div>"
            f"<span class='th-count'>{_e(count)}</span></div>")


def message_html(text: str, ok: bool) -> str:
    """A one-line check result under an input: green when fine, red in words when not."""
    return f"<div class='{'th-ok' if ok else 'th-error'}'>{_e(text)}</div>"


def job_table(rows: list[JobRow]) -> list[list[str]]:
    return [[row.id, row.state.replace("_", " "), f"{row.progress:.0%}",
             "" if row.audio_s is None else f"{row.audio_s:.1f} s",
             time.strftime("%Y-%m-%d %H:%M", time.localtime(row.created)), row.title,
             row.source] for row in rows]


def _e(text: str) -> str:
    return html.escape(str(text), quote=True)
