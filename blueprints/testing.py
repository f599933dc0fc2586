"""pytest plugin: snapshot releases as readable YAML, one file per snapshot.

Registered through the ``pytest11`` entry point, so it loads in every pytest run of the
environment: it imports nothing heavy and works without syrupy until its fixture is used.

    def test_shop(snapshot_yaml):
        app = App()
        shop = build_shop(app)
        assert snapshot_yaml == shop

Snapshots are stored as ``snapshots/<test module>/<test name>.yaml`` next to the test, written
by blueprint's own YAML writer (the bytes ``blueprint synth`` writes). Update them with
``pytest --snapshot-update`` and read the diff before committing it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import pytest

__all__ = ["snapshot_yaml", "to_yaml"]


def to_yaml(value: Any) -> str:
    """YAML text of a release (or any cdk8s Chart), a list of manifests, or a string."""
    from blueprints.release.writer import dump_documents

    if isinstance(value, str):
        return value
    if hasattr(value, "manifests"):
        return dump_documents(value.manifests())
    if hasattr(value, "to_json"):
        return dump_documents([dict(m) for m in value.to_json()])
    if isinstance(value, Mapping):
        return dump_documents([value])
    if isinstance(value, Sequence):
        return dump_documents(value)
    raise TypeError(f"snapshot_yaml cannot serialize {type(value).__name__}")


@pytest.fixture
def snapshot_yaml(request: pytest.FixtureRequest) -> Any:
    """syrupy's ``snapshot``, storing each snapshot as one YAML file under ``snapshots/``."""
    try:
        import syrupy  # noqa: F401 - only checking that it is installed
    except ImportError:  # pragma: no cover - depends on the environment
        pytest.fail("the snapshot_yaml fixture needs syrupy: pip install 'blueprint-k8s[test]'",
                    pytrace=False)
    snapshot = request.getfixturevalue("snapshot")
    return snapshot.use_extension(_extension())


def _extension() -> type[Any]:
    from syrupy.extensions.single_file import SingleFileSnapshotExtension, WriteMode

    class YAMLSnapshotExtension(SingleFileSnapshotExtension):
        _write_mode = WriteMode.TEXT
        file_extension = "yaml"

        def serialize(self, data: Any, **kwargs: Any) -> str:
            return to_yaml(data)

        @classmethod
        def dirname(cls, *, test_location: Any) -> str:
            return str(Path(test_location.filepath).parent / "snapshots" / test_location.basename)

    return YAMLSnapshotExtension
