"""The page's HTML: in words, escaped, and never a traceback."""

from __future__ import annotations

from pathlib import Path

from talkinghead.web.progress import FINISHED, RUNNING, StageProgress
from talkinghead.web.service import ItemView, JobRow
from talkinghead.web.views import job_table, message_html, progress_html


def view(**changes) -> ItemView:
    base = {"id": "web-12345678", "job_id": "th-0123456789ab", "state": "running",
            "stages": (StageProgress("face", None, 0, FINISHED),
                       StageProgress("render", 200, 50, RUNNING)),
            "title": "me.png + hello.wav"}
    return ItemView(**{**base, **changes})


def test_progress_shows_each_stage_and_the_frame_count():
    page = progress_html(view(elapsed_s=12.4))
    assert "Rendering for 12 s" in page and "th-0123456789ab" in page
    assert "50 / 200 (25%)" in page and "width:25%" in page
    assert "data-stage='face'" in page


def test_queue_position_and_errors_are_words():
    assert "number 2 in the queue" in progress_html(view(state="queued", position=2))
    page = progress_html(view(state="failed", error="no face found in the image: use <a> face"))
    assert "th-error" in page and "&lt;a&gt;" in page and "<a>" not in page


def test_unplayable_format_points_to_download():
    page = progress_html(view(state="done", video=Path("/x/clip.mov"), playable=False))
    assert "Download" in page


def test_idle_panel_says_what_to_do():
    assert "Drop a portrait" in progress_html(None)


def test_messages_are_escaped():
    assert message_html("bad <b>", False) == "<div class='th-error'>bad &lt;b&gt;</div>"


def test_job_rows():
    rows = job_table([JobRow("th-0123456789ab", "timed_out", 0.5, 12.34, 0.0, "me.png", "page")])
    assert rows[0][:4] == ["th-0123456789ab", "timed out", "50%", "12.3 s"]
