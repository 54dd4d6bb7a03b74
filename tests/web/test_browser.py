"""The page in a real browser: Debian's chromium, driven by Playwright, all traffic loopback.

A portrait and a speech clip from ../shared/data are dropped on the page, the
render is started, the tab is closed mid-render and the page reopened (the
render goes on and the reopened page shows it), the player shows the finished
video, the Download button's file passes the CLI's container checks, and the
job's row in the recent-jobs list downloads the same file. Any
request the page makes to an address other than the server's is blocked and
fails the test: the page must work with no internet.
"""

from __future__ import annotations

import pytest

from talkinghead.measure import video_facts
from talkinghead.media.audio import load_audio

pytest.importorskip("gradio", reason='the web page needs the ui extra: pip install ".[ui]"')
sync_api = pytest.importorskip("playwright.sync_api", reason="Playwright is not installed")

pytestmark = [pytest.mark.slow, pytest.mark.filterwarnings("ignore::DeprecationWarning")]

RENDER_WAIT_MS = 120_000
CHECK_WAIT_MS = 30_000
FPS = 25


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    from talkinghead.web import start

    running = start("127.0.0.1", 0, home=tmp_path_factory.mktemp("home"), workers=2)
    yield running
    running.stop()


@pytest.fixture(scope="module")
def browser(chromium):
    executable, flags = chromium
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, args=flags)
        yield browser
        browser.close()


@pytest.fixture
def context(browser, server):
    """A browser profile whose requests may only go to the server; others are recorded."""
    context = browser.new_context(viewport={"width": 1400, "height": 1000},
                                  accept_downloads=True)
    context.outside = []
    local = server.url.split("?")[0].rstrip("/")

    def only_local(route):
        url = route.request.url
        if url.startswith((local, "data:", "blob:")):
            route.continue_()
        else:
            context.outside.append(url)
            route.abort()

    context.route("**/*", only_local)
    yield context
    context.close()
    assert context.outside == [], f"the page reached outside: {context.outside}"


def open_page(context, server):
    page = context.new_page()
    page.goto(server.url)
    page.wait_for_selector("#render-button")
    return page


def assert_output_rules(path, audio_s: float, size: tuple[int, int]) -> None:
    """The CLI end-to-end tests' container checks."""
    facts = video_facts(path)
    assert (facts.video_codec, facts.pixel_format, facts.fps) == ("h264", "yuv420p", 25.0)
    assert facts.audio_codec == "aac" and facts.faststart
    assert (facts.width, facts.height) == size
    assert abs(facts.video_s - audio_s) <= 1 / FPS and abs(facts.frames / FPS - audio_s) <= 1 / FPS
    assert abs(facts.audio_s - audio_s) <= 1 / FPS


@pytest.mark.shared_data
def test_drop_render_close_reopen_play_and_download(context, server, shared_data, tmp_path):
    image = shared_data / "images" / "people_0.png"
    audio = shared_data / "audio" / "RD_Radio31_000.wav"
    page = open_page(context, server)
    page.locator("#portrait input[type=file]").set_input_files(str(image))
    page.wait_for_selector("#portrait-check .th-ok", timeout=CHECK_WAIT_MS)
    assert page.locator("#face-preview img").count() == 1  # the preview with the face box
    page.locator("#audio-file input[type=file]").set_input_files(str(audio))
    page.wait_for_selector("#audio-check .th-ok", timeout=CHECK_WAIT_MS)
    page.click("#render-button")
    page.wait_for_selector("#progress [data-state=running]", timeout=CHECK_WAIT_MS)
    page.close()  # the render goes on without the tab

    page = open_page(context, server)  # same browser profile: the page finds its render
    page.wait_for_selector("#result video[src]", timeout=RENDER_WAIT_MS)
    assert page.locator("#progress [data-state=done]").count() == 1
    with page.expect_download() as download:
        page.click("#download-button")
    saved = tmp_path / download.value.suggested_filename
    download.value.save_as(saved)
    assert saved.name == "people_0-talking.mp4"
    assert_output_rules(saved, load_audio(audio).duration_s, (256, 256))

    # The recent-jobs list: pick the job's row, download it again from there.
    job_id = page.locator("#progress [data-job]").get_attribute("data-job")
    page.locator("#jobs").get_by_role("gridcell", name=job_id).first.click(timeout=CHECK_WAIT_MS)
    page.wait_for_selector("#job-download-button", state="visible", timeout=CHECK_WAIT_MS)
    with page.expect_download() as again:
        page.click("#job-download-button")
    assert again.value.suggested_filename == saved.name


def test_an_image_with_no_face_is_refused_inline(context, server, faceless_png):
    page = open_page(context, server)
    page.locator("#portrait input[type=file]").set_input_files(str(faceless_png))
    error = page.wait_for_selector("#portrait-check .th-error", timeout=CHECK_WAIT_MS)
    assert error.inner_text().startswith("no face found in the image: use a clear, "
                                         "front-facing portrait")
    assert "Traceback" not in page.content()
