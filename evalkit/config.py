"""evalkit.yaml -> typed settings (models, run defaults, gate rules).

```yaml
models:
  base:
    provider: ollama               # ollama | openai | replay
    model: qwen3-vl:8b
    base_url: http://localhost:11434
    params: {temperature: 0.2, max_tokens: 4096}
  tuned:
    provider: openai
    model: qwen3-vl-8b-code
    base_url: http://localhost:8000/v1
    api_key_env: OPENAI_API_KEY    # the key is read from this variable, never stored
    stream: true                   # default; false sends non-streaming requests
    max_answer_mb: 2               # stop reading one answer here (default: max_tokens x 32 B, min 1 MB; else 4 MB)
run:                               # defaults for `evalkit run` flags
  suites: [snake]
  samples: 1
  concurrency: 4
  timeout: 600
  seed: 0
  max_answer_mb: 4
  suites_dir: [my_suites]
  db: .evalkit/evalkit.db
  sandbox: auto
gate: gate.yaml                    # rules file `evalkit gate` uses when --rules is not given
```
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field, fields
from pathlib import Path

from .errors import EvalkitError
from .providers import PROVIDERS, default_base_url
from .ranges import RANGES, in_range
from .redact import redact_url
from .yamlfile import load_mapping

DEFAULT_CONFIG = "evalkit.yaml"
DEFAULT_DB = ".evalkit/evalkit.db"
_MODEL_KEYS = {"provider", "model", "base_url", "api_key_env", "params", "stream", "timeout", "concurrency",
               "max_answer_mb"}


@dataclass(frozen=True)
class ModelSpec:
    alias: str
    provider: str
    model: str
    base_url: str | None = None
    api_key_env: str | None = None
    params: dict = field(default_factory=dict, hash=False)
    stream: bool = True
    timeout: float | None = None
    concurrency: int | None = None
    replicas: tuple[str, ...] = ()   # more base URLs serving the same model (round-robin scale-out)
    max_answer_mb: float | None = None  # one answer's size cap (default: see providers.base.answer_cap)

    @property
    def base_urls(self) -> tuple[str | None, ...]:
        return (self.base_url, *self.replicas)

    def api_key(self) -> str | None:
        """Read the key at the moment of use; a named but unset variable is a user error."""
        if not self.api_key_env:
            return None
        value = os.environ.get(self.api_key_env)
        if not value:
            raise EvalkitError(f"model {self.alias!r}: environment variable {self.api_key_env} is not set; "
                               f"export {self.api_key_env}=... or remove api_key_env from the config")
        return value

    def public(self) -> dict:
        """What runs and reports may show: no key, only the variable's name."""
        out = {"provider": self.provider, "model": self.model, "base_url": redact_url(self.base_url),
               "api_key_env": self.api_key_env, "params": self.params, "stream": self.stream}
        if self.replicas:
            out["replicas"] = [redact_url(u) for u in self.replicas]
        return out


SANDBOX_MODES = ("auto", "bwrap", "limits", "none")


@dataclass(frozen=True)
class RunSettings:
    """The config's `run:` section: defaults for the flags of `evalkit run`/`score` (None = not set;
    a flag given on the command line wins). Numbers are range-checked when the file is read."""

    suites: tuple[str, ...] | None = None
    samples: int | None = None
    concurrency: int | None = None
    timeout: float | None = None
    seed: int | None = None
    max_answer_mb: float | None = None
    suites_dir: tuple[str, ...] | None = None
    db: str | None = None
    out: str | None = None
    sandbox: str | None = None
    min_effect: float | None = None   # warn when a main 0..1 metric cannot show a change this small

    @classmethod
    def keys(cls) -> list[str]:
        return [f.name for f in fields(cls)]

    @classmethod
    def from_mapping(cls, data: dict, where: Path) -> RunSettings:
        unknown = [str(k) for k in data if k not in cls.keys()]
        if unknown:  # a typo (`sample:`) silently ignored would run with the default instead
            raise EvalkitError(f"{where}: run: unknown key {unknown[0]!r}; allowed: {', '.join(cls.keys())}")
        values: dict = {}
        for name, value in data.items():
            if value is None:
                continue
            if name in RANGES:  # a config field is checked like the flag it stands for
                try:
                    value = in_range(name, value)
                except ValueError as exc:
                    raise EvalkitError(f"{where}: run.{name}: {exc}") from None
            elif name in ("suites", "suites_dir"):
                value = _names(value, name, where)
            elif name == "sandbox" and value not in SANDBOX_MODES:
                raise EvalkitError(f"{where}: run.sandbox: {str(value)[:40]!r} is not one of {', '.join(SANDBOX_MODES)}")
            else:
                value = str(value)
            values[name] = value
        return cls(**values)


def _names(value: object, name: str, where: Path) -> tuple[str, ...]:
    """A list of names, or one string (comma-separated for suites)."""
    if isinstance(value, str):
        return tuple(v.strip() for v in value.split(",") if v.strip()) if name == "suites" else (value,)
    if not isinstance(value, list):
        raise EvalkitError(f"{where}: run.{name} must be a list of names")
    return tuple(str(v) for v in value)


@dataclass
class Config:
    models: dict[str, ModelSpec] = field(default_factory=dict)
    run: RunSettings = field(default_factory=RunSettings)
    gate: dict | str | None = None
    path: Path | None = None


def load_config(path: str | Path | None) -> Config:
    """Load the given file, or ./evalkit.yaml when present, or an empty config."""
    explicit = path is not None
    p = Path(path) if path else Path(DEFAULT_CONFIG)
    if not p.exists():
        if explicit:
            raise EvalkitError(f"config file {p} not found; pass an existing file to --config")
        return Config()
    data = load_mapping(p, "config file", "the README, 'Evaluating your models'")
    raw_models = data.get("models") or {}
    if not isinstance(raw_models, dict):
        raise EvalkitError(f"{p}: `models` must map aliases to settings (see the README, 'Evaluating your models')")
    models = {alias: _model_from_dict(str(alias), spec, p) for alias, spec in raw_models.items()}
    run = data.get("run") or {}
    if not isinstance(run, dict):
        raise EvalkitError(f"{p}: `run` must be a mapping of flag defaults")
    return Config(models=models, run=RunSettings.from_mapping(run, p), gate=data.get("gate"), path=p)


def _model_from_dict(alias: str, spec: object, where: Path) -> ModelSpec:
    if not isinstance(spec, dict):
        raise EvalkitError(f"{where}: model {alias!r} must be a mapping with provider and model")
    unknown = set(spec) - _MODEL_KEYS
    if unknown:
        raise EvalkitError(f"{where}: model {alias!r} has unknown keys {sorted(unknown)}; "
                           f"allowed: {', '.join(sorted(_MODEL_KEYS))}")
    provider = str(spec.get("provider", ""))
    if provider not in PROVIDERS:
        raise EvalkitError(f"{where}: model {alias!r}: provider must be one of {', '.join(PROVIDERS)}")
    if not spec.get("model"):
        raise EvalkitError(f"{where}: model {alias!r} needs `model:` (the name the server knows)")
    params = spec.get("params") or {}
    if not isinstance(params, dict):
        raise EvalkitError(f"{where}: model {alias!r}: `params` must be a mapping")
    urls = spec.get("base_url") or [default_base_url(provider)]
    if isinstance(urls, str):
        urls = [urls]
    if not isinstance(urls, list) or not all(isinstance(u, str) for u in urls if u is not None):
        raise EvalkitError(f"{where}: model {alias!r}: `base_url` must be a URL or a list of URLs")
    urls = [u.rstrip("/") if u else u for u in urls]
    return ModelSpec(
        alias=alias,
        provider=provider,
        model=str(spec["model"]),
        base_url=urls[0],
        replicas=tuple(urls[1:]),
        api_key_env=spec.get("api_key_env"),
        params=params,
        stream=bool(spec.get("stream", True)),
        timeout=_number(spec, "timeout", alias, where),
        concurrency=_number(spec, "concurrency", alias, where),
        max_answer_mb=_number(spec, "max_answer_mb", alias, where),
    )


def _number(spec: dict, key: str, alias: str, where: Path):
    if spec.get(key) is None:
        return None
    try:
        return in_range(key, spec[key])
    except ValueError as exc:
        raise EvalkitError(f"{where}: model {alias!r}: `{key}`: {exc}") from None


def resolve_models(names: list[str], config: Config) -> list[ModelSpec]:
    """`--models` entries: a config alias, or provider:model (ollama:qwen3-vl:8b, replay:file.jsonl)."""
    out = []
    for name in names:
        name = name.strip()
        if not name:
            continue
        if name in config.models:
            out.append(config.models[name])
            continue
        provider, sep, model = name.partition(":")
        if sep and provider in PROVIDERS and model:
            out.append(ModelSpec(alias=name, provider=provider, model=model, base_url=default_base_url(provider),
                                 api_key_env="OPENAI_API_KEY" if provider == "openai" and
                                 os.environ.get("OPENAI_API_KEY") else None))
            continue
        known = ", ".join(sorted(config.models)) or "none configured"
        raise EvalkitError(f"unknown model {name!r}: not an alias in the config ({known}) and not "
                           "provider:model (e.g. ollama:qwen3-vl:8b, openai:my-model, replay:responses.jsonl)")
    if not out:
        raise EvalkitError("no models given; use --models base,tuned (aliases from evalkit.yaml) or provider:model")
    aliases = [m.alias for m in out]
    if len(set(aliases)) != len(aliases):
        raise EvalkitError("a model is named twice in --models")
    return out
