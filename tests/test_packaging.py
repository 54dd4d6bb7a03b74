"""What a user installs: the package and its samples, no measurement code; a light CLI."""

import subprocess
import sys
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_the_wheel_holds_the_package_and_no_measurement_code(tmp_path):
    subprocess.run([sys.executable, "-m", "pip", "wheel", str(ROOT), "--no-deps",
                    "--no-build-isolation", "--quiet", "--wheel-dir", str(tmp_path)], check=True)
    (wheel,) = tmp_path.glob("talkinghead-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    package = ROOT / "src" / "talkinghead"
    sources = {p.relative_to(package.parent).as_posix() for p in package.rglob("*")
               if p.is_file() and "__pycache__" not in p.parts}
    assert sources <= names
    top = {name.split("/")[0] for name in names}
    assert top == {"talkinghead", next(t for t in top if t.endswith(".dist-info"))}
    shipped = " ".join(sorted(names))
    for measurement in ("evaluation", "measure.py", "standin", "talkinghead_dev", "espeak"):
        assert measurement not in shipped


def test_the_cli_parses_before_importing_the_heavy_libraries():
    heavy = ("scipy", "cv2", "av", "torch", "dlib", "pocketsphinx")
    probe = f"import sys, talkinghead.cli; print(' '.join(m for m in {heavy} if m in sys.modules))"
    loaded = subprocess.run([sys.executable, "-c", probe], check=True, capture_output=True,
                            text=True).stdout
    assert loaded.strip() == ""
