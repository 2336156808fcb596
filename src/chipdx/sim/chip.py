"""The DLOC-Sim v1 chip: electrode grid, reservoirs, heater zones, magnet and detector.

Geometry follows SPEC §2 and ``../shared/research/labchip_hardware.md`` §6.1: a 16 x 8 grid
of 2.75 mm electrodes (OpenDrop V4), 180 µm gap (unit droplet ≈ 1.4 µL), eight edge
reservoirs, three heater zones, one retractable magnet under the extraction zone and an
optical detection spot over the anneal zone. Placement of reservoirs and zones on the grid is
a design choice. Cells are ``(x, y)`` with ``0 <= x < columns`` and ``0 <= y < rows``.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

__all__ = ["Cell", "ChipSpec", "Reservoir", "Zone", "cartridge_chip", "default_chip"]

Cell = tuple[int, int]


@dataclass(frozen=True, slots=True)
class Reservoir:
    """An edge reservoir: droplets are dispensed onto (or discarded from) its ``port`` cell."""

    name: str
    port: Cell
    capacity_ul: float = 60.0
    volume_ul: float = 40.0


@dataclass(frozen=True, slots=True)
class Zone:
    """A set of cells with a function: a heater, the magnet or the detector."""

    name: str
    cells: tuple[Cell, ...]
    min_c: float = 20.0
    max_c: float = 99.0


@dataclass(frozen=True, slots=True)
class ChipSpec:
    """A chip: grid size, electrode pitch and gap, reservoirs and zones."""

    columns: int = 16
    rows: int = 8
    pitch_mm: float = 2.75
    gap_um: float = 180.0
    reservoirs: tuple[Reservoir, ...] = ()
    heaters: tuple[Zone, ...] = ()
    magnet: Zone = field(default_factory=lambda: Zone("magnet", ()))
    detector: Zone = field(default_factory=lambda: Zone("detector", ()))

    def __post_init__(self) -> None:
        if self.columns < 3 or self.rows < 3:
            raise ValueError(f"a chip needs at least 3 x 3 electrodes, got {self.columns} x {self.rows}")
        for reservoir in self.reservoirs:
            if not self.inside(reservoir.port):
                raise ValueError(f"reservoir {reservoir.name!r} port {reservoir.port} is off the grid")
        for zone in (*self.heaters, self.magnet, self.detector):
            off = [c for c in zone.cells if not self.inside(c)]
            if off:
                raise ValueError(f"zone {zone.name!r} cell {off[0]} is off the grid")

    @property
    def unit_volume_ul(self) -> float:
        """Volume of a droplet covering one electrode: pitch² x gap (µL).

        >>> round(default_chip().unit_volume_ul, 2)
        1.36
        """
        return self.pitch_mm**2 * self.gap_um / 1000.0

    def inside(self, cell: Cell) -> bool:
        """True when ``cell`` is on the grid."""
        return 0 <= cell[0] < self.columns and 0 <= cell[1] < self.rows

    def reservoir(self, name: str) -> Reservoir:
        """The reservoir called ``name`` (``KeyError`` if none)."""
        for reservoir in self.reservoirs:
            if reservoir.name == name:
                return reservoir
        raise KeyError(name)

    def heater(self, name: str) -> Zone:
        """The heater zone called ``name`` (``KeyError`` if none)."""
        for zone in self.heaters:
            if zone.name == name:
                return zone
        raise KeyError(name)

    def zone(self, name: str) -> Zone:
        """A heater, ``magnet`` or ``detector`` by name."""
        if name == "magnet":
            return self.magnet
        if name == "detector":
            return self.detector
        return self.heater(name)

    def with_reservoirs(self, *extra: Reservoir) -> ChipSpec:
        """A copy with more reservoirs (for cartridges with several specimen inputs)."""
        return replace(self, reservoirs=self.reservoirs + extra)


def _block(x0: int, x1: int, y0: int, y1: int) -> tuple[Cell, ...]:
    return tuple((x, y) for y in range(y0, y1 + 1) for x in range(x0, x1 + 1))


def default_chip(columns: int = 16, rows: int = 8) -> ChipSpec:
    """The DLOC-Sim v1 chip (16 x 8 by default; larger grids keep the same left-hand layout).

    >>> chip = default_chip()
    >>> [r.name for r in chip.reservoirs]
    ['sample', 'lysis', 'wash1', 'wash2', 'elution', 'mastermix', 'control', 'waste']
    """
    bottom = rows - 1
    reservoirs = (
        Reservoir("sample", (1, 0)), Reservoir("lysis", (4, 0)), Reservoir("wash1", (7, 0)),
        Reservoir("wash2", (10, 0)), Reservoir("elution", (13, 0)), Reservoir("mastermix", (1, bottom)),
        Reservoir("control", (4, bottom)), Reservoir("waste", (columns - 1, bottom), capacity_ul=200.0, volume_ul=0.0),
    )
    mid = rows // 2
    heaters = (
        Zone("extraction", _block(5, 8, mid - 1, mid), 20.0, 70.0),
        Zone("denature", _block(10, 11, 2, bottom - 2), 20.0, 99.0),
        Zone("anneal", _block(13, 14, 2, bottom - 2), 20.0, 75.0),
    )
    return ChipSpec(columns, rows, reservoirs=reservoirs, heaters=heaters,
                    magnet=Zone("magnet", _block(6, 7, mid - 1, mid)),
                    detector=Zone("detector", _block(13, 14, 2, bottom - 2)))


#: Extra specimen ports of the cartridge chip, in the order they are used (design choice).
_SPECIMEN_PORTS: tuple[Cell, ...] = ((7, 7), (10, 7), (0, 5), (15, 0))


def cartridge_chip(n_specimens: int, columns: int = 16, rows: int = 8) -> ChipSpec:
    """The default chip with a positive-control reservoir and up to 5 specimen reservoirs.

    Specimen 1 uses ``sample``; the others ``sample2`` ... on free edge electrodes.

    >>> [r.name for r in cartridge_chip(3).reservoirs][-3:]
    ['positive', 'sample2', 'sample3']
    """
    if not 1 <= n_specimens <= len(_SPECIMEN_PORTS) + 1:
        raise ValueError(f"the cartridge chip takes 1-{len(_SPECIMEN_PORTS) + 1} specimens, got {n_specimens}")
    extra = [Reservoir("positive", (0, 2))]
    extra += [Reservoir(f"sample{k + 2}", _SPECIMEN_PORTS[k]) for k in range(n_specimens - 1)]
    return default_chip(columns, rows).with_reservoirs(*extra)
