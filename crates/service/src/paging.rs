//! Paging, the one helper every listing uses.
//!
//! A NextToken is opaque to callers: the sequence number of the last row a page held, so a
//! listing stays stable while rows are added behind it.
//!
//! Where a listing ends differs by surface:
//! - The Requester API does as MTurk does: every page that has results carries a NextToken,
//!   and only an empty page (with no NextToken) ends the listing. Clients depend on it:
//!   Mephisto reads `NextToken` from every non-empty ListHITs page, and the SDK paginators
//!   (boto3, aws-sdk-mturk, the JavaScript SDK) stop on the page without one. The listings to
//!   come (qualification types, workers with a qualification, blocks) get this by using
//!   [`Cursor::requester_page`].
//! - The worker API is ours: the page that holds the last rows carries no NextToken.

use crate::{Error, Result};
use openturk_storage::Row;

/// One page of a listing.
#[derive(Debug, Clone)]
pub struct Page<T> {
    pub items: Vec<T>,
    pub next_token: Option<String>,
}

/// Where a listing resumes and how many rows a page holds, from a caller's NextToken and
/// MaxResults.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cursor {
    /// The sequence number the page starts after (oldest-first listings) or before
    /// (newest-first listings).
    pub seq: i64,
    /// Rows in a page: MaxResults.
    pub limit: i64,
}

impl Cursor {
    /// An oldest-first listing: rows with `seq > cursor.seq`; no token starts at the beginning.
    pub fn forward(next_token: Option<&str>, max_results: Option<i64>) -> Result<Cursor> {
        Ok(Cursor { seq: decode_token(next_token)?.unwrap_or(0), limit: page_size(max_results)? })
    }

    /// A newest-first listing: rows with `seq < cursor.seq`; no token starts at the newest.
    pub fn backward(next_token: Option<&str>, max_results: Option<i64>) -> Result<Cursor> {
        Ok(Cursor { seq: decode_token(next_token)?.unwrap_or(i64::MAX), limit: page_size(max_results)? })
    }

    /// How many rows to ask the database for: one more than a page, which tells whether more
    /// follow.
    pub fn fetch(&self) -> i64 {
        self.limit + 1
    }

    /// A page of a Requester API listing: a NextToken on every non-empty page, none on an
    /// empty one (MTurk's behaviour; see the module documentation). `decode` gives a row's item
    /// and its sequence number.
    pub fn requester_page<T>(&self, rows: Vec<Row>, decode: impl Fn(&Row) -> Result<(T, i64)>) -> Result<Page<T>> {
        let (items, last, _) = self.cut(rows, decode)?;
        Ok(Page { next_token: last.map(encode_token), items })
    }

    /// A page of a worker API listing: no NextToken once no rows follow.
    pub fn worker_page<T>(&self, rows: Vec<Row>, decode: impl Fn(&Row) -> Result<(T, i64)>) -> Result<Page<T>> {
        let (items, last, more) = self.cut(rows, decode)?;
        Ok(Page { next_token: last.filter(|_| more).map(encode_token), items })
    }

    /// [`Cursor::requester_page`] over items already decoded with their sequence numbers (a
    /// listing that merges rows with items that are not rows, such as the system
    /// qualification types).
    pub fn requester_page_of<T>(&self, items: Vec<(T, i64)>) -> Page<T> {
        let (items, last, _) = self.cut_items(items);
        Page { next_token: last.map(encode_token), items }
    }

    /// [`Cursor::worker_page`] over items already decoded with their sequence numbers.
    pub fn worker_page_of<T>(&self, items: Vec<(T, i64)>) -> Page<T> {
        let (items, last, more) = self.cut_items(items);
        Page { next_token: last.filter(|_| more).map(encode_token), items }
    }

    fn cut_items<T>(&self, items: Vec<(T, i64)>) -> (Vec<T>, Option<i64>, bool) {
        let more = items.len() as i64 > self.limit;
        let mut last = None;
        let items = items
            .into_iter()
            .take(self.limit as usize)
            .map(|(item, seq)| {
                last = Some(seq);
                item
            })
            .collect();
        (items, last, more)
    }

    /// The page's items, the last one's sequence number, and whether more rows follow.
    fn cut<T>(&self, rows: Vec<Row>, decode: impl Fn(&Row) -> Result<(T, i64)>) -> Result<(Vec<T>, Option<i64>, bool)> {
        let more = rows.len() as i64 > self.limit;
        let mut items = Vec::with_capacity(rows.len().min(self.limit as usize));
        let mut last = None;
        for r in rows.iter().take(self.limit as usize) {
            let (item, seq) = decode(r)?;
            items.push(item);
            last = Some(seq);
        }
        Ok((items, last, more))
    }
}

/// MaxResults: 1 to 100, 100 when absent.
pub fn page_size(max_results: Option<i64>) -> Result<i64> {
    let n = max_results.unwrap_or(100);
    openturk_domain::validate::range("MaxResults", n, 1, 100)?;
    Ok(n)
}

fn encode_token(seq: i64) -> String {
    format!("ot1.{seq:x}")
}

fn decode_token(token: Option<&str>) -> Result<Option<i64>> {
    match token {
        None => Ok(None),
        Some(t) => t.strip_prefix("ot1.").and_then(|h| i64::from_str_radix(h, 16).ok()).map(Some).ok_or_else(|| {
            Error::invalid(format!("NextToken '{t}' is invalid; pass the NextToken of an earlier response"))
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use openturk_storage::Value;

    fn rows(seqs: &[i64]) -> Vec<Row> {
        let columns: std::sync::Arc<[String]> = vec!["seq".to_string()].into();
        seqs.iter().map(|s| Row::new(columns.clone(), vec![Value::Int(*s)])).collect()
    }

    fn seq(r: &Row) -> Result<(i64, i64)> {
        let s = r.i64("seq")?;
        Ok((s, s))
    }

    #[test]
    fn requester_pages_carry_a_token_until_an_empty_page() {
        let c = Cursor::forward(None, Some(2)).unwrap();
        let p = c.requester_page(rows(&[1, 2, 3]), seq).unwrap();
        assert_eq!((p.items, p.next_token.as_deref()), (vec![1, 2], Some("ot1.2")));
        // The page with the last row still carries a token ...
        let c = Cursor::forward(Some("ot1.2"), Some(2)).unwrap();
        assert_eq!(c.seq, 2);
        let p = c.requester_page(rows(&[3]), seq).unwrap();
        assert_eq!((p.items, p.next_token.as_deref()), (vec![3], Some("ot1.3")));
        // ... and only the empty page after it ends the listing.
        let p = Cursor::forward(Some("ot1.3"), Some(2)).unwrap().requester_page(rows(&[]), seq).unwrap();
        assert!(p.items.is_empty() && p.next_token.is_none());
    }

    #[test]
    fn worker_pages_end_on_the_last_row() {
        let c = Cursor::backward(None, Some(2)).unwrap();
        assert_eq!(c.seq, i64::MAX);
        let p = c.worker_page(rows(&[9, 8, 7]), seq).unwrap();
        assert_eq!((p.items, p.next_token.as_deref()), (vec![9, 8], Some("ot1.8")));
        let p = Cursor::backward(Some("ot1.8"), Some(2)).unwrap().worker_page(rows(&[7]), seq).unwrap();
        assert_eq!((p.items, p.next_token), (vec![7], None));
    }

    #[test]
    fn bad_tokens_and_sizes_are_refused() {
        assert!(Cursor::forward(Some("garbage"), None).unwrap_err().to_string().contains("NextToken"));
        assert!(Cursor::forward(None, Some(0)).is_err());
        assert!(Cursor::forward(None, Some(101)).is_err());
        assert_eq!(Cursor::forward(None, None).unwrap().limit, 100);
    }
}
