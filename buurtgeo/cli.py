"""The ``buurtgeo`` command: ``demo``, ``run CONFIG.toml``, ``template``, ``sample``, ``download``.

Errors are one line on standard error (``buurtgeo: error: …``), never a traceback,
unless ``--debug`` is given. Exit codes: 0 success; 1 unexpected failure (a bug: run
again with ``--debug`` and report it); 2 wrong command line or configuration; 3 input
data that cannot be used (file, row and column named); 130 interrupted.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import sys
import textwrap
import traceback
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

__all__ = ["main", "build_parser", "EXIT_OK", "EXIT_BUG", "EXIT_USAGE", "EXIT_INPUT"]

EXIT_OK = 0
EXIT_BUG = 1
EXIT_USAGE = 2
EXIT_INPUT = 3
EXIT_INTERRUPTED = 130

_EPILOG = """\
exit codes: 0 ok; 1 unexpected failure (run again with --debug and report it);
2 wrong command line or configuration; 3 input data that cannot be used; 130 interrupted.

examples:
  buurtgeo demo --out demo-output          # the fictional sample, end to end
  buurtgeo template > analysis.toml        # a commented configuration to fill in
  buurtgeo run analysis.toml               # your own files
  buurtgeo run analysis.toml --check       # only validate the configuration
"""

_OUTPUTS = """\
outputs (in the output folder):
  indicators.csv         per statistical sector; ';' separated, decimal comma, UTF-8 with BOM
                         (opens in Belgian Excel by double-click; pandas: sep=';', decimal=',');
                         yes/no columns read ja/nee (yes/no in English)
  indicators_areas.csv   per area (buurt), same format
  legenda.csv            what each column of the two CSV files means
  bronnen.csv            the sources: every input file (size, SHA-256, layout, vintage, rows
                         read/used/set aside), the software versions and every setting
  indicators.xlsx        both tables + 'legenda' (every column explained) + 'bronnen'
  indicators.gpkg        layers 'sectors', 'areas', 'services' (QGIS, geopandas); booleans
                         typed; table 'bronnen'; 'catchments' (service areas) and 'sites' when asked
  map.html               interactive map; self-contained, works offline by double-click
  set_aside.csv          every input row that was not used, with file, row and reason
  buurtfiches/           one HTML fact sheet per area, and index.html
  equity.csv             with inputs.deprivation: equity of access per service kind
  bivariate.html         with inputs.deprivation: need x reach per area
  scenarios.csv          with [[scenarios]]: per scenario and area before, after, difference
  scenario_<name>.html   with [[scenarios]]: the before/after map of each scenario
  sites.csv              with [sites]: suggested sites, in the order they add coverage
  published_vs_found.csv with inputs.published_places: places published against found
  places_by_language.csv locations and places per area and language of the service
  ONVOLLEDIG.txt         only while a run writes, or after one was interrupted
"""


def _para(text: str) -> str:
    return textwrap.fill(text, width=96)


_Subparsers = argparse._SubParsersAction  # what add_subparsers returns


class _Formatter(argparse.RawDescriptionHelpFormatter):
    def __init__(self, prog: str) -> None:
        super().__init__(prog, max_help_position=32, width=100)


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of the ``buurtgeo`` command (every subcommand has ``--help``)."""
    from buurtgeo import __version__

    parser = argparse.ArgumentParser(
        prog="buurtgeo",
        description=_para(
            "Where do children and families live far from the services they need? "
            "Reach and gap indicators per statistical sector and per buurt."
        ),
        epilog=_EPILOG,
        formatter_class=_Formatter,
    )
    parser.add_argument("--version", action="version", version=f"buurtgeo {__version__}")
    common = _common_options()
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    sub.required = True
    for add in (_add_demo, _add_run, _add_template, _add_sample, _add_download):
        add(sub, common)
    return parser


def _common_options() -> argparse.ArgumentParser:
    """The options every subcommand has: --debug, --quiet, --progress/--no-progress."""
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument(
        "--debug", action="store_true", help="show the full traceback when something fails"
    )
    common.add_argument(
        "-q", "--quiet", action="store_true", help="print nothing but errors (no summary)"
    )
    bars = common.add_mutually_exclusive_group()
    bars.add_argument(
        "--progress",
        dest="progress",
        action="store_true",
        default=None,
        help="always show progress bars (default: only on a terminal)",
    )
    bars.add_argument(
        "--no-progress", dest="progress", action="store_false", help="never show progress bars"
    )
    return common


def _add_demo(sub: _Subparsers, common: argparse.ArgumentParser) -> None:
    """``buurtgeo demo``: the embedded sample, end to end."""
    demo = sub.add_parser(
        "demo",
        parents=[common],
        help="run the analysis on the embedded fictional sample",
        description=_para(
            "Run the whole analysis on the embedded FICTIONAL sample study area "
            "(two municipalities, 48 sectors, walking network, childcare and other services, "
            "a deprivation index) with one scenario and three suggested childcare sites, "
            "and write the output files."
        ),
        epilog=_OUTPUTS,
        formatter_class=_Formatter,
    )
    demo.add_argument(
        "--out",
        type=Path,
        default=Path("demo-output"),
        metavar="DIR",
        help="output folder (default: %(default)s)",
    )
    demo.add_argument(
        "--language",
        choices=("nl", "en"),
        default=None,
        help="language of labels, map and fact sheets (default: nl)",
    )


def _add_run(sub: _Subparsers, common: argparse.ArgumentParser) -> None:
    """``buurtgeo run CONFIG.toml``: an analysis a configuration file describes."""
    run = sub.add_parser(
        "run",
        parents=[common],
        help="run the analysis a TOML configuration file describes",
        description=_para(
            "Run the analysis described by a TOML configuration file: inputs "
            "(sectors, population, age bands, services, network, areas), service kinds, "
            "age bands, catchments and outputs. Paths in the file are relative to it. "
            "'buurtgeo template' prints a commented example."
        ),
        epilog=_OUTPUTS,
        formatter_class=_Formatter,
    )
    run.add_argument("config", type=Path, metavar="CONFIG.toml", help="the configuration file")
    run.add_argument(
        "--out",
        type=Path,
        default=None,
        metavar="DIR",
        help="output folder (default: outputs.dir of the configuration)",
    )
    run.add_argument(
        "--language",
        choices=("nl", "en"),
        default=None,
        help="language of labels, map and fact sheets (default: outputs.language, else nl)",
    )
    run.add_argument(
        "--check",
        action="store_true",
        help="only validate the configuration (keys, types, kinds, files, the municipalities"
        " named in the sectors file) and exit",
    )


def _add_template(sub: _Subparsers, common: argparse.ArgumentParser) -> None:
    """``buurtgeo template``: a commented configuration to start from."""
    template = sub.add_parser(
        "template",
        parents=[common],
        help="print a commented configuration file to start from",
        description=_para(
            "Print a complete, commented analysis configuration (TOML) to standard "
            "output, or write it to a file with --out."
        ),
        formatter_class=_Formatter,
    )
    template.add_argument(
        "--out",
        type=Path,
        default=None,
        metavar="FILE",
        help="write to this file instead of standard output (refuses to overwrite)",
    )


def _add_sample(sub: _Subparsers, common: argparse.ArgumentParser) -> None:
    """``buurtgeo sample``: the fictional sample's input files."""
    sample = sub.add_parser(
        "sample",
        parents=[common],
        help="write the fictional sample input files to a folder",
        description=_para(
            "Write the FICTIONAL sample study area in the publishers' own formats "
            "(Statbel sectors and population, age bands, Flemish services CSVs, OSM network, "
            "sector → wijk table) to a folder; the same seed gives identical files."
        ),
        formatter_class=_Formatter,
    )
    sample.add_argument("--out", type=Path, required=True, metavar="DIR", help="output folder")
    sample.add_argument(
        "--seed", type=int, default=None, help="random seed (default: the embedded sample's)"
    )


def _add_download(sub: _Subparsers, common: argparse.ArgumentParser) -> None:
    """``buurtgeo download``: an official open-data file into the cache."""
    download = sub.add_parser(
        "download",
        parents=[common],
        help="download an official open-data file into the local cache (opt-in)",
        description=_para(
            "Download an official open-data file (by its registered name, or a URL) "
            "into the local cache and print its path. Never runs implicitly."
        ),
        formatter_class=_Formatter,
    )
    download.add_argument("name", nargs="?", help="registered name or URL (omit with --list)")
    download.add_argument("--list", action="store_true", help="list the registered names")
    download.add_argument(
        "--cache-dir", type=Path, default=None, metavar="DIR", help="cache folder"
    )
    download.add_argument("--force", action="store_true", help="download again even when cached")


# --------------------------------------------------------------------------------------
# Commands
# --------------------------------------------------------------------------------------


def _cmd_demo(args: argparse.Namespace) -> int:
    from dataclasses import replace

    from buurtgeo.config import demo_config
    from buurtgeo.pipeline import run_config

    cfg = demo_config(args.out)
    if args.language:
        cfg = replace(cfg, language=args.language)
    run_config(cfg, out_dir=args.out, quiet=args.quiet)
    return EXIT_OK


def _cmd_run(args: argparse.Namespace) -> int:
    from buurtgeo.config import load_config
    from buurtgeo.pipeline import run_config

    cfg = load_config(args.config)
    if args.language:
        from dataclasses import replace

        cfg = replace(cfg, language=args.language)
    if args.check:
        from buurtgeo.config import check_out_dir

        check_out_dir(cfg, args.out)
        if cfg.municipality or cfg.origins == "grid":
            # the likeliest mistakes a key check cannot see: the municipality's name, and a
            # grid too fine for the study area (estimated before anything is allocated)
            import warnings

            from buurtgeo.io.sectors import read_sectors
            from buurtgeo.pipeline import _check_origin_count

            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                sectors = read_sectors(
                    cfg.sectors,
                    municipality=list(cfg.municipality) if cfg.municipality else None,
                    **dict(cfg.sectors_options),
                )
            if cfg.origins == "grid":
                _check_origin_count(sectors, cfg.grid_spacing_m)
        if not args.quiet:
            print(f"{args.config}: configuration OK")
        return EXIT_OK
    run_config(cfg, out_dir=args.out, quiet=args.quiet)
    return EXIT_OK


def _cmd_template(args: argparse.Namespace) -> int:
    from buurtgeo.config import CONFIG_TEMPLATE
    from buurtgeo.errors import InputError

    if args.out is None:
        sys.stdout.write(CONFIG_TEMPLATE)
        return EXIT_OK
    if args.out.exists():
        raise InputError("file exists already; not overwriting it", path=args.out)
    args.out.write_text(CONFIG_TEMPLATE, encoding="utf-8")
    if not args.quiet:
        print(f"wrote {args.out}")
    return EXIT_OK


def _cmd_sample(args: argparse.Namespace) -> int:
    from buurtgeo.sample import DEFAULT_SEED, make_sample

    paths = make_sample(args.out, seed=DEFAULT_SEED if args.seed is None else args.seed)
    if not args.quiet:
        for role, path in paths.items():
            print(f"{role:10s} {path}")
    return EXIT_OK


def _cmd_download(args: argparse.Namespace) -> int:
    from buurtgeo.errors import ConfigError

    try:
        from buurtgeo.io import download as module
    except ImportError:
        raise ConfigError(
            "downloading is not available in this version (buurtgeo.io.download is missing)",
            hint="Download the files from the publisher's site and name them in your configuration",
        ) from None
    if args.list:
        _print_sources(module)
        return EXIT_OK
    if not args.name:
        raise ConfigError("name a file to download (or use --list)")
    known_names = getattr(module, "SOURCES", None)
    if (
        known_names is not None
        and args.name not in known_names
        and not str(args.name).lower().startswith(("http://", "https://"))
    ):
        import difflib

        close = difflib.get_close_matches(args.name, list(known_names), n=1)
        raise ConfigError(
            f"unknown download {args.name!r}"
            + (f" (did you mean {close[0]!r}?)" if close else "")
            + "; 'buurtgeo download --list' names the registered files, or give an http(s) URL"
        )
    kwargs = {"force": args.force}
    if args.cache_dir is not None:
        kwargs["cache_dir"] = args.cache_dir
    path = module.download(args.name, **kwargs)
    print(path)
    return EXIT_OK


def _print_sources(module: Any) -> None:
    """``buurtgeo download --list``: every registered file, its address and version."""
    describe = getattr(module, "describe_sources", None)
    rows = describe() if describe else [{"name": n} for n in getattr(module, "SOURCES", {})]
    width = max((len(r["name"]) for r in rows), default=0)
    indent = " " * (width + 2)
    for row in sorted(rows, key=lambda r: r["name"]):
        print(f"{row['name']:<{width}}  {row.get('description', '')}".rstrip())
        if row.get("url"):
            print(f"{indent}{row['url']}")
        known = "; ".join(
            text
            for text in (
                f"version {row['as_published']}" if row.get("as_published") else "",
                row.get("note", ""),
            )
            if text
        )
        if known:
            print(textwrap.fill(known, width=100, initial_indent=indent, subsequent_indent=indent))


_COMMANDS = {
    "demo": _cmd_demo,
    "run": _cmd_run,
    "template": _cmd_template,
    "sample": _cmd_sample,
    "download": _cmd_download,
}


def _one_line(exc: BaseException) -> str:
    text = " ".join(str(exc).split())
    return text or type(exc).__name__


@contextlib.contextmanager
def _terminate_as_interrupt() -> Iterator[None]:
    """``kill`` (SIGTERM) stops a run like Ctrl-C: the files being written are removed and
    the output folder stays marked incomplete (see :mod:`buurtgeo.outputs`); outside the
    main thread (a test runner) nothing changes."""
    import signal
    import threading

    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def interrupt(signum: int, frame: Any) -> None:
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGTERM, interrupt)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the ``buurtgeo`` command; returns the exit code (see the module docstring)."""
    parser = build_parser()
    args = parser.parse_args(argv)
    from buurtgeo.errors import BuurtgeoError, ConfigError
    from buurtgeo.options import set_options

    try:
        with (
            set_options(progress=False if args.quiet else args.progress),
            _terminate_as_interrupt(),
        ):
            return _COMMANDS[args.command](args)
    except KeyboardInterrupt:
        print("buurtgeo: interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED
    except BrokenPipeError:  # e.g. `buurtgeo template | head`: the reader left, not an error
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return EXIT_OK
    except BuurtgeoError as exc:
        if args.debug:
            traceback.print_exc()
        print(f"buurtgeo: error: {_one_line(exc)}", file=sys.stderr)
        return EXIT_USAGE if isinstance(exc, ConfigError) else EXIT_INPUT
    except (OSError, MemoryError) as exc:
        if args.debug:
            traceback.print_exc()
        print(f"buurtgeo: error: {_one_line(exc)}", file=sys.stderr)
        return EXIT_INPUT
    except Exception as exc:  # a bug: one line, and how to get the traceback
        if args.debug:
            traceback.print_exc()
        print(
            f"buurtgeo: unexpected error ({type(exc).__name__}): {_one_line(exc)}"
            + ("" if args.debug else " — run again with --debug for the traceback"),
            file=sys.stderr,
        )
        return EXIT_BUG


def _entry() -> None:  # pragma: no cover - console script wrapper
    sys.exit(main())


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
