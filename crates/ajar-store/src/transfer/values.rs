//! Values of either backend in one type, put in the form a target column takes, and fed to
//! a checksum in a form both backends share (a time is its microsecond, a boolean a number,
//! a SQLite text that reads as a time is that time).

use chrono::{DateTime, NaiveDate, NaiveDateTime, Utc};
use sha2::{Digest, Sha256};

/// A value of any column of either backend.
#[derive(Debug, Clone, PartialEq)]
pub(super) enum Value {
    Null,
    Int(i64),
    Real(f64),
    Text(String),
    Bytes(Vec<u8>),
    Bool(bool),
    Date(NaiveDate),
    Time(DateTime<Utc>),
}

/// What a PostgreSQL column holds (a SQLite column takes what it is given).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Kind {
    Int,
    Real,
    Text,
    Bytes,
    Bool,
    Date,
    Time,
}

impl Kind {
    /// From `information_schema.columns.data_type`.
    pub(super) fn of_postgres(data_type: &str) -> Option<Kind> {
        Some(match data_type {
            "bigint" | "integer" | "smallint" => Kind::Int,
            "double precision" | "real" => Kind::Real,
            "text" | "character varying" | "character" => Kind::Text,
            "bytea" => Kind::Bytes,
            "boolean" => Kind::Bool,
            "date" => Kind::Date,
            "timestamp with time zone" => Kind::Time,
            _ => return None,
        })
    }
}

pub(super) fn text(value: &Value) -> String {
    match value {
        Value::Text(s) => s.clone(),
        Value::Int(i) => i.to_string(),
        _ => String::new(),
    }
}

pub(super) fn int(value: &Value) -> i64 {
    match value {
        Value::Int(i) => *i,
        Value::Bool(b) => i64::from(*b),
        _ => 0,
    }
}

/// A value put in the form a column of `kind` takes (`None`: a SQLite column, which takes
/// any value as it is).
pub(super) fn conform(value: Value, kind: Option<Kind>) -> std::result::Result<Value, String> {
    let Some(kind) = kind else {
        return Ok(value);
    };
    Ok(match (kind, value) {
        (_, Value::Null) => Value::Null,
        (Kind::Int, Value::Int(v)) => Value::Int(v),
        (Kind::Int, Value::Bool(v)) => Value::Int(v.into()),
        (Kind::Bool, Value::Bool(v)) => Value::Bool(v),
        (Kind::Bool, Value::Int(v)) => Value::Bool(v != 0),
        (Kind::Real, Value::Real(v)) => Value::Real(v),
        (Kind::Real, Value::Int(v)) => Value::Real(v as f64),
        (Kind::Text, Value::Text(v)) => Value::Text(v),
        (Kind::Bytes, Value::Bytes(v)) => Value::Bytes(v),
        (Kind::Bytes, Value::Text(v)) => Value::Bytes(v.into_bytes()),
        (Kind::Date, Value::Date(v)) => Value::Date(v),
        (Kind::Date, Value::Text(v)) => NaiveDate::parse_from_str(&v, "%Y-%m-%d")
            .map(Value::Date)
            .map_err(|_| format!("\"{v}\" is not a date"))?,
        (Kind::Time, Value::Time(v)) => Value::Time(v),
        (Kind::Time, Value::Text(v)) => parse_time(&v)
            .map(Value::Time)
            .ok_or_else(|| format!("\"{v}\" is not a time"))?,
        (kind, value) => return Err(format!("{value:?} cannot go in a {kind:?} column")),
    })
}

/// A time as SQLite holds it: RFC 3339 (sqlx's form), or `YYYY-MM-DD HH:MM:SS[.f]` in UTC.
fn parse_time(text: &str) -> Option<DateTime<Utc>> {
    if let Ok(t) = DateTime::parse_from_rfc3339(text) {
        return Some(t.with_timezone(&Utc));
    }
    ["%Y-%m-%d %H:%M:%S%.f", "%Y-%m-%dT%H:%M:%S%.f"]
        .iter()
        .find_map(|format| NaiveDateTime::parse_from_str(text, format).ok())
        .map(|t| t.and_utc())
}

/// A text that reads as a time, as a time (how SQLite keeps them).
fn as_time(text: &str) -> Option<DateTime<Utc>> {
    let b = text.as_bytes();
    if !(19..=40).contains(&b.len())
        || b[4] != b'-'
        || b[7] != b'-'
        || !matches!(b[10], b'T' | b' ')
    {
        return None;
    }
    parse_time(text)
}

/// Feeds one value to a checksum in the form both backends share.
pub(super) fn feed(hash: &mut Sha256, value: &Value) {
    match value {
        Value::Null => hash.update([0]),
        Value::Int(v) => {
            hash.update([1]);
            hash.update(v.to_le_bytes());
        }
        Value::Bool(v) => {
            hash.update([1]);
            hash.update(i64::from(*v).to_le_bytes());
        }
        Value::Real(v) => {
            hash.update([2]);
            hash.update(v.to_bits().to_le_bytes());
        }
        Value::Time(v) => {
            hash.update([4]);
            hash.update(v.timestamp_micros().to_le_bytes());
        }
        Value::Text(v) => match as_time(v) {
            Some(t) => feed(hash, &Value::Time(t)),
            None => {
                hash.update([3]);
                hash.update((v.len() as u64).to_le_bytes());
                hash.update(v.as_bytes());
            }
        },
        Value::Date(v) => feed(hash, &Value::Text(v.format("%Y-%m-%d").to_string())),
        Value::Bytes(v) => {
            hash.update([5]);
            hash.update((v.len() as u64).to_le_bytes());
            hash.update(v);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sum(values: &[Value]) -> Vec<u8> {
        let mut hash = Sha256::new();
        for v in values {
            feed(&mut hash, v);
        }
        hash.finalize().to_vec()
    }

    #[test]
    fn both_backends_forms_of_a_row_sum_alike() {
        let time = parse_time("2026-12-07T06:00:00.123456+00:00").unwrap_or_default();
        let sqlite = [
            Value::Int(7),
            Value::Int(1),
            Value::Text("2026-12-07T06:00:00.123456+00:00".into()),
            Value::Text("2026-12-07".into()),
            Value::Null,
            Value::Text("Rory".into()),
        ];
        let postgres = [
            Value::Int(7),
            Value::Bool(true),
            Value::Time(time),
            Value::Date(NaiveDate::from_ymd_opt(2026, 12, 7).unwrap_or_default()),
            Value::Null,
            Value::Text("Rory".into()),
        ];
        assert_eq!(sum(&sqlite), sum(&postgres));
        let other = [Value::Int(7), Value::Bool(false)];
        assert_ne!(sum(&sqlite[..2]), sum(&other));
    }

    #[test]
    fn sqlite_times_in_either_form_read_as_times() {
        let a = parse_time("2026-12-07 06:00:00");
        let b = parse_time("2026-12-07T06:00:00Z");
        assert!(a.is_some());
        assert_eq!(a, b);
        assert_eq!(as_time("Jess, 2026-12-07 06:00"), None);
        assert_eq!(as_time("2026-12-07"), None);
    }

    #[test]
    fn sqlite_values_conform_to_postgres_columns() {
        assert_eq!(
            conform(Value::Int(0), Some(Kind::Bool)),
            Ok(Value::Bool(false))
        );
        assert!(conform(Value::Text("soon".into()), Some(Kind::Time)).is_err());
        assert_eq!(
            conform(Value::Text("x".into()), None),
            Ok(Value::Text("x".into()))
        );
    }
}
