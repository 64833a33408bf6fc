"""What a run of work reports: one outcome per item (a post checked, an account polled), counted by status."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Generic, Protocol, TypeVar


class _Outcome(Protocol):
    @property
    def status(self) -> str: ...


OutcomeT = TypeVar("OutcomeT", bound=_Outcome)


@dataclass(slots=True)
class Report(Generic[OutcomeT]):
    outcomes: list[OutcomeT] = field(default_factory=list)

    def count(self, status: str) -> int:
        return sum(1 for o in self.outcomes if o.status == status)
