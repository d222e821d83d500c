"""``python -m buurtgeo``: the same command line as ``buurtgeo`` (see :mod:`buurtgeo.cli`)."""

from buurtgeo.cli import main

raise SystemExit(main())
