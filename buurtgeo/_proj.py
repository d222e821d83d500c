"""Keep PROJ offline.

With PROJ's network access switched on and no internet, transformations can
silently return ``inf``. buurtgeo never needs the network for EPSG:31370 ↔ 3812 ↔
4326 (about 0.2 m without the 1 cm Belgian grid, fine at sector scale), so it is
switched off once, on import, before the first transformation.
"""

from __future__ import annotations

import pyproj.network

pyproj.network.set_network_enabled(active=False)
