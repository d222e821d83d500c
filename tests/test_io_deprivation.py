"""read_deprivation: deprivation per sector from the tables as published (BIMD, fiscal income)."""

from __future__ import annotations

import pandas as pd
import pytest

import buurtgeo as bg
from buurtgeo.errors import InputError, MissingColumnError
from buurtgeo.sample import make_sample


@pytest.fixture(scope="module")
def sample(tmp_path_factory):
    return make_sample(tmp_path_factory.mktemp("sample"))


def test_sample_bimd_table_reads_whole(sample):
    table = bg.read_deprivation(sample["deprivation"], column="BIMD2011_score")
    raw = pd.read_csv(sample["deprivation"])
    assert len(table) == len(raw) == 47  # every sector with residents (48 minus the zone)
    assert table.index.name == "sector_id" and table.index.str.fullmatch(r"4609[12].{4}").all()
    assert table.loc["46091A00-", "deprivation_value"] == raw.loc[0, "BIMD2011_score"]
    assert table.attrs["rows_in"] == 47 and len(table.attrs["set_aside"]) == 0
    # BIMD's own rank: 1 = the highest score
    top = raw.loc[raw["BIMD2011_rank"] == 1, "CD_RES_SECTOR"].iloc[0]
    assert table["deprivation_value"].idxmax() == top


def test_fiscal_layout_sets_aside_what_it_cannot_use(tmp_path):
    """Statbel's fiscal income per sector (fisc2019_D_FR layout): empty confidential cells,
    ZZZZ rows, a typo and a repeated sector are set aside, each with its reason."""
    path = tmp_path / "fisc2019_D_FR.csv"
    path.write_text(
        "cd_sector;nb_declaration;revenu_total_net_imposable;revenu_moyen_decla;revenu_median_decla\n"
        "21004A00-;1457;57.920.121;39.753;29.769\n"
        "21004A01-;12;;;\n"
        "21004ZZZZ;3;;;21.000\n"
        "21004A02-;382;19.353.412;50.666;n.b.\n"
        "2104A03;40;;;22.000\n"
        "21004A00-;1457;57.920.121;39.753;29.769\n"
        "21004A05-;900;1;1;31.250,5\n",
        encoding="cp1252",
    )
    table = bg.read_deprivation(path, column="revenu_median_decla")
    assert table["deprivation_value"].to_dict() == {"21004A00-": 29769.0, "21004A05-": 31250.5}
    aside = table.attrs["set_aside"]
    assert len(table) + len(aside) == table.attrs["rows_in"] == 7
    reasons = dict(zip(aside["row"], aside["reason"], strict=True))
    assert reasons[3].startswith("no figure")
    assert reasons[4].startswith("sector unknown (ZZZZ")
    assert reasons[5] == "the figure is not a number"
    assert reasons[6] == "not a 9-character Statbel sector code"
    assert reasons[7].startswith("duplicate sector id 21004A00- (first at row 2)")


def test_missing_column_names_what_is_there(sample, tmp_path):
    with pytest.raises(MissingColumnError, match="BIMD2011_score") as info:
        bg.read_deprivation(sample["deprivation"], column="bimd_score")
    assert "BIMD2011_rank" in str(info.value)
    path = tmp_path / "no_codes.csv"
    path.write_text("naam;score\nA;1\n", encoding="utf-8")
    with pytest.raises(InputError, match="no column with sector codes"):
        bg.read_deprivation(path, column="score")
    with pytest.raises(InputError, match="wijk"):
        bg.read_deprivation(path, column="score", id_column="wijk")


@pytest.mark.realdata
def test_real_bimd_and_fiscal_income(real):
    bimd = bg.read_deprivation(
        real / "bimd_2011" / "BIMD2011_DOMAINS_STATISTICAL_SECTOR_ELLIS_WIDE.csv",
        column="BIMD2011_score",
    )
    assert len(bimd) == 18_764 and len(bimd.attrs["set_aside"]) == 0
    assert bimd.loc["11001A00-", "deprivation_value"] == pytest.approx(7.06535425879196)
    fisc = bg.read_deprivation(
        real / "fiscal_income_sectors_2019" / "fisc2019_D_FR.xls", column="revenu_median_decla"
    )
    aside = fisc.attrs["set_aside"]
    assert len(fisc) + len(aside) == fisc.attrs["rows_in"] == 19_922
    assert fisc.loc["11001A00-", "deprivation_value"] == 29769.0
    counts = aside["reason"].str.partition(" (")[0].value_counts()
    assert counts["no figure"] == 1_821  # PROVENANCE: 2,301 rows without median, ZZZZ among them
    assert counts["sector unknown"] == 525
    ibsa = bg.read_deprivation(
        real / "fiscal_income_sectors_2019" / "brussels_revenu_imposable_median_decla_2019.csv",
        column="value",
    )
    assert len(ibsa) + len(ibsa.attrs["set_aside"]) == 723
    assert ibsa.index.str.startswith("21").all()
