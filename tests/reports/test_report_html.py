"""The built page, read with html.parser: escaping, CSP, matrix cells, caps, the CLI."""

from __future__ import annotations

import base64
import hashlib
import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
from reportdata import (
    HOSTILE_ENGINE,
    SCRIPT,
    case_record,
    dtype_divergence,
    end_record,
    example,
    hostile_results,
    parse,
    plan_record,
    run_record,
    write,
)

from reports import build as build_module
from reports import sample
from reports.build import build
from reports.summary import column_id, summarise

ROOT = Path(__file__).resolve().parents[2]


def test_engine_strings_are_text_never_markup(tmp_path: Path) -> None:
    info = build([str(hostile_results(tmp_path))], tmp_path / "out" / "index.html")
    html = Path(info["html"]).read_text()
    doc = parse(html)
    # No injected element: the only scripts are the JSON block and our own code, and no img/iframe/b#pwn.
    scripts = doc.find_all("script")
    assert [s.attrs.get("type") for s in scripts] == ["application/json", None]
    assert scripts[1].text == (ROOT / "reports" / "templates" / "report.js").read_text()
    assert not doc.find_all("img") and not doc.find_all("iframe") and not doc.find_all(id="pwn")
    assert not [n for n in doc.iter() if any(k.startswith("on") for k in n.attrs)]
    # ... and every hostile string is there as text.
    text = doc.text
    for needle in (
        SCRIPT,
        "a < b & c",
        "</script><img src=x onerror=alert(1)>",
        HOSTILE_ENGINE,
        "tensor([1]) < 2 & 3",
        f"torch.add({SCRIPT})  -> bool vs int64",
        f"Traceback: {HOSTILE_ENGINE}",
        f"killed by SIGSEGV {SCRIPT}",
        f"error exception: RuntimeError {SCRIPT}",
    ):
        assert needle in text
    reproductions = [
        pre.text for pre in doc.find_all("pre") if (pre.attrs.get("id") or "").endswith("-repro")
    ]
    assert "print('</script><iframe src=javascript:alert(4)>')\n" in reproductions
    # The JSON for the script is escaped (no raw '<' that could close the element) and decodes back.
    raw = scripts[0].text
    assert "<" not in raw and ">" not in raw and "&" not in raw
    data = json.loads(raw)
    assert {"id": column_id((HOSTILE_ENGINE, "cpu")), "label": f"{HOSTILE_ENGINE} · cpu"} in data["columns"]


def test_csp_forbids_everything_but_the_inline_code(tmp_path: Path) -> None:
    write(tmp_path / "r.jsonl", [run_record("r"), case_record("r", "pass", count=3), end_record("r", 0)])
    doc = parse(Path(build([str(tmp_path / "r.jsonl")], tmp_path / "index.html")["html"]).read_text())
    csp = doc.find_all("meta", http_equiv="Content-Security-Policy")[0].attrs["content"]
    assert csp.startswith("default-src 'none';")

    def pinned(text: str) -> str:
        return "'sha256-" + base64.b64encode(hashlib.sha256(text.encode()).digest()).decode() + "'"

    script = doc.find_all("script")[1].text
    style = doc.find_all("style")[0].text
    assert f"script-src {pinned(script)};" in csp
    assert f"style-src {pinned(style)};" in csp
    assert not doc.find_all("link") and not [n for n in doc.iter() if "src" in n.attrs or "style" in n.attrs]


def test_matrix_cells_show_every_status_count(tmp_path: Path) -> None:
    for run_id, device in (("cpu", "cpu"), ("gpu", "cuda")):
        sample.write(tmp_path / f"{run_id}.jsonl", sample.records(run_id=run_id, device=device, seed=3))
    sample.write(tmp_path / "np.jsonl", sample.records(run_id="np", engine="numpy", seed=4))
    sample.write(tmp_path / "jax.jsonl", sample.records(run_id="jax", engine="jax", seed=5))
    s = summarise([tmp_path])
    doc = parse(Path(build([str(tmp_path)], tmp_path / "out" / "index.html")["html"]).read_text())
    matrix = doc.find_all("table", class_="matrix")[0]
    headers = [th.attrs["data-col"] for th in matrix.find_all("th") if "data-col" in th.attrs]
    assert headers == ["impl@cpu", "impl@cuda", "jax@cpu", "numpy@cpu"]
    checked = 0
    for area in s.areas:
        row = matrix.find_all("tr", data_area=area)[0]
        for col in s.columns:
            counts = s.counts[area][col]
            cell = row.find_all("td", data_col=column_id(col))[0]
            text = " ".join(cell.text.split())
            shown = {b.find_all("b")[0].text: b.attrs["class"] for b in cell.find_all("span", class_="badge")}
            for status, n in counts.items():
                if status != "pass":
                    assert f"badge s-{status}" in shown[str(n)]
                    checked += 1
            ran = sum(n for st, n in counts.items() if st not in ("unsupported", "not_run"))
            assert (f"{counts['pass']} / {ran}" in text) if ran else ("not checked" in text)
            bars = cell.find_all("rect")
            assert {r.attrs["class"] for r in bars} == {f"s-{st}" for st in counts}
            assert abs(sum(float(r.attrs["width"]) for r in bars) - 100) < 0.01
    assert checked >= 10


def test_groups_beyond_the_cap_are_counted_not_rendered(tmp_path: Path) -> None:
    records = [run_record("r")]
    records += [
        dtype_divergence("r", f"{{'i': {i}}}", scenario=f"promotion.s{i:02}", count=(i + 1) * 100)
        for i in range(10)
    ]
    write(tmp_path / "r.jsonl", records)
    doc = parse(Path(build([str(tmp_path)], tmp_path / "out.html", max_groups=4)["html"]).read_text())
    section = doc.find_all("section", id="unexplained")[0]
    assert len(section.find_all("article")) == 4
    # the biggest groups first (1000, 900, 800, 700 cases); the other 6 hold 100+...+600 = 2100
    assert [a.find_all("b")[0].text for a in section.find_all("article")] == ["1,000", "900", "800", "700"]
    elided = " ".join(section.find_all("p", class_="elided")[0].text.split())
    assert elided.startswith("6 more groups (2,100 cases) not shown here")
    assert "10 groups, 5,500 cases" in " ".join(section.find_all("h2")[0].text.split())


def test_a_group_says_its_size_what_is_shown_in_full_and_lists_other_cases(tmp_path: Path) -> None:
    cases = [f"{{'op': 'add', 'i': {i}}}" for i in range(50)]
    group = dtype_divergence("r", *cases, count=1234)
    group.examples[0].expression = "torch.add(tensor([True]), tensor([True]))  -> bool [True] vs int64 [2]"
    write(tmp_path / "r.jsonl", [run_record("r"), group])
    doc = parse(Path(build([str(tmp_path)], tmp_path / "index.html", samples=4)["html"]).read_text())
    (article,) = doc.find_all("article")
    header = " ".join(article.find_all("header")[0].text.split())
    assert "1,234 cases · 3 shown in full" in header
    assert "cause dtype result.dtype: float64 vs float32" in " ".join(article.text.split())
    others = article.find_all("details", class_="others")[0]
    assert (
        " ".join(others.find_all("summary")[0].text.split())
        == "1,231 more cases not shown in full; 4 of them by their parameters"
    )
    assert [li.text for li in others.find_all("li")] == [f'{{"case": "{c}"}}' for c in cases[3:7]]
    # the failing expression comes first, above the case and the reproduction
    labels = [" ".join(d.text.split()) for d in article.find_all("div", class_="label")]
    assert labels[:3] == ["Failing expression", "Case", "Reproduction (run from the checkout root) Copy"]
    assert "-> bool [True] vs int64 [2]" in article.find_all("div", class_="expr")[0].text
    assert len(article.find_all("details", class_="more")) == 2  # the 2nd and 3rd cases in full, folded


def test_the_accounts_show_every_test_and_name_those_with_missing_cases(tmp_path: Path) -> None:
    plan = {"promotion.promote_types": 144, "memory.views": 62, "autograd.errors": 12}
    records = [
        run_record("cut"),
        plan_record("cut", plan),
        case_record("cut", "pass", scenario="promotion.promote_types", count=140),
        case_record("cut", "error", scenario="promotion.promote_types", cause="c", reason="crash", count=4),
        case_record("cut", "pass", area="memory", scenario="memory.views", count=30),
    ]
    write(tmp_path / "r.jsonl", records)
    doc = parse(Path(build([str(tmp_path)], tmp_path / "index.html")["html"]).read_text())
    section = doc.find_all("section", id="accounts")[0]
    rows = {
        tuple(" ".join(td.text.split()) for td in tr.find_all("td")[:2]): [
            " ".join(td.text.split()) for td in tr.find_all("td")[2:]
        ]
        for tr in section.find_all("table", class_="accounts")[0].find_all("tr", data_area="promotion")
        + section.find_all("table", class_="accounts")[0].find_all("tr", data_area="memory")
    }
    #               tests collected checked unsupp not_run error missing checked%
    assert rows[("impl · cpu", "promotion")] == ["1", "144", "140", "0", "0", "4", "0", "97.2%"]
    assert rows[("impl · cpu", "memory")] == ["1", "62", "30", "0", "0", "0", "32 in 1 test", "48.3%"]
    named = " ".join(section.find_all("div", class_="warn-box")[0].text.split())
    assert (
        "2 tests with cases not recorded: memory.views (32 of 62 missing), autograd.errors (12 of 12 missing)"
        in named
    )
    header = doc.find_all("table", class_="matrix")[0].find_all("th", data_col="impl@cpu")[0]
    assert "partial" in header.text
    notices = " ".join(doc.find_all("section", id="missing")[0].text.split())
    assert "1 of 3 planned tests have no records: autograd.errors" in notices
    assert "memory.views (32 of 62 cases not recorded)" in notices


def test_across_engines_marks_a_cause_found_only_in_one_column(tmp_path: Path) -> None:
    for engine, extra in (
        ("impl", []),
        ("numpy", [dtype_divergence("n", "{'i': 1}", engine="numpy", count=7)]),
    ):
        run_id = engine[0]
        write(
            tmp_path / f"{engine}.jsonl",
            [run_record(run_id, engine=engine), case_record(run_id, "pass", engine=engine, count=50), *extra],
        )
    doc = parse(Path(build([str(tmp_path)], tmp_path / "index.html")["html"]).read_text())
    section = doc.find_all("section", id="across")[0]
    (row,) = section.find_all("tbody")[0].find_all("tr")
    assert row.attrs["data-only"] == "numpy@cpu"
    cells = {
        td.attrs["data-col"]: " ".join(td.text.split()) for td in row.find_all("td") if "data-col" in td.attrs
    }
    assert cells == {"impl@cpu": "agrees", "numpy@cpu": "7 fail only here"}
    heads = [" ".join(th.text.split()) for th in section.find_all("th", data_col="numpy@cpu")]
    assert heads == ["numpy · cpu1 only here"]  # (the count is on its own line)


def test_the_header_links_the_rule_index_relative_to_the_report(tmp_path: Path) -> None:
    write(tmp_path / "r.jsonl", [run_record("r"), case_record("r", "pass")])
    out = ROOT / "reports" / "out" / "test-rules-link" / "index.html"
    try:
        doc = parse(Path(build([str(tmp_path)], out)["html"]).read_text())
    finally:
        for name in ("index.html", "summary.json"):
            (out.parent / name).unlink(missing_ok=True)
        out.parent.rmdir()
    link = doc.find_all("a", class_="rules")[0]
    assert link.attrs["href"] == "../../../docs/rules.md"  # reports/out/<folder>/ -> docs/
    assert (out.parent / link.attrs["href"]).resolve() == ROOT / "docs" / "rules.md"
    assert build_module.rules_href(ROOT / "reports" / "out" / "index.html") == build_module.RULES_HREF


def test_a_partial_run_is_announced_at_the_top(tmp_path: Path) -> None:
    write(tmp_path / "r.jsonl", [run_record("cut"), case_record("cut", "pass", count=5)])
    with open(tmp_path / "r.jsonl", "a") as fh:
        fh.write('{"kind":"case","run_id":"cut","sta')
    doc = parse(Path(build([str(tmp_path)], tmp_path / "index.html")["html"]).read_text())
    notices = [" ".join(li.text.split()) for li in doc.find_all("section", id="missing")[0].find_all("li")]
    assert notices[0].startswith("run cut (impl@cpu) has no end record (interrupted, or a worker crashed)")
    assert notices[1].startswith("1 malformed line(s) skipped (not valid records):")
    assert notices[1].endswith("r.jsonl: line 3 (torn: the writer was cut off)")
    assert "partial: no end record" in doc.find_all("table", class_="runs")[0].text


def test_without_javascript_everything_is_visible(tmp_path: Path) -> None:
    sample.write(tmp_path / "r.jsonl", sample.records(run_id="r", engine="numpy"))
    doc = parse(Path(build([str(tmp_path)], tmp_path / "index.html")["html"]).read_text())
    assert "hidden" in doc.find_all("form", id="filters")[0].attrs  # controls appear only with JS
    filterable = [n for n in doc.iter() if "data-filter" in n.attrs]
    assert filterable and not [n for n in filterable if "hidden" in n.attrs]
    assert all("hidden" in b.attrs for b in doc.find_all("button", class_="copy"))


def _cli(*args: str) -> subprocess.CompletedProcess[str]:
    cmd = [sys.executable, "-m", "reports", *args]
    return subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=120)


def test_cli_builds_from_dirs_and_globs(tmp_path: Path) -> None:
    write(
        tmp_path / "a" / "cpu.jsonl", [run_record("a"), case_record("a", "pass", count=2), end_record("a", 0)]
    )
    write(
        tmp_path / "b" / "gpu.jsonl",
        [run_record("b", device="cuda"), case_record("b", "pass", device="cuda")],
    )
    out = tmp_path / "out" / "index.html"
    done = _cli("build", str(tmp_path / "a"), str(tmp_path / "b" / "*.jsonl"), "-o", str(out))
    assert done.returncode == 0, done.stderr
    assert "warning: run b (impl@cuda) has no end record" in done.stderr
    summary = json.loads((out.parent / "summary.json").read_text())
    assert [c["id"] for c in summary["columns"]] == ["impl@cpu", "impl@cuda"]
    assert re.search(r"2 runs · 2 engine/device columns · 3 cases", out.read_text())
    missing = _cli("build", str(tmp_path / "nothing*.jsonl"))
    assert missing.returncode == 2 and "no results file matches" in missing.stderr


def test_any_string_renders_and_bad_lines_are_named(tmp_path: Path) -> None:
    """Lone surrogates, wrong-typed fields and torn lines: the build succeeds and says what it skipped."""
    path = write(
        tmp_path / "r.jsonl",
        [
            run_record("r"),
            case_record("r", "error", cause="c", reason="cannot open '\udc80\udcff.bin'", count=3),
            case_record(
                "r", "fail", cause="fact name: '\ud800' vs 'x'", examples=[example("{'s': '\udfff'}")]
            ),
        ],
    )
    with open(path, "a") as fh:
        fh.write('{"kind": "run", "run_id": "x", "seed": [1]}\n')  # a list seed
        fh.write('{"kind": "end", "run_id": "r", "exitstatus": [1]}\n')  # a list exit status
        fh.write('{"kind": "ca')  # a torn line
    out = tmp_path / "out" / "index.html"
    done = _cli("build", str(path), "-o", str(out), "--title", "report \udcff")
    assert done.returncode == 0, done.stderr
    assert "Traceback" not in done.stderr
    page = parse(out.read_text(encoding="utf-8")).text
    for text in ("cannot open '\\udc80\\udcff.bin'", "fact name: '\\ud800' vs 'x'", "{'s': '\\udfff'}"):
        assert text in page
    assert "3 malformed line(s) skipped (not valid records)" in page
    assert "lines 4, 5, 6 (torn: the writer was cut off)" in page
    summary = json.loads((out.parent / "summary.json").read_text())
    assert summary["malformed_lines"] == 3
    assert [m["line"] for m in summary["sources"][0]["malformed"]] == [4, 5, 6]


def test_a_failed_build_leaves_the_previous_report_in_place(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write(tmp_path / "r.jsonl", [run_record("r"), case_record("r", "pass", count=2)])
    out = tmp_path / "out" / "index.html"
    build([str(tmp_path / "r.jsonl")], out)
    before = {p.name: p.read_bytes() for p in out.parent.iterdir()}
    assert set(before) == {"index.html", "summary.json"}

    def broken(*args: object, **kwargs: object) -> str:
        raise RuntimeError("render failed")

    monkeypatch.setattr(build_module, "render", broken)
    with pytest.raises(RuntimeError, match="render failed"):
        build([str(tmp_path / "r.jsonl")], out)
    monkeypatch.undo()

    real_replace = build_module.os.replace
    calls: list[str] = []

    def replace_then_fail(src: str, dst: Path) -> None:  # the disk fills up after the page is moved
        calls.append(str(dst))
        if len(calls) == 2:
            raise OSError(28, "No space left on device")
        real_replace(src, dst)

    monkeypatch.setattr(build_module.os, "replace", replace_then_fail)
    with pytest.raises(build_module.OutputError, match="No space left on device"):
        build([str(tmp_path / "r.jsonl")], out)
    monkeypatch.undo()
    after = {p.name: p.read_bytes() for p in out.parent.iterdir()}
    assert set(after) == {"index.html", "summary.json"}  # no temporary file left behind
    assert after["summary.json"] == before["summary.json"]
    assert after["index.html"].startswith(b"<!doctype html>") and after["index.html"].rstrip().endswith(
        b"</html>"
    )


def test_a_bad_output_is_a_one_line_error(tmp_path: Path) -> None:
    write(tmp_path / "r.jsonl", [run_record("r"), case_record("r", "pass")])
    (tmp_path / "a-file").write_text("")
    for output, says in (
        (tmp_path, "is a directory"),
        (tmp_path / "a-file" / "index.html", "cannot create"),
        (tmp_path / "summary.json", "summary.json is written beside the HTML file"),
    ):
        done = _cli("build", str(tmp_path / "r.jsonl"), "-o", str(output))
        assert done.returncode == 2, done.stderr
        assert done.stderr.count("\n") == 1 and done.stderr.startswith("error: ") and says in done.stderr


def test_a_stale_entry_shows_what_it_matches(tmp_path: Path) -> None:
    stale = case_record(
        "r",
        "stale",
        test="",
        count=12,
        manifest_entry="#7 creation.tensor_from_data",
        cases=[{"dtype": "bfloat16"}],
        reason="manifest entry #7 creation.tensor_from_data: all 12 matching cases agree now; remove it",
    )
    write(tmp_path / "r.jsonl", [run_record("r"), case_record("r", "pass", count=12), stale])
    doc = parse(Path(build([str(tmp_path)], tmp_path / "index.html")["html"]).read_text())
    (article,) = doc.find_all("section", id="manifest")[0].find_all("article")
    text = " ".join(article.text.split())
    assert "12 matching cases now agree" in text
    assert 'the entry matches {"dtype": "bfloat16"}' in text
    assert "Stale manifest entry: manifest entry #7 creation.tensor_from_data: all 12" in text
    assert not article.find_all("details", class_="others")
