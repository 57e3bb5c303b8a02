"""reports.summary: counts, grouping by cause, merging runs, partial and torn results."""

from __future__ import annotations

import json
import random
from pathlib import Path

import pytest
from reportdata import case_record, dtype_divergence, end_record, run_record, write

from reports.build import build
from reports.summary import expand, pass_rate, summarise


def test_counts_use_each_records_count(tmp_path: Path) -> None:
    path = write(
        tmp_path / "r.jsonl",
        [
            run_record("r1"),
            case_record("r1", "pass", count=250),
            case_record("r1", "pass", count=7, area="memory", scenario="memory.view_aliasing"),
            case_record("r1", "not_run", count=40, reason="no CUDA device"),
            dtype_divergence("r1", "{'op': 'add'}"),
            end_record("r1"),
        ],
    )
    s = summarise([path])
    col = ("impl", "cpu")
    assert s.counts["promotion"][col] == {"pass": 250, "not_run": 40, "fail": 1}
    assert s.counts["memory"][col] == {"pass": 7}
    assert s.totals() == {"pass": 257, "not_run": 40, "fail": 1}
    assert pass_rate(s.totals(area="promotion")) == 250 / 251  # not_run is not part of the rate
    assert s.runs["r1"].cases == 298
    assert s.notices == []


def test_one_cause_is_one_group_with_its_smallest_case(tmp_path: Path) -> None:
    rng = random.Random(5)
    cases = [repr({"op": "add", "lhs": list(range(rng.randint(1, 30))), "i": i}) for i in range(300)]
    records = [run_record("r1"), *(dtype_divergence("r1", c, count=2, seed=i) for i, c in enumerate(cases))]
    records.append(dtype_divergence("r1", "{'op': 'mul'}", engine_dtype="float16", engine="numpy"))
    records.append(  # same scenario and engine, another differing field: another cause
        case_record(
            "r1",
            "fail",
            case="{'op': 'div'}",
            differences=[{"field": "value", "name": "result", "engine": "[1.]", "oracle": "[2.]"}],
        )
    )
    path = write(tmp_path / "r.jsonl", [*records, end_record("r1")])
    s = summarise([path], samples=4)
    assert len(s.groups) == 3
    big = max(s.groups, key=lambda g: g.count)
    assert (big.count, big.records) == (600, 300)
    assert big.case == min(cases, key=lambda c: (len(c), c))
    assert big.fields == (("dtype", "result.dtype"),)
    assert big.samples[:5] == sorted(cases, key=lambda c: (len(c), c))[:5]
    assert len(big.seeds) == 300
    assert {(g.engine, g.fields[0][0]) for g in s.groups} == {
        ("impl", "dtype"),
        ("numpy", "dtype"),
        ("impl", "value"),
    }


def test_expected_divergences_group_by_manifest_reason(tmp_path: Path) -> None:
    diff = [{"field": "aliasing", "name": "groups", "engine": "[]", "oracle": "[{a, b}]"}]
    records = [
        run_record("r1"),
        case_record("r1", "expected", case="{'n': 1}", differences=diff, reason="numpy copies here"),
        case_record("r1", "expected", case="{'n': 2}", differences=diff, reason="numpy copies here"),
        case_record("r1", "expected", case="{'n': 3}", differences=diff, reason="another entry"),
        case_record("r1", "stale", case="{'n': 4}", reason="fixed upstream"),
        end_record("r1"),
    ]
    s = summarise([write(tmp_path / "r.jsonl", records)])
    by_reason = {(g.status, g.reason): g.count for g in s.groups}
    assert by_reason == {
        ("expected", "numpy copies here"): 2,
        ("expected", "another entry"): 1,
        ("stale", "fixed upstream"): 1,
    }
    assert s.groups[0].status == "stale"  # stale entries are listed before expected ones


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
        "run n has no end record: partial results (interrupted, or a worker crashed); 1 cases recorded"
    ]


def test_partial_results_say_what_is_missing(tmp_path: Path) -> None:
    path = write(tmp_path / "r.jsonl", [run_record("r1"), case_record("r1", "pass", count=3)])
    with open(path, "a") as fh:
        fh.write('{"kind": "case", "run_id": "r1", "status": "pa')  # the writer was cut off
    orphan = write(tmp_path / "o.jsonl", [case_record("lost", "fail", case="{}"), end_record("lost", 2)])
    s = summarise([path, orphan])
    assert s.totals() == {"pass": 3, "fail": 1}
    text = "\n".join(s.notices)
    assert "run r1 has no end record: partial results" in text
    assert f"{path}: torn last line skipped" in text
    assert "run lost has no run record" in text
    assert "run lost ended abnormally: exit status 2 (interrupted)" in text


def test_corrupt_middle_line_is_noted_and_skipped(tmp_path: Path) -> None:
    path = tmp_path / "r.jsonl"
    lines = [run_record("r1"), case_record("r1", "pass", count=2), end_record("r1", 0)]
    path.write_text(
        json.dumps(lines[0]) + "\n{not json\n[1, 2]\n" + "\n".join(map(json.dumps, lines[1:])) + "\n"
    )
    s = summarise([path])
    assert s.totals() == {"pass": 2}
    assert s.sources[0].bad_lines == [2, 3]
    assert any("2 corrupt line(s) skipped: 2, 3" in n for n in s.notices)


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


def test_expand_accepts_dirs_globs_and_files_once(tmp_path: Path) -> None:
    a = write(tmp_path / "a.jsonl", [run_record("a")])
    b = write(tmp_path / "sub" / "b.jsonl", [run_record("b")])
    assert expand([str(tmp_path), str(tmp_path / "*" / "*.jsonl"), str(a)]) == [a, b]
    with pytest.raises(FileNotFoundError, match="no results file matches"):
        expand([str(tmp_path / "missing-*.jsonl")])


def test_summary_json_holds_every_count_and_group(tmp_path: Path) -> None:
    records = [run_record("r1"), case_record("r1", "pass", count=40)]
    records += [dtype_divergence("r1", f"{{'op': {i}}}", scenario=f"promotion.s{i}") for i in range(12)]
    write(tmp_path / "r.jsonl", records)
    info = build([str(tmp_path / "r.jsonl")], tmp_path / "out" / "index.html", max_groups=5)
    data = json.loads(Path(info["summary"]).read_text())
    assert data["counts"]["promotion"]["impl"]["cpu"] == {"pass": 40, "fail": 12}
    assert data["totals"] == {"pass": 40, "fail": 12}
    assert len(data["divergences"]) == 12  # the HTML caps groups; summary.json never does
    assert sum(d["count"] for d in data["divergences"]) == 12
    assert data["missing"] == [
        "run r1 has no end record: partial results (interrupted, or a worker crashed); 52 cases recorded"
    ]
    assert data["runs"][0]["partial"] is True
    assert data["columns"] == [
        {"id": "impl@cpu", "engine": "impl", "device": "cpu", "oracles": ["torch@cpu"]}
    ]


def test_crashes_group_by_their_message_without_numbers(tmp_path: Path) -> None:
    records = [
        run_record("r1"),
        case_record("r1", "error", case="{'n': 10}", reason="Timeout: case ran over 30.0 s on worker gw0"),
        case_record("r1", "error", case="{'n': 2}", reason="Timeout: case ran over 31.5 s on worker gw1"),
        case_record("r1", "error", case="{'n': 3}", reason="worker gw1 crashed: Segmentation fault"),
    ]
    s = summarise([write(tmp_path / "r.jsonl", records)])
    assert sorted((g.count, g.case) for g in s.groups) == [(1, "{'n': 3}"), (2, "{'n': 2}")]


def test_divergences_counted_past_the_detail_cap_are_not_a_cause(tmp_path: Path) -> None:
    """The harness writes the first cases of a status in full and the rest as one bare count."""
    records = [
        run_record("r1"),
        *(dtype_divergence("r1", f"{{'i': {i}}}") for i in range(3)),
        case_record("r1", "fail", count=425),  # no case, no differences, no reason
        end_record("r1"),
    ]
    path = write(tmp_path / "r.jsonl", records)
    s = summarise([path])
    assert [(g.count, g.fields) for g in s.groups] == [(3, (("dtype", "result.dtype"),))]
    assert s.undetailed == {("fail", "impl", "cpu", "promotion", "promotion.binary_op"): 425}
    assert s.totals() == {"fail": 428}
    info = build([str(path)], tmp_path / "index.html")
    summary = json.loads(Path(info["summary"]).read_text())
    assert summary["undetailed"] == [
        {
            "status": "fail",
            "engine": "impl",
            "device": "cpu",
            "area": "promotion",
            "scenario": "promotion.binary_op",
            "count": 425,
        }
    ]
    html = Path(info["html"]).read_text()
    assert "1 group, 428 cases (425 counted without details)" in html


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
