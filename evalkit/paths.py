"""Where bundled suites, rubrics and demo data live: package data inside evalkit/, so that a
wheel install has them too (evalkit/builtin/prompts, evalkit/builtin/rubrics, evalkit/data/demo)."""

from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent
BUILTIN_DIR = PACKAGE_DIR / "builtin"
PROMPTS_DIR = BUILTIN_DIR / "prompts"
RUBRICS_DIR = BUILTIN_DIR / "rubrics"
DEMO_DIR = PACKAGE_DIR / "data" / "demo"
