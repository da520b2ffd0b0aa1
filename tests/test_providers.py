"""Both providers through the official clients against the loopback server: streaming and not."""

import asyncio

import pytest

from evalkit.providers import ProviderError, Request, make_provider

MSGS = [{"role": "user", "content": "write add()"}]


def reply_with_thinking(model, messages, params):
    return "```python\ndef add(a, b):\n    return a + b\n```", "Let me think about addition."


def complete(kind, url, model, stream, **kw):
    async def go():
        p = make_provider(kind, model, url, stream=stream, **kw)
        try:
            return await p.complete(Request(MSGS, {"temperature": 0, "max_tokens": 64, "seed": 7}))
        finally:
            await p.aclose()

    return asyncio.run(go())


@pytest.mark.parametrize("stream", [True, False])
@pytest.mark.parametrize("kind", ["ollama", "openai"])
def test_completion_fields(server, kind, stream):
    server.reply = reply_with_thinking
    url, model = (server.url, "qwen3-vl:8b") if kind == "ollama" else (server.url + "/v1", "tuned")
    c = complete(kind, url, model, stream)
    assert c.text == "```python\ndef add(a, b):\n    return a + b\n```"
    assert c.thinking == "Let me think about addition."
    assert c.finish_reason == "stop"
    assert c.prompt_tokens == 42 and c.completion_tokens == len(c.text) // 4
    assert c.latency_s > 0
    assert (c.ttft_s is not None) == stream
    body = server.chat_bodies[-1]
    assert body["stream"] is stream
    if kind == "ollama":  # portable names are mapped to Ollama options
        assert body["options"] == {"temperature": 0, "num_predict": 64, "seed": 7}
    else:
        assert body["max_tokens"] == 64 and body["seed"] == 7


def test_openai_extra_params_go_in_the_body(server):
    async def go():
        p = make_provider("openai", "tuned", server.url + "/v1", stream=False)
        await p.complete(Request(MSGS, {"top_k": 20, "temperature": 0.1}))
        await p.aclose()

    asyncio.run(go())
    assert server.chat_bodies[-1]["top_k"] == 20


@pytest.mark.parametrize("kind", ["ollama", "openai"])
def test_errors_are_classified(server, kind):
    url, model = (server.url, "qwen3-vl:8b") if kind == "ollama" else (server.url + "/v1", "tuned")
    for fault, expected in [(500, "server"), (429, "rate_limit"), (400, "client"), ("garbage", "malformed"),
                            ("drop", "connection")]:
        server.faults = [fault]
        with pytest.raises(ProviderError) as info:
            # a streamed OpenAI answer cut short is asked again unstreamed (next test), so test unstreamed
            complete(kind, url, model, kind == "ollama")
        assert info.value.kind == expected, fault
    assert info.value.retryable


def test_unknown_model_is_not_found(server):
    with pytest.raises(ProviderError) as info:
        complete("openai", server.url + "/v1", "nope", False)
    assert info.value.kind == "not_found" and not info.value.retryable


def test_unreachable_endpoint_is_reported_not_raised():
    async def go():
        p = make_provider("ollama", "m", "http://127.0.0.1:9")
        try:
            return await p.endpoint_info()
        finally:
            await p.aclose()

    info = asyncio.run(go())
    assert not info.reachable and info.error


def test_stream_cut_short_is_asked_again_without_streaming(server):
    """llama.cpp sends [DONE] early (no finish_reason) when another request waits: never keep a cut answer."""
    for fault in ("early_done", "garbage"):
        server.chat_bodies.clear()
        server.faults = [fault]
        c = complete("openai", server.url + "/v1", "tuned", True)
        assert c.finish_reason == "stop" and c.text.endswith("Call `answer()`.\n")
        assert [b["stream"] for b in server.chat_bodies] == [True, False]
