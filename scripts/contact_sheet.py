"""Write a contact sheet (one frame every STEP seconds) of a rendered video, to look at.

    python scripts/contact_sheet.py talking.mp4 sheet.png [--step 0.2] [--columns 10] [--width 160]
        [--crop X0,Y0,X1,Y1]   (a region of each frame, e.g. the face in a full-mode video)
"""

import argparse

import av
import numpy as np
from PIL import Image


def contact_sheet(video: str, out: str, step: float, columns: int, width: int,
                  crop: tuple[int, int, int, int] | None = None) -> None:
    tiles = []
    with av.open(video) as container:
        stream = container.streams.video[0]
        next_time = 0.0
        for frame in container.decode(stream):
            if frame.time + 1e-6 >= next_time:
                image = frame.to_image()
                if crop:
                    image = image.crop(crop)
                height = round(image.height * width / image.width)
                tiles.append(np.asarray(image.resize((width, height), Image.LANCZOS)))
                next_time += step
    rows = [tiles[i:i + columns] for i in range(0, len(tiles), columns)]
    blank = np.zeros_like(tiles[0])
    grid = [np.hstack(row + [blank] * (columns - len(row))) for row in rows]
    Image.fromarray(np.vstack(grid)).save(out)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("video")
    parser.add_argument("out")
    parser.add_argument("--step", type=float, default=0.2)
    parser.add_argument("--columns", type=int, default=10)
    parser.add_argument("--width", type=int, default=160)
    parser.add_argument("--crop", type=lambda s: tuple(int(v) for v in s.split(",")))
    args = parser.parse_args()
    contact_sheet(args.video, args.out, args.step, args.columns, args.width, args.crop)
