//! Flux: the platform catalog (components, namespaces, role bindings, per-cluster assignments)
//! and the ExternalService inputs that Flux Operator's ResourceSetInputProvider polls.

pub mod cache;
pub mod catalog;
pub mod inputs;
pub mod merge;
pub mod model;
pub mod routes;
pub mod validate;

use axum::http::StatusCode;

use crate::error::ApiError;
use catalog::CatalogError;

impl From<CatalogError> for ApiError {
    fn from(e: CatalogError) -> ApiError {
        let (status, code, message, details) = e.parts();
        let status = StatusCode::from_u16(status).expect("catalog errors use valid statuses");
        let err = ApiError::new(status, code, message);
        match details {
            Some(d) => err.with_details(d),
            None => err,
        }
    }
}
