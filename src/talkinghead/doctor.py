"""`--setup`: check that everything the local engine needs is installed and loads.

The original tool's `--setup` created a RunPod endpoint; the local engine has
nothing to create, so setup verifies the pieces instead and says what is missing.
"""

from __future__ import annotations

from .errors import TalkingHeadError


def check_local_engine() -> str:
    """One line per component; raises `TalkingHeadError` naming the first broken one."""
    lines = []
    try:
        from .face.landmarks import face_detector, landmark_predictor

        face_detector()
        landmark_predictor()
        lines.append("face landmarks: dlib 68-point predictor loaded")
        import pocketsphinx

        pocketsphinx.Decoder(hmm=pocketsphinx.get_model_path("en-us/en-us"),
                             allphone=pocketsphinx.get_model_path("en-us/en-us-phone.lm.bin"),
                             loglevel="FATAL")
        lines.append("speech: pocketsphinx en-us phone model loaded")
        import av

        av.codec.Codec("libx264", "w")
        av.codec.Codec("aac", "w")
        lines.append(f"video: PyAV {av.__version__} with libx264 and AAC encoders")
    except Exception as error:  # any failure here is an installation problem
        raise TalkingHeadError(f"local engine not ready: {error}; reinstall with "
                               "'pip install talkinghead'") from error
    lines.append("ready: the local engine needs no account, GPU or download")
    return "\n".join(lines)
