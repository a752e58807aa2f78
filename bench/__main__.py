"""``python -m bench <benchmark> [options]``; ``python -m bench --help`` lists them."""

from __future__ import annotations

import argparse
import sys

from bench import all as all_benchmarks
from bench import deals, http, intake_profile, leads_import, stats, sweep, take_next


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    commands = parser.add_subparsers(dest="benchmark", required=True)
    all_benchmarks.add_parser(commands)
    deals.add_parser(commands)
    http.add_parser(commands)
    intake_profile.add_parser(commands)
    leads_import.add_parser(commands)
    stats.add_parser(commands)
    sweep.add_parser(commands)
    take_next.add_parser(commands)
    args = parser.parse_args(argv)
    return int(args.run(args))


if __name__ == "__main__":
    sys.exit(main())
