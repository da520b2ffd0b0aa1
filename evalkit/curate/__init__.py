"""`evalkit curate`: build a fine-tuning set with the scorers evaluation uses.

inputs.py (files and schemas) -> scoring.py (same scorers, dedup keys, contamination hits) ->
rules.py (keep rules) -> decontaminate.py -> dedup.py -> mix.py -> outputs.py; run.py joins them.
docs/curate.md describes the command, the rules file and every output.
"""

from .run import curate

__all__ = ["curate"]
