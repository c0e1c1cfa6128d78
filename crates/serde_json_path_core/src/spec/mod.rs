//! Types representing the IETF JSONPath Standard
pub mod functions;
pub mod integer;
pub mod query;
pub mod segment;
pub mod selector;
