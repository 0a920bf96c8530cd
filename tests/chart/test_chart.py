"""The Helm chart (charts/fleetdeck) through Helm's own Go library (helm-python-sdk): lint, render
with several sets of values, the chart's refusals, and the rendered objects applied to kubesim
with kubectl's server-side apply. Also the Dockerfile's invariants that the chart relies on.

Run by scripts/test-chart, which installs the pinned packages and names the binaries."""

import base64
import json
import os
import re
import socket
import subprocess
import tempfile
import time
import urllib.request
from pathlib import Path

import helm_python as helm
import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
CHART = ROOT / "charts" / "fleetdeck"
NAMESPACE = "fleetdeck"
KUBECTL = os.environ.get("KUBECTL", "/usr/bin/kubectl")
LINT_WARNING = 2

POSTGRES_URL = "postgres://fleetdeck:pg-password-1234@postgres.db:5432/fleetdeck"
DEX_SECRET = "dex-client-secret-5678"
HA_VALUES = {
    "replicaCount": 3,
    "database": {"url": POSTGRES_URL},
    "publicUrl": "https://fleetdeck.example.com",
    "ingress": {
        "enabled": True,
        "className": "nginx",
        "hosts": [{"host": "fleetdeck.example.com", "paths": [{"path": "/", "pathType": "Prefix"}]}],
        "tls": [{"secretName": "fleetdeck-tls", "hosts": ["fleetdeck.example.com"]}],
    },
    "oidc": {
        "providers": [
            {
                "id": "dex",
                "name": "Dex",
                "issuer": "https://dex.example.com",
                "clientId": "fleetdeck",
                "scopes": ["openid", "email", "profile", "groups", "offline_access"],
                "usernameClaim": "email",
                "roles": {"admins": "admin", "sre": "operator"},
                "tenancyScopes": {"acme-devs": "tenant:t-acme"},
                "defaultRole": "viewer",
            },
            {
                "id": "okta",
                "issuer": "https://example.okta.com",
                "clientId": "0oa-fleetdeck",
                "clientSecretEnv": "OKTA_CLIENT_SECRET",
            },
        ],
        "clientSecrets": {"dex": DEX_SECRET},
    },
    "networkPolicy": {"enabled": True, "ingressFrom": [{"namespaceSelector": {"matchLabels": {"name": "ingress"}}}]},
    "serviceMonitor": {"enabled": True},
}


@pytest.fixture(scope="module")
def chart():
    with helm.Chart.load(CHART) as loaded:
        yield loaded


def render(chart, values=None):
    """The rendered objects by (kind, name), and NOTES.txt."""
    files = chart.render(values=values, name="fleetdeck", namespace=NAMESPACE, is_install=True)
    objects = {}
    for path, text in files.items():
        if path.endswith("NOTES.txt"):
            continue
        for doc in yaml.safe_load_all(text):
            if doc:
                objects[(doc["kind"], doc["metadata"]["name"])] = doc
    notes = next(text for path, text in files.items() if path.endswith("NOTES.txt"))
    return objects, notes


def only(objects, kind):
    found = [o for (k, _), o in objects.items() if k == kind]
    assert len(found) == 1, f"{len(found)} {kind}s: {[o['metadata']['name'] for o in found]}"
    return found[0]


def container(objects):
    return only(objects, "Deployment")["spec"]["template"]["spec"]["containers"][0]


def env(objects):
    return {e["name"]: e.get("value", e.get("valueFrom")) for e in container(objects)["env"]}


def decoded(secret):
    return {k: base64.b64decode(v).decode() for k, v in secret["data"].items()}


def test_lint_is_clean():
    report = helm.lint(CHART, strict=True, namespace=NAMESPACE)
    assert report["errors"] == []
    assert [m for m in report["messages"] if m["severity"] >= LINT_WARNING] == []
    # With values that switch every optional part on, too.
    report = helm.lint(CHART, HA_VALUES, strict=True, namespace=NAMESPACE)
    assert report["errors"] == []
    assert [m for m in report["messages"] if m["severity"] >= LINT_WARNING] == []


def test_default_values_run_one_locked_down_replica_on_sqlite(chart):
    objects, notes = render(chart)
    assert sorted(kind for kind, _ in objects) == sorted(
        [
            "ClusterRole",
            "ClusterRoleBinding",
            "Deployment",
            "PersistentVolumeClaim",
            "Role",
            "RoleBinding",
            "Secret",
            "Service",
            "ServiceAccount",
        ]
    )
    deployment = only(objects, "Deployment")
    assert deployment["spec"]["replicas"] == 1
    assert deployment["spec"]["strategy"] == {"type": "Recreate"}
    pod = deployment["spec"]["template"]["spec"]
    assert pod["securityContext"]["runAsNonRoot"] is True
    assert pod["securityContext"]["seccompProfile"] == {"type": "RuntimeDefault"}
    assert pod["serviceAccountName"] == only(objects, "ServiceAccount")["metadata"]["name"]
    c = container(objects)
    assert c["securityContext"]["readOnlyRootFilesystem"] is True
    assert c["securityContext"]["allowPrivilegeEscalation"] is False
    assert c["securityContext"]["capabilities"] == {"drop": ["ALL"]}
    assert c["ports"] == [{"name": "http", "containerPort": 8080, "protocol": "TCP"}]
    assert c["livenessProbe"]["httpGet"] == {"path": "/healthz", "port": "http"}
    assert c["readinessProbe"]["httpGet"] == {"path": "/readyz", "port": "http"}
    assert c["resources"]["limits"]["memory"]
    e = env(objects)
    assert e["FLEETDECK_ADDR"] == "0.0.0.0:8080"
    assert e["FLEETDECK_LOG_FORMAT"] == "json"
    assert e["POD_NAME"] == {"fieldRef": {"fieldPath": "metadata.name"}}
    assert e["POD_NAMESPACE"] == {"fieldRef": {"fieldPath": "metadata.namespace"}}
    assert e["FLEETDECK_DATABASE_URL"] == "sqlite:///data/fleetdeck.db"
    assert e["FLEETDECK_WRITE_ACTIONS_ENABLED"] == "false"
    assert "FLEETDECK_OIDC_CONFIG" not in e and "FLEETDECK_AUTH_TOKENS_FILE" not in e
    mounts = {m["mountPath"]: m["name"] for m in c["volumeMounts"]}
    volumes = {v["name"]: v for v in pod["volumes"]}
    assert volumes[mounts["/tmp"]]["emptyDir"] == {}
    claim = only(objects, "PersistentVolumeClaim")["metadata"]["name"]
    assert volumes[mounts["/data"]]["persistentVolumeClaim"] == {"claimName": claim}

    # The files the settings name are keys of the mounted Secret, generated when not given.
    secret = only(objects, "Secret")
    secrets_dir = next(path for path, name in mounts.items() if volumes[name].get("secret"))
    assert volumes[mounts[secrets_dir]]["secret"]["secretName"] == secret["metadata"]["name"]
    for setting, key in [
        ("FLEETDECK_SECRET_KEY_FILE", "secret-key"),
        ("FLEETDECK_ADMIN_PASSWORD_FILE", "admin-password"),
    ]:
        assert e[setting] == f"{secrets_dir}/{key}"
    values = decoded(secret)
    assert len(base64.b64decode(values["secret-key"])) == 32
    assert len(values["admin-password"]) >= 12
    assert f"get secret {secret['metadata']['name']} -o jsonpath='{{.data.admin-password}}'" in notes
    assert "port-forward service/fleetdeck 8080:80" in notes

    # Read-only by default (least privilege: no impersonation); the lease Role names its one Lease.
    rules = only(objects, "ClusterRole")["rules"]
    verbs = {v for r in rules for v in r["verbs"]}
    assert verbs == {"get", "list", "watch"}
    lease_rules = only(objects, "Role")["rules"]
    assert all(r["apiGroups"] == ["coordination.k8s.io"] and r["resources"] == ["leases"] for r in lease_rules)
    named = [r for r in lease_rules if r.get("resourceNames")]
    assert named[0]["resourceNames"] == [e["FLEETDECK_LEASE_NAME"]]


def test_postgres_with_three_replicas_ingress_and_oidc(chart):
    objects, notes = render(chart, HA_VALUES)
    deployment = only(objects, "Deployment")
    assert deployment["spec"]["replicas"] == 3
    assert "strategy" not in deployment["spec"]  # rolling updates
    assert ("PersistentVolumeClaim", "fleetdeck-data") not in objects
    e = env(objects)
    ref = e["FLEETDECK_DATABASE_URL"]["secretKeyRef"]
    assert decoded(objects[("Secret", ref["name"])])[ref["key"]] == POSTGRES_URL
    assert e["FLEETDECK_PUBLIC_URL"] == "https://fleetdeck.example.com"

    pdb = only(objects, "PodDisruptionBudget")
    assert pdb["spec"]["minAvailable"] == 1
    assert pdb["spec"]["selector"]["matchLabels"] == deployment["spec"]["selector"]["matchLabels"]

    ingress = only(objects, "Ingress")
    assert ingress["spec"]["ingressClassName"] == "nginx"
    assert ingress["spec"]["tls"] == [{"hosts": ["fleetdeck.example.com"], "secretName": "fleetdeck-tls"}]
    backend = ingress["spec"]["rules"][0]["http"]["paths"][0]["backend"]["service"]
    assert backend == {"name": only(objects, "Service")["metadata"]["name"], "port": {"name": "http"}}

    # The providers file: each provider's client secret is a path into a mounted Secret, never a value.
    config_map = only(objects, "ConfigMap")
    providers = yaml.safe_load(config_map["data"]["providers.yaml"])["providers"]
    assert [p["id"] for p in providers] == ["dex", "okta"]
    assert providers[0]["clientSecretFile"] == "/etc/fleetdeck/oidc/dex"
    assert providers[0]["roles"] == {"admins": "admin", "sre": "operator"}
    assert providers[0]["tenancyScopes"] == {"acme-devs": "tenant:t-acme"}
    assert providers[1]["clientSecretEnv"] == "OKTA_CLIENT_SECRET" and "clientSecretFile" not in providers[1]
    c = container(objects)
    mounts = {m["mountPath"]: m["name"] for m in c["volumeMounts"]}
    volumes = {v["name"]: v for v in deployment["spec"]["template"]["spec"]["volumes"]}
    assert e["FLEETDECK_OIDC_CONFIG"] == "/etc/fleetdeck/oidc-config/providers.yaml"
    assert volumes[mounts["/etc/fleetdeck/oidc-config"]]["configMap"]["name"] == config_map["metadata"]["name"]
    oidc_secret = objects[("Secret", volumes[mounts["/etc/fleetdeck/oidc"]]["secret"]["secretName"])]
    assert decoded(oidc_secret) == {"dex": DEX_SECRET}

    # No secret value in anything but Secrets.
    for (kind, name), obj in objects.items():
        if kind != "Secret":
            text = yaml.safe_dump(obj)
            for value in (DEX_SECRET, POSTGRES_URL, "pg-password-1234"):
                assert value not in text, f"{kind}/{name} holds a secret value"
    assert "https://fleetdeck.example.com/api/auth/callback" in notes
    assert "https://fleetdeck.example.com/" in notes


def test_sqlite_with_three_replicas_is_refused(chart):
    with pytest.raises(helm.HelmRenderError, match=r"replicaCount > 1 needs an external Postgres database"):
        render(chart, {"replicaCount": 3})
    with pytest.raises(helm.HelmRenderError, match=r"replicaCount > 1 needs an external Postgres database"):
        render(chart, {"replicaCount": 2, "persistence": {"enabled": False}})


def test_other_impossible_combinations_are_refused(chart):
    with pytest.raises(helm.HelmRenderError, match=r"oidc.providers needs publicUrl"):
        render(chart, {**HA_VALUES, "publicUrl": ""})
    no_secret = {**HA_VALUES, "oidc": {**HA_VALUES["oidc"], "clientSecrets": {}}}
    with pytest.raises(helm.HelmRenderError, match=r'oidc provider "dex" has no client secret'):
        render(chart, no_secret)
    with pytest.raises(helm.HelmRenderError, match=r"bootstrapTokensFromExistingSecret needs existingSecret"):
        render(chart, {"bootstrapTokensFromExistingSecret": True})
    with pytest.raises(helm.HelmRenderError, match=r"stripe.existingSecret needs publicUrl"):
        render(chart, {"stripe": {"existingSecret": "stripe"}})


def test_stripe_keys_come_from_the_users_secret(chart):
    assert "FLEETDECK_STRIPE_SECRET_KEY" not in env(render(chart)[0])
    objects, _ = render(chart, {"publicUrl": "https://fleetdeck.example.com", "stripe": {"existingSecret": "stripe"}})
    e = env(objects)
    assert e["FLEETDECK_STRIPE_SECRET_KEY"] == {"secretKeyRef": {"name": "stripe", "key": "secret-key"}}
    assert e["FLEETDECK_STRIPE_WEBHOOK_SECRET"] == {"secretKeyRef": {"name": "stripe", "key": "webhook-secret"}}
    assert e["FLEETDECK_STRIPE_API_URL"] == "https://api.stripe.com"
    assert e["FLEETDECK_PUBLIC_URL"] == "https://fleetdeck.example.com"


@pytest.mark.parametrize(
    "values, where",
    [
        ({"replicaCount": "3"}, "/replicaCount"),
        ({"image": {"repository": "fleetdeck", "pullPolicy": "Sometimes"}}, "/image/pullPolicy"),
        ({"bootstrapTokens": [{"name": "ci", "role": "root", "token": "x" * 20}]}, "/bootstrapTokens/0/role"),
        ({"bootstrapTokens": [{"name": "ci", "role": "admin", "token": "short"}]}, "/bootstrapTokens/0/token"),
        (
            {"oidc": {"providers": [{"id": "dex", "issuer": "https://d", "clientId": "c", "usernameClaim": "upn"}]}},
            "usernameClaim",
        ),
        (
            {"oidc": {"providers": [{"id": "dex", "issuer": "https://d", "clientId": "c", "tenancyScopes": {"g": "customer:1"}}]}},
            "tenancyScopes",
        ),
        ({"database": {"url": "mysql://x"}}, "/database/url"),
        ({"stripe": {"apiUrl": "api.stripe.com"}}, "/stripe/apiUrl"),
        ({"replicas": 3}, "additional properties 'replicas'"),
    ],
)
def test_schema_rejects_wrong_values(chart, values, where):
    with pytest.raises(helm.HelmValuesError, match=re.escape(where)):
        chart.validate_schema(values)


def test_settings_changes_roll_the_pods_and_generated_secrets_do_not(chart):
    def checksums(values=None):
        annotations = only(render(chart, values)[0], "Deployment")["spec"]["template"]["metadata"]["annotations"]
        return annotations["checksum/config"], annotations["checksum/secret"]

    # Two renders generate different secrets, yet the pods need not roll.
    first, second = render(chart)[0], render(chart)[0]
    assert decoded(only(first, "Secret")) != decoded(only(second, "Secret"))
    assert checksums() == checksums()
    assert (
        checksums(HA_VALUES)[0]
        != checksums({**HA_VALUES, "oidc": {**HA_VALUES["oidc"], "providers": HA_VALUES["oidc"]["providers"][:1]}})[0]
    )
    assert checksums()[1] != checksums({"adminPassword": "a-new-password-123"})[1]


def test_given_secrets_and_bootstrap_tokens(chart):
    tokens = [
        {"name": "ci", "role": "admin", "token": "ci-token-0123456789"},
        {"name": "ro", "role": "viewer", "token": "ro-token-0123456789"},
    ]
    objects, notes = render(
        chart, {"secretKey": "a" * 43 + "=", "adminPassword": "first-password-1", "bootstrapTokens": tokens}
    )
    values = decoded(only(objects, "Secret"))
    assert values == {
        "secret-key": "a" * 43 + "=",
        "admin-password": "first-password-1",
        "auth-tokens": "ci:admin:ci-token-0123456789\nro:viewer:ro-token-0123456789\n",
    }
    assert env(objects)["FLEETDECK_AUTH_TOKENS_FILE"] == "/etc/fleetdeck/secrets/auth-tokens"
    assert "no first admin is created" in notes

    objects, notes = render(chart, {"existingSecret": "mine", "bootstrapTokensFromExistingSecret": True})
    assert not [o for (kind, _), o in objects.items() if kind == "Secret"]
    volumes = only(objects, "Deployment")["spec"]["template"]["spec"]["volumes"]
    assert {"secretName": "mine", "defaultMode": 0o440} in [v.get("secret") for v in volumes]
    assert "FLEETDECK_AUTH_TOKENS_FILE" in env(objects)
    assert "get secret mine " not in notes  # tokens, so no admin password to read


def test_write_actions_add_write_verbs(chart):
    objects, _ = render(chart, {"writeActions": {"enabled": True}})
    assert env(objects)["FLEETDECK_WRITE_ACTIONS_ENABLED"] == "true"
    verbs = {v for r in only(objects, "ClusterRole")["rules"] for v in r["verbs"]}
    assert {"create", "update", "patch", "delete"} <= verbs
    objects, _ = render(chart, {"rbac": {"clusterRole": {"impersonate": True}}})
    rules = only(objects, "ClusterRole")["rules"]
    assert {"users", "groups", "serviceaccounts"} <= {
        res for r in rules if "impersonate" in r["verbs"] for res in r["resources"]
    }
    objects, _ = render(chart, {"rbac": {"create": False}})
    assert not [k for k, _ in objects if k in ("ClusterRole", "ClusterRoleBinding", "Role", "RoleBinding")]


def test_tenancy_adds_the_project_sync_rules(chart):
    def tenancy_rules(objects):
        rules = only(objects, "ClusterRole")["rules"]
        return {res for r in rules if "create" in r["verbs"] and "*" not in r["resources"] for res in r["resources"]}

    objects, _ = render(chart, {})
    assert tenancy_rules(objects) == set()
    objects, _ = render(chart, {"tenancy": {"enabled": True}})
    assert tenancy_rules(objects) == {
        "namespaces", "resourcequotas", "limitranges", "services", "deployments", "networkpolicies", "ingresses",
        "serviceaccounts", "serviceaccounts/token", "roles", "rolebindings",
    }


def test_network_policy_and_service_monitor(chart):
    objects, _ = render(chart, HA_VALUES)
    policy = only(objects, "NetworkPolicy")["spec"]
    assert policy["policyTypes"] == ["Ingress"]
    assert policy["ingress"][0]["ports"] == [{"port": "http", "protocol": "TCP"}]
    assert policy["ingress"][0]["from"] == HA_VALUES["networkPolicy"]["ingressFrom"]
    monitor = only(objects, "ServiceMonitor")["spec"]
    assert monitor["endpoints"][0]["path"] == "/metrics"
    assert monitor["selector"]["matchLabels"].items() <= only(objects, "Service")["metadata"]["labels"].items()


def dockerfile_stages():
    """(base image, name, instructions) of each stage of the Dockerfile."""
    lines = (ROOT / "Dockerfile").read_text().replace("\\\n", " ").splitlines()
    stages = []
    for line in lines:
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        word, _, rest = line.partition(" ")
        if word.upper() == "FROM":
            parts = rest.split()
            stages.append((parts[0], parts[2] if len(parts) > 2 else None, []))
        elif stages:
            stages[-1][2].append((word.upper(), rest.strip()))
    return stages


def test_dockerfile_builds_what_the_chart_runs(chart):
    stages = dockerfile_stages()
    text = "\n".join(f"{w} {r}" for _, _, ins in stages for w, r in ins)
    assert re.search(r"npm ci\b", text) and "npm run build" in text
    assert "cargo build --release --locked" in text
    assert re.search(r"sha256sum (-c|--check)", text), "kubectl is checked against its checksum"
    base, _, final = stages[-1]
    assert base.startswith("gcr.io/distroless/cc-debian12") and base.endswith(":nonroot")
    final_words = [w for w, _ in final]
    assert "HEALTHCHECK" not in final_words
    # Only files from earlier stages: the binary and kubectl.
    copies = [r for w, r in final if w == "COPY"]
    assert all(c.startswith("--from=") for c in copies) and len(copies) == 2
    destinations = {c.split()[-1] for c in copies}
    entrypoint = next(r for w, r in final if w == "ENTRYPOINT")
    assert yaml.safe_load(entrypoint)[0] in destinations
    env_lines = " ".join(r for w, r in final if w == "ENV")
    assert re.search(r"FLEETDECK_KUBECTL=(\S+)", env_lines).group(1) in destinations
    labels = " ".join(r for w, r in final if w == "LABEL")
    assert "org.opencontainers.image.title" in labels and "org.opencontainers.image.licenses" in labels

    # The chart's pod runs as the image's user, on the port the image exposes.
    objects, _ = render(chart)
    user = next(r for w, r in final if w == "USER")
    assert user == str(only(objects, "Deployment")["spec"]["template"]["spec"]["securityContext"]["runAsUser"])
    assert next(r for w, r in final if w == "EXPOSE") == f"{container(objects)['ports'][0]['containerPort']}"
    assert env(objects)["FLEETDECK_ADDR"].endswith(":8080")


SERVICE_MONITOR_CRD = """
apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata: {name: servicemonitors.monitoring.coreos.com}
spec:
  group: monitoring.coreos.com
  scope: Namespaced
  names: {kind: ServiceMonitor, listKind: ServiceMonitorList, plural: servicemonitors, singular: servicemonitor}
  versions:
    - name: v1
      served: true
      storage: true
      schema:
        openAPIV3Schema:
          type: object
          properties:
            spec:
              type: object
              required: [selector, endpoints]
              properties:
                selector: {type: object, x-kubernetes-preserve-unknown-fields: true}
                endpoints:
                  type: array
                  items:
                    type: object
                    properties:
                      port: {type: string}
                      path: {type: string}
                      interval: {type: string}
"""


@pytest.fixture(scope="module")
def kubesim():
    """A kubesim process and the kubectl command line that reaches it."""
    if not Path(KUBECTL).is_file():
        pytest.skip(f"{KUBECTL} not found")  # as the other kubectl tests: the machine's kubectl
    binary = os.environ.get("KUBESIM_BIN")
    assert binary and Path(binary).is_file(), "KUBESIM_BIN must name the built kubesim binary"
    with tempfile.TemporaryDirectory() as tmp:
        kubeconfig = Path(tmp) / "kubeconfig"
        log = open(Path(tmp) / "kubesim.log", "wb")
        process = subprocess.Popen(
            [binary, "--write-kubeconfig", str(kubeconfig)], stdout=log, stderr=subprocess.STDOUT
        )
        try:
            deadline = time.monotonic() + 30
            while not (kubeconfig.exists() and kubeconfig.stat().st_size):
                assert process.poll() is None and time.monotonic() < deadline, (Path(tmp) / "kubesim.log").read_text()
                time.sleep(0.1)
            yield [KUBECTL, "--kubeconfig", str(kubeconfig)], Path(tmp)
        finally:
            process.terminate()
            process.wait(timeout=10)
            log.close()


def kubectl(kubesim, *args, stdin=None):
    command, tmp = kubesim
    result = subprocess.run(
        [*command, *args],
        input=stdin,
        capture_output=True,
        text=True,
        env={"HOME": str(tmp), "PATH": os.environ["PATH"]},
        timeout=60,
    )
    assert result.returncode == 0, f"kubectl {' '.join(args)}:\n{result.stdout}\n{result.stderr}"
    return result.stdout


@pytest.mark.parametrize(
    "values",
    [None, HA_VALUES, {"writeActions": {"enabled": True}, "fullnameOverride": "console"}],
    ids=["default", "postgres-ha-oidc", "write-actions"],
)
def test_rendered_objects_apply_to_kubesim(chart, kubesim, values):
    objects, _ = render(chart, values)
    kubectl(
        kubesim,
        "apply",
        "--server-side",
        "-f",
        "-",
        stdin=f"apiVersion: v1\nkind: Namespace\nmetadata: {{name: {NAMESPACE}}}\n",
    )
    # A real cluster with ServiceMonitors has the Prometheus Operator's CRD.
    kubectl(kubesim, "apply", "--server-side", "-f", "-", stdin=SERVICE_MONITOR_CRD)
    manifest = yaml.safe_dump_all(objects.values())
    out = kubectl(kubesim, "apply", "--server-side", "--field-manager=helm", "-f", "-", stdin=manifest)
    applied = [line for line in out.splitlines() if line.endswith(" serverside-applied")]
    assert len(applied) == len(objects), out
    # Read back as the cluster keeps them.
    listed = yaml.safe_load(kubectl(kubesim, "get", "-f", "-", "-o", "yaml", stdin=manifest))["items"]
    assert sorted((o["kind"], o["metadata"]["name"]) for o in listed) == sorted(objects)
    deployment = next(o for o in listed if o["kind"] == "Deployment")
    assert deployment["spec"]["template"]["spec"]["containers"][0]["securityContext"]["readOnlyRootFilesystem"] is True


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def post_json(url, body, token=None):
    headers = {"content-type": "application/json"}
    if token:
        headers["authorization"] = f"Bearer {token}"
    request = urllib.request.Request(url, data=json.dumps(body).encode(), headers=headers, method="POST")
    with urllib.request.urlopen(request, timeout=10) as response:
        return response.status, json.loads(response.read())


@pytest.mark.parametrize(
    "values, who",
    [
        (None, "admin"),
        ({"bootstrapTokens": [{"name": "ci", "role": "operator", "token": "ci-token-0123456789"}]}, "token:ci"),
    ],
    ids=["admin-password", "bootstrap-token"],
)
def test_the_server_starts_with_the_rendered_settings(chart, values, who):
    """The real binary, given the Deployment's environment with the Secret's keys as files (paths
    moved under a temporary folder), serves, and the first admin's password or the token signs in."""
    binary = os.environ.get("FLEETDECK_BIN")
    assert binary and Path(binary).is_file(), "FLEETDECK_BIN must name the built fleetdeck binary"
    objects, _ = render(chart, values)
    c = container(objects)
    with tempfile.TemporaryDirectory() as tmp:
        mounts = {}
        volumes = {v["name"]: v for v in only(objects, "Deployment")["spec"]["template"]["spec"]["volumes"]}
        for mount in c["volumeMounts"]:
            local = Path(tmp) / mount["name"]
            local.mkdir()
            mounts[mount["mountPath"]] = str(local)
            secret = volumes[mount["name"]].get("secret")
            if secret:
                for key, value in decoded(objects[("Secret", secret["secretName"])]).items():
                    (local / key).write_text(value)
        port = free_port()
        environment = {"PATH": os.environ["PATH"], "HOME": tmp, "POD_NAME": "fleetdeck-0", "POD_NAMESPACE": NAMESPACE}
        for name, value in env(objects).items():
            if isinstance(value, str):
                for path, local in mounts.items():
                    value = value.replace(path + "/", local + "/")
                environment[name] = value
        environment["FLEETDECK_ADDR"] = f"127.0.0.1:{port}"
        with open(Path(tmp) / "fleetdeck.log", "wb") as log:
            server = subprocess.Popen(
                [binary, *c["args"]], env=environment, stdout=log, stderr=subprocess.STDOUT, cwd=tmp
            )
            try:
                base = f"http://127.0.0.1:{port}"
                deadline = time.monotonic() + 60
                while True:
                    assert server.poll() is None and time.monotonic() < deadline, (
                        Path(tmp) / "fleetdeck.log"
                    ).read_text()
                    try:
                        with urllib.request.urlopen(f"{base}/readyz", timeout=2) as response:
                            if response.status == 200:
                                break
                    except OSError:
                        time.sleep(0.2)
                if who == "admin":
                    password = decoded(only(objects, "Secret"))["admin-password"]
                    status, me = post_json(f"{base}/api/auth/login", {"username": "admin", "password": password})
                else:
                    status, me = post_json(f"{base}/api/auth/login", {"token": values["bootstrapTokens"][0]["token"]})
                assert status == 200 and me["subject"] == who, me
                # Nothing but the volumes was written: the root filesystem is read-only in the pod.
                written = {p.name for p in Path(tmp).iterdir()} - {m["name"] for m in c["volumeMounts"]}
                assert written == {"fleetdeck.log"}
                log_line = (Path(tmp) / "fleetdeck.log").read_text().splitlines()[0]
                assert json.loads(log_line)["level"]  # FLEETDECK_LOG_FORMAT=json
            finally:
                server.terminate()
                server.wait(timeout=30)
