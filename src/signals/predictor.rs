//! The external predictor (`FLEETDECK_PREDICTOR_URL`): one `POST` of the series the local model
//! would fit (`predictions::Series`, JSON) with `Authorization: Bearer <secret>`, through the
//! outbound client (the SSRF guard, no redirects, a short timeout); it answers predictions in the
//! shape `GET /api/predictions` serves. Anything else — unreachable, slow, a non-2xx status, or
//! an answer that is not that shape — is a `FallbackReason`, and the caller falls back to the local
//! model. Failures never carry the secret, the URL or the answer's body.

use std::collections::HashSet;
use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use reqwest::header::{AUTHORIZATION, HeaderMap, HeaderValue};
use serde::{Deserialize, Serialize};

use super::outbound::client::{ClientSettings, Guard, OutboundClient, SendError, SystemLookup};
use super::outbound::ssrf::AllowList;
use super::predictions::{HORIZON_SECONDS, PredictedObject, Prediction, PredictionKind, Series};

/// The most of an answer that is read: 8 MiB.
const BODY_CAP: usize = 8 << 20;

/// What the predictor is sent.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PredictorRequest<'a> {
    pub now: DateTime<Utc>,
    pub horizon_seconds: i64,
    pub series: &'a [Series],
}

/// What the predictor answers.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct PredictorAnswer {
    predictions: Vec<Prediction>,
}

/// Why the predictor's answer was not used: the response's `fallbackReason`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub enum FallbackReason {
    /// The SSRF guard refused its address (see FLEETDECK_OUTBOUND_ALLOW_CIDRS).
    #[serde(rename = "predictor_refused")]
    Refused,
    /// No connection (down, or its name does not resolve).
    #[serde(rename = "predictor_unreachable")]
    Unreachable,
    /// No answer within FLEETDECK_PREDICTOR_TIMEOUT.
    #[serde(rename = "predictor_timeout")]
    Timeout,
    /// It answered a status other than 2xx.
    #[serde(rename = "predictor_error_status")]
    Status,
    /// Its answer is not predictions of the series it was sent.
    #[serde(rename = "predictor_invalid_answer")]
    Invalid,
}

impl FallbackReason {
    pub fn reason(self) -> &'static str {
        match self {
            FallbackReason::Refused => "predictor_refused",
            FallbackReason::Unreachable => "predictor_unreachable",
            FallbackReason::Timeout => "predictor_timeout",
            FallbackReason::Status => "predictor_error_status",
            FallbackReason::Invalid => "predictor_invalid_answer",
        }
    }
}

/// Whether `p` is a prediction the predictor may make of `sent`: a kind and object it was sent,
/// a score in 0..1, a horizon that is not negative and finite figures.
fn valid(p: &Prediction, sent: &HashSet<(PredictionKind, &PredictedObject)>) -> bool {
    let e = &p.evidence;
    sent.contains(&(p.kind, &p.object))
        && p.score.is_finite()
        && (0.0..=1.0).contains(&p.score)
        && p.horizon.is_none_or(|h| h >= 0)
        && [e.slope_per_hour, e.current, e.threshold].iter().all(|v| v.is_finite())
}

/// Checks an answer's body: every prediction valid, or the whole answer is refused.
pub fn parse_answer(body: &[u8], series: &[Series]) -> Result<Vec<Prediction>, FallbackReason> {
    let answer: PredictorAnswer = serde_json::from_slice(body).map_err(|_| FallbackReason::Invalid)?;
    let sent: HashSet<(PredictionKind, &PredictedObject)> = series.iter().map(|s| (s.kind, &s.object)).collect();
    match answer.predictions.iter().all(|p| valid(p, &sent)) {
        true => Ok(answer.predictions),
        false => Err(FallbackReason::Invalid),
    }
}

/// Where the predictor is and how it is asked (from the FLEETDECK_PREDICTOR_* settings).
pub struct Endpoint<'a> {
    pub url: &'a str,
    pub secret: &'a str,
    pub timeout: Duration,
}

/// Asks the predictor about `series` at `now`.
pub async fn ask(
    settings: &Endpoint<'_>,
    allow: &AllowList,
    now: DateTime<Utc>,
    series: &[Series],
) -> Result<Vec<Prediction>, FallbackReason> {
    let client = OutboundClient::new(
        Guard::new(allow.clone(), Arc::new(SystemLookup)),
        ClientSettings {
            timeout: settings.timeout,
            body_cap: BODY_CAP,
        },
    )
    .map_err(|_| FallbackReason::Unreachable)?;
    let body = serde_json::to_vec(&PredictorRequest {
        now,
        horizon_seconds: HORIZON_SECONDS,
        series,
    })
    .map_err(|_| FallbackReason::Invalid)?;
    let mut headers = HeaderMap::new();
    let mut bearer =
        HeaderValue::from_str(&format!("Bearer {}", settings.secret)).map_err(|_| FallbackReason::Unreachable)?;
    bearer.set_sensitive(true);
    headers.insert(AUTHORIZATION, bearer);
    let answer = client
        .post_json(settings.url, headers, body)
        .await
        .map_err(|e| match e {
            SendError::Refused(_) => FallbackReason::Refused,
            SendError::Timeout => FallbackReason::Timeout,
            SendError::Connect(_) | SendError::Other(_) => FallbackReason::Unreachable,
        })?;
    if !answer.status.is_success() {
        return Err(FallbackReason::Status);
    }
    // A body cut at the cap is no JSON: refused as invalid.
    parse_answer(&answer.body, series)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::signals::predictions::{Evidence, Unit};

    fn series() -> Vec<Series> {
        vec![Series {
            kind: PredictionKind::NodePressure,
            object: PredictedObject {
                cluster: "c".into(),
                namespace: None,
                kind: "Node".into(),
                name: "n".into(),
                container: None,
            },
            resource: Some("cpu".into()),
            unit: Unit::Ratio,
            threshold: 0.9,
            window_seconds: 60,
            points: vec![(0, 0.5)],
        }]
    }

    fn prediction(score: f64, name: &str) -> Prediction {
        Prediction {
            kind: PredictionKind::NodePressure,
            object: PredictedObject {
                cluster: "c".into(),
                namespace: None,
                kind: "Node".into(),
                name: name.into(),
                container: None,
            },
            score,
            horizon: Some(60),
            evidence: Evidence {
                slope_per_hour: 0.1,
                current: 0.5,
                threshold: 0.9,
                unit: Unit::Ratio,
                window_seconds: 60,
                points: 1,
                resource: Some("cpu".into()),
            },
        }
    }

    fn body(predictions: &[Prediction]) -> Vec<u8> {
        serde_json::to_vec(&serde_json::json!({ "predictions": predictions })).unwrap()
    }

    #[test]
    fn answers_are_predictions_of_what_was_sent_or_refused_whole() {
        let s = series();
        assert_eq!(
            parse_answer(&body(&[prediction(0.7, "n")]), &s),
            Ok(vec![prediction(0.7, "n")])
        );
        assert_eq!(parse_answer(&body(&[]), &s), Ok(vec![]));
        for bad in [
            body(&[prediction(1.5, "n")]),
            body(&[prediction(0.5, "n"), prediction(0.5, "other")]),
            b"not json".to_vec(),
            br#"{"predictions": [{"kind": "meteor_strike"}]}"#.to_vec(),
            br#"{"predictions": []"#.to_vec(),
            br#"{"predictions": [], "extra": 1}"#.to_vec(),
        ] {
            assert_eq!(
                parse_answer(&bad, &s),
                Err(FallbackReason::Invalid),
                "{}",
                String::from_utf8_lossy(&bad)
            );
        }
        let mut negative = prediction(0.5, "n");
        negative.horizon = Some(-1);
        assert_eq!(parse_answer(&body(&[negative]), &s), Err(FallbackReason::Invalid));
    }
}
