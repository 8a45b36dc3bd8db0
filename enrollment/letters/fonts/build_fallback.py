"""Rebuild the fallback fonts shipped beside this script (run by hand, rarely).

The main font (BIZ UD明朝) covers JIS X 0213 but not every character in
Japanese resident and family registers (e.g. 𠮷 U+20BB7). The fallback holds
exactly the ideographs that IPAmj明朝 maps to Unicode (the MJ character set the
registers use) and BIZ UD明朝 lacks, with glyphs taken from 花園明朝 A/B, which
may be modified freely (Hanazono Font License). IPAmj itself is not shipped:
its licence requires renaming and re-licensing derived subsets, and the whole
font is 46 MB. The subsets are renamed so they cannot be mistaken for the
originals.

Needs Debian's fonts-morisawa-bizud-mincho, fonts-ipamj-mincho and
fonts-hanazono, and fontTools:

    apt-get install -y fonts-morisawa-bizud-mincho fonts-ipamj-mincho fonts-hanazono
    .venv/bin/python enrollment/letters/fonts/build_fallback.py
"""

from __future__ import annotations

import pathlib

from fontTools import subset
from fontTools.ttLib import TTFont

HERE = pathlib.Path(__file__).resolve().parent
BIZUD = pathlib.Path("/usr/share/fonts/truetype/bizud-mincho/BIZUDMincho-Regular.ttf")
IPAMJ = pathlib.Path("/usr/share/fonts/truetype/ipamj/ipamjm.ttf")
HANAZONO_A = pathlib.Path("/usr/share/fonts/truetype/hanazono/HanaMinA.ttf")
HANAZONO_B = pathlib.Path("/usr/share/fonts/truetype/hanazono/HanaMinB.ttf")


def is_ideograph(cp: int) -> bool:
    return (
        0x3400 <= cp <= 0x4DBF
        or 0x4E00 <= cp <= 0x9FFF
        or 0xF900 <= cp <= 0xFAFF
        or 0x20000 <= cp <= 0x3134F
    )


def _rename(font: TTFont, family: str) -> None:
    name = font["name"]
    for record in list(name.names):
        if record.nameID in (1, 3, 4, 6, 16, 17, 18):
            name.removeNames(nameID=record.nameID)
    for name_id, value in ((1, family), (2, "Regular"), (3, f"{family}-Regular"),
                           (4, family), (6, family.replace(" ", ""))):
        name.setName(value, name_id, 3, 1, 0x409)
        name.setName(value, name_id, 1, 0, 0)


def _subset(source: pathlib.Path, codepoints: set[int], target: pathlib.Path, family: str) -> None:
    options = subset.Options()
    options.layout_features = []
    options.notdef_outline = True
    options.glyph_names = False
    options.hinting = False
    options.drop_tables += ["FFTM", "vhea", "vmtx", "VORG"]
    font = TTFont(source)
    subsetter = subset.Subsetter(options)
    subsetter.populate(unicodes=sorted(codepoints))
    subsetter.subset(font)
    _rename(font, family)
    font.save(target)
    print(f"{target.name}: {len(codepoints)} characters, {target.stat().st_size:,} bytes")


def main() -> None:
    main_font = set(TTFont(BIZUD, lazy=True).getBestCmap())
    register_set = set(TTFont(IPAMJ, lazy=True).getBestCmap())
    hanazono_a = set(TTFont(HANAZONO_A, lazy=True).getBestCmap())
    hanazono_b = set(TTFont(HANAZONO_B, lazy=True).getBestCmap())
    wanted = {cp for cp in register_set if is_ideograph(cp) and cp not in main_font}
    from_a = wanted & hanazono_a
    from_b = (wanted - hanazono_a) & hanazono_b
    _subset(HANAZONO_A, from_a, HERE / "FallbackMinchoA.ttf", "Afterschool Fallback Mincho A")
    _subset(HANAZONO_B, from_b, HERE / "FallbackMinchoB.ttf", "Afterschool Fallback Mincho B")
    uncovered = wanted - from_a - from_b
    print(f"register characters with no glyph in either: {len(uncovered)}")


if __name__ == "__main__":
    main()
