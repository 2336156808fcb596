"""Bio-Rad QX100/QX200/QX600 droplet amplitude exports (QuantaSoft and QX Manager).

One file per well, ``<plate>_<Well>_Amplitude.csv``; the well is only in the file
name. A folder of such files is one plate (several plate names give several
runs); other files in the folder are ignored, except a QuantaSoft results CSV,
whose sample and target names are then used. Header variants read:

* ``Assay1 Amplitude,Assay2 Amplitude[,Cluster]`` (QX100-era QuantaSoft);
* ``Ch1 Amplitude,Ch2 Amplitude[,Cluster]`` (QuantaSoft 1.7);
* ``Ch1Amplitude,Ch2Amplitude,1,2,`` after legend lines (QX Manager), the
  numbered columns being per-target calls ``0``/``1``/``u``.

An amplitude column left empty (single-channel runs) is dropped. QuantaSoft
``Cluster`` codes become per-channel calls: 1 = Ch1-Ch2-, 2 = Ch1+Ch2-,
3 = Ch1+Ch2+, 4 = Ch1-Ch2+, 0 = undefined. The droplet volume is not in the file:
:data:`DEFAULT_DROPLET_VOLUME_NL` (QX200, QuantaSoft >= 1.7) unless the caller
passes another (QuantaSoft before 2016 used 0.91 nL).
"""

from __future__ import annotations

import io
import itertools
import re
from collections.abc import Sequence
from pathlib import Path

import numpy as np
from numpy.typing import NDArray

from chipdx.errors import FormatError, UnsupportedError
from chipdx.io import qx_results
from chipdx.io._atomic import atomic_output
from chipdx.io._safety import read_file_bounded
from chipdx.io._sniff import QX_AMPLITUDE_NAME as _NAME
from chipdx.io._sniff import QX_HEADER_SCAN as _HEADER_SCAN
from chipdx.io._sniff import is_amplitude_file as _is_amplitude_file
from chipdx.io._text import decode_text, split_lines
from chipdx.model import (
    Dataset,
    Dye,
    PartitionCall,
    PlateFormat,
    Run,
    Sample,
    Software,
    Target,
    WellPartitions,
)

__all__ = ["DEFAULT_DROPLET_VOLUME_NL", "read_qx", "read_well_file", "write_qx"]

#: QX200 droplet volume used by QuantaSoft >= 1.7 and QX Manager (Bio-Rad; back-calculated from exports).
DEFAULT_DROPLET_VOLUME_NL = 0.85

_AMPLITUDE = re.compile(r"^(?:ch|assay)\s*(\d+)\s*amplitude$", re.IGNORECASE)
_LINE = re.compile(rb"\r\n|\r|\n")
_NON_SPACE = re.compile(rb"\S")
# QuantaSoft cluster code -> (Ch1 call, Ch2 call)
_CLUSTER_CALLS = np.array([[2, 2], [0, 0], [1, 0], [1, 1], [0, 1]], dtype=np.int8)


def _header_row(lines: list[str], source: str) -> int:
    for index, line in enumerate(lines[:_HEADER_SCAN]):
        first = line.split(",")[0].strip().strip('"')
        if _AMPLITUDE.match(first):
            return index
    raise FormatError(source, "first lines", "a header 'Ch1 Amplitude,Ch2 Amplitude[,Cluster]'", "none")


def _parse_body(raw: bytes, n_columns: int, source: str, first_line: int) -> NDArray[np.float32] | NDArray[np.float64]:
    import pandas as pd

    if _NON_SPACE.search(raw) is None:
        return np.empty((0, n_columns))
    try:  # fast path: every field numeric or empty, parsed from the bytes without decoding
        # float32, as the amplitudes are kept (parsed as doubles, then rounded once)
        frame = pd.read_csv(io.BytesIO(raw), header=None, usecols=range(n_columns), dtype=np.float32,
                            skip_blank_lines=True, engine="c")
        fast: NDArray[np.float32] = frame.to_numpy()
        return fast
    except (ValueError, pd.errors.ParserError):
        pass
    body = "\n".join(split_lines(decode_text(raw)))
    try:
        frame = pd.read_csv(io.StringIO(body), header=None, usecols=range(n_columns), dtype=str,
                            keep_default_na=False, skip_blank_lines=True, engine="c")
    except (ValueError, pd.errors.ParserError) as exc:
        raise FormatError(source, f"after line {first_line}", f"{n_columns} comma-separated fields", str(exc)) from None
    values: NDArray[np.float64] = np.asarray(frame.apply(pd.to_numeric, errors="coerce").to_numpy(), dtype=np.float64)
    bad = np.isnan(values) & (frame.to_numpy() != "")
    if bad.any():
        row, column = np.argwhere(bad)[0]
        raise FormatError(source, f"line {first_line + 1 + int(row)}, column {column + 1}", "a number",
                          repr(frame.iat[row, column])[:40])
    return values


def _calls(header: list[str], values: NDArray[np.float32] | NDArray[np.float64], amp_idx: list[int],
           text_cols: list[list[str]]) -> NDArray[np.int8] | None:
    names = [h.lower() for h in header]
    if "cluster" in names:
        column = values[:, names.index("cluster")]
        known = (column >= 0) & (column <= 4)  # an empty cell (NaN) is neither
        if not known.any() or np.count_nonzero(known) + np.count_nonzero(np.isnan(column)) < len(column):
            return None
        codes = np.where(known, column, 0).astype(np.int8)
        calls: NDArray[np.int8] = _CLUSTER_CALLS[:, : len(amp_idx)][codes]
        return calls
    if len(text_cols) == len(amp_idx) and text_cols:
        mapping = {"0": PartitionCall.NEGATIVE, "1": PartitionCall.POSITIVE}
        return np.array([[mapping.get(v.lower(), PartitionCall.UNDEFINED) for v in col] for col in text_cols],
                        dtype=np.int8).T
    return None


def _body_offset(head: bytes, header_line: int) -> int:
    """Where the line after line ``header_line`` (0-based) starts: only the header's line ends are scanned."""
    ends = _LINE.finditer(head)
    match = next(itertools.islice(ends, header_line, None), None)
    return len(head) if match is None else match.end()


def read_well_file(path: Path) -> tuple[list[str], NDArray[np.float32], NDArray[np.int8] | None]:
    """Channels, amplitudes ``(droplets x channels)`` and calls of one amplitude file."""
    import pandas as pd

    source = str(path)
    data = read_file_bounded(path)
    if b"\x00" in data[:4096]:
        raise FormatError(source, "", "a text (CSV) file", "binary data")
    head_lines = _LINE.split(data[:16384], maxsplit=_HEADER_SCAN)
    start = _header_row([decode_text(line) for line in head_lines[:_HEADER_SCAN]], source)
    offset = _body_offset(data[:16384], start)
    header = [h.strip().strip('"') for h in decode_text(head_lines[start]).split(",")]
    while header and not header[-1]:
        header.pop()
    amp_idx = [i for i, h in enumerate(header) if _AMPLITUDE.match(h)]
    numbered = [i for i, h in enumerate(header) if h.isdecimal()]
    n_columns = len(header)
    raw = data[offset:]
    text_cols: list[list[str]] = []
    if numbered:
        body = "\n".join(split_lines(decode_text(raw)))
        frame = pd.read_csv(io.StringIO(body), header=None, usecols=range(n_columns), dtype=str,
                            keep_default_na=False, engine="c") if body.strip() else None
        text_cols = [] if frame is None else [frame[i].str.strip().tolist() for i in numbered]
        body_numeric = "\n".join(",".join(row) for row in ([] if frame is None else
                                                            frame[amp_idx].to_numpy().tolist()))
        values = _parse_body(body_numeric.encode(), len(amp_idx), source, start + 1)
        amp_idx_local = list(range(len(amp_idx)))
    else:
        values = _parse_body(raw, n_columns, source, start + 1)
        amp_idx_local = amp_idx
    amplitudes = values[:, amp_idx_local]
    keep = [j for j in range(len(amp_idx)) if amplitudes.shape[0] == 0 or not np.all(np.isnan(amplitudes[:, j]))]
    if not keep:
        raise FormatError(source, "amplitude columns", "at least one filled amplitude column", "all empty")
    channels = [f"Ch{_AMPLITUDE.match(header[amp_idx[j]]).group(1)}" for j in keep]  # type: ignore[union-attr]
    calls = _calls(header, values, amp_idx, text_cols)
    if calls is not None:
        calls = calls[:, keep]
    return channels, amplitudes[:, keep].astype(np.float32), calls


def _well_files(path: Path) -> list[Path]:
    if path.is_dir():
        files = sorted(p for p in path.iterdir() if _is_amplitude_file(p))
        if not files:
            raise FormatError(str(path), "", "files named <plate>_<Well>_Amplitude.csv", "none")
        return files
    if _NAME.match(path.name) is None:
        raise FormatError(str(path), "file name", "a name ending _<Well>_Amplitude.csv (the well is only there)",
                          repr(path.name))
    return [path]


def _results_names(path: Path) -> dict[tuple[str, str], tuple[str, str]]:
    """(well, channel) -> (sample, target) from a QuantaSoft results CSV in the folder, if any."""
    if not path.is_dir():
        return {}
    for candidate in sorted(path.glob("*.csv")):
        if _is_amplitude_file(candidate):
            continue
        try:
            return qx_results.names_by_well(candidate)
        except FormatError:
            continue
    return {}


def _plate_name(text: str) -> str:
    """The plate part of a file name; Latin-1 bytes that the file system could not decode are decoded."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        text = text.encode("utf-8", "surrogateescape").decode("latin-1")
    return text or "plate"


def read_qx(path: str | Path, *, droplet_volume_nl: float = DEFAULT_DROPLET_VOLUME_NL) -> Dataset:
    """Read one amplitude file or a folder of them (a plate).

    Parameters
    ----------
    path
        ``<plate>_<Well>_Amplitude.csv`` or a folder holding such files.
    droplet_volume_nl
        Droplet volume to record; the files do not carry it.
    """
    path = Path(path)
    names = _results_names(path)
    plates: dict[str, list[tuple[str, list[str], NDArray[np.float32], NDArray[np.int8] | None]]] = {}
    for file in _well_files(path):
        match = _NAME.match(file.name)
        assert match is not None
        label = f"{match['row'].upper()}{int(match['col'])}"
        plates.setdefault(_plate_name(match["plate"]), []).append((label, *read_well_file(file)))
    return _dataset(plates, names, droplet_volume_nl)


def _dataset(plates: dict[str, list[tuple[str, list[str], NDArray[np.float32], NDArray[np.int8] | None]]],
             names: dict[tuple[str, str], tuple[str, str]], volume_nl: float) -> Dataset:
    runs: list[Run] = []
    samples: dict[str, Sample] = {}
    targets: dict[str, str] = {}
    for plate_name, wells in plates.items():
        plate = PlateFormat(8, 12)
        parts = []
        for label, channels, amplitudes, calls in wells:
            well = plate.parse(label)
            label_key = f"{label[0]}{int(label[1:]):02d}"
            sample = names.get((label_key, channels[0]), (label, ""))[0] or label
            well_targets = tuple(names.get((label_key, ch), ("", ch))[1] or ch for ch in channels)
            if len(set(well_targets)) != len(well_targets):
                well_targets = tuple(channels)
            for target, channel in zip(well_targets, channels, strict=True):
                targets.setdefault(target, channel)
            samples.setdefault(sample, Sample(sample))
            parts.append(WellPartitions(well, sample, volume_nl, targets=well_targets, amplitudes=amplitudes,
                                        calls=calls))
        runs.append(Run(plate_name, plate, partitions=tuple(sorted(parts, key=lambda p: p.well.index)),
                        software=Software("QuantaSoft/QX Manager")))
    dyes = sorted(set(targets.values()))
    return Dataset(tuple(runs), samples=tuple(samples.values()),
                   targets=tuple(Target(t, dye_id=c) for t, c in targets.items()),
                   dyes=tuple(Dye(d) for d in dyes))


def _cluster_codes(calls: NDArray[np.int8]) -> NDArray[np.int64]:
    positive = calls == PartitionCall.POSITIVE
    negative = calls == PartitionCall.NEGATIVE
    ch1p = positive[:, 0]
    ch2p = positive[:, 1] if calls.shape[1] > 1 else np.zeros_like(ch1p)
    defined = (positive | negative).all(axis=1)
    codes = np.select([ch1p & ch2p, ch1p, ch2p], [3, 2, 4], default=1)
    return np.where(defined, codes, 0)


def _well_csv(well: WellPartitions) -> str:
    if well.amplitudes is None:
        raise UnsupportedError(f"well {well.well.label} has counts only; a QX amplitude file needs amplitudes")
    n_channels = well.amplitudes.shape[1]
    if n_channels > 2:
        raise UnsupportedError(f"well {well.well.label} has {n_channels} channels; QX files hold 2")
    header = ["Ch1 Amplitude", "Ch2 Amplitude"]
    columns: list[NDArray[np.float64] | NDArray[np.int64]] = [well.amplitudes.astype(np.float64)]
    row = ",".join(["%.9g"] * n_channels + [""] * (2 - n_channels))
    if well.calls is not None:
        columns.append(_cluster_codes(well.calls)[:, None])
        header.append("Cluster")
        row += ",%d"
    # one formatting call over all values (``%`` on a repeated row pattern): the same text as per-value
    # formatting, without a Python loop over the droplets
    values = np.hstack([c.astype(object) for c in columns]).ravel().tolist()
    return ",".join(header) + "\r\n" + ((row + "\r\n") * well.n_partitions) % tuple(values)


def write_qx(dataset: Dataset, path: str | Path) -> None:
    """Write QuantaSoft amplitude CSV: one file, or a folder of ``<run>_<Well>_Amplitude.csv``.

    A path ending ``.csv`` takes a dataset with exactly one well; any other path is
    a folder that receives one file per well. Each file is written atomically.
    """
    path = Path(path)
    wells = [(run.id, w) for run in dataset.runs for w in run.partitions]
    if path.suffix.lower() == ".csv":
        if len(wells) != 1:
            raise UnsupportedError(f"{path.name}: {len(wells)} wells need a folder, not one .csv file")
        outputs: Sequence[tuple[Path, WellPartitions]] = [(path, wells[0][1])]
    else:
        outputs = [(path / f"{run_id}_{w.well.label[0]}{w.well.column + 1:02d}_Amplitude.csv", w)
                   for run_id, w in wells]
    texts = [(target, _well_csv(well)) for target, well in outputs]
    for target, text in texts:
        with atomic_output(target) as stream:
            stream.write(text.encode())
