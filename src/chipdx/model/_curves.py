"""Amplification and melt curves as matrices over reactions.

Rows follow the reactions of a :class:`~chipdx.model.Run` one to one, so analysis
can work on whole plates at once. A point that was not measured is ``NaN``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from chipdx.model._arrays import frozen_array

__all__ = ["AmplificationCurves", "MeltCurves"]


@dataclass(frozen=True, slots=True, eq=False)
class AmplificationCurves:
    """Fluorescence per cycle for every reaction of a run.

    Parameters
    ----------
    cycles
        Cycle numbers, strictly increasing, shape ``(n_cycles,)``.
    fluorescence
        Shape ``(n_reactions, n_cycles)``; ``NaN`` where a reaction has no reading.
    temperature_c
        Optional temperature of each reading, same shape as ``fluorescence``.

    Examples
    --------
    >>> curves = AmplificationCurves(np.arange(1, 4), np.array([[1.0, 2.0, 4.0]]))
    >>> curves.n_reactions, curves.n_cycles
    (1, 3)
    """

    cycles: NDArray[np.float64]
    fluorescence: NDArray[np.float64]
    temperature_c: NDArray[np.float64] | None = None

    def __post_init__(self) -> None:
        cycles = frozen_array(self.cycles, np.float64, name="cycles", ndim=1)
        fluorescence = frozen_array(self.fluorescence, np.float64, name="fluorescence", ndim=2)
        if fluorescence.shape[1] != cycles.shape[0]:
            raise ValueError(
                f"fluorescence has {fluorescence.shape[1]} columns but there are {cycles.shape[0]} cycles"
            )
        if cycles.size > 1 and not np.all(np.diff(cycles) > 0):
            raise ValueError("cycles must be strictly increasing")
        object.__setattr__(self, "cycles", cycles)
        object.__setattr__(self, "fluorescence", fluorescence)
        if self.temperature_c is not None:
            temperature = frozen_array(self.temperature_c, np.float64, name="temperature_c", ndim=2)
            if temperature.shape != fluorescence.shape:
                raise ValueError("temperature_c must have the shape of fluorescence")
            if np.any(~np.isnan(temperature) & np.isnan(fluorescence)):
                raise ValueError("temperature_c has a value where fluorescence has no reading")
            object.__setattr__(self, "temperature_c", temperature)

    @property
    def n_reactions(self) -> int:
        """Number of rows (reactions)."""
        return int(self.fluorescence.shape[0])

    @property
    def n_cycles(self) -> int:
        """Number of columns (cycles)."""
        return int(self.fluorescence.shape[1])


@dataclass(frozen=True, slots=True, eq=False)
class MeltCurves:
    """Fluorescence against temperature for every reaction of a run.

    Both arrays have shape ``(n_reactions, n_points)``; rows are padded with ``NaN``
    where a reaction has fewer points, and a reaction without a melt curve is a row
    of ``NaN``. Points keep the order of the source file.
    """

    temperature_c: NDArray[np.float64]
    fluorescence: NDArray[np.float64]

    def __post_init__(self) -> None:
        temperature = frozen_array(self.temperature_c, np.float64, name="temperature_c", ndim=2)
        fluorescence = frozen_array(self.fluorescence, np.float64, name="fluorescence", ndim=2)
        if temperature.shape != fluorescence.shape:
            raise ValueError(
                f"melt temperature {temperature.shape} and fluorescence {fluorescence.shape} differ in shape"
            )
        if not np.array_equal(np.isnan(temperature), np.isnan(fluorescence)):
            raise ValueError("melt temperature and fluorescence must have their missing points in the same places")
        object.__setattr__(self, "temperature_c", temperature)
        object.__setattr__(self, "fluorescence", fluorescence)

    @property
    def n_reactions(self) -> int:
        """Number of rows (reactions)."""
        return int(self.fluorescence.shape[0])

    @property
    def n_points(self) -> int:
        """Number of columns (readings per curve, padded)."""
        return int(self.fluorescence.shape[1])

    def points(self, reaction: int) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
        """The measured (temperature, fluorescence) points of one reaction, padding removed."""
        keep = ~np.isnan(self.temperature_c[reaction])
        return self.temperature_c[reaction, keep], self.fluorescence[reaction, keep]
