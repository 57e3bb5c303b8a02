"""The rule index (docs/rules.md) and the capabilities table of docs/adapters.md are generated from
the registry and stay in sync with it; the README links the index."""

from __future__ import annotations

from spec import index
from spec.scenario import all_scenarios


def test_rules_page_is_current() -> None:
    assert index.RULES.read_text() == index.rules_page(), "run python -m spec.index"


def test_capabilities_table_is_current() -> None:
    current = index.ADAPTERS.read_text()
    assert index.adapters_page(current) == current, "run python -m spec.index"


def test_every_scenario_is_indexed_with_its_count_and_needs() -> None:
    page, table = index.rules_page(), index.capabilities_table()
    for sc in all_scenarios().values():
        count = "drawn" if not sc.finite else f"{sc.count():,} cases"
        assert f"### `{sc.id}` ({count})" in page
        needs = ", ".join(sorted(c.value for c in sc.requires)) or "-"
        assert f"| `{sc.id}` | {sc.area} |" in table and table.count(f"`{sc.id}`") == 1
        assert f"| {needs} |" in table.split(f"`{sc.id}`", 1)[1].splitlines()[0]


def test_clauses_split_at_top_level_semicolons_only() -> None:
    assert index.clauses("a (b; c); d;  e ") == ["a (b; c)", "d", "e"]


def test_check_mode_reports_current_files() -> None:
    assert index.main(["--check"]) == 0


def test_readme_links_the_rule_index() -> None:
    assert "(docs/rules.md)" in (index.ROOT / "README.md").read_text()
