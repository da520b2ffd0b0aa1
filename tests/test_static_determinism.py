"""Static scores and their evidence do not depend on the process: the same corpus scored in two
interpreters with different hash seeds gives byte-identical details (evidence lines included)."""

import json
import os
import subprocess
import sys
from pathlib import Path

CORPUS = Path(__file__).resolve().parent / "corpus" / "responses"

SCRIPT = r"""
import json, sys
from pathlib import Path
from evalkit.scorers import score_response
from evalkit.suites import load_suites
task = load_suites(["snake"])[0].tasks[0]
out = {}
for f in sorted(Path(sys.argv[1]).glob("*.md")):
    out[f.name] = [(s.metric, s.value, s.details) for s in score_response(task, f.read_text(), execute=False)]
print(json.dumps(out, sort_keys=True, default=str))
"""


def _score(seed: str) -> dict:
    env = {**os.environ, "PYTHONHASHSEED": seed}
    r = subprocess.run([sys.executable, "-c", SCRIPT, str(CORPUS)], capture_output=True, text=True, env=env,
                       timeout=300)
    assert r.returncode == 0, r.stderr[-2000:]
    return json.loads(r.stdout)


def test_static_scores_do_not_depend_on_the_hash_seed():
    a, b = _score("21"), _score("22")
    assert len(a) >= 40
    differ = sorted(name for name in a if a[name] != b[name])
    assert differ == [], f"static scores differ between hash seeds on {differ}"
