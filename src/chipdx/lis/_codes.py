"""The versioned code table (LOINC for tests, SNOMED CT for qualitative results, UCUM for units)."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

import yaml

__all__ = ["LOCAL_RESULTS", "LOINC", "SNOMED", "UCUM", "Code", "CodeTable", "code_table"]

LOINC = "http://loinc.org"
SNOMED = "http://snomed.info/sct"
UCUM = "http://unitsofmeasure.org"
LOCAL_RESULTS = "urn:chipdx:result"
TABLE_FILE = "chipdx-lis-codes-2026.1.yaml"


@dataclass(frozen=True, slots=True)
class Code:
    """One coded concept: its system (a FHIR URI), code and display text."""

    system: str
    code: str
    display: str

    @property
    def hl7_system(self) -> str:
        """The HL7 v2 coding-system name (table 0396): LN, SCT, UCUM, or L for a local code."""
        return {LOINC: "LN", SNOMED: "SCT", UCUM: "UCUM"}.get(self.system, "L")


@dataclass(frozen=True, slots=True)
class CodeTable:
    """The mapping table: ``table_id`` and ``version`` go with every message coded with it."""

    table_id: str
    version: str
    panels: dict[str, Code]
    targets: dict[tuple[str, str], Code]
    results: dict[str, Code]
    units: dict[str, Code]

    def panel(self, assay: str) -> Code:
        """The sample-level test code of an assay (local when the table has none)."""
        return self.panels.get(assay) or Code(f"urn:chipdx:assay:{assay or 'none'}", "result",
                                              f"{assay or 'chipdx'} result")

    def target(self, assay: str, target: str) -> Code:
        """The test code of one target of an assay (local when the table has none)."""
        return self.targets.get((assay, target)) or Code(f"urn:chipdx:target:{assay or 'none'}", target, target)

    def measurement(self, assay: str, target: str, quantity: str) -> Code:
        """A local code for a number measured on a target (``cq`` or ``copies_per_ul``): LOINC's quantitative
        terms are assay-specific, so the receiver maps these in its own catalogue."""
        label = {"cq": "Cq", "copies_per_ul": "copies/µL"}[quantity]
        return Code(f"urn:chipdx:target:{assay or 'none'}", f"{target}.{quantity}", f"{target} {label}")

    def result(self, value: str) -> Code:
        """The coded qualitative value (SNOMED CT where one exists, else a local chipdx code)."""
        return self.results.get(value) or Code(LOCAL_RESULTS, value, value.replace("_", " "))

    @property
    def label(self) -> str:
        return f"{self.table_id} {self.version}"


def _codes(section: dict[str, Any], system: str) -> dict[str, Code]:
    return {str(key): Code(system, str(value["code"]), str(value["display"])) for key, value in section.items()}


@cache
def code_table() -> CodeTable:
    """The shipped table (``chipdx/lis/codes``)."""
    text = resources.files("chipdx.lis").joinpath("codes", TABLE_FILE).read_text(encoding="utf-8")
    data = yaml.safe_load(text)
    targets = {(assay, target): code for assay, section in data["targets"].items()
               for target, code in _codes(section, LOINC).items()}
    return CodeTable(str(data["id"]), str(data["version"]), _codes(data["panels"], LOINC), targets,
                     _codes(data["results"], SNOMED), _codes(data["units"], UCUM))
