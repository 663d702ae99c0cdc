"""A word-level diff of two texts, for redlines and version comparisons (the standard library's
``difflib``). English is compared word by word; Chinese, which has no spaces between words, character by
character, so a changed term shows as that term and not as the whole sentence."""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass
from typing import Literal

_CJK = "\u3000-\u303f\u3400-\u9fff\uf900-\ufaff\uff00-\uffef"
# A run of spaces, one CJK character (ideographs and CJK punctuation), a word, or one other character (so
# "date." and "date," differ by their punctuation alone).
_TOKEN = re.compile(rf"\s+|[{_CJK}]|[^\W_{_CJK}]+|.", re.DOTALL)


@dataclass(frozen=True, slots=True)
class Piece:
    op: Literal["same", "removed", "added"]
    text: str


def tokens(text: str) -> list[str]:
    return _TOKEN.findall(text)


def word_diff(before: str, after: str) -> list[Piece]:
    """``before`` turned into ``after`` as pieces kept, removed and added, in reading order."""
    old, new = tokens(before), tokens(after)
    pieces: list[Piece] = []
    matcher = difflib.SequenceMatcher(a=old, b=new, autojunk=False)
    for op, i1, i2, j1, j2 in matcher.get_opcodes():
        if op == "equal":
            pieces.append(Piece("same", "".join(old[i1:i2])))
            continue
        if i2 > i1:
            pieces.append(Piece("removed", "".join(old[i1:i2])))
        if j2 > j1:
            pieces.append(Piece("added", "".join(new[j1:j2])))
    return _merged(pieces)


def _merged(pieces: list[Piece]) -> list[Piece]:
    merged: list[Piece] = []
    for piece in pieces:
        if merged and merged[-1].op == piece.op:
            merged[-1] = Piece(piece.op, merged[-1].text + piece.text)
        else:
            merged.append(piece)
    return merged
