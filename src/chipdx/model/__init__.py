"""The chipdx data model: frozen records and read-only numpy arrays.

This layer imports nothing else of chipdx. Readers (``chipdx.io``) and the
simulator (``chipdx.sim``) produce these objects; analysis consumes them.

Examples
--------
>>> import numpy as np
>>> from chipdx.model import (AmplificationCurves, Dataset, Dye, PlateFormat, Reaction,
...     Run, Sample, SampleType, Target)
>>> plate = PlateFormat(8, 12)
>>> run = Run("r1", plate, (Reaction(plate.parse("A1"), "ntc", "N1"),),
...           amplification=AmplificationCurves(np.arange(1.0, 41.0), np.zeros((1, 40))))
>>> data = Dataset((run,), samples=(Sample("ntc", SampleType.NTC),),
...                targets=(Target("N1", dye_id="FAM"),), dyes=(Dye("FAM"),))
>>> data.runs[0].fluorescence.shape
(1, 40)
"""

from chipdx.model._curves import AmplificationCurves, MeltCurves
from chipdx.model._partitions import PartitionCall, PartitionCounts, WellPartitions
from chipdx.model._plate import LabelFormat, PlateFormat, Well
from chipdx.model._results import DpcrWellResult, ReactionResult, ResultProvenance, SampleResult, TargetResult
from chipdx.model._run import (
    CqMethod,
    Dataset,
    Provenance,
    Reaction,
    ReportedResult,
    Run,
    Software,
)
from chipdx.model._sample import Quantity, QuantityUnit, Sample, SampleType
from chipdx.model._target import Dye, DyeChemistry, Sequences, Target, TargetType

__all__ = [
    "AmplificationCurves",
    "CqMethod",
    "Dataset",
    "DpcrWellResult",
    "Dye",
    "DyeChemistry",
    "LabelFormat",
    "MeltCurves",
    "PartitionCall",
    "PartitionCounts",
    "PlateFormat",
    "Provenance",
    "Quantity",
    "QuantityUnit",
    "Reaction",
    "ReactionResult",
    "ReportedResult",
    "ResultProvenance",
    "Run",
    "Sample",
    "SampleResult",
    "SampleType",
    "Sequences",
    "Software",
    "Target",
    "TargetResult",
    "TargetType",
    "Well",
    "WellPartitions",
]
