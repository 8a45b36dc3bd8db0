"""Name readings: whatever a phone keyboard produces, stored as full-width katakana.

Families type readings in hiragana (the default on phones), in half-width katakana (old PC
habits, bank forms) or in full-width katakana. The city's registers, letters and rosters sort
and print readings in full-width katakana, so every reading is stored that way: small kana
(ァ ッ ャ ュ ョ) are kept, because ジョウ and ジヨウ are different readings, and the long-vowel
mark ー too. Pure functions, no Django.
"""

from __future__ import annotations

import re
import unicodedata

# Hiragana ぁ (U+3041) to ゖ (U+3096) and the iteration marks ゝゞ sit exactly 0x60 below their
# katakana counterparts.
_HIRAGANA_FIRST, _HIRAGANA_LAST = 0x3041, 0x3096
_HIRAGANA_ITERATION = {"ゝ": "ヽ", "ゞ": "ヾ"}
_KATAKANA_OFFSET = 0x60

# Full-width katakana ァ (U+30A1) to ヺ (U+30FA), the middle dot ・ for foreign names split in
# two, the long-vowel mark ー and the iteration marks ヽヾ.
_KATAKANA_RE = re.compile(r"[\u30A1-\u30FA\u30FB\u30FC\u30FD\u30FE]+(?:\u3000[\u30A1-\u30FE]+)*")
_KANA_CHAR_RE = re.compile(r"[\u30A1-\u30FA\u30FC-\u30FE]")

# Dashes people type for the long-vowel mark when the keyboard hides ー; they only mean ー right
# after a kana (a dash at the start of a reading means nothing and is refused).
_DASHES = "-‐‑‒–—―−－ｰ～〜~"
_WHITESPACE_RE = re.compile(r"\s+")


def to_katakana(text: str) -> str:
    """``text`` converted to full-width katakana, spaces collapsed to one ideographic space.

    Characters that are not kana are left as they are, so ``is_katakana`` can refuse them.
    NFKC joins half-width voiced marks to their kana (ｶﾞ → ガ, ﾊﾟ → パ) and composes a kana
    followed by a combining mark; hiragana are then shifted to katakana.
    """
    normalised = unicodedata.normalize("NFKC", text)
    converted: list[str] = []
    for char in normalised:
        code = ord(char)
        if _HIRAGANA_FIRST <= code <= _HIRAGANA_LAST:
            char = chr(code + _KATAKANA_OFFSET)
        else:
            char = _HIRAGANA_ITERATION.get(char, char)
        if char in _DASHES and converted and _KANA_CHAR_RE.fullmatch(converted[-1]):
            char = "ー"
        converted.append(char)
    return _WHITESPACE_RE.sub("\u3000", "".join(converted).strip())


def is_katakana(text: str) -> bool:
    """Whether ``text`` is a reading as stored: full-width katakana, words split by one space."""
    return bool(text) and _KATAKANA_RE.fullmatch(text) is not None and text[0] not in "ー・ヽヾ"
