"""Threads that want the same kind of database work wait in line; the thread at the front does it for all.

A burst of API requests reaches the database from many threads at once. Work that costs the
same for one request as for ten (a transaction's BEGIN and COMMIT, a checkpoint signature, the
query that reads inclusion proofs) is cheaper done once for everybody waiting. :class:`Line`
lets each thread hand in its request and block; one thread at a time is at the front, takes
every request waiting (its own among them) and serves them together, and the others find their
answers when their turn comes. A thread alone in line serves itself at once: nothing waits for
company, so a lone request costs what it did before.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Generic, TypeVar

Request = TypeVar("Request")
Answer = TypeVar("Answer")

@dataclass
class _Place(Generic[Request, Answer]):
    request: Request
    answered: bool = False
    answer: Answer | None = None
    error: BaseException | None = None


class Line(Generic[Request, Answer]):
    """Requests served together by ``serve``, which gets the waiting requests in arrival order
    and returns one outcome per request, in the same order. At most ``most`` are served at once."""

    def __init__(self, serve: Callable[[Sequence[Request]], Sequence[Answer | BaseException]],
                 most: int = 64) -> None:
        self._serve = serve
        self._most = most
        self._front = threading.Lock()  # held by the thread serving
        self._waiting_lock = threading.Lock()
        self._waiting: list[_Place[Request, Answer]] = []

    def submit(self, request: Request) -> Answer:
        """Wait for ``request`` to be served (by this thread or another); its answer, or raise its error."""
        place: _Place[Request, Answer] = _Place(request)
        with self._waiting_lock:
            self._waiting.append(place)
        while not place.answered:
            with self._front:
                if place.answered:
                    break
                with self._waiting_lock:
                    batch, self._waiting = self._waiting[:self._most], self._waiting[self._most:]
                self._answer(batch)
        if place.error is not None:
            raise place.error
        return place.answer  # type: ignore[return-value]  # set with answered, unless error is

    def _answer(self, batch: list[_Place[Request, Answer]]) -> None:
        try:
            outcomes = list(self._serve([place.request for place in batch]))
            if len(outcomes) != len(batch):
                raise RuntimeError(f"served {len(batch)} requests but gave {len(outcomes)} outcomes")
        except BaseException as exc:  # noqa: BLE001  (every waiting thread raises it)
            outcomes = [exc] * len(batch)
        for place, outcome in zip(batch, outcomes, strict=True):
            if isinstance(outcome, BaseException):
                place.error = outcome
            else:
                place.answer = outcome
            place.answered = True
