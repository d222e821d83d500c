"""Children per sector estimated from municipal single-year ages (Statbel TF_SOC_POP_STRUCT).

Statbel publishes the population per sector as a total only (``OPENDATA_SECTOREN_<YYYY>``)
and the single-year ages per municipality (``TF_SOC_POP_STRUCT_<YYYY>``: ``|``-separated,
UTF-8 with BOM, one row per municipality, sex, nationality, civil status and age)::

    CD_REFNIS|TX_DESCR_NL|TX_DESCR_FR|CD_DSTR_REFNIS|…|CD_SEX|CD_NATLTY|TX_NATLTY_NL|
    TX_NATLTY_FR|CD_CIV_STS|TX_CIV_STS_NL|TX_CIV_STS_FR|CD_AGE|MS_POPULATION

(years up to 2018 name the municipality ``CD_MUNTY_REFNIS`` / ``TX_MUNTY_DESCR_NL``).
:func:`municipal_share_bands` estimates each sector's children per band as the sector's
total times its municipality's share of that band (summed over sex, nationality and
civil status)::

    share_b(m) = Σ_{lo_b <= age <= hi_b} n(m, age) / Σ_age n(m, age)
    band_b(s)  = population(s) × share_b(municipality(s))

An **estimate**: it assumes every sector of a municipality has the municipality's age
structure. Every band it gives is listed in ``attrs["estimated"]`` with the method in
``attrs["estimate_methods"]`` (Dutch and English), so outputs can say *geschat* and how.

The municipality of a sector is the first five characters of its code (its NIS code at
the sectors' vintage). From 2025 on, merged municipalities carry new NIS codes: a sector
code of 2019 whose municipality merged (e.g. Gent's neighbours) does not find its
municipality in a 2025 age table; such sectors get no estimate and are listed in
``attrs["sectors_without_municipality"]`` (use files of the same vintage, or
:func:`buurtgeo.crosswalk_sectors`).
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from buurtgeo.errors import InputError
from buurtgeo.io._ledger import RowLedger
from buurtgeo.schema import AGE_BANDS, SECTOR_ID

__all__ = [
    "DERIVED_BANDS",
    "MUNICIPALITY_COLUMNS",
    "derive_age_bands",
    "is_municipal_ages",
    "municipal_share_bands",
]

#: Columns naming the municipality in TF_SOC_POP_STRUCT (2019+ and up to 2018).
MUNICIPALITY_COLUMNS: tuple[str, ...] = ("CD_REFNIS", "CD_MUNTY_REFNIS")


def _find(columns: list[str], names: tuple[str, ...]) -> str | None:
    lowered = {c.lower().lstrip("\ufeff"): c for c in columns}
    for name in names:
        if name.lower() in lowered:
            return lowered[name.lower()]
    return None


def is_municipal_ages(columns: list[str]) -> bool:
    """True for the TF_SOC_POP_STRUCT layout: municipality, age and count, no sector."""
    return (
        _find(columns, MUNICIPALITY_COLUMNS) is not None
        and _find(columns, ("CD_AGE",)) is not None
        and _find(columns, ("MS_POPULATION",)) is not None
        and _find(columns, ("CD_SECTOR", "CD_RES_SECTOR", "SECTOR", "SS")) is None
    )


def _methods(source: str) -> dict[str, dict[str, str]]:
    out = {}
    for band, (lo, hi) in AGE_BANDS.items():
        out[band] = {
            "nl": f"geschat: inwoners van de sector × aandeel {lo}-{hi}-jarigen in de gemeente"
            f" ({source}; elke sector krijgt de leeftijdsopbouw van zijn gemeente)",
            "en": f"estimated: residents of the sector × share aged {lo}-{hi} in the municipality"
            f" ({source}; every sector gets its municipality's age structure)",
        }
    return out


def municipal_share_bands(
    raw: pd.DataFrame,
    ledger: RowLedger,
    population: pd.DataFrame | None,
    path: Path,
    parse_ages,
    parse_counts,
) -> pd.DataFrame:
    """Children per sector and band from a TF_SOC_POP_STRUCT table (see the module docstring).

    Parameters
    ----------
    raw, ledger : the table as read and its row ledger (rows in = used + set aside).
    population : DataFrame
        Index ``sector_id`` with ``population`` (e.g. :func:`buurtgeo.read_population`).
    path : the file, for messages and the method text.
    parse_ages, parse_counts : the population module's parsers (set bad rows aside).

    Returns
    -------
    DataFrame
        Index ``sector_id`` (the sectors of ``population`` whose municipality is in the
        table), the four bands (float64, persons, estimated). ``attrs``: ``layout``
        (``'municipal_ages_share'``), ``estimated``, ``estimate_methods``,
        ``municipal_shares`` (a plain dict NIS → band → share) and
        ``sectors_without_municipality``; the caller attaches the row accounting (age
        rows: rows used + rows set aside = rows read).
    """
    names = [str(c) for c in raw.columns]
    if population is None or "population" not in getattr(population, "columns", ()):
        raise InputError(
            "this is a municipal age table (TF_SOC_POP_STRUCT): the children per sector are"
            " estimated from each sector's total, so the population per sector is needed",
            path=path,
            hint="Pass population=bg.read_population('OPEN DATA_SECTOREN_2019.xlsx')"
            " (in a configuration this happens by itself)",
        )
    muni_col = _find(names, MUNICIPALITY_COLUMNS)
    age_col = _find(names, ("CD_AGE",))
    count_col = _find(names, ("MS_POPULATION",))
    assert muni_col and age_col and count_col  # is_municipal_ages() was checked
    nis = raw[muni_col].astype("str").str.strip().str.replace(r"\.0$", "", regex=True)
    bad_nis = ~nis.str.fullmatch(r"\d{5}").fillna(False).astype(bool)
    ledger.set_aside(bad_nis.to_numpy(), "not a 5-digit NIS code", column=muni_col)
    ages = parse_ages(raw, ledger, age_col)
    counts = parse_counts(raw, ledger, count_col, "count", whole=False)
    kept = ledger.kept
    frame = pd.DataFrame(
        {"nis": nis[kept].to_numpy(), "age": ages[kept].to_numpy(), "n": counts[kept].to_numpy()}
    )
    total = frame.groupby("nis")["n"].sum()
    shares = {}
    for band, (lo, hi) in AGE_BANDS.items():
        inside = frame["n"].where(frame["age"].between(lo, hi), 0.0)
        shares[band] = (inside.groupby(frame["nis"]).sum() / total.where(total > 0)).fillna(0.0)
    share_table = pd.DataFrame(shares)

    sector_total = pd.to_numeric(population["population"], errors="coerce").astype("float64")
    sector_nis = pd.Series(population.index.astype(str).str[:5], index=population.index)
    has = sector_nis.isin(share_table.index).to_numpy()
    out = pd.DataFrame(
        {
            band: sector_total[has].to_numpy()
            * share_table[band].reindex(sector_nis[has]).to_numpy()
            for band in AGE_BANDS
        },
        index=pd.Index(population.index[has], name=SECTOR_ID, dtype="str"),
    ).astype("float64")
    source = f"{Path(path).name}"
    out.attrs.update(
        layout="municipal_ages_share",
        estimated=list(AGE_BANDS),
        estimate_methods=_methods(source),
        municipal_shares={
            str(m): {b: float(v) for b, v in row.items()} for m, row in share_table.iterrows()
        },
        sectors_without_municipality=population.index[~has].astype(str).tolist(),
        columns={"municipality": muni_col, "age": age_col, "count": count_col},
    )
    return out


#: Bands that can be derived from others: band -> (whole band, parts to subtract).
DERIVED_BANDS: dict[str, tuple[str, tuple[str, ...]]] = {
    "children_12_17": ("children_0_17", ("children_0_2", "children_3_5", "children_6_11")),
}


def derive_age_bands(
    table: pd.DataFrame, *, bands: tuple[str, ...] = ("children_12_17",)
) -> pd.DataFrame:
    """Add age bands that the table lacks but can be derived from its other bands.

    ``children_12_17 = children_0_17 − children_0_2 − children_3_5 − children_6_11``
    (persons; a negative difference, which only inconsistent inputs give, becomes 0 and
    is counted in ``attrs["derived_negative"]``). A derived band is an estimate when one
    of the bands it comes from is (``attrs["estimated"]``): it is then listed there too,
    with its method in ``attrs["estimate_methods"]`` (*geschat* in the outputs).

    Parameters
    ----------
    table : DataFrame
        Sectors or population with age-band columns (e.g. the joined sectors).
    bands : tuple of str, default ('children_12_17',)
        The bands wanted (keys of :data:`DERIVED_BANDS`); those present are left alone.

    Returns
    -------
    DataFrame
        A copy with the bands added where their sources are all present (the same
        table when none can be added); ``attrs["derived"]``: ``{band: {'nl', 'en'}}``.
    """
    out = table
    for band in bands:
        whole, parts = DERIVED_BANDS[band]
        if band in table.columns or not all(c in table.columns for c in (whole, *parts)):
            continue
        if out is table:
            out = table.copy()
            out.attrs = {k: (list(v) if isinstance(v, list) else dict(v) if isinstance(v, dict) else v)
                         for k, v in table.attrs.items()}  # fmt: skip
        value = out[whole].astype("float64") - sum(out[p].astype("float64") for p in parts)
        negative = value < -1e-9
        out[band] = value.clip(lower=0.0)
        lo, hi = AGE_BANDS[band]
        text = {
            "nl": f"afgeleid: {whole.removeprefix('children_').replace('_', '-')} min "
            + ", ".join(p.removeprefix("children_").replace("_", "-") for p in parts)
            + f" ({lo}-{hi} jaar)",
            "en": f"derived: {whole.removeprefix('children_').replace('_', '-')} minus "
            + ", ".join(p.removeprefix("children_").replace("_", "-") for p in parts)
            + f" (ages {lo}-{hi})",
        }
        out.attrs.setdefault("derived", {})[band] = text
        out.attrs.setdefault("derived_negative", {})[band] = int(negative.sum())
        estimated = list(out.attrs.get("estimated", []))
        sources = [c for c in (whole, *parts) if c in estimated]
        if sources:
            methods = dict(out.attrs.get("estimate_methods", {}))
            first = methods.get(sources[0], {})
            methods[band] = {
                lang: f"geschat, {text[lang]}; {first.get(lang, '')}".rstrip("; ")
                if lang == "nl"
                else f"estimated, {text[lang]}; {first.get(lang, '')}".rstrip("; ")
                for lang in ("nl", "en")
            }
            out.attrs["estimated"] = [*estimated, band]
            out.attrs["estimate_methods"] = methods
    return out
