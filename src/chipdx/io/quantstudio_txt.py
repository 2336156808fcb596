"""Applied Biosystems QuantStudio / 7500 / ViiA 7 text export (``.txt``): read and write.

The export is tab-separated: ``* Key = Value`` header lines, a blank line, then
``[Section]`` blocks (``[Sample Setup]``, ``[Raw Data]``, ``[Amplification Data]``,
``[Multicomponent Data]``, ``[Results]``, ``[Melt Curve Raw Data]``), each a header
row and data rows. Numbers may carry thousands separators (``36,431.130``), well
numbers may be written ``1.0`` and well positions padded with spaces; ``CT`` is
``Undetermined`` when a well did not cross the threshold.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from chipdx.errors import FormatError, UnknownFormatError, quote
from chipdx.io._quantstudio import Table, dataset_from_tables
from chipdx.io._quantstudio_write import write_quantstudio_txt
from chipdx.io._safety import read_file_bounded
from chipdx.io._sniff import sniff_quantstudio_txt
from chipdx.io._text import decode_text
from chipdx.model import Dataset

__all__ = ["read_quantstudio_txt", "sniff_quantstudio_txt", "write_quantstudio_txt"]



def _place(line_numbers: list[int], header_line: int, header: tuple[str, ...]) -> Callable[[int, int], str]:
    def place(row: int, column: int) -> str:
        line = header_line if row < 0 else line_numbers[row]
        name = header[column] if 0 <= column < len(header) else f"#{column + 1}"
        return f"line {line}, column {name!r}" if row >= 0 else f"line {line}"

    return place


def _split_sections(lines: list[str], source: str, *, complete: bool) -> tuple[dict[str, str], dict[str, Table]]:
    meta: dict[str, str] = {}
    tables: dict[str, Table] = {}
    number = 0
    while number < len(lines) and not lines[number].startswith("["):
        text = lines[number].strip()
        if text.startswith("*") and "=" in text:
            key, _, value = text[1:].partition("=")
            meta[" ".join(key.split())] = value.strip()
        elif text:
            raise FormatError(source, f"line {number + 1}", "a '* Key = Value' line or a [Section]", quote(text))
        number += 1
    while number < len(lines):
        name = lines[number].strip()
        if not (name.startswith("[") and name.endswith("]")):
            raise FormatError(source, f"line {number + 1}", "a [Section] heading", quote(name))
        header_line = number + 2
        header = tuple(h.strip() for h in lines[number + 1].split("\t")) if number + 1 < len(lines) else ()
        number += 2
        rows: list[tuple[str, ...]] = []
        line_numbers: list[int] = []
        ended = False
        while number < len(lines) and not lines[number].startswith("["):
            ended = ended or not lines[number].strip()
            if not ended:
                cells = tuple(lines[number].rstrip("\r\n").split("\t"))
                while len(cells) > len(header) and not cells[-1].strip():
                    cells = cells[:-1]
                if number == len(lines) - 1 and not complete and len(cells) < len(header):
                    raise FormatError(source, f"line {number + 1}", f"{len(header)} cells and a line end",
                                      f"{len(cells)} cells at the end of the file (truncated?)")
                if len(cells) > len(header):
                    raise FormatError(source, f"line {number + 1}", f"at most {len(header)} tab-separated cells "
                                      f"as in the [{name[1:-1]}] header", f"{len(cells)} cells")
                rows.append(cells)
                line_numbers.append(number + 1)
            number += 1
        tables[name[1:-1]] = Table(name[1:-1], header, tuple(rows), _place(line_numbers, header_line, header))
    return meta, tables


def read_quantstudio_txt(path: Path) -> Dataset:
    """Read a QuantStudio text export into a dataset (one run).

    Amplification rows come from ``[Amplification Data]`` (``Rn``); without that section,
    ``Rn`` is computed from ``[Multicomponent Data]`` as reporter / passive reference.
    The reported ``CT`` (``None`` for ``Undetermined``), threshold and ``Tm1`` go to
    :class:`~chipdx.model.ReportedResult`; ``[Melt Curve Raw Data]`` becomes the melt curves.
    """
    source = str(path)
    text = decode_text(read_file_bounded(path), source=source)
    lines = text.splitlines()
    if not any(line.strip() for line in lines):
        raise FormatError(source, "", "a QuantStudio text export", "an empty file")
    first = next(line.strip() for line in lines if line.strip())
    if not first.startswith(("*", "[")):
        raise UnknownFormatError(source, "line 1", "a known format (a QuantStudio text export starts with "
                                 "'* Key = Value' lines or a [Section])", quote(first))
    meta, tables = _split_sections(lines, source, complete=text.endswith(("\n", "\r")))
    if not tables:
        raise FormatError(source, f"line {len(lines)}", "[Sample Setup], [Amplification Data] or [Results]",
                          "no [Section] at all (truncated?)")
    if not ({"Sample Setup", "Results", "Amplification Data"} & set(tables)):
        raise FormatError(source, "", "a [Sample Setup], [Amplification Data] or [Results] section",
                          quote(", ".join(tables)))
    return dataset_from_tables(tables, meta, source=source, format="quantstudio-txt")
