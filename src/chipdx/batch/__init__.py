"""Batch analysis at scale on Dask: many run files in, partitioned Parquet out.

``run_batch(["runs/"], Path("out"))`` reads every run file (any supported format, qPCR
and dPCR), runs each through :mod:`chipdx.pipeline` as one Dask task (a local cluster of
processes, or a given scheduler) and writes ``out/reactions/``, ``out/dpcr/`` and
``out/samples/`` (Parquet, partitioned by run), ``out/errors.parquet`` and
``out/manifest.json``. Open them with pandas, pyarrow or DuckDB; see ``docs/batch.md``.
"""

from chipdx.batch._inputs import BatchInput, expand_inputs
from chipdx.batch._run import BatchPlan, BatchReport, execute_plan, plan_batch, run_batch
from chipdx.batch._summary import BatchSummary, summarise, summary_text, write_summary_html
from chipdx.batch._tables import SCHEMAS, TABLES, read_table
from chipdx.batch._task import Outcome, process_input

__all__ = ["SCHEMAS", "TABLES", "BatchInput", "BatchPlan", "BatchReport", "BatchSummary", "Outcome", "execute_plan",
           "expand_inputs", "plan_batch", "process_input", "read_table", "run_batch", "summarise", "summary_text",
           "write_summary_html"]
