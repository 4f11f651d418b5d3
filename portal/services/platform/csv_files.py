"""CSV the same way everywhere: reading uploads line by line, and writing cells that stay text.

Participant imports and HR outcome files both report every problem by its line in the file
(the header is line 1), so a programme lead can fix the file and upload it again.

Every export writes its cells through `neutralise`, the one place that stops a spreadsheet
from running a cell as a formula.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator
from typing import Any

# A cell starting with one of these is read as a formula by Excel, LibreOffice or Sheets.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
# Where a spreadsheet may split a cell into several: a list separator, a tab, a line end, a
# pipe. A formula start right after one (spaces between allowed) begins a new cell there.
_FORMULA_AFTER_SEPARATOR = re.compile(r"(?:^|(?<=[,;\t\r\n|]))([ \u00a0]*)(?=[=+\-@\t\r])")


def neutralise(value: Any) -> str:
    """The cell as text that no spreadsheet runs as a formula, whatever its list separator.

    OWASP's advice puts an apostrophe before a formula start at the cell's beginning; since
    a spreadsheet whose list separator is ";" or "|" splits `Sales;=1+1` into two cells, the
    apostrophe also goes before every formula start that follows a separator (spaces between
    allowed, as a spreadsheet may trim them). Lists become "; "-separated text.
    """
    if value is None:
        return ""
    if isinstance(value, list | tuple):
        value = "; ".join(str(v) for v in value)
    return _FORMULA_AFTER_SEPARATOR.sub(r"\1'", str(value))


LineErrors = list[tuple[int, str]]


def open_csv(
    text: str, required: set[str], known: tuple[str, ...] | set[str], errors: LineErrors
) -> csv.DictReader | None:
    """A reader over `text` with lower-case header names, or None when the header is unusable.

    Missing required columns stop the check; unknown columns are reported and checking goes on.
    """
    reader = csv.DictReader(io.StringIO(text))
    try:
        header = [h.strip().lower() for h in (reader.fieldnames or [])]
    except csv.Error as error:
        errors.append((1, f"the header cannot be read ({error})"))
        return None
    missing = required - set(header)
    if missing:
        errors.append((1, f"missing column(s): {', '.join(sorted(missing))}"))
        return None
    unknown = set(header) - set(known)
    if unknown:
        errors.append((1, f"unknown column(s): {', '.join(sorted(unknown))}"))
    reader.fieldnames = header
    return reader


def rows(reader: csv.DictReader, errors: LineErrors) -> Iterator[tuple[int, dict[str, str]]]:
    """Each row as (line, {column: text}); an unreadable line is reported and ends the file."""
    lines = iter(reader)
    while True:
        try:
            row = next(lines)
        except StopIteration:
            return
        except csv.Error as error:
            # A cell beyond csv's field limit, a broken quote: the file is unreadable from
            # here on, so report this line and stop.
            limit = f"{csv.field_size_limit():,}"
            reason = (
                f"a cell is longer than {limit} characters"
                if "field larger" in str(error)
                else f"the line cannot be read ({error})"
            )
            # The reader counts a line once it is read whole, so this one is the next.
            errors.append((reader.line_num + 1, reason))
            return
        yield reader.line_num, {k: (v if isinstance(v, str) else "") for k, v in row.items() if k}
