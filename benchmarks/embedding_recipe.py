#!/usr/bin/env python
"""Research script: which VGG16 embedding recipe meets the recommender targets?

Targets: catalogue of Fashion-MNIST *train* images (500 per class), queries
from the *test* set (100 per class):
  * precision@10 (share of the 10 cosine neighbours in the query's class) >= 0.80
  * logistic regression trained on catalogue embeddings, accuracy on the
    queries >= 0.88
  * >= 20 images/s per 2-core worker, top-10 agreement fast path vs fp32 >= 0.95

Images are put in the shop's form: inverted (dark-on-white), upscaled to
``--shop-size`` pixels (bicubic) and stored as RGB, then go through
``recommender.embedder.preprocess`` (letterbox on white, preprocess_input).

Stages (all figures printed; features cached in ``--cache`` as .npz):
  accuracy   fp32 Keras features for several input sizes, all layer/pooling
             variants from one forward pass, with/without a learned projection
  speed      images/s of embed_images (preprocessing included) for keras fp32
             and tflite int8, batch 1 and 32
  agreement  top-10 neighbour agreement and cosine tflite-vs-fp32

Usage::

    .venv/bin/python benchmarks/embedding_recipe.py --weights var/models/vgg16_imagenet_notop.weights.h5 \\
        [--sizes 32,64,112] [--stages accuracy,speed,agreement]

Needs the Fashion-MNIST idx .gz files (``--fmnist``).
"""

from __future__ import annotations

import argparse
import gzip
import os
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

CLASSES = ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"]
DEFAULT_LAYERS = ("block5_pool", "block5_conv3", "block4_conv3")
POOLS = ("avg", "max", "gem")
FEATURES = [(layer, pool) for layer in DEFAULT_LAYERS for pool in POOLS]
GEM_P = 3.0


# ---- data ----------------------------------------------------------------------


def load_idx(path: Path, images: bool) -> np.ndarray:
    with gzip.open(path) as f:
        data = f.read()
    if images:
        return np.frombuffer(data, np.uint8, offset=16).reshape(-1, 28, 28)
    return np.frombuffer(data, np.uint8, offset=8)


def balanced(y: np.ndarray, per_class: int, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    idx = [rng.choice(np.flatnonzero(y == c), per_class, replace=False) for c in range(10)]
    return np.sort(np.concatenate(idx))


def shop_images(x: np.ndarray, shop_size: int, invert: bool = True):
    from PIL import Image

    out = []
    for a in x:
        im = Image.fromarray(255 - a if invert else a, mode="L")
        if shop_size != 28:
            im = im.resize((shop_size, shop_size), Image.BICUBIC)
        out.append(im.convert("RGB"))
    return out


# ---- metrics -------------------------------------------------------------------


def l2(x):
    return x / np.maximum(np.linalg.norm(x, axis=1, keepdims=True), 1e-12)


def topk(cat, qry, k=10):
    sims = qry @ cat.T
    part = np.argpartition(-sims, k, axis=1)[:, :k]
    order = np.take_along_axis(sims, part, 1).argsort(axis=1)[:, ::-1]
    return np.take_along_axis(part, order, 1)


def precision_at_k(cat, ycat, qry, yqry, k=10):
    nn = topk(cat, qry, k)
    return float((ycat[nn] == yqry[:, None]).mean())


LR_C = 0.1  # --lr-c; 0.01-0.03 is ~0.005-0.01 better on block4 features


def lr_accuracy(cat, ycat, qry, yqry):
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    clf = make_pipeline(StandardScaler(), LogisticRegression(C=LR_C, max_iter=2000))
    clf.fit(cat, ycat)
    return float(clf.score(qry, yqry))


def agreement(cat_a, qry_a, cat_b, qry_b, k=10):
    a, b = topk(cat_a, qry_a, k), topk(cat_b, qry_b, k)
    return float(np.mean([len(set(r) & set(s)) / k for r, s in zip(a, b)]))


# ---- projections learned on the catalogue ----------------------------------------


def proj_none(cat, ycat):
    return lambda x: x


def proj_pca_whiten(cat, ycat, eps=1e-2):
    mu = cat.mean(0)
    u, s, vt = np.linalg.svd(cat - mu, full_matrices=False)
    var = s**2 / len(cat)
    w = vt.T / np.sqrt(var + eps * var.mean())
    return lambda x: l2((x - mu) @ w)


def proj_wccn(cat, ycat, shrinkage=0.1):
    from recommender.embedder import fit_projection

    mean, matrix = fit_projection(cat, ycat, shrinkage=shrinkage)
    return lambda x: l2((x - mean) @ matrix)


def proj_lda9(cat, ycat):
    """sklearn LDA -> 9 dims, zero-padded to 512 (reference only)."""
    from sklearn.discriminant_analysis import LinearDiscriminantAnalysis

    lda = LinearDiscriminantAnalysis(solver="eigen", shrinkage="auto").fit(cat, ycat)
    return lambda x: l2(np.pad(lda.transform(x), ((0, 0), (0, 512 - 9))))


def proj_sqrt(cat, ycat):
    """Power normalisation (signed sqrt) then L2 -- no learning."""
    return lambda x: l2(np.sqrt(np.maximum(x, 0)))


PROJECTIONS = {
    "none": proj_none,
    "sqrt": proj_sqrt,
    "pca-white": proj_pca_whiten,
    "wccn": proj_wccn,
    "lda9(pad)": proj_lda9,
}


# ---- feature extraction ----------------------------------------------------------


def multi_feature_model(weights: str, size: int):
    import keras

    base = keras.applications.VGG16(include_top=False, weights=None, input_shape=(size, size, 3))
    base.load_weights(weights)
    outs = [base.get_layer(n).output for n in DEFAULT_LAYERS]
    return keras.Model(base.input, outs)


def extract(weights, images, size, pad, batch=64):
    """fp32 Keras features for all FEATURES variants -> dict name -> (n, 512) L2-normalised."""
    from recommender.embedder import preprocess

    model = multi_feature_model(weights, size)
    acc = {f"{l}-{p}": [] for l, p in FEATURES}
    for i in range(0, len(images), batch):
        x = np.stack([preprocess(im, size=size, pad=pad) for im in images[i : i + batch]])
        out = model(x, training=False)
        fmaps = [np.asarray(t) for t in (out if isinstance(out, (list, tuple)) else [out])]
        for name, fm in zip(DEFAULT_LAYERS, fmaps):
            acc[f"{name}-avg"].append(fm.mean(axis=(1, 2)))
            acc[f"{name}-max"].append(fm.max(axis=(1, 2)))
            acc[f"{name}-gem"].append(np.power(np.power(fm, GEM_P).mean(axis=(1, 2)), 1 / GEM_P))
    return {k: l2(np.concatenate(v)).astype(np.float32) for k, v in acc.items()}


def cached_features(args, tag, images, size, pad):
    layers = (
        "" if DEFAULT_LAYERS == ("block5_pool", "block5_conv3", "block4_conv3") else ("_" + "-".join(DEFAULT_LAYERS))
    )
    seed = f"_seed{args.seed}" if args.seed else ""
    path = Path(args.cache) / f"feat_{tag}_s{size}_p{round(pad * 100)}{layers}{seed}.npz"
    if path.exists():
        feats = dict(np.load(path))
        if all(f"{l}-{p}" in feats for l, p in FEATURES):
            return feats
    t = time.time()
    feats = extract(args.weights, images, size, pad)
    dt = time.time() - t
    print(
        f"  [extract {tag} s{size} p{pad}: {len(images)} images in {dt:.0f}s, "
        f"{len(images) / dt:.1f} img/s fp32 keras b64]",
        flush=True,
    )
    path.parent.mkdir(parents=True, exist_ok=True)
    np.savez(path, **feats)
    return feats


# ---- stages ---------------------------------------------------------------------


def stage_accuracy(args, data):
    cat_imgs, ycat, q_imgs, yq = data
    print(f"\n== accuracy: catalogue {len(ycat)} train images, {len(yq)} test queries, fp32 keras ==", flush=True)
    print(f"{'size':>4} {'pad':>4} {'feature':<18} {'projection':<10} {'P@10':>6} {'LR acc':>6}")
    rows = []
    for size in args.sizes:
        for pad in args.pads:
            fc = cached_features(args, f"cat{len(ycat)}", cat_imgs, size, pad)
            fq = cached_features(args, f"q{len(yq)}", q_imgs, size, pad)
            for name in fc:
                projs = args.projections if name in args.project_features else ["none"]
                for pname in projs:
                    f = PROJECTIONS[pname](fc[name], ycat)
                    c, q = f(fc[name]), f(fq[name])
                    p10 = precision_at_k(c, ycat, q, yq)
                    acc = lr_accuracy(c, ycat, q, yq) if pname in args.lr_projections else float("nan")
                    rows.append((size, pad, name, pname, p10, acc))
                    print(f"{size:>4} {pad:>4} {name:<18} {pname:<10} {p10:6.3f} {acc:6.3f}", flush=True)
    return rows


def _cfg(args, backend, size, layer="block5_pool", pooling="avg", pad=None, threads=2):
    from recommender.embedder import EmbedderConfig

    return EmbedderConfig(
        weights=str(Path(args.weights).resolve()),
        input_size=size,
        layer=layer,
        pooling=pooling,
        pad=args.speed_pad if pad is None else pad,
        backend=backend,
        threads=threads,
        cache_dir=Path(args.cache),
        projection=None,
    )


def _embed(cfg, images, batch_size):
    from recommender.embedder import embed_arrays, preprocess

    out = []
    for i in range(0, len(images), batch_size):
        x = np.stack([preprocess(im, size=cfg.input_size, pad=cfg.pad) for im in images[i : i + batch_size]])
        out.append(embed_arrays(x, batch_size=batch_size, config=cfg))
    return np.concatenate(out)


def stage_speed(args, data):
    cat_imgs = data[0]
    print(f"\n== speed: embed (preprocessing included), images/s, {args.threads} threads ==", flush=True)
    print(f"{'backend':<8} {'size':>4} {'feature':<18} {'b1':>7} {'b32':>7}")
    for size in args.speed_sizes:
        for backend in ("keras", "tflite"):
            for feat in args.speed_features:
                layer, pooling = feat.split("-")
                cfg = _cfg(args, backend, size, layer=layer, pooling=pooling, threads=args.threads)
                _embed(cfg, cat_imgs[:32], 32)  # build + warm up
                _embed(cfg, cat_imgs[:2], 1)
                res = []
                for bs, n in ((1, args.speed_n1), (32, args.speed_n32)):
                    n = max(n, bs) if size <= 112 else max(n // 4, bs)
                    imgs = cat_imgs[:n]
                    t = time.perf_counter()
                    _embed(cfg, imgs, bs)
                    res.append(len(imgs) / (time.perf_counter() - t))
                print(f"{backend:<8} {size:>4} {feat:<18} {res[0]:7.1f} {res[1]:7.1f}", flush=True)


def stage_agreement(args, data):
    cat_imgs, ycat, q_imgs, yq = data
    print("\n== agreement tflite-int8 vs fp32 keras (same recipe) ==", flush=True)
    print(
        f"{'size':>4} {'feature':<18} {'top10 agr':>9} {'min cos':>8} {'mean cos':>8} {'P@10 fp32':>9} {'P@10 tfl':>8}"
    )
    for size in args.agree_sizes:
        for feat in args.speed_features:
            layer, pooling = feat.split("-")
            n_cat, n_q = (len(ycat), len(yq)) if size <= 112 else (args.sub_cat, args.sub_q)
            ci, qi = _subset(ycat, n_cat), _subset(yq, n_q)
            ref = {}
            for backend in ("keras", "tflite"):
                cfg = _cfg(args, backend, size, layer=layer, pooling=pooling, threads=args.threads)
                c = _embed(cfg, [cat_imgs[i] for i in ci], 32)
                q = _embed(cfg, [q_imgs[i] for i in qi], 32)
                ref[backend] = (c, q)
            (c0, q0), (c1, q1) = ref["keras"], ref["tflite"]
            cos = np.concatenate([(c0 * c1).sum(1), (q0 * q1).sum(1)])
            print(
                f"{size:>4} {feat:<18} {agreement(c0, q0, c1, q1):9.3f} "
                f"{cos.min():8.5f} {cos.mean():8.5f} "
                f"{precision_at_k(c0, ycat[ci], q0, yq[qi]):9.3f} "
                f"{precision_at_k(c1, ycat[ci], q1, yq[qi]):8.3f}"
                + ("" if size <= 112 else f"   (subset {n_cat}/{n_q})"),
                flush=True,
            )


def _subset(y, n):
    """First n/10 indices of each class (deterministic, balanced)."""
    per = n // 10
    return np.sort(np.concatenate([np.flatnonzero(y == c)[:per] for c in range(10)]))


def stage_size224(args, data):
    """fp32 at 224 is slow (~5 img/s): compare sizes on a balanced subset."""
    cat_imgs, ycat, q_imgs, yq = data
    ci, qi = _subset(ycat, args.sub_cat), _subset(yq, args.sub_q)
    print(f"\n== input size on subset: catalogue {len(ci)}, queries {len(qi)}, fp32 keras ==", flush=True)
    print(f"{'size':>4} {'feature':<18} {'P@10':>6} {'LR acc':>6}")
    for size in args.subset_sizes:
        full_c = Path(args.cache) / f"feat_cat{len(ycat)}_s{size}_p0.npz"
        full_q = Path(args.cache) / f"feat_q{len(yq)}_s{size}_p0.npz"
        if not args.seed and full_c.exists() and full_q.exists():  # same images and model: slice
            fc = {k: v[ci] for k, v in np.load(full_c).items()}
            fq = {k: v[qi] for k, v in np.load(full_q).items()}
        else:
            fc = cached_features(args, f"subcat{len(ci)}", [cat_imgs[i] for i in ci], size, 0.0)
            fq = cached_features(args, f"subq{len(qi)}", [q_imgs[i] for i in qi], size, 0.0)
        for name in args.subset_features:
            p10 = precision_at_k(fc[name], ycat[ci], fq[name], yq[qi])
            acc = lr_accuracy(fc[name], ycat[ci], fq[name], yq[qi])
            print(f"{size:>4} {name:<18} {p10:6.3f} {acc:6.3f}", flush=True)


def main(argv=None):
    global DEFAULT_LAYERS, FEATURES, LR_C
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--weights", default=str(ROOT / "var/models/vgg16_imagenet_notop.weights.h5"))
    ap.add_argument("--fmnist", default="var/datasets/fashion-mnist")  # import_fashion_mnist fetches it there
    ap.add_argument("--cache", default=str(ROOT / "var/benchmarks"))
    ap.add_argument("--per-class-catalogue", type=int, default=500)
    ap.add_argument("--per-class-queries", type=int, default=100)
    ap.add_argument("--seed", type=int, default=0, help="sampling seed (queries use seed+1)")
    ap.add_argument("--shop-size", type=int, default=224, help="upscaled size the shop stores")
    ap.add_argument("--sizes", default="32,64,112")
    ap.add_argument("--pads", default="0.0")
    ap.add_argument("--projections", default="none,sqrt,pca-white,wccn,lda9(pad)")
    ap.add_argument("--lr-projections", default="none,wccn")
    ap.add_argument("--project-features", default="block5_pool-avg,block4_conv3-avg,block4_conv3-gem")
    ap.add_argument("--subset-sizes", default="64,112,224")
    ap.add_argument("--subset-features", default="block5_pool-avg,block4_conv3-avg,block4_conv3-gem")
    ap.add_argument("--sub-cat", type=int, default=1000)
    ap.add_argument("--sub-q", type=int, default=200)
    ap.add_argument("--speed-sizes", default="64,112,224")
    ap.add_argument("--speed-features", default="block4_conv3-gem,block5_pool-avg")
    ap.add_argument("--speed-n1", type=int, default=64)
    ap.add_argument("--speed-n32", type=int, default=256)
    ap.add_argument("--speed-pad", type=float, default=0.1, help="pad of speed/agreement stages")
    ap.add_argument("--agree-sizes", default="64")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--stages", default="accuracy,size224,speed,agreement")
    ap.add_argument(
        "--layers", default=",".join(DEFAULT_LAYERS), help="512-channel layers to pool in the accuracy stage"
    )
    ap.add_argument("--lr-c", type=float, default=0.1, help="inverse regularisation of the LR probe")
    args = ap.parse_args(argv)
    LR_C = args.lr_c
    DEFAULT_LAYERS = tuple(args.layers.split(","))
    FEATURES = [(layer, pool) for layer in DEFAULT_LAYERS for pool in POOLS]
    ints = lambda s: [int(v) for v in s.split(",") if v]  # noqa: E731
    args.sizes, args.subset_sizes = ints(args.sizes), ints(args.subset_sizes)
    args.speed_sizes, args.agree_sizes = ints(args.speed_sizes), ints(args.agree_sizes)
    args.pads = [float(v) for v in args.pads.split(",")]
    args.projections = args.projections.split(",")
    args.project_features = args.project_features.split(",")
    args.lr_projections = args.lr_projections.split(",")
    args.subset_features = args.subset_features.split(",")
    args.speed_features = args.speed_features.split(",")

    from django.conf import settings

    if not settings.configured:
        settings.configure(VGG16_WEIGHTS=args.weights, EMBEDDING_CACHE_DIR=args.cache)
    import tensorflow as tf

    tf.config.threading.set_intra_op_parallelism_threads(args.threads)

    fm = Path(args.fmnist)
    xtr, ytr = load_idx(fm / "train-images-idx3-ubyte.gz", True), load_idx(fm / "train-labels-idx1-ubyte.gz", False)
    xte, yte = load_idx(fm / "t10k-images-idx3-ubyte.gz", True), load_idx(fm / "t10k-labels-idx1-ubyte.gz", False)
    ci = balanced(ytr, args.per_class_catalogue, seed=args.seed)
    qi = balanced(yte, args.per_class_queries, seed=args.seed + 1)
    data = (
        shop_images(xtr[ci], args.shop_size),
        ytr[ci].astype(int),
        shop_images(xte[qi], args.shop_size),
        yte[qi].astype(int),
    )
    print(f"TF {tf.__version__}, {os.cpu_count()} CPUs, weights {args.weights}")
    stages = args.stages.split(",")
    for name in stages:
        {"accuracy": stage_accuracy, "size224": stage_size224, "speed": stage_speed, "agreement": stage_agreement}[
            name
        ](args, data)


if __name__ == "__main__":
    main()
