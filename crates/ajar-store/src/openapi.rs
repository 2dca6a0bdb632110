//! Schemas of the values the JSON API answers with that serde writes from `ajar_core`'s
//! enums: their names as serialized, so the API's description lists exactly what it sends.

use ajar_core::{ArchiveWarning, Category, Rating};
use serde::Serialize;
use utoipa::openapi::schema::{ArrayBuilder, Object, ObjectBuilder, Type};

/// A string schema whose values are `all`, as serde writes them.
pub fn names<T: Serialize>(all: &[T]) -> Object {
    let names: Vec<String> = all
        .iter()
        .filter_map(|v| match serde_json::to_value(v) {
            Ok(serde_json::Value::String(name)) => Some(name),
            _ => None,
        })
        .collect();
    ObjectBuilder::new()
        .schema_type(Type::String)
        .enum_values(Some(names))
        .build()
}

pub fn ratings() -> Object {
    names(&Rating::ALL)
}

pub fn warnings() -> utoipa::openapi::schema::Array {
    ArrayBuilder::new()
        .items(names(&ArchiveWarning::ALL))
        .build()
}

pub fn categories() -> utoipa::openapi::schema::Array {
    ArrayBuilder::new().items(names(&Category::ALL)).build()
}
