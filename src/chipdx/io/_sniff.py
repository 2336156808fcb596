"""How each format is recognised from a file's first bytes (or a folder's names), without its reader.

The registry (:mod:`chipdx.io._catalogue`) calls these before it imports any reader
module, so this module imports only the standard library and the light text helpers:
recognising a file never costs the import of every reader (lxml, pandas, ...).
Every ``sniff(path, head)`` is true when ``head`` (the first 64 KiB; empty for a
folder) looks like its format.
"""

from __future__ import annotations

import gzip
import io
import re
import zipfile
import zlib
from pathlib import Path

from chipdx.errors import FormatError
from chipdx.io._safety import read_zip_member
from chipdx.io._text import guess_dialect, gunzip_head, split_lines

__all__ = [
    "CFX_FAMILY",
    "CFX_WELL",
    "QX_AMPLITUDE_NAME",
    "QX_HEADER_SCAN",
    "is_amplitude_file",
    "is_rdml_head",
    "sheet_names",
    "sniff_absolute_q",
    "sniff_absolute_q_multichannel",
    "sniff_absolute_q_summary",
    "sniff_cfx",
    "sniff_eds",
    "sniff_lc480",
    "sniff_partition_table",
    "sniff_qiacuity",
    "sniff_qiacuity_summary",
    "sniff_qpcr_table",
    "sniff_quantstudio_txt",
    "sniff_quantstudio_xlsx",
    "sniff_qx",
    "sniff_qx_results",
    "sniff_rdml",
    "sniff_rex",
]

# --- workbooks and zips -------------------------------------------------------------------------------------

_SHEET = re.compile(rb'<sheet\b[^>]*\bname="([^"]*)"')


def sheet_names(path: Path) -> list[str]:
    """The sheet names of a workbook, read from ``xl/workbook.xml`` (empty when not a workbook)."""
    try:
        with zipfile.ZipFile(path) as archive:
            if "xl/workbook.xml" not in archive.namelist():
                return []
            data = read_zip_member(archive, "xl/workbook.xml", source=str(path), limit=1 << 22)
    except (zipfile.BadZipFile, OSError, EOFError, ValueError, FormatError, NotImplementedError, RuntimeError):
        return []
    return [name.decode("utf-8", "replace") for name in _SHEET.findall(data)]


# --- dPCR ----------------------------------------------------------------------------------------------------

#: ``<plate>_<Well>_Amplitude.csv``: the QX file name, the only place the well is named.
QX_AMPLITUDE_NAME = re.compile(r"^(?P<plate>.*?)_?(?P<row>[A-Pa-p])0*(?P<col>\d{1,2})_Amplitude\.csv$",
                               re.IGNORECASE)
#: Lines of a QX file searched for the amplitude header.
QX_HEADER_SCAN = 30


def is_amplitude_file(path: Path) -> bool:
    """True for a file named like a QX amplitude export."""
    return path.is_file() and QX_AMPLITUDE_NAME.match(path.name) is not None


def sniff_qx(path: Path, head: bytes) -> bool:
    """QX amplitude CSV (``Ch1 Amplitude``/``Assay1 Amplitude`` header), or a folder holding one."""
    if path.is_dir():
        return any(is_amplitude_file(p) for p in path.iterdir())
    text = head[:4096].decode("latin-1").lower().replace(" ", "")
    return any(line.startswith(("ch1amplitude", "assay1amplitude")) for line in split_lines(text)[:QX_HEADER_SCAN])


def _first_line(head: bytes) -> str:
    return split_lines(head[:4096].decode("latin-1"))[0].replace('"', "")


def sniff_qx_results(path: Path, head: bytes) -> bool:
    """QuantaSoft/QX Manager results table: ``Well`` first, ``Sample`` and ``Positives`` columns."""
    if path.is_dir():
        return False
    line = _first_line(head)
    return line.startswith(("Well,", "Well\t")) and "Positives" in line and "Sample" in line


def sniff_absolute_q(path: Path, head: bytes) -> bool:
    """Absolute Q per-partition CSV (``Well ID``, ``Reject`` and ``*_pos`` columns)."""
    if path.is_dir():
        return False
    line = split_lines(head[:4096].decode("latin-1"))[0]
    return "Well ID" in line and "Reject" in line and "_pos" in line


def sniff_absolute_q_multichannel(path: Path, head: bytes) -> bool:
    """Absolute Q multichannel export (counts per channel combination)."""
    if path.is_dir():
        return False
    cells = {c.strip() for c in split_lines(head[:4096].decode("latin-1"))[0].split(",")}
    return {"Sample", "Channels", "Count", "Copies per microliter", "Total"} <= cells


def sniff_qiacuity_summary(path: Path, head: bytes) -> bool:
    """QIAcuity result CSV (``Partitions (...)`` columns, no per-partition rows)."""
    text = head[:4096].decode("latin-1")
    return not path.is_dir() and "Partitions (" in text and "Partition," not in text and "RFU" not in text


def sniff_absolute_q_summary(path: Path, head: bytes) -> bool:
    """Absolute Q well table or summary (``Well``, ``Total``, ``Positives`` and ``Dye`` or ``Run name``)."""
    fields = {f.strip().strip('"') for line in split_lines(head[:4096].decode("latin-1"))[:2] for f in line.split(",")}
    return not path.is_dir() and {"Well", "Total", "Positives"} <= fields and bool({"Dye", "Run name"} & fields)


#: Channel column names of a partition table.
PARTITION_CHANNEL = re.compile(r"^(channel\d+|ch\d+|fam|hex|vic|cy5|rox|texas red|atto ?\d+)$", re.IGNORECASE)
#: Columns of a partition table that are neither the well nor a channel.
PARTITION_IGNORED = {"cluster", "cluster_name"}


def _partition_header(head: bytes) -> list[str]:
    if head[:2] == b"\x1f\x8b":
        try:
            head = gzip.GzipFile(fileobj=io.BytesIO(head)).read1(4096)
        except (OSError, EOFError, zlib.error):
            return []
    lines = split_lines(head[:4096].decode("latin-1"))
    return [h.strip().strip('"') for h in lines[0].split(",")] if lines else []


def sniff_partition_table(path: Path, head: bytes) -> bool:
    """A plain partition table: ``[well,]`` then channel columns only."""
    if path.is_dir():
        return False
    names = [n for n in _partition_header(head) if n.lower() != "well" and n.lower() not in PARTITION_IGNORED]
    return bool(names) and all(PARTITION_CHANNEL.match(n) for n in names)


def sniff_qiacuity(path: Path, head: bytes) -> bool:
    """QIAcuity partition CSV (``Partition``, ``Is positive``, ``RFU``)."""
    if path.is_dir():
        return False
    text = head[:4096].decode("latin-1")
    return "Partition" in text and "Is positive" in text and "RFU" in text


# --- qPCR ----------------------------------------------------------------------------------------------------

#: A CFX export's file name: ``<run> - <table>[_<fluor>].csv``.
CFX_FAMILY = re.compile(r"^(.*?)\s*-?\s*(Quantification Amplification Results|Melt Curve RFU Results|"
                        r"Quantification Cq Results|Melt Curve Derivative Results)(?:_([^_]+))?\.csv$", re.IGNORECASE)
#: A well label as CFX writes it (``A1``, ``H12``).
CFX_WELL = re.compile(r"^[A-Pa-p]\d{1,2}$")


def sniff_cfx(path: Path, head: bytes) -> bool:
    """True for a CFX CSV table, a folder of them, or a workbook of CFX tables (``adp`` sheet)."""
    if path.is_dir():
        return any(CFX_FAMILY.match(p.name) for p in path.iterdir())
    if head.startswith(b"PK"):
        names = sheet_names(path)
        return "adp" in names or ("0" in names and "Results" not in names)
    line = head.lstrip(b"\xef\xbb\xbf").split(b"\n", 1)[0].decode("utf-8", "replace").strip()
    delimiter, _ = guess_dialect(line)
    cells = [c.strip().strip('"') for c in line.split(delimiter)]
    if len(cells) < 3 or cells[0] != "":
        return False
    return (cells[1] in {"Cycle", "Temperature"} and bool(CFX_WELL.match(cells[2]))) or cells[1:3] == ["Well", "Fluor"]


def qpcr_table_header(head: bytes) -> list[str]:
    """The lower-case column names of a qPCR table's first line (gzip or plain)."""
    line = gunzip_head(head).lstrip(b"\xef\xbb\xbf").split(b"\n", 1)[0].decode("utf-8", "replace").strip()
    delimiter, _ = guess_dialect(line)
    return [c.strip().strip('"').lower() for c in line.split(delimiter)]


def sniff_qpcr_table(path: Path, head: bytes) -> bool:
    """True for a long table (``cycle`` and ``fluor`` columns) or a wide one (``well`` + cycle-number columns)."""
    if path.is_dir() or head.startswith(b"PK"):
        return False
    header = qpcr_table_header(head)
    if {"cycle", "fluor"} <= set(header) and set(header) & {"well", "target", "sample", "sample_type", "dye"}:
        return True
    numeric = [h for h in header if h.isdecimal()]
    return bool({"well", "sample"} & set(header)) and len(numeric) >= 3 and "1" in numeric


#: The folder of an .eds zip that holds the experiment.
EDS_ROOT = "apldbio/sds/"
#: What opening a damaged zip can raise.
EDS_ZIP_ERRORS = (zipfile.BadZipFile, OSError, EOFError, ValueError, NotImplementedError, RuntimeError, KeyError)


def sniff_eds(path: Path, head: bytes) -> bool:
    """True for a zip holding ``apldbio/sds/experiment.xml``."""
    if not head.startswith(b"PK"):
        return False
    try:
        with zipfile.ZipFile(path) as archive:
            return f"{EDS_ROOT}experiment.xml" in archive.namelist()
    except EDS_ZIP_ERRORS:
        return False


_QUANTSTUDIO_SECTIONS = (b"[Sample Setup]", b"[Amplification Data]", b"[Results]", b"[Raw Data]",
                         b"[Multicomponent Data]")


def sniff_quantstudio_txt(path: Path, head: bytes) -> bool:
    """True for text that opens with ``* Key = Value`` lines or a ``[Section]`` of a QuantStudio export."""
    start = head.lstrip(b"\xef\xbb\xbf \t\r\n")
    if not (start.startswith((b"* ", b"["))):
        return False
    return any(section in head for section in _QUANTSTUDIO_SECTIONS) or b"* Block Type" in head


#: QuantStudio workbook sheets read under another name.
QUANTSTUDIO_SHEET_ALIASES = {"Melt Curve Raw": "Melt Curve Raw Data", "Primary_result": "Results"}
_QUANTSTUDIO_MARKS = ("Results", "Amplification Data",
                      *(alias for alias, name in QUANTSTUDIO_SHEET_ALIASES.items() if name == "Results"))


def sniff_quantstudio_xlsx(path: Path, head: bytes) -> bool:
    """True for a workbook with a ``Results`` (or ``Primary_result``) or ``Amplification Data`` sheet."""
    if not head.startswith(b"PK"):
        return False
    names = sheet_names(path)
    return any(mark in names for mark in _QUANTSTUDIO_MARKS)


#: The column header of a LightCycler 480 raw-data export.
LC480_RAW_HEADER = b"SamplePos\tSampleName\tProg#"
#: The column header of a LightCycler 480 Abs Quant export.
LC480_CP_HEADER = b"Include\tColor\tPos\tName\tCp"


def sniff_lc480(path: Path, head: bytes) -> bool:
    """True for a LightCycler 480 raw or Abs Quant text export (gzip or plain)."""
    head = gunzip_head(head)
    return LC480_RAW_HEADER in head[:4096] or (head.startswith(b"Experiment:") and LC480_CP_HEADER in head[:4096])


def sniff_rex(path: Path, head: bytes) -> bool:
    """True for XML holding a ``<RexHeader>``."""
    return b"<RexHeader>" in head[:4096]


_RDML_ROOT = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?rdml[\s>/]")


def is_rdml_head(head: bytes) -> bool:
    """True when the first bytes of an XML document open an ``<rdml>`` root.

    >>> is_rdml_head(b'<?xml version="1.0"?><rdml version="1.3">')
    True
    >>> is_rdml_head(b'<html>')
    False
    """
    return _RDML_ROOT.search(head[:4096]) is not None


def sniff_rdml(path: Path, head: bytes) -> bool:
    """True when ``head`` starts an RDML zip or an XML document with an ``<rdml>`` root."""
    if head.startswith(b"PK"):
        if path.suffix.lower() == ".rdml":
            return True
        try:
            with zipfile.ZipFile(io.BytesIO(path.read_bytes()) if path.stat().st_size < 1 << 26 else path) as archive:
                xml = [n for n in archive.namelist() if n.lower().endswith(".xml") and "/" not in n]
                return len(xml) >= 1 and any(is_rdml_head(archive.open(n).read(4096)) for n in xml[:3])
        except (zipfile.BadZipFile, OSError, EOFError, ValueError, NotImplementedError, RuntimeError):
            return False
    return is_rdml_head(head)
