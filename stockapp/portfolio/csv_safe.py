"""The one way the app writes CSV: every text cell made safe to open in a spreadsheet.

A cell that starts with `=`, `+`, `-`, `@`, a tab or a carriage return (or their
full-width forms) is run as a formula by Excel, LibreOffice and Google Sheets, so a trade
id or note of `=HYPERLINK(...)` in an export is an attack on whoever opens it. Every
writer goes through `csv_text`, which prefixes such cells with an apostrophe (shown as
text, and removed again by the importer for notes); plain numbers such as `-12.50` are
left alone, as they are data, not formulas.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Sequence
from decimal import Decimal

FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "\n", "'", "＝", "＋", "－", "＠")
_PLAIN_NUMBER = re.compile(r"-?\d+(\.\d+)?")


def spreadsheet_text(value: str) -> str:
    """`value` as a cell a spreadsheet shows as text, never evaluates."""
    if value.startswith(FORMULA_START) and not _PLAIN_NUMBER.fullmatch(value):
        return "'" + value
    return value


def _cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, int | float):
        return str(value)
    return spreadsheet_text(str(value))


def csv_text(header: Sequence[str], rows: Iterable[Sequence[object]]) -> str:
    """A CSV document; numbers are written plainly, every other cell through
    `spreadsheet_text`."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([_cell(h) for h in header])
    for row in rows:
        writer.writerow([_cell(v) for v in row])
    return out.getvalue()
