"""The cdk8s shell: constructs that hand the core's manifests to cdk8s. Importing it starts Node."""

from __future__ import annotations

from blueprints._node import ensure_node
from blueprints.cdk._type_checks import install

ensure_node()
install()  # jsii's argument checks: typeguard only where the answer is not a plain yes
