//! The project sync: on the leader, applies each project's namespace, guard rails and apps
//! (`project_objects`) to its cluster as Fleetdeck — server-side apply under Fleetdeck's field
//! manager, forced, since these fields are Fleetdeck's to set — and prunes the app objects no
//! longer wanted. Tenancy writes raise a project's generation and wake the sync, which applies
//! the projects not yet synced; every `FLEETDECK_PROJECT_SYNC_INTERVAL` it applies them all,
//! which repairs what was changed behind Fleetdeck's back.

use std::collections::{HashMap, HashSet};

use futures::StreamExt;
use k8s_openapi::api::apps::v1::Deployment;
use k8s_openapi::api::core::v1::{LimitRange, Namespace, ResourceQuota, Service, ServiceAccount};
use k8s_openapi::api::networking::v1::{Ingress, NetworkPolicy};
use k8s_openapi::api::rbac::v1::{Role, RoleBinding};
use kube::api::{Api, ApiResource, DeleteParams, DynamicObject, ListParams, Patch, PatchParams};
use serde_json::Value;
use tokio::task::JoinHandle;
use tokio::time::MissedTickBehavior;

use super::model::{AppSpec, Quota};
use super::policy;
use super::project_objects::{self, APP_LABEL, AppObjects, MANAGED_BY, ProjectSpec};
use crate::AppState;
use crate::clusters::actions::FIELD_MANAGER;
use crate::clusters::clients::own_access;
use crate::kube::leader::Leadership;
use crate::kube::pool::NoClient;
use crate::store::tenancy::{AppRow, ProjectRow};

/// Projects applied at once.
const PROJECTS_AT_ONCE: usize = 4;

/// Syncs while this replica leads, until the runtime stops.
pub fn spawn(state: AppState, mut leadership: Leadership) -> JoinHandle<()> {
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(state.settings.project_sync_interval);
        tick.set_missed_tick_behavior(MissedTickBehavior::Delay);
        while leadership.leading().await {
            let every = tokio::select! {
                _ = tick.tick() => true,
                _ = state.projects_changed.notified() => false,
            };
            if let Err(e) = sync(&state, every).await {
                tracing::warn!(error = format!("{e:#}"), "tenancy: project sync failed");
            }
        }
    })
}

/// What applying projects needs besides them: their tenants' names, their apps and the policy's
/// egress CIDRs.
struct Context {
    tenants: HashMap<String, String>,
    apps: HashMap<String, Vec<AppRow>>,
    egress: Vec<String>,
}

impl Context {
    /// For project `one`, else for every project.
    async fn load(state: &AppState, one: Option<&ProjectRow>) -> anyhow::Result<Context> {
        let egress = policy::current(state)
            .await
            .map_err(|e| anyhow::anyhow!("reading the platform policy: {}", e.message))?
            .policy
            .egress_baseline;
        let tenants = match one {
            Some(p) => state.store.tenant(&p.tenant_id).await?.into_iter().collect(),
            None => state.store.tenants().await?,
        };
        let tenants = tenants.into_iter().map(|t| (t.id, t.name)).collect();
        let mut apps: HashMap<String, Vec<AppRow>> = HashMap::new();
        for app in state.store.apps(one.map(|p| p.id.as_str())).await? {
            apps.entry(app.project_id.clone()).or_default().push(app);
        }
        Ok(Context { tenants, apps, egress })
    }

    /// Applies `p` and records the outcome on it.
    async fn sync(&self, state: &AppState, p: &ProjectRow) -> Result<(), String> {
        let tenant = self.tenants.get(&p.tenant_id).map(String::as_str).unwrap_or_default();
        let apps = self.apps.get(&p.id).map(Vec::as_slice).unwrap_or_default();
        let outcome = apply(state, p, tenant, apps, &self.egress).await;
        let recorded = match &outcome {
            Ok(()) => {
                state
                    .store
                    .project_synced(&p.id, p.generation, crate::store::now())
                    .await
            }
            Err(e) => {
                tracing::info!(
                    project = p.id,
                    cluster = p.cluster,
                    error = e,
                    "tenancy: project not synced"
                );
                state.store.project_sync_failed(&p.id, e).await
            }
        };
        if let Err(e) = recorded {
            tracing::warn!(project = p.id, error = %e, "tenancy: recording a project's sync failed");
        }
        outcome
    }
}

/// Applies the projects not in step with their cluster (every project when `every`); records
/// each outcome on the project. Returns the outcomes by project id.
pub async fn sync(state: &AppState, every: bool) -> anyhow::Result<Vec<(String, Result<(), String>)>> {
    let context = Context::load(state, None).await?;
    let due: Vec<ProjectRow> = state
        .store
        .projects(None)
        .await?
        .into_iter()
        .filter(|p| every || p.synced_generation != p.generation || p.sync_error.is_some())
        .collect();
    let context = &context;
    Ok(futures::stream::iter(due)
        .map(|p| async move {
            let outcome = context.sync(state, &p).await;
            (p.id, outcome)
        })
        .buffer_unordered(PROJECTS_AT_ONCE)
        .collect()
        .await)
}

/// Applies project `p` now and records the outcome (what must be in place before a kubeconfig
/// for it is issued).
pub async fn sync_one(state: &AppState, p: &ProjectRow) -> anyhow::Result<Result<(), String>> {
    Ok(Context::load(state, Some(p)).await?.sync(state, p).await)
}

/// The API of a kind Fleetdeck makes for projects.
fn resource(kind: &str) -> Option<ApiResource> {
    Some(match kind {
        "Namespace" => ApiResource::erase::<Namespace>(&()),
        "ResourceQuota" => ApiResource::erase::<ResourceQuota>(&()),
        "LimitRange" => ApiResource::erase::<LimitRange>(&()),
        "NetworkPolicy" => ApiResource::erase::<NetworkPolicy>(&()),
        "Deployment" => ApiResource::erase::<Deployment>(&()),
        "Service" => ApiResource::erase::<Service>(&()),
        "Ingress" => ApiResource::erase::<Ingress>(&()),
        "ServiceAccount" => ApiResource::erase::<ServiceAccount>(&()),
        "Role" => ApiResource::erase::<Role>(&()),
        "RoleBinding" => ApiResource::erase::<RoleBinding>(&()),
        _ => return None,
    })
}

/// The kinds an app is made of: what pruning lists.
const APP_KINDS: [&str; 3] = ["Deployment", "Service", "Ingress"];

fn api(client: &kube::Client, resource: &ApiResource, namespace: Option<&str>) -> Api<DynamicObject> {
    match namespace {
        Some(ns) => Api::namespaced_with(client.clone(), ns, resource),
        None => Api::all_with(client.clone(), resource),
    }
}

/// Applies project `p` with its apps; the first failure, as the project's sync error.
async fn apply(
    state: &AppState,
    p: &ProjectRow,
    tenant: &str,
    apps: &[AppRow],
    egress: &[String],
) -> Result<(), String> {
    let client = client_of(state, &p.cluster).await?.ok_or_else(|| {
        format!(
            "cluster {:?} is not registered with a connection Fleetdeck can use",
            p.cluster
        )
    })?;
    // Written from a checked `Quota`; a row no longer of its shape applies no quota.
    let quota: Quota = serde_json::from_value(p.quota.0.clone()).unwrap_or_default();
    let mut objects = project_objects::project(&ProjectSpec {
        tenant,
        project: &p.name,
        namespace: &p.namespace,
        quota: &quota,
        egress,
    });
    objects.extend(project_objects::access(&p.namespace));
    for row in apps {
        objects.extend(project_objects::app(
            &p.namespace,
            &AppObjects {
                name: &row.name,
                spec: &AppSpec::of(row),
            },
        ));
    }
    let params = PatchParams::apply(FIELD_MANAGER).force();
    let mut wanted = HashSet::new();
    for object in &objects {
        let (kind, name) = (text(object, "/kind"), text(object, "/metadata/name"));
        let resource = resource(kind).ok_or_else(|| format!("Fleetdeck does not make {kind} objects"))?;
        let namespace = object.pointer("/metadata/namespace").and_then(Value::as_str);
        api(&client, &resource, namespace)
            .patch(name, &params, &Patch::Apply(object))
            .await
            .map_err(|e| format!("applying {kind} {name}: {}", message(&e)))?;
        wanted.insert((kind, name));
    }
    prune(&client, &p.namespace, &wanted).await
}

/// Fleetdeck's own client of the registered cluster `name`; none when it is not registered or
/// registered without a connection (metadata only).
async fn client_of(state: &AppState, name: &str) -> Result<Option<kube::Client>, String> {
    let Some(cluster) = state.store.cluster(name).await.map_err(|e| e.to_string())? else {
        return Ok(None);
    };
    match own_access(state, &cluster).await {
        Ok((_, client)) => Ok(Some(client)),
        Err(NoClient::NoConnection) => Ok(None),
        Err(NoClient::Broken(why)) => Err(format!("the connection to cluster {name:?} cannot be used: {why}")),
    }
}

fn text<'a>(v: &'a Value, pointer: &str) -> &'a str {
    v.pointer(pointer).and_then(Value::as_str).unwrap_or_default()
}

/// Deletes the app objects in `namespace` Fleetdeck made that are not `wanted`: those of apps
/// deleted, a Service of an app without a port now, an Ingress of one without a host.
async fn prune(client: &kube::Client, namespace: &str, wanted: &HashSet<(&str, &str)>) -> Result<(), String> {
    let selector = ListParams::default().labels(&format!("{}={},{APP_LABEL}", MANAGED_BY.0, MANAGED_BY.1));
    for kind in APP_KINDS {
        let Some(resource) = resource(kind) else { continue };
        let api = api(client, &resource, Some(namespace));
        let listed = api
            .list_metadata(&selector)
            .await
            .map_err(|e| format!("listing {kind} objects: {}", message(&e)))?;
        for object in listed.items {
            let name = object.metadata.name.unwrap_or_default();
            if wanted.contains(&(kind, name.as_str())) {
                continue;
            }
            match api.delete(&name, &DeleteParams::background()).await {
                Ok(_) => tracing::info!(namespace, kind, name, "tenancy: pruned"),
                Err(kube::Error::Api(e)) if e.code == 404 => {}
                Err(e) => return Err(format!("deleting {kind} {name}: {}", message(&e))),
            }
        }
    }
    Ok(())
}

/// An apiserver error as a sync error: the apiserver's message, else the client's.
fn message(e: &kube::Error) -> String {
    match e {
        kube::Error::Api(status) => format!("{} ({})", status.message, status.code),
        other => other.to_string(),
    }
}

/// Deletes project `p`'s namespace, and with it all it holds (a namespace already gone is
/// fine); what a project's deletion does to its cluster.
pub async fn delete_namespace(state: &AppState, p: &ProjectRow) -> Result<(), String> {
    let Some(client) = client_of(state, &p.cluster).await? else {
        // Gone from the registry, or metadata only: there is nothing Fleetdeck can reach.
        return Ok(());
    };
    match Api::<Namespace>::all(client)
        .delete(&p.namespace, &DeleteParams::background())
        .await
    {
        Ok(_) => Ok(()),
        Err(kube::Error::Api(e)) if e.code == 404 => Ok(()),
        Err(e) => Err(format!("deleting namespace {}: {}", p.namespace, message(&e))),
    }
}
