"""A boosted tree ensemble as plain arrays, predicted without pickles.

The shipped model must load the same way on every installation (a locked,
versioned artifact), so trained trees are exported from scikit-learn's
``HistGradientBoostingClassifier`` into flat node arrays that numpy evaluates
directly: all trees advance one level at a time over all curves at once.
The decision rule is the one of the trained trees: go left when
``x <= threshold``, and for a missing value follow ``missing_left``
(Ke et al. 2017, LightGBM; scikit-learn user guide §1.11.1).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

__all__ = ["TreeEnsemble"]

FIELDS = ("feature", "threshold", "missing_left", "left", "right", "is_leaf", "value", "roots")


@dataclass(frozen=True, slots=True, eq=False)
class TreeEnsemble:
    """Nodes of all trees, concatenated; ``roots[t]`` is the first node of tree ``t``.

    ``left``/``right`` are global node indices. The raw score of a curve is
    ``baseline + sum over trees of the value of the leaf it reaches``.
    """

    feature: NDArray[np.int64]
    threshold: NDArray[np.float64]
    missing_left: NDArray[np.bool_]
    left: NDArray[np.int64]
    right: NDArray[np.int64]
    is_leaf: NDArray[np.bool_]
    value: NDArray[np.float64]
    roots: NDArray[np.int64]
    baseline: float
    max_depth: int

    @classmethod
    def from_sklearn(cls, model: Any) -> TreeEnsemble:
        """Export a fitted binary ``HistGradientBoostingClassifier`` (numeric features only)."""
        parts: dict[str, list[NDArray[Any]]] = {name: [] for name in FIELDS[:-1]}
        roots, offset, depth = [], 0, 0
        for (tree,) in model._predictors:
            nodes = tree.nodes
            if np.any(nodes["is_categorical"]):
                raise ValueError("categorical splits are not supported")
            roots.append(offset)
            parts["feature"].append(nodes["feature_idx"].astype(np.int64))
            parts["threshold"].append(nodes["num_threshold"].astype(np.float64))
            parts["missing_left"].append(nodes["missing_go_to_left"].astype(bool))
            parts["left"].append(nodes["left"].astype(np.int64) + offset)
            parts["right"].append(nodes["right"].astype(np.int64) + offset)
            parts["is_leaf"].append(nodes["is_leaf"].astype(bool))
            parts["value"].append(nodes["value"].astype(np.float64))
            depth = max(depth, int(nodes["depth"].max()))
            offset += len(nodes)
        arrays = {name: np.concatenate(values) for name, values in parts.items()}
        return cls(**arrays, roots=np.asarray(roots, dtype=np.int64),
                   baseline=float(np.ravel(model._baseline_prediction)[0]), max_depth=depth)

    def to_arrays(self) -> dict[str, NDArray[Any]]:
        """The arrays to store (``baseline`` and ``max_depth`` go with the metadata)."""
        return {name: getattr(self, name) for name in FIELDS}

    @classmethod
    def from_arrays(cls, arrays: dict[str, NDArray[Any]], *, baseline: float, max_depth: int) -> TreeEnsemble:
        """Rebuild from :meth:`to_arrays` output."""
        return cls(feature=arrays["feature"].astype(np.int64), threshold=arrays["threshold"].astype(np.float64),
                   missing_left=arrays["missing_left"].astype(bool), left=arrays["left"].astype(np.int64),
                   right=arrays["right"].astype(np.int64), is_leaf=arrays["is_leaf"].astype(bool),
                   value=arrays["value"].astype(np.float64), roots=arrays["roots"].astype(np.int64),
                   baseline=float(baseline), max_depth=int(max_depth))

    def decision_function(self, features: NDArray[np.float64], *, chunk: int = 256) -> NDArray[np.float64]:
        """Raw score (log-odds) per row of ``features``.

        Rows are processed in chunks that fit the CPU cache; within a chunk, all
        (row, tree) pairs descend together and drop out when they reach a leaf.
        """
        x = np.asarray(features, dtype=np.float64)
        out = np.empty(x.shape[0])
        children = np.column_stack([self.left, self.right]).ravel().astype(np.intp)
        for start in range(0, x.shape[0], chunk):
            block = np.ascontiguousarray(x[start : start + chunk])
            out[start : start + block.shape[0]] = self._block(block, children)
        return out

    def _block(self, x: NDArray[np.float64], children: NDArray[np.intp]) -> NDArray[np.float64]:
        n, n_features = x.shape
        n_trees = self.roots.size
        flat = x.ravel()
        has_nan = bool(np.isnan(flat).any())
        node = np.tile(self.roots.astype(np.intp), n)
        leaf_value = np.zeros(n * n_trees)
        done = self.is_leaf[node]
        leaf_value[done] = self.value[node[done]]
        position = np.flatnonzero(~done)
        node = node[position]
        offset = position // n_trees * n_features
        feature = self.feature.astype(np.intp)
        while position.size:
            value = flat[offset + feature[node]]
            go_right = value > self.threshold[node]
            if has_nan:
                go_right = np.where(np.isnan(value), ~self.missing_left[node], go_right)
            node = children[2 * node + go_right]
            leaf = self.is_leaf[node]
            if leaf.any():
                leaf_value[position[leaf]] = self.value[node[leaf]]
                keep = ~leaf
                position, node, offset = position[keep], node[keep], offset[keep]
        return np.asarray(self.baseline + leaf_value.reshape(n, n_trees).sum(axis=1))
