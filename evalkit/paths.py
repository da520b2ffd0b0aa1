"""Where bundled suites and rubrics live (top-level prompts/ and rubrics/ beside the package)."""

from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent
PROJECT_DIR = PACKAGE_DIR.parent
PROMPTS_DIR = PROJECT_DIR / "prompts"
RUBRICS_DIR = PROJECT_DIR / "rubrics"
DEMO_DIR = PACKAGE_DIR / "data" / "demo"
