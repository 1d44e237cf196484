"""Every benchmark in bench/ still runs end to end with tiny N (figures are never asserted).

Each script runs as its own process, exactly as a person would run it, in its quick mode; it
must exit 0 and, where it writes results, write them with samples in every row it measured.
compare_jupyter.py runs with --no-install: Jupyter takes part only if bench/.jupyter-venv
already has it, so the suite never downloads Jupyter.  browser.py runs for athena-nb only
(--athena-only: no JupyterLab is installed or started), in Chromium; where Chromium or
Playwright is missing it skips, as the browser tests do (and fails under CI=true).  Results go to a temporary directory
(ATHENA_BENCH_RESULTS), so a developer's real figures in bench/results/ are left alone.
"""

from __future__ import annotations

import glob
import json
import os
import subprocess
import sys

import pytest

pytestmark = pytest.mark.integration

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BENCH = os.path.join(ROOT, "bench")

#: script -> (arguments for a tiny run, results file it writes, rows that must have samples)
QUICK = {
    "kernel.py": (["--quick"], "kernel.json", []),
    "roundtrip.py": (["-n", "20", "--warmup", "5"], "roundtrip.json", []),
    "fanout.py": (["--quick"], "fanout.json", []),
    "load.py": (["--quick"], "load.json", []),
    "compare_jupyter.py": (["--quick", "--no-install"], "compare_jupyter.json",
                           ["cold_start", "kernel_start_pooled", "kernel_start_cold", "rt_1plus1",
                            "lines_10k", "fanout_50", "fanout_500", "mem_per_viewer",
                            "rt_1plus1_idle", "rt_1plus1_idle_elsewhere"]),
    "browser.py": (["--quick", "--athena-only"], "browser.json",
                   ["page_ready", "run_1plus1", "type_run", "lines_10k", "keystroke_peer",
                    "output_5_watchers", "big_page_ready"]),
}


def benchmarks() -> list[str]:
    """Every runnable script in bench/ (private helpers start with "_"; common.py is a library)."""
    return sorted(os.path.basename(p) for p in glob.glob(os.path.join(BENCH, "*.py"))
                  if not os.path.basename(p).startswith("_") and not p.endswith("common.py"))


def skipWithoutBrowser() -> None:
    sys.path.insert(0, BENCH)
    try:
        from _browser import missing
    finally:
        sys.path.remove(BENCH)
    why = missing()
    if why is not None:
        if os.environ.get("CI") == "true":
            pytest.fail(f"bench/browser.py must run under CI=true, but {why}.")
        pytest.skip(why)


def run(argv: list[str], env: dict, cwd: str, timeout: float = 900) -> subprocess.CompletedProcess:
    done = subprocess.run(argv, cwd=cwd, env=env, capture_output=True, text=True,
                          timeout=timeout, stdin=subprocess.DEVNULL)
    assert done.returncode == 0, (
        f"{' '.join(argv)} exited with {done.returncode}.\n--- stdout ---\n{done.stdout[-6000:]}"
        f"\n--- stderr ---\n{done.stderr[-6000:]}")
    return done


def test_every_benchmark_has_a_quick_mode_here():
    """A new script in bench/ is added to QUICK, so it gets a smoke run too."""
    assert set(benchmarks()) >= {"kernel.py", "fanout.py", "compare_jupyter.py"}
    unknown = set(benchmarks()) - set(QUICK)
    # Scripts of other engineers may land before this table knows them: they run with
    # --quick by default (test_benchmark_runs), which is the convention of bench/.
    for name in unknown:
        assert "--quick" in open(os.path.join(BENCH, name)).read(), (
            f"bench/{name} has no --quick mode; add one (or an entry in QUICK) so that it can "
            "be smoke-tested.")


@pytest.mark.parametrize("script", benchmarks())
def test_benchmark_runs(script, tmp_path):
    """The script runs with tiny N, exits 0, and (where known) writes samples for every row."""
    args, resultName, rows = QUICK.get(script, (["--quick"], None, []))
    if script == "browser.py":
        skipWithoutBrowser()
    env = dict(os.environ, ATHENA_BENCH_RESULTS=str(tmp_path / "results"),
               PYTHONPATH=ROOT + os.pathsep + os.environ.get("PYTHONPATH", ""))
    done = run([sys.executable, os.path.join(BENCH, script), *args], env, ROOT)
    assert done.stdout.strip(), f"bench/{script} printed nothing."
    if resultName is None:
        return
    written = tmp_path / "results" / resultName
    assert written.exists(), f"bench/{script} wrote no {resultName}; it printed:\n{done.stdout[-3000:]}"
    results = json.loads(written.read_text())
    if script == "roundtrip.py":
        figures = results["figures"]
        assert set(figures) == {"livefragments_longpoll", "livefragments_websocket",
                                "reference_bare_http_post", "reference_bare_websocket"}, figures
        for name, figure in figures.items():
            assert figure["n"] == 20 and figure["calls_per_s"] > 0, (name, figure)
    if script == "fanout.py":
        rounds = results["rounds"]
        assert [r["viewers"] for r in rounds] == [2, 3]
        for r in rounds:
            assert "error" not in r, r
            assert r["out"]["last"]["n"] == 2 and r["key"]["last"]["n"] == 2, r
            assert r["out"]["missing"] == 0 and r["key"]["missing"] == 0, r
            assert isinstance(r["rssPerViewerKiB"], int | float), r
    if script == "browser.py":
        assert list(results) and "jupyterlab" not in results, sorted(results)
        for row in rows:  # over WebSocket, the server's default
            assert results["athena_ws"][row]["n"] >= 1, (row, results["athena_ws"][row])
        assert results["offMachineRequests"] == [], results["offMachineRequests"]
        assert "| what |" in results["table"]
    if script == "compare_jupyter.py":
        targets = [k for k in ("athena_lp", "athena_ws", "jupyter", "jupyter_nodelay")
                   if k in results]
        assert "athena_lp" in targets and "athena_ws" in targets, results.get("notes")
        for row in rows:
            assert results["athena_lp"][row]["n"] >= 1, (row, results["athena_lp"][row])
        for key in targets:
            for row, value in results[key].items():
                assert "error" not in value, (key, row, value)
        assert "| what |" in results["table"]
