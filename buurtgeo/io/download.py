"""Opt-in downloads of the official open-data files, with a local cache.

Nothing in buurtgeo downloads anything by itself: loaders read local files only. This
module is what a user (or ``buurtgeo download NAME``) calls on purpose::

    path = bg.download("statbel_sectors_2023")           # → ~/.cache/buurtgeo/...zip
    sectors = bg.read_sectors(path, municipality="Gent")

Each file is written atomically (a temporary file in the cache folder, renamed when
complete and checked) next to a small JSON record with its URL, size in bytes and
SHA-256, so a later call returns the cached copy without touching the network, and a
truncated or altered copy is noticed and fetched again.

The registry (:data:`SOURCES`) names the files buurtgeo reads. Publishers move files:
every URL is given *as published* on the date in :attr:`Source.as_published`, and the
``page`` where the file is listed is recorded so a moved URL can be found again.
"""

from __future__ import annotations

import hashlib
import http.client
import json
import os
import re
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import asdict, dataclass
from os import PathLike
from pathlib import Path
from types import MappingProxyType
from typing import Any

from buurtgeo._atomic import replacing, write_text
from buurtgeo._checks import Checks
from buurtgeo.errors import DownloadError, InputError

__all__ = [
    "Source",
    "SOURCES",
    "DownloadError",
    "download",
    "default_cache_dir",
    "cached",
    "describe_sources",
]

_CHUNK = 1 << 16


@dataclass(frozen=True)
class Source:
    """A published open-data file.

    Parameters
    ----------
    name : str
        Registry key, e.g. ``'statbel_sectors_2023'``.
    url : str
        Direct download URL (http or https).
    filename : str
        Name of the file in the cache.
    description : str
        What the file holds (and which buurtgeo loader reads it).
    publisher : str
        Who publishes it, and the licence.
    page : str
        The web page that lists the file (to find it again when the URL moves).
    as_published : str
        The version (YYYY-MM: the file's reference date) the URL was published for.
    sha256 : str, optional
        Expected SHA-256 of the file; when given, a different download is refused.
    note : str
        How far the URL is known to be right (none of them could be fetched from the
        machine this registry was written on: no internet there).
    """

    name: str
    url: str
    filename: str
    description: str = ""
    publisher: str = ""
    page: str = ""
    as_published: str = ""
    sha256: str | None = None
    note: str = ""


_SEEN = "URL as used in public scripts that download it; not fetched when this entry was written"
_PATTERN = (
    "URL built on the portal's OpenDataSoft v2.1 export API from the dataset id; not fetched"
    " when this entry was written"
)

_STATBEL = "https://statbel.fgov.be/sites/default/files/files/opendata"
_ODS_BXL = "https://opendata.brussels.be/api/explore/v2.1/catalog/datasets"
_ODS_GENT = "https://data.stad.gent/api/explore/v2.1/catalog/datasets"

#: Known open-data files by name. URLs as published on the given date (Statbel file
#: names follow the year of the reference date; OpenDataSoft portals serve the current
#: version of a dataset through their v2.1 export API).
SOURCES: MappingProxyType[str, Source] = MappingProxyType(
    {
        s.name: s
        for s in (
            Source(
                "statbel_sectors_2023",
                f"{_STATBEL}/Statistische%20sectoren/sh_statbel_statistical_sectors_3812_20230101.geojson.zip",
                "sh_statbel_statistical_sectors_3812_20230101.geojson.zip",
                "Statistical sectors of Belgium on 1 January 2023, GeoJSON in EPSG:3812"
                " (read_sectors)",
                "Statbel; Statbel open-data licence (free re-use with attribution)",
                "https://statbel.fgov.be/en/open-data",
                "2023-01",
                note=_SEEN,
            ),
            Source(
                "statbel_sectors_2024",
                f"{_STATBEL}/Statistische%20sectoren/sh_statbel_statistical_sectors_31370_20240101.geojson.zip",
                "sh_statbel_statistical_sectors_31370_20240101.geojson.zip",
                "Statistical sectors of Belgium on 1 January 2024, GeoJSON in EPSG:31370"
                " (read_sectors)",
                "Statbel; Statbel open-data licence (free re-use with attribution)",
                "https://statbel.fgov.be/en/open-data",
                "2024-01",
                note=_SEEN,
            ),
            Source(
                "statbel_population_2019",
                f"{_STATBEL}/bevolking/sectoren/OPEN%20DATA_SECTOREN_2019.xlsx",
                "OPEN DATA_SECTOREN_2019.xlsx",
                "Population per statistical sector on 1 January 2019, xlsx (read_population)",
                "Statbel; Statbel open-data licence (free re-use with attribution)",
                "https://statbel.fgov.be/en/open-data/population-statistical-sector-7",
                "2019-01",
                note=_SEEN,
            ),
            Source(
                "statbel_population_2022",
                f"{_STATBEL}/bevolking/sectoren/OPENDATA_SECTOREN_2022.zip",
                "OPENDATA_SECTOREN_2022.zip",
                "Population per statistical sector on 1 January 2022, txt in a zip"
                " (read_population after unzipping)",
                "Statbel; Statbel open-data licence (free re-use with attribution)",
                "https://statbel.fgov.be/en/open-data/population-statistical-sector-10",
                "2022-01",
                note=_SEEN,
            ),
            Source(
                "statbel_population_2024",
                f"{_STATBEL}/bevolking/sectoren/OPENDATA_SECTOREN_2024.xlsx",
                "OPENDATA_SECTOREN_2024.xlsx",
                "Population per statistical sector on 1 January 2024, xlsx (read_population)",
                "Statbel; Statbel open-data licence (free re-use with attribution)",
                "https://statbel.fgov.be/en/open-data",
                "2024-01",
                note=_SEEN,
            ),
            Source(
                "brussels_childcare",
                f"{_ODS_BXL}/milieux-accueil-petite-enfance-one-kindengezin-vbx/exports/csv",
                "milieux-accueil-petite-enfance-one-kindengezin-vbx.csv",
                "Childcare locations of the City of Brussels (ONE and Kind & Gezin), OpenDataSoft"
                " CSV export (read_services)",
                "Ville de Bruxelles / Stad Brussel; open-data licence of the City of Brussels",
                "https://opendata.brussels.be/explore/dataset/milieux-accueil-petite-enfance-one-kindengezin-vbx/",
                "2025-12",
                note=_PATTERN,
            ),
            Source(
                "brussels_consultations",
                f"{_ODS_BXL}/consultations-pour-enfants-one-vbx/exports/csv",
                "consultations-pour-enfants-one-vbx.csv",
                "ONE child (and prenatal) consultations in the City of Brussels, OpenDataSoft"
                " CSV export (read_services)",
                "Ville de Bruxelles / Stad Brussel; open-data licence of the City of Brussels",
                "https://opendata.brussels.be/explore/dataset/consultations-pour-enfants-one-vbx/",
                "2026-01",
                note=_PATTERN,
            ),
            Source(
                "gent_sectors",
                f"{_ODS_GENT}/statistische-sectoren-gent/exports/geojson",
                "statistische-sectoren-gent.geojson",
                "Statistical sectors of Gent (Stad Gent), GeoJSON (read_sectors)",
                "Stad Gent; Modellicentie Gratis Hergebruik Vlaanderen v1.0",
                "https://data.stad.gent/explore/dataset/statistische-sectoren-gent/",
                "2025-01",
                note=_PATTERN,
            ),
            Source(
                "gent_stadswijken",
                f"{_ODS_GENT}/stadswijken-gent/exports/geojson",
                "stadswijken-gent.geojson",
                "The 25 city districts (stadswijken) of Gent, GeoJSON (read_areas)",
                "Stad Gent; Modellicentie Gratis Hergebruik Vlaanderen v1.0",
                "https://data.stad.gent/explore/dataset/stadswijken-gent/",
                "2025-01",
                note=_PATTERN,
            ),
            Source(
                "gent_wegsegmenten",
                f"{_ODS_GENT}/wegsegmenten-gent/exports/geojson",
                "wegsegmenten-gent.geojson",
                "Road segments of Gent from the Flemish road register (Wegenregister), GeoJSON"
                " (read_network)",
                "Stad Gent on Wegenregister (Digitaal Vlaanderen); Modellicentie Gratis"
                " Hergebruik Vlaanderen v1.0",
                "https://data.stad.gent/explore/dataset/wegsegmenten-gent/",
                "2025-01",
                note=_PATTERN,
            ),
        )
    }
)


def default_cache_dir() -> Path:
    """The cache folder: ``$BUURTGEO_CACHE_DIR`` when set, else ``~/.cache/buurtgeo``."""
    env = os.environ.get("BUURTGEO_CACHE_DIR")
    return Path(env).expanduser() if env else Path.home() / ".cache" / "buurtgeo"


def _source_for(name_or_url: str | Source) -> Source:
    if isinstance(name_or_url, Source):
        return name_or_url
    text = str(name_or_url)
    if text in SOURCES:
        return SOURCES[text]
    parsed = urllib.parse.urlparse(text)
    if parsed.scheme in ("http", "https") and parsed.netloc:
        last = urllib.parse.unquote(parsed.path.rstrip("/").rsplit("/", 1)[-1])
        last = re.sub(r"[^A-Za-z0-9._ -]", "_", last).strip(" .")
        digest = hashlib.sha256(text.encode()).hexdigest()[:12]
        stem = last or parsed.netloc
        # the URL's hash keeps two different URLs ending in the same name apart
        filename = f"{digest}-{stem}"
        return Source(name=text, url=text, filename=filename)
    raise InputError(
        f"unknown download {text!r}",
        expected=f"one of {', '.join(sorted(SOURCES))}, or an http(s) URL",
        hint="'buurtgeo download --list' (or buurtgeo.io.download.SOURCES) names them",
    )


def _record_path(path: Path) -> Path:
    return path.with_name(path.name + ".json")


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(_CHUNK), b""):
            digest.update(block)
    return digest.hexdigest()


def cached(
    name_or_url: str | Source, *, cache_dir: str | PathLike[str] | None = None
) -> Path | None:
    """Return the cached copy of a file when it is present and intact, else None.

    Intact: the JSON record next to it names the same URL, and the file's size and
    SHA-256 match the record (and the registry's ``sha256`` when it has one).
    """
    source = _source_for(name_or_url)
    folder = Path(cache_dir).expanduser() if cache_dir is not None else default_cache_dir()
    path = folder / source.filename
    record_path = _record_path(path)
    if not (path.is_file() and record_path.is_file()):
        return None
    try:
        record = json.loads(record_path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if record.get("url") != source.url or record.get("size") != path.stat().st_size:
        return None
    digest = _sha256(path)
    if record.get("sha256") != digest or (source.sha256 and source.sha256 != digest):
        return None
    return path


def download(
    name_or_url: str | Source,
    *,
    cache_dir: str | PathLike[str] | None = None,
    force: bool = False,
    timeout: float = 60.0,
    max_bytes: int = 4 * 1024**3,
) -> Path:
    """Download an official open-data file into the local cache (or return the cached copy).

    Never called implicitly: loaders read local files only.

    Parameters
    ----------
    name_or_url : str or Source
        A registry name (:data:`SOURCES`, e.g. ``'statbel_sectors_2023'``), an http(s)
        URL, or a :class:`Source`.
    cache_dir : str or path-like, optional
        Cache folder (created when missing). Default :func:`default_cache_dir`:
        ``$BUURTGEO_CACHE_DIR`` or ``~/.cache/buurtgeo``.
    force : bool, default False
        Download again even when an intact copy is cached.
    timeout : float, default 60
        Seconds to wait for the server to answer (and between blocks of data).
    max_bytes : int, default 4 GiB
        Refuse files larger than this (bytes).

    Returns
    -------
    pathlib.Path
        The local file: ``cache_dir / Source.filename`` (a URL's file is named
        ``<12 hex digits of the URL's SHA-256>-<last part of the URL>``). Next to it,
        ``<file>.json`` records ``url``, ``size`` (bytes), ``sha256`` and the server's
        ``etag``/``last_modified`` when it sent them (no local timestamps).

    Raises
    ------
    InputError
        Unknown name, or not an http(s) URL.
    DownloadError
        HTTP or network error, a body shorter than its ``Content-Length`` (truncated),
        a file larger than ``max_bytes``, or a SHA-256 other than the registry's. Nothing
        is left in the cache then (a previous intact copy stays).

    Notes
    -----
    The file is streamed into a temporary file in the cache folder while its SHA-256 is
    computed, then checked and renamed (``os.replace``, atomic on one file system), so
    readers never see a half-written file.
    """
    source = _source_for(name_or_url)
    checks = Checks("download")
    if not isinstance(timeout, int | float) or timeout <= 0:
        checks.add(f"timeout must be a positive number of seconds, got {timeout!r}")
    if not isinstance(max_bytes, int) or max_bytes <= 0:
        checks.add(f"max_bytes must be a positive integer, got {max_bytes!r}")
    checks.raise_if_any()
    folder = Path(cache_dir).expanduser() if cache_dir is not None else default_cache_dir()
    if not force:
        hit = cached(source, cache_dir=folder)
        if hit is not None:
            return hit
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / source.filename
    hint = f"The file was listed on {source.page}" if source.page else None

    with replacing(target) as tmp:
        size, sha, headers = _fetch(source, tmp, timeout=timeout, max_bytes=max_bytes, hint=hint)
    record: dict[str, Any] = {
        "name": source.name,
        "url": source.url,
        "size": size,
        "sha256": sha,
        **{k: v for k, v in headers.items() if v},
    }
    if source.page:
        record["page"] = source.page
    write_text(_record_path(target), json.dumps(record, indent=2, sort_keys=True) + "\n")
    return target


def _fetch(
    source: Source, tmp: Path, *, timeout: float, max_bytes: int, hint: str | None
) -> tuple[int, str, dict[str, str | None]]:
    """Stream ``source`` into ``tmp``, checking its size and SHA-256 on the way.

    Returns the size in bytes, the SHA-256 and the server's ``etag``/``last_modified``.
    """
    request = urllib.request.Request(source.url, headers={"User-Agent": "buurtgeo"})
    digest = hashlib.sha256()
    size = 0
    expected_size: int | None = None
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            expected = response.headers.get("Content-Length")
            expected_size = int(expected) if expected and expected.isdigit() else None
            if expected_size is not None and expected_size > max_bytes:
                raise DownloadError(
                    "the file is larger than max_bytes",
                    path=source.url,
                    expected=f"at most {max_bytes} bytes",
                    found=f"{expected_size} bytes",
                )
            headers = {
                "etag": response.headers.get("ETag"),
                "last_modified": response.headers.get("Last-Modified"),
            }
            with open(tmp, "wb") as out:
                while True:
                    block = response.read(_CHUNK)
                    if not block:
                        break
                    size += len(block)
                    if size > max_bytes:
                        raise DownloadError(
                            "the file is larger than max_bytes",
                            path=source.url,
                            expected=f"at most {max_bytes} bytes",
                        )
                    digest.update(block)
                    out.write(block)
    except urllib.error.HTTPError as exc:
        raise DownloadError(
            f"the server answered HTTP {exc.code} ({exc.reason})",
            path=source.url,
            hint=hint,
        ) from None
    except http.client.IncompleteRead:
        raise DownloadError(
            "the download stopped before the end (truncated)",
            path=source.url,
            expected=f"{expected_size} bytes" if expected_size is not None else None,
            found=f"{size} bytes",
            hint="Try again with force=True (buurtgeo download --force)",
        ) from None
    except (urllib.error.URLError, TimeoutError, ConnectionError) as exc:
        reason = getattr(exc, "reason", exc)
        raise DownloadError(
            f"cannot reach the server ({reason})",
            path=source.url,
            hint="Check the network connection" + (f". {hint}" if hint else ""),
        ) from None
    if expected_size is not None and size != expected_size:
        raise DownloadError(
            "the download stopped before the end (truncated)",
            path=source.url,
            expected=f"{expected_size} bytes",
            found=f"{size} bytes",
            hint="Try again with force=True (buurtgeo download --force)",
        )
    sha = digest.hexdigest()
    if source.sha256 and sha != source.sha256:
        raise DownloadError(
            "the file differs from the registered one (SHA-256 mismatch)",
            path=source.url,
            expected=source.sha256,
            found=sha,
            hint="The publisher may have replaced the file; check " + (source.page or source.url),
        )
    return size, sha, headers


def describe_sources() -> list[dict[str, Any]]:
    """The registry as a list of plain dicts (for the CLI's ``buurtgeo download --list``)."""
    return [asdict(s) for s in SOURCES.values()]
