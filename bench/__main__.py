"""`python -m bench [name ...]`: run every benchmark module's main(), or only the named ones."""

from __future__ import annotations

import importlib
import pkgutil
import sys

import bench


def main(names: list[str]) -> None:
    available = sorted(m.name.removeprefix("bench_") for m in pkgutil.iter_modules(bench.__path__)
                       if m.name.startswith("bench_"))
    unknown = set(names) - set(available)
    if unknown:
        raise SystemExit(f"unknown benchmark(s): {', '.join(sorted(unknown))}; available: {', '.join(available)}")
    for name in names or available:
        print(f"== {name}", flush=True)
        importlib.import_module(f"bench.bench_{name}").main()


if __name__ == "__main__":
    main(sys.argv[1:])
