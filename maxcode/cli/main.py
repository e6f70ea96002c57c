"""The `maxcode` command: parses the subcommand and its flags, passes the rest to Hydra.

Each subcommand lives in its own module under `maxcode.cli` with `add_arguments(parser)`
and `run(args, overrides) -> int`. Errors a user can fix are printed as one line with the
fix, never as a traceback.
"""

from __future__ import annotations

import argparse
import importlib
import logging
import sys

from maxcode.cli import conf_help
from maxcode.errors import UserError

# subcommand -> (module, help)
COMMANDS = {
    "eval": ("maxcode.cli.eval_cmd", "judge one candidate against its task"),
    "optimize": ("maxcode.cli.optimize_cmd", "search for a faster program"),
    "suite": ("maxcode.cli.suite_cmd", "list, show and check benchmark suites"),
    "bench": ("maxcode.cli.bench_cmd", "measure MaxCode's own performance"),
    "report": ("maxcode.cli.report_cmd", "write report.html and report.md for a run or sweep directory"),
    "rtg": ("maxcode.cli.rtg_cmd", "reward-to-go model: dataset, train, eval"),
    "sweep": ("maxcode.cli.sweep_cmd", "run a suite over a grid of configs (local or Ray)"),
    "track": ("maxcode.cli.track_cmd", "upload a run or sweep directory to an experiment tracker"),
}
# Subcommands that compose conf/: their --help lists the config groups (Hydra's convention).
COMPOSING = ("optimize", "sweep", "eval")


def build_parser() -> tuple[argparse.ArgumentParser, dict[str, object]]:
    parser = argparse.ArgumentParser(
        prog="maxcode",
        description="Max-reward search for faster programs. Hydra overrides (key=value) "
        "may follow any subcommand.",
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="debug logging")
    sub = parser.add_subparsers(dest="command", required=True)
    modules: dict[str, object] = {}
    for name, (module_name, help_text) in COMMANDS.items():
        module = importlib.import_module(module_name)
        modules[name] = module
        extra = ({"epilog": conf_help.epilog(), "formatter_class": argparse.RawDescriptionHelpFormatter}
                 if name in COMPOSING else {})
        module.add_arguments(sub.add_parser(name, help=help_text, description=help_text, **extra))
    return parser, modules


def main(argv: list[str] | None = None) -> int:
    parser, modules = build_parser()
    args, rest = parser.parse_known_args(argv)
    unknown_flags = [a for a in rest if a.startswith("-")]
    if unknown_flags:
        parser.error(f"unrecognized arguments: {' '.join(unknown_flags)}")
    logging.basicConfig(
        level=logging.DEBUG if args.verbose else logging.WARNING,
        format="%(levelname)s %(name)s: %(message)s",
    )
    try:
        return int(modules[args.command].run(args, rest) or 0)
    except UserError as exc:
        print(f"error: {exc.cause}", file=sys.stderr)
        if exc.fix:
            print(f"  fix: {exc.fix}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    except Exception as exc:  # Hydra's override errors are user errors too
        if type(exc).__module__.startswith(("hydra", "omegaconf")):
            print(f"error: {exc}", file=sys.stderr)
            return 2
        raise


if __name__ == "__main__":
    sys.exit(main())
