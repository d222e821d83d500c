"""``python -m buurtgeo``: the same command line as ``buurtgeo`` (see :mod:`buurtgeo.cli`)."""

from buurtgeo.cli import leave, main

if __name__ == "__main__":
    leave(main())
