"""Generation: retries, timeouts, Retry-After, cache hits, error rows, endpoint failure."""

import time

import pytest
from conftest import MINI_SUITES

from evalkit import pipeline
from evalkit.config import ModelSpec
from evalkit.generate import GenerationSettings
from evalkit.store import Store
from evalkit.suites import load_suites


def models_for(server, stream=True):
    return [ModelSpec("base", "ollama", "qwen3-vl:8b", server.url, stream=stream),
            ModelSpec("tuned", "openai", "tuned", server.url + "/v1", stream=stream)]


def settings(**kw):
    return GenerationSettings(**{"samples": 2, "backoff": 0.01, "progress": False, **kw})


@pytest.fixture
def store(tmp_path):
    return Store(tmp_path / "db.sqlite")


@pytest.fixture
def mini():
    return load_suites(["mini"], [MINI_SUITES])


def rows(store, run_id):
    return {(r["model"], r["task_id"], r["sample"]): r for r in store.run_results(run_id)}


@pytest.mark.parametrize("stream", [True, False])
def test_transient_faults_are_retried(server, store, mini, stream):
    server.faults = [500, 429, "drop", "garbage"]
    out = pipeline.generate_run(store, models_for(server, stream), mini, settings())
    got = rows(store, out.run_id)
    assert len(got) == 8 and all(r["error"] is None for r in got.values())
    assert server.chat_requests == 8 + 4  # four faults, each retried once
    assert out.generation.failed == 0


def test_client_errors_are_not_retried_and_kept_as_error_rows(server, store, mini):
    server.faults = [400]
    out = pipeline.generate_run(store, models_for(server)[:1], mini, settings(samples=1, concurrency=1))
    assert server.chat_requests == 2
    errors = [r for r in store.run_results(out.run_id) if r["error"]]
    assert len(errors) == 1 and "400" in errors[0]["error"]
    assert out.generation.failed == 1


def test_persistent_failure_after_retries_is_an_error_row(server, store, mini):
    server.faults = [503] * 4
    out = pipeline.generate_run(store, models_for(server)[:1], mini, settings(samples=1, concurrency=1, retries=3))
    errs = [r for r in store.run_results(out.run_id) if r["error"]]
    assert len(errs) == 1 and "503" in errs[0]["error"]
    assert server.chat_requests == 5  # 4 attempts on the failing slot, 1 on the other


def test_timeout_is_retried_then_recorded(server, store, mini):
    server.faults = ["hang", "hang"]
    out = pipeline.generate_run(store, models_for(server)[1:], mini,
                                settings(samples=1, concurrency=1, timeout=0.5, retries=1))
    errs = [r for r in store.run_results(out.run_id) if r["error"]]
    assert len(errs) == 1 and "0.5s" in errs[0]["error"]


def test_retry_after_is_honoured(server, store, mini):
    server.retry_after = 0.6
    server.faults = [429]
    start = time.perf_counter()
    pipeline.generate_run(store, models_for(server)[1:], mini, settings(samples=1, concurrency=1))
    assert time.perf_counter() - start >= 0.6


def test_rerun_sends_no_request_and_failed_slots_are_retried(server, store, mini):
    first = pipeline.generate_run(store, models_for(server), mini, settings())
    sent = server.chat_requests
    again = pipeline.generate_run(store, models_for(server), mini, settings())
    assert server.chat_requests == sent
    assert again.generation.cached == 8
    assert {k: r["text"] for k, r in rows(store, first.run_id).items()} == \
        {k: r["text"] for k, r in rows(store, again.run_id).items()}
    # a new sample count only sends the new samples
    pipeline.generate_run(store, models_for(server), mini, settings(samples=3))
    assert server.chat_requests == sent + 4


def test_samples_get_distinct_seeds(server, store, mini):
    pipeline.generate_run(store, models_for(server)[1:], mini, settings(samples=3, seed=100))
    seeds = sorted(b["seed"] for b in server.chat_bodies)
    assert seeds == [100, 100, 101, 101, 102, 102]


def test_endpoint_down_mid_run_keeps_finished_work(server, store, mini):
    server.stop_after = 3
    out = pipeline.generate_run(store, models_for(server)[1:], mini,
                                settings(samples=4, concurrency=1, retries=1))
    gen = out.generation
    assert gen.endpoints_down
    kept = [r for r in store.run_results(out.run_id) if r["error"] is None]
    assert len(kept) == 3 and gen.ok == 3
    assert gen.skipped == 8 - 3 - 1


def test_replicas_share_the_work_and_cover_for_a_dead_one(store, mini):
    from fake_server import FakeModelServer

    with FakeModelServer(latency=0.05) as a, FakeModelServer(latency=0.05) as b:
        spec = ModelSpec("tuned", "openai", "tuned", a.url + "/v1", replicas=(b.url + "/v1",))
        out = pipeline.generate_run(store, [spec], mini, settings(samples=6, concurrency=2))
        assert out.generation.sent == 12 and a.chat_requests > 0 and b.chat_requests > 0
        assert a.chat_requests + b.chat_requests == 12
        a.stop_after = a.chat_requests + 1  # replica a dies on its next request
        out = pipeline.generate_run(store, [spec], mini, settings(samples=12, concurrency=2, retries=0))
        gen = out.generation
        assert gen.failed == 0 and gen.ok == 24 and not gen.endpoints_down
        assert len([r for r in store.run_results(out.run_id) if r["error"] is None]) == 24


def test_a_request_handed_back_late_is_still_sent(store, mini):
    """Replica b finishes its share and stops; then a dies mid-request: b must still take that request."""
    from fake_server import FakeModelServer

    with FakeModelServer(latency=0.02) as fast, FakeModelServer(latency=0.6) as slow:
        spec = ModelSpec("tuned", "openai", "tuned", slow.url + "/v1", replicas=(fast.url + "/v1",))
        slow.stop_after = 0  # its first request never gets an answer and the server goes away
        out = pipeline.generate_run(store, [spec], mini, settings(samples=2, concurrency=1, retries=0))
        gen = out.generation
        assert gen.ok == 4 and gen.skipped == 0 and not gen.endpoints_down
        assert fast.chat_requests == 4
