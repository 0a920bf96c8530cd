//! Clusters: the record every domain shares (`record`), where connections come from
//! (`registry`), a cluster's clients (`clients`) and what a request may see of it (`scope`,
//! and of the findings about its objects: `visibility`),
//! the action cores every domain's writes share (`actions`), leader passes over every cluster
//! (`passes`), the cluster registry API
//! (`routes`, `model`), and onboarding with join tokens (`join`).

pub mod actions;
pub mod clients;
pub mod join;
pub mod model;
pub mod passes;
pub mod record;
pub mod registry;
pub mod routes;
pub mod scope;
pub mod visibility;

use axum::http::StatusCode;

use crate::error::ApiError;
use record::ClusterError;

impl From<ClusterError> for ApiError {
    fn from(e: ClusterError) -> ApiError {
        let (status, code, message) = e.parts();
        ApiError::new(
            StatusCode::from_u16(status).expect("cluster errors use valid statuses"),
            code,
            message,
        )
    }
}
