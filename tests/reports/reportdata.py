"""Helpers for the report tests: results records (written with conformance.results.append) and an
html.parser tree to inspect built pages as a browser's tokenizer sees them."""

from __future__ import annotations

from html.parser import HTMLParser
from pathlib import Path
from typing import Any

from conformance.results import append

from reports import sample

VOID = frozenset(
    {"meta", "br", "input", "img", "link", "hr", "source", "wbr", "area", "col", "base", "embed"}
)


def run_record(run_id: str, engine: str = "impl", device: str = "cpu", **facts: Any) -> dict[str, Any]:
    return {
        "kind": "run",
        "run_id": run_id,
        "started": "2026-11-29T14:00:00+00:00",
        "engine": engine,
        "engine_version": "0.1.0",
        "engine_device": device,
        "oracle": "torch",
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
        **facts,
    }


def case_record(run_id: str, status: str, **fields: Any) -> dict[str, Any]:
    """A case record with the documented fields; `fields` override the defaults."""
    record = {
        "kind": "case",
        "run_id": run_id,
        "engine": "impl",
        "oracle": "torch",
        "device": "cpu",
        "oracle_device": "cpu",
        "area": "promotion",
        "scenario": "promotion.binary_op",
        "status": status,
        "count": 1,
        "case": "",
        "params": {},
        "differences": [],
        "engine_outcome": None,
        "oracle_outcome": None,
        "reproduction": "",
        "reason": "",
        "seed": None,
        "duration_s": 0.01,
    }
    record.update(fields)
    return record


def dtype_divergence(run_id: str, case: str, engine_dtype: str = "float64", **fields: Any) -> dict[str, Any]:
    """A 'fail' where the engine's result dtype differs from torch's."""
    return case_record(
        run_id,
        "fail",
        case=case,
        differences=[{"field": "dtype", "name": "result.dtype", "engine": engine_dtype, "oracle": "float32"}],
        engine_outcome={"result.dtype": engine_dtype, "error": "no exception"},
        oracle_outcome={"result.dtype": "float32", "error": "no exception"},
        reproduction=f"rerun('promotion.binary_op', {case})\n",
        **fields,
    )


def end_record(run_id: str, exitstatus: int = 1) -> dict[str, Any]:
    return {
        "kind": "end",
        "run_id": run_id,
        "finished": "2026-11-29T14:05:00+00:00",
        "duration_s": 300.0,
        "exitstatus": exitstatus,
    }


def write(path: Path, records: list[dict[str, Any]]) -> Path:
    for record in records:
        append(path, record)
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
    records = [
        run_record("evil", engine=HOSTILE_ENGINE, engine_version='"><img src=x onerror=alert(3)>'),
        case_record(
            "evil",
            "fail",
            engine=HOSTILE_ENGINE,
            case="{'x': '</script><img src=x onerror=alert(1)>'}",
            differences=diffs,
            engine_outcome={"error": f"RuntimeError: {SCRIPT}", "repr": "tensor([1]) < 2 & 3"},
            oracle_outcome={"error": "a < b & c", "repr": "tensor([1])"},
            reproduction="print('</script><iframe src=javascript:alert(4)>')\n",
            reason="",
            seed=42,
        ),
        case_record("evil", "unsupported", engine=HOSTILE_ENGINE, area="autograd", reason=f"lacks {SCRIPT}"),
        end_record("evil"),
    ]
    write(tmp_path / "evil.jsonl", records)
    sample.write(tmp_path / "hostile.jsonl", sample.records(run_id="h", cases=200, hostile=True))
    return tmp_path
