"""The built page, read with html.parser: escaping, CSP, matrix cells, caps, the CLI."""

from __future__ import annotations

import base64
import hashlib
import json
import re
import subprocess
import sys
from pathlib import Path

from reportdata import (
    HOSTILE_ENGINE,
    SCRIPT,
    case_record,
    dtype_divergence,
    end_record,
    hostile_results,
    parse,
    run_record,
    write,
)

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
        sample.write(
            tmp_path / f"{run_id}.jsonl", sample.records(run_id=run_id, device=device, cases=400, seed=3)
        )
    sample.write(tmp_path / "np.jsonl", sample.records(run_id="np", engine="numpy", cases=400, seed=4))
    s = summarise([tmp_path])
    doc = parse(Path(build([str(tmp_path)], tmp_path / "out" / "index.html")["html"]).read_text())
    matrix = doc.find_all("table", class_="matrix")[0]
    headers = [th.attrs["data-col"] for th in matrix.find_all("th") if "data-col" in th.attrs]
    assert headers == ["impl@cpu", "impl@cuda", "numpy@cpu"]
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
    assert checked > 10


def test_groups_beyond_the_cap_are_counted_not_rendered(tmp_path: Path) -> None:
    records = [run_record("r")]
    records += [
        dtype_divergence("r", f"{{'i': {i}}}", scenario=f"promotion.s{i:02}", count=i + 1) for i in range(10)
    ]
    write(tmp_path / "r.jsonl", records)
    doc = parse(Path(build([str(tmp_path)], tmp_path / "out.html", max_groups=4)["html"]).read_text())
    section = doc.find_all("section", id="unexplained")[0]
    assert len(section.find_all("article")) == 4
    # the biggest groups first (10, 9, 8, 7 cases); the other 6 groups hold 1+...+6 = 21 cases
    assert [a.find_all("b")[0].text for a in section.find_all("article")] == ["10", "9", "8", "7"]
    elided = " ".join(section.find_all("p", class_="elided")[0].text.split())
    assert elided.startswith("6 more groups (21 cases) not shown here")


def test_partial_run_is_announced_at_the_top(tmp_path: Path) -> None:
    write(tmp_path / "r.jsonl", [run_record("cut"), case_record("cut", "pass", count=5)])
    with open(tmp_path / "r.jsonl", "a") as fh:
        fh.write('{"kind":"case","run_id":"cut","sta')
    doc = parse(Path(build([str(tmp_path)], tmp_path / "index.html")["html"]).read_text())
    notices = [" ".join(li.text.split()) for li in doc.find_all("section", id="missing")[0].find_all("li")]
    assert notices[0].startswith("run cut has no end record: partial results")
    assert any("torn last line skipped" in n for n in notices)
    assert "partial: no end record" in doc.find_all("table", class_="runs")[0].text


def test_without_javascript_everything_is_visible(tmp_path: Path) -> None:
    sample.write(tmp_path / "r.jsonl", sample.records(run_id="r", cases=300))
    doc = parse(Path(build([str(tmp_path)], tmp_path / "index.html")["html"]).read_text())
    assert "hidden" in doc.find_all("form", id="filters")[0].attrs  # controls appear only with JS
    filterable = [n for n in doc.iter() if "data-filter" in n.attrs]
    assert filterable and not [n for n in filterable if "hidden" in n.attrs]
    assert all("hidden" in b.attrs for b in doc.find_all("button", class_="copy"))


def test_cli_builds_from_dirs_and_globs(tmp_path: Path) -> None:
    write(
        tmp_path / "a" / "cpu.jsonl", [run_record("a"), case_record("a", "pass", count=2), end_record("a", 0)]
    )
    write(
        tmp_path / "b" / "gpu.jsonl",
        [run_record("b", device="cuda"), case_record("b", "pass", device="cuda")],
    )
    out = tmp_path / "out" / "index.html"
    cmd = [
        sys.executable,
        "-m",
        "reports",
        "build",
        str(tmp_path / "a"),
        str(tmp_path / "b" / "*.jsonl"),
        "-o",
        str(out),
    ]
    done = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert "warning: run b has no end record: partial results" in done.stderr
    summary = json.loads((out.parent / "summary.json").read_text())
    assert [c["id"] for c in summary["columns"]] == ["impl@cpu", "impl@cuda"]
    assert re.search(r"2 runs · 2 engine/device columns · 3 cases", out.read_text())
    missing = subprocess.run(
        [*cmd[:4], str(tmp_path / "nothing*.jsonl")], cwd=ROOT, capture_output=True, text=True
    )
    assert missing.returncode == 2 and "no results file matches" in missing.stderr
