"""One chart as a file that stands alone: ``python -m collapse figure --chart tails --output tails.png``.

Every knob of :class:`~collapse.scenario.Scenario` has the same flag as for
``python -m collapse run``; ``--chart`` names the chart (as the app draws it)
and ``--output`` the file, whose suffix picks the type: ``.png`` or ``.svg``
(drawn by headless Chromium through kaleido) or ``.html`` (one file holding
plotly.js, so it works offline). The caption sits below the chart and a
footnote names the scenario. Bad input exits with status 2 and one line; a
machine that cannot draw images (no kaleido or Chromium) exits with status 1.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from .cli import _Parser, add_knob_flags, scenario_from_args
from .export import CHART_NAMES, CHARTS_1D, CHARTS_VOCABULARY, CHARTS_WEB, EXPORT_SUFFIXES, chart, export_figure

PROG = "python -m collapse figure"


def build_figure_parser() -> argparse.ArgumentParser:
    """The parser of ``python -m collapse figure``: --chart, every knob flag, --output."""
    parser = _Parser(
        prog=PROG,
        description="Export one chart, with its caption and a footnote giving the scenario, as a PNG, SVG "
        "or HTML file that stands alone in an article.",
    )
    parser.add_argument(
        "--chart", required=True, choices=CHART_NAMES, metavar="NAME",
        help=f"the chart: {', '.join(CHARTS_1D)} (1-D worlds); {', '.join(CHARTS_VOCABULARY)} (vocabulary "
        f"worlds: english, zipf); {', '.join(CHARTS_WEB)} (--data-source web)",
    )
    add_knob_flags(parser)  # the same flags as `python -m collapse run`
    parser.add_argument("--output", "-o", required=True, metavar="FILE",
                        help="the file to write; its suffix picks the type: .png, .svg or .html")
    return parser


def figure_main(argv: list[str] | None = None) -> int:
    """Run ``python -m collapse figure`` with ``argv``: 0 on success; bad input exits with status 2."""
    parser = build_figure_parser()
    args = parser.parse_args(argv)

    def fail(message: str, status: int = 2):
        parser.exit(status, f"{parser.prog}: error: {message}\n")

    output = Path(args.output)
    if output.suffix.lower() not in EXPORT_SUFFIXES:
        fail(f"--output {args.output} must end in {', '.join(EXPORT_SUFFIXES[:-1])} or {EXPORT_SUFFIXES[-1]}")
    folder = output.parent
    if not folder.is_dir():
        fail(f"cannot write --output {args.output}: there is no folder {folder}")
    if not os.access(folder, os.W_OK) or output.is_dir():
        fail(f"cannot write --output {args.output}: permission denied")
    try:
        scenario = scenario_from_args(args)
        figure, caption = chart(args.chart, scenario)
    except ValueError as err:  # ScenarioError included: the message names the knob
        fail(str(err))
    try:
        export_figure(figure, caption, scenario, output)
    except OSError as err:
        fail(f"cannot write --output {args.output}: {err.strerror or err}")
    except RuntimeError as err:  # this machine cannot draw images (no kaleido or Chromium): status 1
        fail(" ".join(str(err).split()), status=1)
    return 0


if __name__ == "__main__":  # python -m collapse.figure_cli ...
    sys.exit(figure_main())
