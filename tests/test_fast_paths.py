"""The fast paths of synth and lint give the answers of the slow ones.

Each shortcut (kind-filtered rules, no copies of well-typed manifests, one Pod Security
evaluation per pod in a synth) is checked against the work it skips: same findings, same
output, and the slow path still taken when a shortcut does not apply.
"""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest
import yaml

from blueprints.core.release import ReleaseContext
from blueprints.core.web_app import WebAppCore, WebAppProps
from blueprints.errors import ValidationError
from blueprints.kube import DEFAULT
from blueprints.release.synth import synthesize
from blueprints.rules import RULES, Context, check, pod_security
from blueprints.rules._objects import readable
from blueprints.rules._registry import Rule
from tests.conftest import ROOT

RELEASE = ReleaseContext(name="shop", namespace="shop", part_of="shop")


def _web_app() -> list[dict[str, Any]]:
    return WebAppCore("web", WebAppProps(image="nginx:1.27.3"), RELEASE).render()


def _every_rule_on_every_object(manifests: list[dict[str, Any]],
                                context: Context) -> list[tuple[int, str, str, object]]:
    """What the rules find when every object rule sees every object (no kind filter)."""
    found = []
    saved = {key: list(rules) for key, rules in RULES.items()}
    try:
        for key, rules in RULES.items():
            RULES[key] = [Rule(r.id, r.name, r.object_check, r.set_check, False, None)
                          for r in rules]
        found = [(f.index, f.rule, f.field, f.value) for f in check(manifests, context=context)]
    finally:
        RULES.clear()
        RULES.update(saved)
    return found


@pytest.mark.parametrize("mode", ["build", "lint"])
def test_kind_filters_skip_only_objects_with_nothing_to_report(mode: str) -> None:
    manifests: list[dict[str, Any]] = [*_web_app()]
    for path in sorted((ROOT / "tests" / "lint_corpus").rglob("*.yaml")):
        try:
            manifests += [d for d in yaml.safe_load_all(path.read_text()) if d is not None]
        except yaml.YAMLError:
            continue  # the corpus holds unreadable files on purpose
    # Objects of the filtered kinds that break their rules, and kinds that carry none.
    manifests += [
        {"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "s", "namespace": "shop"},
         "stringData": {"password": "hunter2"}},
        {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "c", "namespace": "shop"},
         "data": {"id_rsa": "-----BEGIN RSA PRIVATE KEY-----\nMIIE\n"}},
        {"apiVersion": "extensions/v1beta1", "kind": "Ingress",
         "metadata": {"name": "i", "namespace": "shop"}, "spec": {}},
        {"apiVersion": "apps/v1", "kind": "StatefulSet",
         "metadata": {"name": "db", "namespace": "shop"},
         "spec": {"replicas": 3, "serviceName": "nowhere",
                  "template": {"spec": {"containers": [{"name": "db", "image": "pg:16.1"}]}}}},
        {"apiVersion": "argoproj.io/v1alpha1", "kind": "Rollout",
         "metadata": {"name": "r", "namespace": "shop"},
         "spec": {"template": {"spec": {"containers": [
             {"name": "r", "image": "r:1.0",
              "env": [{"name": "API_TOKEN", "value": "ghp_" + "abcdefghij" * 3 + "012345"}]}]}}}},
    ]
    context = Context(mode=mode)  # type: ignore[arg-type]
    fast = [(f.index, f.rule, f.field, f.value) for f in check(manifests, context=context)]
    assert fast == _every_rule_on_every_object(manifests, context)
    found = {rule for _, rule, _, _ in fast}
    assert {"BP007", "BP011", "BP025", "BP044"} <= found  # the filtered rules still report


def test_a_kind_filtered_rule_is_not_called_for_other_kinds() -> None:
    seen: list[object] = []
    rule = next(r for r in RULES["BP042"] if r.kinds)
    assert rule.kinds == {"NetworkPolicy"}
    original = rule.object_check
    assert original is not None
    RULES["BP042"] = [r if r is not rule else Rule(
        r.id, r.name, lambda m, c: seen.append(m["kind"]) or original(m, c), None, False,
        r.kinds) for r in RULES["BP042"]]
    try:
        check(_web_app(), select=["BP042"])
    finally:
        RULES["BP042"] = [rule if r.name == rule.name else r for r in RULES["BP042"]]
    assert seen == ["NetworkPolicy"]


def test_well_typed_manifests_are_read_without_copies() -> None:
    manifest = _web_app()[0]
    assert readable(manifest) is manifest
    broken = copy.deepcopy(manifest)
    broken["metadata"]["labels"] = ["not", "a", "mapping"]
    seen = readable(broken)
    assert seen is not broken and "labels" not in seen["metadata"]
    assert broken["metadata"]["labels"] == ["not", "a", "mapping"]  # the input stays as it was


@pytest.fixture
def evaluated(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """One entry per Pod Security evaluation (a memory hit adds none)."""
    counted: list[int] = []
    original = pod_security._Pod.__init__

    def counting(self: Any, *args: Any) -> None:
        counted.append(1)
        original(self, *args)

    monkeypatch.setattr(pod_security._Pod, "__init__", counting)
    return counted


def test_pod_security_is_evaluated_once_per_pod_in_a_yaml_synth(
    tmp_path: Path, evaluated: list[int]
) -> None:
    (tmp_path / "blueprint.yaml").write_text(
        "apiVersion: blueprint.dev/v1\nrelease: shop\ncomponents:\n"
        "  - {kind: WebApp, name: web, image: 'nginx:1.27.3'}\n"
        "  - {kind: WebApp, name: api, image: 'nginx:1.27.3', replicas: 3}\n")
    expected = synthesize(tmp_path, kube_version=DEFAULT)
    evaluated.clear()
    result = synthesize(tmp_path, kube_version=DEFAULT)
    assert result.files == expected.files
    assert len(evaluated) == 2  # the Namespace's level and BP041 share one evaluation per pod
    assert pod_security._REMEMBERED is None  # and the memory ends with the synth


def test_pod_security_is_evaluated_once_per_pod_in_a_python_synth(
    tmp_path: Path, evaluated: list[int]
) -> None:
    """The blueprint's own code evaluates afresh (it may change what it rendered); synth's
    rendering and rules share one evaluation per pod."""
    (tmp_path / "blueprint.py").write_text(
        "from blueprints import App, Release, WebApp\n"
        "from blueprints.rules import pod_security\n"
        "app = App()\nshop = Release(app, 'shop')\n"
        "WebApp(shop, 'web', image='nginx:1.27.3')\n"
        "api = WebApp(shop, 'api', image='nginx:1.27.3', replicas=3)\n"
        "shop.manifests()\n"
        "assert pod_security._REMEMBERED is None\n"
        "from cdk8s import JsonPatch\n"
        "api.api_object('Deployment').add_json_patch(\n"
        "    JsonPatch.add('/spec/template/spec/hostNetwork', True))\n"
        "app.synth()\n")
    with pytest.raises(ValidationError) as raised:  # BP041: the patched pod, not the rendered
        synthesize(tmp_path, kube_version=DEFAULT)
    assert "hostNetwork" in str(raised.value)
    # The blueprint's manifests() (its level, then its rules), then synth's one per pod.
    assert len(evaluated) == 2 + 2 + 2
    assert pod_security._REMEMBERED is None


def test_remembered_evaluation_is_for_the_same_objects_only() -> None:
    spec = _web_app()[0]["spec"]["template"]["spec"]
    with pod_security.remembering():
        assert pod_security.evaluate(spec, {}, DEFAULT) == []
        changed = copy.deepcopy(spec)
        changed["hostNetwork"] = True
        assert [v.control for v in pod_security.evaluate(changed, {}, DEFAULT)] == [
            "Host Namespaces"]
        found = pod_security.evaluate(spec, {}, DEFAULT)
        found.append(found[0] if found else None)  # type: ignore[arg-type]
        assert pod_security.evaluate(spec, {}, DEFAULT) == []  # a caller's change stays its own


def test_lazy_patterns_answer_as_re_does_and_compile_on_first_use() -> None:
    import re

    from blueprints._lazy import LazyPattern

    lazy = LazyPattern(r"(\w+)=(\d+)", re.ASCII)
    assert lazy._compiled is None
    text = "a=1 b=22 c=x"
    plain = re.compile(r"(\w+)=(\d+)", re.ASCII)
    assert lazy.search(text)[0] == plain.search(text)[0]  # type: ignore[index]
    assert lazy.findall(text) == plain.findall(text)
    assert [m.span() for m in lazy.finditer(text)] == [m.span() for m in plain.finditer(text)]
    assert lazy.fullmatch("a=1") is not None and lazy.fullmatch("a=1 ") is None
    assert lazy.match(" a=1") is None
    assert lazy._compiled is not None


def test_the_cold_patterns_are_not_compiled_when_a_command_starts() -> None:
    import subprocess
    import sys

    code = ("import blueprints.cli.main, blueprints.release.synth, blueprints.yaml.blueprint, "
            "blueprints.rules\n"
            "from blueprints.core import jobs, secrets\n"
            "from blueprints.rules import lifecycle\n"
            "print(jobs._CRON._compiled, secrets._ASSIGNMENT._compiled, "
            "lifecycle._SLEEP._compiled)")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          check=True)
    assert done.stdout.split() == ["None", "None", "None"]


@pytest.mark.parametrize("mode", ["build", "lint"])
def test_without_info_findings_the_others_are_the_same(mode: str) -> None:
    manifests = [*_web_app(), {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p"},
                               "spec": {"containers": [{"name": "c", "image": "nginx:latest"}]}}]
    context = Context(mode=mode)  # type: ignore[arg-type]
    every = check(manifests, context=context)
    assert any(f.severity == "info" for f in every)
    assert check(manifests, context=context, info=False) == [
        f for f in every if f.severity != "info"]


def test_synth_reports_the_same_warnings_without_making_info_findings(tmp_path: Path) -> None:
    from blueprints.rules import raise_errors

    (tmp_path / "blueprint.yaml").write_text(
        "apiVersion: blueprint.dev/v1\nrelease: shop\ncomponents:\n"
        "  - {kind: WebApp, name: web, image: 'nginx:1.27.3', allowFrom: [anywhere]}\n")
    result = synthesize(tmp_path, kube_version=DEFAULT)
    manifests = [m for text in result.files.values() for m in yaml.safe_load_all(text)]
    every = raise_errors(manifests, DEFAULT)
    assert raise_errors(manifests, DEFAULT, info=False) == [
        f for f in every if f.severity != "info"]
    assert [f.line() for f in result.warnings] == [
        f.line() for f in every if f.severity == "warning"]


def test_a_shared_index_is_for_the_object_it_was_built_over() -> None:
    from blueprints.rules._objects import memo, shared

    built: list[int] = []
    with memo():
        for size in (1, 2, 3):  # short-lived lists, whose ids Python may reuse
            items = list(range(size))

            def count(items: list[int] = items) -> int:
                built.append(len(items))
                return len(items)

            assert shared("sizes", items, count) == size
        kept = [7]
        assert shared("sizes", kept, lambda: 1) == 1
        assert shared("sizes", kept, lambda: 2) == 1  # the same object: found once
    assert built == [1, 2, 3]


def test_the_light_sha256_is_sha256() -> None:
    import hashlib

    from blueprints._digest import sha256

    for data in (b"", b"shop.shop.Secret.", bytes(range(256)) * 300):
        assert sha256(data) == hashlib.sha256(data).digest()


@pytest.mark.parametrize("ports", [[8080], [9090, 8080, 9090], [], [443, 80, 8443]])
def test_the_release_ingress_is_what_the_rules_render(ports: list[int]) -> None:
    from blueprints.core.workload import _Rules, release_ingress

    rules = _Rules()
    rules.admit({"podSelector": {"matchLabels": {"app.kubernetes.io/instance": "shop"}}}, ports)
    assert release_ingress("shop", ports) == (rules.render("from") if ports else [])


# jsii's argument checks (blueprints.cdk._type_checks): the fast path says yes only where
# typeguard, the check it stands in front of, says yes too.

def _jsii_objects() -> list[object]:
    import cdk8s
    import constructs

    import blueprints.cdk  # noqa: F401 - installs the fast path

    app = cdk8s.App()
    chart = cdk8s.Chart(app, "chart")
    return [app, chart, constructs.Construct(chart, "plain"),
            cdk8s.ApiObject(chart, "object", api_version="v1", kind="ConfigMap")]


def _type_strategy() -> Any:
    import typing

    import cdk8s
    import constructs
    from hypothesis import strategies as st

    leaves = st.sampled_from([str, int, float, bool, bytes, tuple, type(None), typing.Any,
                              constructs.Construct, constructs.IConstruct, cdk8s.Chart,
                              cdk8s.App, cdk8s.ApiObject, cdk8s.IResolver,
                              typing.Dict, typing.List,  # noqa: UP006 - bare generics, on purpose
                              typing.Mapping, typing.Sequence])
    return st.recursive(leaves, lambda inner: st.one_of(
        inner.map(lambda t: typing.Optional[t]),  # noqa: UP045 - what jsii's stubs resolve to
        st.tuples(inner, inner).map(lambda ts: typing.Union[ts]),  # noqa: UP007
        st.tuples(inner, inner).map(lambda kv: typing.Mapping[kv]),
        st.tuples(inner, inner).map(lambda kv: typing.Dict[kv]),  # noqa: UP006
        inner.map(lambda t: typing.Sequence[t]),
        inner.map(lambda t: typing.List[t]),  # noqa: UP006
        inner.map(lambda t: typing.Tuple[t, ...]),  # noqa: UP006
    ), max_leaves=6)


def _value_strategy(objects: list[object]) -> Any:
    from hypothesis import strategies as st

    leaves = st.one_of(st.text(max_size=3), st.integers(), st.floats(), st.booleans(),
                       st.none(), st.binary(max_size=2), st.sampled_from(objects))
    return st.recursive(leaves, lambda inner: st.one_of(
        st.lists(inner, max_size=3), st.tuples(inner, inner),
        st.dictionaries(st.one_of(st.text(max_size=2), st.integers()), inner, max_size=3),
    ), max_leaves=8)


def test_the_jsii_fast_path_accepts_only_what_typeguard_accepts() -> None:
    import typeguard
    from hypothesis import given, settings

    from blueprints.cdk._type_checks import certain

    objects = _jsii_objects()
    seen = {True: 0, False: 0}

    @settings(max_examples=1500)
    @given(value=_value_strategy(objects), expected=_type_strategy())
    def agree(value: object, expected: Any) -> None:
        sure = certain(value, expected)
        seen[sure] += 1
        if sure:
            typeguard.check_type("argument", value, expected)  # raises if it disagrees

    agree()
    assert seen[True] > 50 and seen[False] > 50, seen  # both answers were exercised


def test_the_jsii_fast_path_answers_what_blueprint_passes() -> None:
    import typing

    import cdk8s
    import constructs

    from blueprints.cdk._type_checks import certain

    app, chart, plain, _ = _jsii_objects()
    # The arguments of blueprint's own calls into cdk8s (seen in a synth of 100 WebApps).
    for value, expected in [
            ("web", str), (chart, constructs.Construct), (app, constructs.Construct),
            (None, typing.Optional[str]), (None, typing.Optional[bool]),  # noqa: UP045
            (None, typing.Optional[typing.Sequence[cdk8s.IResolver]]),  # noqa: UP045
            (True, typing.Optional[bool]), ("shop", typing.Optional[str]),  # noqa: UP045
            ({"a": "b"}, typing.Optional[typing.Mapping[str, str]])]:  # noqa: UP045
        assert certain(value, expected), (value, expected)
    # Where the answer is no, or needs more than isinstance, typeguard decides.
    for value, expected in [
            (5, str), (True, int), (app, cdk8s.Chart), (plain, cdk8s.ApiObject),
            ({"a": 1}, typing.Mapping[str, str]), (("a",), typing.Sequence[str]),
            (chart, constructs.IConstruct), ([1, "a"], typing.List[int]), (1, float),  # noqa: UP006
            ({}, typing.Dict), ([], typing.List), ({}, typing.Mapping)]:  # noqa: UP006
        assert not certain(value, expected), (value, expected)


def test_a_wrong_argument_to_cdk8s_still_fails_with_typeguards_message() -> None:
    import cdk8s

    app = _jsii_objects()[0]
    with pytest.raises(TypeError, match=r"^type of argument id must be str; got int instead$"):
        cdk8s.Chart(app, 5)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match=r"^type of argument namespace must be one of \(str, "
                       r"NoneType\); got int instead$"):
        cdk8s.Chart(app, "placed", namespace=5)  # type: ignore[arg-type]


def test_a_synth_of_every_example_never_needs_typeguard() -> None:
    """The fast path answers every check of every example's synth: typeguard (and the
    ``unittest`` package it imports) is never loaded."""
    code = ("import sys\nfrom pathlib import Path\n"
            "from blueprints.kube import DEFAULT\n"
            "from blueprints.release.synth import synthesize\n"
            f"for p in sorted(Path({str(ROOT / 'examples')!r}).iterdir()):\n"
            "    if (p / 'blueprint.py').is_file():\n"
            "        synthesize(p, kube_version=DEFAULT)\n"
            "        print(p.name, 'typeguard' in sys.modules)\n")
    import subprocess
    import sys

    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          check=True, timeout=300)
    lines = done.stdout.splitlines()
    assert len(lines) >= 10, done.stdout
    assert all(line.endswith(" False") for line in lines), done.stdout
