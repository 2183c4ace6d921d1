"""The `--quick` option every benchmark has: tiny sizes, so a test can check it still runs."""

from __future__ import annotations

import argparse
from typing import Any


def parse_arguments(parser: argparse.ArgumentParser, **quick: Any) -> argparse.Namespace:
    """Parse the command line; with `--quick`, `quick` replaces the defaults (not given options).

    The full sizes stay the defaults: `--quick` only exists so that the smoke test in
    tests/test_benchmarks.py runs each benchmark for a second or so, and none of them rots.
    """
    parser.add_argument(
        "--quick", action="store_true", help="tiny sizes: check that the benchmark still runs"
    )
    arguments = parser.parse_args()
    if arguments.quick:
        parser.set_defaults(**quick)
        arguments = parser.parse_args()
    return arguments
