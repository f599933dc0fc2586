"""Node agents and scheduled jobs: DaemonApp (DaemonSet) and CronJobApp (CronJob)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from blueprints._lazy import LazyPattern
from blueprints.core.names import check_name
from blueprints.core.workload import Manifest, Workload, WorkloadProps
from blueprints.errors import ConfigError, Problem

__all__ = ["CronJobAppCore", "CronJobAppProps", "DaemonAppCore", "DaemonAppProps"]

_CRON_FIELD = r"(\*|\?|[0-9A-Za-z]+(-[0-9A-Za-z]+)?)(/[0-9]+)?(,(\*|[0-9A-Za-z]+(-[0-9A-Za-z]+)?)(/[0-9]+)?)*"
_CRON = LazyPattern(rf"{_CRON_FIELD}(\s+{_CRON_FIELD}){{4}}")
_MACROS = frozenset({"@yearly", "@annually", "@monthly", "@weekly", "@daily", "@midnight",
                     "@hourly"})


@dataclass(frozen=True, kw_only=True, slots=True)
class DaemonAppProps(WorkloadProps):
    """Props of a :class:`~blueprints.DaemonApp`, a node agent: one pod per node.

    hostPath volumes belong here (read-only and typed, BP013). See :class:`WorkloadProps`.
    """


class DaemonAppCore(Workload):
    """The pure rendering of a :class:`~blueprints.DaemonApp`."""

    role: ClassVar[str] = "agent"
    serves: ClassVar[bool] = False
    node_agent: ClassVar[bool] = True
    props: DaemonAppProps

    def render(self) -> list[Manifest]:
        daemon_set = {
            "apiVersion": "apps/v1",
            "kind": "DaemonSet",
            "metadata": self.metadata(self.id),
            "spec": {
                "selector": {"matchLabels": dict(self.selector)},
                "template": self.pod_template(),
                "updateStrategy": {"type": "RollingUpdate",
                                   "rollingUpdate": {"maxUnavailable": 1}},
            },
        }
        return [*self.claims(), daemon_set, self.network_policy()]


@dataclass(frozen=True, kw_only=True, slots=True)
class CronJobAppProps(WorkloadProps):
    """Props of a :class:`~blueprints.CronJobApp`; see :class:`WorkloadProps` too.

    Attributes:
        schedule: A five-field cron expression or a macro such as ``@hourly``. Required.
        time_zone: An IANA time zone, e.g. ``Europe/Berlin``. Default: the controller's.
        concurrency_policy: ``Forbid`` (default), ``Replace`` or ``Allow``.
        starting_deadline_seconds: How late a missed run may still start. Default 300.
        backoff_limit: Retries of a failed run; bounded, 0 to 10. Default 3.
        active_deadline_seconds: A run's time limit. Default: none.
        successful_jobs_history_limit: Finished Jobs kept for inspection. Default 3.
        failed_jobs_history_limit: Failed Jobs kept for inspection. Default 1.
        restart_policy: ``OnFailure`` (default) or ``Never``.
        suspend: Create it suspended. Default False.
    """

    schedule: str
    time_zone: str | None = None
    concurrency_policy: str = "Forbid"
    starting_deadline_seconds: int = 300
    backoff_limit: int = 3
    active_deadline_seconds: int | None = None
    successful_jobs_history_limit: int = 3
    failed_jobs_history_limit: int = 1
    restart_policy: str = "OnFailure"
    suspend: bool = False


class CronJobAppCore(Workload):
    """The pure rendering of a :class:`~blueprints.CronJobApp`."""

    role: ClassVar[str] = "job"
    serves: ClassVar[bool] = False
    props: CronJobAppProps

    def _check(self) -> None:
        props, path = self.props, self.path
        check_name(self.id, component=path, field="id", kind="label", max_length=52)
        schedule = props.schedule.strip() if isinstance(props.schedule, str) else ""
        if not (schedule in _MACROS or _CRON.fullmatch(schedule)):
            raise ConfigError(Problem(path, "schedule", props.schedule,
                                      "not a cron schedule", 'e.g. "*/15 * * * *" or "@hourly"'))
        choices = {"concurrency_policy": ("Forbid", "Replace", "Allow"),
                   "restart_policy": ("OnFailure", "Never")}
        for name, allowed in choices.items():
            if getattr(props, name) not in allowed:
                raise ConfigError(Problem(path, name, getattr(props, name), "not allowed",
                                          f"use one of {', '.join(allowed)}"))
        bounds = {"backoff_limit": (0, 10), "starting_deadline_seconds": (1, 86400),
                  "successful_jobs_history_limit": (0, 100),
                  "failed_jobs_history_limit": (0, 100)}
        for name, (low, high) in bounds.items():
            value = getattr(props, name)
            if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
                raise ConfigError(Problem(path, name, value, f"must be {low} to {high}",
                                          "pass a whole number in that range"))
        deadline = props.active_deadline_seconds
        if deadline is not None and (isinstance(deadline, bool) or not isinstance(deadline, int)
                                     or deadline < 1):
            raise ConfigError(Problem(path, "active_deadline_seconds", deadline,
                                      "must be a positive number of seconds", "e.g. 3600"))

    def render(self) -> list[Manifest]:
        props = self.props
        job_spec: Manifest = {"backoffLimit": props.backoff_limit}
        if props.active_deadline_seconds is not None:
            job_spec["activeDeadlineSeconds"] = props.active_deadline_seconds
        job_spec["template"] = self.pod_template(restart_policy=props.restart_policy)
        spec: Manifest = {
            "schedule": props.schedule.strip(),
            "concurrencyPolicy": props.concurrency_policy,
            "startingDeadlineSeconds": props.starting_deadline_seconds,
            "successfulJobsHistoryLimit": props.successful_jobs_history_limit,
            "failedJobsHistoryLimit": props.failed_jobs_history_limit,
            "suspend": props.suspend,
            "jobTemplate": {"metadata": {"labels": dict(self.labels)}, "spec": job_spec},
        }
        if props.time_zone is not None:
            spec["timeZone"] = props.time_zone
        cron_job = {"apiVersion": "batch/v1", "kind": "CronJob",
                    "metadata": self.metadata(self.id), "spec": spec}
        return [*self.claims(), cron_job, self.network_policy()]
