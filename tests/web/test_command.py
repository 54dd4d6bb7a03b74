"""`talkinghead serve`: its options, its one-line errors, and the address it prints."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
import urllib.request

import pytest

from talkinghead.web.command import main

START_WAIT_S = 60.0
# `python -m talkinghead.web.command` as a terminal starts it: SIGINT delivered and handled,
# whatever earlier tests left in this process (a child inherits ignored and blocked signals).
AS_FROM_A_TERMINAL = (
    "import runpy, signal, sys; "
    "signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT}); "
    "signal.signal(signal.SIGINT, signal.default_int_handler); "
    "sys.argv[0] = 'talkinghead serve'; "
    "runpy.run_module('talkinghead.web.command', run_name='__main__')")


@pytest.mark.parametrize(("argv", "message"), [
    (["--port", "70000"], "--port must be from 0 to 65535"),
    (["--max-renders", "0"], "--max-renders must be at least 1"),
    (["--workers", "0"], "--workers must be at least 1"),
    (["--token", " "], "--token must not be empty"),
    (["--colour", "red"], "unrecognized arguments"),
])
def test_bad_options_are_one_line(argv, message, capsys):
    with pytest.raises(SystemExit) as exit_:
        main(argv)
    err = capsys.readouterr().err
    assert exit_.value.code == 2 and message in err and err.count("\n") == 1


def test_without_the_ui_extra_it_says_what_to_install(monkeypatch, capsys, home):
    monkeypatch.setitem(sys.modules, "gradio", None)  # import gradio now raises ImportError
    assert main(["--port", "0"]) == 2
    err = capsys.readouterr().err
    assert err == 'talkinghead serve: the web page needs the ui extra: pip install ' \
                  '"talkinghead[ui]"\n'


@pytest.mark.slow
def test_serve_prints_its_address_and_stops_on_ctrl_c(home):
    pytest.importorskip("gradio")
    server = subprocess.Popen([sys.executable, "-c", AS_FROM_A_TERMINAL, "--port", "0"],
                              stderr=subprocess.PIPE, text=True,
                              env={**os.environ, "TALKINGHEAD_HOME": str(home)})
    try:
        deadline = time.monotonic() + START_WAIT_S
        line = ""
        while "page at" not in line:
            assert time.monotonic() < deadline and server.poll() is None, line
            line = server.stderr.readline()
        url = re.search(r"http://127\.0\.0\.1:\d+/", line).group(0)
        with urllib.request.urlopen(url, timeout=10) as page:
            assert page.status == 200
        server.send_signal(signal.SIGINT)
        # communicate, not wait: a server blocked writing to a full stderr pipe never exits
        try:
            _, rest = server.communicate(timeout=60)
        except subprocess.TimeoutExpired:
            pytest.fail(f"no exit 60 s after Ctrl-C; {_signal_state(server.pid)}; this "
                        f"process: {_signal_state(os.getpid())}")
        assert server.returncode == 0, rest[-2000:]
        assert "Traceback" not in rest
    finally:
        if server.poll() is None:
            server.kill()


def _signal_state(pid: int) -> str:
    """The kernel's view of a process's signals (hex masks), for a failure message."""
    try:
        with open(f"/proc/{pid}/status") as status:
            lines = [line.strip() for line in status if line.startswith(("Sig", "Shd", "Threads"))]
    except OSError as e:
        return f"pid {pid}: {e}"
    return f"pid {pid}: " + ", ".join(lines)

