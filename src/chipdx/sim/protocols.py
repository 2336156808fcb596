"""Built-in protocols: magnetic-bead extraction, on-chip qPCR, dPCR loading and the cartridge.

Extraction follows the silica-bead sequence of ``../shared/research/labchip_hardware.md`` §1.2
and SPEC §2: lysis/bind with beads, magnet capture, two washes, dry, heated elution. Times
and temperatures are SPEC §2 defaults (lysis 56 °C, elution 65 °C, two-step PCR 95/60 °C).
"""

from __future__ import annotations

from chipdx.sim.protocol import Program, Protocol

__all__ = ["add_extraction", "add_qpcr", "cartridge_protocol", "dpcr_protocol", "extraction_protocol",
           "qpcr_protocol"]


def add_extraction(program: Program, reservoir: str, tag: str, *, dry_s: float = 60.0,
                   elution_c: float = 65.0) -> str:
    """Append one extraction of the specimen in ``reservoir``; returns the eluate's droplet name."""
    p = program
    p.dispense(reservoir, f"{tag}.s").dispense("lysis", f"{tag}.l").merge(f"{tag}.s", f"{tag}.l", f"{tag}.m")
    p.mix(f"{tag}.m", 3).heat(f"{tag}.m", "extraction", 56.0, 60.0)
    p.capture(f"{tag}.m", f"{tag}.b0", f"{tag}.sup0").discard(f"{tag}.sup0")
    beads = f"{tag}.b0"
    for k, wash in enumerate(("wash1", "wash2"), start=1):
        p.dispense(wash, f"{tag}.w{k}").merge(beads, f"{tag}.w{k}", f"{tag}.bw{k}")
        p.release(f"{tag}.bw{k}").mix(f"{tag}.bw{k}", 2)
        p.capture(f"{tag}.bw{k}", f"{tag}.b{k}", f"{tag}.sup{k}").discard(f"{tag}.sup{k}")
        beads = f"{tag}.b{k}"
    p.heat(beads, "extraction", 56.0, dry_s)  # dry: evaporate residual ethanol
    p.dispense("elution", f"{tag}.e").merge(beads, f"{tag}.e", f"{tag}.be").release(f"{tag}.be")
    p.mix(f"{tag}.be", 2).heat(f"{tag}.be", "extraction", elution_c, 60.0)
    p.capture(f"{tag}.be", f"{tag}.spent", f"{tag}.eluate").discard(f"{tag}.spent")
    return f"{tag}.eluate"


def add_qpcr(program: Program, template: str, tag: str, *, cycles: int = 40, discard: bool = False,
             melt: bool = False) -> str:
    """Mix a template droplet with master mix and thermocycle it; returns the PCR droplet.

    With ``melt`` a melt ramp (65-95 °C, 0.5 °C steps, one read per step) follows the last
    cycle; with ``discard`` the droplet goes to waste after its last read, freeing the heater zones.
    """
    program.dispense("mastermix", f"{tag}.mm").merge(template, f"{tag}.mm", f"{tag}.pcr").mix(f"{tag}.pcr", 2)
    program.thermocycle(f"{tag}.pcr", cycles)
    if melt:
        program.melt(f"{tag}.pcr")
    if discard:
        program.discard(f"{tag}.pcr")
    return f"{tag}.pcr"


def extraction_protocol() -> Protocol:
    """One magnetic-bead extraction of the ``sample`` reservoir, eluate sent to the detector."""
    program = Program("extraction")
    eluate = add_extraction(program, "sample", "S1")
    return program.detect(eluate).build()


def qpcr_protocol(cycles: int = 40, *, melt: bool = False) -> Protocol:
    """On-chip qPCR of a template from the ``sample`` reservoir (no extraction), optionally melted."""
    program = Program("qpcr")
    program.dispense("sample", "T")
    add_qpcr(program, "T", "Q", cycles=cycles, melt=melt)
    return program.build()


def dpcr_protocol() -> Protocol:
    """Prepare a dPCR reaction on chip (template + master mix), then hand it to the partitioner.

    Partitioning into 20 000 droplets happens off-grid (a droplet generator or nanoplate);
    the chip's job is the reaction mix, delivered to the ``detector`` port.
    """
    program = Program("dpcr")
    program.dispense("sample", "T").dispense("mastermix", "mm").merge("T", "mm", "R").mix("R", 3)
    return program.move("R", "detector").build()


def cartridge_protocol(specimens: tuple[str, ...], *, extraction_control: str = "control",
                       positive_control: str = "positive", cycles: int = 40, melt: bool = False) -> Protocol:
    """Extraction -> qPCR for each specimen reservoir and the extraction control, plus an NTC
    (elution buffer as template) and a positive control (template from ``positive_control``);
    with ``melt`` every PCR droplet is melted at the detector after its last cycle."""
    program = Program("cartridge")
    pcr: list[str] = []
    for k, reservoir in enumerate((*specimens, extraction_control), start=1):
        tag = "EC" if reservoir == extraction_control else f"S{k}"
        eluate = add_extraction(program, reservoir, tag)
        pcr.append(add_qpcr(program, eluate, tag, cycles=cycles, discard=True, melt=melt))
    program.dispense("elution", "NTC.t")
    pcr.append(add_qpcr(program, "NTC.t", "NTC", cycles=cycles, discard=True, melt=melt))
    program.dispense(positive_control, "PC.t")
    pcr.append(add_qpcr(program, "PC.t", "PC", cycles=cycles, discard=True, melt=melt))
    return program.build()
