"""The ``buurtgeo`` command: help, one-line errors, exit codes, template, sample."""

from __future__ import annotations

import shutil
import subprocess
import sys

import pytest

from buurtgeo.cli import EXIT_INPUT, EXIT_OK, EXIT_USAGE, main
from buurtgeo.config import CONFIG_TEMPLATE
from buurtgeo.sample import SAMPLE_FILES, make_sample


@pytest.fixture(scope="module")
def sample(tmp_path_factory):
    return make_sample(tmp_path_factory.mktemp("sample"))


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    """The real entry point in a fresh interpreter (as a user types it)."""
    return subprocess.run(
        [sys.executable, "-m", "buurtgeo.cli", *args],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


@pytest.mark.parametrize(
    ("command", "words"),
    [
        ((), ("demo", "run", "template", "sample", "download", "exit codes")),
        (("demo",), ("--out", "FICTIONAL", "indicators.csv", "map.html", "set_aside.csv")),
        (("run",), ("CONFIG.toml", "--check", "--out", "--debug", "indicators.gpkg")),
        (("template",), ("--out", "commented")),
        (("sample",), ("--seed", "--out")),
        (("download",), ("--list", "--cache-dir", "--force")),
    ],
)
def test_help_is_complete(command, words, capsys):
    with pytest.raises(SystemExit) as info:
        main([*command, "--help"])
    assert info.value.code == 0
    out = capsys.readouterr().out
    for word in words:
        assert word in out, word


def test_missing_config_is_one_line_without_traceback():
    result = _run("run", "does-not-exist.toml")
    assert result.returncode == EXIT_USAGE
    assert "Traceback" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert lines == ["buurtgeo: error: does-not-exist.toml: configuration file not found"]


def test_debug_shows_the_traceback(tmp_path, capsys):
    code = main(["run", str(tmp_path / "nope.toml"), "--debug"])
    err = capsys.readouterr().err
    assert code == EXIT_USAGE
    assert "Traceback (most recent call last)" in err
    assert err.strip().splitlines()[-1].startswith("buurtgeo: error: ")


def test_bad_config_lists_every_problem_on_one_line(tmp_path, capsys):
    path = tmp_path / "analysis.toml"
    path.write_text(
        '[inputs]\nsectors = "missing.zip"\n[analysis]\ndecay = "exp"\nfoo = 1\n',
        encoding="utf-8",
    )
    code = main(["run", str(path)])
    err = capsys.readouterr().err.strip().splitlines()
    assert code == EXIT_USAGE
    assert len(err) == 1
    for part in (
        "missing.zip",
        "inputs.population is required",
        "inputs.services is required",
        "analysis.decay",
        "unknown key analysis.foo",
    ):
        assert part in err[0], part


def test_unusable_input_is_exit_code_3(sample, tmp_path, capsys):
    bad = tmp_path / "services.csv"
    bad.write_text("Naam;Capaciteit\nDe Rakkers;12\n", encoding="utf-8")
    config = tmp_path / "analysis.toml"
    config.write_text(
        f'[inputs]\nsectors = "{sample["sectors"].as_posix()}"\n'
        f'population = "{sample["population"].as_posix()}"\n'
        f'[[inputs.services]]\npath = "{bad.as_posix()}"\n[outputs]\ndir = "out"\n',
        encoding="utf-8",
    )
    code = main(["run", str(config), "--quiet"])
    err = capsys.readouterr().err.strip().splitlines()
    assert code == EXIT_INPUT
    assert len(err) == 1 and "services.csv" in err[0] and "Traceback" not in err[0]
    assert not (tmp_path / "out").exists()


def test_template_prints_the_config_and_check_accepts_it(sample, tmp_path, capsys):
    assert main(["template"]) == EXIT_OK
    assert capsys.readouterr().out == CONFIG_TEMPLATE
    for path in sample.values():
        shutil.copy(path, tmp_path / path.name)
    target = tmp_path / "analysis.toml"
    assert main(["template", "--out", str(target)]) == EXIT_OK
    assert main(["template", "--out", str(target)]) == EXIT_INPUT  # never overwrites
    capsys.readouterr()
    assert main(["run", str(target), "--check"]) == EXIT_OK
    assert "configuration OK" in capsys.readouterr().out


def test_sample_command_writes_the_files(tmp_path, capsys):
    assert main(["sample", "--out", str(tmp_path), "--quiet"]) == EXIT_OK
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(SAMPLE_FILES.values())
    assert capsys.readouterr().out == ""


def test_download_needs_a_name(capsys):
    assert main(["download"]) == EXIT_USAGE
    assert "name a file to download" in capsys.readouterr().err


def test_unknown_command_is_a_usage_error(capsys):
    with pytest.raises(SystemExit) as info:
        main(["frobnicate"])
    assert info.value.code == EXIT_USAGE
    assert "invalid choice" in capsys.readouterr().err


def test_download_list_names_the_registered_files(capsys):
    assert main(["download", "--list"]) == EXIT_OK
    out = capsys.readouterr().out
    assert "statbel_sectors_2023" in out and "read_sectors" in out


def test_download_list_gives_each_url_and_how_far_it_is_known_right(capsys):
    from buurtgeo.io.download import SOURCES

    assert main(["download", "--list"]) == EXIT_OK
    out = " ".join(capsys.readouterr().out.split())  # notes are wrapped over lines
    for source in SOURCES.values():
        assert source.url in out
        assert " ".join(source.note.split()) in out


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("statbel_sector_2023", "did you mean 'statbel_sectors_2023'?"),
        ("nope", "buurtgeo download --list"),
    ],
)
def test_unknown_download_is_a_usage_error_pointing_to_the_list(capsys, tmp_path, name, expected):
    assert main(["download", name, "--cache-dir", str(tmp_path)]) == EXIT_USAGE
    err = capsys.readouterr().err
    assert err.startswith("buurtgeo: error: unknown download") and expected in err
    assert err.count("\n") == 1
    assert list(tmp_path.iterdir()) == []


def test_run_language_overrides_the_configuration(sample, tmp_path, capsys):
    for path in sample.values():
        shutil.copy(path, tmp_path / path.name)
    text = CONFIG_TEMPLATE.replace('network = "', '# network = "')
    text = text.replace('origins = "grid"', 'origins = "point"')
    for key in ("xlsx", "gpkg", "map", "fact_sheets"):
        text = text.replace(f"{key} = true", f"{key} = false")
    config = tmp_path / "analysis.toml"
    config.write_text(text, encoding="utf-8")
    assert main(["run", str(config), "--language", "en", "--out", str(tmp_path / "o")]) == 0
    out = capsys.readouterr().out
    assert "48 statistical sectors" in out and "straight-line distances" in out
    with pytest.raises(SystemExit) as info:
        main(["run", str(config), "--language", "fr", "--check"])
    assert info.value.code == EXIT_USAGE
    assert "invalid choice: 'fr'" in capsys.readouterr().err


def test_check_finds_a_misspelt_municipality(sample, tmp_path, capsys):
    for path in sample.values():
        shutil.copy(path, tmp_path / path.name)
    config = tmp_path / "analysis.toml"
    text = CONFIG_TEMPLATE.replace('# municipality = ["46091", "46092"]', 'municipality = "{m}"')
    config.write_text(text.replace("{m}", "Lindevorde"), encoding="utf-8")
    assert main(["run", str(config), "--check"]) == EXIT_INPUT
    err = capsys.readouterr().err.splitlines()
    assert len(err) == 1 and "unknown municipality 'Lindevorde'" in err[0]
    assert "Lindevoorde" in err[0]  # the close match
    config.write_text(text.replace("{m}", "Lindevoorde"), encoding="utf-8")
    assert main(["run", str(config), "--check"]) == EXIT_OK
    assert "configuration OK" in capsys.readouterr().out


def test_unreachable_download_is_one_line_that_a_cli_user_can_follow(tmp_path, capsys):
    from buurtgeo.io.download import DownloadError, Source, download

    url = "http://127.0.0.1:9/sectoren.csv"  # the discard port: connection refused at once
    assert main(["download", url, "--cache-dir", str(tmp_path)]) == EXIT_INPUT
    err = capsys.readouterr().err.splitlines()
    assert len(err) == 1 and "cannot reach the server" in err[0]
    assert "Check the network connection" in err[0]
    listed = Source("x", url, "x.csv", page="https://example.org/open-data")
    with pytest.raises(DownloadError) as info:
        download(listed, cache_dir=tmp_path)
    text = " ".join(str(info.value).split())
    assert (
        "Check the network connection. The file was listed on https://example.org/open-data" in text
    )


def test_python_dash_m_buurtgeo_is_the_same_command(tmp_path, capsys):
    import subprocess
    import sys

    done = subprocess.run(
        [sys.executable, "-m", "buurtgeo", "template"],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert main(["template"]) == 0
    assert done.stdout == capsys.readouterr().out
    assert "[inputs]" in done.stdout


def test_the_console_run_leaves_without_teardown_but_with_every_file_and_line(sample, tmp_path):
    # `python -m buurtgeo run` ends with os._exit (cli.leave): the summary must be printed
    # in full and every output written and closed, as when the interpreter tears down
    for path in sample.values():
        shutil.copy(path, tmp_path / path.name)
    text = CONFIG_TEMPLATE.replace('network = "', '# network = "')
    config = tmp_path / "analysis.toml"
    config.write_text(text, encoding="utf-8")
    out = tmp_path / "o"
    done = subprocess.run(
        [sys.executable, "-m", "buurtgeo", "run", str(config), "--out", str(out)],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert "48 statistische sectoren" in done.stdout and done.stdout.rstrip().endswith(str(out))
    for name in ("indicators.csv", "indicators.xlsx", "indicators.gpkg", "map.html"):
        assert (out / name).stat().st_size > 0, name
    assert (out / "map.html").read_text(encoding="utf-8").rstrip().endswith("</html>")
    # an error still sets the exit code
    bad = subprocess.run(
        [sys.executable, "-m", "buurtgeo", "run", str(tmp_path / "nope.toml")],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert bad.returncode == EXIT_USAGE and "configuration file not found" in bad.stderr
