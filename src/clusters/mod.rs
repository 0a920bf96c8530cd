//! Clusters: the record every domain shares (`record`), where connections come from
//! (`registry`), and the cluster registry API (`routes`, `model`).

pub mod model;
pub mod record;
pub mod registry;
pub mod routes;

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
