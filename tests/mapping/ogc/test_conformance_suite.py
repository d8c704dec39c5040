"""The OGC API - Features Part 1 abstract test suite (ogctests, the `features/core` scope) run
against the live app. ogctests pins old httpx, pyarrow and pytest, so it runs from its own
virtualenv (`make test` creates .venv-ogctests) in a subprocess."""

import os
import re
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]
OGCTESTS_PYTHON = Path(os.environ.get("OGCTESTS_PYTHON", ROOT / ".venv-ogctests/bin/python"))
CORE_TESTS = 29  # the abstract tests of ogctests 0.1.15's features/core scope
# `python -m ogctests` always exits 0: call the runner and exit with pytest's own exit code.
# The venv lives inside this project, so pytest would take our pyproject.toml (its settings and
# warning filters) for the suite's own: an empty ini file in the working folder and the suite's
# package as conftest boundary keep it to ogctests' own configuration.
RUN_SUITE = """
import pathlib, sys
import ogctests
from ogctests.main import run_ogctests
package = pathlib.Path(ogctests.__file__).parent
sys.exit(run_ogctests("features/core", sys.argv[1], flags=[
    "-c", "pytest.ini", "--rootdir", ".", "--confcutdir", str(package),
    "-p", "no:cacheprovider", "-rfE", "--tb=short", "-q"]))
"""


def _ogctests_python() -> Path:
    if not OGCTESTS_PYTHON.exists():
        pytest.fail(f"{OGCTESTS_PYTHON} is missing: run `make test`, which creates "
                    f".venv-ogctests with ogctests in it.", pytrace=False)
    return OGCTESTS_PYTHON


def test_the_ogc_core_conformance_suite_passes(live_server, public_places, tmp_path):
    python = _ogctests_python()
    (tmp_path / "pytest.ini").write_text("[pytest]\n")
    env = {name: value for name, value in os.environ.items()
           if name not in ("INSTANCE_URL", "CLIENT_OVERRIDDEN", "PYTHONPATH")
           and not name.startswith("PYTEST_") and "proxy" not in name.lower()}
    run = subprocess.run([str(python), "-c", RUN_SUITE, f"{live_server}/ogc"], cwd=tmp_path,
                         env=env, capture_output=True, text=True, timeout=300, check=False)
    output = f"{run.stdout}\n{run.stderr}"
    assert run.returncode == 0, f"ogctests features/core failed (exit {run.returncode}):\n{output}"
    summary = re.search(r"^=*\s*(\d+) passed\b(.*)$", run.stdout, re.MULTILINE)
    assert summary, f"no pytest summary in the ogctests output:\n{output}"
    assert int(summary.group(1)) == CORE_TESTS, f"expected {CORE_TESTS} passed:\n{output}"
    assert not re.search(r"\b(failed|error|errors|skipped)\b", summary.group(2)), \
        f"ogctests did not pass cleanly:\n{output}"
