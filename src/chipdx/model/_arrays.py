"""Checks shared by the array-holding records: shapes, dtypes and read-only views."""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import NDArray

__all__ = ["frozen_array"]


def frozen_array(values: Any, dtype: type, *, name: str, ndim: int) -> NDArray[Any]:
    """Return ``values`` as a read-only array of ``dtype`` with ``ndim`` dimensions.

    The array is copied only when the dtype or layout must change; the result can
    never be modified in place, so records holding it stay immutable.

    >>> a = frozen_array([1, 2], np.float64, name="cycles", ndim=1)
    >>> a.flags.writeable
    False
    """
    array: NDArray[Any] = np.asarray(values, dtype=dtype)
    if array.ndim != ndim:
        raise ValueError(f"{name} must have {ndim} dimension(s), got shape {array.shape}")
    if array.flags.writeable:
        array = array.view()
        array.flags.writeable = False
    return array
