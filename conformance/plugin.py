"""pytest plugin: `pytest conformance --engine impl` checks an engine against the oracle (torch).

Loaded through the `pytest11` entry point when tensorspec is installed, by conformance/conftest.py
when `pytest conformance` runs from a checkout, or explicitly with `-p conformance.plugin`.
It adds the options below, prints the engine/oracle/profile/seed in pytest's header, generates
one test per scenario (per chunk of a large finite domain) for conformance/test_conformance.py,
and writes the JSON-lines results (conformance/results.py): a `run` record from the controller
at session start, `case` records from whichever worker ran the test, `stale` manifest entries
and an `end` record from the controller at session end.
"""

from __future__ import annotations

import fnmatch
import importlib
import importlib.util
import os
import platform
import random
import re
import sys
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from conformance import profiles, results
from conformance.engines import EngineUnavailable, describe
from conformance.manifest import Manifest, ManifestError
from conformance.runner import DEFAULT_TIMEOUT_S, Harness, Target, stale_records, targets
from spec.engine import AREAS
from spec.scenario import REGISTRY, Scenario

PACKAGE_DIR = Path(__file__).resolve().parent
TEST_FILE = PACKAGE_DIR / "test_conformance.py"
MANIFEST_DIR = PACKAGE_DIR / "manifests"


@dataclass
class State:
    """Per-process state of a conformance session."""

    active: bool  # the conformance tests are part of this run
    controller: bool  # the xdist controller, or the only process
    harness: Harness
    results_path: Path
    profile: str
    seed: Any
    stale: list[dict[str, Any]] = field(default_factory=list)


STATE = pytest.StashKey[State]()


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("tensorspec", "tensorspec conformance (pytest conformance ...)")
    group.addoption("--engine", default="impl", help="engine under test: a registry name or pkg.mod:Adapter")
    group.addoption("--oracle", default="torch", help="the oracle engine (default torch)")
    group.addoption("--device", default="cpu", help="the engine's device (default cpu)")
    group.addoption("--oracle-device", default="cpu", help="the oracle's device (default cpu)")
    group.addoption(
        "--results", default=None, help="JSON-lines results (default results/<engine>-<device>.jsonl)"
    )
    group.addoption(
        "--manifest", default=None, help="expected divergences (default conformance/manifests/<engine>.toml)"
    )
    group.addoption("--area", action="append", choices=AREAS, help="only these areas (repeatable)")
    group.addoption(
        "--scenario", action="append", help="only scenario ids matching this fnmatch pattern (repeatable)"
    )
    group.addoption(
        "--scenario-module", action="append", help="import this module to register more scenarios"
    )
    group.addoption(
        "--case-timeout",
        type=float,
        default=DEFAULT_TIMEOUT_S,
        help="seconds per case before `error` (0: none)",
    )


def _slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.]+", "_", text).strip("_")


def _is_active(config: pytest.Config) -> bool:
    """Whether this run collects conformance/test_conformance.py (by path, or --pyargs module)."""
    for arg in config.args:
        path = Path(arg.split("::", 1)[0])
        if not path.exists() and config.getoption("pyargs", False):
            spec = importlib.util.find_spec(str(path)) if re.fullmatch(r"[\w.]+", str(path)) else None
            path = Path(spec.origin).parent if spec and spec.origin else path
        path = (config.invocation_params.dir / path).resolve()
        if path == TEST_FILE or path in TEST_FILE.parents:
            return True
    return False


def _not_run_reason(device: str, oracle_device: str) -> str:
    """Why the run cannot happen here (CUDA asked for, none visible), or ''. Turns TF32 off on CUDA."""
    wanted = [d for d in (device, oracle_device) if d.split(":")[0] == "cuda"]
    if not wanted:
        return ""
    import torch

    if not torch.cuda.is_available():
        return (
            f"not run: CUDA device requested ({wanted[0]}) but torch {torch.__version__} sees no CUDA device"
        )
    torch.backends.cuda.matmul.allow_tf32 = False  # exact float32 matmul, as torch's own tests compare
    torch.backends.cudnn.allow_tf32 = False
    return ""


def _select_profile(config: pytest.Config, active: bool) -> str:
    from hypothesis import settings

    if config.getoption("hypothesis_profile", None) is None:
        name = os.environ.get(profiles.ENVIRONMENT_VARIABLE) or (profiles.DEFAULT_PROFILE if active else "")
        if name:
            settings.load_profile(name)
    return settings.get_current_profile_name()


def _select_seed(config: pytest.Config) -> Any:
    """The hypothesis seed for every drawn test: given, 'derandomized', or one chosen per run."""
    from hypothesis import core, settings

    given = config.getoption("hypothesis_seed", None)
    if given is not None:
        return given
    if settings.default.derandomize:
        return "derandomized"
    seed = _from_controller(config, "seed", random.getrandbits(32))
    core.global_force_seed = seed
    return seed


def _from_controller(config: pytest.Config, key: str, default: Any) -> Any:
    """A value the xdist controller handed to this worker, or `default` in the controller."""
    workerinput = getattr(config, "workerinput", {})
    return workerinput.get("tensorspec", {}).get(key, default)


def _manifest(path: str | Path) -> Manifest:
    try:
        return Manifest.load(path)
    except (ManifestError, ValueError) as exc:
        raise pytest.UsageError(f"manifest {path}: {exc}") from exc


@pytest.hookimpl(trylast=True)
def pytest_configure(config: pytest.Config) -> None:
    controller = not hasattr(config, "workerinput")
    active = _is_active(config)
    profile = _select_profile(config, active)
    seed = _select_seed(config) if active else None
    engine, device = config.getoption("engine"), config.getoption("device")
    oracle, oracle_device = config.getoption("oracle"), config.getoption("oracle_device")
    manifest_path = config.getoption("manifest") or MANIFEST_DIR / f"{_slug(engine)}.toml"
    results_path = Path(
        config.getoption("results") or config.rootpath / "results" / f"{_slug(engine)}-{_slug(device)}.jsonl"
    )
    run_id = _from_controller(config, "run_id", uuid.uuid4().hex[:12])
    for module in config.getoption("scenario_module") or ():
        importlib.import_module(module)
    harness = Harness(
        engine,
        oracle,
        device=device,
        oracle_device=oracle_device,
        manifest=_manifest(manifest_path) if active else Manifest(),
        timeout_s=config.getoption("case_timeout"),
        run_id=run_id,
        seed=seed,
        not_run_reason=_not_run_reason(device, oracle_device) if active else "",
    )
    config.stash[STATE] = State(active, controller, harness, results_path, profile, seed)
    if active and not controller:
        import torch

        torch.set_num_threads(1)  # tiny tensors: no gain from threads, and no OpenMP spinning between workers
    if active and controller:
        _start_results(config, config.stash[STATE])


def _start_results(config: pytest.Config, state: State) -> None:
    """Start the results file anew with the `run` record (controller only)."""
    h = state.harness
    try:
        versions = (
            (h.engine.version, h.oracle.version) if not h.not_run_reason else ("not built", "not built")
        )
    except EngineUnavailable as exc:
        raise pytest.UsageError(str(exc)) from exc
    except Exception as exc:
        raise pytest.UsageError(f"engine could not be built: {type(exc).__name__}: {exc}") from exc
    import numpy
    import torch

    state.results_path.parent.mkdir(parents=True, exist_ok=True)
    state.results_path.write_bytes(b"")
    results.append(
        state.results_path,
        {
            "kind": "run",
            "run_id": h.run_id,
            "started": datetime.now(UTC).isoformat(timespec="seconds"),
            "engine": h.engine_spec,
            "engine_version": versions[0],
            "engine_device": h.device,
            "oracle": h.oracle_spec,
            "oracle_version": versions[1],
            "oracle_device": h.oracle_device,
            "torch": torch.__version__,
            "numpy": numpy.__version__,
            "python": platform.python_version(),
            "platform": platform.platform(),
            "hypothesis_profile": state.profile,
            "seed": state.seed,
            "workers": config.getoption("numprocesses", None) or 0,
            "argv": sys.argv,
            "manifest": h.manifest.path,
            "not_run": h.not_run_reason,
        },
    )


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """With no scenario selected, drop pytest's placeholder for an empty parameter set (a skip):
    the run then collects nothing and exits 5, never a silent pass."""

    def placeholder(item: pytest.Item) -> bool:
        params = getattr(getattr(item, "callspec", None), "params", {})
        return item.path == TEST_FILE and not isinstance(params.get("conformance_target"), Target)

    empty = [i for i in items if placeholder(i)]
    if empty:
        config.hook.pytest_deselected(items=empty)
        items[:] = [i for i in items if i not in empty]


@pytest.hookimpl(optionalhook=True)
def pytest_configure_node(node: Any) -> None:
    """xdist: hand the run id and the seed to each worker."""
    state = node.config.stash[STATE]
    node.workerinput["tensorspec"] = {"run_id": state.harness.run_id, "seed": state.seed}


def pytest_report_header(config: pytest.Config) -> list[str]:
    state = config.stash.get(STATE, None)
    if state is None or not state.active:
        return []
    h = state.harness
    if h.not_run_reason:
        sides = [f"engine {h.engine_spec} on {h.device}", f"oracle {h.oracle_spec} on {h.oracle_device}"]
    else:
        sides = [f"engine {describe(h.engine)}", f"oracle {describe(h.oracle)}"]
    lines = [f"tensorspec: {sides[0]}", f"tensorspec: {sides[1]}"]
    lines.append(f"tensorspec: hypothesis profile {state.profile!r}, seed {state.seed}")
    lines.append(f"tensorspec: manifest {h.manifest.path} ({len(h.manifest.entries)} entries)")
    lines.append(f"tensorspec: results -> {state.results_path}")
    if h.not_run_reason:
        lines.append(f"tensorspec: {h.not_run_reason}")
    return lines


def selected_scenarios(config: pytest.Config) -> list[Scenario]:
    """The registered scenarios after --area and --scenario filters (spec areas imported first)."""
    for area in AREAS:
        try:
            importlib.import_module(f"spec.{area}")
        except ModuleNotFoundError as exc:
            if exc.name != f"spec.{area}":
                raise
    areas = set(config.getoption("area") or AREAS)
    patterns = config.getoption("scenario") or ["*"]
    return [
        sc
        for sid, sc in sorted(REGISTRY.items())
        if sc.area in areas and any(fnmatch.fnmatchcase(sid, p) for p in patterns)
    ]


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "conformance_target" in metafunc.fixturenames:
        found = targets(selected_scenarios(metafunc.config))
        metafunc.parametrize("conformance_target", found, ids=[t.id for t in found])


def check_target(config: pytest.Config, target: Target) -> None:
    """The body of every conformance test: run, record, then fail or skip as the verdicts say."""
    state = config.stash[STATE]
    outcome = state.harness.run_target(target)
    results.append_all(state.results_path, outcome.records)
    if outcome.failures:
        more = outcome.counts["fail"] + outcome.counts["error"] - 1
        tail = f"\n(and {more} more failing cases in this test; see {state.results_path})" if more else ""
        pytest.fail(outcome.failures[0] + tail, pytrace=False)
    if outcome.skip_reason:
        pytest.skip(outcome.skip_reason)


@pytest.hookimpl(optionalhook=True)
def pytest_handlecrashitem(crashitem: str, report: Any, sched: Any) -> None:
    """xdist: a worker died inside a test; record it as `error` (earlier records stay)."""
    config = sched.config if hasattr(sched, "config") else None
    state = config.stash.get(STATE, None) if config is not None else None
    if state is None or not state.active:
        return
    target_id = crashitem.rsplit("[", 1)[-1].rstrip("]")
    sid = re.sub(r"-\d+of\d+$", "", target_id)
    reason = f"worker crashed while running {crashitem}"
    record = state.harness.record(REGISTRY[sid], "error", 1, reason=reason, seed=None, test=target_id)
    results.append(state.results_path, record)


@pytest.hookimpl(tryfirst=True)
def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    """Controller: record stale manifest entries (failing the run under `ci`), then `end`."""
    state = session.config.stash.get(STATE, None)
    if state is None or not state.active or not state.controller:
        return
    h = state.harness
    records = [r for r in results.read(state.results_path) if r.get("run_id") == h.run_id]
    finite = {sid for sid, sc in REGISTRY.items() if sc.finite}
    state.stale = stale_records(h.manifest, records, finite)
    results.append_all(state.results_path, state.stale)
    if state.profile == "ci" and session.exitstatus == 0 and any(not r["flaky"] for r in state.stale):
        session.exitstatus = pytest.ExitCode.TESTS_FAILED
    started = next((r["started"] for r in records if r.get("kind") == "run"), None)
    finished = datetime.now(UTC)
    duration = (finished - datetime.fromisoformat(started)).total_seconds() if started else None
    results.append(
        state.results_path,
        {
            "kind": "end",
            "run_id": h.run_id,
            "finished": finished.isoformat(timespec="seconds"),
            "duration_s": duration,
            "exitstatus": int(session.exitstatus),
        },
    )


def pytest_terminal_summary(terminalreporter: Any, exitstatus: int, config: pytest.Config) -> None:
    state = config.stash.get(STATE, None)
    if state is None or not state.active or not state.controller:
        return
    if state.stale:
        terminalreporter.section("tensorspec: stale manifest entries")
        for r in state.stale:
            terminalreporter.write_line(("(flaky) " if r["flaky"] else "") + r["reason"])
    terminalreporter.write_line(f"tensorspec results: {state.results_path}")
