//! Qualification types: CreateQualificationType, GetQualificationType, UpdateQualificationType,
//! DeleteQualificationType and ListQualificationTypes (and the worker's search of requestable
//! types, which is the same listing).

use super::repo;
use crate::error::{Error, Result};
use crate::paging::{Cursor, Page};
use crate::Service;
use openturk_domain::model::Mode;
use openturk_domain::qualification_type::{
    self as qt, QualificationType, QualificationTypeStatus, RequestStatus, SystemType,
};
use openturk_domain::question::{parse_answer_key, parse_question, QuestionDocument, QuestionParseOptions};
use openturk_domain::validate::{text, MAX_DESCRIPTION};
use openturk_domain::{ids, DomainError, ErrorKind};
use openturk_storage::params;

/// CreateQualificationType's parameters as a caller gives them; validated by the service.
#[derive(Debug, Clone, Default)]
pub struct NewQualificationType {
    pub name: String,
    pub description: String,
    pub keywords: Option<String>,
    pub status: String,
    pub retry_delay_secs: Option<i64>,
    pub test: Option<String>,
    pub answer_key: Option<String>,
    pub test_duration_secs: Option<i64>,
    pub auto_granted: Option<bool>,
    pub auto_granted_value: Option<i64>,
}

/// UpdateQualificationType's parameters: `None` leaves a property as it is. `test` replaces
/// the test, and with it the answer key (absent: no key) and the duration.
#[derive(Debug, Clone, Default)]
pub struct QualificationTypeUpdate {
    pub description: Option<String>,
    pub status: Option<String>,
    pub retry_delay_secs: Option<i64>,
    pub test: Option<String>,
    pub answer_key: Option<String>,
    pub test_duration_secs: Option<i64>,
    pub auto_granted: Option<bool>,
    pub auto_granted_value: Option<i64>,
}

/// What ListQualificationTypes (and the workers' search) looks for.
#[derive(Debug, Clone, Default)]
pub struct TypeQuery {
    /// Matched, without regard to case, against names, descriptions and keywords.
    pub query: Option<String>,
    /// Only types a worker can request: Active custom types.
    pub must_be_requestable: bool,
    /// Only the caller's own types (which include its Inactive ones).
    pub must_be_owned_by_caller: bool,
    pub next_token: Option<String>,
    pub max_results: Option<i64>,
}

/// Listing order: the system types first (sequence numbers 1 to 5), then custom types by
/// their row's sequence number shifted past them, so that one NextToken covers both.
const SYSTEM_SEQS: i64 = SystemType::ALL.len() as i64;

/// An IntegerValue (an Integer on the wire: 32 bits).
pub(crate) fn integer_value(param: &str, v: i64) -> Result<i64> {
    if v < i32::MIN as i64 || v > i32::MAX as i64 {
        return Err(Error::invalid(format!("The value {v} for {param} is invalid: it must be a 32-bit integer")));
    }
    Ok(v)
}

/// Parses a Test (a QuestionForm) and its AnswerKey and checks the key against the test.
fn check_test(test: &str, answer_key: Option<&str>) -> Result<()> {
    let doc = parse_question(test, &QuestionParseOptions::default()).map_err(|e| xml_error("Test", e))?;
    let QuestionDocument::Form(form) = doc else {
        return Err(Error::invalid(format!(
            "Test must be a QuestionForm data structure, not an {}: a Qualification test cannot be an HTMLQuestion or ExternalQuestion",
            doc.type_name()
        )));
    };
    // The API Reference: "A FileUploadAnswer element can only be used with HITs. It cannot be
    // used with Qualification tests."
    if let Some(q) =
        form.questions().find(|q| matches!(q.answer, openturk_domain::question::AnswerSpecification::FileUpload(_)))
    {
        return Err(Error::invalid(format!(
            "Test: question '{}' has a FileUploadAnswer, which can only be used with HITs, not with Qualification tests",
            q.identifier
        )));
    }
    if let Some(k) = answer_key {
        let key = parse_answer_key(k).map_err(|e| xml_error("AnswerKey", e))?;
        key.check_against(&form).map_err(|e| Error::invalid(e.0))?;
    }
    Ok(())
}

fn xml_error(param: &str, e: impl std::fmt::Display) -> Error {
    Error::Domain(DomainError::new(
        ErrorKind::InvalidDocument,
        format!(
            "There was an error parsing the XML question or answer data in your request. Please make sure the data is well-formed and validates against the appropriate schema. Details: {param}: {e}"
        ),
    ))
}

fn duplicate_name() -> Error {
    Error::new(
        ErrorKind::QualificationTypeAlreadyExists,
        "You have already created a QualificationType with this name. A QualificationType's name must be unique among all of the QualificationTypes created by the same user.",
    )
}

impl Service {
    /// CreateQualificationType.
    pub fn create_qualification_type(&self, requester_id: &str, n: &NewQualificationType) -> Result<QualificationType> {
        qt::validate_create(&n.name, &n.description, n.keywords.as_deref(), n.retry_delay_secs)?;
        let status = QualificationTypeStatus::parse_param("QualificationTypeStatus", &n.status)?;
        qt::validate_test_params(n.test.as_deref(), n.answer_key.as_deref(), n.test_duration_secs, n.auto_granted)?;
        if let Some(t) = &n.test {
            check_test(t, n.answer_key.as_deref())?;
        }
        let auto_granted = n.auto_granted.unwrap_or(false);
        // AutoGrantedValue "is used only if AutoGranted is true"; it defaults to 1 then.
        let auto_granted_value = match auto_granted {
            true => Some(integer_value("AutoGrantedValue", n.auto_granted_value.unwrap_or(1))?),
            false => None,
        };
        let t = QualificationType {
            qualification_type_id: ids::new_qualification_type_id(),
            requester_id: Some(requester_id.to_string()),
            name: n.name.clone(),
            description: n.description.clone(),
            keywords: n.keywords.clone(),
            status,
            retry_delay_secs: n.retry_delay_secs,
            test: n.test.clone(),
            answer_key: n.answer_key.clone(),
            test_duration_secs: n.test_duration_secs,
            auto_granted,
            auto_granted_value,
            created_at: self.now(),
        };
        self.write_for(requester_id, |tx| {
            let taken = tx.query_opt(
                "SELECT 1 FROM qualification_types WHERE requester_id = ? AND name = ? AND status <> 'Disposing'",
                params![requester_id, &t.name],
            )?;
            if taken.is_some() {
                return Err(duplicate_name());
            }
            repo::insert_type(tx, &t)?;
            Ok(t.clone())
        })
    }

    /// GetQualificationType: any type, the caller's, another requester's or a system one. A
    /// deleted type answers with the status Disposing. Only its owner (`viewer`) sees a test's
    /// answer key: anyone else could be a worker about to take the test.
    pub fn get_qualification_type(&self, viewer: Option<&str>, type_id: &str) -> Result<QualificationType> {
        let mode = self.mode();
        let t = self.read(|tx| repo::any_type(tx, type_id, mode))?;
        Ok(for_viewer(t, viewer))
    }

    /// UpdateQualificationType (the owner only; Name and Keywords cannot change).
    pub fn update_qualification_type(
        &self,
        requester_id: &str,
        type_id: &str,
        u: &QualificationTypeUpdate,
    ) -> Result<QualificationType> {
        if let Some(d) = &u.description {
            text("Description", d, MAX_DESCRIPTION, true)?;
        }
        let status = u
            .status
            .as_deref()
            .map(|s| QualificationTypeStatus::parse_param("QualificationTypeStatus", s))
            .transpose()?;
        qt::validate_retry_delay(u.retry_delay_secs)?;
        qt::validate_test_params(u.test.as_deref(), u.answer_key.as_deref(), u.test_duration_secs, u.auto_granted)?;
        if let Some(t) = &u.test {
            check_test(t, u.answer_key.as_deref())?;
        }
        if let Some(v) = u.auto_granted_value {
            integer_value("AutoGrantedValue", v)?;
        }
        let mode = self.mode();
        self.write_for(requester_id, |tx| {
            let mut t = repo::own_type(tx, requester_id, type_id, mode)?;
            repo::not_disposing(&t)?;
            if u.auto_granted == Some(true) && t.test.is_some() {
                return Err(Error::invalid(format!(
                    "QualificationType {type_id} has a Test, so it cannot be made AutoGranted: there is no way to remove a test from a Qualification type"
                )));
            }
            if let Some(d) = &u.description {
                t.description = d.clone();
            }
            if let Some(s) = status {
                t.status = s;
            }
            if let Some(d) = u.retry_delay_secs {
                t.retry_delay_secs = Some(d);
            }
            if let Some(test) = &u.test {
                t.test = Some(test.clone());
                t.answer_key = u.answer_key.clone();
                t.test_duration_secs = u.test_duration_secs;
            }
            if let Some(a) = u.auto_granted {
                t.auto_granted = a;
            }
            if t.auto_granted && t.test.is_some() {
                return Err(Error::invalid(format!(
                    "QualificationType {type_id} is AutoGranted, so it cannot be given a Test; give AutoGranted false with the Test"
                )));
            }
            t.auto_granted_value = match t.auto_granted {
                true => Some(u.auto_granted_value.or(t.auto_granted_value).unwrap_or(1)),
                false => None,
            };
            repo::update_type(tx, &t)?;
            Ok(t)
        })
    }

    /// DeleteQualificationType: the type goes to Disposing. It leaves listings and cannot be
    /// requested or granted any more, its name is free again, and pending requests (and tests
    /// in progress) are rejected; scores already granted are kept, as the spec says, since
    /// HITs may still require them.
    pub fn delete_qualification_type(&self, requester_id: &str, type_id: &str) -> Result<()> {
        let mode = self.mode();
        let now = self.now();
        self.write_for(requester_id, |tx| {
            let t = repo::own_type(tx, requester_id, type_id, mode)?;
            repo::not_disposing(&t)?;
            tx.execute(
                "UPDATE qualification_types SET status = 'Disposing', disposed_at = ? WHERE qualification_type_id = ?",
                params![now, type_id],
            )?;
            tx.execute(
                "UPDATE qualification_requests SET status = ?, decided_at = ?, reason = ? \
                 WHERE qualification_type_id = ? AND status IN ('Started', 'Submitted')",
                params![
                    RequestStatus::Rejected.as_str(),
                    now,
                    "The Qualification type was deleted by its owner.",
                    type_id
                ],
            )?;
            // The type itself goes once no HIT uses it any more (looked at in an hour, then hourly).
            let look = now + crate::jobs::QUALIFICATION_TYPE_LOOK_AFTER_MS;
            self.schedule(tx, &crate::jobs::Job::qualification_type_dispose(type_id), look)?;
            Ok(())
        })
    }

    /// ListQualificationTypes for `requester_id`: with MustBeOwnedByCaller false, the system
    /// types (unless MustBeRequestable), the caller's types and other requesters' Active ones.
    pub fn list_qualification_types(&self, requester_id: &str, q: &TypeQuery) -> Result<Page<QualificationType>> {
        let (cur, items) = self.search_types(Some(requester_id), q)?;
        Ok(cur.requester_page_of(items))
    }

    /// The types a worker can request (Active custom types of any requester), with a search.
    /// Worker API paging: no NextToken on the last page.
    pub fn requestable_qualification_types(
        &self,
        query: Option<&str>,
        next_token: Option<&str>,
        max_results: Option<i64>,
    ) -> Result<Page<QualificationType>> {
        let q = TypeQuery {
            query: query.map(str::to_string),
            must_be_requestable: true,
            must_be_owned_by_caller: false,
            next_token: next_token.map(str::to_string),
            max_results,
        };
        let (cur, items) = self.search_types(None, &q)?;
        Ok(cur.worker_page_of(items))
    }

    /// One page and one more of the matching types, with their listing sequence numbers.
    fn search_types(&self, caller: Option<&str>, q: &TypeQuery) -> Result<(Cursor, Vec<(QualificationType, i64)>)> {
        let cur = Cursor::forward(q.next_token.as_deref(), q.max_results)?;
        let needle = q.query.as_deref().map(str::trim).filter(|s| !s.is_empty()).map(str::to_lowercase);
        let matches = |t: &QualificationType| {
            needle
                .as_deref()
                .is_none_or(|n| repo::search_text(&t.name, &t.description, t.keywords.as_deref()).contains(n))
        };
        let mode: Mode = self.mode();
        let mut items: Vec<(QualificationType, i64)> = Vec::new();
        if !q.must_be_requestable && !q.must_be_owned_by_caller {
            for (i, s) in SystemType::ALL.iter().enumerate() {
                let seq = i as i64 + 1;
                let t = s.qualification_type(mode);
                if seq > cur.seq && matches(&t) {
                    items.push((t, seq));
                }
            }
        }
        let pattern = needle.as_deref().map(like_pattern).unwrap_or_default();
        let owner = caller.unwrap_or("");
        let sql = format!(
            "SELECT {} FROM qualification_types WHERE status <> 'Disposing' \
             AND (requester_id = ? OR (? = 0 AND status = 'Active')) \
             AND (? = 0 OR status = 'Active') \
             AND (? = '' OR search_text LIKE ? ESCAPE '\\') \
             AND seq > ? ORDER BY seq LIMIT ?",
            repo::TYPE_COLS
        );
        let after = (cur.seq - SYSTEM_SEQS).max(0);
        let rows = self.read(|tx| {
            Ok(tx.query(
                &sql,
                params![
                    owner,
                    q.must_be_owned_by_caller,
                    q.must_be_requestable,
                    &pattern,
                    &pattern,
                    after,
                    cur.fetch()
                ],
            )?)
        })?;
        for r in &rows {
            let (t, seq) = repo::type_from_row(r)?;
            items.push((for_viewer(t, caller), seq + SYSTEM_SEQS));
        }
        items.truncate(cur.fetch() as usize);
        Ok((cur, items))
    }
}

/// The type as `viewer` may see it: without its answer key unless `viewer` owns it.
fn for_viewer(mut t: QualificationType, viewer: Option<&str>) -> QualificationType {
    if viewer.is_none() || t.requester_id.as_deref() != viewer {
        t.answer_key = None;
    }
    t
}

/// `%needle%` for LIKE, with LIKE's own characters escaped.
fn like_pattern(needle: &str) -> String {
    let mut p = String::with_capacity(needle.len() + 2);
    p.push('%');
    for c in needle.chars() {
        if matches!(c, '%' | '_' | '\\') {
            p.push('\\');
        }
        p.push(c);
    }
    p.push('%');
    p
}

#[cfg(test)]
mod tests {
    #[test]
    fn like_patterns_escape() {
        assert_eq!(super::like_pattern("a_b%c\\"), "%a\\_b\\%c\\\\%");
    }
}
