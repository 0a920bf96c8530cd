//! Plans, orders and entitlements on both backends: admins sell plans; a tenant's key orders
//! one and pays it through Stripe Checkout — a local receiver stands in for Stripe's API and
//! records what Fleetdeck sent it — and Stripe's signed webhook marks it paid (signatures valid,
//! invalid and expired; replays; payments that do not match); admins mark orders paid by hand and
//! cancel them; and when the platform sells quota, a tenant's projects fit its paid orders.

mod common;

use std::time::Duration;

use common::receivers::{Receiver, Reply};
use common::*;
use fleetdeck::config::{RedactedSecret, StripeSettings};
use hmac::{Hmac, Mac};
use reqwest::Method;
use serde_json::{Value, json};
use sha2::Sha256;

const WEBHOOK_SECRET: &str = "whsec_fleetdeck_test";
const STRIPE_KEY: &str = "sk_test_fleetdeck";

fn session_reply(id: &str) -> Reply {
    let body =
        json!({"id": id, "object": "checkout.session", "url": format!("https://checkout.stripe.com/c/pay/{id}")});
    (200, vec![("content-type", "application/json".into())], body.to_string())
}

async fn app_with_stripe(db: &TestDb, stripe: &Receiver) -> TestApp {
    let mut settings = settings(db);
    settings.stripe = Some(StripeSettings {
        api_url: stripe.url(""),
        secret_key: RedactedSecret(STRIPE_KEY.into()),
        webhook_secret: RedactedSecret(WEBHOOK_SECRET.into()),
        webhook_tolerance: Duration::from_secs(300),
        public_url: "https://fleetdeck.example.com".into(),
    });
    TestApp::with(settings).await
}

/// A `Stripe-Signature` of `body` signed at `t` (Unix seconds) with `secret`.
fn signature(t: i64, body: &str, secret: &str) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).unwrap();
    mac.update(format!("{t}.{body}").as_bytes());
    format!("t={t},v1={}", hex::encode(mac.finalize().into_bytes()))
}

async fn webhook(app: &TestApp, body: &str, signature: Option<String>) -> (u16, Value) {
    let mut request = app
        .request(Method::POST, "/api/stripe/webhook")
        .header("content-type", "application/json")
        .body(body.to_string());
    if let Some(s) = signature {
        request = request.header("Stripe-Signature", s);
    }
    json(request.send().await.unwrap()).await
}

fn paid_event(event: &str, order: &str, session: &str, amount: i64, currency: &str) -> String {
    json!({"id": event, "object": "event", "type": "checkout.session.completed", "data": {"object": {
        "id": session, "object": "checkout.session", "client_reference_id": order, "payment_status": "paid",
        "amount_total": amount, "currency": currency, "payment_intent": format!("pi_{event}")}}})
    .to_string()
}

fn now() -> i64 {
    chrono::Utc::now().timestamp()
}

/// The form fields of a recorded request.
fn form(body: &[u8]) -> Vec<(String, String)> {
    url::form_urlencoded::parse(body).into_owned().collect()
}

fn field<'a>(form: &'a [(String, String)], key: &str) -> Option<&'a str> {
    form.iter().find(|(k, _)| k == key).map(|(_, v)| v.as_str())
}

async fn tenant(app: &TestApp, name: &str) -> String {
    let t = created(app, "/api/tenants", ADMIN_TOKEN, json!({"name": name})).await;
    t["id"].as_str().unwrap().to_string()
}

on_both_backends! {
    async fn admins_sell_plans_and_everyone_reads_those_on_sale(db) {
        let stripe = Receiver::start(vec![session_reply("cs_unused")]).await;
        let app = app_with_stripe(db, &stripe).await;
        let team = created(&app, "/api/plans", ADMIN_TOKEN, json!({
            "name": "team", "displayName": "Team", "price": "49", "currency": "USD",
            "quota": {"requestsCpu": "4", "requestsMemory": "8Gi"}})).await;
        assert_eq!((team["price"].as_str(), team["periodDays"].as_u64(), team["active"].as_bool()), (Some("49.00"), Some(30), Some(true)));
        let old = created(&app, "/api/plans", ADMIN_TOKEN, json!({
            "name": "legacy", "price": "5000", "currency": "JPY", "periodDays": 365, "active": false})).await;
        assert_eq!(old["price"], "5000.00");
        for (body, status, code) in [
            (json!({"name": "team", "price": "1", "currency": "USD"}), 409, "name_taken"),
            (json!({"name": "Big Plan", "price": "1", "currency": "USD"}), 422, "invalid_name"),
            (json!({"name": "x", "price": "0", "currency": "USD"}), 422, "invalid_price"),
            (json!({"name": "x", "price": "1.005", "currency": "USD"}), 422, "invalid_price"),
            (json!({"name": "x", "price": "10.50", "currency": "JPY"}), 422, "invalid_price"),
            (json!({"name": "x", "price": "1", "currency": "usd"}), 422, "invalid_currency"),
            (json!({"name": "x", "price": "1", "currency": "USD", "periodDays": 0}), 422, "invalid_period"),
            (json!({"name": "x", "price": "1", "currency": "USD", "quota": {"requestsCpu": "lots"}}), 422, "invalid_quota"),
        ] {
            let (s, r) = call(&app, Method::POST, "/api/plans", ADMIN_TOKEN, Some(body.clone())).await;
            assert_error(s, &r, status, code);
        }
        let (s, r) = call(&app, Method::POST, "/api/plans", OPERATOR_TOKEN, Some(json!({"name": "x", "price": "1", "currency": "USD"}))).await;
        assert_error(s, &r, 403, "forbidden");

        // Admins see every plan; the rest, and tenants' keys, those on sale.
        let acme = tenant(&app, "acme").await;
        let tenant_key = scoped_key(&app, "tenant", &format!("tenant:{acme}")).await;
        let names = |list: &Value| list["items"].as_array().unwrap().iter().map(|p| p["name"].as_str().unwrap().to_string()).collect::<Vec<_>>();
        let (_, all) = call(&app, Method::GET, "/api/plans", ADMIN_TOKEN, None).await;
        assert_eq!(names(&all), ["legacy", "team"]);
        for token in [VIEWER_TOKEN, tenant_key.as_str()] {
            let (_, on_sale) = call(&app, Method::GET, "/api/plans", token, None).await;
            assert_eq!(names(&on_sale), ["team"]);
        }
        let old_path = format!("/api/plans/{}", old["id"].as_str().unwrap());
        let (s, r) = call(&app, Method::GET, &old_path, VIEWER_TOKEN, None).await;
        assert_error(s, &r, 404, "plan_not_found");

        // A PUT replaces the plan; a name another plan has is refused.
        let (s, r) = call(&app, Method::PUT, &old_path, ADMIN_TOKEN, Some(json!({"name": "team", "price": "1", "currency": "USD"}))).await;
        assert_error(s, &r, 409, "name_taken");
        let (s, renamed) = call(&app, Method::PUT, &old_path, ADMIN_TOKEN, Some(json!({
            "name": "starter", "description": "For trying", "price": "9.99", "currency": "EUR", "quota": {"pods": 10}}))).await;
        assert_eq!(s, 200, "{renamed}");
        assert_eq!((renamed["name"].as_str(), renamed["currency"].as_str(), renamed["active"].as_bool(), renamed["quota"].clone()),
            (Some("starter"), Some("EUR"), Some(true), json!({"pods": 10})));
        let (s, _) = call(&app, Method::DELETE, &old_path, ADMIN_TOKEN, None).await;
        assert_eq!(s, 204);
        let (s, r) = call(&app, Method::DELETE, &old_path, ADMIN_TOKEN, None).await;
        assert_error(s, &r, 404, "plan_not_found");
        let audit = app.audit("outcome=success&limit=500").await;
        let verbs: Vec<&str> = audit.iter().filter(|a| a["resourceType"] == "plan").map(|a| a["verb"].as_str().unwrap()).collect();
        assert_eq!(verbs, ["delete", "update", "create", "create"], "newest first");
    }

    async fn a_tenant_pays_its_order_through_stripe_checkout(db) {
        let stripe = Receiver::start(vec![session_reply("cs_test_1")]).await;
        let app = app_with_stripe(db, &stripe).await;
        let plan = created(&app, "/api/plans", ADMIN_TOKEN, json!({
            "name": "team", "displayName": "Team", "price": "49.99", "currency": "USD", "periodDays": 30,
            "quota": {"requestsCpu": "4"}})).await;
        let (acme, globex) = (tenant(&app, "acme").await, tenant(&app, "globex").await);
        let tenant_key = scoped_key(&app, "tenant", &format!("tenant:{acme}")).await;
        let order = json!({"tenantId": acme, "planId": plan["id"]});

        // Who may order: admins and the tenant's own keys; staff read; others see no tenant.
        let (s, r) = call(&app, Method::POST, "/api/orders", VIEWER_TOKEN, Some(order.clone())).await;
        assert_error(s, &r, 403, "forbidden");
        let (s, r) = call(&app, Method::POST, "/api/orders", &tenant_key, Some(json!({"tenantId": globex, "planId": plan["id"]}))).await;
        assert_error(s, &r, 422, "unknown_tenant");
        let (s, r) = call(&app, Method::POST, "/api/orders", &tenant_key, Some(json!({"tenantId": acme, "planId": "nope"}))).await;
        assert_error(s, &r, 422, "unknown_plan");
        let placed = created(&app, "/api/orders", &tenant_key, order.clone()).await;
        let id = placed["id"].as_str().unwrap().to_string();
        assert_eq!((placed["status"].as_str(), placed["amount"].as_str(), placed["plan"]["name"].as_str(), placed["inForce"].as_bool()),
            (Some("pending"), Some("49.99"), Some("team"), Some(false)));
        let theirs = created(&app, "/api/orders", ADMIN_TOKEN, json!({"tenantId": globex, "planId": plan["id"]})).await;
        let (_, mine) = call(&app, Method::GET, "/api/orders", &tenant_key, None).await;
        assert_eq!(mine["items"].as_array().unwrap().len(), 1, "only its tenant's: {mine}");
        let (s, r) = call(&app, Method::GET, &format!("/api/orders/{}", theirs["id"].as_str().unwrap()), &tenant_key, None).await;
        assert_error(s, &r, 404, "order_not_found");
        let (_, all) = call(&app, Method::GET, "/api/orders", VIEWER_TOKEN, None).await;
        assert_eq!(all["items"].as_array().unwrap().len(), 2);

        // Checkout: one session at Stripe for the order's price, then the same page again.
        let (s, started) = call(&app, Method::POST, &format!("/api/orders/{id}/checkout"), &tenant_key, None).await;
        assert_eq!(s, 200, "{started}");
        assert_eq!(started["checkoutUrl"], "https://checkout.stripe.com/c/pay/cs_test_1");
        assert_eq!(started["order"]["checkoutUrl"], started["checkoutUrl"]);
        let (s, again) = call(&app, Method::POST, &format!("/api/orders/{id}/checkout"), &tenant_key, None).await;
        assert_eq!((s, again["checkoutUrl"].clone()), (200, started["checkoutUrl"].clone()));
        let sent = stripe.received();
        assert_eq!(sent.len(), 1, "one session");
        assert_eq!(sent[0].path, "/v1/checkout/sessions");
        assert_eq!(sent[0].headers["authorization"], format!("Bearer {STRIPE_KEY}").as_str());
        assert_eq!(sent[0].headers["idempotency-key"], format!("fleetdeck-order-{id}-first").as_str());
        let f = form(&sent[0].body);
        assert_eq!(field(&f, "client_reference_id"), Some(id.as_str()));
        assert_eq!(field(&f, "line_items[0][price_data][unit_amount]"), Some("4999"));
        assert_eq!(field(&f, "line_items[0][price_data][currency]"), Some("usd"));
        assert_eq!(field(&f, "line_items[0][price_data][product_data][name]"), Some("Team"));
        assert_eq!(field(&f, "success_url"), Some(format!("https://fleetdeck.example.com/billing?order={id}&checkout=success").as_str()));

        // The webhook believes only Stripe's signature, made within the tolerance.
        let event = paid_event("evt_1", &id, "cs_test_1", 4999, "usd");
        let (s, r) = webhook(&app, &event, None).await;
        assert_error(s, &r, 400, "invalid_signature");
        let (s, r) = webhook(&app, &event, Some(signature(now(), &event, "whsec_guess"))).await;
        assert_error(s, &r, 400, "invalid_signature");
        let (s, r) = webhook(&app, &event, Some(signature(now() - 3600, &event, WEBHOOK_SECRET))).await;
        assert_error(s, &r, 400, "signature_expired");
        let (s, r) = webhook(&app, "{not json", Some(signature(now(), "{not json", WEBHOOK_SECRET))).await;
        assert_error(s, &r, 400, "invalid_event");
        let (_, still) = call(&app, Method::GET, &format!("/api/orders/{id}"), &tenant_key, None).await;
        assert_eq!(still["status"], "pending");

        // A signed payment of another amount pays nothing and is audited as a failure.
        let short = paid_event("evt_short", &id, "cs_test_1", 499, "usd");
        let (s, r) = webhook(&app, &short, Some(signature(now(), &short, WEBHOOK_SECRET))).await;
        assert_eq!((s, r["received"].as_bool()), (200, Some(true)));
        let (_, still) = call(&app, Method::GET, &format!("/api/orders/{id}"), &tenant_key, None).await;
        assert_eq!(still["status"], "pending");

        // The real one pays the order, once however often Stripe sends it.
        for _ in 0..2 {
            let (s, r) = webhook(&app, &event, Some(signature(now(), &event, WEBHOOK_SECRET))).await;
            assert_eq!((s, r), (200, json!({"received": true})));
        }
        let (_, paid) = call(&app, Method::GET, &format!("/api/orders/{id}"), &tenant_key, None).await;
        assert_eq!((paid["status"].as_str(), paid["paidVia"].as_str(), paid["paymentRef"].as_str(), paid["inForce"].as_bool(), paid["checkoutUrl"].clone()),
            (Some("paid"), Some("stripe"), Some("pi_evt_1"), Some(true), Value::Null));
        let paid_at: chrono::DateTime<chrono::Utc> = paid["paidAt"].as_str().unwrap().parse().unwrap();
        let ends_at: chrono::DateTime<chrono::Utc> = paid["endsAt"].as_str().unwrap().parse().unwrap();
        assert_eq!(ends_at - paid_at, chrono::Duration::days(30));
        let (s, r) = call(&app, Method::POST, &format!("/api/orders/{id}/checkout"), &tenant_key, None).await;
        assert_error(s, &r, 409, "order_not_pending");
        let (s, r) = call(&app, Method::POST, &format!("/api/orders/{id}/cancel"), &tenant_key, None).await;
        assert_error(s, &r, 409, "order_not_cancelable");

        let events = app.audit("verb=payment_event").await;
        let outcomes: Vec<(&str, &str)> = events.iter().map(|e| (e["outcome"].as_str().unwrap(), e["actor"].as_str().unwrap_or(""))).collect();
        assert_eq!(outcomes.iter().filter(|(o, _)| *o == "failure").count(), 1 + 4, "four refused, one short: {events:?}");
        assert!(outcomes.iter().filter(|(o, _)| *o == "success").all(|(_, actor)| *actor == "stripe"), "{events:?}");
        let short_row = events.iter().find(|e| e["reason"].as_str().is_some_and(|r| r.contains("not applied"))).unwrap();
        assert!(short_row["reason"].as_str().unwrap().contains("499 usd"), "{short_row}");
        for e in &events {
            assert!(!e.to_string().contains(WEBHOOK_SECRET) && !e.to_string().contains(STRIPE_KEY));
        }

        // The entitlement counts the paid order.
        let (s, e) = call(&app, Method::GET, "/api/billing/entitlement", &tenant_key, None).await;
        assert_eq!(s, 200, "{e}");
        assert_eq!((e["tenantId"].as_str(), e["required"].as_bool(), e["orders"][0]["id"].as_str()), (Some(acme.as_str()), Some(false), Some(id.as_str())));
        assert_eq!(e["fields"][0], json!({"field": "requestsCpu", "entitled": "4", "used": "0", "over": false}));
    }

    async fn cancels_expire_the_checkout_and_end_the_entitlement(db) {
        let stripe = Receiver::start(vec![session_reply("cs_test_2"), (200, vec![], "{}".into())]).await;
        let app = app_with_stripe(db, &stripe).await;
        let plan = created(&app, "/api/plans", ADMIN_TOKEN, json!({"name": "team", "price": "10", "currency": "EUR", "quota": {"pods": 20}})).await;
        let acme = tenant(&app, "acme").await;
        let tenant_key = scoped_key(&app, "tenant", &format!("tenant:{acme}")).await;
        let order = json!({"tenantId": acme, "planId": plan["id"]});

        // A pending order with an open checkout: the tenant cancels it and Stripe expires the page.
        let first = created(&app, "/api/orders", &tenant_key, order.clone()).await;
        let first_id = first["id"].as_str().unwrap();
        let (s, _) = call(&app, Method::POST, &format!("/api/orders/{first_id}/checkout"), &tenant_key, None).await;
        assert_eq!(s, 200);
        let (s, canceled) = call(&app, Method::POST, &format!("/api/orders/{first_id}/cancel"), &tenant_key, None).await;
        assert_eq!((s, canceled["status"].as_str(), canceled["checkoutUrl"].clone()), (200, Some("canceled"), Value::Null));
        let sent = stripe.received();
        assert_eq!(sent.last().unwrap().path, "/v1/checkout/sessions/cs_test_2/expire");
        // A payment landing anyway pays nothing.
        let late = paid_event("evt_late", first_id, "cs_test_2", 1000, "eur");
        let (s, _) = webhook(&app, &late, Some(signature(now(), &late, WEBHOOK_SECRET))).await;
        assert_eq!(s, 200);
        let (_, still) = call(&app, Method::GET, &format!("/api/orders/{first_id}"), ADMIN_TOKEN, None).await;
        assert_eq!(still["status"], "canceled");

        // Paid by hand (admins only), then canceled by an admin: the entitlement ends at once.
        let second = created(&app, "/api/orders", &tenant_key, order.clone()).await;
        let second_id = second["id"].as_str().unwrap();
        let (s, r) = call(&app, Method::POST, &format!("/api/orders/{second_id}/pay"), &tenant_key, None).await;
        assert_error(s, &r, 403, "forbidden");
        let (s, paid) = call(&app, Method::POST, &format!("/api/orders/{second_id}/pay"), ADMIN_TOKEN, None).await;
        assert_eq!((s, paid["paidVia"].as_str(), paid["paymentRef"].as_str()), (200, Some("manual"), Some("token:admin")));
        let (s, r) = call(&app, Method::POST, &format!("/api/orders/{second_id}/pay"), ADMIN_TOKEN, None).await;
        assert_error(s, &r, 409, "order_not_pending");
        let (_, e) = call(&app, Method::GET, &format!("/api/billing/entitlement?tenant={acme}"), VIEWER_TOKEN, None).await;
        assert_eq!(e["fields"][4]["entitled"], "20");
        let (s, r) = call(&app, Method::POST, &format!("/api/orders/{second_id}/cancel"), &tenant_key, None).await;
        assert_error(s, &r, 409, "order_not_cancelable");
        let (s, _) = call(&app, Method::POST, &format!("/api/orders/{second_id}/cancel"), ADMIN_TOKEN, None).await;
        assert_eq!(s, 200);
        let (_, e) = call(&app, Method::GET, &format!("/api/billing/entitlement?tenant={acme}"), VIEWER_TOKEN, None).await;
        assert_eq!((e["orders"].clone(), e["fields"][4]["entitled"].clone()), (json!([]), Value::Null));
        let (s, r) = call(&app, Method::GET, "/api/billing/entitlement", VIEWER_TOKEN, None).await;
        assert_error(s, &r, 422, "tenant_required");
    }

    async fn when_quota_is_sold_projects_fit_the_paid_orders(db) {
        let stripe = Receiver::start(vec![session_reply("cs_unused")]).await;
        let app = app_with_stripe(db, &stripe).await;
        created(&app, "/api/clusters", ADMIN_TOKEN, json!({"name": "prod", "environment": "prod"})).await;
        let plan = created(&app, "/api/plans", ADMIN_TOKEN, json!({"name": "team", "price": "10", "currency": "USD",
            "quota": {"requestsCpu": "4", "requestsMemory": "8Gi"}})).await;
        let acme = tenant(&app, "acme").await;
        let tenant_key = scoped_key(&app, "tenant", &format!("tenant:{acme}")).await;
        let project = |name: &str, quota: Value| json!({"tenantId": acme, "name": name, "cluster": "prod", "quota": quota});
        let (s, _) = call(&app, Method::PUT, "/api/platform/policy", ADMIN_TOKEN, Some(json!({"requireEntitlement": true}))).await;
        assert_eq!(s, 200);

        // Nothing paid: no project.
        let (s, r) = call(&app, Method::POST, "/api/projects", &tenant_key, Some(project("web", json!({"requestsCpu": "1", "requestsMemory": "1Gi"})))).await;
        assert_error(s, &r, 402, "entitlement_required");
        let order = created(&app, "/api/orders", &tenant_key, json!({"tenantId": acme, "planId": plan["id"]})).await;
        let (s, _) = call(&app, Method::POST, &format!("/api/orders/{}/pay", order["id"].as_str().unwrap()), ADMIN_TOKEN, None).await;
        assert_eq!(s, 200);

        // Paid: projects up to 4 CPUs and 8Gi in all, each setting both.
        let web = created(&app, "/api/projects", &tenant_key, project("web", json!({"requestsCpu": "3", "requestsMemory": "4Gi"}))).await;
        let (s, r) = call(&app, Method::POST, "/api/projects", &tenant_key, Some(project("api", json!({"requestsCpu": "1500m", "requestsMemory": "1Gi"})))).await;
        assert_error(s, &r, 402, "entitlement_exceeded");
        assert!(r["error"].as_str().unwrap().contains("4500m requestsCpu in all, beyond its entitlement of 4"), "{r}");
        let (s, r) = call(&app, Method::POST, "/api/projects", &tenant_key, Some(project("api", json!({"requestsCpu": "1"})))).await;
        assert_error(s, &r, 402, "entitlement_exceeded");
        assert!(r["error"].as_str().unwrap().contains("each project must set it"), "{r}");
        created(&app, "/api/projects", &tenant_key, project("api", json!({"requestsCpu": "1", "requestsMemory": "4Gi"}))).await;
        let (_, e) = call(&app, Method::GET, "/api/billing/entitlement", &tenant_key, None).await;
        assert_eq!((e["required"].as_bool(), e["within"].as_bool()), (Some(true), Some(true)));
        assert_eq!(e["fields"][1], json!({"field": "requestsMemory", "entitled": "8Gi", "used": "8Gi", "over": false}));

        // A raise must fit; lowering always may.
        let web_path = format!("/api/projects/{}", web["id"].as_str().unwrap());
        let (s, r) = call(&app, Method::PATCH, &web_path, &tenant_key, Some(json!({"quota": {"requestsCpu": "4", "requestsMemory": "4Gi"}}))).await;
        assert_error(s, &r, 402, "entitlement_exceeded");
        let (s, lowered) = call(&app, Method::PATCH, &web_path, &tenant_key, Some(json!({"quota": {"requestsCpu": "2", "requestsMemory": "4Gi"}}))).await;
        assert_eq!((s, lowered["quota"]["requestsCpu"].as_str()), (200, Some("2")));

        // The order canceled, the projects stay but nothing may grow.
        let (s, _) = call(&app, Method::POST, &format!("/api/orders/{}/cancel", order["id"].as_str().unwrap()), ADMIN_TOKEN, None).await;
        assert_eq!(s, 200);
        let (_, e) = call(&app, Method::GET, "/api/billing/entitlement", &tenant_key, None).await;
        assert_eq!(e["within"], false);
        let (s, r) = call(&app, Method::PATCH, &web_path, &tenant_key, Some(json!({"quota": {"requestsCpu": "3", "requestsMemory": "4Gi"}}))).await;
        assert_error(s, &r, 402, "entitlement_required");
        let (s, _) = call(&app, Method::PATCH, &web_path, &tenant_key, Some(json!({"quota": {"requestsCpu": "1", "requestsMemory": "4Gi"}}))).await;
        assert_eq!(s, 200);
    }

    async fn without_stripe_orders_are_paid_by_hand(db) {
        let app = TestApp::start(db).await;
        let plan = created(&app, "/api/plans", ADMIN_TOKEN, json!({"name": "team", "price": "10", "currency": "USD"})).await;
        let acme = tenant(&app, "acme").await;
        let order = created(&app, "/api/orders", ADMIN_TOKEN, json!({"tenantId": acme, "planId": plan["id"]})).await;
        let (s, r) = call(&app, Method::POST, &format!("/api/orders/{}/checkout", order["id"].as_str().unwrap()), ADMIN_TOKEN, None).await;
        assert_error(s, &r, 403, "stripe_not_configured");
        let event = paid_event("evt_1", order["id"].as_str().unwrap(), "cs_1", 1000, "usd");
        let (s, r) = webhook(&app, &event, Some(signature(now(), &event, WEBHOOK_SECRET))).await;
        assert_error(s, &r, 403, "stripe_not_configured");
        let (s, paid) = call(&app, Method::POST, &format!("/api/orders/{}/pay", order["id"].as_str().unwrap()), ADMIN_TOKEN, None).await;
        assert_eq!((s, paid["status"].as_str()), (200, Some("paid")));
    }
}
