"""Regenerate the embedded FICTIONAL sample study area in data/sample/.

    python data/make_sample.py            # default seed, writes data/sample/
    python data/make_sample.py --seed 7 --out /tmp/other-sample

All the work is done by :func:`buurtgeo.sample.make_sample`; see data/README.md.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from buurtgeo.sample import DEFAULT_SEED, make_sample


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--seed", type=int, default=DEFAULT_SEED, help="random seed (default %(default)s)"
    )
    parser.add_argument(
        "--out",
        type=Path,
        default=Path(__file__).resolve().parent / "sample",
        help="output folder (default: data/sample next to this script)",
    )
    args = parser.parse_args()
    for role, path in make_sample(args.out, seed=args.seed).items():
        print(f"{role:10s} {path} ({path.stat().st_size:,} bytes)")


if __name__ == "__main__":
    main()
