"""Manifests are checked strictly: every kind of invalid entry is a ManifestError naming the file,
the entry and the key (a usage error, exit 4, for pytest); a typo that matches no case fails a
`ci` run under -n 2 exactly as serially; an entry whose cases errored is never called stale."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from conformance import records as rec
from conformance.manifest import Manifest, ManifestError, stale_records
from conformance.records import CaseRecord, Status
from spec.scenario import all_scenarios

ROOT = Path(__file__).resolve().parents[2]
GOOD = '[[divergence]]\nscenario = "promotion.promote_types"\nmatch = { a = "bool" }\nreason = "r"\n'

INVALID: dict[str, tuple[str, str]] = {
    "unknown scenario": ('scenario = "promotion.promote_typez"\nreason = "r"\n', "no such scenario"),
    "unknown pattern": ('scenario = "promotoin.*"\nreason = "r"\n', "no such scenario"),
    "misspelt match key": (
        'scenario = "promotion.promote_types"\nmatch = { dtype = "bool" }\nreason = "r"\n',
        "match key 'dtype' is not a key of its cases (keys: ['a', 'b'])",
    ),
    "devices as a string": (
        'scenario = "promotion.promote_types"\ndevices = "cpu"\nreason = "r"\n',
        "key 'devices' must be a non-empty array of strings",
    ),
    "flaky as a string": (
        'scenario = "promotion.promote_types"\nflaky = "false"\nreason = "r"\n',
        "key 'flaky' must be true or false, not str 'false'",
    ),
    "match as a string": (
        'scenario = "promotion.promote_types"\nmatch = "x"\nreason = "r"\n',
        "key 'match' must be a table of case keys",
    ),
    "empty reason": ('scenario = "promotion.promote_types"\nreason = "  "\n', "key 'reason' must be"),
    "no reason": ('scenario = "promotion.promote_types"\n', "key 'reason' must be"),
    "fields misspelt": (
        'scenario = "promotion.promote_types"\nfields = ["values"]\nreason = "r"\n',
        "key 'fields': unknown ['values']",
    ),
    "empty match array": (
        'scenario = "promotion.promote_types"\nmatch = { a = [] }\nreason = "r"\n',
        "key 'match.a' must be a value or a non-empty array",
    ),
    "unknown entry key": (
        'scenario = "promotion.promote_types"\nreason = "r"\nflakey = true\n',
        "unknown keys",
    ),
}


def _load(tmp_path: Path, body: str) -> Manifest:
    path = tmp_path / "mine.toml"
    path.write_text(GOOD + "\n[[divergence]]\n" + body)
    manifest = Manifest.load(path)
    manifest.validate(all_scenarios())
    return manifest


@pytest.mark.parametrize("kind", sorted(INVALID))
def test_every_kind_of_invalid_entry_names_file_entry_and_key(tmp_path: Path, kind: str) -> None:
    body, message = INVALID[kind]
    with pytest.raises(ManifestError) as raised:
        _load(tmp_path, body)
    text = str(raised.value)
    assert str(tmp_path / "mine.toml") in text and "divergence #1" in text, text
    assert message in text, text


def test_a_valid_manifest_loads(tmp_path: Path) -> None:
    (entry,) = _load(
        tmp_path, 'scenario = "promotion.*"\nmatch = { a = ["bool", "uint8"] }\nreason = "x"\n'
    ).entries[1:]
    assert entry.match == {"a": ("bool", "uint8")}


def test_not_toml_is_a_manifest_error(tmp_path: Path) -> None:
    path = tmp_path / "bad.toml"
    path.write_text("[[divergence]\nscenario = ")
    with pytest.raises(ManifestError, match="not valid TOML"):
        Manifest.load(path)


def _pytest(env: dict[str, str], out: Path, *args: str) -> subprocess.CompletedProcess[str]:
    command = [
        sys.executable,
        "-m",
        "pytest",
        "conformance",
        "-p",
        "no:cacheprovider",
        "-q",
        "--engine",
        "torch",
    ]
    command += ["--results", str(out), *args]
    return subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)


@pytest.mark.parametrize("workers", [[], ["-n", "2"]], ids=["serial", "n2"])
def test_an_invalid_manifest_is_a_usage_error(
    tmp_path: Path, subprocess_env: dict[str, str], workers: list[str]
) -> None:
    manifest = tmp_path / "m.toml"
    manifest.write_text(
        '[[divergence]]\nscenario = "promotion.promote_types"\ndevices = "cpu"\nreason = "r"\n'
    )
    run = _pytest(subprocess_env, tmp_path / "r.jsonl", "--manifest", str(manifest), *workers)
    assert run.returncode == 4, run.stdout + run.stderr
    assert "divergence #0" in run.stderr and "'devices'" in run.stderr and "INTERNALERROR" not in run.stderr


@pytest.mark.parametrize("workers", [[], ["-n", "2"]], ids=["serial", "n2"])
def test_a_typo_that_matches_no_case_fails_the_run_under_n2_as_serially(
    tmp_path: Path, subprocess_env: dict[str, str], workers: list[str]
) -> None:
    manifest = tmp_path / "m.toml"
    manifest.write_text(
        '[[divergence]]\nscenario = "promotion.promote_types"\nmatch = { a = "bfloat" }\nreason = "r"\n'
    )
    out = tmp_path / "r.jsonl"
    run = _pytest(
        subprocess_env, out, "--manifest", str(manifest), "--scenario", "promotion.promote_types", *workers
    )
    assert run.returncode == 1, run.stdout + run.stderr
    assert "decides no case of its scenario" in run.stdout
    stale = [r for r in rec.records(out) if isinstance(r, CaseRecord) and r.status is Status.STALE]
    assert len(stale) == 1


def test_collect_only_writes_no_results(tmp_path: Path, subprocess_env: dict[str, str]) -> None:
    out = tmp_path / "r.jsonl"
    out.write_text("previous results\n")
    run = _pytest(subprocess_env, out, "--collect-only", "--scenario", "promotion.*")
    assert run.returncode == 0, run.stdout + run.stderr
    assert out.read_text() == "previous results\n"


def _record(status: Status, label: str | None, scenario: str = "promotion.promote_types") -> CaseRecord:
    return CaseRecord(
        run_id="r",
        engine="e",
        oracle="torch",
        device="cpu",
        oracle_device="cpu",
        area="promotion",
        scenario=scenario,
        status=status,
        count=1,
        manifest_entry=label,
    )


def test_an_entry_whose_cases_errored_is_not_stale(tmp_path: Path) -> None:
    manifest = _load(tmp_path, 'scenario = "promotion.promote_types"\nmatch = { a = "int8" }\nreason = "r"\n')
    first, second = (e.label for e in manifest.entries)
    found = [_record(Status.ERROR, first), _record(Status.PASS, None), _record(Status.ERROR, None)]
    assert stale_records(manifest, found, {"promotion.promote_types"}) == []  # nothing known: not stale
    agreed = [_record(Status.PASS, first), _record(Status.PASS, second)]
    assert [r.manifest_entry for r in stale_records(manifest, agreed, {"promotion.promote_types"})] == [
        first,
        second,
    ]
