"""Person mattes (talkinghead.face.matte) on the shared portraits: seconds and contact sheets.

    python benchmarks/mattes.py OUT_DIR [--data ../shared/data] [--pymatting]

Per portrait, a contact sheet OUT_DIR/<name>.png: the portrait with GrabCut's seeds over it
(green sure person, yellow probable person, red sure background), the alpha, the cut-out over
a checkerboard and over a solid colour, and a close-up of the top of the head over the solid
colour (hair edges). With --pymatting, a second row shows the same hard cut refined by
pymatting's closed-form matting instead of the guided filter (needs `pip install pymatting`),
for comparison. The table gives the face detection's and the matte's seconds (the matte's
from a second call, so first-call costs such as pymatting's JIT are reported apart).
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import cv2
import numpy as np
from PIL import Image

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "dev"))  # talkinghead_dev, for symmetry with the other benchmarks

from talkinghead.face import matte
from talkinghead.face.landmarks import FaceGeometry, detect_face
from talkinghead.media.image import load_portrait

PANEL_PX = 360  # each panel's height on the sheet
SOLID_RGB = (40, 170, 90)  # a green no portrait here wears
CHECKER_PX = 16
SEED_COLOURS = {0: (230, 40, 40), 1: (40, 220, 40), 3: (240, 220, 40)}  # GrabCut label -> RGB
SEED_OPACITY = 0.35
TRIMAP_BAND_IOD = 0.15  # --pymatting: the unknown band around the hard cut, each side


def composite(image: np.ndarray, alpha: np.ndarray, backdrop: np.ndarray) -> np.ndarray:
    a = alpha[:, :, None]
    return np.round(image * a + backdrop * (1 - a)).astype(np.uint8)


def checkerboard(height: int, width: int) -> np.ndarray:
    ys, xs = np.indices((height, width)) // CHECKER_PX
    light = ((ys + xs) % 2).astype(bool)
    board = np.where(light[:, :, None], 205, 150)
    return np.broadcast_to(board, (height, width, 3)).astype(np.uint8)


def seeds_overlay(image: np.ndarray, face: FaceGeometry) -> np.ndarray:
    labels = matte.grabcut_seeds(image.shape, face)
    shown = image.astype(np.float32)
    for label, rgb in SEED_COLOURS.items():
        where = labels == label
        shown[where] = (1 - SEED_OPACITY) * shown[where] + SEED_OPACITY * np.array(rgb)
    return shown.astype(np.uint8)


def hair_close_up(cut: np.ndarray, face: FaceGeometry) -> np.ndarray:
    """The top of the head: a square 3.4 IOD wide above the eyes."""
    height, width = cut.shape[:2]
    centre = np.mean(face.eye_centers, axis=0)
    side = 3.4 * face.interocular
    x0 = int(np.clip(centre[0] - side / 2, 0, max(0, width - side)))
    y0 = int(np.clip(centre[1] - 0.9 * side, 0, max(0, height - side)))
    return cut[y0 : y0 + int(side), x0 : x0 + int(side)]


def panel(pixels: np.ndarray) -> np.ndarray:
    if pixels.ndim == 2:
        pixels = np.repeat(np.round(pixels * 255).astype(np.uint8)[:, :, None], 3, axis=2)
    height, width = pixels.shape[:2]
    size = (max(1, round(width * PANEL_PX / height)), PANEL_PX)
    return cv2.resize(pixels, size, interpolation=cv2.INTER_AREA if height > PANEL_PX
                      else cv2.INTER_LINEAR)


def sheet_row(image: np.ndarray, face: FaceGeometry, alpha: np.ndarray,
              first: np.ndarray) -> np.ndarray:
    height, width = image.shape[:2]
    solid = composite(image, alpha, np.broadcast_to(np.array(SOLID_RGB, np.uint8), image.shape))
    parts = [first, alpha, composite(image, alpha, checkerboard(height, width)), solid,
             hair_close_up(solid, face)]
    gap = np.full((PANEL_PX, 6, 3), 255, np.uint8)
    row: list[np.ndarray] = []
    for part in parts:
        row += [panel(part), gap]
    return np.hstack(row[:-1])


def closed_form_alpha(image: np.ndarray, face: FaceGeometry) -> np.ndarray:
    """The guided filter's hard cut, refined by pymatting's closed-form matting instead."""
    from pymatting import estimate_alpha_cf

    hard = matte.person_matte(image, face) >= 0.5
    band = max(1, round(TRIMAP_BAND_IOD * face.interocular))
    kernel = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * band + 1, 2 * band + 1))
    hard8 = hard.astype(np.uint8)
    trimap = np.full(hard.shape, 0.5)
    trimap[cv2.erode(hard8, kernel).astype(bool)] = 1.0
    trimap[~cv2.dilate(hard8, kernel).astype(bool)] = 0.0
    scale = min(1.0, matte.WORK_MAX_SIDE_PX / max(hard.shape))
    size = (round(hard.shape[1] * scale), round(hard.shape[0] * scale))
    small = cv2.resize(image, size, interpolation=cv2.INTER_AREA).astype(np.float64) / 255
    small_trimap = cv2.resize(trimap, size, interpolation=cv2.INTER_NEAREST)
    alpha = estimate_alpha_cf(small, small_trimap)
    return np.clip(cv2.resize(alpha, hard.shape[::-1], interpolation=cv2.INTER_LINEAR), 0, 1)


def timed(call, *args):  # type: ignore[no-untyped-def]
    start = time.monotonic()
    result = call(*args)
    return result, time.monotonic() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path, help="folder for the contact sheets")
    parser.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "data")
    parser.add_argument("--pymatting", action="store_true",
                        help="add a row refined by pymatting's closed-form matting")
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    images = sorted(p for p in (args.data / "images").iterdir()
                    if p.suffix.lower() in {".png", ".jpg", ".jpeg"})
    header = f"{'portrait':<18}{'size':>11}{'face s':>8}{'matte s':>9}{'1st call s':>11}"
    if args.pymatting:
        header += f"{'cf s':>7}{'cf 1st s':>9}"
    print(header)
    for path in images:
        image = load_portrait(path).pixels
        face, face_s = timed(detect_face, image)
        _, first_s = timed(matte.person_matte, image, face)
        alpha, matte_s = timed(matte.person_matte, image, face)
        rows = [sheet_row(image, face, alpha, seeds_overlay(image, face))]
        line = (f"{path.name:<18}{image.shape[1]:>5}x{image.shape[0]:<5}{face_s:>8.2f}"
                f"{matte_s:>9.2f}{first_s:>11.2f}")
        if args.pymatting:
            _, cf_first_s = timed(closed_form_alpha, image, face)
            cf_alpha, cf_s = timed(closed_form_alpha, image, face)
            rows.append(sheet_row(image, face, cf_alpha, image))
            line += f"{cf_s:>7.2f}{cf_first_s:>9.2f}"
        print(line, flush=True)
        width = max(r.shape[1] for r in rows)
        rows = [np.pad(r, ((0, 6), (0, width - r.shape[1]), (0, 0)), constant_values=255)
                for r in rows]
        Image.fromarray(np.vstack(rows)).save(args.out / f"{path.stem}.png")


if __name__ == "__main__":
    main()
