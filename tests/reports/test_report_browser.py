"""The report in headless Chromium (DevTools protocol over a pipe): rendering, filters, no network.

Skipped where no Chromium is installed (Debian: `apt-get install chromium`; CI installs it).
"""

from __future__ import annotations

import json
import struct
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from reportdata import HOSTILE_ENGINE, SCRIPT, hostile_results

from reports import sample
from reports.__main__ import main
from reports.browser import Chromium, chromium_path
from reports.build import build
from reports.summary import Summary, column_id, summarise

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(chromium_path() is None, reason="no Chromium on PATH (Debian package `chromium`)"),
]

VISIBLE = "(el) => el.getClientRects().length > 0"


@pytest.fixture(scope="module")
def report(tmp_path_factory: pytest.TempPathFactory) -> tuple[str, Summary]:
    """A CPU run, a CUDA run from another machine, two other engines and a hostile one, in one report."""
    root = tmp_path_factory.mktemp("results")
    sample.write(root / "cpu.jsonl", sample.records(run_id="cpu", seed=1))
    sample.write(
        root / "cuda.jsonl", sample.records(run_id="cuda", device="cuda", oracle_device="cuda", seed=2)
    )
    sample.write(root / "numpy.jsonl", sample.records(run_id="np", engine="numpy", seed=3))
    sample.write(root / "jax.jsonl", sample.records(run_id="jax", engine="jax", seed=4, end=False))
    hostile_results(root)
    info = build([str(root)], root / "out" / "index.html")
    return Path(info["html"]).as_uri(), summarise([root])


@pytest.fixture(scope="module")
def browser() -> Iterator[Chromium]:
    with Chromium() as chromium:
        yield chromium


def visible(browser: Chromium, selector: str, attribute: str) -> list[Any]:
    """`attribute` (a dataset key, or 'text') of every element matching `selector` that is displayed."""
    pick = "el.innerText" if attribute == "text" else f"el.dataset.{attribute}"
    return browser.evaluate(
        f"[...document.querySelectorAll({json.dumps(selector)})].filter({VISIBLE}).map((el) => {pick})"
    )


def test_matrix_and_a_divergence_render(browser: Chromium, report: tuple[str, Summary]) -> None:
    url, s = report
    browser.open(url)
    assert visible(browser, "table.matrix:not(.compact) thead th[data-col]", "col") == [
        column_id(c) for c in s.columns
    ]
    assert {"impl@cpu", "impl@cuda", "numpy@cpu"} <= {column_id(c) for c in s.columns}
    for area in s.areas:
        for col in s.columns:
            counts = s.counts[area][col]
            ran = sum(n for st, n in counts.items() if st not in ("unsupported", "not_run"))
            cell = browser.evaluate(
                f"[...document.querySelectorAll('table.matrix tr[data-area={json.dumps(area)}] td')]"
                f".find((td) => td.dataset.col === {json.dumps(column_id(col))}).innerText"
            )
            expected = f"{counts['pass']} / {ran}" if ran else "not checked" if counts else "—"
            assert expected in cell
    group = next(g for g in s.groups if g.scenario == "promotion.binary_op" and g.column == ("numpy", "cpu"))
    article = (
        "[...document.querySelectorAll('#unexplained article')].find((a) => "
        f"a.dataset.col === 'numpy@cpu' && a.querySelector('h3').innerText === {json.dumps(group.scenario)})"
    )
    shown = browser.evaluate(
        f"""(() => {{
            const shows = {VISIBLE}, a = {article};
            return {{
                visible: shows(a),
                expression: a.querySelector(".expr pre").innerText,
                case: a.querySelector(".case pre").innerText,
                marks: [...a.querySelectorAll(":scope > table.cmp tr.differs mark")].map((m) => m.innerText),
                count: a.querySelector(".n").innerText,
                copy: shows(a.querySelector("button.copy")),
                folded: [...a.querySelectorAll("details.more")].map(shows),
            }};
        }})()"""
    )
    assert group.example is not None
    assert shown == {
        "visible": True,
        "expression": group.example.expression,
        "case": group.case,
        "marks": ["float32", "float64"] * 2,  # the outcome row and the difference row
        "count": f"{group.count} cases · 3 shown in full · in {len(group.tests)} tests",
        "copy": True,
        "folded": [True, True],
    }


def test_filter_from_the_url_hash(browser: Chromium, report: tuple[str, Summary]) -> None:
    url, s = report
    browser.open(url + "#area=promotion&col=numpy%40cpu&status=fail,error")
    expected = [
        g for g in s.groups if g.area == "promotion" and g.column == ("numpy", "cpu") and g.status == "fail"
    ]
    assert expected
    shown = visible(browser, "#unexplained article, #manifest article", "status")
    assert shown == ["fail"] * len(expected)
    assert set(visible(browser, "article", "area")) == {"promotion"}
    assert visible(browser, "table.matrix:not(.compact) tbody tr", "area") == ["promotion"]
    assert visible(browser, "table.matrix:not(.compact) thead th[data-col]", "col") == ["numpy@cpu"]
    assert set(visible(browser, "#accounts tr[data-col]", "col")) == {"numpy@cpu"}
    assert visible(browser, "#across thead th[data-col]", "col") == ["numpy@cpu"]
    total = sum(1 for g in s.groups if g.status in ("fail", "error"))
    assert browser.evaluate("document.querySelector('#unexplained .shown').innerText") == (
        f"(showing {len(expected)} of {total})"
    )
    assert browser.evaluate("document.querySelector('#filters select[name=area]').value") == "promotion"


def test_filter_controls_update_the_page_and_the_hash(browser: Chromium, report: tuple[str, Summary]) -> None:
    url, s = report
    browser.open(url)
    everything = len(visible(browser, "article", "status"))
    assert everything == len(s.groups)
    browser.evaluate(
        "(() => { const f = document.getElementById('filters'); f.elements.area.value = 'memory';"
        " f.dispatchEvent(new Event('change')); })()"
    )
    assert browser.evaluate("location.hash") == "#area=memory"
    assert set(visible(browser, "article", "area")) == {"memory"}
    assert len(visible(browser, "article", "area")) == sum(1 for g in s.groups if g.area == "memory")
    browser.evaluate(
        "(() => { const box = document.querySelector('#filters input[value=expected]'); box.click(); })()"
    )
    assert "expected" not in visible(browser, "article", "status")
    assert browser.evaluate("location.hash").startswith("#area=memory&status=pass%2Cfail%2Cstale")
    browser.evaluate("document.querySelector('#filters button[name=reset]').click()")
    assert len(visible(browser, "article", "status")) == everything


def test_page_makes_no_network_request(browser: Chromium, report: tuple[str, Summary]) -> None:
    url, _ = report
    browser.open(url)
    assert browser.requests == [url]
    assert browser.problems == []  # no CSP violation, no script error
    assert browser.evaluate(f"({VISIBLE})(document.getElementById('filters'))")  # the pinned script ran
    csp = browser.evaluate("document.querySelector('meta[http-equiv=Content-Security-Policy]').content")
    assert csp.startswith("default-src 'none';")


def test_request_log_and_csp_catch_what_they_should(browser: Chromium, tmp_path: Path) -> None:
    """Control: the checks above would see a request and a blocked load if the page made one."""
    open_page = tmp_path / "open.html"
    open_page.write_text('<!doctype html><img src="http://192.0.2.1/pixel.png">')
    browser.open(open_page.as_uri())
    assert "http://192.0.2.1/pixel.png" in browser.requests
    locked = tmp_path / "locked.html"
    locked.write_text(
        '<!doctype html><meta http-equiv="Content-Security-Policy" content="default-src \'none\'">'
        '<img src="http://192.0.2.1/pixel.png"><script>document.title = "ran"</script>'
    )
    browser.open(locked.as_uri())
    assert browser.evaluate("document.title") == ""
    assert any("Content Security Policy" in p for p in browser.problems)


def test_hostile_strings_show_as_text(browser: Chromium, report: tuple[str, Summary]) -> None:
    url, _ = report
    browser.open(url)
    text = browser.evaluate("document.body.innerText")
    for needle in (SCRIPT, "a < b & c", "</script><img src=x onerror=alert(1)>", HOSTILE_ENGINE):
        assert needle in text
    assert browser.evaluate("document.querySelectorAll('img, iframe, #pwn').length") == 0
    assert browser.evaluate("document.scripts.length") == 2
    options = browser.evaluate(
        "[...document.querySelectorAll('#filters select[name=col] option')].map((o) => o.text)"
    )
    assert f"{HOSTILE_ENGINE} · cpu" in options


def test_copy_button_copies_the_reproduction(browser: Chromium, report: tuple[str, Summary]) -> None:
    url, _ = report
    browser.open(url)
    browser.send(
        "Browser.grantPermissions", {"permissions": ["clipboardReadWrite", "clipboardSanitizedWrite"]}
    )
    copied = browser.evaluate(
        "(async () => { const b = document.querySelector('#manifest button.copy'); b.click();"
        " await new Promise((r) => setTimeout(r, 100));"
        " return [b.innerText, await navigator.clipboard.readText(),"
        " document.getElementById(b.dataset.target).textContent]; })()"
    )
    assert copied[0] == "Copied"
    assert copied[1] == copied[2] and copied[1].startswith("# ")
    assert "from conformance.engines import get_engine" in copied[1]


def test_screenshot_command_writes_a_small_png(report: tuple[str, Summary], tmp_path: Path) -> None:
    url, _ = report
    out = tmp_path / "shot.png"
    assert main(["screenshot", url.removeprefix("file://"), "-o", str(out), "--size", "900,700"]) == 0
    png = out.read_bytes()
    assert png[:8] == b"\x89PNG\r\n\x1a\n" and png[12:16] == b"IHDR"
    assert struct.unpack(">II", png[16:24]) == (900, 700)
    assert len(png) < 200 * 1024
