"""BP001 (pinned images) and BP002 (pull policy follows the tag)."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from blueprints.core.image import ImageRef, default_pull_policy, parse_image
from blueprints.core.labels import MANAGED_BY
from blueprints.errors import ConfigError
from blueprints.practices import Severity
from blueprints.rules._objects import containers, labels_of
from blueprints.rules._registry import Context, Violation, object_rule

__all__ = ["image_is_pinned", "images_are_small_and_live", "pull_policy_follows_tag"]


def _images(
    manifest: Mapping[str, Any],
) -> Iterator[tuple[str, Mapping[str, Any], object, ImageRef | None, bool]]:
    """Each container with its image, the parsed reference (``None`` when there is none or it
    is invalid) and whether the text is a valid reference."""
    for path, container, _ in containers(manifest):
        image = container.get("image")
        try:
            yield path, container, image, parse_image(image) if isinstance(
                image, str) else None, True
        except ConfigError:
            yield path, container, image, None, False


@object_rule("BP001", pods_only=True)
def image_is_pinned(manifest: Mapping[str, Any], context: Context) -> Iterator[Violation]:
    """Every container image names a version: a digest, or a tag that holds a digit and is not
    a well-known moving tag (``latest``, ``alpine``, ``stable``, ...)."""
    for path, _, image, ref, valid in _images(manifest):
        if not valid:
            yield Violation(f"{path}.image", image, "not a valid image reference",
                            "write registry/repository:tag or @sha256:digest")
        elif ref is None:
            yield Violation(f"{path}.image", image, "no image", "name a pinned image")
        elif not ref.pinned:
            yield Violation(f"{path}.image", image,
                            f"{ref.moving_reason}: replicas would run different code",
                            "pin a version tag such as :1.27.3 or a digest")


@object_rule("BP002", pods_only=True)
def pull_policy_follows_tag(manifest: Mapping[str, Any], context: Context) -> Iterator[Violation]:
    """``Always`` only for mutable tags; a missing policy is read as the API server defaults it."""
    managed = labels_of(manifest).get("app.kubernetes.io/managed-by") == MANAGED_BY
    for path, container, _, ref, _ in _images(manifest):
        if ref is None:
            continue  # BP001 reports it
        policy = container.get("imagePullPolicy")
        if policy is None:
            policy = default_pull_policy(ref)
        if not ref.pinned and policy != "Always":
            yield Violation(f"{path}.imagePullPolicy", policy,
                            "a mutable tag without Always runs whatever the node cached",
                            "pin the image, or set imagePullPolicy: Always")
        elif policy == "Always" and (ref.digest is not None or (ref.pinned and managed)):
            yield Violation(f"{path}.imagePullPolicy", policy,
                            "Always on a pinned image slows pod start and stops pods starting "
                            "when the registry is down", "use IfNotPresent")


# Official images whose default variants carry a whole distribution (BP030).
_HEAVY = frozenset({"library/ubuntu", "library/debian", "library/centos", "library/fedora",
                    "library/amazonlinux", "library/node", "library/python", "library/golang",
                    "library/openjdk", "library/ruby", "library/php", "library/perl"})
_SMALL_VARIANTS = ("slim", "alpine", "distroless", "minimal", "micro")


@object_rule("BP030", pods_only=True)
def images_are_small_and_live(manifest: Mapping[str, Any], context: Context) -> Iterator[Violation]:
    """Images are small, and come from registries that still serve updates."""
    for path, _, image, ref, _ in _images(manifest):
        if ref is None:
            continue
        if ref.registry == "k8s.gcr.io":
            yield Violation(f"{path}.image", image, "k8s.gcr.io is frozen: it gets no new images",
                            "pull from registry.k8s.io", Severity.WARNING)
        elif ref.repository in _HEAVY and not any(v in (ref.tag or "") for v in _SMALL_VARIANTS):
            yield Violation(f"{path}.image", image,
                            "a full distribution image: slow to pull, large to patch",
                            "use a slim, alpine or distroless variant")
