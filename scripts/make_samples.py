"""Rebuild the demo inputs shipped in src/talkinghead/samples/ (run by hand, not at install).

- portrait.jpg: NASA's public-domain portrait of astronaut Eileen Collins, as shipped
  by scikit-image (`skimage/data/astronaut.png`), cropped to head and shoulders.
- speech.ogg: a sentence spoken by Debian's espeak-ng, encoded as Opus with PyAV;
  speech.txt: that sentence, the transcript `--demo` aligns.

Needs: pip install scikit-image; apt-get install espeak-ng.
"""

import subprocess
import tempfile
from pathlib import Path

import av
from PIL import Image

SAMPLES = Path(__file__).resolve().parent.parent / "src" / "talkinghead" / "samples"
SENTENCE = ("Hello! I am a talking head, made from one photo and this recording. "
            "Maybe you will remember me.")
CROP = (90, 0, 390, 300)  # left, top, right, bottom in the 512 x 512 original


def make_portrait() -> None:
    import skimage.data

    image = Image.fromarray(skimage.data.astronaut()).crop(CROP)
    image.save(SAMPLES / "portrait.jpg", quality=92)


def make_speech() -> None:
    (SAMPLES / "speech.txt").write_text(SENTENCE + "\n", encoding="utf-8")
    with tempfile.TemporaryDirectory() as work:
        wav = Path(work) / "speech.wav"
        subprocess.run(["espeak-ng", "-v", "en-us", "-s", "150", "-w", str(wav), SENTENCE],
                       check=True)
        with av.open(str(wav)) as source, av.open(str(SAMPLES / "speech.ogg"), "w") as out:
            stream = out.add_stream("libopus", rate=48000, layout="mono")
            stream.bit_rate = 32000
            resampler = av.AudioResampler(format="s16", layout="mono", rate=48000)
            for frame in source.decode(audio=0):
                for converted in resampler.resample(frame):
                    out.mux(stream.encode(converted))
            for converted in resampler.resample(None):
                out.mux(stream.encode(converted))
            out.mux(stream.encode(None))


if __name__ == "__main__":
    make_portrait()
    make_speech()
