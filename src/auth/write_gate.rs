//! The write gate: routes that change Kubernetes objects take `WriteActionsEnabled`, which
//! answers 403 `write_actions_disabled` while FLEETDECK_WRITE_ACTIONS_ENABLED is off.
//! Writes to Fleetdeck's own data are governed by roles alone.

use axum::extract::FromRequestParts;
use axum::http::request::Parts;

use crate::AppState;
use crate::error::ApiError;

/// Proof, for a handler, that cluster-changing actions are switched on.
#[derive(Debug, Clone, Copy)]
pub struct WriteActionsEnabled;

impl FromRequestParts<AppState> for WriteActionsEnabled {
    type Rejection = ApiError;

    async fn from_request_parts(_: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        gate(state.settings.write_actions_enabled)
    }
}

fn gate(enabled: bool) -> Result<WriteActionsEnabled, ApiError> {
    if enabled {
        Ok(WriteActionsEnabled)
    } else {
        Err(ApiError::forbidden(
            "write_actions_disabled",
            "actions that change clusters are switched off on this server (FLEETDECK_WRITE_ACTIONS_ENABLED)",
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::StatusCode;

    #[test]
    fn closed_unless_enabled() {
        assert!(gate(true).is_ok());
        let err = gate(false).unwrap_err();
        assert_eq!(err.status, StatusCode::FORBIDDEN);
        assert_eq!(err.code, "write_actions_disabled");
    }
}
