//! `POST /api/assistant` (a question answered from what the caller may see, with citations),
//! `POST /api/assistant/references/feedback` (a verdict on a cited reference, which tunes its
//! rank) and `GET /api/rag/telemetry`.

use std::collections::HashMap;
use std::time::Instant;

use axum::Json;
use axum::extract::State;
use axum::http::{Method, StatusCode};
use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};
use sqlx::types::Json as SqlJson;
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::answer::{extractive_answer, snippet};
use super::prompt::{self, ContextEntry};
use super::retrieval::{Hit, Ranked, rank, search_terms};
use super::scrub::{REDACTED, scrub};
use super::telemetry::{Asked, summarize};
use super::{docs, model_client};
use crate::AppState;
use crate::audit::{AuditNote, AuditedRoute, AuditedRouter};
use crate::auth::{Principal, Role};
use crate::clusters::visibility::Views;
use crate::error::{ApiError, ApiJson, ApiQuery, ApiResult, ErrorBody};
use crate::store::assistant::{AssistantQueryRow, DocumentHit};
use crate::store::now;

/// The longest question, in characters.
const QUESTION_MAX_CHARS: usize = 1000;
const LIMIT_DEFAULT: u32 = 5;
const LIMIT_MAX: u32 = 10;
/// Texts read from the search per reference asked for: some are left out as invisible to the
/// caller, and feedback may lift one from further down.
const OVERFETCH: u32 = 8;
/// References listed by the telemetry.
const TOP_CITED: usize = 10;

const AUDITED: &[AuditedRoute] = &[
    AuditedRoute::new(Method::POST, "/api/assistant", "ask", "assistant_query"),
    AuditedRoute::new(
        Method::POST,
        "/api/assistant/references/feedback",
        "feedback",
        "assistant_reference",
    ),
];

pub fn router() -> AuditedRouter {
    AuditedRouter {
        routes: OpenApiRouter::new()
            .routes(routes!(ask))
            .routes(routes!(feedback))
            .routes(routes!(telemetry)),
        audited: AUDITED,
    }
}

/// What a citation points at.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum ReferenceKind {
    Runbook,
    Incident,
    Finding,
    Doc,
}

impl ReferenceKind {
    fn as_str(self) -> &'static str {
        match self {
            ReferenceKind::Runbook => "runbook",
            ReferenceKind::Incident => "incident",
            ReferenceKind::Finding => "finding",
            ReferenceKind::Doc => "doc",
        }
    }

    fn parse(word: &str) -> Option<ReferenceKind> {
        [
            ReferenceKind::Runbook,
            ReferenceKind::Incident,
            ReferenceKind::Finding,
            ReferenceKind::Doc,
        ]
        .into_iter()
        .find(|k| k.as_str() == word)
    }

    /// Where the reference is read: its API path, or for a doc section its file and anchor.
    fn link(self, id: &str) -> String {
        match self {
            ReferenceKind::Runbook => format!("/api/memory/runbooks/{id}"),
            ReferenceKind::Incident => format!("/api/incidents/{id}"),
            ReferenceKind::Finding => format!("/api/diagnostics/{id}"),
            ReferenceKind::Doc => format!("docs/{id}"),
        }
    }
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct AssistantQuestion {
    /// 1 to 1000 characters.
    pub question: String,
    /// Only this cluster's findings are cited (runbooks, incidents and docs still are).
    pub cluster: Option<String>,
    /// How many references to cite: 1 to 10; default 5.
    pub limit: Option<u32>,
}

/// A reference the answer drew from; `[n]` in the answer is the n-th of the list.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Citation {
    pub kind: ReferenceKind,
    /// The runbook's, incident's or finding's id; for a doc, its file and section
    /// (`api.md#runbooks-and-fixes`).
    pub id: String,
    pub title: String,
    /// Its sentence that best matches the question, scrubbed of secrets.
    pub snippet: String,
    /// The search's score after the feedback boost: higher is better; comparable within one
    /// answer only.
    pub score: f64,
    /// Its API path (`/api/memory/runbooks/{id}`, `/api/incidents/{id}`, `/api/diagnostics/{id}`)
    /// or, for a doc, `docs/{file}#{anchor}`.
    pub link: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum AnswerMode {
    /// Sentences of the references themselves.
    Extractive,
    /// Written by the configured model from the references.
    Model,
}

impl AnswerMode {
    fn as_str(self) -> &'static str {
        match self {
            AnswerMode::Extractive => "extractive",
            AnswerMode::Model => "model",
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct AssistantAnswer {
    /// Cites its references as `[n]`.
    pub answer: String,
    pub mode: AnswerMode,
    pub citations: Vec<Citation>,
    /// Names this question in feedback.
    pub query_id: String,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct ReferenceFeedback {
    /// An answer of the caller's.
    pub query_id: String,
    pub kind: ReferenceKind,
    /// A reference that answer cited.
    pub id: String,
    pub helpful: bool,
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct TelemetryQuery {
    /// The window: questions of the last 1 to 90 days; default 7.
    pub days: Option<u32>,
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ModeCounts {
    pub extractive: u64,
    pub model: u64,
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct LatencyPercentiles {
    pub p50: u64,
    pub p95: u64,
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct FeedbackCounts {
    pub helpful: i64,
    pub unhelpful: i64,
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct CitedReference {
    pub kind: ReferenceKind,
    pub id: String,
    pub title: String,
    /// Answers that cited it in the window.
    pub count: u64,
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct RagTelemetry {
    pub since: DateTime<Utc>,
    pub queries: u64,
    pub by_mode: ModeCounts,
    /// Time to answer, in milliseconds (0 without questions).
    pub latency_ms: LatencyPercentiles,
    /// The share of questions answered with at least one citation, 0 to 1.
    pub answered_with_citations_rate: f64,
    /// Questions the model was asked but failed (or timed out) on, answered extractively.
    pub model_fallbacks: u64,
    /// Verdicts given in the window.
    pub feedback: FeedbackCounts,
    /// The references cited most, of those the caller may see.
    pub top_cited: Vec<CitedReference>,
}

fn invalid(code: &'static str, message: impl Into<String>) -> ApiError {
    ApiError::unprocessable(code, message)
}

/// Keeps the docs' sections in the search current with this binary's docs.
async fn index_docs(state: &AppState) -> ApiResult<()> {
    let (sections, fingerprint) = docs::sections();
    let rows: Vec<(String, String, String, String)> = sections
        .into_iter()
        .map(|s| (format!("doc:{}", s.id()), s.id(), s.title, s.body))
        .collect();
    state.store.sync_doc_sections(&fingerprint, &rows).await?;
    Ok(())
}

/// Whether the caller may see the reference a text was mirrored from: a finding as its cluster's
/// view allows, an incident when they may see one of its findings (or it has none); runbooks and
/// docs are every viewer's. Incidents' answers are kept per id.
struct Visibility<'a> {
    views: Views<'a>,
    incidents: HashMap<String, bool>,
}

impl<'a> Visibility<'a> {
    fn new(state: &'a AppState, principal: &'a Principal) -> Visibility<'a> {
        Visibility {
            views: Views::new(state, principal),
            incidents: HashMap::new(),
        }
    }

    async fn shows(&mut self, kind: ReferenceKind, id: &str, cluster: &str, namespace: &str) -> ApiResult<bool> {
        Ok(match kind {
            ReferenceKind::Runbook | ReferenceKind::Doc => true,
            ReferenceKind::Finding => self.views.shows(cluster, namespace).await,
            ReferenceKind::Incident => {
                if let Some(seen) = self.incidents.get(id) {
                    return Ok(*seen);
                }
                let places = self.views.state().store.incident_finding_places(id).await?;
                let seen = self.views.shows_any(&places).await;
                self.incidents.insert(id.to_string(), seen);
                seen
            }
        })
    }
}

/// The caller's visible references for `terms`, best first, at most `limit`, their texts scrubbed.
async fn retrieve(
    state: &AppState,
    principal: &Principal,
    terms: &[String],
    cluster: Option<&str>,
    limit: u32,
) -> ApiResult<Vec<(ReferenceKind, Ranked)>> {
    let found: Vec<DocumentHit> = state.store.search_documents(terms, limit * OVERFETCH).await?;
    let mut visibility = Visibility::new(state, principal);
    let mut hits = Vec::new();
    for h in found {
        // A kind this version does not know (written by a newer one) is left out.
        let Some(kind) = ReferenceKind::parse(&h.kind) else {
            continue;
        };
        if kind == ReferenceKind::Finding && cluster.is_some_and(|c| c != h.cluster) {
            continue;
        }
        if !visibility.shows(kind, &h.ref_id, &h.cluster, &h.namespace).await? {
            continue;
        }
        hits.push(Hit {
            kind: h.kind,
            id: h.ref_id,
            title: h.title,
            body: h.body,
            score: h.score,
        });
    }
    let net: HashMap<(String, String), i64> = state
        .store
        .assistant_feedback_net()
        .await?
        .into_iter()
        .map(|r| ((r.kind, r.ref_id), r.net))
        .collect();
    Ok(rank(hits, &net, limit as usize)
        .into_iter()
        .filter_map(|mut r| {
            r.title = scrub(&r.title);
            r.body = scrub(&r.body);
            ReferenceKind::parse(&r.kind).map(|k| (k, r))
        })
        .collect())
}

/// Answers a question from the runbooks, incidents, findings and docs the caller may see, with
/// citations (viewer). With a model configured, the model writes the answer from the cited
/// texts (scrubbed of secrets, cut to the token budget); if it fails, the answer is extractive.
#[utoipa::path(post, path = "/api/assistant", tag = "assistant", request_body = AssistantQuestion,
    responses((status = 200, body = AssistantAnswer),
        (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 422, body = ErrorBody, description = "invalid_question, question_too_long, invalid_limit")))]
async fn ask(
    State(state): State<AppState>,
    principal: Principal,
    ApiJson(body): ApiJson<AssistantQuestion>,
) -> ApiResult<(AuditNote, Json<AssistantAnswer>)> {
    principal.require(Role::Viewer)?;
    let started = Instant::now();
    let question = body.question.trim();
    if question.is_empty() {
        return Err(invalid("invalid_question", "question is empty"));
    }
    if question.chars().count() > QUESTION_MAX_CHARS {
        return Err(invalid(
            "question_too_long",
            format!("question is longer than {QUESTION_MAX_CHARS} characters"),
        ));
    }
    let limit = body.limit.unwrap_or(LIMIT_DEFAULT);
    if !(1..=LIMIT_MAX).contains(&limit) {
        return Err(invalid("invalid_limit", format!("limit must be 1 to {LIMIT_MAX}")));
    }
    index_docs(&state).await?;
    let question = scrub(question);
    // The placeholder of a removed secret is no word of the caller's.
    let terms = search_terms(&question.replace(REDACTED, " "));
    let mut references = retrieve(&state, &principal, &terms, body.cluster.as_deref(), limit).await?;

    let mut mode = AnswerMode::Extractive;
    let mut model_fallback = false;
    let mut answer = None;
    if let Some(settings) = state.settings.assistant.as_ref().filter(|_| !references.is_empty()) {
        let entries: Vec<ContextEntry<'_>> = references
            .iter()
            .map(|(kind, r)| ContextEntry {
                kind: kind.as_str(),
                title: &r.title,
                body: &r.body,
            })
            .collect();
        let reply = match prompt::build(&question, &entries, settings.max_context_tokens) {
            Some(p) => {
                let endpoint = model_client::Endpoint {
                    url: &settings.url,
                    model: &settings.model,
                    api_key: settings.api_key.as_ref().map(|k| k.0.as_str()),
                    timeout: settings.timeout,
                };
                model_client::complete(&endpoint, &p)
                    .await
                    .map(|text| (text, p.references))
            }
            None => Err("the question leaves no room for context in the token budget".to_string()),
        };
        match reply {
            Ok((text, included)) => {
                // The answer cites what the model was given.
                references.truncate(included);
                mode = AnswerMode::Model;
                answer = Some(text);
            }
            Err(why) => {
                tracing::warn!(reason = %why, "the assistant's model failed; answering extractively");
                model_fallback = true;
            }
        }
    }
    let answer = answer.unwrap_or_else(|| {
        let texts: Vec<(&str, &str)> = references
            .iter()
            .map(|(_, r)| (r.title.as_str(), r.body.as_str()))
            .collect();
        extractive_answer(&texts, &terms)
    });
    let citations: Vec<Citation> = references
        .into_iter()
        .map(|(kind, r)| Citation {
            kind,
            link: kind.link(&r.id),
            snippet: snippet(&r.body, &terms),
            id: r.id,
            title: r.title,
            score: r.score,
        })
        .collect();
    let row = AssistantQueryRow {
        id: uuid::Uuid::now_v7().to_string(),
        subject: principal.subject.clone(),
        question,
        cluster: body.cluster,
        mode: mode.as_str().to_string(),
        model_fallback,
        citations: SqlJson(
            citations
                .iter()
                .map(|c| (c.kind.as_str().to_string(), c.id.clone()))
                .collect(),
        ),
        latency_ms: i32::try_from(started.elapsed().as_millis()).unwrap_or(i32::MAX),
        at: now(),
    };
    state.store.insert_assistant_query(&row).await?;
    let note = AuditNote::named(&row.id).reason(format!("mode={} citations={}", row.mode, citations.len()));
    Ok((
        note,
        Json(AssistantAnswer {
            answer,
            mode,
            citations,
            query_id: row.id,
        }),
    ))
}

/// Records whether a reference an answer of the caller's cited was helpful (viewer); given
/// again, the verdict is replaced. A reference's net verdicts (helpful minus unhelpful, counted
/// to ±5) scale its search score by 1 ± 0.1 each, from 0.5× to 1.5×.
#[utoipa::path(post, path = "/api/assistant/references/feedback", tag = "assistant",
    request_body = ReferenceFeedback,
    responses((status = 204, description = "Recorded"),
        (status = 400, body = ErrorBody, description = "invalid_body (such as an unknown kind)"),
        (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody, description = "query_not_found: no such answer of the caller's"),
        (status = 422, body = ErrorBody, description = "reference_not_cited")))]
async fn feedback(
    State(state): State<AppState>,
    principal: Principal,
    ApiJson(body): ApiJson<ReferenceFeedback>,
) -> ApiResult<(AuditNote, StatusCode)> {
    principal.require(Role::Viewer)?;
    let query = state
        .store
        .assistant_query(&body.query_id)
        .await?
        .filter(|q| q.subject == principal.subject)
        .ok_or_else(|| {
            ApiError::new(
                StatusCode::NOT_FOUND,
                "query_not_found",
                format!("no answer {} of yours", body.query_id),
            )
        })?;
    let kind = body.kind.as_str();
    if !query.citations.0.iter().any(|(k, id)| k == kind && *id == body.id) {
        return Err(invalid(
            "reference_not_cited",
            format!("answer {} did not cite {kind} {}", body.query_id, body.id),
        ));
    }
    state
        .store
        .put_assistant_feedback(&query.id, (kind, &body.id), &principal.subject, body.helpful, now())
        .await?;
    let note =
        AuditNote::named(format!("{kind}/{}", body.id)).reason(format!("query={} helpful={}", query.id, body.helpful));
    Ok((note, StatusCode::NO_CONTENT))
}

/// The assistant's use over the last days (operator): questions by mode, latency, how many were
/// answered with citations, model fallbacks, verdicts, and the references cited most of those
/// the caller may see.
#[utoipa::path(get, path = "/api/rag/telemetry", tag = "assistant", params(TelemetryQuery),
    responses((status = 200, body = RagTelemetry),
        (status = 400, body = ErrorBody, description = "invalid_query"),
        (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 422, body = ErrorBody, description = "invalid_days")))]
async fn telemetry(
    State(state): State<AppState>,
    principal: Principal,
    ApiQuery(q): ApiQuery<TelemetryQuery>,
) -> ApiResult<Json<RagTelemetry>> {
    principal.require(Role::Operator)?;
    let days = q.days.unwrap_or(7);
    if !(1..=90).contains(&days) {
        return Err(invalid("invalid_days", "days must be 1 to 90"));
    }
    let since = now() - Duration::days(i64::from(days));
    let rows = state.store.assistant_queries_since(since).await?;
    let asked: Vec<Asked<'_>> = rows
        .iter()
        .map(|r| Asked {
            model: r.mode == AnswerMode::Model.as_str(),
            model_fallback: r.model_fallback,
            latency_ms: u64::try_from(r.latency_ms).unwrap_or(0),
            citations: &r.citations.0,
        })
        .collect();
    let summary = summarize(&asked);
    let (helpful, unhelpful) = state.store.assistant_feedback_counts(since).await?;
    let mut visibility = Visibility::new(&state, &principal);
    let mut top_cited = Vec::new();
    for ((kind_word, id), count) in summary.cited {
        if top_cited.len() == TOP_CITED {
            break;
        }
        let Some(kind) = ReferenceKind::parse(&kind_word) else {
            continue;
        };
        // Deleted since (or never mirrored): nothing to show, and nothing to check it against.
        let places = state.store.document_places(&kind_word, &id).await?;
        let Some(first) = places.first() else { continue };
        if !visibility.shows(kind, &id, &first.cluster, &first.namespace).await? {
            continue;
        }
        top_cited.push(CitedReference {
            kind,
            title: scrub(&first.title),
            id,
            count,
        });
    }
    Ok(Json(RagTelemetry {
        since,
        queries: summary.queries,
        by_mode: ModeCounts {
            extractive: summary.extractive,
            model: summary.model,
        },
        latency_ms: LatencyPercentiles {
            p50: summary.latency_p50_ms,
            p95: summary.latency_p95_ms,
        },
        answered_with_citations_rate: summary.answered_with_citations_rate,
        model_fallbacks: summary.model_fallbacks,
        feedback: FeedbackCounts { helpful, unhelpful },
        top_cited,
    }))
}
