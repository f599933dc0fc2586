"""ApplySet parents (KEP-3659) as kubectl computes and checks them.

The formulas are written out here from kubectl's own code, ``staging/src/k8s.io/kubectl/pkg/
cmd/apply/applyset.go`` in kubernetes/kubernetes (``ApplySet.ID``, ``generateKindsAnnotation``,
``generateNamespacesAnnotation``, ``fetchParent``, ``AddLabels``), not taken from the module.
"""

from __future__ import annotations

import base64
import hashlib
from pathlib import Path
from typing import Any

from blueprints.kube import DEFAULT
from blueprints.release.applyset import (
    ADDITIONAL_NAMESPACES,
    CONTAINS_GROUP_KINDS,
    ID_LABEL,
    PART_OF_LABEL,
    applyset_id,
)
from blueprints.release.synth import synthesize
from tests.conftest import EXAMPLES, assert_valid, load_all


def kubectl_id(name: str, namespace: str, kind: str, group: str) -> str:
    """``ApplySet.ID``: strings.Join(name, namespace, kind, group; ".") -> sha256 ->
    base64.RawURLEncoding -> fmt.Sprintf("applyset-%s-v1", ...)."""
    unencoded = f"{name}.{namespace}.{kind}.{group}"
    b64 = base64.urlsafe_b64encode(hashlib.sha256(unencoded.encode()).digest()).decode()
    return "applyset-" + b64.replace("=", "") + "-v1"


def objects(path: Path) -> list[dict[str, Any]]:
    result = synthesize(path, kube_version=DEFAULT)
    return [doc for text in result.files.values() for doc in load_all(text)]


class TestId:
    def test_kubectl_test_vector(self) -> None:
        # kubectl's applyset test: parent test-foo in test-ns of kind Foo in group foo.bar.
        expected = "applyset-f9Rk5tKHoB72oV1tU2iFKxDwL8MBZTjMHFQ8V9WNNlA-v1"
        assert expected == kubectl_id("test-foo", "test-ns", "Foo", "foo.bar")
        assert expected == applyset_id("test-foo", "test-ns", "Foo", "foo.bar")

    def test_configmap_parent_has_empty_core_group(self) -> None:
        # The core group is "", so the hashed string ends in "ConfigMap." (a trailing dot).
        assert kubectl_id("shop-applyset", "shop", "ConfigMap", "") == applyset_id(
            "shop-applyset", "shop")

    def test_label_value_limits(self) -> None:
        value = applyset_id("a" * 253, "b" * 63)
        assert len(value) <= 63 and value[0].isalnum() and value[-1].isalnum()


class TestParent:
    def test_one_parent_per_release_that_kubectl_accepts(self) -> None:
        docs = objects(EXAMPLES / "nginx")
        parents = [d for d in docs if ID_LABEL in d["metadata"].get("labels", {})]
        assert len(parents) == 1
        parent = parents[0]
        meta = parent["metadata"]
        assert (parent["apiVersion"], parent["kind"], meta["name"], meta["namespace"]) == (
            "v1", "ConfigMap", "nginx-applyset", "nginx")
        assert meta["labels"][ID_LABEL] == kubectl_id("nginx-applyset", "nginx", "ConfigMap", "")
        # kubectl's generateKindsAnnotation: GroupKind.String() of every input object (the
        # parent included), sorted, comma-joined.
        kinds = sorted({(d["kind"] + "." + d["apiVersion"].split("/")[0]) if "/" in d["apiVersion"]
                        else d["kind"] for d in docs})
        assert meta["annotations"][CONTAINS_GROUP_KINDS] == ",".join(kinds)
        assert "ConfigMap" in kinds and "StatefulSet.apps" in kinds
        assert ADDITIONAL_NAMESPACES not in meta["annotations"]  # one namespace only
        assert_valid([parent])

    def test_members_carry_no_part_of_label(self) -> None:
        # kubectl's AddLabels refuses input that already has it ("ApplySet label ... already
        # set in input data"): kubectl stamps it itself on apply.
        for doc in objects(EXAMPLES / "nginx"):
            assert PART_OF_LABEL not in doc["metadata"].get("labels", {})

    def test_every_example_is_valid_with_its_parent(self) -> None:
        for name in ("logging", "myapp"):
            docs = objects(EXAMPLES / name)
            assert sum(ID_LABEL in d["metadata"]["labels"] for d in docs) == 1
            assert_valid(docs)

    def test_release_spanning_namespaces_lists_the_others(self, tmp_path: Path) -> None:
        (tmp_path / "blueprint.py").write_text(
            "from blueprints import App, Release, WebApp\nimport cdk8s\n"
            "app = App()\nshop = Release(app, 'shop', version='1.0.0')\n"
            "WebApp(shop, 'web', image='nginx:1.27.3')\n"
            "for ns in ('zeta', 'alpha'):\n"
            "    cdk8s.ApiObject(shop, f'cm-{ns}', api_version='v1', kind='ConfigMap',\n"
            "        metadata={'name': f'extra-{ns}', 'namespace': ns, 'labels': {\n"
            "            'app.kubernetes.io/name': 'extra', 'app.kubernetes.io/version': '1',\n"
            "            'app.kubernetes.io/component': 'config',\n"
            "            'app.kubernetes.io/managed-by': 'blueprint'}})\n"
            "app.synth()\n")
        docs = objects(tmp_path)
        parent = next(d for d in docs if ID_LABEL in d["metadata"]["labels"])
        # generateNamespacesAnnotation: every member's namespace but the parent's, sorted.
        assert parent["metadata"]["annotations"][ADDITIONAL_NAMESPACES] == "alpha,zeta"

    def test_python_and_yaml_paths_give_the_same_parent(self) -> None:
        python = objects(EXAMPLES / "kubia")
        twin = objects(EXAMPLES / "yaml" / "kubia")
        assert [d for d in python if d["kind"] == "ConfigMap"] == [
            d for d in twin if d["kind"] == "ConfigMap"]
