#!/usr/bin/env python3
"""Writes the benchmark catalog as one import document: 60 components, 20 namespaces and
10 role bindings in the catalog; 500 clusters, each assigned 40 components (patches on every
4th), all 20 namespaces and all 10 role bindings. Deterministic (seeded)."""
import json
import random
import sys

CLUSTERS, CATALOG_COMPONENTS, PER_CLUSTER = 500, 60, 40
rng = random.Random(42)

components = [
    {
        "id": f"component-{i:02d}",
        "component_path": f"charts/component-{i:02d}",
        "component_version": f"1.{i}.0",
        "cluster_env_enabled": i % 3 == 0,
        "oci_url": "oci://registry.example.com/platform",
        "oci_tag": f"1.{i}.0",
        "depends_on": [f"component-{i - 1:02d}"] if i % 5 else [],
        "description": f"Platform component {i}",
    }
    for i in range(CATALOG_COMPONENTS)
]
namespaces = [
    {"id": f"team-{i:02d}", "labels": {"team": f"team-{i:02d}", "tier": "platform"}, "annotations": {"owner": f"team-{i:02d}@example.com"}}
    for i in range(20)
]
rolebindings = [
    {
        "id": f"binding-{i:02d}",
        "role": "view" if i % 2 else "edit",
        "subjects": [{"kind": "Group", "name": f"group-{i:02d}", "apiGroup": "rbac.authorization.k8s.io"}],
    }
    for i in range(10)
]
clusters = []
for c in range(CLUSTERS):
    chosen = sorted(rng.sample(range(CATALOG_COMPONENTS), PER_CLUSTER))
    assigned = [
        {"id": f"component-{i:02d}", "enabled": rng.random() > 0.1, "oci_tag": "2.0.0" if i % 7 == 0 else None, "component_path": None}
        for i in chosen
    ]
    patches = {
        a["id"]: {"replicaCount": rng.randint(1, 5), "resources": {"requests": {"cpu": "100m", "memory": "128Mi"}}, "host": f"svc-{c}.example.com"}
        for a in assigned[::4]
    }
    clusters.append(
        {
            "name": f"cluster-{c:03d}",
            "dns": f"cluster-{c:03d}.k8s.example.com",
            "environment": ["dev", "qa", "uat", "stage", "prod"][c % 5],
            "labels": {"region": ["eu", "us", "ap"][c % 3]},
            "platform_components": assigned,
            "namespaces": [n["id"] for n in namespaces],
            "rolebindings": [r["id"] for r in rolebindings],
            "patches": patches,
        }
    )
json.dump({"platform_components": components, "namespaces": namespaces, "rolebindings": rolebindings, "clusters": clusters}, sys.stdout)
