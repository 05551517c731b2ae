"""What every flow shares: the configuration it reads by default, and the ARNs of what that
configuration describes."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import asdict, dataclass, field

from tasks.desired import Slot

DEFAULT_CONFIG = "config/demo.yaml"


@dataclass
class Resources:
    """The ARNs of what the configuration describes."""

    dataset_group: str
    datasets: dict[str, str] = field(default_factory=dict)
    filters: dict[str, str] = field(default_factory=dict)
    solutions: dict[str, str] = field(default_factory=dict)
    event_tracker: str | None = None
    recommenders: dict[str, str] = field(default_factory=dict)
    metric_attribution: str | None = None

    @classmethod
    def of(cls, arns: Iterable[tuple[Slot, str]]) -> Resources:
        """The ARNs of the walk's resources, each put in its slot (the dataset group's first)."""
        resources = cls(dataset_group="")
        for (name, key), arn in arns:
            if key is None:
                setattr(resources, name, arn)
            else:
                getattr(resources, name)[key] = arn
        return resources

    def as_dict(self) -> dict[str, object]:
        """Plain data for results and artifacts."""
        return asdict(self)
