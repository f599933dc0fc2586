"""CronJobApp: a CronJob with a bounded, non-overlapping Job."""

from __future__ import annotations

from typing import ClassVar

from blueprints.cdk._component import Component
from blueprints.core.jobs import CronJobAppCore, CronJobAppProps

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
