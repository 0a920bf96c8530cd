//! The store's queries on each backend.

mod common;

use fleetdeck::auth::{Owner, Role};
use fleetdeck::store::api_keys::NewApiKey;
use fleetdeck::store::findings::{FindingFilter, FindingWrite};
use fleetdeck::store::sessions::NewSession;
use fleetdeck::store::users::{NewUser, UserChanges, UserWrite};
use serde_json::{Value, json};

/// A finding of a pod (or node, without a namespace) in cluster `prod`.
fn finding<'a>(id: &'a str, namespace: &'a str, name: &'a str, severity: &'a str, body: &'a Value) -> FindingWrite<'a> {
    let kind = if namespace.is_empty() { "Node" } else { "Pod" };
    FindingWrite {
        id,
        cluster: "prod",
        namespace,
        kind,
        name,
        class: "pod_crash_loop",
        severity,
        body,
    }
}

async fn ids(store: &fleetdeck::store::Store, filter: FindingFilter<'_>) -> Vec<String> {
    store
        .findings(&filter)
        .await
        .unwrap()
        .into_iter()
        .map(|r| r.id)
        .collect()
}

fn user<'a>(username: &'a str, display_name: &'a str, role: Role) -> NewUser<'a> {
    NewUser {
        username,
        display_name,
        role,
        password_hash: "hash",
        email: None,
    }
}

on_both_backends! {
    async fn settings_upsert_and_delete(db) {
        let store = db.store().await;
        assert_eq!(store.setting("k").await.unwrap(), None);
        store.put_setting("k", "one").await.unwrap();
        store.put_setting("k", "two").await.unwrap();
        assert_eq!(store.setting("k").await.unwrap().as_deref(), Some("two"));
        store.delete_setting("k").await.unwrap();
        assert_eq!(store.setting("k").await.unwrap(), None);
        store.close().await;
    }

    async fn users_round_trip_and_keep_an_admin(db) {
        let store = db.store().await;
        let u = store.insert_user(&user("ada", "Ada", Role::Admin)).await.unwrap().unwrap();
        assert!(store.insert_user(&user("ada", "Other", Role::Viewer)).await.unwrap().is_none(), "taken username");
        let back = store.user_by_username("ada").await.unwrap().unwrap();
        assert_eq!((back.id.as_str(), back.role, back.disabled, back.created_at), (u.id.as_str(), Role::Admin, false, u.created_at));
        assert!(matches!(store.update_user("ada", UserChanges { disabled: Some(true), ..Default::default() }).await.unwrap(), UserWrite::LastAdmin));
        assert!(matches!(store.delete_user("ada").await.unwrap(), UserWrite::LastAdmin));
        assert!(matches!(store.update_user("nobody", UserChanges::default()).await.unwrap(), UserWrite::NotFound));
        store.insert_user(&user("bea", "Bea", Role::Admin)).await.unwrap().unwrap();
        let UserWrite::Done(ada) = store.update_user("ada", UserChanges { role: Some(Role::Viewer), ..Default::default() }).await.unwrap() else {
            panic!("a second admin exists")
        };
        assert_eq!(ada.role, Role::Viewer);
        assert_eq!(store.user_by_id(&u.id).await.unwrap().unwrap().role, Role::Viewer);
        store.close().await;
    }

    async fn sessions_expire_and_follow_their_user(db) {
        let store = db.store().await;
        let u = store.insert_user(&user("cy", "Cy", Role::Operator)).await.unwrap().unwrap();
        let later = fleetdeck::store::now() + chrono::Duration::hours(1);
        let earlier = fleetdeck::store::now() - chrono::Duration::seconds(1);
        for (id, expires_at) in [("live", later), ("dead", earlier)] {
            store
                .insert_session(&NewSession { id, user_id: Some(&u.id), token_name: None, method: "password", expires_at, client_ip: "127.0.0.1", user_agent: "t" })
                .await
                .unwrap();
        }
        let s = store.live_session("live").await.unwrap().unwrap();
        assert_eq!((s.username.as_deref(), s.user_role(), s.disabled, s.expires_at), (Some("cy"), Some(Role::Operator), Some(false), later));
        assert!(store.live_session("dead").await.unwrap().is_none());
        assert_eq!(store.prune_sessions().await.unwrap(), 1);
        store.update_user("cy", UserChanges { disabled: Some(true), ..Default::default() }).await.unwrap();
        assert!(store.live_session("live").await.unwrap().is_none(), "disabling a user ends their sessions");
        store.close().await;
    }

    async fn api_keys_belong_to_their_owner(db) {
        let store = db.store().await;
        let u = store.insert_user(&user("dee", "Dee", Role::Operator)).await.unwrap().unwrap();
        let owner = Owner::User(u.id.clone());
        let token_owner = Owner::Token("ci".into());
        let k = store
            .insert_api_key(&NewApiKey { digest: "d1", prefix: "fdk_abc", name: "one", role: Role::Viewer, owner: &owner, expires_at: None, cluster_dns: None, scope: None })
            .await
            .unwrap();
        store
            .insert_api_key(&NewApiKey { digest: "d2", prefix: "fdk_def", name: "two", role: Role::Admin, owner: &token_owner, expires_at: None, cluster_dns: None, scope: None })
            .await
            .unwrap();
        assert_eq!(store.api_keys_of(&owner).await.unwrap().len(), 1);
        assert_eq!(store.api_keys_of(&token_owner).await.unwrap()[0].name, "two");
        let found = store.api_key_by_digest("d1").await.unwrap().unwrap();
        assert_eq!((found.username.as_deref(), found.user_role.as_deref(), found.role), (Some("dee"), Some("operator"), Role::Viewer));
        assert!(store.delete_api_key(&k.id, &token_owner).await.unwrap().is_none(), "not theirs");
        let at = fleetdeck::store::now();
        store.touch_api_key(&k.id, at).await.unwrap();
        assert_eq!(store.api_keys_of(&owner).await.unwrap()[0].last_used_at, Some(at));
        store.delete_user("dee").await.unwrap();
        assert!(store.api_key_by_digest("d1").await.unwrap().is_none(), "a deleted user's keys go with them");
        let stats = store.pool_stats();
        assert!(stats.max >= stats.size && stats.size >= 1);
        store.close().await;
    }

    async fn findings_open_reopen_resolve_page_and_prune(db) {
        let store = db.store().await;
        let (a, b, c) = (json!({"title": "a"}), json!({"title": "b"}), json!({"title": "c"}));
        let t0 = fleetdeck::store::now();
        let t = |s: i64| t0 + chrono::Duration::seconds(s);
        store.write_findings(&[finding("f1", "web", "api-1", "critical", &a), finding("f2", "web", "api-2", "warning", &b)], &[], t0).await.unwrap();
        store.write_findings(&[finding("f3", "", "node-1", "warning", &c)], &[], t0).await.unwrap();

        // Seen again: the first sighting stays, the body and last sighting move.
        store.write_findings(&[finding("f1", "web", "api-1", "warning", &b)], &["f2"], t(10)).await.unwrap();
        let f1 = store.finding("f1").await.unwrap().unwrap();
        assert_eq!((f1.first_seen_at, f1.last_seen_at, f1.resolved_at, f1.severity.as_str(), &f1.body.0), (t0, t(10), None, "warning", &b));
        let f2 = store.finding("f2").await.unwrap().unwrap();
        assert_eq!(f2.resolved_at, Some(t(10)));
        // Resolving twice keeps the first time.
        store.write_findings(&[], &["f2"], t(20)).await.unwrap();
        assert_eq!(store.finding("f2").await.unwrap().unwrap().resolved_at, Some(t(10)));
        // A condition that comes back reopens its row as a new sighting.
        store.write_findings(&[finding("f2", "web", "api-2", "warning", &b)], &[], t(30)).await.unwrap();
        let f2 = store.finding("f2").await.unwrap().unwrap();
        assert_eq!((f2.first_seen_at, f2.resolved_at), (t(30), None));

        assert_eq!(store.open_findings("prod").await.unwrap().len(), 3);
        assert_eq!(ids(&store, FindingFilter { limit: 10, ..Default::default() }).await, ["f3", "f1", "f2"], "cluster, namespace, kind, name order");
        assert_eq!(ids(&store, FindingFilter { kind: Some("Node"), limit: 10, ..Default::default() }).await, ["f3"]);
        assert_eq!(ids(&store, FindingFilter { limit: 2, after: Some(["prod", "web", "Pod", "api-1", "f1"]), ..Default::default() }).await, ["f2"]);
        assert_eq!(ids(&store, FindingFilter { severity: Some("warning"), namespace: Some("web"), limit: 10, ..Default::default() }).await, ["f1", "f2"]);
        assert_eq!(ids(&store, FindingFilter { cluster: Some("dev"), limit: 10, ..Default::default() }).await, Vec::<String>::new());

        store.touch_findings("prod", t(40)).await.unwrap();
        assert_eq!(store.finding("f3").await.unwrap().unwrap().last_seen_at, t(40));
        assert_eq!(store.resolve_findings_of("prod", t(50)).await.unwrap(), 3);
        assert_eq!(ids(&store, FindingFilter { resolved: Some(false), limit: 10, ..Default::default() }).await, Vec::<String>::new());
        assert_eq!(ids(&store, FindingFilter { resolved: Some(true), limit: 10, ..Default::default() }).await.len(), 3);
        assert_eq!(store.prune_findings(t(50)).await.unwrap(), 0, "resolved at the bound: kept");
        assert_eq!(store.prune_findings(t(51)).await.unwrap(), 3);
        store.close().await;
    }
}
