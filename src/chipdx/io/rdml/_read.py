"""Read RDML 1.0-1.4 into the chipdx model.

The reader follows the RDML 1.3 schema (Lefever et al. 2009, Nucleic Acids Res.
37:2065; Ruijter et al. 2015, Biomol. Detect. Quantif. 3:1) and tolerates what
real files from older versions and vendors do: 1.0 well labels (``A1``) and free
plate formats, ``<dyeId>`` given as text, dyes referenced but never declared,
``NaN``/``-1`` for values that are not available.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from lxml import etree

from chipdx.errors import FormatError, UndeclaredReferenceError, quote
from chipdx.io._safety import parse_xml
from chipdx.io.rdml._container import RdmlContainer
from chipdx.io.rdml._curves import CurveCollector, read_partitions
from chipdx.io.rdml._values import ValueDecoder
from chipdx.model import (
    CqMethod,
    Dataset,
    Dye,
    DyeChemistry,
    LabelFormat,
    PlateFormat,
    Provenance,
    Quantity,
    QuantityUnit,
    Reaction,
    ReportedResult,
    Run,
    Sample,
    SampleType,
    Sequences,
    Software,
    Target,
    TargetType,
    Well,
)

__all__ = ["SAMPLE_TYPE_ANNOTATION", "VERSIONS", "parse_dataset"]

VERSIONS = ("1.0", "1.1", "1.2", "1.3", "1.4")
#: Annotation property that carries chipdx sample types RDML has no code for.
SAMPLE_TYPE_ANNOTATION = "chipdx:sample_type"
PROVENANCE_DOCUMENT = "chipdx-provenance"


@dataclass(frozen=True, slots=True)
class _Context:
    """What every part of the reader needs: the source name, the namespace and decoding.

    ``melt`` is ``False`` when the caller wants no melt curves (their points are not parsed).
    """

    values: ValueDecoder
    ns: str
    melt: bool = True

    def tag(self, name: str) -> str:
        return f"{{{self.ns}}}{name}" if self.ns else name

    def text(self, element: etree._Element, name: str) -> str | None:
        found = element.find(self.tag(name))
        if found is None:
            return None
        return (found.text or "").strip()

    def children(self, element: etree._Element, name: str) -> list[etree._Element]:
        return element.findall(self.tag(name))

    def ref(self, element: etree._Element, name: str) -> str | None:
        """An ``id`` reference: ``<name id="x"/>`` (or ``<name>x</name>`` as RDML 1.0 files do)."""
        found = element.find(self.tag(name))
        if found is None:
            return None
        value = found.get("id")
        if value is None:
            value = (found.text or "").strip()
        return value or None


def _enum_or_none(enum: type[DyeChemistry] | type[CqMethod], text: str | None) -> DyeChemistry | CqMethod | None:
    if not text:
        return None
    try:
        return enum(text)
    except ValueError:
        return CqMethod.OTHER if enum is CqMethod else None


def _dyes(root: etree._Element, ctx: _Context) -> list[Dye]:
    dyes = []
    for element in ctx.children(root, "dye"):
        dye_id = element.get("id") or ""
        if not dye_id:
            raise ctx.values.fail("dye", "an id attribute", "none")
        chemistry = _enum_or_none(DyeChemistry, ctx.text(element, "dyeChemistry"))
        dyes.append(Dye(dye_id, chemistry if isinstance(chemistry, DyeChemistry) else None,
                        ctx.text(element, "description") or None))
    return dyes


def _sample_type(text: str | None, place: str, ctx: _Context) -> SampleType:
    try:
        return SampleType((text or "unkn").strip())
    except ValueError:
        codes = ", ".join(t.value for t in SampleType)
        raise ctx.values.fail(place, f"a sample type ({codes})", quote(text)) from None


def _sample(element: etree._Element, ctx: _Context) -> Sample:
    sample_id = element.get("id") or ""
    place = f"sample[{sample_id}]"
    if not sample_id:
        raise ctx.values.fail("sample", "an id attribute", "none")
    sample_type = SampleType.UNKNOWN
    by_target: list[tuple[str, SampleType]] = []
    for type_element in ctx.children(element, "type"):
        parsed = _sample_type(type_element.text, f"{place}/type", ctx)
        target = type_element.get("targetId")
        if target:
            by_target.append((target, parsed))
        else:
            sample_type = parsed
    annotations = []
    for annotation in ctx.children(element, "annotation"):
        key, value = ctx.text(annotation, "property") or "", ctx.text(annotation, "value") or ""
        if key == SAMPLE_TYPE_ANNOTATION:
            sample_type = _sample_type(value, f"{place}/annotation", ctx)
        elif key.startswith(SAMPLE_TYPE_ANNOTATION + "@"):
            target = key.split("@", 1)[1]
            by_target = [(t, s) for t, s in by_target if t != target]
            by_target.append((target, _sample_type(value, f"{place}/annotation", ctx)))
        else:
            annotations.append((key, value))
    return Sample(
        sample_id,
        sample_type,
        _quantity(element, place, ctx),
        tuple(by_target),
        ctx.text(element, "description") or None,
        tuple(annotations),
    )


def _quantity(element: etree._Element, place: str, ctx: _Context) -> Quantity | None:
    found = element.find(ctx.tag("quantity"))
    if found is None:
        return None
    value = ctx.values.optional(ctx.text(found, "value"), f"{place}/quantity/value")
    if value is None:
        return None
    unit_text = ctx.text(found, "unit") or "cop"
    try:
        unit = QuantityUnit(unit_text)
    except ValueError:
        units = ", ".join(u.value for u in QuantityUnit)
        raise ctx.values.fail(f"{place}/quantity/unit", f"a unit ({units})", quote(unit_text)) from None
    return Quantity(value, unit)


def _sequences(element: etree._Element, ctx: _Context) -> Sequences | None:
    found = element.find(ctx.tag("sequences"))
    if found is None:
        return None
    names = ("forwardPrimer", "reversePrimer", "probe1", "probe2", "amplicon")
    values = []
    for name in names:
        oligo = found.find(ctx.tag(name))
        values.append(None if oligo is None else (ctx.text(oligo, "sequence") or None))
    return Sequences(*values)


def _target(element: etree._Element, ctx: _Context) -> Target:
    target_id = element.get("id") or ""
    if not target_id:
        raise ctx.values.fail("target", "an id attribute", "none")
    place = f"target[{target_id}]"
    type_text = ctx.text(element, "type") or "toi"
    try:
        target_type = TargetType(type_text)
    except ValueError:
        raise ctx.values.fail(f"{place}/type", "toi or ref", quote(type_text)) from None
    decode = ctx.values.optional
    return Target(
        target_id,
        ctx.ref(element, "dyeId") or "unknown dye",
        target_type,
        ctx.text(element, "description") or None,
        decode(ctx.text(element, "amplificationEfficiency"), f"{place}/amplificationEfficiency"),
        decode(ctx.text(element, "amplificationEfficiencySE"), f"{place}/amplificationEfficiencySE"),
        ctx.text(element, "amplificationEfficiencyMethod") or None,
        decode(ctx.text(element, "meltingTemperature"), f"{place}/meltingTemperature"),
        decode(ctx.text(element, "detectionLimit"), f"{place}/detectionLimit"),
        _sequences(element, ctx),
    )


def _scalar_children(data: etree._Element, ctx: _Context) -> dict[str, str]:
    """Local name -> text of the children of ``<data>`` other than curve points.

    RDML puts them before the first and after the last point, so only the two ends are
    visited (looking each name up with ``find`` would walk every point of the curve).
    """
    points = {ctx.tag("adp"), ctx.tag("mdp")}
    found: dict[str, str] = {}
    for children in (data.iterchildren(), data.iterchildren(reversed=True)):
        for child in children:
            if child.tag in points:
                break
            if isinstance(child.tag, str):
                found.setdefault(child.tag.rsplit("}", 1)[-1], (child.text or "").strip())
    return found


def _reported(data: etree._Element, place: str, ctx: _Context) -> ReportedResult:
    fields = _scalar_children(data, ctx)

    def value(name: str, *, negative_is_missing: bool = False) -> float | None:
        return ctx.values.optional(fields.get(name), f"{place}/{name}", negative_is_missing=negative_is_missing)

    return ReportedResult(
        cq=value("cq", negative_is_missing=True),
        n0=value("N0", negative_is_missing=True),
        efficiency=value("ampEff"),
        efficiency_se=value("ampEffSE"),
        efficiency_method=fields.get("ampEffMet") or None,
        corrected_cq=value("corrCq", negative_is_missing=True),
        correction_factor=value("corrF"),
        correction_p=value("corrP", negative_is_missing=True),
        melt_temperature_c=value("meltTemp"),
        end_point=value("endPt"),
        background_fluorescence=value("bgFluor"),
        background_slope=value("bgFluorSlp"),
        quantification_fluorescence=value("quantFluor"),
        excluded=fields.get("excl"),
        note=fields.get("note") or None,
    )


def _plate(run: etree._Element, react_ids: list[str], place: str, ctx: _Context) -> PlateFormat:
    found = run.find(ctx.tag("pcrFormat"))
    if found is not None and found.find(ctx.tag("rows")) is not None:
        rows = ctx.values.integer(ctx.text(found, "rows"), f"{place}/pcrFormat/rows")
        columns = ctx.values.integer(ctx.text(found, "columns"), f"{place}/pcrFormat/columns")
        labels = []
        for name, default in (("rowLabel", "ABC"), ("columnLabel", "123")):
            text = ctx.text(found, name) or default
            try:
                labels.append(LabelFormat(text))
            except ValueError:
                raise ctx.values.fail(f"{place}/pcrFormat/{name}", "ABC, 123 or A1a1", quote(text)) from None
        if rows >= 1 and columns >= 1:
            return PlateFormat(rows, columns, labels[0], labels[1])
    # RDML 1.0 "free format": infer the plate from the reaction ids.
    if all(r.isdigit() for r in react_ids):
        return PlateFormat(max([int(r) for r in react_ids] or [1]), 1, LabelFormat.NUMBERS)
    loose = PlateFormat(702, 999)
    wells = []
    for react_id in react_ids:
        try:
            wells.append(loose.parse(react_id))
        except ValueError:
            raise ctx.values.fail(f"{place}/react", "a well number or label such as A1", quote(react_id)) from None
    return PlateFormat.fitting(max(w.row for w in wells) + 1, max(w.column for w in wells) + 1)


def _well(plate: PlateFormat, react_id: str, place: str, ctx: _Context) -> Well:
    try:
        return plate.well(int(react_id)) if react_id.isdigit() else plate.parse(react_id)
    except ValueError:
        raise ctx.values.fail(
            f"{place}/@id", f"a position on a {plate.rows}x{plate.columns} plate", quote(react_id)
        ) from None


def _run(
    run: etree._Element, experiment_id: str, declared: _Declared, container: RdmlContainer, ctx: _Context
) -> Run:
    run_id = run.get("id") or ""
    place = f"experiment[{experiment_id}]/run[{run_id}]"
    if not run_id:
        raise ctx.values.fail(f"experiment[{experiment_id}]/run", "an id attribute", "none")
    reacts = ctx.children(run, "react")
    plate = _plate(run, [r.get("id") or "" for r in reacts], place, ctx)
    placed = sorted(((_well(plate, r.get("id") or "", f"{place}/react", ctx), r) for r in reacts),
                    key=lambda pair: pair[0].index)
    reactions: list[Reaction] = []
    curves = CurveCollector(ctx.values)
    partitions = []
    for well, react in placed:
        react_place = f"{place}/react[{react.get('id')}]"
        sample_id = declared.sample(ctx.ref(react, "sample"), f"{react_place}/sample", ctx)
        for data in ctx.children(react, "data"):
            target_id = declared.target(ctx.ref(data, "tar"), f"{react_place}/data/tar", ctx)
            data_place = f"{react_place}/data[{target_id}]"
            reactions.append(Reaction(well, sample_id, target_id, _reported(data, data_place, ctx)))
            curves.add(data, data_place, ctx.tag, melt=ctx.melt)
        found = react.find(ctx.tag("partitions"))
        if found is not None:
            partitions.append(
                read_partitions(found, well, sample_id, f"{react_place}/partitions", container, ctx.tag,
                                ctx.values, lambda ref, where: declared.target(ref, where, ctx))
            )
    software = run.find(ctx.tag("dataCollectionSoftware"))
    try:
        return Run(
            run_id,
            plate,
            tuple(reactions),
            amplification=curves.amplification(),
            melt=curves.melt(),
            partitions=tuple(partitions),
            experiment_id=experiment_id,
            description=ctx.text(run, "description") or None,
            instrument=ctx.text(run, "instrument") or None,
            software=None if software is None else Software(
                ctx.text(software, "name") or "", ctx.text(software, "version") or ""),
            background_method=ctx.text(run, "backgroundDeterminationMethod") or None,
            cq_method=_cq_method(ctx.text(run, "cqDetectionMethod")),
            run_date=_date(ctx.text(run, "runDate"), f"{place}/runDate", ctx),
        )
    except ValueError as exc:
        raise ctx.values.fail(place, "a consistent run", str(exc)) from None


def _cq_method(text: str | None) -> CqMethod | None:
    method = _enum_or_none(CqMethod, text)
    return method if isinstance(method, CqMethod) else None


def _date(text: str | None, place: str, ctx: _Context) -> dt.datetime | None:
    if not text:
        return None
    try:
        return dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise ctx.values.fail(place, "an ISO 8601 date and time", quote(text)) from None


@dataclass(slots=True)
class _Declared:
    """Declared samples and targets, to resolve references with a clear error."""

    samples: set[str]
    targets: set[str]

    def sample(self, ref: str | None, place: str, ctx: _Context) -> str:
        return self._resolve(ref, self.samples, "sample", place, ctx)

    def target(self, ref: str | None, place: str, ctx: _Context) -> str:
        return self._resolve(ref, self.targets, "target", place, ctx)

    @staticmethod
    def _resolve(ref: str | None, known: set[str], kind: str, place: str, ctx: _Context) -> str:
        if ref is None:
            raise ctx.values.fail(place, f"a reference to a {kind}", "none")
        if ref not in known:
            expected = f"a {kind} declared in <{kind} id=...>"
            raise UndeclaredReferenceError(ctx.values.source, place, expected, quote(ref))
        return ref


def _simulated(root: etree._Element, ctx: _Context) -> bool:
    for document in ctx.children(root, "documentation"):
        if document.get("id") == PROVENANCE_DOCUMENT:
            return "simulated: yes" in (ctx.text(document, "text") or "")
    return False


def parse_dataset(container: RdmlContainer, source: str, *, melt: bool = True) -> Dataset:
    """Parse the RDML XML of ``container`` into a :class:`~chipdx.model.Dataset` (``melt=False``: no melt)."""
    where = source if container.archive is None else f"{source}[{container.member}]"
    root = parse_xml(container.xml, source=where)
    qname = etree.QName(root)
    if qname.localname != "rdml":
        raise FormatError(where, "root element", "<rdml>", f"<{qname.localname}>")
    version = (root.get("version") or "").strip()
    if version not in VERSIONS:
        raise FormatError(where, "rdml/@version", f"one of {', '.join(VERSIONS)}", quote(version or "none"))
    ctx = _Context(ValueDecoder(where), qname.namespace or "", melt)
    dyes = _dyes(root, ctx)
    samples = [_sample(e, ctx) for e in ctx.children(root, "sample")]
    targets = [_target(e, ctx) for e in ctx.children(root, "target")]
    for kind, ids in (("sample", [s.id for s in samples]), ("target", [t.id for t in targets]),
                      ("dye", [d.id for d in dyes])):
        twice = sorted({i for i in ids if ids.count(i) > 1})
        if twice:
            raise FormatError(where, kind, f"unique {kind} ids", f"{quote(twice[0])} declared twice")
    for dye_id in dict.fromkeys(t.dye_id for t in targets):
        if dye_id not in {d.id for d in dyes}:
            dyes.append(Dye(dye_id))  # real files (RDML 1.0, vendors) refer to dyes they never declare
    declared = _Declared({s.id for s in samples}, {t.id for t in targets})
    runs = []
    for experiment in ctx.children(root, "experiment"):
        experiment_id = experiment.get("id") or "experiment"
        runs += [_run(r, experiment_id, declared, container, ctx) for r in ctx.children(experiment, "run")]
    try:
        return Dataset(tuple(runs), tuple(samples), tuple(targets), tuple(dyes),
                       Provenance(source, "rdml", version, simulated=_simulated(root, ctx)))
    except ValueError as exc:
        raise FormatError(where, "rdml", "a consistent dataset", str(exc)) from None

