//! Diagnostics: one analyzer per class of trouble, each a pure function from compact facts to
//! findings. Objects become facts once per change (`facts`), one cluster's facts are kept with
//! the indexes analyzers need and answer which objects a change affects (`index`), and the
//! analyzers (`analyzers`) turn them into `Finding`s (`finding`). No IO and no clock: the caller
//! passes `now`. docs/diagnostics.md lists every class.

pub mod analyzers;
pub mod facts;
pub mod finding;
pub mod index;

#[cfg(test)]
mod fixtures;
