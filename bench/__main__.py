"""Run every benchmark suite in bench/ (modules named ``bench_*.py`` with ``run()``)."""
import importlib
import os
import pkgutil
import sys

import eventlet

eventlet.monkey_patch()

from bench.harness import start_results  # noqa: E402


def main():
    start_results()
    here = os.path.dirname(os.path.abspath(__file__))
    suites = sorted(name for _, name, _ in pkgutil.iter_modules([here]) if name.startswith("bench_"))
    for name in suites:
        print(f"== {name}")
        importlib.import_module(f"bench.{name}").run()
    return 0


if __name__ == "__main__":
    sys.exit(main())
