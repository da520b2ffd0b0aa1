"""evalkit: did my fine-tune make the code better, and by how much?

The Python API (docs/api.md): ``evalkit.evaluate(...)``, ``evalkit.score(...)``,
``evalkit.open_run(...)`` and ``evalkit.gate_run(...)``. They are imported on first use
(PEP 562), so ``import evalkit`` and ``evalkit --help`` stay light (no pandas).
"""

__version__ = "0.1.0"

_API = {"evaluate": "api", "score": "api", "open_run": "api", "gate_run": "api", "EvalResult": "result",
        "EvalkitError": "errors"}
__all__ = ["__version__", *_API]


def __getattr__(name: str):
    module = _API.get(name)
    if module is None:
        raise AttributeError(f"module 'evalkit' has no attribute {name!r}")
    from importlib import import_module

    value = getattr(import_module(f"{__name__}.{module}"), name)
    globals()[name] = value  # later lookups skip this function
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_API))
