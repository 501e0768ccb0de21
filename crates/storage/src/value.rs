use crate::StorageError;

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

/// One result row.
#[derive(Debug, Clone, PartialEq)]
pub struct Row(pub Vec<Value>);

impl Row {
    fn at(&self, i: usize) -> Result<&Value, StorageError> {
        self.0.get(i).ok_or_else(|| StorageError::Column(i, "no such column".into()))
    }
    pub fn i64(&self, i: usize) -> Result<i64, StorageError> {
        match self.at(i)? {
            Value::Int(v) => Ok(*v),
            v => Err(StorageError::Column(i, format!("expected an integer, got {v:?}"))),
        }
    }
    pub fn opt_i64(&self, i: usize) -> Result<Option<i64>, StorageError> {
        match self.at(i)? {
            Value::Null => Ok(None),
            _ => self.i64(i).map(Some),
        }
    }
    pub fn bool(&self, i: usize) -> Result<bool, StorageError> {
        Ok(self.i64(i)? != 0)
    }
    pub fn string(&self, i: usize) -> Result<String, StorageError> {
        match self.at(i)? {
            Value::Text(v) => Ok(v.clone()),
            v => Err(StorageError::Column(i, format!("expected text, got {v:?}"))),
        }
    }
    pub fn opt_string(&self, i: usize) -> Result<Option<String>, StorageError> {
        match self.at(i)? {
            Value::Null => Ok(None),
            _ => self.string(i).map(Some),
        }
    }
    pub fn blob(&self, i: usize) -> Result<Vec<u8>, StorageError> {
        match self.at(i)? {
            Value::Blob(v) => Ok(v.clone()),
            v => Err(StorageError::Column(i, format!("expected bytes, got {v:?}"))),
        }
    }
}
