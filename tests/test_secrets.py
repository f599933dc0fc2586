"""No secret value anywhere (BP044): not in the output, not on stderr, from any chart."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from blueprints.cli.main import app
from blueprints.core.secrets import credential_in_text, is_credential_file, is_credential_name
from blueprints.kube import DEFAULT
from blueprints.release.output import MARKER
from blueprints.release.schema import schema_problems
from blueprints.release.synth import synthesize
from blueprints.rules import check
from tests.conftest import load_all

runner = CliRunner()
SECRET = "hunter2-s3cr3t"
IMAGE = "nginxinc/nginx-unprivileged:1.27.3"
HEADER = ("import cdk8s\nfrom blueprints import App, ConfigFiles, Release, SecretKeyRef, WebApp\n"
          "app = App()\nshop = Release(app, 'shop')\n")
ALTERNATIVES = ("reference a Secret that exists in the cluster (secretKeyRef, envFrom, a secret "
                "volume), or write an ExternalSecret (external-secrets) or SealedSecret instead")


@pytest.fixture
def folder(tmp_path: Path) -> Callable[[str], Path]:
    """A blueprint folder whose dist/ already holds a previous output."""

    def make(body: str) -> Path:
        (tmp_path / "blueprint.py").write_text(HEADER + body + "app.synth()\n")
        (tmp_path / "dist").mkdir(exist_ok=True)
        (tmp_path / "dist" / "shop.k8s.yaml").write_text(f"{MARKER}previous\n")
        return tmp_path

    return make


def refused(path: Path) -> str:
    """Synth through the CLI: exit 1, one line on stderr, no secret anywhere, nothing written."""
    result = runner.invoke(app, ["synth", str(path), "--validate-schema"])
    assert result.exit_code == 1, result.output
    assert len(result.stderr.splitlines()) == 1, result.stderr
    assert SECRET not in result.output and SECRET not in result.stderr
    assert (path / "dist" / "shop.k8s.yaml").read_text() == f"{MARKER}previous\n"
    return result.stderr.strip()


class TestSecretObjects:
    def test_cdk8s_plus_secret_with_string_data(self, folder: Callable[[str], Path]) -> None:
        pytest.importorskip("cdk8s_plus_33")
        line = refused(folder(
            "import cdk8s_plus_33 as plus\n"
            f"plus.Secret(shop, 'db', string_data={{'password': {SECRET!r}}})\n"))
        assert line == ("error: Secret/shop-db: stringData=<redacted> (1 value): a Secret with "
                        "values: they would be in git and in every copy of the output (BP044); "
                        + ALTERNATIVES)

    def test_api_object_patched_with_string_data(self, folder: Callable[[str], Path]) -> None:
        line = refused(folder(
            "s = cdk8s.ApiObject(shop, 'db', api_version='v1', kind='Secret')\n"
            f"s.add_json_patch(cdk8s.JsonPatch.add('/stringData', {{'password': {SECRET!r}}}))\n"
            "WebApp(shop, 'web', image='nginxinc/nginx-unprivileged:1.27.3')\n"))
        assert line.startswith("error: Secret/shop-db: stringData=<redacted> (1 value): ")

    def test_plain_chart_secret_with_data(self, folder: Callable[[str], Path]) -> None:
        line = refused(folder(
            "plain = cdk8s.Chart(app, 'plain', namespace='shop')\n"
            "cdk8s.ApiObject(plain, 'db', api_version='v1', kind='Secret',\n"
            "                metadata=cdk8s.ApiObjectMetadata(name='db')).add_json_patch(\n"
            "    cdk8s.JsonPatch.add('/data', {'password': 'aHVudGVyMi1zM2NyM3Q=', "
            f"'user': {SECRET!r}}}))\n"
            "WebApp(shop, 'web', image='nginxinc/nginx-unprivileged:1.27.3')\n"))
        assert line.startswith("error: Secret/db: data=<redacted> (2 values): a Secret with values")
        assert "aHVudGVy" not in line

    def test_no_annotation_lets_synth_write_one(self, folder: Callable[[str], Path]) -> None:
        line = refused(folder(
            "cdk8s.ApiObject(shop, 'db', api_version='v1', kind='Secret', metadata="
            "cdk8s.ApiObjectMetadata(annotations={'blueprint.dev/ignore': 'BP044: trust me'}))"
            f".add_json_patch(cdk8s.JsonPatch.add('/stringData', {{'pw': {SECRET!r}}}))\n"))
        assert "(BP044)" in line

    def test_a_secret_without_values_passes(self, folder: Callable[[str], Path]) -> None:
        path = folder("cdk8s.ApiObject(shop, 'token', api_version='v1', kind='Secret', metadata="
                      "cdk8s.ApiObjectMetadata(annotations={'kubernetes.io/service-account.name'"
                      ": 'ops'})).add_json_patch(cdk8s.JsonPatch.add('/type', "
                      "'kubernetes.io/service-account-token'))\n"
                      f"WebApp(shop, 'web', image={IMAGE!r})\n")
        result = runner.invoke(app, ["synth", str(path)])
        assert result.exit_code == 0, result.output
        kinds = [d["kind"] for d in load_all((path / "dist" / "shop.k8s.yaml").read_text())]
        assert "Secret" in kinds

    def test_schema_messages_redact_secret_values(self) -> None:
        """``--validate-schema`` once printed ``stringData.password=12345678``."""
        for body in ({"stringData": {"password": 12345678}}, {"stringData": "pw=12345678"},
                     {"data": {"password": ["12345678"]}}):
            manifest = {"apiVersion": "v1", "kind": "Secret",
                        "metadata": {"name": "db", "namespace": "shop"}, **body}
            (problem,) = schema_problems([manifest], DEFAULT)
            assert "12345678" not in problem.line() and "<redacted>" in problem.line()

    def test_lint_flags_it_and_shows_no_value(self, tmp_path: Path) -> None:
        (tmp_path / "secret.yaml").write_text(
            "apiVersion: v1\nkind: Secret\nmetadata: {name: db, namespace: shop}\n"
            f"stringData: {{password: {SECRET}}}\n")
        result = runner.invoke(app, ["lint", str(tmp_path), "--format", "json"])
        assert result.exit_code == 1
        assert SECRET not in result.stdout
        assert '"rule": "BP044"' in result.stdout and '"severity": "error"' in result.stdout


class TestLiteralCredentials:
    def test_env_value_named_like_a_credential(self, folder: Callable[[str], Path]) -> None:
        line = refused(folder(f"WebApp(shop, 'web', image={IMAGE!r}, "
                              f"env={{'DB_PASSWORD': {SECRET!r}}})\n"))
        assert line == (
            "error: shop/web: env['DB_PASSWORD']=<redacted>: a credential written as a literal "
            "value (BP044); use SecretKeyRef(\"<secret>\", \"<key>\"), or pass env_not_secret="
            "{\"DB_PASSWORD\": \"<why it is not a secret>\"}")

    def test_url_with_a_password(self, folder: Callable[[str], Path]) -> None:
        line = refused(folder(f"WebApp(shop, 'web', image={IMAGE!r}, env={{'DATABASE_URL': "
                              f"'postgres://app:{SECRET}@db:5432/app'}})\n"))
        assert line.startswith("error: shop/web: env['DATABASE_URL']=<redacted>: a URL with a "
                               "password in it (BP044)")

    def test_sidecar_env(self, folder: Callable[[str], Path]) -> None:
        line = refused(folder(
            "from blueprints import Sidecar\n"
            f"WebApp(shop, 'web', image={IMAGE!r}, sidecars=[Sidecar(name='s', "
            f"image='busybox:1.36.1', env={{'API_KEY': {SECRET!r}}})])\n"))
        assert line.startswith("error: shop/web: s.env['API_KEY']=<redacted>: ")

    def test_references_and_non_credentials_pass(self, folder: Callable[[str], Path]) -> None:
        path = folder(f"WebApp(shop, 'web', image={IMAGE!r}, env={{"
                      "'DB_PASSWORD': SecretKeyRef('db', 'password'), "
                      "'PASSWORD_FILE': '/run/secrets/db', 'TOKEN_TTL': '300', "
                      "'DATABASE_URL': 'postgres://app:$(DB_PASSWORD)@db:5432/app'})\n")
        result = runner.invoke(app, ["synth", str(path)])
        assert result.exit_code == 0, result.output

    def test_opt_out_with_a_reason_is_recorded_and_lints_clean(
            self, folder: Callable[[str], Path]) -> None:
        path = folder(f"WebApp(shop, 'web', image={IMAGE!r}, env={{'DEMO_TOKEN': 'public'}}, "
                      "env_not_secret={'DEMO_TOKEN': 'the public demo token'})\n")
        result = runner.invoke(app, ["synth", str(path)])
        assert result.exit_code == 0, result.output
        docs = load_all((path / "dist" / "shop.k8s.yaml").read_text())
        deploy = next(d for d in docs if d["kind"] == "Deployment")
        assert deploy["metadata"]["annotations"]["blueprint.dev/ignore"] == (
            "BP044: DEMO_TOKEN is not a secret (the public demo token)")
        assert check(docs, select=["BP044"]) == []

    def test_opt_out_needs_a_reason(self, folder: Callable[[str], Path]) -> None:
        line = refused(folder(f"WebApp(shop, 'web', image={IMAGE!r}, env={{'API_KEY': "
                              f"{SECRET!r}}}, env_not_secret={{'API_KEY': ' '}})\n"))
        assert line.startswith("error: shop/web: env_not_secret['API_KEY']= : an opt-out "
                               "needs a reason (BP044)")

    @pytest.mark.parametrize(("data", "what"), [
        ({"app.conf": f"password = {SECRET}\n"}, "a literal value for password"),
        ({"tls.key": "anything"}, "a credential's file name"),
        ({"client.pem": "-----BEGIN PRIVATE KEY-----\nMIIE\n"}, "a private key"),
    ])
    def test_config_files(self, data: dict[str, str], what: str,
                          folder: Callable[[str], Path]) -> None:
        (key,) = data
        line = refused(folder(f"ConfigFiles(shop, 'conf', data={data!r})\n"))
        assert line == (
            f"error: shop/conf: data[{key!r}]=<redacted>: {what}: ConfigMaps hold no secrets "
            "(BP044); mount a Secret that exists in the cluster (Volume.secret), or pass "
            f"not_secret={{\"{key}\": \"<why it is not a secret>\"}}")

    def test_config_files_opt_out(self, folder: Callable[[str], Path]) -> None:
        path = folder("ConfigFiles(shop, 'conf', data={'demo.key': 'x'}, "
                      "not_secret={'demo.key': 'a throwaway key for the local demo'})\n"
                      f"WebApp(shop, 'web', image={IMAGE!r})\n")
        assert runner.invoke(app, ["synth", str(path)]).exit_code == 0
        docs = load_all((path / "dist" / "shop.k8s.yaml").read_text())
        config = next(d for d in docs if d["kind"] == "ConfigMap")
        assert config["metadata"]["annotations"]["blueprint.dev/ignore"] == (
            "BP044: demo.key is not a secret (a throwaway key for the local demo)")

    def test_yaml_blueprint(self, tmp_path: Path) -> None:
        text = ("apiVersion: blueprint.dev/v1\nrelease: shop\ncomponents:\n"
                "  - kind: WebApp\n    name: web\n    image: " + IMAGE + "\n"
                "    env: {API_KEY: " + SECRET + "}\n{}")
        (tmp_path / "blueprint.yaml").write_text(text.replace("{}", ""))
        result = runner.invoke(app, ["synth", str(tmp_path)])
        assert result.exit_code == 1 and SECRET not in result.stderr
        # The YAML path names the file, the line and the key as the file writes them.
        assert result.stderr.startswith(f"error: {tmp_path / 'blueprint.yaml'}:7: "
                                        "components[0].env.API_KEY=<redacted>: ")
        assert 'envNotSecret: {"API_KEY": ' in result.stderr
        (tmp_path / "blueprint.yaml").write_text(
            text.replace("{}", "    envNotSecret: {API_KEY: 'the sandbox key, revoked'}\n"))
        assert synthesize(tmp_path, kube_version=DEFAULT).files

    def test_lint_warns_on_a_foreign_literal_credential(self) -> None:
        deploy: dict[str, Any] = {
            "apiVersion": "apps/v1", "kind": "Deployment",
            "metadata": {"name": "web", "namespace": "shop"},
            "spec": {"template": {"spec": {"containers": [{"name": "web", "image": IMAGE, "env": [
                {"name": "DB_PASSWORD", "value": SECRET},
                {"name": "DB_HOST", "value": "db"}]}]}}}}
        (finding,) = check([deploy], select=["BP044"])
        assert (finding.severity.value, finding.field, finding.value) == (
            "warning", "spec.template.spec.containers[0].env[0].value", "<redacted>")
        assert SECRET not in finding.line()


@pytest.mark.parametrize(("name", "credential"), [
    ("DB_PASSWORD", True), ("dbPassword", True), ("API_KEY", True), ("GITHUB_TOKEN", True),
    ("AWS_SECRET_ACCESS_KEY", True), ("CLIENT_SECRET", True), ("spring.datasource.password", True),
    ("PASSWORD_FILE", False), ("TOKEN_TTL", False), ("SECRET_NAME", False), ("CACHE_KEY", False),
    ("BYPASS", False), ("AUTH_ENABLED", False), ("xpack.security.transport.ssl.key", False),
])
def test_credential_names(name: str, credential: bool) -> None:
    assert is_credential_name(name) is credential


@pytest.mark.parametrize(("name", "credential"), [
    ("tls.key", True), ("id_rsa", True), (".htpasswd", True), ("db-password.txt", True),
    ("tls.crt", False), ("ca.pem", False), ("nginx.conf", False),
])
def test_credential_files(name: str, credential: bool) -> None:
    assert is_credential_file(name) is credential


@pytest.mark.parametrize(("text", "found"), [
    ("password=hunter2\n", True), ('  "apiKey": "abc",\n', True),
    ("url: postgres://u:p@db:5432/x\n", True), ("-----BEGIN EC PRIVATE KEY-----\n", True),
    ("password: ${DB_PASSWORD}\n", False), ("password:\n  file: /run/secrets/db\n", False),
    ("password_file = /run/secrets/db\n", False), ("secret: false\n", False),
    ("token_ttl: 5\n", False), ("url: postgres://u:$(P)@db/x\n", False),
])
def test_credentials_in_text(text: str, found: bool) -> None:
    assert (credential_in_text(text) is not None) is found


def test_no_rule_can_show_a_secret_value() -> None:
    """Whatever rule reports a field under a Secret's data, the finding shows no value."""
    from blueprints.rules import RULES, Rule, Violation

    def leaky(manifest: Any, context: Any) -> Any:
        if manifest.get("kind") == "Secret":
            yield Violation("stringData.password", manifest["stringData"]["password"],
                            "a rule that echoes what it read", "none")

    RULES["BP005"].append(Rule("BP005", "leaky", object_check=leaky))
    try:
        secret = {"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "db"},
                  "stringData": {"password": SECRET}}
        findings = [f for f in check([secret], select=["BP005"]) if f.field.startswith("string")]
    finally:
        RULES["BP005"].pop()
    assert [f.value for f in findings] == ["<redacted>"]
    assert SECRET not in findings[0].line()
