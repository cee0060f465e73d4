"""Your own data: decoding and checking uploaded or pasted numbers and text.

Bad input raises ``ValueError`` with a message that names the problem; the
app shows it and changes nothing else.
"""

from __future__ import annotations

import numpy as np

# -- your own data -------------------------------------------------------------------
MAX_UPLOAD_BYTES = 5 * 1024 * 1024


MAX_NUMBERS = 1_000_000


def _decode(raw: bytes, what: str) -> str:
    """Bytes of an uploaded file as text, or a ValueError saying what is wrong with them."""
    if len(raw) > MAX_UPLOAD_BYTES:
        raise ValueError(f"the {what} is {len(raw) / 2**20:.1f} MB; the limit is {MAX_UPLOAD_BYTES // 2**20} MB")
    if not raw.strip():
        raise ValueError(f"the {what} is empty")
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        return raw.decode("utf-16")
    if b"\x00" in raw[:4096]:
        raise ValueError(f"the {what} looks like a binary file, not text")
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        raise ValueError(f"the {what} is not UTF-8 text (byte {err.start} cannot be read); save it as UTF-8") from None


def numbers_from_bytes(raw: bytes) -> np.ndarray:
    """Your numbers from a CSV file or a pasted column: the first column of numbers.

    A header row is skipped; blank lines are ignored; any other cell of the
    chosen column that is not a finite number is reported by row.
    """
    import csv
    import io

    text = _decode(raw, "file")
    sample = text[:4096]
    try:
        dialect = csv.Sniffer().sniff(sample, delimiters=",;\t ")
    except csv.Error:
        dialect = csv.excel
    rows = [row for row in csv.reader(io.StringIO(text), dialect) if any(cell.strip() for cell in row)]
    if not rows:
        raise ValueError("the file holds no numbers")

    def number(cell: str) -> float | None:
        try:
            value = float(cell.strip().replace("\u2212", "-"))
        except ValueError:
            return None
        return value if np.isfinite(value) else None

    start = 1 if all(number(c) is None for c in rows[0] if c.strip()) and len(rows) > 1 else 0
    width = max(len(row) for row in rows[start:])
    for column in range(width):
        cells = [row[column] if column < len(row) else "" for row in rows[start:]]
        values = [number(c) for c in cells]
        if all(v is not None for v in values):
            break
    else:
        column = 0
        cells = [row[0] if row else "" for row in rows[start:]]
        bad = next(i for i, c in enumerate(cells) if number(c) is None)
        raise ValueError(f"row {bad + start + 1} holds {cells[bad].strip()[:30]!r}, which is not a number")
    if len(values) > MAX_NUMBERS:
        raise ValueError(f"the file holds {len(values):,} numbers; the limit is {MAX_NUMBERS:,}")
    array = np.asarray(values, dtype=float)
    if array.size < 2 or np.ptp(array) == 0:
        raise ValueError("the numbers need at least two different values to have a spread")
    return array


def text_from_bytes(raw: bytes) -> str:
    """Your text from an uploaded .txt file or a paste, checked to hold words."""
    text = _decode(raw, "text")
    from wordfreq import tokenize

    if len(set(tokenize(text[:200_000], "en"))) < 2:
        raise ValueError("the text needs at least two different words")
    return text
