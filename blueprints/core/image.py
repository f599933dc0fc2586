"""Container image references (BP001, BP002), parsed by the grammar of the OCI distribution spec."""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass

from blueprints.errors import ConfigError, Problem

__all__ = ["MOVING_TAGS", "ImageRef", "default_pull_policy", "parse_image", "pull_policy"]

#: Well-known tags that move to a new build without changing their name (BP001). Any tag
#: without a digit moves too; these are named so that the message can say so.
MOVING_TAGS = frozenset({
    "latest", "stable", "edge", "mainline", "alpine", "slim", "lts", "main", "master",
    "nightly", "current", "develop", "dev", "devel", "next", "beta", "canary", "release",
    "rolling", "testing", "unstable", "trunk", "head", "bookworm", "bullseye", "jammy", "noble",
})

_DOMAIN_PART = r"(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])"
_DOMAIN = rf"(?:{_DOMAIN_PART}(?:\.{_DOMAIN_PART})*(?::[0-9]+)?)"
_PATH_PART = r"[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*"
_REFERENCE = re.compile(
    rf"(?:(?P<domain>{_DOMAIN})/)?(?P<path>{_PATH_PART}(?:/{_PATH_PART})*)"
    r"(?::(?P<tag>[\w][\w.-]{0,127}))?"
    r"(?:@(?P<digest>[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*:[0-9a-fA-F]{32,}))?"
)


@dataclass(frozen=True, slots=True)
class ImageRef:
    """A parsed image reference.

    Attributes:
        registry: The registry host (``docker.io`` when the reference names none).
        repository: The repository path, for example ``library/nginx`` or ``luksa/kubia``.
        tag: The tag, or ``None``.
        digest: The digest (``sha256:...``), or ``None``.
        text: The reference exactly as written.
    """

    registry: str
    repository: str
    tag: str | None
    digest: str | None
    text: str

    @property
    def pinned(self) -> bool:
        """True when the reference names a digest, or a tag that names a version (BP001): one
        that holds a digit and is not a well-known moving tag (``redis:alpine`` moves)."""
        return self.digest is not None or (self.tag is not None and _names_version(self.tag))

    @property
    def moving_reason(self) -> str | None:
        """Why the reference is not pinned (``None`` when it is): for BP001's messages."""
        if self.pinned:
            return None
        if self.tag is None:
            return "no tag (the runtime pulls latest)"
        if self.tag.lower() in MOVING_TAGS:
            return f"{self.tag!r} is a moving tag"
        return f"the tag {self.tag!r} names no version (no digit)"

    @property
    def version(self) -> str:
        """A label-safe application version: the tag, else ``sha256-<12 hex>`` of the digest."""
        if self.tag is not None:
            return self.tag
        if self.digest is not None:
            algorithm, _, hex_digest = self.digest.partition(":")
            return f"{algorithm}-{hex_digest[:12]}"
        return "latest"


# Valid references already parsed, by text: a release repeats a few images in every object and
# every rule. Bounded, so that linting a huge corpus cannot grow it without end.
_PARSED: dict[str, ImageRef] = {}
_PARSED_MAX = 4096


def parse_image(text: str, *, component: str = "image", field: str = "image") -> ImageRef:
    """Parse an image reference; refuse one that breaks the reference grammar.

    Whether the reference is pinned (BP001) is the caller's decision: see :attr:`ImageRef.pinned`.

    Raises:
        ConfigError: ``text`` is not a valid image reference.
    """
    cached = _PARSED.get(text) if isinstance(text, str) else None
    if cached is not None:
        return cached
    match = _REFERENCE.fullmatch(text) if isinstance(text, str) else None
    if match is None or len(match["path"]) + len(match["domain"] or "") > 255:
        raise ConfigError(
            Problem(
                component,
                field,
                text,
                "not a valid image reference (registry/repository:tag or @sha256:digest, "
                "lowercase repository)",
                'write it like "nginxinc/nginx-unprivileged:1.27.3"',
                "BP001",
            )
        )
    domain, path = match["domain"], match["path"]
    if domain is not None and not ("." in domain or ":" in domain or domain == "localhost"):
        # "luksa/kubia": the first part is a Docker Hub namespace, not a registry host.
        path, domain = f"{domain}/{path}", None
        if not re.fullmatch(_PATH_PART + r"(?:/" + _PATH_PART + r")*", path):
            raise ConfigError(
                Problem(component, field, text, "repository names are lowercase",
                        "write the repository in lowercase", "BP001")
            )
    if domain is None:
        domain = "docker.io"
        if "/" not in path:
            path = f"library/{path}"
    parsed = ImageRef(domain, path, match["tag"], match["digest"], text)
    if len(_PARSED) < _PARSED_MAX:
        _PARSED[text] = parsed
    return parsed


def default_pull_policy(image: ImageRef) -> str:
    """The policy the API server gives a container that names none.

    ``SetDefaults_Container`` (kubernetes ``pkg/apis/core/v1/defaults.go``) takes the tag from
    ``parsers.ParseImageName``, which returns ``latest`` only when the reference names neither a
    tag nor a digest: ``Always`` for ``:latest`` or a bare name, ``IfNotPresent`` otherwise, a
    digest-only reference included.
    """
    return "Always" if image.tag == "latest" or (image.tag is None and image.digest is None) \
        else "IfNotPresent"


def pull_policy(image: ImageRef) -> str:
    """The pull policy that follows the tag (BP002): ``Always`` only for a mutable reference."""
    return "IfNotPresent" if image.pinned else "Always"


@functools.lru_cache(maxsize=4096)  # a release repeats its few tags in every rule
def _names_version(tag: str) -> bool:
    return any(c.isdigit() for c in tag) and tag.lower() not in MOVING_TAGS
