"""The job fingerprint: it changes with the code that draws a frame, and only with that."""

import shutil
from pathlib import Path

import talkinghead
from talkinghead import version


def _package_copy(tmp_path: Path) -> Path:
    root = tmp_path / "talkinghead"
    shutil.copytree(Path(talkinghead.__file__).parent, root,
                    ignore=shutil.ignore_patterns("__pycache__", "samples"))
    return root


def _append(path: Path, text: str) -> None:
    path.write_text(path.read_text() + text)


def test_editing_the_drawing_code_changes_the_fingerprint(tmp_path):
    root = _package_copy(tmp_path)
    before = version.fingerprint(root)
    for edited in ("motion/plan.py", "engines/warp/engine.py", "settings.py",
                   "jobs/chunk_render.py"):
        _append(root / edited, "\n# edited\n")
        after = version.fingerprint(root)
        assert after != before, edited
        before = after


def test_editing_the_applications_and_the_store_keeps_the_fingerprint(tmp_path):
    root = _package_copy(tmp_path)
    before = version.fingerprint(root)
    for edited in ("cli.py", "doctor.py", "web/views.py", "jobs/store.py",
                   "jobs/runpod/executor.py", "runpod_worker/handler.py", "errors.py"):
        _append(root / edited, "\n# edited\n")
    assert version.fingerprint(root) == before


def test_every_rendering_path_exists():
    root = Path(talkinghead.__file__).parent
    assert all((root / name).exists() for name in version.RENDERING_CODE)
    assert version.code_fingerprint() == version.fingerprint(root)
