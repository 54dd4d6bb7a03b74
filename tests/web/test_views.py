"""The page's HTML: in the page's words, escaped, readable by screen readers, never a traceback."""

from __future__ import annotations

import re
from pathlib import Path

from talkinghead.web.progress import FINISHED, RUNNING, STOPPED, StageProgress
from talkinghead.web.service import ItemView, JobRow
from talkinghead.web.views import (
    NARROW_COLUMNS,
    hint_html,
    job_table,
    jobs_html,
    message_html,
    page_words,
    progress_html,
    video_html,
)


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
    assert "web-12345678" not in page  # the page shows one ID scheme: the CLI's


def test_stage_bars_are_progressbars_with_their_value():
    page = progress_html(view())
    bars = re.findall(r"<div class='th-bar' role='progressbar' aria-label='(\w+)' "
                      r"aria-valuemin='0' aria-valuemax='100' aria-valuenow='(\d+)'", page)
    assert bars == [("Face", "100"), ("Frames", "25")]


def test_a_stopped_stage_shows_when_it_stopped():
    stopped = StageProgress("render", 200, 80, STOPPED, started=10.0, ended=16.0)
    page = progress_html(view(state="cancelled", stages=(stopped,), error="Cancelled."))
    assert "stopped at 80 / 200 after 6 s" in page
    assert "th-error" not in page  # a cancel is not an error


def test_stopping_is_said_while_a_cancel_takes_effect():
    page = progress_html(view(stopping=True))
    assert "data-state='stopping'" in page and "Stopping…" in page


def test_queue_position_and_errors_are_words():
    assert "number 2 in the queue" in progress_html(view(state="queued", position=2))
    page = progress_html(view(state="failed", error="no face found in the image: use <a> face"))
    assert "th-error" in page and "&lt;a&gt;" in page and "<a>" not in page


def test_unplayable_format_points_to_download():
    page = progress_html(view(state="done", video=Path("/x/clip.mov"), playable=False))
    assert "Download" in page
    assert video_html(view(state="done", video=Path("/x/clip.mov"), playable=False)) == ""


def test_the_video_plays_in_the_browser_s_own_player():
    player = video_html(view(state="done", video=Path("/home/me/web/videos/a b/clip.mp4")))
    assert player.startswith("<video") and "controls" in player
    assert "src='gradio_api/file=/home/me/web/videos/a%20b/clip.mp4'" in player


def test_idle_panel_says_what_to_do():
    assert "Add a portrait and a voice-over" in progress_html(None)


def test_messages_are_escaped():
    assert message_html("bad <b>", False) == "<div class='th-error'>bad &lt;b&gt;</div>"
    assert hint_html("") == ""
    assert "th-error" in hint_html("Fix this first: x", problem=True)


def test_command_line_words_become_the_page_s():
    assert page_words("--timeout must be a positive number of seconds, got 0") == (
        "Timeout must be a positive number of seconds, got 0")
    assert page_words("--chunk-seconds must be at least 5") == "Chunk seconds must be at least 5"
    said = page_words("no job th-000000000000 in the job store (/home/me/.talkinghead); "
                      "list jobs with --jobs")
    assert said == "no job th-000000000000 here; pick one from the jobs list"
    said = page_words("render timed out after 60 s; job th-0123456789ab keeps its finished "
                      "chunks: rerun the same command or 'talkinghead --resume th-0123456789ab' "
                      "to continue, then 'talkinghead --retrieve th-0123456789ab --output FILE'")
    assert said.endswith("keeps its finished chunks: Resume continues job th-0123456789ab")
    for message in (said, page_words("job th-0123456789ab is interrupted (50% of 100 frames "
                                     "rendered); continue it with --resume th-0123456789ab")):
        assert "--" not in message and "job store" not in message


def test_job_rows():
    rows = job_table([JobRow("th-0123456789ab", "timed_out", 0.5, 12.34, 0.0, "me.png", "page")])
    assert rows[0][:4] == ["th-0123456789ab", "timed out", "50%", "12.3 s"]


def test_jobs_list_shows_job_ids_only_and_marks_what_a_phone_drops():
    rows = [JobRow("th-0123456789ab", "done", 1.0, 7.3, 0.0, "me.png", "page"),
            JobRow("web-12345678", "queued #1", 0.0, None, 0.0, "you.png + hi.wav", "page")]
    page = jobs_html(rows)
    assert "data-job='th-0123456789ab'" in page and "web-" not in page
    assert "not started" in page  # a render not yet planned has no job ID to show
    hidden = re.findall(r"<th class='th-narrow-hide' scope='col'>(\w+)</th>", page)
    assert [h.lower() for h in hidden] == list(NARROW_COLUMNS)
    assert "No jobs yet" in jobs_html([])
