"""Any OpenAI-compatible server (vLLM, llama.cpp, LM Studio, OpenAI) through the official client."""

from __future__ import annotations

import os
import json
import time
from urllib.parse import parse_qsl

import httpx
import openai
from openai.types.chat import ChatCompletion

from .base import (NON_STREAMED_FACTOR, AnswerBuffer, Completion, EndpointInfo, Provider, ProviderError, Request,
                   answer_cap, truncated_reason)

DEFAULT_URL = "http://localhost:8000/v1"
# OpenAI's own parameters; anything else goes in extra_body (top_k, min_p, repetition_penalty...)
_NATIVE = {"temperature", "top_p", "max_tokens", "seed", "stop", "presence_penalty", "frequency_penalty", "n"}


def default_base_url() -> str:
    return (os.environ.get("OPENAI_BASE_URL") or DEFAULT_URL).rstrip("/")


def _retry_after(exc: openai.APIStatusError) -> float | None:
    try:
        value = exc.response.headers.get("retry-after")
        return float(value) if value is not None else None
    except (TypeError, ValueError):
        return None


def _classify(exc: BaseException, url: str) -> ProviderError:
    if isinstance(exc, ProviderError):
        return exc
    if isinstance(exc, openai.APITimeoutError):
        return ProviderError(f"request to {url} timed out", "timeout")
    if isinstance(exc, openai.APIConnectionError):
        return ProviderError(f"connection to {url} failed: {exc.__cause__ or exc}", "connection")
    if isinstance(exc, openai.APIStatusError):
        status = exc.status_code
        detail = str(exc.message)[:300]
        msg = f"{url} answered {status}: {detail}"
        if status == 404:
            return ProviderError(msg, "not_found", status=status)
        if status == 429:
            return ProviderError(msg, "rate_limit", status=status, retry_after=_retry_after(exc))
        if status >= 500:
            return ProviderError(msg, "server", status=status, retry_after=_retry_after(exc))
        return ProviderError(msg, "client", status=status)
    if isinstance(exc, httpx.TimeoutException):
        return ProviderError(f"request to {url} timed out", "timeout")
    if isinstance(exc, httpx.TransportError):  # e.g. the connection dropped mid-stream
        return ProviderError(f"connection to {url} failed: {exc}", "connection")
    if isinstance(exc, (openai.APIResponseValidationError, ValueError, KeyError, TypeError, AttributeError,
                        IndexError)):
        return ProviderError(f"malformed response from {url}: {exc}", "malformed")
    if isinstance(exc, openai.APIError):
        # e.g. an error event inside an SSE stream
        return ProviderError(f"{url} reported an error: {exc}", "server")
    raise exc


def _reasoning(obj) -> str | None:
    """Thinking text: vLLM/DeepSeek send `reasoning_content`, others `reasoning`."""
    for name in ("reasoning_content", "reasoning"):
        value = getattr(obj, name, None)
        if value is None and getattr(obj, "model_extra", None):
            value = obj.model_extra.get(name)
        if isinstance(value, str) and value:
            return value
    return None


class OpenAIProvider(Provider):
    kind = "openai"

    def __init__(self, model: str, base_url: str | None = None, *, timeout: float = 600.0, stream: bool = True,
                 api_key: str | None = None, max_answer_mb: float | None = None):
        super().__init__(model, (base_url or default_base_url()).rstrip("/"), timeout=timeout, stream=stream,
                         max_answer_mb=max_answer_mb)
        # the client appends paths to base_url, so a query (?api-key=...) is sent as its default query
        url, _, query = self._url.partition("?")
        # A local server needs no key, but the client insists on one: send a placeholder, never a real default.
        self._client = openai.AsyncOpenAI(base_url=url.rstrip("/"), api_key=api_key or "evalkit-no-key",
                                          timeout=timeout, max_retries=0,
                                          default_query=dict(parse_qsl(query, keep_blank_values=True)) or None)

    def unreachable_hint(self) -> str:
        return (f"cannot reach the OpenAI-compatible server at {self.base_url}: is it running? "
                "(set base_url or OPENAI_BASE_URL)")

    async def endpoint_info(self) -> EndpointInfo:
        try:
            page = await self._client.models.list()
            return EndpointInfo(True, sorted(m.id for m in page.data))
        except Exception as exc:  # noqa: BLE001 - classified below
            err = self._redacted(_classify(exc, self.base_url))
            if err.kind in ("connection", "timeout"):
                return EndpointInfo(False, error=str(err))
            # some servers do not implement /models: reachable, but cannot tell which models exist
            return EndpointInfo(True, None, error=str(err))

    def _split_params(self, params: dict) -> tuple[dict, dict]:
        native = {k: v for k, v in params.items() if k in _NATIVE}
        extra = {k: v for k, v in params.items() if k not in _NATIVE}
        return native, extra

    async def complete(self, request: Request) -> Completion:
        start = time.perf_counter()
        try:
            if self.stream:
                done = await self._streamed(request, start)
                if done is not None:
                    return done
                # llama.cpp's server ends a stream early with [DONE] when another request is waiting
                # (interrupt_requests): the answer is cut short, so ask again without streaming.
            return await self._plain(request, start)
        except Exception as exc:  # noqa: BLE001 - re-raised as a classified ProviderError
            raise self._redacted(_classify(exc, self.base_url)) from exc

    async def _plain(self, request: Request, start: float) -> Completion:
        native, extra = self._split_params(request.params)
        # read the body piece by piece: a body that never ends must not grow memory until --timeout
        limit = NON_STREAMED_FACTOR * answer_cap(request.params, self.max_answer_mb)
        body, size = [], 0
        async with self._client.chat.completions.with_streaming_response.create(
            model=self.model, messages=request.messages, stream=False, extra_body=extra or None, **native
        ) as raw:
            async for piece in raw.iter_bytes():
                size += len(piece)
                if size > limit:  # JSON cannot be cut and still parse: this answer is lost, say why
                    raise ProviderError(
                        f"the answer from {self.base_url} passed {limit / 1_000_000:g} MB and was not read further; "
                        "a non-streamed answer cannot be cut (use stream: true, or raise max_answer_mb)", "client")
                body.append(piece)
        resp = ChatCompletion.model_validate(json.loads(b"".join(body)))
        if not resp.choices:
            raise ProviderError(f"malformed response from {self.base_url}: no choices", "malformed")
        choice = resp.choices[0]
        usage = resp.usage
        return Completion(
            text=choice.message.content or "",
            thinking=_reasoning(choice.message),
            latency_s=time.perf_counter() - start,
            prompt_tokens=usage.prompt_tokens if usage else None,
            completion_tokens=usage.completion_tokens if usage else None,
            finish_reason=choice.finish_reason,
        )

    async def _streamed(self, request: Request, start: float) -> Completion | None:
        """The streamed answer, or None when the stream ended without a finish reason (cut short)."""
        native, extra = self._split_params(request.params)
        stream = await self._client.chat.completions.create(
            model=self.model, messages=request.messages, stream=True,
            stream_options={"include_usage": True}, extra_body=extra or None, **native,
        )
        answer = AnswerBuffer(answer_cap(request.params, self.max_answer_mb))
        ttft = finish = usage = None
        async for chunk in stream:
            if chunk.usage is not None:
                usage = chunk.usage
            for choice in chunk.choices or ():
                delta = choice.delta
                piece = (delta.content or "") if delta else ""
                think = _reasoning(delta) if delta else None
                if ttft is None and (piece or think):
                    ttft = time.perf_counter() - start
                answer.add(piece, think)
                if choice.finish_reason:
                    finish = choice.finish_reason
            if answer.full:  # an endless answer: stop reading, keep what came, say it was cut
                await stream.close()
                finish = truncated_reason(answer.cap)
                break
        if finish is None:
            return None
        return Completion(
            text="".join(answer.text),
            thinking="".join(answer.thinking) or None,
            latency_s=time.perf_counter() - start,
            ttft_s=ttft,
            prompt_tokens=usage.prompt_tokens if usage else None,
            completion_tokens=usage.completion_tokens if usage else None,
            finish_reason=finish,
        )

    async def aclose(self) -> None:
        await self._client.close()
