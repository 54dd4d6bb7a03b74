"""Make the sadtalker engine's parity goldens by running the ORIGINAL SadTalker code.

    python scripts/make_sadtalker_goldens.py --original /path/to/SadTalker [--out DIR]

`--original` is a checkout of github.com/OpenTalker/SadTalker (it is imported from
there, never copied here; it needs torch, numpy, scipy, pyyaml and tqdm, and librosa
for the mel-spectrogram golden, which is skipped without it). Each
network of the original is filled with our deterministic stand-in weights
(`dev/talkinghead_dev/standin.py`, same seed and names as the tests use), run on
small fixed inputs, and its inputs and outputs are saved as one .npz per network
under tests/engines/sadtalker/golden/. The tests regenerate the weights from the
seed, run our implementation and compare. Our own outputs are also computed here
to print (and save in golden/differences.json) the measured max abs differences.
"""

from __future__ import annotations

import argparse
import json
import sys
import types
from pathlib import Path

import numpy as np
import torch
import yaml

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "dev"))  # talkinghead_dev

from talkinghead.engines.sadtalker.networks.motion import drive_keypoints
from talkinghead.engines.sadtalker.weights import BUNDLE_NETWORKS, layout
from talkinghead_dev import standin

INPUT_SEED = 2024
GOLDEN = Path(__file__).resolve().parents[1] / "tests" / "engines" / "sadtalker" / "golden"
IMAGE_SIDE = 128  # the renderer's smallest valid input: keeps goldens and tests small


def namespace(tree):
    """A YAML mapping as nested attribute access (what the original's cfg objects offer)."""
    if isinstance(tree, dict):
        return types.SimpleNamespace(**{k: namespace(v) for k, v in tree.items()})
    return tree


def import_original(root: Path):
    """Import the original modules we compare against, stubbing what inference never uses."""
    sys.path.insert(0, str(root))
    kornia, geometry = types.ModuleType("kornia"), types.ModuleType("kornia.geometry")
    geometry.warp_affine = None  # only its recognition loss uses it
    kornia.geometry = geometry
    sys.modules.setdefault("kornia", kornia)
    sys.modules.setdefault("kornia.geometry", geometry)
    from src.audio2exp_models.networks import SimpleWrapperV2
    from src.audio2pose_models.audio2pose import Audio2Pose
    from src.face3d.models import networks as face3d
    from src.facerender.modules import make_animation
    from src.facerender.modules.generator import OcclusionAwareSPADEGenerator
    from src.facerender.modules.keypoint_detector import KPDetector
    from src.facerender.modules.mapping import MappingNet

    config = root / "src" / "config"
    render = yaml.safe_load((config / "facerender.yaml").read_text())["model_params"]
    still = yaml.safe_load((config / "facerender_still.yaml").read_text())["model_params"]
    pose_cfg = namespace(yaml.safe_load((config / "auido2pose.yaml").read_text()))
    common = render["common_params"]
    return types.SimpleNamespace(
        audio2exp=SimpleWrapperV2(),
        audio2pose=Audio2Pose(pose_cfg, None, device="cpu"),
        face_3drecon=face3d.define_net_recon("resnet50", use_last_fc=False, init_path=""),
        kp_extractor=KPDetector(**render["kp_detector_params"], **common),
        generator=OcclusionAwareSPADEGenerator(**render["generator_params"], **common),
        mapping70=MappingNet(**render["mapping_params"]),
        mapping73=MappingNet(**still["mapping_params"]),
        keypoint_transformation=make_animation.keypoint_transformation,
    )


# The original's tensors that inference never reads (the pose CVAE's encoder, its
# discriminator): left at their random initialisation.
UNUSED_PREFIXES = ("netG.encoder.", "netD_motion.")


def fill_original(module: torch.nn.Module, prefix: str, ours: torch.nn.Module) -> None:
    state = standin.standin_state(prefix, layout(ours))
    state = {k[len(prefix) + 1:]: torch.from_numpy(v) for k, v in state.items()}
    result = module.load_state_dict(state, strict=False)
    missing = [k for k in result.missing_keys if not k.startswith(UNUSED_PREFIXES)]
    if missing or result.unexpected_keys:
        raise SystemExit(f"{prefix}: layouts differ: missing {missing[:3]}, "
                         f"unexpected {result.unexpected_keys[:3]}")
    module.eval()


def fill_ours(module: torch.nn.Module, prefix: str) -> torch.nn.Module:
    state = standin.standin_state(prefix, layout(module))
    module.load_state_dict({k[len(prefix) + 1:]: torch.from_numpy(v) for k, v in state.items()})
    return module.eval()


def inputs(rng: np.random.Generator) -> dict[str, np.ndarray]:
    def normal(*shape, scale=1.0):
        return (scale * rng.standard_normal(shape)).astype(np.float32)

    return {
        "mel_wav": (0.3 * rng.standard_normal(8000)).astype(np.float32),
        "exp_mels": rng.uniform(-4, 4, (1, 10, 80, 16)).astype(np.float32),
        "exp_ref": normal(1, 10, 64, scale=0.5),
        "exp_blink": rng.uniform(0, 1, (1, 10)).astype(np.float32),
        "pose_mels": rng.uniform(-4, 4, (1, 32, 80, 16)).astype(np.float32),
        "pose_ref": normal(1, 6, scale=0.3),
        "pose_style": np.array([17]),
        "pose_latent": normal(1, 64),
        "recon_face": rng.integers(0, 256, (1, 3, 224, 224), dtype=np.uint8),
        "map70_window": normal(1, 70, 27, scale=0.5),
        "map73_window": normal(1, 73, 27, scale=0.5),
        "render_source": rng.integers(0, 256, (1, 3, IMAGE_SIDE, IMAGE_SIDE), dtype=np.uint8),
        "render_kp_source": rng.uniform(-0.8, 0.8, (1, 15, 3)).astype(np.float32),
        "render_kp_driving": rng.uniform(-0.8, 0.8, (1, 15, 3)).astype(np.float32),
        # large enough for head turns of tens of degrees: small angles would hide errors in
        # the degree conversion (the networks were trained with pi taken as 3.14)
        "anim_source_window": normal(1, 70, 27, scale=3.0),
        "anim_target_window": normal(1, 70, 27, scale=3.0),
        "drive_canonical": rng.uniform(-0.8, 0.8, (1, 15, 3)).astype(np.float32),
    }


def image(array: np.ndarray) -> torch.Tensor:
    return torch.from_numpy(array.astype(np.float32) / 255.0)


def original_mel(wav: np.ndarray) -> np.ndarray | None:
    """The original's mel spectrogram (spectra, 80), with librosa's STFT padding set to
    'reflect': the default of librosa 0.9.2, the version SadTalker pins."""
    try:
        import librosa
    except ImportError:
        return None
    from src.utils import audio

    stft = librosa.stft
    librosa.stft = lambda **kw: stft(**kw, pad_mode="reflect")
    try:
        return audio.melspectrogram(wav.astype(np.float64)).T.astype(np.float32)
    finally:
        librosa.stft = stft


def run_original(o, x: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    t = {k: torch.from_numpy(v) for k, v in x.items()}
    out = {}
    mel = original_mel(x["mel_wav"])
    if mel is not None:
        out["mel"] = torch.from_numpy(mel)
    out["exp"] = o.audio2exp(t["exp_mels"].reshape(-1, 1, 80, 16), t["exp_ref"],
                             t["exp_blink"].unsqueeze(-1))
    emb = o.audio2pose.audio_encoder(t["pose_mels"].unsqueeze(2))
    batch = {"z": t["pose_latent"], "class": t["pose_style"], "ref": t["pose_ref"],
             "audio_emb": emb}
    out["pose"] = o.audio2pose.netG.test(batch)["pose_motion_pred"]
    out["recon"] = o.face_3drecon(image(x["recon_face"]))
    for channels in (70, 73):
        motion = getattr(o, f"mapping{channels}")(t[f"map{channels}_window"])
        for key in ("yaw", "pitch", "roll", "t", "exp"):
            out[f"map{channels}_{key}"] = motion[key]
    source = image(x["render_source"])
    out["kp"] = o.kp_extractor(source)["value"]
    out["render"] = o.generator(source, kp_source={"value": t["render_kp_source"]},
                                kp_driving={"value": t["render_kp_driving"]})["prediction"]
    canonical = {"value": out["kp"]}
    kp_source = o.keypoint_transformation(canonical, o.mapping70(t["anim_source_window"]))
    kp_driving = o.keypoint_transformation(canonical, o.mapping70(t["anim_target_window"]))
    out["anim_kp_source"], out["anim_kp_driving"] = kp_source["value"], kp_driving["value"]
    out["anim"] = o.generator(source, kp_source=kp_source, kp_driving=kp_driving)["prediction"]
    out["drive_kp"] = o.keypoint_transformation({"value": t["drive_canonical"]},
                                                o.mapping70(t["anim_target_window"]))["value"]
    return {k: v.detach().numpy() for k, v in out.items()}


def run_ours(x: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    from talkinghead.engines.sadtalker.networks.mapping import MappingNet

    nets = {name: fill_ours(build(), name) for name, build in BUNDLE_NETWORKS.items()}
    mapping = {c: fill_ours(MappingNet(c), "mapping") for c in (70, 73)}
    from talkinghead.engines.sadtalker.audio_features import mel_spectrogram

    t = {k: torch.from_numpy(v) for k, v in x.items()}
    out = {"mel": torch.from_numpy(mel_spectrogram(x["mel_wav"])),
           "exp": nets["audio2exp"](t["exp_mels"], t["exp_ref"], t["exp_blink"]),
           "pose": nets["audio2pose"](t["pose_mels"], t["pose_ref"], t["pose_style"],
                                      t["pose_latent"]),
           "recon": nets["face_3drecon"](image(x["recon_face"]))}
    for channels in (70, 73):
        motion = mapping[channels](t[f"map{channels}_window"])
        for key in ("yaw", "pitch", "roll", "t", "exp"):
            out[f"map{channels}_{key}"] = getattr(motion, key)
    source = image(x["render_source"])
    out["kp"] = nets["kp_extractor"](source)
    out["render"] = nets["generator"](source, t["render_kp_source"], t["render_kp_driving"])
    out["anim_kp_source"] = drive_keypoints(out["kp"], mapping[70](t["anim_source_window"]))
    out["anim_kp_driving"] = drive_keypoints(out["kp"], mapping[70](t["anim_target_window"]))
    out["anim"] = nets["generator"](source, out["anim_kp_source"], out["anim_kp_driving"])
    out["drive_kp"] = drive_keypoints(t["drive_canonical"], mapping[70](t["anim_target_window"]))
    return {k: v.detach().numpy() for k, v in out.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--original", required=True, type=Path,
                        help="a checkout of OpenTalker/SadTalker")
    parser.add_argument("--out", type=Path, default=GOLDEN)
    args = parser.parse_args()
    torch.manual_seed(0)
    original = import_original(args.original.resolve())
    for prefix in BUNDLE_NETWORKS:
        fill_original(getattr(original, prefix), prefix, BUNDLE_NETWORKS[prefix]())
    from talkinghead.engines.sadtalker.networks.mapping import MappingNet

    for channels in (70, 73):
        fill_original(getattr(original, f"mapping{channels}"), "mapping", MappingNet(channels))
    x = inputs(np.random.default_rng(INPUT_SEED))
    with torch.no_grad():
        expected = run_original(original, x)
        ours = run_ours(x)
    args.out.mkdir(parents=True, exist_ok=True)
    np.savez_compressed(args.out / "inputs.npz", **x)
    np.savez_compressed(args.out / "outputs.npz", **expected)
    differences = {k: float(np.abs(ours[k] - expected[k]).max()) for k in expected}
    if "mel" not in expected:
        print("librosa is not installed: no mel-spectrogram golden")
    meta = {"weights_seed": standin.DEFAULT_SEED, "input_seed": INPUT_SEED,
            "torch": torch.__version__, "max_abs_difference": differences}
    (args.out / "differences.json").write_text(json.dumps(meta, indent=1) + "\n")
    for key, value in differences.items():
        print(f"{key:22s} {value:.3g}")


if __name__ == "__main__":
    main()
