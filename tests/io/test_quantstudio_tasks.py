"""QuantStudio / Design & Analysis task names map onto the model's sample types (issue 16)."""

import pytest

from chipdx.io._quantstudio import sample_type_of_task
from chipdx.model import SampleType


@pytest.mark.parametrize(
    ("task", "kind"),
    [
        ("UNKNOWN", SampleType.UNKNOWN),
        ("STANDARD", SampleType.STANDARD),
        ("NTC", SampleType.NTC),
        ("IPC", SampleType.POSITIVE_CONTROL),
        ("ipc", SampleType.POSITIVE_CONTROL),
        ("Positive Control", SampleType.POSITIVE_CONTROL),
        ("NEGATIVE CONTROL", SampleType.NTC),
        ("BLOCKED_IPC", SampleType.NTC),
        ("SOMETHING_ELSE", SampleType.UNKNOWN),
    ],
)
def test_every_exported_task_has_a_sample_type(task: str, kind: SampleType) -> None:
    assert sample_type_of_task(task) is kind
