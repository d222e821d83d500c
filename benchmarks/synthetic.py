"""Seeded synthetic study areas for the benchmarks: street network, sectors, origins, services.

Everything here is fictional and deterministic: the same scale and seed give the same arrays,
bit for bit. Coordinates are Belgian Lambert 2008 (EPSG:3812) metres, somewhere in Flanders.

The street network is a *jittered grid*: nodes on a square grid of ``spacing_m`` moved by up to
``jitter_frac * spacing_m`` in x and y; a share ``remove_frac`` of the grid's edges is removed
(dead ends, blocks of different sizes) and a share ``diagonal_frac`` of the cells gets a diagonal
shortcut, so that it looks like a street network rather than a lattice. Every segment is a
three-vertex line whose middle vertex is pushed sideways (a slightly bent street), so a segment's
length is always at least the straight line between its end points:

    length = |a - m| + |m - b|   with   m = (a + b) / 2 + n * s,  s ~ N(0, bend_frac * |b - a|)

(``n`` the unit normal of ``b - a``). Only the largest connected part is kept, so every
implementation in the benchmark sees the same connected graph.

Sectors are Voronoi cells of jittered seed points clipped to the study area; the population of a
sector is log-normal times a density field with a few "towns". Origins are points spread uniformly
over the study area (plus every sector's seed, so no sector is empty); each takes an equal share of
its sector's counts (the cell of a point is the one of its nearest seed, exactly the Voronoi rule).
Services sit near random network nodes (up to ``service_jitter_m`` away, so snapping offsets are
not zero).

Scales (see :data:`SCALES`): ``toy`` (seconds, for the smoke test), ``city`` (≈250 sectors,
≈100k nodes), ``flanders`` (≈9,200 sectors, ≈1M nodes, ≈1.6M segments, ≈1M origins) and
``belgium`` (≈20,000 sectors, ≈3M nodes, ≈4.8M segments, ≈3M origins, six kinds).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

CRS = "EPSG:3812"
X0, Y0 = 580_000.0, 640_000.0  # south-west corner of the synthetic study area (EPSG:3812 m)

#: The five service kinds of the benchmark, with their Flanders-scale counts.
FLANDERS_SERVICES: dict[str, int] = {
    "childcare_baby": 3000,
    "primary_school": 2300,
    "consultatiebureau": 300,
    "library": 300,
    "huis_van_het_kind": 150,
}

#: Six service kinds at the scale of Belgium (rough national counts; issue #20).
BELGIUM_SERVICES: dict[str, int] = {
    "childcare_baby": 5500,
    "primary_school": 4200,
    "consultatiebureau": 550,
    "library": 550,
    "huis_van_het_kind": 280,
    "playground": 4000,
}

#: Share of the population in each age band (rough Flemish figures).
AGE_SHARES: dict[str, tuple[float, float]] = {
    "children_0_2": (0.026, 0.038),
    "children_3_5": (0.028, 0.040),
    "children_6_11": (0.060, 0.080),
    "children_0_17": (0.180, 0.220),
}


@dataclass(frozen=True)
class Scale:
    """Sizes of one benchmark scale.

    Parameters
    ----------
    name : str
        ``toy``, ``city`` or ``flanders``.
    n_cols, n_rows : int
        Grid size of the street network (nodes before pruning = n_cols * n_rows).
    n_sectors : int
        Number of statistical sectors (Voronoi cells).
    n_origins : int
        Number of population-weighted origins (uniform points plus one seed per sector).
    services : dict
        Number of services per kind.
    spacing_m : float
        Grid spacing of the street network, metres.
    population : int
        Total population of the study area.
    x0, y0 : float
        South-west grid node before jitter (EPSG:3812 m); the area must lie in Belgium
        (the loaders check that coordinates fall inside it).
    """

    name: str
    n_cols: int
    n_rows: int
    n_sectors: int
    n_origins: int
    services: dict[str, int] = field(default_factory=dict)
    spacing_m: float = 100.0
    population: int = 0
    x0: float = X0
    y0: float = Y0

    @property
    def extent(self) -> tuple[float, float, float, float]:
        """(xmin, ymin, xmax, ymax) of the study area, metres."""
        return (
            self.x0 - self.spacing_m / 2,
            self.y0 - self.spacing_m / 2,
            self.x0 + (self.n_cols - 0.5) * self.spacing_m,
            self.y0 + (self.n_rows - 0.5) * self.spacing_m,
        )


def _scaled(counts: dict[str, int], factor: float, minimum: int = 2) -> dict[str, int]:
    return {k: max(minimum, round(v * factor)) for k, v in counts.items()}


SCALES: dict[str, Scale] = {
    "toy": Scale("toy", 24, 24, 8, 1_000, _scaled(FLANDERS_SERVICES, 0.003), population=4_000),
    "city": Scale(
        "city", 317, 317, 250, 100_000, _scaled(FLANDERS_SERVICES, 0.1), population=260_000
    ),
    "flanders": Scale(
        "flanders", 1000, 1000, 9_200, 1_000_000, dict(FLANDERS_SERVICES), population=6_800_000
    ),
    # ≈ Belgium: 250 km × 120 km = 30,000 km² (Belgium: 30,688), ≈3M nodes, 20,000 sectors,
    # 11.7M inhabitants, six kinds; placed so that all of it lies inside Belgium's bounds
    "belgium": Scale(
        "belgium",
        2500,
        1200,
        20_000,
        3_000_000,
        dict(BELGIUM_SERVICES),
        population=11_700_000,
        x0=540_000.0,
        y0=560_000.0,
    ),
}


# --------------------------------------------------------------------------------------
# Street network
# --------------------------------------------------------------------------------------


@dataclass
class SyntheticNetwork:
    """A street network as plain arrays (the largest connected part only).

    Attributes
    ----------
    node_x, node_y : ndarray of float64, shape (n_nodes,)
        Node coordinates, metres (EPSG:3812).
    u, v : ndarray of int64, shape (n_edges,)
        End nodes of each undirected segment (u < v, no parallel segments, no loops).
    length_m : ndarray of float64, shape (n_edges,)
        Segment length along its bent line, metres (>= the straight line u-v).
    mid_x, mid_y : ndarray of float64, shape (n_edges,)
        The middle vertex of each segment's line.
    """

    node_x: np.ndarray
    node_y: np.ndarray
    u: np.ndarray
    v: np.ndarray
    length_m: np.ndarray
    mid_x: np.ndarray
    mid_y: np.ndarray
    crs: str = CRS

    @property
    def n_nodes(self) -> int:
        return int(self.node_x.size)

    @property
    def n_edges(self) -> int:
        return int(self.u.size)

    def csr(self):
        """Symmetric ``scipy.sparse.csr_array`` of segment lengths (both directions stored)."""
        from scipy import sparse

        n = self.n_nodes
        rows = np.concatenate([self.u, self.v])
        cols = np.concatenate([self.v, self.u])
        data = np.concatenate([self.length_m, self.length_m])
        return sparse.csr_array((data, (rows, cols)), shape=(n, n))

    def line_coords(self) -> np.ndarray:
        """Coordinates of every segment's line, shape (n_edges, 3, 2)."""
        out = np.empty((self.n_edges, 3, 2))
        out[:, 0, 0] = self.node_x[self.u]
        out[:, 0, 1] = self.node_y[self.u]
        out[:, 1, 0] = self.mid_x
        out[:, 1, 1] = self.mid_y
        out[:, 2, 0] = self.node_x[self.v]
        out[:, 2, 1] = self.node_y[self.v]
        return out

    def lines(self):
        """The segments as a GeoDataFrame of LineStrings (column ``segment_id``)."""
        import geopandas as gpd
        import shapely

        geom = shapely.linestrings(self.line_coords())
        return gpd.GeoDataFrame(
            {"segment_id": np.arange(self.n_edges, dtype=np.int64)}, geometry=geom, crs=self.crs
        )

    def to_npz(self, path: Path) -> None:
        np.savez(
            path,
            node_x=self.node_x,
            node_y=self.node_y,
            u=self.u,
            v=self.v,
            length_m=self.length_m,
            mid_x=self.mid_x,
            mid_y=self.mid_y,
        )

    @classmethod
    def from_npz(cls, path: Path) -> SyntheticNetwork:
        with np.load(path) as z:
            return cls(**{k: z[k] for k in z.files})


def street_network(
    *,
    n_cols: int,
    n_rows: int,
    spacing_m: float = 100.0,
    remove_frac: float = 0.22,
    diagonal_frac: float = 0.05,
    jitter_frac: float = 0.25,
    bend_frac: float = 0.04,
    seed: int = 0,
    x0: float = X0,
    y0: float = Y0,
) -> SyntheticNetwork:
    """Generate a jittered-grid street network (see the module docstring for the recipe).

    Parameters
    ----------
    n_cols, n_rows : int
        Grid nodes in x and y.
    spacing_m : float
        Grid spacing, metres.
    remove_frac : float
        Share of grid edges removed (0-1).
    diagonal_frac : float
        Share of grid cells that get one diagonal shortcut (0-1).
    jitter_frac : float
        Maximum node displacement as a share of ``spacing_m``.
    bend_frac : float
        Standard deviation of the sideways bend of a segment, as a share of its chord.
    seed : int
        Seed of ``numpy.random.default_rng``.
    x0, y0 : float
        The south-west grid node before jitter, metres (EPSG:3812).

    Returns
    -------
    SyntheticNetwork
        The largest connected part, nodes renumbered 0..n-1 in grid order.
    """
    from scipy.sparse import coo_array
    from scipy.sparse.csgraph import connected_components

    rng = np.random.default_rng(seed)
    n = n_cols * n_rows
    col = np.tile(np.arange(n_cols), n_rows)
    row = np.repeat(np.arange(n_rows), n_cols)
    jitter = jitter_frac * spacing_m
    x = x0 + col * spacing_m + rng.uniform(-jitter, jitter, n)
    y = y0 + row * spacing_m + rng.uniform(-jitter, jitter, n)
    idx = np.arange(n, dtype=np.int64).reshape(n_rows, n_cols)

    horizontal = np.column_stack([idx[:, :-1].ravel(), idx[:, 1:].ravel()])
    vertical = np.column_stack([idx[:-1, :].ravel(), idx[1:, :].ravel()])
    grid = np.concatenate([horizontal, vertical])
    grid = grid[rng.random(len(grid)) >= remove_frac]
    cells = idx[:-1, :-1].ravel()
    cells = cells[rng.random(cells.size) < diagonal_frac]
    rising = rng.random(cells.size) < 0.5
    diag = np.where(
        rising[:, None],
        np.column_stack([cells, cells + n_cols + 1]),
        np.column_stack([cells + 1, cells + n_cols]),
    )
    edges = np.concatenate([grid, diag])
    u = edges.min(axis=1)
    v = edges.max(axis=1)

    dx = x[v] - x[u]
    dy = y[v] - y[u]
    chord = np.hypot(dx, dy)
    bend = rng.normal(0.0, bend_frac, u.size) * chord
    mid_x = (x[u] + x[v]) / 2 - dy / chord * bend
    mid_y = (y[u] + y[v]) / 2 + dx / chord * bend
    length = np.hypot(mid_x - x[u], mid_y - y[u]) + np.hypot(x[v] - mid_x, y[v] - mid_y)

    graph = coo_array((np.ones(u.size), (u, v)), shape=(n, n))
    _, labels = connected_components(graph, directed=False)
    largest = np.argmax(np.bincount(labels))
    keep_node = labels == largest
    new_id = np.full(n, -1, dtype=np.int64)
    new_id[keep_node] = np.arange(int(keep_node.sum()), dtype=np.int64)
    keep_edge = keep_node[u]
    return SyntheticNetwork(
        node_x=x[keep_node],
        node_y=y[keep_node],
        u=new_id[u[keep_edge]],
        v=new_id[v[keep_edge]],
        length_m=length[keep_edge],
        mid_x=mid_x[keep_edge],
        mid_y=mid_y[keep_edge],
    )


# --------------------------------------------------------------------------------------
# Sectors, population, origins, services
# --------------------------------------------------------------------------------------


def sector_seeds(scale: Scale, *, seed: int = 1) -> np.ndarray:
    """Seed points of the sectors' Voronoi cells, shape (n_sectors, 2), metres."""
    rng = np.random.default_rng(seed)
    xmin, ymin, xmax, ymax = scale.extent
    k = int(np.ceil(np.sqrt(scale.n_sectors)))
    gx, gy = np.meshgrid(np.linspace(xmin, xmax, k + 2)[1:-1], np.linspace(ymin, ymax, k + 2)[1:-1])
    pts = np.column_stack([gx.ravel(), gy.ravel()])
    pts = pts[rng.permutation(len(pts))[: scale.n_sectors]]
    cell = min((xmax - xmin), (ymax - ymin)) / (k + 1)
    pts += rng.uniform(-0.35 * cell, 0.35 * cell, pts.shape)
    order = np.lexsort((pts[:, 0], pts[:, 1]))
    return pts[order]


def sectors_and_population(scale: Scale, *, seed: int = 1):
    """Sectors (canonical GeoDataFrame) and their population (canonical DataFrame).

    Returns
    -------
    sectors : GeoDataFrame
        Index ``sector_id`` (Statbel-like 9-character codes), ``sector_name_nl``,
        ``municipality_nis``, ``area_m2``, ``geometry`` (Voronoi cell, EPSG:3812).
    population : DataFrame
        Index ``sector_id``; ``population`` (int) and the four ``children_*`` bands (float).
    """
    import geopandas as gpd
    import pandas as pd
    import shapely

    rng = np.random.default_rng(seed + 100)
    seeds = sector_seeds(scale, seed=seed)
    xmin, ymin, xmax, ymax = scale.extent
    study = shapely.box(xmin, ymin, xmax, ymax)
    cells = shapely.voronoi_polygons(shapely.multipoints(seeds), extend_to=study, ordered=True)
    geoms = shapely.intersection(shapely.get_parts(cells), study)

    # municipalities: a coarse grid of ~30 sectors each
    n_muni_side = max(1, round(np.sqrt(scale.n_sectors / 30)))
    mx = np.minimum(
        ((seeds[:, 0] - xmin) / (xmax - xmin) * n_muni_side).astype(int), n_muni_side - 1
    )
    my = np.minimum(
        ((seeds[:, 1] - ymin) / (ymax - ymin) * n_muni_side).astype(int), n_muni_side - 1
    )
    muni = my * n_muni_side + mx
    nis = np.array([f"{11001 + 1000 * (m // 100) + m % 100:05d}" for m in muni])
    rank = pd.Series(np.arange(len(seeds))).groupby(muni).cumcount().to_numpy()
    letters = np.array(list("ABCDEFGHJKLMNPRSTUVWXYZ"))
    sector_id = [
        f"{n}{letters[r // 100 % len(letters)]}{r % 100:02d}-"
        for n, r in zip(nis, rank, strict=True)
    ]

    # population: log-normal x a density field with a few towns
    n_towns = max(2, scale.n_sectors // 400)
    towns = np.column_stack([rng.uniform(xmin, xmax, n_towns), rng.uniform(ymin, ymax, n_towns)])
    radius = rng.uniform(2_000, 6_000, n_towns) * np.sqrt(max(1.0, (xmax - xmin) / 100_000))
    d2 = ((seeds[:, None, :] - towns[None, :, :]) ** 2).sum(axis=2)
    density = 1.0 + 6.0 * np.exp(-d2 / (2 * radius**2)).sum(axis=1)
    raw = rng.lognormal(0.0, 0.6, len(seeds)) * density
    population = np.floor(raw / raw.sum() * scale.population).astype(np.int64)

    index = pd.Index(sector_id, name="sector_id")
    sectors = gpd.GeoDataFrame(
        {
            "sector_name_nl": [f"Sector {s}" for s in sector_id],
            "municipality_nis": nis,
            "area_m2": shapely.area(geoms),
        },
        geometry=geoms,
        crs=CRS,
        index=index,
    )
    pop = pd.DataFrame({"population": population}, index=index.copy())
    for band, (lo, hi) in AGE_SHARES.items():
        pop[band] = np.round(population * rng.uniform(lo, hi, len(seeds)), 1)
    return sectors, pop


def origins(scale: Scale, sectors, population, *, seed: int = 2):
    """Population-weighted origins: uniform points plus every sector's seed.

    Each origin takes an equal share of its sector's counts, so sums per sector are kept:
    ``count_origin = count_sector / n_origins_in_sector``.

    Returns
    -------
    GeoDataFrame
        Index ``origin_id`` (0..n-1); ``sector_id``, ``population`` and the ``children_*``
        bands (float), Point geometry (EPSG:3812).
    """
    import geopandas as gpd
    import pandas as pd
    from scipy.spatial import cKDTree

    rng = np.random.default_rng(seed)
    seeds = sector_seeds(scale)
    xmin, ymin, xmax, ymax = scale.extent
    n_random = scale.n_origins - len(seeds)
    pts = np.concatenate(
        [
            seeds,
            np.column_stack([rng.uniform(xmin, xmax, n_random), rng.uniform(ymin, ymax, n_random)]),
        ]
    )
    _, sector = cKDTree(seeds).query(pts)
    counts = np.bincount(sector, minlength=len(seeds))
    data = {"sector_id": sectors.index.to_numpy()[sector]}
    for column in ("population", *AGE_SHARES):
        data[column] = population[column].to_numpy(dtype=np.float64)[sector] / counts[sector]
    return gpd.GeoDataFrame(
        data,
        geometry=gpd.points_from_xy(pts[:, 0], pts[:, 1]),
        crs=CRS,
        index=pd.RangeIndex(len(pts), name="origin_id"),
    )


def services(scale: Scale, network: SyntheticNetwork, *, seed: int = 3, jitter_m: float = 20.0):
    """Services of the scale's five kinds near random network nodes.

    Returns
    -------
    GeoDataFrame
        Index ``service_id``; ``name``, ``service_kind``, ``capacity`` (places, float),
        ``income_related`` (bool), Point geometry (EPSG:3812).
    """
    import geopandas as gpd
    import pandas as pd

    rng = np.random.default_rng(seed)
    frames = []
    for kind, count in scale.services.items():
        nodes = rng.choice(network.n_nodes, size=count, replace=False)
        x = network.node_x[nodes] + rng.uniform(-jitter_m, jitter_m, count)
        y = network.node_y[nodes] + rng.uniform(-jitter_m, jitter_m, count)
        if kind == "childcare_baby":
            capacity = rng.integers(4, 80, count).astype(np.float64)
        elif kind == "primary_school":
            capacity = rng.integers(80, 500, count).astype(np.float64)
        else:
            capacity = np.ones(count)
        frames.append(
            pd.DataFrame(
                {
                    "service_id": [f"{kind}-{i:05d}" for i in range(count)],
                    "name": [f"{kind} {i}" for i in range(count)],
                    "service_kind": kind,
                    "capacity": capacity,
                    "income_related": rng.random(count) < 0.6,
                    "x": x,
                    "y": y,
                }
            )
        )
    table = pd.concat(frames, ignore_index=True).set_index("service_id")
    return gpd.GeoDataFrame(
        table.drop(columns=["x", "y"]),
        geometry=gpd.points_from_xy(table["x"], table["y"]),
        crs=CRS,
    )


@dataclass
class Bundle:
    """All synthetic inputs of one scale."""

    scale: Scale
    network: SyntheticNetwork
    sectors: object
    population: object
    origins: object
    services: object

    def kind(self, kind: str):
        """The services of one kind."""
        return self.services[self.services["service_kind"] == kind]


def make(scale: str | Scale, *, cache_dir: Path | None = None, with_origins: bool = True) -> Bundle:
    """Build (or load from ``cache_dir``) all synthetic inputs of a scale.

    Only the network arrays are cached (``<cache_dir>/<scale>_network.npz``); sectors,
    origins and services are regenerated (a few seconds at Flanders scale), seeded.
    ``with_origins=False`` leaves the origins out (``origins`` is None): the end-to-end
    measure makes its own from the sectors, and 3M synthetic points would only add to
    its peak memory.
    """
    sc = SCALES[scale] if isinstance(scale, str) else scale
    net = None
    path = None
    if cache_dir is not None:
        path = Path(cache_dir) / f"{sc.name}_network.npz"
        if path.exists():
            net = SyntheticNetwork.from_npz(path)
    if net is None:
        net = street_network(
            n_cols=sc.n_cols, n_rows=sc.n_rows, spacing_m=sc.spacing_m, x0=sc.x0, y0=sc.y0
        )
        if path is not None:
            path.parent.mkdir(parents=True, exist_ok=True)
            tmp = path.with_suffix(".tmp.npz")
            net.to_npz(tmp)
            tmp.replace(path)
    sectors, population = sectors_and_population(sc)
    orig = origins(sc, sectors, population) if with_origins else None
    serv = services(sc, net)
    return Bundle(sc, net, sectors, population, orig, serv)


# --------------------------------------------------------------------------------------
# Street snapping measures (issue 15): a dense network, 30 m between junctions
# --------------------------------------------------------------------------------------

#: Grid spacing of the dense network (a town centre with a junction every 30 m).
DENSE_SPACING_M = 30.0


@dataclass
class DenseBundle:
    """A dense street network with as many nodes as the scale's, its origins and one kind
    of services (as many as the scale's childcare)."""

    network: SyntheticNetwork
    origins: object
    services: object


def dense(scale: str | Scale, *, cache_dir: Path | None = None) -> DenseBundle:
    """The scale's grid (same node count) at 30 m spacing; the scale's number of origins
    spread uniformly over it with log-normal ``children_0_2`` (seeded); services near
    random nodes (up to 6 m off). Only the network arrays are cached
    (``<cache_dir>/<scale>_dense_network.npz``)."""
    import geopandas as gpd
    import pandas as pd

    sc = SCALES[scale] if isinstance(scale, str) else scale
    path = None if cache_dir is None else Path(cache_dir) / f"{sc.name}_dense_network.npz"
    if path is not None and path.exists():
        net = SyntheticNetwork.from_npz(path)
    else:
        net = street_network(n_cols=sc.n_cols, n_rows=sc.n_rows, spacing_m=DENSE_SPACING_M, seed=7)
        if path is not None:
            path.parent.mkdir(parents=True, exist_ok=True)
            tmp = path.with_suffix(".tmp.npz")
            net.to_npz(tmp)
            tmp.replace(path)
    rng = np.random.default_rng(8)
    x0, x1 = float(net.node_x.min()), float(net.node_x.max())
    y0, y1 = float(net.node_y.min()), float(net.node_y.max())
    n = sc.n_origins
    orig = gpd.GeoDataFrame(
        {"children_0_2": np.round(rng.lognormal(0.0, 0.8, n), 2)},
        geometry=gpd.points_from_xy(rng.uniform(x0, x1, n), rng.uniform(y0, y1, n)),
        crs=CRS,
        index=pd.RangeIndex(n, name="origin_id"),
    )
    k = sc.services["childcare_baby"]
    nodes = rng.choice(net.n_nodes, size=k, replace=False)
    serv = gpd.GeoDataFrame(
        {"capacity": rng.integers(4, 80, k).astype(np.float64)},
        geometry=gpd.points_from_xy(
            net.node_x[nodes] + rng.uniform(-6, 6, k), net.node_y[nodes] + rng.uniform(-6, 6, k)
        ),
        crs=CRS,
    )
    return DenseBundle(net, orig, serv)
