"""The cdk8s shell: constructs that hand the core's manifests to cdk8s. Importing it starts Node."""

from __future__ import annotations

from blueprints._node import ensure_node

ensure_node()
