"""Helpers for the report tests: results records built with conformance.records' dataclasses (and
written with its `append`), and an html.parser tree to inspect built pages as a browser's
tokenizer sees them."""

from __future__ import annotations

from html.parser import HTMLParser
from pathlib import Path
from typing import Any

from conformance import records as rec
from conformance.records import CaseRecord, EndRecord, Example, PlannedTest, PlanRecord, RunRecord, Status
from reports import sample

VOID = frozenset(
    {"meta", "br", "input", "img", "link", "hr", "source", "wbr", "area", "col", "base", "embed"}
)


def run_record(run_id: str, engine: str = "impl", device: str = "cpu", **facts: Any) -> RunRecord:
    fields: dict[str, Any] = {
        "started": "2026-11-29T14:00:00+00:00",
        "engine_version": "0.1.0",
        "engine_device": device,
        "oracle_version": "2.13.0",
        "oracle_device": device,
        "torch": "2.13.0",
        "numpy": "2.4.0",
        "python": "3.11.2",
        "platform": "Linux",
        "hypothesis_profile": "dev",
        "seed": 1234,
        "workers": 1,
        "argv": ["pytest"],
    }
    return RunRecord(run_id=run_id, engine=engine, **(fields | facts))


def plan_record(run_id: str, tests: dict[str, int | None]) -> PlanRecord:
    """The plan of `tests` ({test id: case count}); scenario and area follow from the id."""
    return PlanRecord(run_id=run_id, tests=[_planned(t, n) for t, n in tests.items()])


def _planned(test: str, cases: int | None) -> PlannedTest:
    scenario = test.rsplit("-", 1)[0] if "of" in test.rsplit("-", 1)[-1] else test
    return PlannedTest(test=test, scenario=scenario, area=scenario.split(".")[0], cases=cases)


def case_record(run_id: str, status: str, **fields: Any) -> CaseRecord:
    """A case record; `fields` override the defaults (test defaults to the scenario)."""
    values: dict[str, Any] = {
        "engine": "impl",
        "oracle": "torch",
        "device": "cpu",
        "oracle_device": "cpu",
        "area": "promotion",
        "scenario": "promotion.binary_op",
        "count": 1,
        "duration_s": 0.01,
    } | fields
    values.setdefault("test", values["scenario"])
    return CaseRecord(run_id=run_id, status=Status(status), **values)


def example(case: str, params: dict[str, Any] | None = None, **fields: Any) -> Example:
    return Example(case=case, params=params if params is not None else {"case": case}, **fields)


DTYPE_CAUSE = "dtype result.dtype: float64 vs float32"


def dtype_divergence(run_id: str, *cases: str, engine_dtype: str = "float64", **fields: Any) -> CaseRecord:
    """A 'fail' record of len(cases) cases (unless `count` says more) where the engine's result
    dtype differs from torch's, the first three in full."""
    examples = [
        example(
            c,
            differences=[
                {"field": "dtype", "name": "result.dtype", "engine": engine_dtype, "oracle": "float32"}
            ],
            engine_outcome={"tensor result": f"{engine_dtype}[1] [1.]"},
            oracle_outcome={"tensor result": "float32[1] [1.]"},
            reproduction=f"print({c!r})\n",
        )
        for c in cases[:3]
    ]
    fields.setdefault("count", len(cases))
    fields.setdefault("cause", f"dtype result.dtype: {engine_dtype} vs float32")
    return case_record(run_id, "fail", cases=[{"case": c} for c in cases], examples=examples, **fields)


def end_record(run_id: str, exitstatus: int = 1, tests: list[rec.TestAccount] | None = None) -> EndRecord:
    return EndRecord(
        run_id=run_id,
        finished="2026-11-29T14:05:00+00:00",
        duration_s=300.0,
        exitstatus=exitstatus,
        tests=tests or [],
    )


def write(path: Path, records: list[Any]) -> Path:
    """Append the records with conformance.records.append (each line one record)."""
    rec.append(path, records)
    return path


class Node:
    """A parsed HTML element: tag, attributes, and its content."""

    def __init__(self, tag: str, attrs: dict[str, str | None], parent: Node | None) -> None:
        self.tag, self.attrs, self.parent = tag, attrs, parent
        self.content: list[Node | str] = []  # child elements and text, in document order

    @property
    def children(self) -> list[Node]:
        return [c for c in self.content if isinstance(c, Node)]

    def iter(self) -> Any:
        yield self
        for child in self.children:
            yield from child.iter()

    def find_all(self, tag: str | None = None, **attrs: str) -> list[Node]:
        return [
            n
            for n in self.iter()
            if (tag is None or n.tag == tag)
            and all(
                (k == "class_" and v in (n.attrs.get("class") or "").split())
                or n.attrs.get(k.replace("_", "-")) == v
                for k, v in attrs.items()
            )
        ]

    @property
    def text(self) -> str:
        return "".join(c if isinstance(c, str) else c.text for c in self.content)


class TreeBuilder(HTMLParser):
    """html.parser -> Node tree: what a browser's tokenizer would see as elements."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.root = Node("#document", {}, None)
        self.current = self.root

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        node = Node(tag, dict(attrs), self.current)
        self.current.content.append(node)
        if tag not in VOID:
            self.current = node

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.current.content.append(Node(tag, dict(attrs), self.current))

    def handle_endtag(self, tag: str) -> None:
        node = self.current
        while node is not None and node.tag != tag:
            node = node.parent
        if node is not None and node.parent is not None:
            self.current = node.parent

    def handle_data(self, data: str) -> None:
        self.current.content.append(data)


def parse(html: str) -> Node:
    builder = TreeBuilder()
    builder.feed(html)
    builder.close()
    return builder.root


SCRIPT = "<script>alert(1)</script>"
HOSTILE_ENGINE = "</script><b id=pwn>x</b>"


def hostile_results(tmp_path: Path) -> Path:
    """Every engine-controlled string carries markup: engine name, messages, reprs, cases, code."""
    diffs = [
        {"field": "error", "name": "exception", "engine": f"RuntimeError: {SCRIPT}", "oracle": "a < b & c"}
    ]
    hostile_case = "{'x': '</script><img src=x onerror=alert(1)>'}"
    records = [
        run_record("evil", engine=HOSTILE_ENGINE, engine_version='"><img src=x onerror=alert(3)>'),
        case_record(
            "evil",
            "fail",
            engine=HOSTILE_ENGINE,
            cause=f"error exception: RuntimeError {SCRIPT}",
            cases=[{"x": "</script><img src=x onerror=alert(1)>"}, {"y": SCRIPT}],
            count=2,
            examples=[
                example(
                    hostile_case,
                    {"x": "</script><img src=x onerror=alert(1)>"},
                    differences=diffs,
                    engine_outcome={"error": f"RuntimeError: {SCRIPT}", "repr": "tensor([1]) < 2 & 3"},
                    oracle_outcome={"error": "a < b & c", "repr": "tensor([1])"},
                    expression=f"torch.add({SCRIPT})  -> bool vs int64",
                    reproduction="print('</script><iframe src=javascript:alert(4)>')\n",
                    detail=f"Traceback: {HOSTILE_ENGINE}",
                )
            ],
            seed=42,
        ),
        case_record(
            "evil",
            "error",
            engine=HOSTILE_ENGINE,
            scenario="promotion.promote_types",
            cause="crash",
            reason=f"killed by SIGSEGV {SCRIPT}",
            cases=[{"a": SCRIPT}],
            examples=[example("{'a': 1}", detail=f"stderr {SCRIPT}")],
        ),
        case_record("evil", "unsupported", engine=HOSTILE_ENGINE, area="autograd", reason=f"lacks {SCRIPT}"),
        end_record("evil"),
    ]
    write(tmp_path / "evil.jsonl", records)
    sample.write(tmp_path / "hostile.jsonl", sample.records(run_id="h", engine="numpy", hostile=True))
    return tmp_path
