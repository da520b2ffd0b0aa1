"""Providers: one small async interface (see base.py) over Ollama, OpenAI-compatible servers, replay files."""

from __future__ import annotations

from ..errors import EvalkitError
from .base import Completion, EndpointInfo, Provider, ProviderError, Request

PROVIDERS = ("ollama", "openai", "replay")


def make_provider(kind: str, model: str, base_url: str | None = None, *, timeout: float = 600.0,
                  stream: bool = True, api_key: str | None = None, max_answer_mb: float | None = None) -> Provider:
    if kind == "ollama":
        from .ollama import OllamaProvider

        return OllamaProvider(model, base_url, timeout=timeout, stream=stream, api_key=api_key,
                              max_answer_mb=max_answer_mb)
    if kind == "openai":
        from .openai_compat import OpenAIProvider

        return OpenAIProvider(model, base_url, timeout=timeout, stream=stream, api_key=api_key,
                              max_answer_mb=max_answer_mb)
    if kind == "replay":
        from .replay import ReplayProvider

        return ReplayProvider(model)
    raise EvalkitError(f"unknown provider {kind!r}; use one of: {', '.join(PROVIDERS)}")


def default_base_url(kind: str) -> str | None:
    if kind == "ollama":
        from .ollama import default_base_url as d

        return d()
    if kind == "openai":
        from .openai_compat import default_base_url as d

        return d()
    return None


__all__ = ["Completion", "EndpointInfo", "Provider", "ProviderError", "Request", "make_provider",
           "default_base_url", "PROVIDERS"]
