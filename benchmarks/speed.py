"""Speed: the provider round trips of a five-style batch, pooled client vs a fresh client each."""

import statistics
import time

from benchmarks.common import Result, time_text
from benchmarks.fixture import API_KEY

ROUNDS = 15
TARGET = 1.1


def batch(base_url: str, rounds: int = ROUNDS) -> list[Result]:
    """Five creates (one per style) on the shared client vs on five fresh, non-pooled clients.

    Both sides run exactly the same provider code; only the httpx client and its
    connections are reused or not. Rounds alternate so that drift hits both equally,
    and the medians are compared.
    """
    from catalog.styles import STYLES, provider_prompt
    from videos.provider import build_provider

    prompts = [provider_prompt("A paper boat sails down a rainy street", s) for s in STYLES]
    order = ("sora-2", 4, "720x1280")

    def pooled_batch(provider) -> float:
        started = time.perf_counter()
        for prompt in prompts:
            provider.create(prompt, *order)
        return time.perf_counter() - started

    def fresh_batch() -> float:
        started = time.perf_counter()
        for prompt in prompts:
            provider = build_provider(base_url=base_url, api_key=API_KEY)
            try:
                provider.create(prompt, *order)
            finally:
                provider.close()
        return time.perf_counter() - started

    shared = build_provider(base_url=base_url, api_key=API_KEY)
    try:
        pooled_batch(shared)  # warm up: first connection, imports, emulator threads
        fresh_batch()
        pooled, fresh = [], []
        for _ in range(rounds):
            pooled.append(pooled_batch(shared))
            fresh.append(fresh_batch())
    finally:
        shared.close()
    return [
        Result(
            f"{len(prompts)}-style batch creates: pooled vs fresh clients (median of {rounds})",
            statistics.median(pooled),
            statistics.median(fresh),
            TARGET,
            unit=time_text,
        )
    ]
