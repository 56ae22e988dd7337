"""The line: each thread gets its own answer, whoever served it, and threads waiting together are served together."""

from __future__ import annotations

import threading
from collections.abc import Sequence

import pytest

from ledger.batching import Line


class Recorder:
    """A ``serve`` that doubles each number, refuses negative ones, and remembers each batch it got."""

    def __init__(self, hold: threading.Event | None = None) -> None:
        self.batches: list[list[int]] = []
        self.hold = hold
        self.entered = threading.Event()

    def __call__(self, requests: Sequence[int]) -> list[int | BaseException]:
        self.batches.append(list(requests))
        self.entered.set()
        if self.hold is not None:
            self.hold.wait(10)
        return [ValueError(f"{n} is negative") if n < 0 else 2 * n for n in requests]


def _in_threads(line: Line[int, int], numbers: list[int]) -> tuple[dict[int, int], dict[int, BaseException]]:
    answers: dict[int, int] = {}
    errors: dict[int, BaseException] = {}

    def ask(n: int) -> None:
        try:
            answers[n] = line.submit(n)
        except ValueError as exc:
            errors[n] = exc

    threads = [threading.Thread(target=ask, args=(n,)) for n in numbers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(10)
    return answers, errors


def test_a_thread_alone_is_served_at_once_by_itself() -> None:
    serve = Recorder()
    assert Line(serve).submit(21) == 42
    assert serve.batches == [[21]]


def _behind_a_busy_front(numbers: list[int]) -> tuple[Recorder, dict[int, int], dict[int, BaseException]]:
    """Submit ``numbers`` from threads while another thread is at the front serving itself, so they
    all wait in line; release the front once they do. The serve, and each number's answer or error."""
    release = threading.Event()
    serve = Recorder(hold=release)
    line = Line(serve)
    front = threading.Thread(target=line.submit, args=(1,))
    front.start()
    assert serve.entered.wait(10)  # the front thread is serving itself
    results: list[tuple[dict[int, int], dict[int, BaseException]]] = []
    behind = threading.Thread(target=lambda: results.append(_in_threads(line, numbers)))
    behind.start()
    while len(line._waiting) < len(numbers):  # noqa: SLF001  (the test waits until all of them are in line)
        threading.Event().wait(0.01)
    release.set()
    behind.join(10)
    front.join(10)
    return serve, *results[0]


def test_threads_waiting_behind_the_front_are_served_in_one_batch_each_with_its_own_answer() -> None:
    serve, answers, errors = _behind_a_busy_front(list(range(2, 12)))
    assert (answers, errors) == ({n: 2 * n for n in range(2, 12)}, {})
    assert len(serve.batches) == 2 and sorted(serve.batches[1]) == list(range(2, 12))  # the ten were served together


def test_an_error_is_raised_only_in_the_thread_whose_request_caused_it() -> None:
    _, answers, errors = _behind_a_busy_front([3, -4, 5])
    assert answers == {3: 6, 5: 10}
    assert list(errors) == [-4] and "negative" in str(errors[-4])


def test_when_serving_fails_every_thread_of_that_batch_raises_and_the_line_goes_on() -> None:
    calls = []

    def serve(requests: Sequence[int]) -> list[int]:
        calls.append(list(requests))
        if len(calls) == 1:
            raise ValueError("the database went away")
        return list(requests)

    line = Line(serve)
    with pytest.raises(ValueError, match="went away"):
        line.submit(1)
    assert line.submit(2) == 2


def test_no_batch_is_larger_than_the_most_allowed() -> None:
    serve = Recorder()
    line = Line(serve, most=3)
    answers, errors = _in_threads(line, list(range(20)))
    assert answers == {n: 2 * n for n in range(20)} and not errors
    assert max(len(batch) for batch in serve.batches) <= 3


def test_a_serve_that_answers_the_wrong_number_of_requests_is_an_error_not_a_hang() -> None:
    line: Line[int, int] = Line(lambda requests: [])
    with pytest.raises(RuntimeError, match="1 requests but gave 0"):
        line.submit(1)
