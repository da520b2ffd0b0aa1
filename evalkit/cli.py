"""The command-line surface (DESIGN.md, 'Command-line surface'), nothing else.

Every user error becomes one line on stderr and exit code 2; --debug shows the traceback.
"""

from __future__ import annotations

import argparse
import signal
import sys
import threading
from pathlib import Path

from . import __version__
from .errors import EvalkitError
from .ranges import in_range
from .safetext import cleaned

DEFAULT_SUITES = "snake,seed"
REF_HELP = ("MODEL of the run, or RUN:MODEL for a model of another run (a run id in the store or a report "
            "folder), e.g. 20261101-093000-ab12:tuned ({default})")


def _csv(value: str) -> list[str]:
    return [v.strip() for v in value.split(",") if v.strip()]


def _ranged(name: str):
    def parse(value: str):
        try:
            return in_range(name, value)
        except ValueError as exc:
            raise argparse.ArgumentTypeError(str(exc)) from None
    parse.__name__ = name  # argparse names the type in its messages
    return parse


class _Parser(argparse.ArgumentParser):
    """argparse, but usage errors exit 2 with one line and a hint (its default prints usage too)."""

    def error(self, message: str):
        self.exit(2, f"evalkit: error: {message} (see `{self.prog} --help`)\n")


def build_parser() -> argparse.ArgumentParser:
    common, scoring = _parents()
    p = _Parser(prog="evalkit", description="Did my fine-tune make the code better, and by how much?")
    p.add_argument("--version", action="version", version=f"evalkit {__version__}")
    sub = p.add_subparsers(dest="command", required=True, metavar="COMMAND", parser_class=_Parser)
    _pipeline_commands(sub, common, scoring)
    _tool_commands(sub, common)
    return p


def _parents() -> tuple[argparse.ArgumentParser, argparse.ArgumentParser]:
    """The flags every store command takes, and the scoring flags of run and score."""
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--db", help="SQLite store (default: run.db in the config, $EVALKIT_DB, or .evalkit/evalkit.db)")
    common.add_argument("--config", help="config file (default: ./evalkit.yaml when present)")
    common.add_argument("--debug", action="store_true", help="show tracebacks")

    scoring = argparse.ArgumentParser(add_help=False)
    scoring.add_argument("--sandbox", choices=["auto", "bwrap", "limits", "none"],
                         help="isolation for model code (default auto: bubblewrap when usable, else limits)")
    scoring.add_argument("--no-exec", action="store_true", help="static scores only: never run model code")
    scoring.add_argument("--workers", type=_ranged("workers"), help="scoring processes (default: CPU count)")
    scoring.add_argument("--executor", choices=["local", "ray"], default="local",
                         help="where scoring runs: local processes, or a Ray cluster (pip install 'evalkit[ray]')")
    scoring.add_argument("--ray-address", metavar="ADDR", help="with --executor ray: the cluster (default: start one)")
    scoring.add_argument("--gate", metavar="RULES", help="gate rules file: run the gate after scoring")
    scoring.add_argument("--baseline", help="baseline model for the report and gate (default: the first)")
    scoring.add_argument("--candidate", help="candidate model for the report and gate (default: the second)")
    scoring.add_argument("--markdown", metavar="F", help="with --gate: write the gate's Markdown here")
    scoring.add_argument("--junit", metavar="F", help="with --gate: write the gate's JUnit XML here")
    scoring.add_argument("--suites-dir", action="append", default=None, metavar="DIR",
                         help="extra folder of suite YAML files (repeatable)")
    scoring.add_argument("--no-progress", action="store_true", help="no progress bars")
    scoring.add_argument("--min-effect", type=_ranged("min_effect"), metavar="X",
                         help="warn when a main 0..1 metric could not show a change this small (default 0.1)")
    return common, scoring


def _pipeline_commands(sub, common, scoring) -> None:
    """run, score, report, gate."""
    r = sub.add_parser("run", parents=[common, scoring], help="generate, score, report (and gate)")
    r.add_argument("--models", required=True, type=_csv, help="aliases from the config or provider:model, comma-separated")
    r.add_argument("--suite", type=_csv, help=f"suite(s), comma-separated (default: {DEFAULT_SUITES})")
    r.add_argument("--samples", type=_ranged("samples"), help="responses per task and model (default 1)")
    r.add_argument("--out", help="report folder (default: reports/<run-id>/)")
    r.add_argument("--concurrency", type=_ranged("concurrency"), help="requests in flight per endpoint (default 4)")
    r.add_argument("--timeout", type=_ranged("timeout"), help="seconds for one request (default 600)")
    r.add_argument("--seed", type=_ranged("seed"), help="base sampling seed; sample i uses seed+i (default 0)")
    r.add_argument("--max-answer-mb", type=_ranged("max_answer_mb"),
                   help="stop reading one answer past this size and store it marked truncated "
                        "(default: max_tokens x 32 bytes, at least 1 MB; 4 MB without max_tokens)")
    r.add_argument("--retries", type=_ranged("retries"), default=3, help="retries on connection errors, 429 and 5xx (default 3)")

    s = sub.add_parser("score", parents=[common, scoring], help="score pre-generated responses (JSONL)")
    s.add_argument("--responses", required=True, help="JSONL file (model, task_id, sample, response) or a folder")
    s.add_argument("--suite", type=_csv, help=f"suite(s) the task ids belong to (default: {DEFAULT_SUITES})")
    s.add_argument("--models", type=_csv, help="only these models of the file, in this order")
    s.add_argument("--out", help="report folder (default: reports/<run-id>/)")

    rep = sub.add_parser("report", parents=[common], help="render a run's reports again from the store")
    rep.add_argument("run", nargs="?", help="run id (default: the latest run)")
    rep.add_argument("--out", help="report folder (default: reports/<run-id>/)")
    rep.add_argument("--baseline", help=REF_HELP.format(default="the first model"))
    rep.add_argument("--candidate", help=REF_HELP.format(default="the second model"))

    g = sub.add_parser("gate", parents=[common], help="exit 0 pass / 1 regression / 2 error")
    g.add_argument("--baseline", required=True, help=REF_HELP.format(default="required"))
    g.add_argument("--candidate", required=True, help=REF_HELP.format(default="required"))
    g.add_argument("--run", help="run id or report folder (default: the latest run)")
    g.add_argument("--rules", help="gate rules YAML (default: built-in rules, see README)")
    g.add_argument("--markdown", metavar="F", help="write the verdict as Markdown (e.g. $GITHUB_STEP_SUMMARY)")
    g.add_argument("--junit", metavar="F", help="write JUnit XML (one testcase per rule)")


def _tool_commands(sub, common) -> None:
    """exec, setup-sandbox, models, suites, demo, curate."""
    e = sub.add_parser("exec", help="run one program in the sandbox and print its outcome")
    e.add_argument("file")
    e.add_argument("--timeout", type=_ranged("timeout"), help="wall-clock seconds (default 10)")
    e.add_argument("--json", action="store_true", help="print the outcome as JSON")
    e.add_argument("--interactive", action=argparse.BooleanOptionalAction, default=None,
                   help="judge it as an interactive task would (a game or server still running at the end "
                        "of its budget is ok); default: on for a pygame program")
    e.add_argument("--sandbox", choices=["auto", "bwrap", "limits", "none"], default="auto")
    e.add_argument("--debug", action="store_true")

    ss = sub.add_parser("setup-sandbox", help="prepare the environment generated programs run in (pygame...)")
    ss.add_argument("--debug", action="store_true")

    m = sub.add_parser("models", parents=[common], help="list configured models and whether each endpoint answers")
    m.add_argument("--models", type=_csv, help="check these instead (aliases or provider:model)")

    su = sub.add_parser("suites", help="list suites and their tasks")
    su.add_argument("--suites-dir", action="append", default=None, metavar="DIR")
    su.add_argument("--debug", action="store_true")

    d = sub.add_parser("demo", help="the whole pipeline on bundled sample responses (no model server)")
    d.add_argument("--out", help="report folder (default: reports/demo/)")
    d.add_argument("--db", help="SQLite store (default: a fresh one inside the report folder)")
    d.add_argument("--debug", action="store_true")

    cu = sub.add_parser("curate", help="build a fine-tuning set: score, filter, deduplicate, decontaminate, mix")
    cu.add_argument("inputs", nargs="+", metavar="INPUT", help="dataset files or folders (.jsonl .json .csv .parquet)")
    cu.add_argument("--out", required=True, help="output folder (train.jsonl, dropped.jsonl, stats.json, ...)")
    cu.add_argument("--rules", help="curate rules YAML (default: has code, syntax ok, code chars > 0.5 x prose chars)")
    cu.add_argument("--format", choices=["openai", "sharegpt", "alpaca"], default="openai",
                    help="chat format of train.jsonl (default openai)")
    cu.add_argument("--exec", action="store_true", help="run solutions against the dataset's own tests in the sandbox")
    cu.add_argument("--sandbox", choices=["auto", "bwrap", "limits", "none"], default="auto")
    cu.add_argument("--seed", type=_ranged("seed"), default=0, help="sampling seed (default 0)")
    cu.add_argument("--target", type=int, help="rows in train.jsonl (default: the weights applied to what is kept)")
    cu.add_argument("--suites-dir", action="append", default=None, metavar="DIR",
                    help="extra folder of evaluation suites to decontaminate against (repeatable)")
    cu.add_argument("--workers", type=_ranged("workers"), help="scoring processes (default: CPU count)")
    cu.add_argument("--no-progress", action="store_true", help="no progress bar")
    cu.add_argument("--debug", action="store_true")


# ---- helpers shared by the commands --------------------------------------------------------------
def _scoring(args) -> dict:
    """The scoring flags as evalkit.api arguments (None: the config's `run:` value, then the default)."""
    return {"execute": not args.no_exec, "sandbox": args.sandbox, "workers": args.workers,
            "executor": args.executor, "ray_address": args.ray_address, "suites_dirs": args.suites_dir,
            "baseline": args.baseline, "candidate": args.candidate, "progress": not args.no_progress, "log": print}


def _dirs(args) -> list[Path]:
    from .api import check_suites_dirs

    return check_suites_dirs(args.suites_dir)


def _finish(result, args, out: str | None) -> int:
    """Write the reports, print the summary, and gate when asked. Returns the exit code."""
    from rich.console import Console

    from .power import warn_underpowered
    from .report.terminal import summary_table

    out_dir = Path(out or Path("reports") / result.run_id)
    result.write_reports(out_dir)
    Console().print(summary_table(result.store, result.run_id, comparison=result.report_data))
    print(f"report: {cleaned(str(out_dir / 'index.html'))}")
    warn_underpowered(result.report_data, _min_effect(args))  # stderr, one line per metric; not an error
    if result.problems:  # the report shows them as not judged; the gate must not pass on a broken sandbox
        raise EvalkitError(f"{len(result.problems)} response(s) could not be scored: {result.problems[0]}")
    if args.gate:
        if len(result.models) < 2 and not (args.baseline and args.candidate):
            raise EvalkitError("--gate needs two models (baseline and candidate)")
        return _verdict(result.gate(args.gate), args.markdown, args.junit)
    return 0


def _min_effect(args) -> float | None:
    """--min-effect, else the config's run: min_effect (None: power.DEFAULT_MIN_EFFECT)."""
    from .config import load_config

    return args.min_effect if args.min_effect is not None else load_config(args.config).run.min_effect


def _verdict(result, markdown: str | None, junit: str | None) -> int:
    """Write the verdict's files, print it: 0 pass, 1 regression; a rule in error is exit 2."""
    from .report.verdict import verdict_text, write_gate_files

    write_gate_files(result, markdown, junit)
    print(verdict_text(result))
    if result.errors:
        raise EvalkitError("; ".join(o.message for o in result.errors))
    return 0 if result.passed else 1


def run_gate(*, store, run: str | None, baseline: str, candidate: str, rules_path: str | None,
             markdown_path: str | None, junit_path: str | None) -> int:
    """`evalkit gate` on an open store (or None with a report folder as ``run``)."""
    from .api import gate_store

    return _verdict(gate_store(store, run, baseline=baseline, candidate=candidate, rules=rules_path),
                    markdown_path, junit_path)


# ---- commands -----------------------------------------------------------------------------------------
def cmd_run(args) -> int:
    from .api import evaluate
    from .config import load_config

    config = load_config(args.config)
    result = evaluate(args.models, args.suite, samples=args.samples, config=config, db=args.db,
                      concurrency=args.concurrency, timeout=args.timeout, seed=args.seed, retries=args.retries,
                      max_answer_mb=args.max_answer_mb, **_scoring(args))
    gen = result.generation
    code = _finish(result, args, args.out or config.run.out)
    if gen.endpoints_down:
        url, why = next(iter(gen.endpoints_down.items()))
        raise EvalkitError(f"lost the connection to {url} ({why}); {gen.ok} of {gen.total} responses kept; "
                           "rerun the same command to resume")
    if gen.failed:
        print(f"warning: {gen.failed} request(s) failed after retries and are marked as errors in the report "
              f"(first: {gen.errors[0]}); rerun the same command to retry them", file=sys.stderr)
    return code


def cmd_score(args) -> int:
    from .api import score

    result = score(args.responses, args.suite, models=args.models, config=args.config, db=args.db, **_scoring(args))
    return _finish(result, args, args.out)


def cmd_report(args) -> int:
    from .api import open_run

    result = open_run(args.run, db=args.db, config=args.config, baseline=args.baseline, candidate=args.candidate)
    out_dir = Path(args.out or Path("reports") / result.run_id)
    result.write_reports(out_dir)
    print(f"report: {cleaned(str(out_dir / 'index.html'))}")
    return 0


def cmd_gate(args) -> int:
    from .api import gate_run
    from .config import load_config

    config = load_config(args.config)
    rules = args.rules or (config.gate if isinstance(config.gate, str) else None)
    return _verdict(gate_run(args.run, baseline=args.baseline, candidate=args.candidate, rules=rules,
                             db=args.db, config=config), args.markdown, args.junit)


def cmd_exec(args) -> int:
    from .sandbox_cli import exec_command

    return exec_command(args.file, args.timeout, args.json, args.sandbox, interactive=args.interactive)


def cmd_setup_sandbox(args) -> int:
    from .sandbox_cli import setup_command

    return setup_command()


def cmd_models(args) -> int:
    from rich.console import Console
    from rich.table import Table

    from .api import check_models

    rows = check_models(args.models, config=args.config)
    table = Table(title="models")
    for col in ("alias", "provider", "model", "base_url", "endpoint answers", "model exists", "note"):
        table.add_column(col)
    for r in rows:
        table.add_row(r.alias, r.provider, r.model, r.base_url or "-", r.answers, r.exists, r.note)
    Console(width=200).print(table)
    return 0


def cmd_suites(args) -> int:
    from rich.console import Console
    from rich.table import Table

    from .suites import discover, load_suites

    dirs = _dirs(args)
    table = Table(title="suites")
    for col in ("suite", "version", "task", "language", "tests", "tags"):
        table.add_column(col)
    for name in discover(dirs):
        for s in load_suites([name], dirs):
            tasks = s.tasks if len(s.tasks) <= 12 else s.tasks[:3]
            for t in tasks:
                n_tests = len(t.tests) + len(t.checks.get("cases", ()))  # test snippets or black-box cases
                table.add_row(s.name, s.version, t.id, t.language, str(n_tests), ",".join(t.tags))
            if len(s.tasks) > len(tasks):
                table.add_row(s.name, s.version, f"... {len(s.tasks)} tasks in all", "", "", "")
    Console(width=160).print(table)
    return 0


def cmd_demo(args) -> int:
    from .demo import run_demo

    return run_demo(args.out, args.db)


def cmd_curate(args) -> int:
    from .curate import curate

    if args.target is not None and args.target < 1:
        raise EvalkitError("--target must be at least 1")
    res = curate(args.inputs, args.out, rules_path=args.rules, fmt=args.format, execute=args.exec, seed=args.seed,
                 target=args.target, suites_dirs=_dirs(args), workers=args.workers,
                 sandbox=args.sandbox, progress=not args.no_progress)
    print(f"read {res['read']}, kept {res['kept']}, dropped {res['dropped']} "
          f"({res['contamination']['examples']} overlapping evaluation tasks); "
          f"train.jsonl: {res['train']['rows']} rows -> {Path(args.out) / 'index.html'}")
    return 0


COMMANDS = {
    "run": cmd_run, "score": cmd_score, "report": cmd_report, "gate": cmd_gate, "exec": cmd_exec,
    "setup-sandbox": cmd_setup_sandbox, "models": cmd_models, "suites": cmd_suites, "demo": cmd_demo,
    "curate": cmd_curate,
}


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    from .lifetime import Terminated, stop_on_sigterm

    previous = stop_on_sigterm() if threading.current_thread() is threading.main_thread() else None
    try:  # SIGTERM stops like Ctrl-C: what finished is kept, the rerun resumes
        return COMMANDS[args.command](args)
    except EvalkitError as exc:
        if args.debug:
            raise
        print(f"evalkit: error: {exc}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt as exc:
        how = "terminated (SIGTERM)" if isinstance(exc, Terminated) else "interrupted"
        print(f"evalkit: {how}; everything that finished is in the store: rerun the same command to resume",
              file=sys.stderr)
        return 143 if isinstance(exc, Terminated) else 130
    except Exception as exc:  # noqa: BLE001 - the promise is: never a bare traceback
        if args.debug:
            raise
        print(f"evalkit: internal error: {type(exc).__name__}: {exc}; rerun with --debug and report it",
              file=sys.stderr)
        return 2
    finally:
        if previous is not None:
            signal.signal(signal.SIGTERM, previous)


if __name__ == "__main__":
    sys.exit(main())
