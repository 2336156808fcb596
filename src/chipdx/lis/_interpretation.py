"""The sample's interpretation in words, as both messages carry it: the pathogens detected by name (every one of a
co-infection), else what the result is, then the findings it rests on."""

from __future__ import annotations

from chipdx.model import SampleResult

__all__ = ["interpretation"]


def interpretation(sample: SampleResult) -> str:
    """One line: ``Detected: SARS-CoV-2, Influenza A. <findings>`` or ``No pathogen detected. …``.

    >>> from chipdx.model import SampleResult
    >>> s = SampleResult("S1", "unkn", "detected", "report", ("SARS-CoV-2", "FluA"), ("SARS-CoV-2 and FluA",),
    ...                  (), (), False, "", (), "r", "0" * 64, None, None, "1")
    >>> interpretation(s)
    'Detected: SARS-CoV-2, FluA. SARS-CoV-2 and FluA.'
    """
    if sample.detected:
        head = f"Detected: {', '.join(sample.detected)}"
    elif sample.result == "not_detected":
        head = "No pathogen detected"
    else:
        head = f"No pathogen reported ({sample.result.replace('_', ' ')})"
    notes = "; ".join(sample.findings).rstrip(".")
    return f"{head}. {notes}." if notes else f"{head}."
