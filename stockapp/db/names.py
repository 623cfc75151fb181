"""Names people give their watchlists and screens: shown to them on every page, so they
must not carry invisible tricks.

Control characters (NUL, escape sequences, ...), bidirectional overrides and isolates
(which make `‮txt.exe` read as `exe.txt`), line separators and lone surrogates are
refused; ordinary whitespace runs are collapsed to one space. Joiners used in Indic
scripts (ZWJ/ZWNJ) are allowed.
"""

from __future__ import annotations

import unicodedata

BIDI_CONTROLS = frozenset(
    "\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
)
INVISIBLE = frozenset("\u200b\u2060\ufeff\u2028\u2029")
REFUSED_CATEGORIES = ("Cc", "Cs", "Co", "Cn", "Zl", "Zp")
_ASCII_SPACES = str.maketrans("\t\n\r\x0b\x0c", "     ")  # collapsed, not refused


def has_forbidden_characters(text: str) -> bool:
    return any(
        ch in BIDI_CONTROLS or ch in INVISIBLE or unicodedata.category(ch) in REFUSED_CATEGORIES
        for ch in text
    )


def clean_display_name(name: object, what: str, max_length: int) -> str:
    """`name` with whitespace runs collapsed; ValueError (a message for the user) when it is
    empty, too long, or holds control or bidirectional-override characters."""
    text = str(name)
    if has_forbidden_characters(text.translate(_ASCII_SPACES)):
        raise ValueError(f"{what} must not contain control or text-direction characters")
    text = " ".join(text.split())
    if not text:
        raise ValueError(f"{what} must not be empty")
    if len(text) > max_length:
        raise ValueError(f"{what} must be at most {max_length} characters")
    return text
