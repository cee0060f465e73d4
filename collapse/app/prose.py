"""The pages' prose: markdown files in ``collapse/app/text/``, with live numbers filled in.

A text file is cut into named sections, each opening on a line of its own::

    <!-- section: narrowing -->
    ## The narrowing
    Fit it to {{sample_size}} real examples ...

Text before the first section line is a note for whoever edits the file and
is never shown. A placeholder is a name in double braces, ``{{name}}``
(spaces inside allowed); the page supplies its value, already formatted.
Single braces are left alone, so LaTeX (``\\frac{M-1}{M}``) needs no
escaping; only a LaTeX group holding nothing but one plain name in double
braces would be read as a placeholder (write ``{ {n} }`` instead).

A section may hold LaTeX blocks, fenced as ```` ```latex ````; :func:`write`
draws them with ``st.latex`` and the markdown around them with
``st.markdown``.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import streamlit as st

#: Where the text files live: ``<name>.md``.
TEXT = Path(__file__).resolve().parent / "text"
#: A line opening a section: ``<!-- section: key -->``.
SECTION_LINE = re.compile(r"^<!--\s*section:\s*([\w.-]+)\s*-->\s*$", re.MULTILINE)
#: A placeholder: ``{{name}}``.
PLACEHOLDER = re.compile(r"\{\{\s*([A-Za-z_]\w*)\s*\}\}")
#: A LaTeX block: a fenced ```latex ... ``` block, its fences on lines of their own.
LATEX_BLOCK = re.compile(r"^```latex[ \t]*\n(.*?)\n```[ \t]*$", re.MULTILINE | re.DOTALL)
#: A markdown heading line: ``## Title``.
HEADING = re.compile(r"^#{1,6}[ \t]+(.+?)[ \t]*#*[ \t]*$")


@dataclass(frozen=True)
class Section:
    """One named section of a text file.

    Attributes
    ----------
    source : str
        The file it comes from (``"tour"`` for ``text/tour.md``), for messages.
    key : str
        The section's name.
    text : str
        Its markdown, placeholders not yet filled, without leading and
        trailing blank lines.
    """

    source: str
    key: str
    text: str

    @property
    def title(self) -> str | None:
        """The text of the section's opening heading (``## The narrowing``), or None without one."""
        first = self.text.split("\n", 1)[0]
        match = HEADING.match(first)
        return match.group(1) if match else None

    @property
    def body(self) -> str:
        """The section's markdown after its opening heading (all of it without one)."""
        if self.title is None:
            return self.text
        return self.text.split("\n", 1)[1].strip("\n") if "\n" in self.text else ""

    def fill(self, values: Mapping[str, object] | None = None, **more: object) -> str:
        """The section's markdown with every placeholder replaced by its value.

        Parameters
        ----------
        values : mapping, optional
            Placeholder name -> value; ``str(value)`` is inserted.
        **more
            More values, overriding ``values``.

        Returns
        -------
        str

        Raises
        ------
        KeyError
            If a placeholder has no value; the message names it, the file and the section.
        """
        return fill(self.text, {**(values or {}), **more}, where=f"{self.source}.md, section {self.key!r}")


def fill(template: str, values: Mapping[str, object], where: str = "text") -> str:
    """``template`` with every ``{{name}}`` replaced by ``str(values[name])``.

    Parameters
    ----------
    template : str
        Markdown holding placeholders.
    values : mapping
        Placeholder name -> value. Values no placeholder uses are ignored.
    where : str, optional
        Where the template comes from, for the error message.

    Returns
    -------
    str

    Raises
    ------
    KeyError
        If a placeholder has no value; the message names it and ``where``.
    """

    def value(match: re.Match) -> str:
        name = match.group(1)
        if name not in values:
            given = ", ".join(sorted(values)) or "none"
            raise KeyError(f"{where}: no value for placeholder {{{{{name}}}}} (values given: {given})")
        return str(values[name])

    return PLACEHOLDER.sub(value, template)


def parse(text: str, source: str = "text") -> dict[str, Section]:
    """The sections of a text file's contents, by key, in file order.

    Parameters
    ----------
    text : str
        The file's contents.
    source : str, optional
        The file's name (without ``.md``), kept in each section for messages.

    Returns
    -------
    dict of str to Section

    Raises
    ------
    ValueError
        If the text has no section, or two sections share a key.
    """
    pieces = SECTION_LINE.split(text.replace("\r\n", "\n"))
    # pieces: [preamble, key1, body1, key2, body2, ...]
    if len(pieces) < 3:
        raise ValueError(f"{source}.md has no section: open each with a line <!-- section: key -->")
    sections: dict[str, Section] = {}
    for key, body in zip(pieces[1::2], pieces[2::2]):
        if key in sections:
            raise ValueError(f"{source}.md has two sections named {key!r}")
        sections[key] = Section(source, key, body.strip("\n"))
    return sections


@functools.cache
def sections(name: str) -> dict[str, Section]:
    """The sections of ``text/<name>.md``, read once per process.

    Parameters
    ----------
    name : str
        The file's name without ``.md`` (``"tour"``, ``"about"``).

    Returns
    -------
    dict of str to Section
        Shared between callers: do not modify.
    """
    return parse((TEXT / f"{name}.md").read_text(encoding="utf-8"), name)


def section(name: str, key: str) -> Section:
    """Section ``key`` of ``text/<name>.md``.

    Raises
    ------
    KeyError
        If the file has no such section; the message lists those it has.
    """
    found = sections(name)
    if key not in found:
        raise KeyError(f"{name}.md has no section {key!r} (it has: {', '.join(found)})")
    return found[key]


def text(name: str, key: str, values: Mapping[str, object] | None = None, **more: object) -> str:
    """Section ``key`` of ``text/<name>.md`` with its placeholders filled (see :meth:`Section.fill`)."""
    return section(name, key).fill(values, **more)


def blocks(markdown: str) -> list[tuple[str, str]]:
    """A section's markdown cut into ``("markdown", text)`` and ``("latex", formula)`` blocks, in order.

    Blank markdown between two LaTeX blocks is dropped.
    """
    found, start = [], 0
    for match in LATEX_BLOCK.finditer(markdown):
        before = markdown[start:match.start()].strip("\n")
        if before.strip():
            found.append(("markdown", before))
        found.append(("latex", match.group(1).strip("\n")))
        start = match.end()
    rest = markdown[start:].strip("\n")
    if rest.strip():
        found.append(("markdown", rest))
    return found


def write(name: str, key: str, values: Mapping[str, object] | None = None, **more: object) -> None:
    """Draw section ``key`` of ``text/<name>.md``, its placeholders filled: markdown and LaTeX blocks.

    Parameters
    ----------
    name : str
        The file's name without ``.md``.
    key : str
        The section.
    values : mapping, optional
        Placeholder name -> value.
    **more
        More values, overriding ``values``.

    Raises
    ------
    KeyError
        If the section does not exist or a placeholder has no value.
    """
    for kind, part in blocks(text(name, key, values, **more)):
        if kind == "latex":
            st.latex(part)
        else:
            st.markdown(part)
