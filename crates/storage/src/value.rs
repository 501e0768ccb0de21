use crate::StorageError;
use std::sync::Arc;

/// A value going into or coming out of a query. Integers are 64-bit on both backends; booleans
/// are stored as 0/1 and timestamps as epoch milliseconds.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    Null,
    Int(i64),
    Text(String),
    Blob(Vec<u8>),
}

impl From<i64> for Value {
    fn from(v: i64) -> Self {
        Value::Int(v)
    }
}
impl From<i32> for Value {
    fn from(v: i32) -> Self {
        Value::Int(v as i64)
    }
}
impl From<usize> for Value {
    fn from(v: usize) -> Self {
        Value::Int(v as i64)
    }
}
impl From<bool> for Value {
    fn from(v: bool) -> Self {
        Value::Int(v as i64)
    }
}
impl From<&str> for Value {
    fn from(v: &str) -> Self {
        Value::Text(v.to_string())
    }
}
impl From<String> for Value {
    fn from(v: String) -> Self {
        Value::Text(v)
    }
}
impl From<&String> for Value {
    fn from(v: &String) -> Self {
        Value::Text(v.clone())
    }
}
impl From<Vec<u8>> for Value {
    fn from(v: Vec<u8>) -> Self {
        Value::Blob(v)
    }
}
impl From<&[u8]> for Value {
    fn from(v: &[u8]) -> Self {
        Value::Blob(v.to_vec())
    }
}
impl<T: Into<Value>> From<Option<T>> for Value {
    fn from(v: Option<T>) -> Self {
        v.map(Into::into).unwrap_or(Value::Null)
    }
}

/// One result row: its values, and the names of its columns, shared by all the rows of one
/// result. Columns are read by name (`row.string("hit_id")`), never by position, so a column
/// added to a query cannot shift the reads of the others. A name matches case-insensitively
/// (PostgreSQL folds unquoted names to lower case); a name that is missing, or that two
/// columns of the row share, is an error that names it.
#[derive(Debug, Clone, PartialEq)]
pub struct Row {
    columns: Arc<[String]>,
    values: Vec<Value>,
}

impl Row {
    /// A row of `values` under `columns` (one name per value).
    pub fn new(columns: Arc<[String]>, values: Vec<Value>) -> Row {
        debug_assert_eq!(columns.len(), values.len());
        Row { columns, values }
    }

    /// The names of the columns, in the order of the query.
    pub fn columns(&self) -> &[String] {
        &self.columns
    }

    /// The columns whose names start with `prefix`, named without it: how a query that joins
    /// two tables with columns of the same names reads one of them (`t.status AS t_status`).
    pub fn with_prefix(&self, prefix: &str) -> Row {
        let (columns, values): (Vec<String>, Vec<Value>) = self
            .columns
            .iter()
            .zip(&self.values)
            .filter_map(|(c, v)| {
                let head = c.get(..prefix.len()).filter(|h| h.eq_ignore_ascii_case(prefix))?;
                Some((c[head.len()..].to_string(), v.clone()))
            })
            .unzip();
        Row { columns: columns.into(), values }
    }

    /// The value of column `name`.
    pub fn value(&self, name: &str) -> Result<&Value, StorageError> {
        let mut found = None;
        for (i, c) in self.columns.iter().enumerate() {
            if c.len() == name.len() && c.eq_ignore_ascii_case(name) {
                if found.is_some() {
                    return Err(StorageError::Column(name.into(), "two columns have this name (alias one)".into()));
                }
                found = Some(i);
            }
        }
        match found {
            Some(i) => Ok(&self.values[i]),
            None => Err(StorageError::Column(
                name.into(),
                format!("no such column (the row has {})", self.columns.join(", ")),
            )),
        }
    }

    fn typed<T>(&self, name: &str, want: &str, f: impl FnOnce(&Value) -> Option<T>) -> Result<T, StorageError> {
        let v = self.value(name)?;
        f(v).ok_or_else(|| StorageError::Column(name.into(), format!("expected {want}, got {v:?}")))
    }
    pub fn i64(&self, name: &str) -> Result<i64, StorageError> {
        self.typed(name, "an integer", |v| match v {
            Value::Int(v) => Some(*v),
            _ => None,
        })
    }
    pub fn opt_i64(&self, name: &str) -> Result<Option<i64>, StorageError> {
        self.typed(name, "an integer or NULL", |v| match v {
            Value::Null => Some(None),
            Value::Int(v) => Some(Some(*v)),
            _ => None,
        })
    }
    /// A boolean stored as 0/1.
    pub fn bool(&self, name: &str) -> Result<bool, StorageError> {
        Ok(self.i64(name)? != 0)
    }
    pub fn string(&self, name: &str) -> Result<String, StorageError> {
        self.typed(name, "text", |v| match v {
            Value::Text(v) => Some(v.clone()),
            _ => None,
        })
    }
    pub fn opt_string(&self, name: &str) -> Result<Option<String>, StorageError> {
        self.typed(name, "text or NULL", |v| match v {
            Value::Null => Some(None),
            Value::Text(v) => Some(Some(v.clone())),
            _ => None,
        })
    }
    pub fn blob(&self, name: &str) -> Result<Vec<u8>, StorageError> {
        self.typed(name, "bytes", |v| match v {
            Value::Blob(v) => Some(v.clone()),
            _ => None,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row() -> Row {
        let columns: Arc<[String]> =
            ["hit_id", "Reviewable_At", "n", "t_status", "dup", "dup"].map(String::from).into();
        Row::new(
            columns,
            vec![
                Value::Text("H1".into()),
                Value::Null,
                Value::Int(3),
                Value::Text("Active".into()),
                Value::Int(1),
                Value::Int(2),
            ],
        )
    }

    #[test]
    fn reads_by_name_case_insensitively() {
        let r = row();
        assert_eq!(r.string("hit_id").unwrap(), "H1");
        assert_eq!(r.opt_i64("reviewable_at").unwrap(), None);
        assert_eq!(r.i64("N").unwrap(), 3);
        assert!(r.bool("n").unwrap());
        assert_eq!(r.opt_string("hit_id").unwrap().as_deref(), Some("H1"));
    }

    #[test]
    fn a_missing_column_is_an_error_that_names_it() {
        let e = row().i64("hit_status").unwrap_err();
        let StorageError::Column(name, why) = &e else { panic!("{e:?}") };
        assert_eq!(name, "hit_status");
        assert!(why.contains("no such column") && why.contains("hit_id, Reviewable_At"), "{why}");
        assert!(e.to_string().starts_with("column hit_status:"), "{e}");
    }

    #[test]
    fn a_shared_name_and_a_wrong_type_are_errors() {
        let e = row().i64("dup").unwrap_err();
        assert!(matches!(&e, StorageError::Column(n, why) if n == "dup" && why.contains("two columns")), "{e:?}");
        let e = row().i64("hit_id").unwrap_err();
        assert!(
            matches!(&e, StorageError::Column(n, why) if n == "hit_id" && why.contains("expected an integer")),
            "{e:?}"
        );
        assert!(row().string("reviewable_at").is_err(), "NULL is not text");
    }

    #[test]
    fn with_prefix_keeps_the_prefixed_columns_renamed() {
        let t = row().with_prefix("t_");
        assert_eq!(t.columns(), ["status".to_string()]);
        assert_eq!(t.string("status").unwrap(), "Active");
        assert!(t.string("hit_id").is_err());
    }
}
