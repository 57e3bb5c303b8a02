"""pytest plugin: `pytest conformance --engine impl` checks an engine against the oracle (torch).

Loaded through the `pytest11` entry point when tensorspec is installed, by conformance/conftest.py
when `pytest conformance` runs from a checkout, or explicitly with `-p conformance.plugin`.
It adds the options below, prints the engine/oracle/profile/seed in pytest's header, generates
one test per scenario (per chunk of a large finite domain) for conformance/test_conformance.py,
and writes the results (conformance/records.py): from the controller a `run` record at session
start and a `plan` record once the tests are collected; `case` records from whichever worker ran
each test; at session end `stale` manifest entries and the `end` record with every test's account.

The engine under test runs in a supervised child process of each worker (conformance.isolation);
the controller starts it once too, to learn its version and capabilities and to find out, before
any test runs, whether it can start at all.
"""

from __future__ import annotations

import fnmatch
import importlib
import importlib.metadata
import importlib.util
import os
import platform
import random
import re
import sys
import time
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from conformance import profiles
from conformance import records as rec
from conformance.engines import library_missing
from conformance.execution import EngineInfo, Failure
from conformance.manifest import Manifest, ManifestError, stale_records
from conformance.options import add_options, default_results_name, shard_option, slug
from conformance.planning import costs as planning_costs
from conformance.planning import failed_before, measured_costs, shard
from conformance.records import CaseRecord, PlannedTest, Status, TestAccount, account
from conformance.runner import (
    Harness,
    Target,
    targets,
)
from spec.engine import AREAS
from spec.scenario import REGISTRY, Scenario, all_scenarios

PACKAGE_DIR = Path(__file__).resolve().parent
TEST_FILE = PACKAGE_DIR / "test_conformance.py"
MANIFEST_DIR = PACKAGE_DIR / "manifests"
_TEST_ID = re.compile(r"\[(.+)\]$")


@dataclass
class State:
    """Per-process state of a conformance session."""

    active: bool  # the conformance tests are part of this run
    controller: bool  # the xdist controller, or the only process
    writes: bool  # results are written (not under --collect-only)
    harness: Harness
    results_path: Path
    profile: str
    seed: Any
    replay: dict[str, list[str]] = field(default_factory=dict)  # scenario -> literals of failed cases
    probed: bool = False  # the run record is written
    budget_s: float = 0.0
    shard: tuple[int, int] | None = None
    plan: dict[str, PlannedTest] = field(default_factory=dict)
    stale: list[CaseRecord] = field(default_factory=list)
    accounts: list[TestAccount] = field(default_factory=list)


STATE = pytest.StashKey[State]()


def pytest_addoption(parser: pytest.Parser) -> None:
    add_options(parser)


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


def _manifest(path: str | Path, scenarios: dict[str, Scenario], validate: bool) -> Manifest:
    """The manifest, checked against the registry where `validate` (the controller; xdist workers
    load what it has checked)."""
    try:
        manifest = Manifest.load(path)
        if validate:
            manifest.validate(scenarios)
    except ManifestError as exc:
        raise pytest.UsageError(f"manifest {exc}") from exc
    return manifest


def _sides(h: Harness) -> tuple[str, str, str, str]:
    return h.engine_spec, h.oracle_spec, h.device, h.oracle_device


def _distributed(config: pytest.Config) -> bool:
    """Whether this is an xdist controller handing tests to workers. During pytest_configure xdist
    may not have registered its session yet: its own test then (a distribution mode, workers)."""
    if hasattr(config, "workerinput") or config.getoption("collectonly"):
        return False
    if config.pluginmanager.has_plugin("dsession"):
        return True
    return config.getoption("dist", "no") != "no" and bool(config.getoption("tx", None))


@pytest.hookimpl(trylast=True)
def pytest_configure(config: pytest.Config) -> None:
    controller = not hasattr(config, "workerinput")
    active = _is_active(config)
    profile = _select_profile(config, active)
    seed = _select_seed(config) if active else None
    get = config.getoption
    engine, device, oracle, oracle_device = get("engine"), get("device"), get("oracle"), get("oracle_device")
    modules = tuple(get("scenario_module") or ())
    for module in modules:
        importlib.import_module(module)
    if active:
        all_scenarios()
    manifest_path = get("manifest") or MANIFEST_DIR / f"{slug(engine)}.toml"
    results_path = Path(
        get("results") or config.rootpath / "results" / default_results_name(engine, device, oracle_device)
    )
    harness = Harness(
        engine,
        oracle,
        device=device,
        oracle_device=oracle_device,
        manifest=_manifest(manifest_path, dict(REGISTRY), validate=controller) if active else Manifest(),
        timeout_s=get("case_timeout"),
        batch_timeout_s=get("batch_timeout"),
        start_timeout_s=get("start_timeout"),
        breaker=get("breaker"),
        isolation=get("isolation"),
        engine_python=get("engine_python"),
        oracle_python=get("oracle_python"),
        scenario_modules=modules,
        run_id=_from_controller(config, "run_id", uuid.uuid4().hex[:12]),
        seed=seed,
        not_run_reason=_not_run_reason(device, oracle_device) if active else "",
        fork=not get("spawn"),
    )
    harness.engine_failed = _from_controller(config, "engine_failed", "")
    if active and not controller:
        import torch  # before the engine's process is forked from this one: it need not import it again

        torch.set_num_threads(1)  # tiny tensors: no gain from threads, and no OpenMP spinning between workers
    if active and not harness.not_run_reason and not harness.engine_failed:
        harness.engine_side.launch()  # starts while this process collects
    writes = active and not get("collectonly")
    state = State(active, controller, writes, harness, results_path, profile, seed)
    config.stash[STATE] = state
    if active:
        state.shard = shard_option(get("shard"))
        state.budget_s = get("budget") if get("budget") is not None else profiles.BUDGETS.get(profile, 0.0)
        started = _from_controller(config, "started", time.time())
        harness.deadline = started + state.budget_s if state.budget_s else None
        harness.budget_s = state.budget_s
        fresh = (
            {}
            if get("no_replay")
            else failed_before(
                results_path, harness.engine_spec, harness.oracle_spec, harness.device, harness.oracle_device
            )
        )
        state.replay = _from_controller(config, "replay", fresh)
    if active and controller:
        _probe_engine(config, config.stash[STATE])


def _probe_engine(config: pytest.Config, state: State) -> None:
    """Controller: a serial run waits for its engine to start (its child serves the tests too) and
    writes the run record; under xdist the probe goes on while the workers start, and the run
    record is written once they have collected (`_finish_probe`), before any test runs."""
    h = state.harness
    missing = library_missing(h.engine_spec) if not config.getoption("engine_python") else None
    if missing:
        raise pytest.UsageError(missing)
    missing = library_missing(h.oracle_spec) if not config.getoption("oracle_python") else None
    if missing:
        raise pytest.UsageError(missing)
    if not _distributed(config) and not h.not_run_reason and isinstance(h.oracle_info, Failure):
        raise pytest.UsageError(f"the oracle {h.oracle_spec} could not be started: {h.oracle_info.reason}")
    if state.writes:
        state.results_path.parent.mkdir(parents=True, exist_ok=True)
        state.results_path.write_bytes(b"")
    if not _distributed(config):
        _finish_probe(config, state)


def _installed(distribution: str) -> str:
    try:
        return importlib.metadata.version(distribution)
    except importlib.metadata.PackageNotFoundError:
        return ""


def _version_only(spec: str, device: str) -> EngineInfo | None:
    """The oracle as the run record names it when this process does not build it (xdist controller)."""
    if spec not in ("torch", "impl"):
        return None
    version = _installed("torch") if spec == "torch" else "0.1.0"
    return EngineInfo(spec, version, device, frozenset(), frozenset(), f"{spec} {version} ({device})")


def _finish_probe(config: pytest.Config, state: State) -> None:
    """Controller: wait for the engine's process to start (or fail to), then the run record."""
    if state.probed:
        return
    state.probed = True
    h = state.harness
    engine: EngineInfo | Failure | None = None
    oracle: EngineInfo | Failure | None = None
    if not h.not_run_reason:
        engine = h.engine_info
        # under xdist the workers build the oracle: the controller only names its version
        oracle = h.oracle_info if not _distributed(config) else _version_only(h.oracle_spec, h.oracle_device)
        if isinstance(engine, Failure):
            if engine.kind == "unavailable":
                raise pytest.UsageError(engine.reason)
            h.engine_failed = engine.reason
        if _distributed(config):
            h.engine_side.close()  # the workers start their own; this one would only hold memory
    if not state.writes:
        return
    import numpy

    def facts(info: EngineInfo | Failure | None) -> tuple[str, str]:
        return (info.name, info.version) if isinstance(info, EngineInfo) else ("", "not started")

    (engine_name, engine_version), (oracle_name, oracle_version) = facts(engine), facts(oracle)
    rec.append(
        state.results_path,
        [
            rec.RunRecord(
                run_id=h.run_id,
                started=datetime.now(UTC).isoformat(timespec="seconds"),
                engine=h.engine_spec,
                engine_name=engine_name,
                engine_version=engine_version,
                engine_device=h.device,
                engine_python=config.getoption("engine_python") or "",
                oracle=h.oracle_spec,
                oracle_name=oracle_name,
                oracle_version=oracle_version,
                oracle_device=h.oracle_device,
                oracle_python=config.getoption("oracle_python") or "",
                isolation=h.isolation,
                drawn="corpus" if use_corpus(config) else "hypothesis",
                torch=_installed("torch"),
                numpy=numpy.__version__,
                python=platform.python_version(),
                platform=platform.platform(),
                hypothesis_profile=state.profile,
                seed=state.seed,
                workers=int(config.getoption("numprocesses", None) or 0),
                argv=[str(a) for a in sys.argv],
                manifest=h.manifest.path,
                not_run=h.not_run_reason,
                engine_failed=h.engine_failed,
                budget_s=state.budget_s,
                shard=f"{state.shard[0]}/{state.shard[1]}" if state.shard else "",
            )
        ],
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


def _planned(target: Target) -> PlannedTest:
    return PlannedTest(
        test=target.id, scenario=target.scenario.id, area=target.scenario.area, cases=target.size
    )


def _write_plan(state: State, planned: list[PlannedTest]) -> None:
    if state.plan or not state.writes:
        return
    state.plan = {p.test: p for p in planned}
    rec.append(state.results_path, [rec.PlanRecord(run_id=state.harness.run_id, tests=planned)])


def pytest_collection_finish(session: pytest.Session) -> None:
    """Serial run: the plan is what this process collected."""
    state = session.config.stash.get(STATE, None)
    if state is None or not state.active or not state.controller:
        return
    if not _distributed(session.config):
        found = [item.callspec.params["conformance_target"] for item in session.items if _target_of(item)]
        _write_plan(state, [_planned(t) for t in found])


def _target_of(item: pytest.Item) -> bool:
    return isinstance(
        getattr(getattr(item, "callspec", None), "params", {}).get("conformance_target"), Target
    )


@pytest.hookimpl(optionalhook=True)
def pytest_xdist_node_collection_finished(node: Any, ids: list[str]) -> None:
    """xdist controller: the plan is what the first worker collected (all collect the same)."""
    state = node.config.stash.get(STATE, None)
    if state is None or not state.active or state.plan:
        return
    _finish_probe(node.config, state)
    by_id = {t.id: t for t in session_targets(node.config)}
    found = [by_id[m[1]] for m in map(_TEST_ID.search, ids) if m and m[1] in by_id]
    _write_plan(state, [_planned(t) for t in found])


@pytest.hookimpl(optionalhook=True)
def pytest_configure_node(node: Any) -> None:
    """xdist: hand the run id, the seed and whether the engine could start to each worker."""
    h = node.config.stash[STATE].harness
    state = node.config.stash[STATE]
    node.workerinput["tensorspec"] = {
        "run_id": h.run_id,
        "seed": state.seed,
        "engine_failed": h.engine_failed,
        "replay": state.replay,
        "started": (h.deadline - state.budget_s) if h.deadline else time.time(),
    }


def pytest_report_header(config: pytest.Config) -> list[str]:
    state = config.stash.get(STATE, None)
    if state is None or not state.active:
        return []
    h = state.harness

    def side(label: str, spec: str, device: str, info: Any) -> str:
        if h.not_run_reason:
            return f"tensorspec: {label} {spec} on {device}"
        if isinstance(info, Failure):
            return f"tensorspec: {label} {spec} on {device} COULD NOT START: {info.reason}"
        return f"tensorspec: {label} {info.description}"

    if _distributed(config) and not h.not_run_reason:  # the workers build both: do not wait here
        sides = [
            f"tensorspec: engine {h.engine_spec} on {h.device} (in each worker's child process)",
            f"tensorspec: oracle {h.oracle_spec} on {h.oracle_device} (in each worker)",
        ]
    else:
        sides = [
            side("engine", h.engine_spec, h.device, None if h.not_run_reason else h.engine_info),
            side("oracle", h.oracle_spec, h.oracle_device, None if h.not_run_reason else h.oracle_info),
        ]
    lines = [
        *sides,
        f"tensorspec: isolation {h.isolation!r}, hypothesis profile {state.profile!r}, seed {state.seed}",
        f"tensorspec: manifest {h.manifest.path} ({len(h.manifest.entries)} entries)",
    ]
    if state.writes:
        lines.append(f"tensorspec: results -> {state.results_path}")
    if h.not_run_reason:
        lines.append(f"tensorspec: {h.not_run_reason}")
    return lines


def selected_scenarios(config: pytest.Config) -> list[Scenario]:
    """The registered scenarios after --area and --scenario filters (spec areas imported first)."""
    all_scenarios()
    areas = set(config.getoption("area") or AREAS)
    patterns = config.getoption("scenario") or ["*"]
    return [
        sc
        for sid, sc in sorted(REGISTRY.items())
        if sc.area in areas and any(fnmatch.fnmatchcase(sid, p) for p in patterns)
    ]


def use_corpus(config: pytest.Config) -> bool:
    """Whether drawn scenarios take their cases from the committed corpus (--drawn)."""
    state = config.stash.get(STATE, None)
    chosen = config.getoption("drawn")
    return chosen == "corpus" or (chosen is None and state is not None and state.profile in ("ci", "quick"))


def session_targets(config: pytest.Config) -> list[Target]:
    """The tests of this session (conformance.planning): replays first, then cover rounds, then the
    rest; drawn scenarios from the corpus or not; only this shard's under --shard."""
    state = config.stash.get(STATE, None)
    replay = state.replay if state is not None else {}
    spread = state is not None and bool(state.budget_s)
    found = targets(
        selected_scenarios(config), corpus=use_corpus(config), cover=True, replay=replay, spread=spread
    )
    if state is not None and state.shard is not None:
        found = shard(found, *state.shard, _shard_costs(config))
    return found


def _split_scenarios(config: pytest.Config) -> set[str]:
    """Under --shard: the scenarios some of whose tests run in other shards (their manifest
    entries cannot be judged stale here)."""
    state = config.stash[STATE]
    if state.shard is None:
        return set()
    everything = targets(
        selected_scenarios(config),
        corpus=use_corpus(config),
        cover=True,
        replay=state.replay,
        spread=bool(state.budget_s),
    )
    mine = {t.id for t in session_targets(config)}
    return {t.scenario.id for t in everything if t.id not in mine}


def _shard_costs(config: pytest.Config) -> dict[str, float]:
    """Seconds per case by scenario: from --shard-costs (a results file) or conformance/costs.json."""
    path = config.getoption("shard_costs")
    if path is None:
        return planning_costs()
    try:
        return measured_costs(rec.records(path))
    except OSError as exc:
        raise pytest.UsageError(f"--shard-costs {path}: {exc}") from exc


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "conformance_target" in metafunc.fixturenames:
        found = session_targets(metafunc.config)
        metafunc.parametrize("conformance_target", found, ids=[t.id for t in found])


def check_target(config: pytest.Config, target: Target) -> None:
    """The body of every conformance test: run, record, then fail or skip as the verdicts say."""
    state = config.stash[STATE]
    outcome = state.harness.run_target(target)
    if state.writes:
        rec.append(state.results_path, outcome.records)
    if outcome.failures:
        more = outcome.counts[Status.FAIL] + outcome.counts[Status.ERROR] - 1
        tail = f"\n(and {more} more failing cases in this test; see {state.results_path})" if more else ""
        pytest.fail(outcome.failures[0] + tail, pytrace=False)
    if outcome.skip_reason:
        pytest.skip(outcome.skip_reason)


@pytest.hookimpl(optionalhook=True)
def pytest_handlecrashitem(crashitem: str, report: Any, sched: Any) -> None:
    """xdist: a worker died inside a test (something in the pytest process itself crashed: the
    oracle, or the engine under --isolation none): record every case of that test as `error`."""
    config = getattr(sched, "config", None)
    state = config.stash.get(STATE, None) if config is not None else None
    if state is None or not state.active or not state.writes:
        return
    match = _TEST_ID.search(crashitem)
    target_id = match[1] if match else crashitem
    planned = state.plan.get(target_id)
    sid = planned.scenario if planned else re.sub(r"-\d+of\d+$", "", target_id)
    sc = REGISTRY.get(sid)
    count = planned.cases if planned and planned.cases is not None else 1
    h = state.harness
    reason = f"the pytest worker died while running {crashitem}: its {count} case(s) were not checked"
    rec.append(
        state.results_path,
        [
            h.context.record(
                area=sc.area if sc else sid.split(".", 1)[0],
                scenario=sid,
                test=target_id,
                status=Status.ERROR,
                count=count,
                cause=reason.split(":", 1)[0],
                reason=reason,
            )
        ],
    )


@pytest.hookimpl(tryfirst=True)
def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    """Stop the engine processes; controller: stale entries (failing a `ci` run), then `end`."""
    state = session.config.stash.get(STATE, None)
    if state is None or not state.active:
        return
    h = state.harness
    h.close()
    if not state.controller or not state.writes:
        return
    found = [r for r in rec.records(state.results_path) if r.run_id == h.run_id]
    cases = [r for r in found if isinstance(r, CaseRecord)]
    finite = {sid for sid, sc in REGISTRY.items() if sc.finite}
    state.stale = stale_records(h.manifest, cases, finite, partial=_split_scenarios(session.config))
    rec.append(state.results_path, state.stale)
    if state.profile == "ci" and session.exitstatus == 0 and any(not r.flaky for r in state.stale):
        session.exitstatus = pytest.ExitCode.TESTS_FAILED
    state.accounts = account(state.plan, cases)
    if session.exitstatus == 0 and any(a.missing for a in state.accounts):
        session.exitstatus = pytest.ExitCode.TESTS_FAILED
    started = next((r.started for r in found if isinstance(r, rec.RunRecord)), None)
    finished = datetime.now(UTC)
    duration = (finished - datetime.fromisoformat(started)).total_seconds() if started else None
    rec.append(
        state.results_path,
        [
            rec.EndRecord(
                run_id=h.run_id,
                finished=finished.isoformat(timespec="seconds"),
                duration_s=duration,
                exitstatus=int(session.exitstatus),
                tests=state.accounts,
            )
        ],
    )


def pytest_terminal_summary(terminalreporter: Any, exitstatus: int, config: pytest.Config) -> None:
    state = config.stash.get(STATE, None)
    if state is None or not state.active or not state.controller or not state.writes:
        return
    if state.stale:
        terminalreporter.section("tensorspec: stale manifest entries")
        for r in state.stale:
            terminalreporter.write_line(("(flaky) " if r.flaky else "") + r.reason)
    missing = [a for a in state.accounts if a.missing]
    if missing:
        terminalreporter.section("tensorspec: cases not recorded")
        for a in missing:
            what = "not finished" if a.collected is None else f"{a.missing} of {a.collected} cases missing"
            terminalreporter.write_line(f"{a.test}: {what}")
    totals = {
        k: sum(getattr(a, k) for a in state.accounts) for k in ("checked", "unsupported", "not_run", "error")
    }
    collected = sum(a.collected or 0 for a in state.accounts)
    terminalreporter.write_line(
        "tensorspec cases: "
        + ", ".join(f"{n} {k.replace('_', ' ')}" for k, n in totals.items())
        + f" of {collected} collected"
        + (" (+ drawn)" if any(a.collected is None for a in state.accounts) else "")
    )
    if state.budget_s:
        spent = totals["not_run"] and any(a.not_run for a in state.accounts)
        terminalreporter.write_line(
            f"tensorspec budget: {state.budget_s:g}s; "
            + ("spent: the cases not reached are recorded not run" if spent else "every case was reached")
        )
    terminalreporter.write_line(f"tensorspec results: {state.results_path}")
