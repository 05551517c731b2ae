"""What a check before creating anything found: a problem (or a warning), where, and its fix."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Finding:
    """One problem found before anything is created: what, where, and how to fix it. A
    ``warning`` is something the check could not verify; it stops nothing."""

    check: str
    subject: str
    problem: str
    fix: str = ""
    warning: bool = False

    def __str__(self) -> str:
        return f"{self.subject}: {self.problem}" + (f" {self.fix}" if self.fix else "")
