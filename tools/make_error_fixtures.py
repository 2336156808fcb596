"""Make the deliberately broken ``tests/data/rdml/error_*`` fixtures (run from the repo root).

Each file breaks one rule; ``tests/io/test_broken_input.py`` says what each must give.
"""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

OUT = Path(__file__).resolve().parents[1] / "tests" / "data" / "rdml"

HEAD = '<?xml version="1.0" encoding="UTF-8"?>\n'
DECLS = ('<dye id="SYBR"/><sample id="S1"><type>unkn</type></sample>'
         '<target id="T1"><type>toi</type><dyeId id="SYBR"/></target>')


def rdml(body: str = "", *, version: str = "1.3", decls: str = DECLS, sample: str = "S1", target: str = "T1",
         react: str = "1", points: str = "<adp><cyc>1</cyc><fluor>1.5</fluor></adp>") -> str:
    run = ('<experiment id="e"><run id="r"><pcrFormat><rows>8</rows><columns>12</columns><rowLabel>ABC'
           f'</rowLabel><columnLabel>123</columnLabel></pcrFormat><react id="{react}"><sample id="{sample}"/>'
           f'<data><tar id="{target}"/>{points}</data></react></run></experiment>')
    return f'{HEAD}<rdml xmlns="http://www.rdml.org" version="{version}">{decls}{body or run}</rdml>\n'


def zipped(members: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in members.items():
            archive.writestr(zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0)), content,
                             compress_type=zipfile.ZIP_DEFLATED)
    return buffer.getvalue()


def bomb(size: int = 300 * 1024 * 1024) -> bytes:
    """A zip whose one member inflates to ``size`` bytes of zeros (about 1000:1)."""
    buffer = io.BytesIO()
    chunk = b"\0" * (1 << 20)
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        info = zipfile.ZipInfo("rdml_data.xml", date_time=(1980, 1, 1, 0, 0, 0))
        info.compress_type = zipfile.ZIP_DEFLATED
        with archive.open(info, "w") as member:
            for _ in range(size // len(chunk)):
                member.write(chunk)
    return buffer.getvalue()


def fixtures() -> dict[str, bytes]:
    good = zipped({"rdml_data.xml": rdml().encode()})
    laughs = ('<?xml version="1.0"?>\n<!DOCTYPE rdml [\n <!ENTITY a "aaaaaaaaaa">\n'
              ' <!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">\n <!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;">\n]>\n'
              '<rdml xmlns="http://www.rdml.org" version="1.3"><dye id="&c;"/></rdml>\n')
    xxe = ('<?xml version="1.0"?>\n<!DOCTYPE rdml [<!ENTITY x SYSTEM "file:///etc/passwd">]>\n'
           '<rdml xmlns="http://www.rdml.org" version="1.3"><dye id="&x;"/></rdml>\n')
    return {
        "error_empty.rdml": b"",
        "error_binary_garbage.rdml": bytes(range(256)) * 4,
        "error_truncated_zip.rdml": good[: len(good) // 2],
        "error_unclosed_xml.rdml": rdml().encode()[:-30],
        "error_wrong_root.rdml": b'<?xml version="1.0"?>\n<html><body>not RDML</body></html>\n',
        "error_unknown_version.rdml": rdml(version="2.0").encode(),
        "error_undeclared_sample.rdml": rdml(sample="S9").encode(),
        "error_undeclared_target.rdml": rdml(target="T9").encode(),
        "error_non_numeric.rdml": rdml(points="<adp><cyc>1</cyc><fluor>abc</fluor></adp>").encode(),
        "error_non_finite.rdml": rdml(points="<adp><cyc>1</cyc><fluor>INF</fluor></adp>").encode(),
        "error_duplicate_cycle.rdml": rdml(points="<adp><cyc>1</cyc><fluor>1</fluor></adp>" * 2).encode(),
        "error_well_outside_plate.rdml": rdml(react="97").encode(),
        "error_entity_expansion.rdml": laughs.encode(),
        "error_external_entity.rdml": xxe.encode(),
        "error_zip_bomb.rdml": bomb(),
        "error_no_rdml_member.rdml": zipped({"a.xml": rdml().encode(), "b.xml": rdml().encode()}),
        "error_unknown_format.txt": b"Well,Cycle,Value\nA1,1,0.5\n",
    }


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    for name, content in fixtures().items():
        (OUT / name).write_bytes(content)
    print(f"wrote {len(fixtures())} fixtures to tests/data/rdml/")


if __name__ == "__main__":
    main()
