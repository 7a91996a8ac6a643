"""Image embedder of the visual recommender: VGG16 (ImageNet) conv base -> 512-d vector.

Used by the Celery workers (catalogue indexing) and by the web process (query
images). The model is built lazily, once per process (``functools.cache``);
TensorFlow/Keras are only imported inside functions, never at import time.

Recipe (see ``benchmarks/embedding_recipe.py`` for the figures)
----------------------------------------------------------------
1. ``preprocess``: RGB; letterbox onto a white square canvas of
   ``EMBEDDING_INPUT_SIZE`` pixels (longest side scaled to
   ``size * (1 - 2 * EMBEDDING_PAD)``, bicubic); ``keras.applications.vgg16.preprocess_input``
   (RGB->BGR, ImageNet mean subtraction, no scaling).
2. VGG16 conv base up to ``EMBEDDING_LAYER`` then global pooling
   (``EMBEDDING_POOLING``), 512 channels.
3. L2 normalisation. Optionally (``EMBEDDING_PROJECTION``) a 512x512 linear
   projection learned on the labelled catalogue, then L2 normalisation again.

Settings (declared, with their defaults, in ``config/settings/base.py``)
----------------------------------------------------------------------
``VGG16_WEIGHTS``
    Path of the ``*.weights.h5`` file built by ``manage.py vgg16_weights``, or
    ``"imagenet"`` for Keras' own download (needs internet). Default:
    ``<BASE_DIR>/var/models/vgg16_imagenet_notop.weights.h5``.
``EMBEDDING_INPUT_SIZE`` (int, default 64)
    Side of the square network input in pixels (>= 32).
``EMBEDDING_LAYER`` (default ``"block4_conv3"``)
    ``"block5_pool"``, ``"block5_conv3"`` or ``"block4_conv3"`` (all 512 channels).
``EMBEDDING_POOLING`` (default ``"max"``)
    ``"avg"`` (GAP), ``"max"`` (GMP) or ``"gem"`` (generalised mean, p=3).
``EMBEDDING_PAD`` (float, default 0.1)
    White margin on each side, as a fraction of the input size.
``EMBEDDING_BACKEND`` (default ``"tflite"``)
    ``"keras"`` (float32 TF graph) or ``"tflite"`` (TFLite, int8 dynamic-range
    weights, XNNPACK; built from the Keras model on first use and cached).
``EMBEDDING_THREADS`` (int, default 0 = ``os.cpu_count()``)
    Threads for the TFLite interpreter / TF intra-op pool.
``EMBEDDING_CACHE_DIR`` (default ``None``: directory of the weights file, or
    ``~/.keras/models`` for ``"imagenet"``)
    Where the ``.tflite`` files are cached, keyed by weights sha256 + recipe.
``EMBEDDING_PROJECTION`` (default ``None``)
    Optional ``.npz`` with ``mean`` float32 (512,) and ``matrix`` float32
    (512, 512), see :func:`fit_projection`. Applied as
    ``l2((l2(x) - mean) @ matrix)``. Its sha256 goes into :func:`model_version`.

Errors: :class:`EmbedderError` (bad settings, missing weights file).

Celery: the model lives per process. With the prefork pool, do not embed in
the parent before forking (TF does not survive fork); call :func:`warm_up`
from a ``worker_process_init`` handler if the first-task latency matters
(first call: ~3 s keras, ~10 s tflite when the .tflite must be built, ~1 s
when cached).
"""

from __future__ import annotations

import contextlib
import dataclasses
import functools
import hashlib
import io
import os
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
from PIL import Image

if TYPE_CHECKING:
    from .colour import ColourShare

__all__ = [
    "EMBEDDING_DIM",
    "RECIPE_VERSION",
    "EmbedderError",
    "EmbedderConfig",
    "get_config",
    "preprocess",
    "embed_images",
    "embed_arrays",
    "model_version",
    "embed_photos",
    "embed_catalog_photos",
    "backbone_config",
    "project",
    "fit_projection",
    "save_projection",
    "warm_up",
]

EMBEDDING_DIM = 512
#: Bump when preprocessing/pooling code changes in a way that changes vectors.
RECIPE_VERSION = 1
#: Bump when ``recommender.isolation`` changes in a way that changes vectors.
ISOLATION_VERSION = 4

_LAYERS = ("block5_pool", "block5_conv3", "block4_conv3")
_LAYER_TAGS = {"block5_pool": "b5", "block5_conv3": "b5c3", "block4_conv3": "b4c3"}
_POOLINGS = ("avg", "max", "gem")
#: exponent of generalised-mean pooling ("gem")
GEM_P = 3.0
_BACKENDS = ("keras", "tflite")


class EmbedderError(RuntimeError):
    """Misconfiguration or missing model files."""


@dataclass(frozen=True)
class EmbedderConfig:
    weights: str  #: "imagenet" or an absolute path
    input_size: int
    layer: str
    pooling: str
    pad: float
    backend: str
    threads: int
    cache_dir: Path
    projection: str | None
    isolate: bool = True

    @property
    def weights_tag(self) -> str:
        return "imagenet" if self.weights == "imagenet" else "tumorwheel"


def get_config() -> EmbedderConfig:
    """Read and validate the embedder settings (see module docstring)."""
    from django.conf import settings

    weights = str(settings.VGG16_WEIGHTS)
    weights = "imagenet" if weights == "imagenet" else str(Path(weights).resolve())
    size = int(settings.EMBEDDING_INPUT_SIZE)
    layer = settings.EMBEDDING_LAYER
    pooling = settings.EMBEDDING_POOLING
    pad = float(settings.EMBEDDING_PAD)
    backend = settings.EMBEDDING_BACKEND
    threads = int(settings.EMBEDDING_THREADS or os.cpu_count() or 1)
    cache_dir = settings.EMBEDDING_CACHE_DIR
    if not cache_dir:
        cache_dir = Path.home() / ".keras" / "models" if weights == "imagenet" else Path(weights).parent
    projection = settings.EMBEDDING_PROJECTION
    if projection and not Path(projection).is_file():
        projection = None  # not trained yet (``manage.py train_recommender`` writes it)
    if size < 32:
        raise EmbedderError(f"EMBEDDING_INPUT_SIZE must be >= 32, got {size}")
    if layer not in _LAYERS:
        raise EmbedderError(f"EMBEDDING_LAYER must be one of {_LAYERS}, got {layer!r}")
    if pooling not in _POOLINGS:
        raise EmbedderError(f"EMBEDDING_POOLING must be one of {_POOLINGS}, got {pooling!r}")
    if not 0.0 <= pad < 0.5:
        raise EmbedderError(f"EMBEDDING_PAD must be in [0, 0.5), got {pad}")
    if backend not in _BACKENDS:
        raise EmbedderError(f"EMBEDDING_BACKEND must be one of {_BACKENDS}, got {backend!r}")
    return EmbedderConfig(
        weights=weights,
        input_size=size,
        layer=layer,
        pooling=pooling,
        pad=pad,
        backend=backend,
        threads=threads,
        cache_dir=Path(cache_dir),
        projection=str(projection) if projection else None,
        isolate=bool(settings.EMBEDDING_ISOLATE),
    )


# ---- preprocessing -------------------------------------------------------------


def letterbox(image: Image.Image, size: int, pad: float = 0.0) -> Image.Image:
    """RGB copy of ``image`` scaled (aspect kept, bicubic) and centred on a white square."""
    img = image.convert("RGB")
    inner = max(1, round(size * (1.0 - 2.0 * pad)))
    w, h = img.size
    scale = inner / max(w, h)
    nw, nh = max(1, round(w * scale)), max(1, round(h * scale))
    if (nw, nh) != (w, h):
        img = img.resize((nw, nh), Image.Resampling.BICUBIC)
    if (nw, nh) == (size, size):
        return img
    canvas = Image.new("RGB", (size, size), (255, 255, 255))
    canvas.paste(img, ((size - nw) // 2, (size - nh) // 2))
    return canvas


def preprocess(image: Image.Image, *, size: int | None = None, pad: float | None = None) -> np.ndarray:
    """Image -> network input, float32 ``(size, size, 3)``, BGR mean-subtracted.

    ``size``/``pad`` default to ``EMBEDDING_INPUT_SIZE``/``EMBEDDING_PAD``.
    """
    from keras.applications.vgg16 import preprocess_input

    if size is None or pad is None:
        cfg = get_config()
        size = cfg.input_size if size is None else size
        pad = cfg.pad if pad is None else pad
    arr = np.asarray(letterbox(image, size, pad), dtype=np.float32)
    return preprocess_input(arr)


# ---- model ---------------------------------------------------------------------


def _file_sha256(path: str | Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


@functools.cache
def _weights_digest(weights: str) -> str:
    if weights == "imagenet":
        return "imagenet"
    if not Path(weights).is_file():
        raise EmbedderError(f"VGG16 weights file not found: {weights} (run `python manage.py vgg16_weights`)")
    return _file_sha256(weights)


def _file_key(path: str) -> tuple[str, int, int]:
    """(path, mtime ns, size): a retrained projection file is read again, not served from cache."""
    try:
        stat = os.stat(path)
    except OSError as exc:
        raise EmbedderError(f"EMBEDDING_PROJECTION file not found: {path}") from exc
    return (path, stat.st_mtime_ns, stat.st_size)


def _projection_digest(path: str) -> str:
    return _projection_digest_of(_file_key(path))


@functools.cache
def _projection_digest_of(key: tuple[str, int, int]) -> str:
    return _file_sha256(key[0])


def build_keras_model(weights: str, input_size: int | None, layer: str, pooling: str) -> Any:
    """Keras model: VGG16 conv base truncated at ``layer`` + global pooling -> (n, 512)."""
    import keras

    shape = (input_size, input_size, 3) if input_size else (None, None, 3)
    if weights == "imagenet":
        base = keras.applications.VGG16(include_top=False, weights="imagenet", input_shape=shape)
    else:
        base = keras.applications.VGG16(include_top=False, weights=None, input_shape=shape)
        _weights_digest(weights)  # raises a clear error if missing
        base.load_weights(weights)
    x = base.get_layer(layer).output
    if pooling == "avg":
        out = keras.layers.GlobalAveragePooling2D(name="gavg")(x)
    elif pooling == "max":
        out = keras.layers.GlobalMaxPooling2D(name="gmax")(x)
    else:  # generalised mean, p = GEM_P (x >= 0 after ReLU)
        ops = keras.ops
        out = ops.power(ops.mean(ops.power(ops.relu(x), GEM_P), axis=(1, 2)) + 1e-12, 1.0 / GEM_P)
    return keras.Model(base.input, out, name=f"vgg16_{layer}_{pooling}")


def _set_tf_threads(threads: int) -> None:
    import tensorflow as tf

    try:
        tf.config.threading.set_intra_op_parallelism_threads(threads)
    except RuntimeError:  # already initialised
        pass


def _tflite_path(cfg: EmbedderConfig) -> Path:
    key = "|".join(
        [
            _weights_digest(cfg.weights),
            str(cfg.input_size),
            cfg.layer,
            cfg.pooling,
            "drq-int8",
            f"r{RECIPE_VERSION}",
        ]
    )
    tag = hashlib.sha256(key.encode()).hexdigest()[:16]
    return cfg.cache_dir / f"vgg16_{_LAYER_TAGS[cfg.layer]}_{cfg.pooling}_s{cfg.input_size}_{tag}.tflite"


def build_tflite_model(cfg: EmbedderConfig) -> Path:
    """Convert the Keras model to TFLite (dynamic-range int8 weights), cached on disk.

    The file is keyed by sha256(weights file) + input size + layer + pooling +
    recipe version, written atomically (tmp file + rename, safe with several
    workers starting at once).
    """
    path = _tflite_path(cfg)
    if path.is_file():
        return path
    import tensorflow as tf

    model = build_keras_model(cfg.weights, cfg.input_size, cfg.layer, cfg.pooling)
    conv = tf.lite.TFLiteConverter.from_keras_model(model)
    conv.optimizations = [tf.lite.Optimize.DEFAULT]  # dynamic-range int8 weights
    with contextlib.redirect_stdout(io.StringIO()):  # keras export prints a signature dump
        data = conv.convert()
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.write_bytes(data)
    os.replace(tmp, path)
    return path


class _TFLiteRunner:
    def __init__(self, path: Path, threads: int):
        import warnings

        import tensorflow as tf

        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # tf.lite.Interpreter deprecation notice
            self._interp = tf.lite.Interpreter(model_path=str(path), num_threads=threads)
        self._in = self._interp.get_input_details()[0]["index"]
        self._out = self._interp.get_output_details()[0]["index"]
        self._shape = tuple(self._interp.get_input_details()[0]["shape"])
        self._batch = None
        # An interpreter is not thread-safe; threaded web servers share this one.
        self._lock = threading.Lock()

    def __call__(self, batch: np.ndarray) -> np.ndarray:
        n = batch.shape[0]
        with self._lock:
            if n != self._batch:
                self._interp.resize_tensor_input(self._in, [n, *self._shape[1:]])
                self._interp.allocate_tensors()
                self._batch = n
            self._interp.set_tensor(self._in, np.ascontiguousarray(batch, dtype=np.float32))
            self._interp.invoke()
            return np.array(self._interp.get_tensor(self._out), dtype=np.float32)


class _KerasRunner:
    def __init__(self, model: Any) -> None:
        import tensorflow as tf

        self._model = model
        self._fn = tf.function(lambda x: model(x, training=False), reduce_retracing=True)

    def __call__(self, batch: np.ndarray) -> np.ndarray:
        return np.asarray(self._fn(batch), dtype=np.float32)


def _runner(cfg: EmbedderConfig) -> _KerasRunner | _TFLiteRunner:
    # One network per process whatever the projection: it is applied after the CNN.
    return _network(dataclasses.replace(cfg, projection=None, isolate=True))


@functools.cache
def _network(cfg: EmbedderConfig) -> _KerasRunner | _TFLiteRunner:
    _set_tf_threads(cfg.threads)
    if cfg.backend == "tflite":
        return _TFLiteRunner(build_tflite_model(cfg), cfg.threads)
    return _KerasRunner(build_keras_model(cfg.weights, cfg.input_size, cfg.layer, cfg.pooling))


def _projection(path: str | None) -> tuple[np.ndarray, np.ndarray] | None:
    return _projection_of(_file_key(path)) if path else None


@functools.cache
def _projection_of(key: tuple[str, int, int]) -> tuple[np.ndarray, np.ndarray]:
    path = key[0]
    try:
        with np.load(path) as npz:
            mean = np.asarray(npz["mean"], dtype=np.float32)
            matrix = np.asarray(npz["matrix"], dtype=np.float32)
    except (OSError, KeyError, ValueError) as exc:
        raise EmbedderError(f"cannot read EMBEDDING_PROJECTION {path}: {exc}") from exc
    if mean.shape != (EMBEDDING_DIM,) or matrix.shape != (EMBEDDING_DIM, EMBEDDING_DIM):
        raise EmbedderError(
            f"EMBEDDING_PROJECTION {path}: want mean (512,), matrix (512, 512); got {mean.shape}, {matrix.shape}"
        )
    return mean, matrix


def _l2(x: np.ndarray) -> np.ndarray:
    n = np.linalg.norm(x, axis=1, keepdims=True)
    return (x / np.maximum(n, 1e-12)).astype(np.float32)


def embed_arrays(batch: np.ndarray, *, batch_size: int = 32, config: EmbedderConfig | None = None) -> np.ndarray:
    """Embed already-preprocessed inputs ``(n, s, s, 3)`` float32 -> ``(n, 512)`` float32, L2-normalised."""
    cfg = config or get_config()
    run = _runner(cfg)
    if len(batch) == 0:
        return np.zeros((0, EMBEDDING_DIM), dtype=np.float32)
    out = np.concatenate([run(batch[i : i + batch_size]) for i in range(0, len(batch), batch_size)])
    return project(_l2(out), config=cfg)


def embed_images(
    images: Sequence[Image.Image], *, batch_size: int = 32, config: EmbedderConfig | None = None
) -> np.ndarray:
    """Embed PIL images -> float32 ``(n, 512)``, L2-normalised rows, in batches of ``batch_size``."""
    cfg = config or get_config()
    out = []
    for i in range(0, len(images), batch_size):
        chunk = images[i : i + batch_size]
        batch = np.stack([preprocess(im, size=cfg.input_size, pad=cfg.pad) for im in chunk])
        out.append(embed_arrays(batch, batch_size=batch_size, config=cfg))
    if not out:
        return np.zeros((0, EMBEDDING_DIM), dtype=np.float32)
    return np.concatenate(out)


def embed_photos(
    images: Sequence[Image.Image], *, batch_size: int = 32, config: EmbedderConfig | None = None
) -> tuple[np.ndarray, list]:
    """The recipe for catalog and query photos alike: each photo's item is found, cropped and put
    on white (``recommender.isolation.isolate_item``, when ``EMBEDDING_ISOLATE``), then embedded
    (and projected, once a projection is trained).

    Returns (float32 ``(n, 512)`` L2-normalised, the ``Box`` of each item in its photo)."""
    from .isolation import FULL_BOX, detect_and_isolate

    cfg = config or get_config()
    if not cfg.isolate:
        return embed_images(images, batch_size=batch_size, config=cfg), [FULL_BOX] * len(images)
    isolated = [detect_and_isolate(image) for image in images]
    vectors = embed_images([image for image, _ in isolated], batch_size=batch_size, config=cfg)
    return vectors, [box for _, box in isolated]


def embed_catalog_photos(
    images: Sequence[Image.Image], *, batch_size: int = 32, config: EmbedderConfig | None = None
) -> tuple[np.ndarray, list[list[ColourShare]]]:
    """:func:`embed_photos` for the catalog's own photos, which also names each item's dominant
    colours in the shop palette from the same item detection (:mod:`recommender.colour`).

    Returns (float32 ``(n, 512)`` L2-normalised, per photo a list of ``ColourShare``, largest first;
    ``[]`` where no item stands out from the backdrop)."""
    from .isolation import detect_and_isolate_with_colours, image_colours

    cfg = config or get_config()
    if not cfg.isolate:
        colours = [image_colours(image) for image in images]
        return embed_images(images, batch_size=batch_size, config=cfg), colours
    isolated = [detect_and_isolate_with_colours(image) for image in images]
    vectors = embed_images([image for image, _, _ in isolated], batch_size=batch_size, config=cfg)
    return vectors, [found for _, _, found in isolated]


def backbone_config() -> EmbedderConfig:
    """The current settings without the learned projection: the plain VGG16 recipe that the
    projection is trained on."""
    return dataclasses.replace(get_config(), projection=None)


def project(vectors: np.ndarray, *, config: EmbedderConfig | None = None) -> np.ndarray:
    """Apply the configured projection to backbone vectors (float32 (n, 512), L2-normalised);
    unchanged when none is configured."""
    proj = _projection((config or get_config()).projection)
    if proj is None:
        return np.asarray(vectors, dtype=np.float32)
    mean, matrix = proj
    return _l2((np.asarray(vectors, dtype=np.float32) - mean) @ matrix)


def warm_up() -> None:
    """Build/load the model now (e.g. in a Celery ``worker_process_init`` handler)."""
    cfg = get_config()
    embed_arrays(np.zeros((1, cfg.input_size, cfg.input_size, 3), np.float32), config=cfg)


def model_version(config: EmbedderConfig | None = None) -> str:
    """Short stable id of weights + recipe, stored with every vector.

    e.g. ``"vgg16-tumorwheel-b5avg-s64-p0-v1"``; ``+proj<sha8>`` when a
    projection is configured. The backend is *not* part of it: keras and
    tflite vectors are interchangeable (cosine >= 0.999, see the benchmark).
    """
    cfg = config or get_config()
    v = (
        f"vgg16-{cfg.weights_tag}-{_LAYER_TAGS[cfg.layer]}{cfg.pooling}"
        f"-s{cfg.input_size}-p{round(cfg.pad * 100)}-v{RECIPE_VERSION}"
    )
    if cfg.isolate:
        v += f"-iso{ISOLATION_VERSION}"
    if cfg.projection:
        v += f"+proj{_projection_digest(cfg.projection)[:8]}"
    return v


# ---- learned projection (optional) --------------------------------------------


def fit_projection(
    features: np.ndarray, labels: np.ndarray, *, shrinkage: float = 0.3
) -> tuple[np.ndarray, np.ndarray]:
    """Within-class covariance whitening (WCCN, a full-rank LDA) learned on the catalogue.

    Train on the *unprojected* vectors of the labelled catalogue (e.g.
    ``embed_images`` with ``EMBEDDING_PROJECTION=None``, labels = category ids),
    save with :func:`save_projection`, point ``EMBEDDING_PROJECTION`` at the
    file and re-embed the whole catalogue (``model_version`` changes).

    Measured (block4_conv3 max, s64, pad 0.1; 5,000 catalogue / 1,000 queries):
    precision@10 0.817 -> 0.829; LR accuracy unchanged (a linear map). It
    pulls neighbours towards the catalogue's categories, i.e. it trades some
    purely visual similarity for category purity, and must be refitted (and
    the catalogue re-embedded) when categories change.

    :param features: float32 ``(n, 512)``, L2-normalised embeddings without projection.
    :param labels: ``(n,)`` class labels; at least 2 classes.
    :param shrinkage: ridge added to the within-class covariance, relative to its
        mean eigenvalue (0.1-1.0 all within 0.005 of each other).
    :returns: ``(mean (512,), matrix (512, 512))`` float32, applied as
        ``l2((x - mean) @ matrix)``.
    """
    x = np.asarray(features, dtype=np.float64)
    y = np.asarray(labels)
    if x.ndim != 2 or x.shape[1] != EMBEDDING_DIM or len(x) != len(y):
        raise ValueError(f"features must be (n, {EMBEDDING_DIM}) with n == len(labels)")
    classes = np.unique(y)
    if len(classes) < 2:
        raise ValueError("need at least 2 classes")
    mean = x.mean(axis=0)
    sw = np.zeros((x.shape[1], x.shape[1]))
    for c in classes:
        d = x[y == c] - x[y == c].mean(axis=0)
        sw += d.T @ d
    sw /= len(x)
    sw += shrinkage * np.trace(sw) / len(sw) * np.eye(len(sw))
    evals, evecs = np.linalg.eigh(sw)
    matrix = evecs @ np.diag(evals**-0.5) @ evecs.T  # symmetric Sw^-1/2
    return mean.astype(np.float32), matrix.astype(np.float32)


def save_projection(path: str | Path, mean: np.ndarray, matrix: np.ndarray) -> None:
    """Write a projection ``.npz`` readable via ``EMBEDDING_PROJECTION``."""
    np.savez(path, mean=np.asarray(mean, np.float32), matrix=np.asarray(matrix, np.float32))
