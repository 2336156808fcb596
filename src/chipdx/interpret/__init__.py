"""Interpretation: curve features, the locked curve classifier, assays as data and the rule engine.

Layer ``interpret`` (SPEC §6): imports ``model``, ``analysis`` and ``errors`` only.
"""

from chipdx.interpret.artefacts import BLOCKING_FLAGS, FLAG_CODES, artefact_flags
from chipdx.interpret.classifier import OOD_SHRINKAGE, REASON_CODES, CurveCalls, CurveClassifier
from chipdx.interpret.features import FEATURE_NAMES, curve_features
from chipdx.interpret.model_store import DEFAULT_MODEL, LOCKED_MODELS, LoadedModel, load_model

__all__ = [
    "BLOCKING_FLAGS",
    "DEFAULT_MODEL",
    "FEATURE_NAMES",
    "FLAG_CODES",
    "LOCKED_MODELS",
    "OOD_SHRINKAGE",
    "REASON_CODES",
    "CurveCalls",
    "CurveClassifier",
    "LoadedModel",
    "artefact_flags",
    "curve_features",
    "load_model",
]
