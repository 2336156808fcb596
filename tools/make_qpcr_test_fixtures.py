"""Make the hand-made qPCR instrument test fixtures under tests/data (golden quirks and error_* files).

Run from the repository root: python tools/make_qpcr_test_fixtures.py
"""

import gzip
import io
import math
import pathlib
import zipfile

import openpyxl

T = pathlib.Path("tests/data")


def golden() -> None:

    lines = [
    "* Block Type = 384-Well Block",
    "* Chemistry = SYBR_GREEN",
    "* Experiment Name = chipdx quirks",
    "* Experiment Run End Time = 2024-03-01 02:15:00 PM CET",
    "* Experiment Type = Standard Curve",
    "* Instrument Type = ViiA 7",
    "* Passive Reference = ROX",
    "* Quantification Cycle Method = Ct",
    "",
    "[Sample Setup]",
    "Well\tWell Position\tSample Name\tSample Color\tBiogroup Name\tBiogroup Color\tTarget Name\tTarget Color\tTask\tReporter\tQuencher\tQuantity\tComments",
    "1.0\tA1\tstd high\t\t\t\tGENE\t\tSTANDARD\tSYBR\tNone\t1,000.000\t",
    "2.0\tA2\t\t\t\t\tGENE\t\tNTC\tSYBR\tNone\t\t",
    "384.0\tP24\tpatient\t\t\t\tGENE\t\tUNKNOWN\tSYBR\tNone\t\t",
    "",
    "[Multicomponent Data]",
    "Well\tWell Position\tCycle\tROX\tSYBR",
    ]
    for well, pos, base in ((1, "      A1", 1000.0), (2, "      A2", 1000.0), (384, "     P24", 2000.0)):
        for cycle in range(1, 6):
            rox = 10000.0
            sybr = base * (1 + 0.5 * cycle) if well != 2 else base
            lines.append(f"{well}\t{pos}\t{cycle}\t{rox:,.3f}\t{sybr:,.3f}")
    lines += ["", "[Results]",
    "Well\tWell Position\tOmit\tSample Name\tTarget Name\tTask\tReporter\tQuencher\tQuantity\tCT\tCt Threshold\tAutomatic Ct Threshold\tTm1",
    "1\tA1\tfalse\tstd high\tGENE\tSTANDARD\tSYBR\tNone\t1,000.000\t3.250\t0.200\ttrue\t81.500",
    "2\tA2\ttrue\t\tGENE\tNTC\tSYBR\tNone\t\tUndetermined\t0.200\ttrue\t",
    "384\tP24\tfalse\tpatient\tGENE\tUNKNOWN\tSYBR\tNone\t\t4.125\t0.200\ttrue\t81.250",
    "", "[Melt Curve Raw Data]",
    "Well\tWell Position\tReading\tTemperature\tFluorescence\tDerivative",
    ]
    for well, pos in ((1, "      A1"), (384, "     P24")):
        for k in range(4):
            lines.append(f"{well}\t{pos}\t{k+1}\t{60 + k * 5:.3f}\t{3000 - 500 * k:,.3f}\t{100.0:.3f}")
    (T / "quantstudio_txt" / "golden_quirks_384.txt").write_text("\n".join(lines) + "\n", encoding="utf-8")

    wells = ["A1", "A2", "B1"]
    with open(T / "biorad_cfx" / "run_de" / "run de -  Quantification Amplification Results_SYBR.csv", "w", encoding="utf-8") as f:
        f.write(";Cycle;" + ";".join(wells) + "\n")
        for c in range(1, 31):
            f.write(f";{c};" + ";".join(f"{1000 / (1 + math.exp(-(c - 18 - 2 * i) / 1.5)):.4f}".replace(".", ",") for i in range(3)) + "\n")
    with open(T / "biorad_cfx" / "run_de" / "run de -  Melt Curve RFU Results_SYBR.csv", "w", encoding="utf-8") as f:
        f.write(";Temperature;" + ";".join(wells) + "\n")
        for k in range(8):
            f.write(f";{65 + 0.5 * k:.1f};".replace(".", ",") + ";".join(f"{900 - 25 * k:.2f}".replace(".", ",") for _ in wells) + "\n")
    with open(T / "biorad_cfx" / "run_de" / "run de -  Melt Curve Derivative Results_SYBR.csv", "w", encoding="utf-8") as f:
        f.write(";Temperature;" + ";".join(wells) + "\n")
        for k in range(8):
            f.write(f";{65 + 0.5 * k:.1f};".replace(".", ",") + ";".join("50,00" for _ in wells) + "\n")
    with open(T / "biorad_cfx" / "run_de" / "run de -  Quantification Cq Results_0.csv", "w", encoding="utf-8") as f:
        f.write(";Well;Fluor;Target;Content;Sample;Biological Set Name;Cq;Cq Mean;Cq Std. Dev;Starting Quantity (SQ)\n")
        f.write(";A01;SYBR;GAPDH;Std-1;S1;;18,02;18,02;0;1000\n")
        f.write(";A02;SYBR;GAPDH;Unkn-1;patient;;20,11;20,11;0;Non Numérique\n")
        f.write(";B01;SYBR;GAPDH;NTC;;;Non Numérique;Non Numérique;0;Non Numérique\n")


def errors() -> None:
    QS = (T / "quantstudio_txt" / "golden_quirks_384.txt").read_text()
    qs = T / "quantstudio_txt"
    (qs / "error_empty.txt").write_text("")
    cut = QS.index("384\t     P24\t5\t") + len("384\t     P24\t5\t10,0")
    (qs / "error_truncated.txt").write_text(QS[:cut])  # cut inside the last multicomponent row
    (qs / "error_wrong_header.txt").write_text("* Block Type = 96-Well Block\n\n[Amplification Data]\nWell\tCycle\tTarget Name\tSignal\n1\t1\tGENE\t0.5\n")
    (qs / "error_ragged_rows.txt").write_text("* Block Type = 96-Well Block\n\n[Amplification Data]\nWell\tCycle\tTarget Name\tRn\tDelta Rn\n1\t1\tGENE\t0.5\t0.0\t7\t8\n")
    (qs / "error_non_numeric.txt").write_text("* Block Type = 96-Well Block\n\n[Amplification Data]\nWell\tCycle\tTarget Name\tRn\tDelta Rn\n1\t1\tGENE\t0.5\t0.0\n1\t2\tGENE\tabc\t0.0\n")
    (qs / "error_well_outside_plate.txt").write_text("* Block Type = 96-Well Block\n\n[Amplification Data]\nWell\tCycle\tTarget Name\tRn\tDelta Rn\n97\t1\tGENE\t0.5\t0.0\n")
    (qs / "error_duplicate_cycle.txt").write_text("* Block Type = 96-Well Block\n\n[Amplification Data]\nWell\tCycle\tTarget Name\tRn\tDelta Rn\n1\t1\tGENE\t0.5\t0.0\n1\t1\tGENE\t0.6\t0.0\n")

    def book(sheets, name):
        wb = openpyxl.Workbook()
        wb.remove(wb.active)
        for title, rows in sheets.items():
            ws = wb.create_sheet(title)
            for r in rows:
                ws.append(list(r))
        wb.save(name)
    meta = [("Block Type", "96-Well 0.2-mL Block"), ("Instrument Type", "QuantStudio 5"), ()]
    x = T / "quantstudio_xlsx"
    book({"Results": meta + [("Well", "Well Position", "Sample", "Target", "Task", "Reporter", "Cq"),
                             (1, "A1", "S1", "GENE", "UNKNOWN", "FAM", "abc")]}, x / "error_non_numeric.xlsx")
    book({"Amplification Data": meta + [("Well", "Well Position", "Cycle Number", "Target", "Signal"),
                                        (1, "A1", 1, "GENE", 0.5)]}, x / "error_wrong_header.xlsx")
    book({"Results": meta + [("Well", "Well Position", "Sample", "Target", "Task", "Reporter", "Cq"),
                             (1, "Z99", "S1", "GENE", "UNKNOWN", "FAM", 20.0)]}, x / "error_bad_well.xlsx")
    good = io.BytesIO()
    book({"Results": meta + [("Well", "Well Position", "Sample", "Target", "Task", "Reporter", "Cq"),
                             (1, "A1", "S1", "GENE", "UNKNOWN", "FAM", 20.0)]}, good)
    (x / "error_truncated.xlsx").write_bytes(good.getvalue()[:2000])
    (x / "error_empty.xlsx").write_bytes(b"")

    e = T / "quantstudio_eds"
    def eds(name, members):
        with zipfile.ZipFile(e / name, "w", zipfile.ZIP_DEFLATED) as z:
            for k, v in members.items():
                z.writestr(k, v)
    EXP = "<Experiment><Name>x</Name></Experiment>"
    PLATE = ("<Plate><Rows>8</Rows><Columns>12</Columns><FeatureMap><Feature><Id>detector-task</Id></Feature>"
             "<FeatureValue><Index>0</Index><FeatureItem><DetectorTaskList><DetectorTask><Task>UNKNOWN</Task>"
             "<Detector><Name>GENE</Name><Reporter>FAM</Reporter></Detector></DetectorTask></DetectorTaskList>"
             "</FeatureItem></FeatureValue></FeatureMap></Plate>")
    MC = "x MulticomponentData\n\nWELL\tCYCLE\tDYE LIST\tMSE\tSIGNAL DATA\tPURE_DYE_DATA\n0\t0\tFAM\t1.0\t100.0\t1.0\n"
    eds("error_missing_member.eds", {"apldbio/sds/experiment.xml": EXP, "apldbio/sds/plate_setup.xml": PLATE})
    eds("error_dtd.eds", {"apldbio/sds/experiment.xml": '<!DOCTYPE x [<!ENTITY a "b">]>' + EXP,
                          "apldbio/sds/plate_setup.xml": PLATE, "apldbio/sds/multicomponent_data.txt": MC})
    eds("error_wrong_header.eds", {"apldbio/sds/experiment.xml": EXP, "apldbio/sds/plate_setup.xml": PLATE,
                                   "apldbio/sds/multicomponent_data.txt": "hello\nworld\n"})
    eds("error_unclosed_xml.eds", {"apldbio/sds/experiment.xml": EXP, "apldbio/sds/plate_setup.xml": PLATE[:80],
                                   "apldbio/sds/multicomponent_data.txt": MC})
    eds("error_well_outside_plate.eds", {"apldbio/sds/experiment.xml": EXP,
                                         "apldbio/sds/plate_setup.xml": PLATE.replace("<Index>0</Index>", "<Index>96</Index>"),
                                         "apldbio/sds/multicomponent_data.txt": MC})
    (e / "error_empty.eds").write_bytes(b"")
    eds("error_non_numeric.eds", {"apldbio/sds/experiment.xml": EXP,
                                  "apldbio/sds/plate_setup.xml": PLATE.replace("<Task>UNKNOWN</Task>", "<Task>STANDARD</Task><Concentration>ten</Concentration>"),
                                  "apldbio/sds/multicomponent_data.txt": MC})
    ok = e / "error_truncated.eds"
    eds("error_truncated.eds", {"apldbio/sds/experiment.xml": EXP, "apldbio/sds/plate_setup.xml": PLATE,
                                "apldbio/sds/multicomponent_data.txt": MC * 50})
    ok.write_bytes(ok.read_bytes()[:300])

    c = T / "biorad_cfx"
    (c / "error_empty.csv").write_text("")
    (c / "error_wrong_header.csv").write_text(",Foo,Bar,Baz\n,1,2,3\n")
    (c / "error_ragged_rows.csv").write_text(",Cycle,A1,A2\n,1,10.5,11.5\n,2,12.5\n")
    (c / "error_non_numeric.csv").write_text(",Cycle,A1,A2\n,1,10.5,11.5\n,2,12.5,oops\n")
    (c / "error_bad_well.csv").write_text(",Well,Fluor,Target,Content,Sample,Cq\n,Z77,FAM,GENE,Unkn,S1,20.1\n")

    (c / "error_truncated.csv").write_text(";Cycle;A1;A2\n;1;10,5;11,5\n;2;12,5")

    l = T / "roche_lc480"
    RAW = ("Raw Data \t\tExperiment - x (Run on LCS480 1.5.0.39)\r\n"
           "SamplePos\tSampleName\tProg#\tSeg#\tCycle#\tTime\tTemp\t483-533\t\r\n")
    rows = "".join(f"A1\tSample 1\t2\t2\t{c}\t{c*1000}\t60\t{0.5 + c / 10:.2f}\t\r\n" for c in range(1, 11))
    (l / "error_empty.txt.gz").write_bytes(b"")
    (l / "error_wrong_header.txt").write_text(RAW.replace("Cycle#", "Zyklus") + rows)
    (l / "error_non_numeric.txt").write_text(RAW + rows.replace("0.70", "n/v"))
    (l / "error_ragged_rows.txt").write_text(RAW + rows + "A2\tSample 2\t2\t2\n")
    (l / "error_truncated.txt.gz").write_bytes(gzip.compress((RAW + rows * 30).encode())[:200])

    r = T / "rotorgene"
    REX = ('<?xml version="1.0" encoding="utf-8" ?>\n<Experiment>\n<RexHeader>REX 3.14</RexHeader>\n'
           "<Samples><Page><Name>Page 1</Name><Sample><ID>1</ID><Name>NTC</Name><Type>2</Type><GivenConc>0</GivenConc>"
           "<TubePosition>1</TubePosition></Sample></Page></Samples>\n<RawChannels><RawChannel><Name>Cycling A.Green</Name>"
           "<StartX>1</StartX><StepX>1</StepX><XAxisLabel>Cycle</XAxisLabel><Reading>.1 .2 .3 .4</Reading></RawChannel>"
           "</RawChannels>\n</Experiment>\n")
    (r / "error_empty.rex").write_text("")
    (r / "error_unclosed_xml.rex").write_text(REX[:300])
    (r / "error_non_numeric.rex").write_text(REX.replace(".3 .4", ".3 x4"))
    (r / "error_wrong_root.rex").write_text(REX.replace("<Experiment>", "<Run>").replace("</Experiment>", "</Run>"))
    (r / "error_dtd.rex").write_text(REX.replace("<Experiment>", '<!DOCTYPE Experiment [<!ENTITY a "b">]>\n<Experiment>', 1))
    (r / "error_bad_step.rex").write_text(REX.replace("<StepX>1</StepX>", "<StepX></StepX>"))

    q = T / "qpcr_table"
    (q / "error_empty.tsv").write_text("")
    (q / "error_wrong_header.tsv").write_text("well\ttarget\tsignal\nA1\tGENE\t0.5\n")
    (q / "error_ragged_rows.tsv").write_text("well\ttarget\tcycle\tfluor\nA1\tGENE\t1\t0.5\nA1\tGENE\t2\n")
    (q / "error_non_numeric.tsv").write_text("well\ttarget\tcycle\tfluor\nA1\tGENE\t1\t0.5\nA1\tGENE\t2\tlots\n")
    (q / "error_duplicate_cycle.tsv").write_text("well\ttarget\tcycle\tfluor\nA1\tGENE\t1\t0.5\nA1\tGENE\t1\t0.6\n")
    (q / "error_truncated.tsv").write_text("well\ttarget\tcycle\tfluor\nA1\tGENE\t1\t0.5\nA1\tGE")


if __name__ == "__main__":
    golden()
    errors()
