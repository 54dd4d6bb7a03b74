"""`talkinghead models download sadtalker` against a local HTTP server with stand-in files."""

from __future__ import annotations

import hashlib
import http.server
import threading
from dataclasses import replace
from functools import partial
from typing import ClassVar

import pytest

from talkinghead import models_command
from talkinghead.engines.sadtalker import checkpoints, download
from talkinghead.engines.sadtalker.checkpoints import CheckpointError


class RangeHandler(http.server.SimpleHTTPRequestHandler):
    """Serves files with `Range: bytes=N-` support, and can drop a connection part-way."""

    cut_after: ClassVar[dict[str, int]] = {}  # file name -> bytes before hanging up (once)
    ranges_seen: ClassVar[list[str]] = []

    def do_GET(self):
        path = self.translate_path(self.path)
        try:
            data = open(path, "rb").read()
        except OSError:
            self.send_error(404)
            return
        start = 0
        if (header := self.headers.get("Range")) is not None:
            self.ranges_seen.append(header)
            start = int(header.split("=")[1].rstrip("-"))
            self.send_response(206)
            self.send_header("Content-Range", f"bytes {start}-{len(data) - 1}/{len(data)}")
        else:
            self.send_response(200)
        body = data[start:]
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        name = self.path.rsplit("/", 1)[-1]
        if name in self.cut_after:
            body = body[:self.cut_after.pop(name)]
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.fixture
def server(tmp_path):
    root = tmp_path / "release"
    root.mkdir()
    for i, file in enumerate(download.sadtalker_files((256, 512), gfpgan=True)):
        (root / file.name).write_bytes(bytes([i]) * (300_000 + i))
    RangeHandler.cut_after, RangeHandler.ranges_seen = {}, []
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0),
                                            partial(RangeHandler, directory=str(root)))
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    yield root, f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()


def test_downloads_every_file_and_records_digests(server, tmp_path, monkeypatch):
    root, url = server
    target = tmp_path / "ckpt"
    code = models_command.main(["download", "sadtalker", "--checkpoints", str(target),
                                "--mirror", url, "--quiet"])
    assert code == 0
    for file in download.sadtalker_files((256, 512)):
        assert (target / file.name).read_bytes() == (root / file.name).read_bytes()
        digest = hashlib.sha256((root / file.name).read_bytes()).hexdigest()
        assert (target / f"{file.name}.sha256").read_text().split()[0] == digest
    assert not (target / checkpoints.GFPGAN.name).exists()  # optional: only when asked
    assert not list(target.glob("*.partial"))


def test_an_interrupted_download_resumes_where_it_stopped(server, tmp_path, monkeypatch):
    root, url = server
    monkeypatch.setattr(download, "RETRY_PAUSE_S", 0)
    name = checkpoints.MAPPING_CROP.name
    RangeHandler.cut_after[name] = 100_000
    result = download.fetch(checkpoints.MAPPING_CROP, tmp_path / "ckpt", f"{url}/{name}")
    assert result.path.read_bytes() == (root / name).read_bytes()
    assert RangeHandler.ranges_seen == ["bytes=100000-"]


def test_a_wrong_digest_deletes_the_download(server, tmp_path):
    _, url = server
    wrong = replace(checkpoints.MAPPING_FULL, sha256="0" * 64)
    with pytest.raises(CheckpointError, match=r"SHA-256 .* is not the published"):
        download.fetch(wrong, tmp_path / "ckpt", f"{url}/{wrong.name}")
    assert not list((tmp_path / "ckpt").iterdir())


def test_a_verified_file_is_not_fetched_again(server, tmp_path):
    root, url = server
    name = checkpoints.MAPPING_FULL.name
    digest = hashlib.sha256((root / name).read_bytes()).hexdigest()
    known = replace(checkpoints.MAPPING_FULL, sha256=digest)
    assert not download.fetch(known, tmp_path / "ckpt", f"{url}/{name}").reused
    (root / name).unlink()  # the server no longer has it: a second fetch must not ask
    assert download.fetch(known, tmp_path / "ckpt", f"{url}/{name}").reused


def test_a_damaged_file_is_replaced(server, tmp_path):
    root, url = server
    name = checkpoints.MAPPING_FULL.name
    download.fetch(checkpoints.MAPPING_FULL, tmp_path / "ckpt", f"{url}/{name}")
    (tmp_path / "ckpt" / name).write_bytes(b"damaged")
    result = download.fetch(checkpoints.MAPPING_FULL, tmp_path / "ckpt", f"{url}/{name}")
    assert not result.reused and result.path.read_bytes() == (root / name).read_bytes()


def test_an_unreachable_server_is_one_line(tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(download, "RETRY_PAUSE_S", 0)
    code = models_command.main(["download", "sadtalker", "--size", "256", "--checkpoints",
                                str(tmp_path), "--mirror", "http://127.0.0.1:9", "--quiet"])
    err = capsys.readouterr().err.strip()
    assert code == 2 and "run the command again to resume" in err and "\n" not in err
