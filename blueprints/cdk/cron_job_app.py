"""CronJobApp: a CronJob with a bounded, non-overlapping Job."""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar, Unpack

from constructs import Construct

from blueprints.cdk._component import Component
from blueprints.core.jobs import CronJobAppCore, CronJobAppProps

if TYPE_CHECKING:
    from blueprints.cdk._kwargs import CronJobAppKwargs

__all__ = ["CronJobApp"]


class CronJobApp(Component):
    """A scheduled job: ``CronJobApp(release, "report", image=..., schedule="0 3 * * *")``.

    Defaults: ``concurrencyPolicy: Forbid``, ``startingDeadlineSeconds: 300``,
    ``backoffLimit: 3``, history limits 3 and 1, ``restartPolicy: OnFailure``; every
    container practice applies. Props: :class:`~blueprints.core.jobs.CronJobAppProps`.
    """

    props_class: ClassVar[type[CronJobAppProps]] = CronJobAppProps
    core_class: ClassVar[type[CronJobAppCore]] = CronJobAppCore
    core: CronJobAppCore

    def __init__(self, scope: Construct, id: str, **props: Unpack[CronJobAppKwargs]) -> None:
        super().__init__(scope, id, **props)
