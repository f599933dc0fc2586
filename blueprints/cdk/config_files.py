"""ConfigFiles: a ConfigMap written by blueprint, mounted as files."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

from constructs import Construct

from blueprints.cdk.release import Release
from blueprints.core.config_files import ConfigFilesCore
from blueprints.core.volumes import Volume
from blueprints.errors import ConfigError, Problem

__all__ = ["ConfigFiles"]


class ConfigFiles(Construct):
    """Configuration files as a ConfigMap of the release.

    ``conf = ConfigFiles(release, "nginx-conf", data={"default.conf": text})``, then mount
    ``conf.volume()``. The pod template of every component that mounts it carries a hash of
    the content, so a change of the files rolls the pods.

    Args:
        scope: A :class:`Release`.
        id: The ConfigMap's name.
        data: File name to text. Required; at most 1 MiB in all.
        description: A ``blueprint.dev/description`` annotation.
        not_secret: Files that look like credentials but are not, each with the reason
            (BP044), e.g. ``{"demo.key": "a throwaway key for the local demo"}``. Default none.
    """

    def __init__(self, scope: Construct, id: str, *, data: Mapping[str, str],
                 description: str | None = None,
                 not_secret: Mapping[str, str] | None = None) -> None:
        if not isinstance(scope, Release):
            raise ConfigError(Problem(id, "scope", type(scope).__name__,
                                      "ConfigFiles belong to a Release", "create it in one"))
        self.core = ConfigFilesCore(id, data, scope.context, description=description,
                                    not_secret=not_secret)
        scope._check_new_id(id)
        super().__init__(scope, id)
        self.escaped: dict[tuple[str, str], object] = {}  # plain data: no escape hatch
        scope._add(self, id)

    @classmethod
    def from_files(cls, scope: Construct, id: str, paths: Sequence[str | Path], *,
                   description: str | None = None) -> ConfigFiles:
        """ConfigFiles from text files, each under its file name (relative paths are read from
        the current directory, as ``blueprint synth`` runs the blueprint).

        Raises:
            ConfigError: A file is missing, not UTF-8 text, or two share a name.
        """
        data: dict[str, str] = {}
        for raw in paths:
            path = Path(raw)
            try:
                text = path.read_text(encoding="utf-8")
            except FileNotFoundError:
                raise ConfigError(Problem(id, "paths", str(raw), "no such file",
                                          "pass files that exist")) from None
            except (UnicodeDecodeError, IsADirectoryError) as error:
                raise ConfigError(Problem(id, "paths", str(raw), "not a UTF-8 text file",
                                          "mount binary data from a volume instead")) from error
            if path.name in data:
                raise ConfigError(Problem(id, "paths", str(raw), "two files share the name",
                                          "rename one"))
            data[path.name] = text
        return cls(scope, id, data=data, description=description)

    def volume(self, name: str | None = None, *, items: Mapping[str, str] | None = None,
               default_mode: int = 0o444) -> Volume:
        """The files as a read-only volume to mount."""
        return self.core.volume(name, items=items, default_mode=default_mode)
