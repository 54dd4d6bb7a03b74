"""The server over HTTP on 127.0.0.1: the page, its token, its upload limit, and one render.

Skipped where the `ui` extra (Gradio) is not installed. All traffic is loopback.
"""

from __future__ import annotations

import os
import re
import time

import pytest

pytest.importorskip("gradio", reason='the web page needs the ui extra: pip install ".[ui]"')
httpx = pytest.importorskip("httpx")

from gradio_client import Client, handle_file  # noqa: E402

from talkinghead import api  # noqa: E402
from talkinghead.web import start  # noqa: E402
from talkinghead.web.auth import COOKIE_NAME  # noqa: E402
from talkinghead.web.form import controls, run_controls  # noqa: E402
from talkinghead_dev.measure import video_facts  # noqa: E402

RENDER_WAIT_S = 90.0


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    home = tmp_path_factory.mktemp("home")
    running = start("127.0.0.1", 0, home=home, workers=2)
    yield running
    running.stop()


def test_the_page_is_served_on_loopback_with_nothing_from_elsewhere(server):
    assert re.fullmatch(r"http://127\.0\.0\.1:\d+/", server.url) and server.token is None
    page = httpx.get(server.url, timeout=10)
    assert page.status_code == 200 and "talkinghead" in page.text
    assert page.headers["content-encoding"] == "gzip"  # the page itself, not only its assets
    loaded = re.findall(r"<(?:script|link)[^>]+(?:src|href)=[\"']([^\"']+)", page.text)
    assert loaded and not [u for u in loaded if u.startswith(("http:", "https:", "//"))]


@pytest.mark.slow
def test_a_render_driven_over_http_is_a_job_of_the_store(server, sample_portrait_path,
                                                        sample_speech_path, tmp_path):
    client = Client(server.url, verbose=False)
    face = client.predict(handle_file(str(sample_portrait_path)), api_name="/check_portrait")
    assert "Face found" in face[0]
    sound = client.predict(handle_file(str(sample_speech_path)), api_name="/check_audio")
    assert "7.3 s" in sound
    settings = [c for c in (*controls(), *run_controls()) if not c.advanced] + [
        c for c in (*controls(), *run_controls()) if c.advanced]
    values = ["" if c.default is None else c.default for c in settings]
    state, message, progress, *_ = client.predict({"visitor": "", "current": ""}, "",
                                                  "natural", *values, api_name="/render")
    assert message == "" and ("data-state='queued'" in progress
                              or "data-state='running'" in progress)
    assert "web-" not in progress  # scripts get the item in `state`; the page shows job IDs
    deadline = time.monotonic() + RENDER_WAIT_S
    while (status := client.predict(state["current"], api_name="/status"))["state"] not in (
            "done", "failed", "cancelled"):
        assert time.monotonic() < deadline, status
        time.sleep(0.3)
    assert status["state"] == "done", status["error"]
    facts = video_facts(status["video"])
    assert (facts.video_codec, facts.pixel_format, facts.fps) == ("h264", "yuv420p", 25.0)
    assert facts.audio_codec == "aac" and abs(facts.video_s - 7.28) < 0.1
    jobs = api.list_jobs(store=server.service.store)
    assert status["job_id"] in [job.id for job in jobs]
    copy = tmp_path / "copy.mp4"
    api.retrieve(status["job_id"], copy, store=server.service.store)
    assert copy.stat().st_size == os.path.getsize(status["video"])


def test_bad_input_comes_back_in_words(server, faceless_png):
    client = Client(server.url, verbose=False)
    message, preview = client.predict(handle_file(str(faceless_png)), api_name="/check_portrait")
    assert "no face found in the image" in message and "Traceback" not in message
    assert preview.get("visible") is False


def test_a_token_guards_the_page_and_uploads_are_limited(tmp_path):
    running = start("127.0.0.1", 0, "let-me-in", home=tmp_path / "home", max_upload_mb=1)
    try:
        assert running.url.endswith("?token=let-me-in")
        base = running.url.split("?")[0]
        refused = httpx.get(base, timeout=10)
        assert refused.status_code == 401 and "access token" in refused.text
        with httpx.Client(timeout=10) as browser:
            admitted = browser.get(running.url, follow_redirects=True)
            assert admitted.status_code == 200 and "talkinghead" in admitted.text
            assert browser.cookies.get(COOKIE_NAME) == "let-me-in"
            assert str(admitted.url) == base
            too_big = browser.post(base + "gradio_api/upload",
                                   files={"files": ("long.wav", b"\0" * 1_100_000)})
            assert too_big.status_code == 413
            small = browser.post(base + "gradio_api/upload",
                                 files={"files": ("short.wav", b"\0" * 1000)})
            assert small.status_code == 200
        bearer = httpx.get(base, headers={"Authorization": "Bearer let-me-in"}, timeout=10)
        assert bearer.status_code == 200
    finally:
        running.stop()


def test_a_busy_port_is_a_one_line_error(server):
    from talkinghead.errors import TalkingHeadError

    port = int(server.url.rsplit(":", 1)[1].strip("/"))
    with pytest.raises(TalkingHeadError, match=f"cannot listen on 127.0.0.1:{port}: the port "
                                               "is in use; pick another with --port"):
        start("127.0.0.1", port)
