"""The page in a real browser: Debian's chromium, driven by Playwright, all traffic loopback.

A first visit on a desktop (1280 x 900) and on a phone (390 x 844): the sample
is loaded with one click, every collapsible panel is opened (which must leave
blank fields blank and Render usable), a bad value is named next to its field
and turns Render off with the reason in view, the render's stages show as
progress bars, the video plays in the page and downloads, and nothing needs
sideways scrolling. Then a portrait and a speech clip from ../shared/data are
dropped, the tab is closed mid-render and the page reopened (the render goes
on), and the job's row in the jobs list downloads the same file. Any request
the page makes to an address other than the server's is blocked and fails the
test: the page must work with no internet.

Screenshots go to $TALKINGHEAD_WEB_SHOTS when it is set (else the test's own
temporary folder), to be looked at.
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from urllib.parse import unquote

import pytest

from talkinghead.media.audio import load_audio
from talkinghead_dev.measure import video_facts

pytest.importorskip("gradio", reason='the web page needs the ui extra: pip install ".[ui]"')
sync_api = pytest.importorskip("playwright.sync_api", reason="Playwright is not installed")

pytestmark = [pytest.mark.slow, pytest.mark.filterwarnings("ignore::DeprecationWarning")]

RENDER_WAIT_MS = 120_000
CHECK_WAIT_MS = 30_000
UI_WAIT_MS = 10_000
FPS = 25
VIEWPORTS = {"desktop": (1280, 900), "phone": (390, 844)}
PRESET_FOR = {"desktop": "default", "phone": "natural"}  # two distinct jobs: both really render
PANELS = ("#transcript-panel", "#look-panel", "#more-panel")
MIN_BAR_PX = 100
IDLE_WATCH_MS = 2_500
CLI_WORDS = re.compile(r"(?<![\w-])--[a-z]|job store|web-[0-9a-f]{8}")


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
def shots(tmp_path) -> Path:
    folder = Path(os.environ.get("TALKINGHEAD_WEB_SHOTS") or tmp_path / "shots")
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def loopback_context(browser, server, width: int = 1400, height: int = 1000):
    """A browser profile whose requests may only go to the server; others are recorded."""
    context = browser.new_context(viewport={"width": width, "height": height},
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
    return context


@pytest.fixture
def context(browser, server):
    context = loopback_context(browser, server)
    yield context
    context.close()
    assert context.outside == [], f"the page reached outside: {context.outside}"


def open_page(context, server):
    page = context.new_page()
    page.goto(server.url)
    page.wait_for_selector("#render-button")
    return page


def field(page, name: str):
    return page.locator(f"#setting-{name} textarea, #setting-{name} input").first


def in_view(page, selector: str) -> bool:
    box = page.locator(selector).bounding_box()
    height = page.viewport_size["height"]
    return box is not None and box["y"] >= 0 and box["y"] + box["height"] <= height


def download(page, button: str, folder: Path) -> Path:
    """Click `button`, save the file the browser receives in `folder`, return its path."""
    with page.expect_download() as received:
        page.click(button)
    saved = folder / received.value.suggested_filename
    received.value.save_as(saved)
    return saved


def assert_output_rules(path, audio_s: float, size: tuple[int, int]) -> None:
    """The CLI end-to-end tests' container checks."""
    facts = video_facts(path)
    assert (facts.video_codec, facts.pixel_format, facts.fps) == ("h264", "yuv420p", 25.0)
    assert facts.audio_codec == "aac" and facts.faststart
    assert (facts.width, facts.height) == size
    assert abs(facts.video_s - audio_s) <= 1 / FPS and abs(facts.frames / FPS - audio_s) <= 1 / FPS
    assert abs(facts.audio_s - audio_s) <= 1 / FPS


def assert_page_words(page) -> None:
    """No traceback, no command-line flags, no internal IDs: the page speaks its own words."""
    text = page.locator("body").inner_text()
    assert "Traceback" not in text
    assert not CLI_WORDS.search(text), CLI_WORDS.search(text).group(0)


def assert_no_sideways_scroll(page) -> None:
    wide, shown = page.evaluate("[document.documentElement.scrollWidth, "
                                "document.documentElement.clientWidth]")
    assert wide <= shown, f"the page scrolls sideways: {wide} px in {shown} px"


@pytest.mark.parametrize("device", list(VIEWPORTS))
def test_a_first_visit_tries_the_sample_and_gets_a_video(browser, server, device, shots,
                                                         sample_speech_path, tmp_path):
    width, height = VIEWPORTS[device]
    context = loopback_context(browser, server, width, height)
    try:
        page = open_page(context, server)
        assert "Make a portrait talk" in page.locator("#intro-text").inner_text()
        assert page.locator("#render-button").is_disabled()
        assert "Try the sample" in page.locator("#render-hint").inner_text()
        page.screenshot(path=str(shots / f"{device}-first-visit.png"))

        page.click("#sample-button")
        page.wait_for_selector("#portrait-check .th-ok", timeout=CHECK_WAIT_MS)
        page.wait_for_selector("#audio-check .th-ok", timeout=CHECK_WAIT_MS)
        page.wait_for_selector("#face-preview img", timeout=UI_WAIT_MS)  # the face, boxed

        # Every collapsible panel opened: blank fields stay blank, Render stays usable.
        assert page.locator(".gr-accordion").count() == len(PANELS)
        for panel in PANELS:
            page.locator(f"{panel} > button.label-wrap").click()
        for shown in ("#transcript", "#setting-size", "#setting-seed", "#setting-timeout"):
            page.wait_for_selector(shown, state="visible", timeout=UI_WAIT_MS)
        assert page.locator("#transcript textarea").input_value().startswith("Hello!")
        assert (field(page, "seed").input_value(), field(page, "timeout").input_value()) == (
            "", "")
        page.wait_for_function("!document.querySelector('#render-button').disabled",
                               timeout=UI_WAIT_MS)

        # A bad value is named by its field and turns Render off, the reason in view.
        field(page, "timeout").fill("0")
        page.wait_for_selector("#setting-timeout-check .th-error", timeout=UI_WAIT_MS)
        assert "Timeout must be a positive number" in page.locator(
            "#setting-timeout-check").inner_text()
        page.wait_for_function("document.querySelector('#render-button').disabled",
                               timeout=UI_WAIT_MS)
        assert in_view(page, "#setting-timeout-check")
        assert in_view(page, "#render-button") and in_view(page, "#render-hint")
        assert "Timeout must be a positive number" in page.locator("#render-hint").inner_text()
        page.screenshot(path=str(shots / f"{device}-bad-value.png"))
        field(page, "timeout").fill("")
        page.wait_for_selector("#setting-timeout-check", state="hidden", timeout=UI_WAIT_MS)
        page.wait_for_function("!document.querySelector('#render-button').disabled",
                               timeout=UI_WAIT_MS)
        assert_page_words(page)

        preset = PRESET_FOR[device]
        if preset != "default":
            page.locator("#preset input").click()
            page.get_by_role("option", name=preset).click()
        page.click("#render-button")
        # The sample renders in about 2 s once its face is remembered, and the page asks for
        # progress once a second: the render may be over by the first look (then the bars are
        # full). test_long_render.py follows the progress of a long one throughout.
        page.wait_for_selector("#progress [data-state=running], #progress [data-state=done]",
                               timeout=CHECK_WAIT_MS)
        bars = page.locator("#progress").get_by_role("progressbar")
        assert bars.count() == 5  # inputs, face, speech, frames, join
        for i in range(bars.count()):
            bar = bars.nth(i)
            assert bar.is_visible() and 0 <= int(bar.get_attribute("aria-valuenow")) <= 100
            assert bar.bounding_box()["width"] > MIN_BAR_PX
        page.locator("#progress").scroll_into_view_if_needed()
        page.screenshot(path=str(shots / f"{device}-rendering.png"))

        page.wait_for_selector("#result video[src]", timeout=RENDER_WAIT_MS)
        assert page.locator("#progress [data-state=done]").count() == 1
        assert all(bars.nth(i).get_attribute("aria-valuenow") == "100"
                   for i in range(bars.count()))
        page.evaluate("() => { const v = document.querySelector('#result video'); "
                      "v.muted = true; return v.play(); }")
        page.wait_for_function("document.querySelector('#result video').currentTime > 0.3",
                               timeout=UI_WAIT_MS)
        saved = download(page, "#download-button", tmp_path)
        assert saved.name == "portrait-talking.mp4"
        assert_output_rules(saved, load_audio(sample_speech_path).duration_s, (256, 256))

        # Finished: the clocks stand still and the page stops asking the server. (The playing
        # video may still fetch ranges of its own file: that is the player, not the page.)
        asked = []
        page.on("request", lambda request: asked.append(request.url))
        shown = page.locator("#progress").inner_text()
        page.wait_for_timeout(IDLE_WATCH_MS)
        assert page.locator("#progress").inner_text() == shown
        video = page.evaluate("() => document.querySelector('#result video').currentSrc")
        assert [u for u in asked if "/gradio_api/" in u and unquote(u) != unquote(video)] == []
        assert_no_sideways_scroll(page)
        assert_page_words(page)
        page.screenshot(path=str(shots / f"{device}-done.png"), full_page=True)
    finally:
        context.close()
    assert context.outside == [], f"the page reached outside: {context.outside}"


def test_an_image_with_no_face_is_refused_inline(context, server, faceless_photo,
                                                sample_portrait_path):
    """The answer's cost is bounded in tests/face (the fallback detector's scan size), not
    timed here: tests assert no wall time."""
    page = open_page(context, server)
    page.locator("#portrait input[type=file]").set_input_files(str(faceless_photo))
    error = page.wait_for_selector("#portrait-check .th-error", timeout=CHECK_WAIT_MS)
    assert error.inner_text().startswith("no face found in the image: use a clear, "
                                         "front-facing portrait")
    assert "Add a portrait" in page.locator("#render-hint").inner_text()
    assert "Traceback" not in page.content()

    # A good portrait next: no message of the refused one is left standing.
    page.locator("#portrait button[aria-label='Clear']").click()
    page.locator("#portrait input[type=file]").set_input_files(str(sample_portrait_path))
    page.wait_for_selector("#portrait-check .th-ok", timeout=CHECK_WAIT_MS)
    assert page.locator("#portrait-check .th-error").count() == 0
    page.wait_for_function("document.querySelector('#render-hint').innerText.includes("
                           "'voice-over') && !document.querySelector('#render-hint')"
                           ".innerText.includes('portrait')", timeout=UI_WAIT_MS)


@pytest.mark.shared_data
def test_drop_render_close_reopen_play_and_download(context, server, shared_data, tmp_path):
    image = shared_data / "images" / "people_0.png"
    audio = shared_data / "audio" / "RD_Radio31_000.wav"
    page = open_page(context, server)
    page.locator("#portrait input[type=file]").set_input_files(str(image))
    page.wait_for_selector("#portrait-check .th-ok", timeout=CHECK_WAIT_MS)
    page.wait_for_selector("#face-preview img", timeout=UI_WAIT_MS)  # the face, boxed
    page.locator("#audio-file input[type=file]").set_input_files(str(audio))
    page.wait_for_selector("#audio-check .th-ok", timeout=CHECK_WAIT_MS)
    page.wait_for_function("!document.querySelector('#render-button').disabled",
                           timeout=UI_WAIT_MS)
    page.click("#render-button")
    page.wait_for_selector("#progress [data-state=running]", timeout=CHECK_WAIT_MS)
    page.close()  # the render goes on without the tab

    page = open_page(context, server)  # same browser profile: the page finds its render
    page.wait_for_selector("#result video[src]", timeout=RENDER_WAIT_MS)
    assert page.locator("#progress [data-state=done]").count() == 1
    saved = download(page, "#download-button", tmp_path)
    assert saved.name == "people_0-talking.mp4"
    assert_output_rules(saved, load_audio(audio).duration_s, (256, 256))

    # The jobs list: pick the job's row, download it again from there.
    job_id = page.locator("#progress [data-job]").get_attribute("data-job")
    page.locator(f"#jobs tr[data-job='{job_id}']").click(timeout=CHECK_WAIT_MS)
    assert page.locator("#job-id textarea, #job-id input").first.input_value() == job_id
    page.wait_for_selector("#job-download-button", state="visible", timeout=CHECK_WAIT_MS)
    again = download(page, "#job-download-button", tmp_path / "again")
    assert again.name == saved.name and again.read_bytes() == saved.read_bytes()
    assert_page_words(page)
