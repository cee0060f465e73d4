"""What a language model writes, shown safely: escaped text with its repeated phrases highlighted."""

from __future__ import annotations

import html

from ..families.text import TextSample

_OPEN, _CLOSE = "\x00", "\x01"  # never in a detokenised text


def highlighted(sample: TextSample) -> str:
    """The document as HTML: its text escaped (it is data, not markup), repeated 4-word phrases in ``<mark>``."""
    marked = html.escape(sample.marked(_OPEN, _CLOSE), quote=False)
    return marked.replace(_OPEN, "<mark>").replace(_CLOSE, "</mark>")
