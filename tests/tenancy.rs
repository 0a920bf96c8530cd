//! Tenancy on both backends: tenants, projects and apps with kubeop's permission rules for admin,
//! staff roles and `tenant:`/`project:` scoped API keys (which reach nothing else); conflicts;
//! the platform policy's quota ceilings and image allowlist.

mod common;

use common::*;
use k8s_openapi::api::apps::v1::Deployment;
use k8s_openapi::api::core::v1::{LimitRange, Namespace, ResourceQuota, Service};
use k8s_openapi::api::networking::v1::{Ingress, NetworkPolicy};
use reqwest::Method;
use serde_json::{Value, json};

/// A metadata-only cluster for projects to live in.
async fn cluster(app: &TestApp, name: &str) {
    let (status, body) = call(
        app,
        Method::POST,
        "/api/clusters",
        ADMIN_TOKEN,
        Some(json!({"name": name, "environment": "prod"})),
    )
    .await;
    assert_eq!(status, 201, "{body}");
}

fn ids(list: &Value) -> Vec<&str> {
    list["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["name"].as_str().unwrap())
        .collect()
}

on_both_backends! {
    async fn scoped_keys_reach_their_tenant_or_project_and_nothing_else(db) {
        let app = TestApp::start(db).await;
        cluster(&app, "prod").await;
        let acme = created(&app, "/api/tenants", ADMIN_TOKEN, json!({"name": "acme", "displayName": "Acme Inc."})).await;
        let globex = created(&app, "/api/tenants", ADMIN_TOKEN, json!({"name": "globex"})).await;
        let (acme_id, globex_id) = (acme["id"].as_str().unwrap(), globex["id"].as_str().unwrap());
        assert_eq!(globex["displayName"], "globex");

        // Scoped keys: the scope must fit the role and name something; only admins grant them.
        let key = |role: &str, scope: Option<String>| json!({"name": "k", "role": role, "scope": scope});
        for (body, code) in [
            (key("tenant", None), "invalid_scope"),
            (key("tenant", Some(format!("project:{acme_id}"))), "invalid_scope"),
            (key("viewer", Some(format!("tenant:{acme_id}"))), "invalid_scope"),
            (key("tenant", Some("tenant:nope".into())), "unknown_scope"),
            (key("project", Some("project:".into())), "invalid_scope"),
        ] {
            let (status, r) = call(&app, Method::POST, "/api/auth/api-keys", ADMIN_TOKEN, Some(body)).await;
            assert_error(status, &r, 422, code);
        }
        let (status, r) = call(&app, Method::POST, "/api/auth/api-keys", OPERATOR_TOKEN, Some(key("tenant", Some(format!("tenant:{acme_id}"))))).await;
        assert_error(status, &r, 403, "role_too_high");
        let tenant_key = scoped_key(&app, "tenant", &format!("tenant:{acme_id}")).await;
        let (_, me) = call(&app, Method::GET, "/api/auth/whoami", &tenant_key, None).await;
        assert_eq!((me["roles"][0].as_str(), me["scope"].as_str()), (Some("tenant"), Some(format!("tenant:{acme_id}").as_str())));

        // The tenant key sees its tenant only, and makes projects and apps in it.
        let (_, list) = call(&app, Method::GET, "/api/tenants", &tenant_key, None).await;
        assert_eq!(ids(&list), ["acme"]);
        let (status, r) = call(&app, Method::GET, &format!("/api/tenants/{globex_id}"), &tenant_key, None).await;
        assert_error(status, &r, 404, "tenant_not_found");
        let (status, r) = call(&app, Method::PATCH, &format!("/api/tenants/{acme_id}"), &tenant_key, Some(json!({"displayName": "Mine"}))).await;
        assert_error(status, &r, 403, "forbidden");
        let web = created(&app, "/api/projects", &tenant_key, json!({"tenantId": acme_id, "name": "web", "cluster": "prod"})).await;
        assert_eq!((web["namespace"].as_str(), web["quota"].clone()), (Some("acme-web"), json!({})));
        let web_id = web["id"].as_str().unwrap();
        let (status, r) = call(&app, Method::POST, "/api/projects", &tenant_key, Some(json!({"tenantId": globex_id, "name": "web", "cluster": "prod"}))).await;
        assert_error(status, &r, 422, "unknown_tenant");
        let shop = created(&app, "/api/projects", ADMIN_TOKEN, json!({"tenantId": globex_id, "name": "shop", "cluster": "prod", "namespace": "globex-shop"})).await;
        let shop_app = created(&app, "/api/apps", ADMIN_TOKEN, json!({"projectId": shop["id"], "name": "cart", "spec": {"image": "nginx:1.27"}})).await;
        let api = created(&app, "/api/apps", &tenant_key, json!({"projectId": web_id, "name": "api", "spec": {"image": "nginx:1.27", "port": 8080, "host": "api.acme.example"}})).await;
        assert_eq!((api["spec"]["replicas"].as_u64(), api["tenantId"].as_str()), (Some(1), Some(acme_id)));

        // A project key: its project and its apps.
        let project_key = scoped_key(&app, "project", &format!("project:{web_id}")).await;
        let (_, list) = call(&app, Method::GET, "/api/projects", &project_key, None).await;
        assert_eq!(ids(&list), ["web"]);
        let (_, list) = call(&app, Method::GET, "/api/apps", &project_key, None).await;
        assert_eq!(ids(&list), ["api"]);
        let (status, r) = call(&app, Method::GET, &format!("/api/apps/{}", shop_app["id"].as_str().unwrap()), &project_key, None).await;
        assert_error(status, &r, 404, "app_not_found");
        let (_, list) = call(&app, Method::GET, "/api/tenants", &project_key, None).await;
        assert_eq!(ids(&list), Vec::<&str>::new());
        let (status, r) = call(&app, Method::PATCH, &format!("/api/projects/{web_id}"), &project_key, Some(json!({"quota": {"pods": 5}}))).await;
        assert_error(status, &r, 403, "forbidden");
        let (status, r) = call(&app, Method::POST, "/api/projects", &project_key, Some(json!({"tenantId": acme_id, "name": "more", "cluster": "prod"}))).await;
        assert_error(status, &r, 422, "unknown_tenant");
        let (status, worker) = call(&app, Method::PUT, &format!("/api/apps/{}", api["id"].as_str().unwrap()), &project_key,
            Some(json!({"image": "nginx:1.28", "replicas": 3}))).await;
        assert_eq!((status, worker["spec"].clone()), (200, json!({"image": "nginx:1.28", "replicas": 3})));

        // Scoped keys reach nothing outside tenancy.
        for key in [&tenant_key, &project_key] {
            for path in ["/api/clusters", "/api/audit", "/api/fleet", "/api/slo", "/api/diagnostics", "/api/users"] {
                let (status, r) = call(&app, Method::GET, path, key, None).await;
                assert_eq!(status, 403, "{path}: {r}");
            }
        }

        // Staff: viewers and operators read everything and change nothing.
        let (_, list) = call(&app, Method::GET, "/api/apps", VIEWER_TOKEN, None).await;
        assert_eq!(ids(&list), ["api", "cart"]);
        let (status, r) = call(&app, Method::POST, "/api/apps", OPERATOR_TOKEN, Some(json!({"projectId": web_id, "name": "x", "spec": {"image": "nginx"}}))).await;
        assert_error(status, &r, 403, "forbidden");

        // Conflicts, and deletes in order.
        let (status, r) = call(&app, Method::POST, "/api/projects", ADMIN_TOKEN, Some(json!({"tenantId": acme_id, "name": "web", "cluster": "prod", "namespace": "other"}))).await;
        assert_error(status, &r, 409, "name_taken");
        let (status, r) = call(&app, Method::POST, "/api/projects", ADMIN_TOKEN, Some(json!({"tenantId": acme_id, "name": "web2", "cluster": "prod", "namespace": "globex-shop"}))).await;
        assert_error(status, &r, 409, "namespace_taken");
        let (status, r) = call(&app, Method::POST, "/api/projects", ADMIN_TOKEN, Some(json!({"tenantId": acme_id, "name": "web2", "cluster": "nowhere"}))).await;
        assert_error(status, &r, 422, "unknown_cluster");
        let (status, r) = call(&app, Method::POST, "/api/tenants", ADMIN_TOKEN, Some(json!({"name": "acme"}))).await;
        assert_error(status, &r, 409, "name_taken");
        let (status, r) = call(&app, Method::POST, "/api/tenants", ADMIN_TOKEN, Some(json!({"name": "Acme"}))).await;
        assert_error(status, &r, 422, "invalid_name");
        let (status, r) = call(&app, Method::DELETE, &format!("/api/tenants/{acme_id}"), ADMIN_TOKEN, None).await;
        assert_error(status, &r, 409, "tenant_not_empty");
        let (status, r) = call(&app, Method::DELETE, &format!("/api/projects/{web_id}"), &tenant_key, None).await;
        assert_error(status, &r, 409, "project_not_empty");
        let (status, _) = call(&app, Method::DELETE, &format!("/api/apps/{}", api["id"].as_str().unwrap()), &project_key, None).await;
        assert_eq!(status, 204);
        let (status, _) = call(&app, Method::DELETE, &format!("/api/projects/{web_id}"), &tenant_key, None).await;
        assert_eq!(status, 204);
        let (status, _) = call(&app, Method::DELETE, &format!("/api/tenants/{acme_id}"), ADMIN_TOKEN, None).await;
        assert_eq!(status, 204);
        // A key whose project is gone reaches nothing.
        let (_, list) = call(&app, Method::GET, "/api/projects", &project_key, None).await;
        assert_eq!(ids(&list), Vec::<&str>::new());

        let created_row = app.audit("verb=create&name=shop").await;
        assert_eq!((created_row[0]["cluster"].as_str(), created_row[0]["namespace"].as_str()), (Some("prod"), Some("globex-shop")));
        app.stop().await;
    }

    async fn the_platform_policy_bounds_quotas_and_images(db) {
        let app = TestApp::start(db).await;
        cluster(&app, "prod").await;
        let acme = created(&app, "/api/tenants", ADMIN_TOKEN, json!({"name": "acme"})).await;
        let acme_id = acme["id"].as_str().unwrap();
        let (_, policy) = call(&app, Method::GET, "/api/platform/policy", VIEWER_TOKEN, None).await;
        assert_eq!(policy, json!({"policy": {"imageAllowlist": [], "egressBaseline": [], "quotaMax": {}, "requireEntitlement": false}, "updatedBy": null, "updatedAt": null}));
        let wanted = json!({"imageAllowlist": ["ghcr.io/acme"], "egressBaseline": ["10.0.0.0/8"],
            "quotaMax": {"requestsCpu": "4", "limitsMemory": "8Gi", "pods": 50}, "requireEntitlement": false});
        let (status, r) = call(&app, Method::PUT, "/api/platform/policy", OPERATOR_TOKEN, Some(wanted.clone())).await;
        assert_error(status, &r, 403, "forbidden");
        let (status, r) = call(&app, Method::PUT, "/api/platform/policy", ADMIN_TOKEN, Some(json!({"egressBaseline": ["10.0.0.0/33"]}))).await;
        assert_error(status, &r, 422, "invalid_policy");
        let (status, set) = call(&app, Method::PUT, "/api/platform/policy", ADMIN_TOKEN, Some(wanted.clone())).await;
        assert_eq!((status, set["updatedBy"].as_str()), (200, Some("token:admin")));
        let tenant_key = scoped_key(&app, "tenant", &format!("tenant:{acme_id}")).await;
        let (_, seen) = call(&app, Method::GET, "/api/platform/policy", &tenant_key, None).await;
        assert_eq!(seen["policy"], wanted);

        // Quotas: what is left out comes from the ceilings; nothing goes above them.
        let project = |name: &str, quota: Value| json!({"tenantId": acme_id, "name": name, "cluster": "prod", "quota": quota});
        let web = created(&app, "/api/projects", &tenant_key, project("web", json!({"requestsCpu": "2"}))).await;
        assert_eq!(web["quota"], json!({"requestsCpu": "2", "limitsMemory": "8Gi", "pods": 50}));
        for (quota, code) in [
            (json!({"requestsCpu": "4001m"}), "quota_above_ceiling"),
            (json!({"limitsMemory": "9Gi"}), "quota_above_ceiling"),
            (json!({"pods": 51}), "quota_above_ceiling"),
            (json!({"requestsMemory": "lots"}), "invalid_quota"),
        ] {
            let (status, r) = call(&app, Method::POST, "/api/projects", &tenant_key, Some(project("big", quota))).await;
            assert_error(status, &r, 422, code);
        }
        let (status, r) = call(&app, Method::PATCH, &format!("/api/projects/{}", web["id"].as_str().unwrap()), &tenant_key,
            Some(json!({"quota": {"requestsCpu": "3", "pods": 10}}))).await;
        assert_eq!((status, r["quota"].clone()), (200, json!({"requestsCpu": "3", "limitsMemory": "8Gi", "pods": 10})));

        // Images: only from the allowlist.
        let app_body = |image: &str| json!({"projectId": web["id"], "name": "api", "spec": {"image": image}});
        let (status, r) = call(&app, Method::POST, "/api/apps", &tenant_key, Some(app_body("nginx:1.27"))).await;
        assert_error(status, &r, 422, "image_not_allowed");
        let (status, r) = call(&app, Method::POST, "/api/apps", &tenant_key, Some(app_body("ghcr.io/acme-evil/api:1"))).await;
        assert_error(status, &r, 422, "image_not_allowed");
        let api = created(&app, "/api/apps", &tenant_key, app_body("ghcr.io/acme/api:1")).await;
        let (status, r) = call(&app, Method::PUT, &format!("/api/apps/{}", api["id"].as_str().unwrap()), &tenant_key,
            Some(json!({"image": "docker.io/library/nginx:1.27"}))).await;
        assert_error(status, &r, 422, "image_not_allowed");
        for (body, code) in [
            (json!({"image": "ghcr.io/acme/api:2", "replicas": 101}), "invalid_replicas"),
            (json!({"image": "ghcr.io/acme/api:2", "host": "api.acme.example"}), "invalid_host"),
            (json!({"image": "ghcr.io/acme/api:2", "port": 0}), "invalid_port"),
        ] {
            let (status, r) = call(&app, Method::PUT, &format!("/api/apps/{}", api["id"].as_str().unwrap()), &tenant_key, Some(body)).await;
            assert_error(status, &r, 422, code);
        }
        app.stop().await;
    }
}

on_both_backends! {
    async fn apps_go_through_the_risk_guard_like_every_apply(db) {
        let app = TestApp::start(db).await;
        cluster(&app, "prod").await;
        let acme = created(&app, "/api/tenants", ADMIN_TOKEN, json!({"name": "acme"})).await;
        let web = created(&app, "/api/projects", ADMIN_TOKEN, json!({"tenantId": acme["id"], "name": "web", "cluster": "prod"})).await;
        let tenant_key = scoped_key(&app, "tenant", &format!("tenant:{}", acme["id"].as_str().unwrap())).await;
        // Under `warn` (the default), the app's answer carries the analysis of its Deployment.
        let made = created(&app, "/api/apps", &tenant_key, json!({"projectId": web["id"], "name": "api", "spec": {"image": "nginx:latest"}})).await;
        let findings = made["riskGuard"]["findings"].as_array().unwrap();
        let latest = findings.iter().find(|f| f["check"] == "image_latest_tag").unwrap_or_else(|| panic!("{findings:?}"));
        assert_eq!((latest["object"]["kind"].as_str(), latest["object"]["name"].as_str(), latest["blocking"].as_bool()),
            (Some("Deployment"), Some("api"), Some(false)));
        assert!(made["riskGuard"]["score"].as_u64().unwrap() < 100);
        let path = format!("/api/apps/{}", made["id"].as_str().unwrap());
        let (status, pinned) = call(&app, Method::PUT, &path, &tenant_key, Some(json!({"image": "nginx:1.27"}))).await;
        assert_eq!(status, 200, "{pinned}");
        assert!(pinned["riskGuard"]["findings"].as_array().unwrap().iter().all(|f| f["check"] != "image_latest_tag"));
        let (_, read) = call(&app, Method::GET, &path, &tenant_key, None).await;
        assert!(read.get("riskGuard").is_none(), "reads carry no analysis: {read}");
        app.stop().await;

        // Under `off`, none.
        let mut settings = settings(db);
        settings.risk_guard.policy = fleetdeck::incidents::risk_guard::Policy::Off;
        let app = TestApp::with(settings).await;
        let (status, changed) = call(&app, Method::PUT, &path, ADMIN_TOKEN, Some(json!({"image": "nginx:latest"}))).await;
        assert_eq!(status, 200, "{changed}");
        assert!(changed.get("riskGuard").is_none(), "{changed}");
    }
}

/// The object `name` of kind `K` (in `namespace`) as `client` reads it, or none.
async fn object<K: kube::Resource<DynamicType = ()>>(
    client: &kube::Client,
    namespace: Option<&str>,
    name: &str,
) -> Option<Value> {
    let resource = kube::api::ApiResource::erase::<K>(&());
    let api: kube::Api<kube::api::DynamicObject> = match namespace {
        Some(ns) => kube::Api::namespaced_with(client.clone(), ns, &resource),
        None => kube::Api::all_with(client.clone(), &resource),
    };
    api.get_opt(name)
        .await
        .unwrap()
        .map(|o| serde_json::to_value(o).unwrap())
}

/// One pass of the project sync (of every project when `every`): each project's outcome.
async fn sync(app: &TestApp, every: bool) -> Vec<(String, Result<(), String>)> {
    fleetdeck::billing::project_sync::sync(&app.server.state, every)
        .await
        .unwrap()
}

on_both_backends! {
    async fn projects_and_apps_are_applied_to_their_cluster_and_kept_in_step(db) {
        let sim = kubesim::Sim::start(kubesim::SimConfig::default()).await.unwrap();
        let app = TestApp::with(with_secret_key(db)).await;
        register_sim(&app, "prod", &sim, "shared").await;
        cluster(&app, "paper").await;
        let kube = sim_client(&sim).await;
        let (status, body) = call(&app, Method::PUT, "/api/platform/policy", ADMIN_TOKEN,
            Some(json!({"egressBaseline": ["10.20.0.0/16"], "quotaMax": {"limitsMemory": "8Gi", "pods": 50}}))).await;
        assert_eq!(status, 200, "{body}");
        let acme = created(&app, "/api/tenants", ADMIN_TOKEN, json!({"name": "acme"})).await;
        let web = created(&app, "/api/projects", ADMIN_TOKEN,
            json!({"tenantId": acme["id"], "name": "web", "cluster": "prod", "quota": {"requestsCpu": "2"}})).await;
        let web_id = web["id"].as_str().unwrap();
        assert_eq!(web["sync"], json!({"status": "pending", "error": null, "syncedAt": null}));

        // A pass applies the namespace and its guard rails.
        let outcomes = sync(&app, false).await;
        assert_eq!(outcomes, [(web_id.to_string(), Ok(()))]);
        let (_, got) = call(&app, Method::GET, &format!("/api/projects/{web_id}"), ADMIN_TOKEN, None).await;
        assert_eq!(got["sync"]["status"], "synced", "{got}");
        assert!(got["sync"]["syncedAt"].is_string());
        let ns = object::<Namespace>(&kube, None, "acme-web").await.expect("the namespace");
        assert_eq!(ns["metadata"]["labels"]["fleetdeck.dev/tenant"], "acme");
        assert_eq!(ns["metadata"]["labels"]["fleetdeck.dev/project"], "web");
        let quota = object::<ResourceQuota>(&kube, Some("acme-web"), "fleetdeck-quota").await.expect("the quota");
        // What the project left out took the platform's ceilings.
        assert_eq!(quota["spec"]["hard"], json!({"requests.cpu": "2", "limits.memory": "8Gi", "pods": "50"}));
        let limits = object::<LimitRange>(&kube, Some("acme-web"), "fleetdeck-defaults").await.expect("the defaults");
        assert_eq!(limits["spec"]["limits"][0]["default"], json!({"cpu": "500m", "memory": "512Mi"}));
        let policy = object::<NetworkPolicy>(&kube, Some("acme-web"), "fleetdeck-baseline").await.expect("the baseline");
        let egress = serde_json::to_string(&policy["spec"]["egress"]).unwrap();
        assert!(egress.contains("10.20.0.0/16"), "{egress}");
        // Applied once, a pass of what changed has nothing to do.
        assert!(sync(&app, false).await.is_empty());

        // An app: its Deployment, Service and Ingress.
        let api = created(&app, "/api/apps", ADMIN_TOKEN, json!({"projectId": web_id, "name": "api",
            "spec": {"image": "ghcr.io/acme/api:1.4", "replicas": 2, "port": 8080, "host": "api.acme.example"}})).await;
        let api_id = api["id"].as_str().unwrap();
        let (_, got) = call(&app, Method::GET, &format!("/api/projects/{web_id}"), ADMIN_TOKEN, None).await;
        assert_eq!(got["sync"]["status"], "pending", "{got}");
        assert_eq!(sync(&app, false).await, [(web_id.to_string(), Ok(()))]);
        let deployment = object::<Deployment>(&kube, Some("acme-web"), "api").await.expect("the deployment");
        assert_eq!(deployment["spec"]["replicas"], 2);
        assert_eq!(deployment["spec"]["template"]["spec"]["containers"][0]["image"], "ghcr.io/acme/api:1.4");
        let service = object::<Service>(&kube, Some("acme-web"), "api").await.expect("the service");
        assert_eq!(service["spec"]["ports"][0]["port"], 8080);
        let ingress = object::<Ingress>(&kube, Some("acme-web"), "api").await.expect("the ingress");
        assert_eq!(ingress["spec"]["rules"][0]["host"], "api.acme.example");

        // Drift is repaired by the pass over every project.
        let deployments: kube::Api<Deployment> = kube::Api::namespaced(kube.clone(), "acme-web");
        deployments.patch("api", &kube::api::PatchParams::default(), &kube::api::Patch::Merge(json!({"spec": {"replicas": 7}}))).await.unwrap();
        let quotas: kube::Api<ResourceQuota> = kube::Api::namespaced(kube.clone(), "acme-web");
        quotas.delete("fleetdeck-quota", &Default::default()).await.unwrap();
        assert_eq!(sync(&app, true).await, [(web_id.to_string(), Ok(()))]);
        let deployment = object::<Deployment>(&kube, Some("acme-web"), "api").await.unwrap();
        assert_eq!(deployment["spec"]["replicas"], 2);
        assert!(object::<ResourceQuota>(&kube, Some("acme-web"), "fleetdeck-quota").await.is_some());

        // Without a host the Ingress is pruned; without the app, all of it.
        let (status, body) = call(&app, Method::PUT, &format!("/api/apps/{api_id}"), ADMIN_TOKEN,
            Some(json!({"image": "ghcr.io/acme/api:1.5", "port": 8080}))).await;
        assert_eq!(status, 200, "{body}");
        sync(&app, false).await;
        assert!(object::<Ingress>(&kube, Some("acme-web"), "api").await.is_none());
        assert!(object::<Service>(&kube, Some("acme-web"), "api").await.is_some());
        let deployment = object::<Deployment>(&kube, Some("acme-web"), "api").await.unwrap();
        assert_eq!(deployment["spec"]["template"]["spec"]["containers"][0]["image"], "ghcr.io/acme/api:1.5");
        // An object someone else made in the namespace is not Fleetdeck's to prune.
        let theirs: Service = serde_json::from_value(json!({
            "metadata": {"name": "theirs", "labels": {"fleetdeck.dev/app": "api"}}, "spec": {"ports": [{"port": 80}]}})).unwrap();
        kube::Api::<Service>::namespaced(kube.clone(), "acme-web")
            .create(&Default::default(), &theirs).await.unwrap();
        let (status, _) = call(&app, Method::DELETE, &format!("/api/apps/{api_id}"), ADMIN_TOKEN, None).await;
        assert_eq!(status, 204);
        sync(&app, false).await;
        assert!(object::<Deployment>(&kube, Some("acme-web"), "api").await.is_none());
        assert!(object::<Service>(&kube, Some("acme-web"), "api").await.is_none());
        assert!(object::<Service>(&kube, Some("acme-web"), "theirs").await.is_some());

        // A project in a cluster Fleetdeck cannot reach fails, and says why.
        let paper = created(&app, "/api/projects", ADMIN_TOKEN,
            json!({"tenantId": acme["id"], "name": "paper", "cluster": "paper"})).await;
        let paper_id = paper["id"].as_str().unwrap();
        let outcomes = sync(&app, false).await;
        assert_eq!(outcomes.len(), 1);
        assert!(outcomes[0].1.as_ref().unwrap_err().contains("connection"), "{outcomes:?}");
        let (_, got) = call(&app, Method::GET, &format!("/api/projects/{paper_id}"), ADMIN_TOKEN, None).await;
        assert_eq!(got["sync"]["status"], "failed", "{got}");
        assert!(got["sync"]["error"].as_str().unwrap().contains("paper"), "{got}");
        // A failed project is tried again on the next pass.
        assert_eq!(sync(&app, false).await.len(), 1);

        // Deleting a project deletes its namespace, unless asked to keep it.
        let (status, body) = call(&app, Method::DELETE, &format!("/api/projects/{web_id}"), ADMIN_TOKEN, None).await;
        assert_eq!(status, 204, "{body}");
        assert!(object::<Namespace>(&kube, None, "acme-web").await.is_none());
        let (status, body) = call(&app, Method::DELETE, &format!("/api/projects/{paper_id}?cascade=false"), ADMIN_TOKEN, None).await;
        assert_eq!(status, 204, "{body}");
        let audit = app.audit("verb=delete&outcome=success").await;
        let deleted: Vec<(&Value, &Value, &Value)> = audit.iter().filter(|r| r["resourceType"] == "project")
            .map(|r| (&r["name"], &r["namespace"], &r["reason"])).collect();
        assert_eq!(deleted, [
            (&json!("paper"), &json!("acme-paper"), &json!("the namespace was kept")),
            (&json!("web"), &json!("acme-web"), &Value::Null),
        ]);
        app.stop().await;
    }

    async fn the_leader_syncs_a_project_as_soon_as_it_changes(db) {
        let sim = kubesim::Sim::start(kubesim::SimConfig::default()).await.unwrap();
        let mut settings = with_secret_key(db);
        settings.project_sync = true;
        // Only a change can wake it in time.
        settings.project_sync_interval = std::time::Duration::from_secs(3600);
        let app = TestApp::with(settings).await;
        register_sim(&app, "prod", &sim, "shared").await;
        let acme = created(&app, "/api/tenants", ADMIN_TOKEN, json!({"name": "acme"})).await;
        let web = created(&app, "/api/projects", ADMIN_TOKEN,
            json!({"tenantId": acme["id"], "name": "web", "cluster": "prod"})).await;
        let path = format!("/api/projects/{}", web["id"].as_str().unwrap());
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
        loop {
            let (_, got) = call(&app, Method::GET, &path, ADMIN_TOKEN, None).await;
            if got["sync"]["status"] == "synced" {
                break;
            }
            assert!(std::time::Instant::now() < deadline, "not synced: {got}");
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        }
        assert!(object::<Namespace>(&sim_client(&sim).await, None, "acme-web").await.is_some());
        app.stop().await;
    }
}

/// `kubectl <args>` with `kubeconfig` (and a HOME of its own): success, stdout, stderr.
async fn kubectl(kubeconfig: &str, args: &str) -> (bool, String, String) {
    let home = tempfile::tempdir().unwrap();
    let path = home.path().join("kubeconfig");
    std::fs::write(&path, kubeconfig).unwrap();
    let env = vec![
        ("HOME", home.path().display().to_string()),
        ("KUBECONFIG", path.display().to_string()),
    ];
    shell(&format!("kubectl {args}"), env).await
}

on_both_backends! {
    async fn an_issued_kubeconfig_reaches_its_namespace_only_with_kubectl(db) {
        let sim = kubesim::Sim::start(kubesim::SimConfig::default()).await.unwrap();
        let mut settings = with_secret_key(db);
        settings.login_rate_limit = 1000;
        let app = TestApp::with(settings).await;
        register_sim(&app, "prod", &sim, "shared").await;
        cluster(&app, "paper").await;
        let acme = created(&app, "/api/tenants", ADMIN_TOKEN, json!({"name": "acme"})).await;
        let web = created(&app, "/api/projects", ADMIN_TOKEN,
            json!({"tenantId": acme["id"], "name": "web", "cluster": "prod"})).await;
        let web_path = format!("/api/projects/{}/kubeconfig", web["id"].as_str().unwrap());

        // Issued to the admin token, not yet synced: the project is applied first.
        let (status, issued) = call(&app, Method::POST, &web_path, ADMIN_TOKEN, Some(json!({"ttlSeconds": 900}))).await;
        assert_eq!(status, 200, "{issued}");
        assert_eq!((issued["namespace"].as_str(), issued["serviceAccount"].as_str()), (Some("acme-web"), Some("fleetdeck-project")));
        let expires: chrono::DateTime<chrono::Utc> = issued["expiresAt"].as_str().unwrap().parse().unwrap();
        let life = expires - chrono::Utc::now();
        assert!(life > chrono::Duration::seconds(890) && life <= chrono::Duration::seconds(900), "{life}");
        let kubeconfig = issued["kubeconfig"].as_str().unwrap();

        // Real kubectl: the namespace is its default; it may run workloads there and read the
        // guard rails, nothing more, and nowhere else.
        let (ok, out, err) = kubectl(kubeconfig, "create deployment api --image=ghcr.io/acme/api:1").await;
        assert!(ok, "{out}{err}");
        let (ok, out, err) = kubectl(kubeconfig, "get deployments -o name").await;
        assert!(ok && out.trim() == "deployment.apps/api", "{out}{err}");
        let (ok, out, err) = kubectl(kubeconfig, "get resourcequota fleetdeck-quota -o name").await;
        assert!(ok, "{out}{err}");
        for refused in ["delete resourcequota fleetdeck-quota", "get pods -n default", "get namespaces", "create rolebinding x --clusterrole=admin --user=me"] {
            let (ok, _, err) = kubectl(kubeconfig, refused).await;
            assert!(!ok && err.to_lowercase().contains("forbidden"), "{refused}: {err}");
        }

        // A password user gives the password again.
        app.create_user("ann", "admin", "ann-password-123").await;
        let session = app.login("ann", "ann-password-123").await;
        let post = |body: Value| session.post(app.url(&web_path)).json(&body).send();
        let r = post(json!({})).await.unwrap();
        assert_eq!(r.status(), 400);
        assert_eq!(r.json::<Value>().await.unwrap()["code"], "password_required");
        let r = post(json!({"password": "wrong-password-1"})).await.unwrap();
        assert_eq!(r.status(), 403);
        assert_eq!(r.json::<Value>().await.unwrap()["code"], "wrong_password");
        let r = post(json!({"password": "ann-password-123"})).await.unwrap();
        assert_eq!(r.status(), 200);
        let (ok, _, err) = kubectl(r.json::<Value>().await.unwrap()["kubeconfig"].as_str().unwrap(), "get pods").await;
        assert!(ok, "{err}");

        // Who may: the tenant's and the project's keys; staff roles read projects but get none;
        // another tenant's key does not see the project.
        let globex = created(&app, "/api/tenants", ADMIN_TOKEN, json!({"name": "globex"})).await;
        for (key, want) in [
            (scoped_key(&app, "tenant", &format!("tenant:{}", acme["id"].as_str().unwrap())).await, 200),
            (scoped_key(&app, "project", &format!("project:{}", web["id"].as_str().unwrap())).await, 200),
            (VIEWER_TOKEN.to_string(), 403),
            (OPERATOR_TOKEN.to_string(), 403),
            (scoped_key(&app, "tenant", &format!("tenant:{}", globex["id"].as_str().unwrap())).await, 404),
        ] {
            let (status, body) = call(&app, Method::POST, &web_path, &key, Some(json!({}))).await;
            assert_eq!(status, want, "{body}");
        }
        let (status, body) = call(&app, Method::POST, &web_path, ADMIN_TOKEN, Some(json!({"ttlSeconds": 599}))).await;
        assert_error(status, &body, 422, "invalid_ttl");
        let paper = created(&app, "/api/projects", ADMIN_TOKEN,
            json!({"tenantId": acme["id"], "name": "paper", "cluster": "paper"})).await;
        let (status, body) = call(&app, Method::POST, &format!("/api/projects/{}/kubeconfig", paper["id"].as_str().unwrap()),
            ADMIN_TOKEN, Some(json!({}))).await;
        assert_error(status, &body, 409, "no_connection");

        // Audited, without the token.
        let rows = app.audit("verb=kubeconfig_issue").await;
        let outcomes: Vec<&str> = rows.iter().map(|r| r["outcome"].as_str().unwrap()).collect();
        assert_eq!(outcomes.iter().filter(|o| **o == "success").count(), 4, "{rows:?}");
        assert!(rows.iter().any(|r| r["reason"] == "wrong_password"), "{rows:?}");
        assert!(rows.iter().filter(|r| r["outcome"] == "success").all(|r| r["namespace"] == "acme-web"));
        let token = kubeconfig.lines().find_map(|l| l.trim().strip_prefix("token: ")).unwrap().trim_matches('\'');
        let everything = serde_json::to_string(&app.audit("limit=500").await).unwrap();
        assert!(!everything.contains(token));
        app.stop().await;
    }
}

on_both_backends! {
    async fn project_tokens_reach_their_project_until_it_goes(db) {
        let app = TestApp::with(with_secret_key(db)).await;
        cluster(&app, "prod").await;
        let acme = created(&app, "/api/tenants", ADMIN_TOKEN, json!({"name": "acme"})).await;
        let globex = created(&app, "/api/tenants", ADMIN_TOKEN, json!({"name": "globex"})).await;
        let acme_id = acme["id"].as_str().unwrap();
        let web = created(&app, "/api/projects", ADMIN_TOKEN, json!({"tenantId": acme_id, "name": "web", "cluster": "prod"})).await;
        let docs = created(&app, "/api/projects", ADMIN_TOKEN, json!({"tenantId": acme_id, "name": "docs", "cluster": "prod"})).await;
        let (web_id, docs_id) = (web["id"].as_str().unwrap(), docs["id"].as_str().unwrap());

        // A key of the tenant issues one; the project's own key, staff and other tenants do not.
        let tenant_key = scoped_key(&app, "tenant", &format!("tenant:{acme_id}")).await;
        let issued = created(&app, "/api/tokens/project", &tenant_key, json!({"projectId": web_id, "ttlMinutes": 30})).await;
        let token = issued["token"].as_str().unwrap();
        assert!(token.starts_with("fdpt_"));
        assert_eq!(issued["scope"], format!("project:{web_id}"));
        let expires: chrono::DateTime<chrono::Utc> = issued["expiresAt"].as_str().unwrap().parse().unwrap();
        assert!((expires - chrono::Utc::now() - chrono::Duration::minutes(30)).num_seconds().abs() <= 2);
        let project_key = scoped_key(&app, "project", &format!("project:{web_id}")).await;
        let globex_key = scoped_key(&app, "tenant", &format!("tenant:{}", globex["id"].as_str().unwrap())).await;
        for (key, want, code) in [
            (project_key.as_str(), 403, "forbidden"),
            (VIEWER_TOKEN, 403, "forbidden"),
            (globex_key.as_str(), 422, "unknown_project"),
            (token, 403, "forbidden"),
        ] {
            let (status, body) = call(&app, Method::POST, "/api/tokens/project", key, Some(json!({"projectId": web_id}))).await;
            assert_error(status, &body, want, code);
        }
        for ttl in [0, 1441] {
            let (status, body) = call(&app, Method::POST, "/api/tokens/project", ADMIN_TOKEN, Some(json!({"projectId": web_id, "ttlMinutes": ttl}))).await;
            assert_error(status, &body, 422, "invalid_ttl");
        }

        // The token is the project role for its project: its apps, nothing else.
        let (_, me) = call(&app, Method::GET, "/api/auth/whoami", token, None).await;
        assert_eq!((me["method"].as_str(), me["roles"][0].as_str()), (Some("project_token"), Some("project")));
        assert_eq!(me["scope"], format!("project:{web_id}"));
        let (status, _) = call(&app, Method::GET, &format!("/api/projects/{web_id}"), token, None).await;
        assert_eq!(status, 200);
        created(&app, "/api/apps", token, json!({"projectId": web_id, "name": "api", "spec": {"image": "ghcr.io/acme/api:1"}})).await;
        let (status, body) = call(&app, Method::GET, &format!("/api/projects/{docs_id}"), token, None).await;
        assert_error(status, &body, 404, "project_not_found");
        let (status, _) = call(&app, Method::GET, "/api/clusters", token, None).await;
        assert_eq!(status, 403);
        // A forged one is no one.
        let forged = format!("{}A", &token[..token.len() - 1]);
        let (status, _) = call(&app, Method::GET, &format!("/api/projects/{web_id}"), &forged, None).await;
        assert_eq!(status, 401);

        // Audited without the secret; gone with its project.
        let rows = app.audit("verb=create&outcome=success").await;
        let row = rows.iter().find(|r| r["resourceType"] == "project_token").expect("the issue's row");
        assert_eq!(row["name"], issued["id"]);
        assert_eq!(row["namespace"], "acme-web");
        assert!(!serde_json::to_string(&app.audit("limit=500").await).unwrap().contains(&token[5..]));
        let (_, apps) = call(&app, Method::GET, &format!("/api/apps?projectId={web_id}"), ADMIN_TOKEN, None).await;
        let app_id = apps["items"][0]["id"].as_str().unwrap().to_string();
        call(&app, Method::DELETE, &format!("/api/apps/{app_id}"), ADMIN_TOKEN, None).await;
        let (status, _) = call(&app, Method::DELETE, &format!("/api/projects/{web_id}"), ADMIN_TOKEN, None).await;
        assert_eq!(status, 204);
        let (status, body) = call(&app, Method::GET, &format!("/api/projects/{web_id}"), token, None).await;
        assert_error(status, &body, 404, "project_not_found");
        app.stop().await;

        // Without a secret key there is nothing to seal them with.
        let bare = TestApp::start(db).await;
        let (status, body) = call(&bare, Method::POST, "/api/tokens/project", ADMIN_TOKEN, Some(json!({"projectId": docs_id}))).await;
        assert_error(status, &body, 409, "secret_key_required");
        bare.stop().await;
    }
}
