"""DataMigration: a Job that moves departing StatefulWebApp members' data (BP026)."""

from __future__ import annotations

import inspect
from typing import TYPE_CHECKING, ClassVar, Unpack

from constructs import Construct

from blueprints.cdk._component import Component
from blueprints.cdk.stateful_web_app import StatefulWebApp
from blueprints.core.data_migration import DataMigrationCore, DataMigrationProps
from blueprints.core.release import ReleaseContext
from blueprints.core.workload import WorkloadProps
from blueprints.errors import ConfigError, Problem

if TYPE_CHECKING:
    from blueprints.cdk._kwargs import DataMigrationKwargs

__all__ = ["DataMigration"]


class DataMigration(Component):
    """Before a planned scale-down: ``web`` goes from 3 to 2 replicas, so
    ``DataMigration(release, "web-migrate", stateful=web, ordinals=[2], image=...,
    command=[...])``. The Job mounts the departing claims read-only under
    ``/departed/<ordinal>/<storage>``, gets ``DEPARTED_ORDINALS`` and the remaining ``PEERS``,
    and the StatefulWebApp's NetworkPolicy admits it. Jobs are immutable: delete the finished
    Job (it is deleted a day after it finishes) or use a new id to run another migration.
    Kubernetes has no scale-down hook; this is the planned form of BP026.
    """

    props_class: ClassVar[type[DataMigrationProps]] = DataMigrationProps
    core_class: ClassVar[type[DataMigrationCore]] = DataMigrationCore
    core: DataMigrationCore
    leading_params: ClassVar[tuple[tuple[inspect.Parameter, str], ...]] = ((
        inspect.Parameter("stateful", inspect.Parameter.KEYWORD_ONLY, annotation="StatefulWebApp"),
        "The StatefulWebApp whose members depart. Required."),)

    def __init__(self, scope: Construct, id: str, *, stateful: StatefulWebApp,
                 **props: Unpack[DataMigrationKwargs]) -> None:
        if not isinstance(stateful, StatefulWebApp):
            raise ConfigError(Problem(id, "stateful", type(stateful).__name__,
                                      "must be a StatefulWebApp", "pass the StatefulWebApp",
                                      "BP026"))
        self._stateful = stateful
        super().__init__(scope, id, **props)

    def _make_core(self, id: str, props: WorkloadProps, context: ReleaseContext
                   ) -> DataMigrationCore:
        assert isinstance(props, DataMigrationProps)
        return DataMigrationCore(id, props, self._stateful.core)
