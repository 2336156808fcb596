"""The formats chipdx knows: name, description, endings, sniffer, and the module that reads them.

Registered when :mod:`chipdx.io` is imported, in the order :func:`chipdx.io.detect`
tries them. A reader module is imported only when its format is read or written:
sniffing uses the light functions of :mod:`chipdx.io._sniff`, so ``chipdx --help`` and
recognising a file do not import every reader (lxml, pandas, the xlsx and XML parsers).
"""

from __future__ import annotations

import importlib
from pathlib import Path

from chipdx.io import _sniff
from chipdx.io._registry import FileFormat, Reader, Sniffer, Writer, register
from chipdx.model import Dataset

__all__ = ["deferred_reader", "deferred_writer"]


def deferred_reader(module: str, name: str) -> Reader:
    """A reader that imports ``module`` on its first call and hands over to its function ``name``."""

    def read(path: Path) -> Dataset:
        reader: Reader = getattr(importlib.import_module(module), name)
        return reader(path)

    read.__qualname__ = read.__name__ = name
    read.__module__ = module
    return read


def deferred_writer(module: str, name: str) -> Writer:
    """A writer that imports ``module`` on its first call and hands over to its function ``name``."""

    def write(dataset: Dataset, path: Path) -> None:
        writer: Writer = getattr(importlib.import_module(module), name)
        writer(dataset, path)

    write.__qualname__ = write.__name__ = name
    write.__module__ = module
    return write


def _declare(name: str, description: str, extensions: tuple[str, ...], sniff: Sniffer, module: str,
             reader: str = "", writer: str = "", amplification_reader: str = "", refusal: str = "") -> None:
    path = f"chipdx.io.{module}"
    register(FileFormat(
        name=name, description=description, extensions=extensions, sniff=sniff,
        reader=deferred_reader(path, reader) if reader else None,
        writer=deferred_writer(path, writer) if writer else None,
        amplification_reader=deferred_reader(path, amplification_reader) if amplification_reader else None,
        refusal=refusal,
    ))


_declare("absolute-q-multichannel", "Absolute Q multichannel export", (), _sniff.sniff_absolute_q_multichannel,
         "absolute_q", refusal="counts per channel combination, no wells: export the well table")
_declare("absolute-q-partitions", "Thermo Fisher Absolute Q per-partition CSV", (), _sniff.sniff_absolute_q,
         "absolute_q", reader="read_absolute_q")
_declare("biorad-cfx", "Bio-Rad CFX Manager/Maestro CSV exports (amplification, melt, Cq) or their xlsx tables",
         (".csv",), _sniff.sniff_cfx, "biorad_cfx", reader="read_cfx")
_declare("qiacuity-results", "QIAGEN QIAcuity result CSV (counts per well and target)", (),
         _sniff.sniff_qiacuity_summary, "dpcr_summaries", reader="read_qiacuity_summary")
_declare("absolute-q-results", "Thermo Fisher Absolute Q well table or summary (counts per well and dye)", (),
         _sniff.sniff_absolute_q_summary, "dpcr_summaries", reader="read_absolute_q_summary")
_declare("partition-table", "partition table CSV (optionally gzip): [well,] channel columns", (".csv.gz",),
         _sniff.sniff_partition_table, "partition_table", reader="read_partition_table")
_declare("qiacuity-partitions", "QIAGEN QIAcuity partition CSV (one row per partition and channel)", (),
         _sniff.sniff_qiacuity, "qiacuity", reader="read_qiacuity")
_declare("qpcr-table", "RDES-style qPCR table (long: cycle/fluor rows; wide: cycle columns), .csv/.tsv[.gz]",
         (".tsv",), _sniff.sniff_qpcr_table, "qpcr_table", reader="read_qpcr_table")
_declare("quantstudio-eds", "Applied Biosystems .eds experiment (7500/StepOne/QuantStudio v1)", (".eds",),
         _sniff.sniff_eds, "quantstudio_eds", reader="read_eds")
_declare("quantstudio-txt", "Applied Biosystems QuantStudio/7500/ViiA 7 text export", (".txt",),
         _sniff.sniff_quantstudio_txt, "quantstudio_txt", reader="read_quantstudio_txt",
         writer="write_quantstudio_txt")
_declare("quantstudio-xlsx", "Applied Biosystems QuantStudio Design & Analysis xlsx export", (".xlsx",),
         _sniff.sniff_quantstudio_xlsx, "quantstudio_xlsx", reader="read_quantstudio_xlsx")
_declare("qx-results", "Bio-Rad QuantaSoft/QX Manager results table (CSV/TSV, counts per well and channel)", (),
         _sniff.sniff_qx_results, "qx_results", reader="read_qx_results", writer="write_qx_results")
_declare("qx-amplitude", "Bio-Rad QuantaSoft/QX Manager amplitude CSV (one file per well, or a folder)",
         ("_amplitude.csv",), _sniff.sniff_qx, "qx", reader="read_qx", writer="write_qx")
_declare("rdml", "RDML 1.0-1.4", (".rdml",), _sniff.sniff_rdml, "rdml", reader="read_rdml", writer="write_rdml",
         amplification_reader="_read_rdml_amplification")
_declare("roche-lc480", "Roche LightCycler 480 text export (raw data or Abs Quant), plain or .gz", (".gz",),
         _sniff.sniff_lc480, "roche_lc480", reader="read_lc480")
_declare("rotorgene-rex", "QIAGEN Rotor-Gene Q run file (.rex)", (".rex",), _sniff.sniff_rex, "rotorgene",
         reader="read_rex")
