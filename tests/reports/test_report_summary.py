"""reports.summary: exact counts, groups by cause, every case accounted for, malformed input."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from reportdata import (
    DTYPE_CAUSE,
    case_record,
    dtype_divergence,
    end_record,
    example,
    plan_record,
    run_record,
    write,
)

from conformance import records as rec
from reports.build import build
from reports.summary import expand, pass_rate, summarise

COL = ("impl", "cpu")


def test_counts_use_each_records_count(tmp_path: Path) -> None:
    path = write(
        tmp_path / "r.jsonl",
        [
            run_record("r1"),
            case_record("r1", "pass", count=250),
            case_record("r1", "pass", count=7, area="memory", scenario="memory.views"),
            case_record("r1", "not_run", count=40, reason="no CUDA device"),
            dtype_divergence("r1", "{'op': 'add'}"),
            end_record("r1"),
        ],
    )
    s = summarise([path])
    assert s.counts["promotion"][COL] == {"pass": 250, "not_run": 40, "fail": 1}
    assert s.counts["memory"][COL] == {"pass": 7}
    assert s.totals() == {"pass": 257, "not_run": 40, "fail": 1}
    assert pass_rate(s.totals(area="promotion")) == 250 / 251  # not_run is not part of the rate
    assert s.runs["r1"].cases == 298
    assert s.notices == []


def test_one_cause_is_one_exact_group_over_chunks_and_runs(tmp_path: Path) -> None:
    """Chunks of one scenario, in two runs of one column, each with the cause: one group whose
    size is the sum of the counts (not of the records or examples), shown by its smallest cases."""
    cases = [f"{{'op': 'add', 'i': {'x' * (i % 7)}{i}}}" for i in range(40)]
    chunks = [
        dtype_divergence("r1", *cases[:20], test="promotion.binary_op-1of2", count=700),
        dtype_divergence("r1", *cases[20:], test="promotion.binary_op-2of2", count=300),
    ]
    other_run = dtype_divergence("r2", "{'op': 'mul'}", test="promotion.binary_op-1of2", count=5)
    write(tmp_path / "a.jsonl", [run_record("r1"), *chunks, end_record("r1")])
    write(tmp_path / "b.jsonl", [run_record("r2"), other_run, end_record("r2")])
    write(  # another engine dtype: another cause; another column: another group
        tmp_path / "c.jsonl",
        [
            run_record("r3", engine="numpy"),
            dtype_divergence("r3", "{'op': 'div'}", engine_dtype="float16", engine="numpy", count=2000),
            end_record("r3"),
        ],
    )
    s = summarise([tmp_path], samples=4)
    assert [(g.engine, g.cause, g.count) for g in s.groups] == [
        ("numpy", "dtype result.dtype: float16 vs float32", 2000),
        ("impl", DTYPE_CAUSE, 1005),
    ]
    big = s.groups[1]
    assert (big.records, big.runs, big.tests) == (
        3,
        {"r1", "r2"},
        {"promotion.binary_op-1of2", "promotion.binary_op-2of2"},
    )
    recorded_in_full = [cases[0], cases[1], cases[2], cases[20], cases[21], cases[22], "{'op': 'mul'}"]
    assert [e.case for e in big.examples] == sorted(recorded_in_full, key=lambda c: (len(c), c))[:3]
    shown = {e.case for e in big.examples}
    assert len(big.others) == 4 and not {o["case"] for o in big.others} & shown
    assert big.listed == 41


def test_groups_are_sized_and_sorted_by_real_count_not_by_examples(tmp_path: Path) -> None:
    records = [
        run_record("r1"),
        dtype_divergence("r1", *(f"{{'i': {i}}}" for i in range(3)), count=3),  # 3 examples, 3 cases
        case_record(
            "r1",
            "fail",
            cause="error exception: TypeError vs NotImplementedError",
            count=2000,
            cases=[{"i": i} for i in range(2000)],
            examples=[example("{'i': 0}")],
        ),
    ]
    s = summarise([write(tmp_path / "r.jsonl", records)])
    assert [(g.count, len(g.examples)) for g in s.groups] == [(2000, 1), (3, 3)]


def test_expected_divergences_group_by_manifest_entry(tmp_path: Path) -> None:
    diff = "aliasing groups: [] vs [['a', 'b']]"
    records = [
        run_record("r1"),
        case_record("r1", "expected", cause=diff, manifest_entry="#1 x", reason="numpy copies", count=2),
        case_record("r1", "expected", cause=diff, manifest_entry="#1 x", reason="numpy copies", count=3),
        case_record("r1", "expected", cause=diff, manifest_entry="#2 y", reason="another entry"),
        case_record(
            "r1", "stale", manifest_entry="#3 z", reason="manifest entry #3 z: fixed upstream", test=""
        ),
        end_record("r1"),
    ]
    s = summarise([write(tmp_path / "r.jsonl", records)])
    assert [(g.status, g.manifest_entry, g.count) for g in s.groups] == [
        ("stale", "#3 z", 1),  # stale entries are listed before expected ones
        ("expected", "#1 x", 5),
        ("expected", "#2 y", 1),
    ]
    assert s.totals() == {"expected": 6}  # a stale record names a manifest entry, not cases


def test_errors_group_by_their_cause_key(tmp_path: Path) -> None:
    """The harness' cause of an error is its reason without numbers: one group per crash kind."""
    records = [
        run_record("r1"),
        case_record("r1", "error", cause="timeout after # s", reason="timeout after 3.0 s", test="t-1of2"),
        case_record("r1", "error", cause="timeout after # s", reason="timeout after 3.5 s", test="t-2of2"),
        case_record("r1", "error", cause="killed by sigsegv", reason="killed by SIGSEGV", count=4),
    ]
    s = summarise([write(tmp_path / "r.jsonl", records)])
    assert [(g.cause, g.count, g.reason) for g in s.groups] == [
        ("killed by sigsegv", 4, "killed by SIGSEGV"),
        ("timeout after # s", 2, "timeout after 3.0 s"),
    ]


def test_cpu_and_cuda_runs_merge_into_one_matrix(tmp_path: Path) -> None:
    write(tmp_path / "cpu.jsonl", [run_record("c"), case_record("c", "pass", count=10), end_record("c", 0)])
    cuda = [
        run_record("g", device="cuda"),
        case_record("g", "pass", count=8, device="cuda", oracle_device="cuda"),
        dtype_divergence("g", "{'op': 'add'}", device="cuda", oracle_device="cuda"),
        end_record("g"),
    ]
    write(tmp_path / "cuda.jsonl", cuda)
    write(
        tmp_path / "numpy.jsonl", [run_record("n", engine="numpy"), case_record("n", "pass", engine="numpy")]
    )
    s = summarise([tmp_path])
    assert s.columns == [("impl", "cpu"), ("impl", "cuda"), ("numpy", "cpu")]
    assert s.counts["promotion"][("impl", "cpu")] == {"pass": 10}
    assert s.counts["promotion"][("impl", "cuda")] == {"pass": 8, "fail": 1}
    assert s.oracles[("impl", "cuda")] == {"torch@cuda"}
    assert [g.device for g in s.groups] == ["cuda"]
    assert s.notices == [
        "run n (numpy@cpu) has no end record (interrupted, or a worker crashed): "
        "no plan record either, so what is missing is unknown; 1 cases recorded"
    ]


def test_an_oracle_on_another_device_gets_its_own_column(tmp_path: Path) -> None:
    cpu = [run_record("a"), case_record("a", "pass", count=3), end_record("a", 0)]
    vs_cuda = [
        run_record("b", oracle_device="cuda"),
        case_record("b", "pass", count=5, oracle_device="cuda"),
        end_record("b", 0),
    ]
    write(tmp_path / "cpu.jsonl", cpu)
    write(tmp_path / "vs-cuda.jsonl", vs_cuda)
    s = summarise([tmp_path])
    assert s.columns == [("impl", "cpu"), ("impl", "cpu (oracle cuda)")]
    assert s.oracles[("impl", "cpu (oracle cuda)")] == {"torch@cuda"}
    assert s.counts["promotion"][("impl", "cpu")] == {"pass": 3}


def _accounted(test: str, collected: int | None, **counts: int) -> rec.TestAccount:
    scenario = test.rsplit("-", 1)[0] if "of" in test else test
    return rec.TestAccount(
        test=test,
        scenario=scenario,
        area=scenario.split(".")[0],
        collected=collected,
        finished=True,
        **counts,
    )


def test_every_case_is_accounted_per_test_and_area(tmp_path: Path) -> None:
    tests = {"promotion.promote_types": 144, "memory.views": 62, "broadcasting.expand": None}
    accounts = [
        _accounted("promotion.promote_types", 144, checked=140, error=4),
        _accounted("memory.views", 62, checked=40, unsupported=12),  # 10 missing
        _accounted("broadcasting.expand", None, checked=300),
    ]
    records = [
        run_record("r1"),
        plan_record("r1", tests),
        case_record("r1", "pass", scenario="promotion.promote_types", count=140),
        case_record("r1", "error", scenario="promotion.promote_types", count=4, cause="c", reason="crash"),
        case_record("r1", "pass", area="memory", scenario="memory.views", count=40),
        case_record("r1", "unsupported", area="memory", scenario="memory.views", count=12, reason="no views"),
        case_record("r1", "pass", area="broadcasting", scenario="broadcasting.expand", count=300),
        end_record("r1", tests=accounts),
    ]
    s = summarise([write(tmp_path / "r.jsonl", records)])
    promo, memory = s.account(COL, "promotion"), s.account(COL, "memory")
    assert (promo.collected, promo.checked, promo.error, promo.missing) == (144, 140, 4, 0)
    assert (memory.collected, memory.checked, memory.unsupported, memory.missing) == (62, 40, 12, 10)
    total = s.account(COL)
    assert total.collected == 144 + 62 + 300  # a drawn test collects what it recorded
    assert total.checked + total.unsupported + total.not_run + total.error + total.missing == total.collected
    assert (total.tests, total.drawn, total.incomplete) == (3, 1, 1)
    assert not s.complete(COL)
    assert s.notices == [
        "run r1 (impl@cpu): 1 test(s) with cases not recorded: memory.views (10 of 62 cases not recorded)"
    ]


def test_a_sampled_run_shows_the_fraction_checked_and_is_never_complete(tmp_path: Path) -> None:
    from reports import sample

    sample.write(tmp_path / "full.jsonl", sample.records(run_id="full"))
    sample.write(tmp_path / "part.jsonl", sample.records(run_id="part", engine="numpy", sampled=0.25))
    s = summarise([tmp_path])
    full, part = ("impl", "cpu"), ("numpy", "cpu")
    assert s.complete(full) and s.account(full).checked_fraction == 1.0
    assert not s.complete(part)
    fraction = s.account(part, "promotion").checked_fraction
    assert fraction is not None and 0.2 < fraction < 0.3
    data = json.loads(Path(build([str(tmp_path)], tmp_path / "out" / "index.html")["summary"]).read_text())
    assert [c["complete"] for c in data["columns"]] == [True, False]
    incomplete = {t["test"] for t in data["incomplete_tests"]}
    assert "promotion.promote_types" in incomplete and all(
        t["column"] == "numpy@cpu" for t in data["incomplete_tests"]
    )


def test_an_interrupted_run_names_the_planned_tests_without_records(tmp_path: Path) -> None:
    tests = {
        "promotion.promote_types": 144,
        "promotion.binary_op-1of2": 9000,
        "promotion.binary_op-2of2": 9048,
    }
    records = [
        run_record("cut"),
        plan_record("cut", tests),
        case_record("cut", "pass", scenario="promotion.promote_types", count=144),
        case_record("cut", "pass", test="promotion.binary_op-1of2", count=9000),
    ]
    path = write(tmp_path / "r.jsonl", records)
    with open(path, "a") as fh:
        fh.write('{"kind": "case", "run_id": "cut", "status": "pa')  # the writer was cut off
    s = summarise([path])
    assert s.notices[0] == (
        "run cut (impl@cpu) has no end record (interrupted, or a worker crashed): "
        "1 of 3 planned tests have no records: promotion.binary_op-2of2; 9144 cases recorded"
    )
    assert (
        s.notices[1]
        == f"1 malformed line(s) skipped (not valid records): {path}: line 5 (torn: the writer was cut off)"
    )
    account = s.account(COL)
    assert (account.collected, account.checked, account.missing, account.incomplete) == (18192, 9144, 9048, 1)


def test_malformed_lines_are_one_counted_notice_never_a_crash(tmp_path: Path) -> None:
    good = [run_record("r1"), case_record("r1", "pass", count=2), end_record("r1", 0)]
    lines = [rec.encode(r).strip() for r in good]
    bad = [
        "{not json",
        "[1, 2]",
        json.dumps({**json.loads(lines[0]), "run_id": "r2", "seed": [1, 2]}),  # a list seed
        json.dumps({**json.loads(lines[2]), "exitstatus": [0]}),  # a list exit status
        json.dumps({"kind": "mystery", "run_id": "r1"}),  # an unknown kind
        json.dumps({**json.loads(lines[1]), "status": "weird"}),  # an unknown status
        json.dumps({**json.loads(lines[1]), "count": "many"}),
    ]
    path = tmp_path / "r.jsonl"
    path.write_text("\n".join([lines[0], *bad, *lines[1:]]) + "\n")
    s = summarise([path])
    assert s.totals() == {"pass": 2}
    assert [m.line for m in s.malformed] == [2, 3, 4, 5, 6, 7, 8]
    (notice,) = s.notices
    assert notice == f"7 malformed line(s) skipped (not valid records): {path}: lines 2, 3, 4, 5, 6, 7, 8"


def test_lone_surrogates_come_back_escaped(tmp_path: Path) -> None:
    path = tmp_path / "r.jsonl"
    write(path, [run_record("r1"), case_record("r1", "error", cause="c", reason="open('\udcff.txt') failed")])
    with open(path, "ab") as fh:  # a raw undecodable byte in a line, as a careless writer might leave
        fh.write(
            b'{"kind":"case","run_id":"r1","engine":"impl","oracle":"torch","device":"cpu",'
            b'"oracle_device":"cpu","area":"promotion","scenario":"s\xff","status":"pass","count":1}\n'
        )
    s = summarise([path])
    assert s.groups[0].reason == "open('\\udcff.txt') failed"
    assert ("promotion", "s\\udcff") in s.scenario_counts
    json.dumps(s.groups[0].reason).encode("utf-8")  # encodable


def test_not_checked_cases_are_counted_per_area_with_reason(tmp_path: Path) -> None:
    records = [
        run_record("r1"),
        *(
            case_record("r1", status, area=area, scenario=f"{area}.s{i}", count=n, reason=reason)
            for i, (status, area, n, reason) in enumerate(
                [
                    ("unsupported", "autograd", 5, "engine lacks capability autograd"),
                    ("unsupported", "autograd", 7, "engine lacks capability autograd"),
                    ("not_run", "memory", 11, "no CUDA device"),
                ]
            )
        ),
        end_record("r1"),
    ]
    s = summarise([write(tmp_path / "r.jsonl", records)])
    assert [(g.area, g.status, g.count, g.reason) for g in s.gaps] == [
        ("autograd", "unsupported", 12, "engine lacks capability autograd"),
        ("memory", "not_run", 11, "no CUDA device"),
    ]
    assert s.gaps[0].scenarios == {"autograd.s0": 5, "autograd.s1": 7}
    assert pass_rate(s.totals(area="autograd")) is None  # nothing ran: no rate, never 100%


def test_across_columns_each_cause_says_who_diverges_agrees_or_did_not_check(tmp_path: Path) -> None:
    def run(run_id: str, engine: str, *extra: rec.CaseRecord) -> list[rec.Record]:
        checked = case_record(run_id, "pass", engine=engine, count=100)
        return [run_record(run_id, engine=engine), checked, *extra, end_record(run_id)]

    write(tmp_path / "a.jsonl", run("a", "impl"))
    write(tmp_path / "b.jsonl", run("b", "numpy", dtype_divergence("b", "{'i': 1}", engine="numpy", count=9)))
    both = dict(cause="error exception: TypeError vs RuntimeError", count=3)
    write(
        tmp_path / "c.jsonl",
        run(
            "c",
            "jax",
            dtype_divergence("c", "{'i': 1}", engine="jax", count=4),
            case_record("c", "expected", engine="jax", **both),
        ),
    )
    write(
        tmp_path / "d.jsonl",
        [run_record("d", engine="tinygrad"), case_record("d", "expected", engine="tinygrad", **both)],
    )
    s = summarise([tmp_path])
    by_cause = {a.cause: a for a in s.across}
    dtype = by_cause[DTYPE_CAUSE]
    assert {c[0]: dict(n) for c, n in dtype.diverging.items()} == {"numpy": {"fail": 9}, "jax": {"fail": 4}}
    shared = by_cause["error exception: TypeError vs RuntimeError"]
    assert set(shared.diverging) == {("jax", "cpu"), ("tinygrad", "cpu")}
    assert s.checked_columns("promotion.binary_op") == {
        ("impl", "cpu"),
        ("numpy", "cpu"),
        ("jax", "cpu"),
        ("tinygrad", "cpu"),
    }
    data = json.loads(Path(build([str(tmp_path)], tmp_path / "out" / "index.html")["summary"]).read_text())
    across = {a["cause"]: a for a in data["across"]}
    assert across[DTYPE_CAUSE]["agreeing"] == ["impl@cpu", "tinygrad@cpu"]
    assert across[DTYPE_CAUSE]["diverging"] == {"numpy@cpu": {"fail": 9}, "jax@cpu": {"fail": 4}}


def test_expand_accepts_dirs_globs_and_files_once(tmp_path: Path) -> None:
    a = write(tmp_path / "a.jsonl", [run_record("a")])
    b = write(tmp_path / "sub" / "b.jsonl", [run_record("b")])
    assert expand([str(tmp_path), str(tmp_path / "*" / "*.jsonl"), str(a)]) == [a, b]
    with pytest.raises(FileNotFoundError, match="no results file matches"):
        expand([str(tmp_path / "missing-*.jsonl")])


def test_summary_json_holds_every_count_account_and_group(tmp_path: Path) -> None:
    records = [
        run_record("r1"),
        plan_record("r1", {"promotion.binary_op": 120}),
        case_record("r1", "pass", count=40),
    ]
    records += [
        dtype_divergence(
            "r1", f"{{'op': {i}}}", cause=f"dtype result.dtype: float{i} vs float32", count=i + 1
        )
        for i in range(12)
    ]
    write(tmp_path / "r.jsonl", records)
    info = build([str(tmp_path / "r.jsonl")], tmp_path / "out" / "index.html", max_groups=5)
    data = json.loads(Path(info["summary"]).read_text())
    assert data["counts"]["promotion"]["impl"]["cpu"] == {"pass": 40, "fail": 78}
    assert data["totals"] == {"pass": 40, "fail": 78}
    assert len(data["divergences"]) == 12  # the HTML caps groups; summary.json never does
    assert [d["count"] for d in data["divergences"]] == list(range(12, 0, -1))
    assert data["divergences"][0]["shown_in_full"] == 1
    assert data["divergences"][0]["example"]["case"] == "{'op': 11}"
    assert data["divergences"][0]["example_cases"] == ["{'op': 11}"]
    assert data["missing"][0].startswith("run r1 (impl@cpu) has no end record")
    assert data["runs"][0]["partial"] is True
    assert data["columns"] == [
        {"id": "impl@cpu", "engine": "impl", "device": "cpu", "oracles": ["torch@cpu"], "complete": False}
    ]
    total = data["accounts"]["impl@cpu"]["total"]
    assert (total["collected"], total["checked"], total["missing"]) == (120, 118, 2)


def test_an_unreadable_file_is_a_notice(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import reports.summary as summary_module

    good = write(
        tmp_path / "a.jsonl", [run_record("a"), case_record("a", "pass", count=3), end_record("a", 0)]
    )
    locked = write(tmp_path / "b.jsonl", [run_record("b")])
    real_read = summary_module.read

    def read(path: Path) -> object:
        if Path(path) == locked:
            raise PermissionError(13, "Permission denied")
        return real_read(path)

    monkeypatch.setattr(summary_module, "read", read)
    s = summarise([good, locked])
    assert s.totals() == {"pass": 3}
    assert s.notices == [f"{locked} could not be read: Permission denied"]
