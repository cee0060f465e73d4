"""The command line: ``python -m collapse run | figure | sweep`` (one parser for every subcommand).

``run`` writes one scenario's tidy results; ``figure`` exports one chart with
its caption and a footnote naming the scenario; ``sweep`` runs a grid of
scenarios into one Parquet file (:mod:`collapse.sweep`).

Every knob of :class:`~collapse.scenario.Scenario` has a flag with the same
name (dashes for underscores). Bad input exits with status 2 and one line
naming the flag and its allowed range.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from . import budget
from .charts import CHART_NAMES, REGISTRY
from .export import EXPORT_SUFFIXES, chart, export_figure, results_csv, results_json
from .knobs import KNOBS, ScenarioError, format_value, parse_value
from .runner import run
from .scenario import Scenario
from .sweep import add_sweep_arguments, sweep_command
from .userdata import MAX_UPLOAD_BYTES, numbers_from_bytes, text_from_bytes


class _Parser(argparse.ArgumentParser):
    """ArgumentParser whose errors are one line, not usage plus message."""

    def error(self, message: str):  # noqa: D102 - argparse API
        # one line, whatever the stray arguments hold
        self.exit(2, f"{self.prog}: error: {message.replace(chr(13), ' ').replace(chr(10), ' ')}\n")


def _knob_type(name: str):
    def convert(text: str):
        try:
            return parse_value(name, text)
        except ScenarioError as err:
            # argparse reports ArgumentTypeError with the flag's name in front
            raise argparse.ArgumentTypeError(str(err).removeprefix(name + " ")) from None

    convert.__name__ = name
    return convert


def add_knob_flags(parser: argparse.ArgumentParser) -> None:
    """A flag for every knob (``--synthetic-fraction``), each explained, unset by default."""
    defaults = Scenario()
    for knob in KNOBS.values():
        default = format_value(getattr(defaults, knob.name))
        extra = {"nargs": "+"} if knob.kind is tuple else {}
        parser.add_argument(
            knob.flag,
            dest=knob.name,
            type=_knob_type(knob.name),
            default=None,
            metavar=knob.name.upper(),
            help=f"{knob.help} Allowed: {knob.allowed()}. Default: {default}.".replace("%", "%%"),
            **extra,
        )


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="python -m collapse",
        description="Model Collapse Lab: retrain a model on its own output and measure what it forgets.",
    )
    commands = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)
    run_parser = commands.add_parser(
        "run",
        help="run one scenario and write the tidy results (one row per generation and replicate)",
        description="Run one scenario. Generation 0 is the real world; generation n is the model "
        "after n rounds of refitting.",
    )
    add_knob_flags(run_parser)
    run_parser.add_argument(
        "--data", metavar="FILE",
        help="your own data as the real world: a CSV (or column) of numbers for world custom, or a .txt "
        "file for world custom_text (the world, and for text the model, are then chosen for you)")
    run_parser.add_argument("--format", choices=("csv", "json"), default="csv", help="csv (default) or json")
    run_parser.add_argument("--output", "-o", default="-", help="file to write (default: standard output)")
    run_parser.add_argument(
        "--budget", type=float, metavar="SECONDS",
        help="refuse a scenario whose estimated cost is over this many seconds of computing, as the web "
        "app does (default: no limit)")
    figure_parser = commands.add_parser(
        "figure",
        help="export one chart with its caption and scenario as a PNG, SVG or HTML file",
        description="Export one chart, with its caption and a footnote giving the scenario, as a PNG, SVG "
        "or HTML file that stands alone in an article.",
    )
    figure_parser.add_argument(
        "--chart", required=True, choices=CHART_NAMES, metavar="NAME",
        help="the chart: " + "; ".join(f"{', '.join(names)} ({kind})" for kind, (names, _) in REGISTRY.items()),
    )
    add_knob_flags(figure_parser)  # the same flags as `python -m collapse run`
    figure_parser.add_argument("--output", "-o", required=True, metavar="FILE",
                               help="the file to write; its suffix picks the type: .png, .svg or .html")
    sweep_parser = commands.add_parser(
        "sweep",
        help="run every combination of knob values into one tidy Parquet file (parallel, resumable)",
        description="Run every combination of knob values (several values after a knob's flag, or a TOML grid) "
        "into one tidy Parquet file: on all local cores (joblib) or a Dask cluster; resumable.",
    )
    add_sweep_arguments(sweep_parser)
    run_parser.set_defaults(handler=run_command, subparser=run_parser)
    sweep_parser.set_defaults(handler=lambda args, _: sweep_command(args), subparser=sweep_parser)
    figure_parser.set_defaults(handler=figure_command, subparser=figure_parser)
    return parser


def scenario_from_args(args: argparse.Namespace) -> Scenario:
    """The scenario the parsed flags describe (unset flags keep their defaults)."""
    values = {}
    for name in KNOBS:
        value = getattr(args, name)
        if value is None:
            continue
        if KNOBS[name].kind is tuple:  # nargs="+" gives a list of tuples
            value = tuple(x for part in value for x in part)
        values[name] = value
    return Scenario(**values)


def read_data(path: str, args: argparse.Namespace):
    """Your data from --data: text for .txt files, numbers otherwise; sets world (and model) if unset."""
    try:
        with open(path, "rb") as handle:
            raw = handle.read(MAX_UPLOAD_BYTES + 1)
    except OSError as err:
        raise ValueError(f"cannot read --data {path}: {err.strerror}") from None
    if path.lower().endswith(".txt"):
        args.world = args.world or "custom_text"
        args.model = args.model or "categorical"
        return text_from_bytes(raw)
    args.world = args.world or "custom"
    return numbers_from_bytes(raw)


def main(argv: list[str] | None = None) -> int:
    """Run the command line with ``argv``: 0 on success; bad input exits with status 2 and one line."""
    parser = build_parser()
    args = parser.parse_args(sys.argv[1:] if argv is None else list(argv))
    return args.handler(args, args.subparser)


def run_command(args: argparse.Namespace, parser: argparse.ArgumentParser) -> int:
    """``run``: simulate one scenario and write its tidy table."""
    data = None
    try:
        if args.data:
            data = read_data(args.data, args)
        scenario = scenario_from_args(args)
        if scenario.world in ("custom", "custom_text") and data is None:
            raise ScenarioError(f"world {scenario.world} needs your data: add --data FILE")
        if args.budget is not None:
            budget.check(scenario, args.budget)
    except ValueError as err:  # ScenarioError is one
        parser.error(str(err))
    results = run(scenario, data)
    text = results_json(results, scenario) if args.format == "json" else results_csv(results)
    if args.output == "-":
        sys.stdout.write(text)
    else:
        try:
            with open(args.output, "w", encoding="utf-8") as handle:
                handle.write(text)
        except OSError as err:
            parser.exit(2, f"{parser.prog}: error: cannot write --output {args.output}: {err.strerror}\n")
    return 0


def figure_command(args: argparse.Namespace, parser: argparse.ArgumentParser) -> int:
    """``figure``: export one chart; a machine that cannot draw images exits with status 1."""

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

