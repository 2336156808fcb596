"""The locked, versioned curve model shipped in the package, and how it is stored.

A model is two files in ``chipdx/interpret/models/``: ``<id>.npz`` (plain numeric
arrays: tree nodes, calibration curve, OOD statistics; no pickles) and
``<id>.json`` (metadata: feature names, review band, OOD threshold, training
data with their SHA-256, cross-validated metrics, the SHA-256 of the ``.npz``).
The model card ``<id>.md`` is written beside them.

Loading is *locked*: the ``.json`` must have the SHA-256 recorded in
:data:`LOCKED_MODELS` and the ``.npz`` the SHA-256 recorded in the ``.json``;
otherwise :class:`~chipdx.errors.ValidationError` is raised. Retraining thus
always yields a new, reviewable change of this file (``make train-classifier``
updates the table).
"""

from __future__ import annotations

import hashlib
import io
import json
import zipfile
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np

from chipdx.errors import ValidationError
from chipdx.interpret._trees import TreeEnsemble
from chipdx.interpret.classifier import CurveClassifier
from chipdx.interpret.features import FEATURE_NAMES

__all__ = ["DEFAULT_MODEL", "LOCKED_MODELS", "LoadedModel", "load_model", "model_bytes"]

DEFAULT_MODEL = "curve-gbm-1.2.0"
"""Identifier of the model ``chipdx classify`` uses."""

# model id -> SHA-256 of its .json (updated by tools/train_classifier.py)
LOCKED_MODELS: dict[str, str] = {
    "curve-gbm-1.2.0": "c8e71996104ab80f926920424ca07438e9300f36c6e13b768f0158a98c276813",
    "curve-gbm-1.1.0": "fad295c67fa34c58a16e172ba70be3d528586a989506b530fabd859137bdfea4",
    "curve-gbm-1.0.0": "b3727c4a2f80e7ed161ba3d5e8c515c50668fbc91c2ac3d511d5de2efea08592",
}

_ARRAYS = ("calibration_x", "calibration_y", "ood_center", "ood_scale", "ood_precision")


@dataclass(frozen=True, slots=True)
class LoadedModel:
    """A locked classifier with its identity: ``model_id`` and ``sha256`` of its metadata."""

    model_id: str
    sha256: str
    classifier: CurveClassifier
    metadata: dict[str, Any]


def model_bytes(classifier: CurveClassifier, *, model_id: str, extra: dict[str, Any]) -> tuple[bytes, bytes]:
    """Serialise a fitted classifier: ``(npz bytes, json bytes)``; deterministic for a given model."""
    arrays = dict(classifier.ensemble_.to_arrays())
    arrays.update({name: np.asarray(getattr(classifier, name + "_")) for name in _ARRAYS})
    npz = _stable_npz(arrays)
    meta = {
        "model_id": model_id,
        "format": "chipdx-curve-model/1",
        "feature_names": list(FEATURE_NAMES),
        "params": classifier.get_params(),
        "baseline": classifier.ensemble_.baseline,
        "max_depth": classifier.ensemble_.max_depth,
        "q_pos": classifier.q_pos_,
        "q_neg": classifier.q_neg_,
        "review_band": list(classifier.review_band()),
        "ood_threshold": classifier.ood_threshold_,
        "npz_sha256": hashlib.sha256(npz).hexdigest(),
        **extra,
    }
    return npz, (json.dumps(meta, indent=1, sort_keys=True) + "\n").encode()


def _stable_npz(arrays: dict[str, Any]) -> bytes:
    """An npz whose bytes depend only on the arrays (zip timestamps fixed)."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name in sorted(arrays):
            member = io.BytesIO()
            np.save(member, np.asarray(arrays[name]), allow_pickle=False)
            info = zipfile.ZipInfo(f"{name}.npy", date_time=(2020, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, member.getvalue())
    return out.getvalue()


def _files(model_id: str, folder: Path | None) -> tuple[bytes, bytes]:
    if folder is not None:
        return (folder / f"{model_id}.npz").read_bytes(), (folder / f"{model_id}.json").read_bytes()
    base = resources.files("chipdx.interpret") / "models"
    return (base / f"{model_id}.npz").read_bytes(), (base / f"{model_id}.json").read_bytes()


def load_model(model_id: str = DEFAULT_MODEL, *, folder: Path | None = None, locked: bool = True) -> LoadedModel:
    """Load a model, checking its hashes.

    Parameters
    ----------
    model_id
        Name of the model files (without ending).
    folder
        Where the files are (default: the models shipped in the package).
    locked
        Require the metadata hash recorded in :data:`LOCKED_MODELS` (``False`` only
        for a freshly trained candidate under evaluation).
    """
    where = f"model {model_id}"
    try:
        npz, meta_bytes = _files(model_id, folder)
    except (FileNotFoundError, OSError):
        raise ValidationError(where, ["model files not found; run `make train-classifier`"]) from None
    digest = hashlib.sha256(meta_bytes).hexdigest()
    if locked and LOCKED_MODELS.get(model_id) != digest:
        raise ValidationError(where, [f"metadata SHA-256 {digest[:12]}… is not the locked one "
                                      f"({LOCKED_MODELS.get(model_id, 'none')[:12]}…): refusing an unlocked model"])
    meta = json.loads(meta_bytes)
    if hashlib.sha256(npz).hexdigest() != meta["npz_sha256"]:
        raise ValidationError(where, ["array file SHA-256 differs from the one in its metadata"])
    if meta["feature_names"] != list(FEATURE_NAMES):
        raise ValidationError(where, ["model was trained on other features than this chipdx computes"])
    with np.load(io.BytesIO(npz), allow_pickle=False) as stored:
        arrays = {name: stored[name] for name in stored.files}
    clf = CurveClassifier(**meta["params"])
    clf.validate_params()
    clf.ensemble_ = TreeEnsemble.from_arrays(arrays, baseline=meta["baseline"], max_depth=meta["max_depth"])
    for name in _ARRAYS:
        setattr(clf, name + "_", arrays[name])
    clf.q_pos_, clf.q_neg_ = float(meta["q_pos"]), float(meta["q_neg"])
    clf.ood_threshold_ = float(meta["ood_threshold"])
    clf.classes_ = np.array([0, 1])
    clf.n_features_in_ = len(FEATURE_NAMES)
    return LoadedModel(model_id, digest, clf, meta)
