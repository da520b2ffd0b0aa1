"""Build evalkit/data/demo/responses.jsonl from the readable sources in tools/demo_src/.

    python tools/build_demo_data.py          # write the file
    python tools/build_demo_data.py --check  # exit 1 if the file is out of date

Sources: src/snake/<model>_<sample>.md with a ``{{code}}`` line replaced by the fenced program
src/snake/<model>_<sample>.py (so each game can also be run directly), and
src/seed/<task_id>/<model>_<sample>.md and src/apps/<task_id>/<model>_<sample>.md
(whole responses). These are illustrative responses written
for the demo, not outputs of real models. The sources are build-only material: they stay in the
source tree (and the sdist), not in the wheel, which ships only the built responses.jsonl.
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

TOOLS = Path(__file__).resolve().parent
DEMO = TOOLS.parent / "evalkit" / "data" / "demo"
SRC = TOOLS / "demo_src"
MODELS = ("base", "tuned")  # order matters: the first is the baseline
NAME = re.compile(r"^(base|tuned)_(\d+)\.md$")


def records(src: Path = SRC) -> list[dict]:
    out = []
    for model in MODELS:
        for md in sorted((src / "snake").glob(f"{model}_*.md")):
            sample = int(NAME.match(md.name).group(2))
            code = md.with_suffix(".py").read_text(encoding="utf-8").rstrip("\n")
            text = md.read_text(encoding="utf-8").replace("{{code}}", f"```python\n{code}\n```")
            out.append({"model": model, "task_id": "snake", "sample": sample, "response": text})
        for suite in ("seed", "apps"):  # whole responses, one folder per task
            folder = src / suite
            for task_dir in sorted(p for p in folder.iterdir() if p.is_dir()) if folder.is_dir() else ():
                for md in sorted(task_dir.glob(f"{model}_*.md")):
                    sample = int(NAME.match(md.name).group(2))
                    out.append({"model": model, "task_id": task_dir.name, "sample": sample,
                                "response": md.read_text(encoding="utf-8")})
    return out


def render(recs: list[dict]) -> str:
    return "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in recs)


def main(argv: list[str]) -> int:
    target = DEMO / "responses.jsonl"
    text = render(records())
    if "--check" in argv:
        current = target.read_text(encoding="utf-8") if target.exists() else ""
        if current != text:
            print(f"{target} is out of date; run python tools/build_demo_data.py", file=sys.stderr)
            return 1
        return 0
    target.write_text(text, encoding="utf-8")
    print(f"wrote {target} ({text.count(chr(10))} responses)")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
