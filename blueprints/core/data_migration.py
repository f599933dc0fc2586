"""DataMigration: move a departing StatefulSet member's data before it is gone (BP026).

Kubernetes has no scale-down hook, and a StatefulWebApp keeps the claims of removed ordinals
(``retain_claims_on_scale_down``). A planned scale-down lowers ``replicas`` and adds a
DataMigration for the departing ordinals: a Job mounts each departing claim read-only and runs
the app's own migration command with the remaining peers' hostnames.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import ClassVar

from blueprints.core.stateful_web_app import StatefulWebAppCore
from blueprints.core.volumes import Mount, Volume
from blueprints.core.workload import Manifest, Workload, WorkloadProps
from blueprints.errors import ConfigError, Problem

__all__ = ["DataMigrationCore", "DataMigrationProps"]


@dataclass(frozen=True, kw_only=True, slots=True)
class DataMigrationProps(WorkloadProps):
    """Props of a :class:`~blueprints.DataMigration`; see :class:`WorkloadProps` too.

    Attributes:
        ordinals: The departing ordinals, each at or above the StatefulWebApp's new replica
            count. Required.
        backoff_limit: Retries; 0 to 10. Default 3.
        active_deadline_seconds: The run's time limit. Default 3600.
        ttl_seconds_after_finished: When the finished Job is deleted. Default 86400.
    """

    ordinals: Sequence[int]
    backoff_limit: int = 3
    active_deadline_seconds: int = 3600
    ttl_seconds_after_finished: int = 86400


class DataMigrationCore(Workload):
    """The pure rendering of a :class:`~blueprints.DataMigration`."""

    role: ClassVar[str] = "migration"
    serves: ClassVar[bool] = False
    props: DataMigrationProps

    def __init__(self, id: str, props: DataMigrationProps, stateful: StatefulWebAppCore) -> None:
        self.stateful = stateful
        super().__init__(id, props, stateful.release)
        stateful.add_client(self.client_ref())

    def _check(self) -> None:
        props, path, stateful = self.props, self.path, self.stateful
        if not stateful.storage:
            raise ConfigError(Problem(path, "stateful", stateful.path, "has no storage to migrate",
                                      "give the StatefulWebApp storage=", "BP026"))
        ordinals = list(props.ordinals)
        if not ordinals:
            raise ConfigError(Problem(path, "ordinals", ordinals, "names no departing member",
                                      "pass the ordinals being removed, e.g. [2]", "BP026"))
        for ordinal in ordinals:
            if isinstance(ordinal, bool) or not isinstance(ordinal, int) or ordinal < 0:
                raise ConfigError(Problem(path, "ordinals", ordinal, "not an ordinal",
                                          "pass whole numbers >= 0", "BP026"))
            if ordinal < stateful.props.replicas:
                raise ConfigError(Problem(
                    path, "ordinals", ordinal,
                    f"is still a member ({stateful.path} has replicas={stateful.props.replicas})",
                    f"lower replicas to {ordinal} or less first", "BP026"))
        if len(set(ordinals)) != len(ordinals):
            raise ConfigError(Problem(path, "ordinals", ordinals, "lists an ordinal twice",
                                      "list each once", "BP026"))
        if not stateful.props.retain_claims_on_scale_down:
            raise ConfigError(Problem(path, "stateful", stateful.path,
                                      "deletes its claims on scale-down: nothing would be left "
                                      "to migrate", "keep retain_claims_on_scale_down=True",
                                      "BP026"))
        for name, value, low, high in (
            ("backoff_limit", props.backoff_limit, 0, 10),
            ("active_deadline_seconds", props.active_deadline_seconds, 1, 7 * 86400),
            ("ttl_seconds_after_finished", props.ttl_seconds_after_finished, 0, 30 * 86400),
        ):
            if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
                raise ConfigError(Problem(path, name, value, f"must be {low} to {high}",
                                          "pass a whole number in that range"))

    def departed_mounts(self) -> list[Mount]:
        """Each departing claim, read-only, at ``/departed/<ordinal>/<storage name>``."""
        sts = self.stateful
        mounts = []
        for ordinal in sorted(self.props.ordinals):
            for storage in sts.storage:
                claim = f"{storage.name}-{sts.id}-{ordinal}"
                volume = Volume.claim(f"departed-{ordinal}-{storage.name}"[:63].rstrip("-"),
                                      claim, read_only=True)
                mounts.append(Mount(volume, f"/departed/{ordinal}/{storage.name}"))
        return mounts

    def render(self) -> list[Manifest]:
        props = self.props
        env = [
            {"name": "DEPARTED_ORDINALS", "value": ",".join(map(str, sorted(props.ordinals)))},
            {"name": "PEERS", "value": ",".join(self.stateful.peer_hostnames())},
        ]
        job = {
            "apiVersion": "batch/v1",
            "kind": "Job",
            "metadata": self.metadata(self.id),
            "spec": {
                "backoffLimit": props.backoff_limit,
                "activeDeadlineSeconds": props.active_deadline_seconds,
                "ttlSecondsAfterFinished": props.ttl_seconds_after_finished,
                "template": self.pod_template(extra_env=env, restart_policy="OnFailure"),
            },
        }
        return [*self.claims(), job, self.network_policy()]
