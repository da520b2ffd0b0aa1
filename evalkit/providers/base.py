"""The one interface every provider implements, and the errors it raises."""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass, field


@dataclass
class Completion:
    text: str
    thinking: str | None = None
    latency_s: float | None = None
    ttft_s: float | None = None          # time to first token, when streamed
    prompt_tokens: int | None = None
    completion_tokens: int | None = None
    finish_reason: str | None = None


@dataclass
class Request:
    """What generate.py asks for: the messages plus where they come from (replay needs the slot)."""

    messages: list[dict]
    params: dict = field(default_factory=dict)
    task_id: str = ""
    sample: int = 0


class ProviderError(Exception):
    """A failed request, classified so generate.py knows whether to retry.

    kind: connection | timeout | rate_limit | server | client | not_found | malformed
    """

    RETRYABLE = {"connection", "timeout", "rate_limit", "server", "malformed"}

    def __init__(self, message: str, kind: str, *, status: int | None = None, retry_after: float | None = None):
        super().__init__(message)
        self.kind = kind
        self.status = status
        self.retry_after = retry_after

    @property
    def retryable(self) -> bool:
        return self.kind in self.RETRYABLE


@dataclass
class EndpointInfo:
    reachable: bool
    models: list[str] | None = None      # None when the endpoint cannot list models
    error: str | None = None


class Provider(ABC):
    kind: str = ""

    def __init__(self, model: str, base_url: str | None, *, timeout: float = 600.0, stream: bool = True):
        self.model = model
        self.base_url = base_url
        self.timeout = timeout
        self.stream = stream

    @abstractmethod
    async def complete(self, request: Request) -> Completion: ...

    @abstractmethod
    async def endpoint_info(self) -> EndpointInfo: ...

    async def model_details(self) -> dict:
        """Digest and server-side parameters of the model, where the server says (recorded per run)."""
        return {}

    def has_model(self, models: list[str]) -> bool:
        return self.model in models

    def unreachable_hint(self) -> str:
        return f"cannot reach {self.base_url}: is the server running?"

    async def aclose(self) -> None:
        return None
