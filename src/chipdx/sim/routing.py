"""Space-time routing of droplets with fluidic constraints (cooperative A*).

Droplets must never touch by accident: two droplets keep at least one empty electrode between
them (Chebyshev distance >= 2) at every frame, and a droplet never enters a cell next to where
another droplet was or will be one frame earlier or later (the static and dynamic fluidic
constraints of Su & Chakrabarty, "Unified high-level synthesis and module placement for
defect-tolerant microfluidic biochips", DAC 2005). Only the partner of a merge is exempt.

Routes are found one droplet at a time against the routes already reserved (prioritised
planning with a reservation table; Silver, "Cooperative pathfinding", AIIDE 2005). A droplet
that has arrived stays parked where it is until its next operation, so a goal is accepted only
where the droplet can stay for ever without breaking the constraints.
"""

from __future__ import annotations

import heapq
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

import numpy as np

from chipdx.sim.chip import Cell

__all__ = ["Reservations", "Track", "find_route", "manhattan"]


def manhattan(a: Cell, b: Cell) -> int:
    """Electrode steps between two cells."""
    return abs(a[0] - b[0]) + abs(a[1] - b[1])


@dataclass(slots=True)
class Track:
    """Where one droplet is: ``cells[i]`` at frame ``start + i``; after the last cell it stays
    parked there unless ``gone`` (it was merged, split or discarded) from ``start + len(cells)``."""

    start: int
    cells: list[Cell]
    gone: bool = False
    _array: np.ndarray[tuple[int, int], np.dtype[np.int64]] | None = None

    def forget(self) -> None:
        """Drop the cached array (call after removing cells)."""
        self._array = None

    def array(self) -> np.ndarray[tuple[int, int], np.dtype[np.int64]]:
        """The cells as an ``(n, 2)`` integer array (cached, extended as the track grows)."""
        n = len(self.cells)
        if self._array is None or self._array.shape[0] > n:
            self._array = np.array(self.cells, dtype=np.int64).reshape(-1, 2)
        elif self._array.shape[0] < n:
            extra = np.array(self.cells[self._array.shape[0]:], dtype=np.int64).reshape(-1, 2)
            self._array = np.concatenate([self._array, extra])
        return self._array

    @property
    def end(self) -> int:
        """First frame after the explicit cells."""
        return self.start + len(self.cells)

    def at(self, t: int) -> Cell | None:
        """The droplet's cell at frame ``t`` (``None`` before it exists or after it is gone)."""
        if t < self.start:
            return None
        if t < self.end:
            return self.cells[t - self.start]
        return None if self.gone else self.cells[-1]

    def commit(self, t: int, path: list[Cell]) -> None:
        """Follow ``path`` from frame ``t`` (``path[0]`` is where the droplet is at ``t``)."""
        self.extend_to(t)
        if self.end > t:
            del self.cells[t - self.start:]
            self.forget()
        self.cells.extend(path)

    def extend_to(self, t: int) -> None:
        """Make the parked position explicit up to frame ``t - 1``."""
        while self.end < t:
            self.cells.append(self.cells[-1])


@dataclass(slots=True)
class Reservations:
    """All droplet tracks of a plan, with a cache of blocked cells per frame."""

    columns: int
    rows: int
    dead: set[Cell] = field(default_factory=set)
    tracks: dict[str, Track] = field(default_factory=dict)
    _cache: dict[tuple[int, frozenset[str]], frozenset[Cell]] = field(default_factory=dict)

    def horizon(self) -> int:
        """A frame after which nothing moves any more."""
        return max((track.end for track in self.tracks.values()), default=0) + 1

    def changed(self) -> None:
        """Forget cached blocked cells (call after changing a track)."""
        self._cache.clear()

    def blocked(self, t: int, ignore: frozenset[str]) -> frozenset[Cell]:
        """Cells a droplet may not occupy at frame ``t``: next to another droplet at t-1, t or t+1."""
        key = (t, ignore)
        cached = self._cache.get(key)
        if cached is not None:
            return cached
        cells: set[Cell] = set()
        for name, track in self.tracks.items():
            if name in ignore:
                continue
            for when in (t - 1, t, t + 1):
                where = track.at(when)
                if where is not None:
                    x, y = where
                    cells.update((x + dx, y + dy) for dx in (-1, 0, 1) for dy in (-1, 0, 1))
        frozen = frozenset(cells)
        self._cache[key] = frozen
        return frozen

    def usable(self, cell: Cell) -> bool:
        """On the grid and not known to be dead."""
        return 0 <= cell[0] < self.columns and 0 <= cell[1] < self.rows and cell not in self.dead

    def parkable(self, cells: Iterable[Cell], t: int, ignore: frozenset[str]) -> bool:
        """True when droplets can stay on ``cells`` from frame ``t`` for ever."""
        wanted = list(cells)
        if not all(self.usable(c) for c in wanted):
            return False
        here = np.array(wanted)
        for name, track in self.tracks.items():
            if name in ignore or (track.gone and track.end <= t - 1):
                continue
            cells = track.array()
            future = cells[max(0, min(t - 1 - track.start, len(cells) - 1)):]
            near = np.abs(future[:, None, :] - here[None, :, :]).max(axis=2) <= 1
            if near.any():
                return False
        return True

    def distances(self, goals: Iterable[Cell]) -> dict[Cell, int]:
        """Electrode steps from every usable cell to the nearest goal (breadth-first, others ignored)."""
        frontier = [g for g in goals if self.usable(g)]
        found = dict.fromkeys(frontier, 0)
        while frontier:
            following = []
            for x, y in frontier:
                for dx, dy in _STEPS[1:]:
                    nxt = (x + dx, y + dy)
                    if nxt not in found and self.usable(nxt):
                        found[nxt] = found[(x, y)] + 1
                        following.append(nxt)
            frontier = following
        return found

    def reachable(self, start: Cell, goals: Iterable[Cell]) -> bool:
        """True when some goal can be reached over usable cells at all (others ignored)."""
        wanted = set(goals)
        seen = {start}
        queue = [start]
        while queue:
            cell = queue.pop()
            if cell in wanted:
                return True
            for dx, dy in _STEPS[1:]:
                nxt = (cell[0] + dx, cell[1] + dy)
                if nxt not in seen and self.usable(nxt):
                    seen.add(nxt)
                    queue.append(nxt)
        return False


_STEPS: tuple[Cell, ...] = ((0, 0), (1, 0), (-1, 0), (0, 1), (0, -1))


def find_route(
    reservations: Reservations,
    start: Cell,
    t0: int,
    *,
    goal: Callable[[Cell, int], bool],
    targets: tuple[Cell, ...] = (),
    ignore: frozenset[str] = frozenset(),
    max_frames: int = 400,
) -> list[Cell] | None:
    """Cells from frame ``t0`` (at ``start``) to the first frame where ``goal(cell, t)`` holds.

    ``targets`` (optional) steer the search (Manhattan heuristic to the nearest); waiting in
    place is allowed. Returns ``None`` when no route exists within ``max_frames``.
    """

    distance = reservations.distances(targets) if targets else {}

    def h(cell: Cell) -> int:
        return distance.get(cell, 10**6) if targets else 0

    # After the last reserved move nothing changes, so waiting longer never helps: frames past
    # the horizon share one search state (this bounds a failing search).
    settled = max(reservations.horizon() + 2, t0)
    limit = t0 + max_frames
    frontier: list[tuple[int, int, int, Cell]] = [(h(start), 0, t0, start)]
    parent: dict[tuple[Cell, int], tuple[Cell, int] | None] = {(start, min(t0, settled)): None}
    counter = 0
    while frontier:
        _, _, t, cell = heapq.heappop(frontier)
        if goal(cell, t):
            path = [cell]
            node = parent[(cell, min(t, settled))]
            while node is not None:
                path.append(node[0])
                node = parent[node]
            return path[::-1]
        if t >= limit:
            continue
        blocked = reservations.blocked(t + 1, ignore)
        key = min(t + 1, settled)
        for dx, dy in _STEPS:
            nxt = (cell[0] + dx, cell[1] + dy)
            if (nxt, key) in parent or nxt in blocked or not reservations.usable(nxt) or h(nxt) >= 10**6:
                continue
            parent[(nxt, key)] = (cell, min(t, settled))
            counter += 1
            heapq.heappush(frontier, (t + 1 - t0 + h(nxt), counter, t + 1, nxt))
    return None
