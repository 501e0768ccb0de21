//! HITs and HIT types: the requester's side of creating and managing work.

use crate::error::{Error, Result};
use crate::jobs::Job;
use crate::notifications::{self as note, EventType as Ev};
use crate::paging::{Cursor, Page};
use crate::{repo, Service};
use openturk_domain::clock::Millis;
use openturk_domain::model::{Hit, HitReviewStatus, HitStatus, HitType, HitTypeSpec, Mode};
use openturk_domain::qualification::QualificationRequirement;
use openturk_domain::question::{parse_question, QuestionParseOptions};
use openturk_domain::review_policy::RawPolicy;
use openturk_domain::validate::{self, HitTypeInput};
use openturk_domain::{ids, DomainError, ErrorKind, Money};
use openturk_storage::{params, Tx};

/// HIT-type properties as a caller gives them; validated by the service.
#[derive(Debug, Clone, Default)]
pub struct NewHitType {
    pub title: String,
    pub description: String,
    pub keywords: Option<String>,
    pub reward: String,
    pub assignment_duration_secs: i64,
    pub auto_approval_delay_secs: Option<i64>,
    pub qualification_requirements: Vec<QualificationRequirement>,
}

impl NewHitType {
    fn validate(&self) -> Result<HitTypeSpec> {
        Ok(HitTypeInput {
            title: &self.title,
            description: &self.description,
            keywords: self.keywords.as_deref(),
            reward: &self.reward,
            assignment_duration_secs: self.assignment_duration_secs,
            auto_approval_delay_secs: self.auto_approval_delay_secs,
            qualification_requirements: self.qualification_requirements.clone(),
        }
        .validate()?)
    }
}

#[derive(Debug, Clone)]
pub enum HitTypeRef {
    New(NewHitType),
    Existing(String),
}

#[derive(Debug, Clone)]
pub struct NewHit {
    pub hit_type: HitTypeRef,
    pub lifetime_secs: i64,
    pub max_assignments: Option<i64>,
    pub question: Option<String>,
    pub hit_layout_id: Option<String>,
    /// HITLayoutParameters as given (name, value); checked against the layout.
    pub hit_layout_parameters: Vec<(String, String)>,
    pub requester_annotation: Option<String>,
    pub unique_request_token: Option<String>,
    /// AssignmentReviewPolicy and HITReviewPolicy as given (validated by `create_hit`).
    pub assignment_review_policy: Option<RawPolicy>,
    pub hit_review_policy: Option<RawPolicy>,
}

const TOKEN_TTL_MS: i64 = 24 * 3600 * 1000;

impl Service {
    /// CreateHITType: the same values give the same HITTypeId.
    pub fn create_hit_type(&self, requester_id: &str, input: &NewHitType) -> Result<HitType> {
        let spec = input.validate()?;
        let now = self.now();
        self.write_for(requester_id, |tx| ensure_hit_type(tx, self.mode(), requester_id, &spec, now))
    }

    /// CreateHIT and CreateHITWithHITType.
    pub fn create_hit(&self, requester_id: &str, input: &NewHit) -> Result<Hit> {
        let new_spec = match &input.hit_type {
            HitTypeRef::New(n) => Some(n.validate()?),
            HitTypeRef::Existing(_) => None,
        };
        validate::lifetime(input.lifetime_secs)?;
        let max = input.max_assignments.unwrap_or(1);
        validate::max_assignments(max)?;
        validate::requester_annotation(input.requester_annotation.as_deref())?;
        validate::unique_request_token(input.unique_request_token.as_deref())?;
        let policies = crate::review_policies::ReviewPolicies::parse(
            input.assignment_review_policy.as_ref(),
            input.hit_review_policy.as_ref(),
        )?;
        let made = self.hit_question(
            requester_id,
            input.question.as_deref(),
            input.hit_layout_id.as_deref(),
            &input.hit_layout_parameters,
        )?;
        let question = made.xml.as_str();
        validate::question_size(question)?;
        let opts = QuestionParseOptions { allow_loopback_http: self.mode() == Mode::Sandbox };
        let parsed = parse_question(question, &opts).map_err(|e| {
            DomainError::new(
                ErrorKind::InvalidDocument,
                format!(
                    "There was an error parsing the XML question or answer data in your request. Please make sure the data is well-formed and validates against the appropriate schema. Details: {e}"
                ),
            )
        })?;
        policies.check_against(&parsed)?;
        let parsed = serde_json::to_string(&parsed).map_err(|e| Error::new(ErrorKind::Internal, e.to_string()))?;
        let now = self.now();
        let token = input.unique_request_token.as_deref();

        self.write_for(requester_id, |tx| {
            if let Some(t) = token {
                if let Some(existing) = check_token(tx, requester_id, "CreateHIT", t, now)? {
                    return Err(Error::new(
                        ErrorKind::HitAlreadyExists,
                        format!("The HIT with UniqueRequestToken '{t}' already exists: HITId {existing}"),
                    ));
                }
            }
            let ty = match (&input.hit_type, &new_spec) {
                (_, Some(spec)) => ensure_hit_type(tx, self.mode(), requester_id, spec, now)?,
                (HitTypeRef::Existing(id), None) => {
                    let ty = own_hit_type(tx, requester_id, id)?;
                    // A HIT type whose requirement's type was deleted is disposed with it.
                    requirement_types_usable(tx, self.mode(), &ty.spec)?;
                    ty
                }
                (HitTypeRef::New(_), None) => unreachable!("new HIT types are validated above"),
            };
            let fee = self.config().fees.assignment_fee(ty.spec.reward, max);
            check_total_cost(ty.spec.reward, fee, max)?;
            let mut hit = Hit {
                hit_id: ids::new_hit_id(),
                hit_group_id: ids::hit_group_id(&ty.hit_type_id),
                hit_type_id: ty.hit_type_id.clone(),
                requester_id: requester_id.to_string(),
                spec: ty.spec.clone(),
                question: question.to_string(),
                requester_annotation: input.requester_annotation.clone(),
                created_at: now,
                expires_at: now + input.lifetime_secs * 1000,
                max_assignments: max,
                initial_max_assignments: max,
                status: HitStatus::Assignable,
                review_status: HitReviewStatus::NotReviewed,
                num_pending: 0,
                num_submitted: 0,
                num_completed: 0,
                held: openturk_domain::Money::ZERO,
                fee_per_assignment: fee,
                reviewable_at: None,
                deleted: false,
                hit_layout_id: made.hit_layout_id.clone(),
            };
            repo::insert_hit(tx, &hit, &parsed)?;
            note::emit(self, tx, &hit, Ev::HITCreated, None, now)?;
            self.store_review_policies(tx, &hit.hit_id, &policies)?;
            self.settle_hit(tx, &mut hit, now)?;
            self.schedule(tx, &Job::hit_expire(&hit.hit_id), hit.expires_at)?;
            if let Some(t) = token {
                record_token(tx, requester_id, "CreateHIT", t, &hit.hit_id, now)?;
            }
            Ok(hit)
        })
    }

    pub fn get_hit(&self, requester_id: &str, hit_id: &str) -> Result<Hit> {
        self.read(|tx| repo::own_hit(tx, requester_id, hit_id))
    }

    /// ListHITs: the requester's HITs that are not disposed, oldest first.
    pub fn list_hits(
        &self,
        requester_id: &str,
        next_token: Option<&str>,
        max_results: Option<i64>,
    ) -> Result<Page<Hit>> {
        let cur = Cursor::forward(next_token, max_results)?;
        let sql = format!(
            "SELECT {} FROM hits WHERE requester_id = ? AND deleted = 0 AND seq > ? ORDER BY seq LIMIT ?",
            repo::HIT_COLS
        );
        self.read(|tx| {
            cur.requester_page(tx.query(&sql, params![requester_id, cur.seq, cur.fetch()])?, repo::hit_from_row)
        })
    }

    /// ListReviewableHITs: Reviewable (default) or Reviewing HITs, optionally of one HIT type.
    pub fn list_reviewable_hits(
        &self,
        requester_id: &str,
        hit_type_id: Option<&str>,
        status: Option<&str>,
        next_token: Option<&str>,
        max_results: Option<i64>,
    ) -> Result<Page<Hit>> {
        let status = match status.unwrap_or("Reviewable") {
            s @ ("Reviewable" | "Reviewing") => s,
            s => {
                return Err(Error::invalid(format!(
                    "Value '{s}' at 'Status' failed to satisfy constraint: Member must satisfy enum value set: [Reviewable, Reviewing]"
                )))
            }
        };
        let cur = Cursor::forward(next_token, max_results)?;
        let sql = format!(
            "SELECT {} FROM hits WHERE requester_id = ? AND status = ? AND (? = '' OR hit_type_id = ?) AND seq > ? ORDER BY seq LIMIT ?",
            repo::HIT_COLS
        );
        let ty = hit_type_id.unwrap_or("");
        self.read(|tx| {
            let rows = tx.query(&sql, params![requester_id, status, ty, ty, cur.seq, cur.fetch()])?;
            cur.requester_page(rows, repo::hit_from_row)
        })
    }

    /// UpdateExpirationForHIT: a time at or before now expires the HIT now; a later time
    /// extends it. It never shortens a HIT that is still open.
    pub fn update_expiration(&self, requester_id: &str, hit_id: &str, expire_at: Millis) -> Result<Hit> {
        self.write_for(requester_id, |tx| {
            let now = self.now();
            let mut hit = repo::own_hit(tx, requester_id, hit_id)?;
            if hit.status == HitStatus::Disposed {
                return Err(invalid_hit_state(&hit, "Assignable, Unassignable, Reviewable, Reviewing"));
            }
            if expire_at <= now {
                if !hit.is_expired(now) {
                    // Expired here and now: the expiry job's work is done by settling below.
                    hit.expires_at = now;
                    self.unschedule(tx, Job::hit_expire(&hit.hit_id).key())?;
                    note::emit(self, tx, &hit, Ev::HITExpired, None, now)?;
                }
            } else {
                if !hit.is_expired(now) && expire_at < hit.expires_at {
                    return Err(Error::invalid(format!(
                        "ExpireAt {} is earlier than the HIT's current expiration {}; UpdateExpirationForHIT can extend a HIT or expire it now (with 0 or a past time), but cannot shorten it",
                        expire_at / 1000,
                        hit.expires_at / 1000
                    )));
                }
                let max_ms = now + validate::MAX_DURATION * 1000;
                if expire_at > max_ms {
                    return Err(Error::invalid(format!(
                        "ExpireAt {} is more than {} seconds (one year) from now",
                        expire_at / 1000,
                        validate::MAX_DURATION
                    )));
                }
                if expire_at > hit.expires_at {
                    note::emit(self, tx, &hit, Ev::HITExtended, None, now)?;
                }
                hit.expires_at = expire_at;
                self.schedule(tx, &Job::hit_expire(&hit.hit_id), hit.expires_at)?;
            }
            self.settle_hit(tx, &mut hit, now)?;
            Ok(hit)
        })
    }

    /// UpdateHITReviewStatus: Reviewable → Reviewing, or with `revert` Reviewing → Reviewable.
    pub fn update_review_status(&self, requester_id: &str, hit_id: &str, revert: bool) -> Result<Hit> {
        self.write_for(requester_id, |tx| {
            let mut hit = repo::own_hit(tx, requester_id, hit_id)?;
            let (from, to) = if revert {
                (HitStatus::Reviewing, HitStatus::Reviewable)
            } else {
                (HitStatus::Reviewable, HitStatus::Reviewing)
            };
            if hit.status != from {
                return Err(invalid_hit_state(&hit, from.as_str()));
            }
            hit.status = to;
            repo::save_hit(tx, &hit)?;
            Ok(hit)
        })
    }

    /// UpdateHITTypeOfHIT: moves a HIT to another of the requester's HIT types. Work already
    /// accepted keeps its reward; open slots take the new one, and the hold follows.
    pub fn update_hit_type_of_hit(&self, requester_id: &str, hit_id: &str, hit_type_id: &str) -> Result<Hit> {
        self.write_for(requester_id, |tx| {
            let now = self.now();
            let mut hit = repo::own_hit(tx, requester_id, hit_id)?;
            let ty = own_hit_type(tx, requester_id, hit_type_id)?;
            if hit.status == HitStatus::Disposed {
                return Err(invalid_hit_state(&hit, "Assignable, Unassignable, Reviewable, Reviewing"));
            }
            hit.hit_type_id = ty.hit_type_id.clone();
            hit.hit_group_id = ids::hit_group_id(&ty.hit_type_id);
            hit.fee_per_assignment = self.config().fees.assignment_fee(ty.spec.reward, hit.max_assignments);
            check_total_cost(ty.spec.reward, hit.fee_per_assignment, hit.max_assignments)?;
            hit.spec = ty.spec;
            self.settle_hit(tx, &mut hit, now)?;
            Ok(hit)
        })
    }

    /// CreateAdditionalAssignmentsForHIT.
    pub fn create_additional_assignments(
        &self,
        requester_id: &str,
        hit_id: &str,
        additional: i64,
        token: Option<&str>,
    ) -> Result<Hit> {
        validate::range("NumberOfAdditionalAssignments", additional, 1, validate::MAX_MAX_ASSIGNMENTS)?;
        validate::unique_request_token(token)?;
        self.write_for(requester_id, |tx| {
            let now = self.now();
            if let Some(t) = token {
                if let Some(existing) = check_token(tx, requester_id, "CreateAdditionalAssignmentsForHIT", t, now)? {
                    return Err(Error::new(
                        ErrorKind::DuplicateRequest,
                        format!("A request with UniqueRequestToken '{t}' already added assignments to HIT {existing}"),
                    ));
                }
            }
            let mut hit = repo::own_hit(tx, requester_id, hit_id)?;
            self.add_assignments_in(tx, &mut hit, additional, now)?;
            if let Some(t) = token {
                record_token(tx, requester_id, "CreateAdditionalAssignmentsForHIT", t, hit_id, now)?;
            }
            Ok(hit)
        })
    }

    /// Adds assignments to a HIT; refuses, writing nothing, what CreateAdditionalAssignmentsForHIT
    /// refuses. Used by that operation and by review policies' extensions.
    pub(crate) fn add_assignments_in(
        &self,
        tx: &mut dyn Tx,
        hit: &mut Hit,
        additional: i64,
        now: Millis,
    ) -> Result<()> {
        let hit_id = hit.hit_id.clone();
        if hit.status == HitStatus::Disposed {
            return Err(invalid_hit_state(hit, "Assignable, Unassignable, Reviewable, Reviewing"));
        }
        let new_max = hit.max_assignments + additional;
        if hit.initial_max_assignments < 10 && new_max >= 10 {
            return Err(Error::new(
                ErrorKind::InvalidMaximumAssignmentsIncrease,
                format!(
                    "HIT {hit_id} was created with {} assignments; HITs created with fewer than 10 assignments cannot be extended to 10 or more (requested {new_max})",
                    hit.initial_max_assignments
                ),
            ));
        }
        if new_max > validate::MAX_MAX_ASSIGNMENTS {
            return Err(Error::invalid(format!(
                "MaxAssignments would become {new_max}, more than {}",
                validate::MAX_MAX_ASSIGNMENTS
            )));
        }
        check_total_cost(hit.spec.reward, hit.fee_per_assignment, new_max)?;
        hit.max_assignments = new_max;
        // Settled first: a review policy records a refusal (the requester cannot pay) and
        // commits, and a refused extension must not be announced.
        self.settle_hit(tx, hit, now)?;
        note::emit(self, tx, hit, Ev::HITExtended, None, now)
    }

    /// DeleteHIT: only a Reviewable (or Reviewing) HIT whose submitted work is all reviewed.
    /// Deleting a HIT that is already disposed succeeds, so that retries are harmless.
    pub fn delete_hit(&self, requester_id: &str, hit_id: &str) -> Result<()> {
        self.write_for(requester_id, |tx| {
            let now = self.now();
            let mut hit = repo::own_hit(tx, requester_id, hit_id)?;
            match hit.status {
                HitStatus::Disposed => Ok(()),
                HitStatus::Reviewable | HitStatus::Reviewing if hit.num_submitted == 0 && hit.num_pending == 0 => {
                    self.dispose(tx, &mut hit, now)
                }
                HitStatus::Reviewable | HitStatus::Reviewing => Err(Error::new(
                    ErrorKind::InvalidHitState,
                    format!(
                        "HIT {hit_id} has {} submitted assignments that are not yet approved or rejected; review them before deleting the HIT",
                        hit.num_submitted
                    ),
                )),
                _ => Err(invalid_hit_state(&hit, "Reviewable, Reviewing")),
            }
        })
    }
}

/// The most one HIT may cost: 1,000,000,000.00. It keeps every sum of the books far from
/// integer overflow.
pub const MAX_HIT_COST: Money = Money(100_000_000_000);

fn check_total_cost(reward: Money, fee: Money, max_assignments: i64) -> Result<()> {
    let total = (reward + fee).checked_mul(max_assignments).filter(|t| *t <= MAX_HIT_COST);
    if total.is_none() {
        return Err(Error::invalid(format!(
            "MaxAssignments {max_assignments} × (Reward {reward} + fee {fee}) is more than a HIT may cost ({MAX_HIT_COST})"
        )));
    }
    Ok(())
}

pub(crate) fn invalid_hit_state(hit: &Hit, allowed: &str) -> Error {
    Error::new(
        ErrorKind::InvalidHitState,
        format!(
            "This HIT is currently in the state '{}'.  This operation can be called with a status of: {allowed}",
            hit.status.as_str()
        ),
    )
}

fn ensure_hit_type(
    tx: &mut dyn Tx,
    mode: Mode,
    requester_id: &str,
    spec: &HitTypeSpec,
    now: Millis,
) -> Result<HitType> {
    requirement_types_usable(tx, mode, spec)?;
    let canonical = spec.canonical();
    let id = ids::hit_type_id(requester_id, &canonical);
    tx.execute(
        "INSERT INTO hit_types (hit_type_id, requester_id, spec, created_at) VALUES (?, ?, ?, ?) ON CONFLICT (hit_type_id) DO NOTHING",
        params![&id, requester_id, &canonical, now],
    )?;
    let quals: Vec<&str> = spec.qualification_requirements.iter().map(|r| r.qualification_type_id.as_str()).collect();
    crate::qualifications::link_hit_type(tx, &id, &quals)?;
    Ok(HitType { hit_type_id: id, requester_id: requester_id.to_string(), spec: spec.clone(), created_at: now })
}

/// Every type a requirement names must exist here (in this mode: the other mode's Masters ID
/// does not) and not be on its way out: DeleteQualificationType disposes of the HIT types that
/// require it, so no new HIT can use them.
fn requirement_types_usable(tx: &mut dyn Tx, mode: Mode, spec: &HitTypeSpec) -> Result<()> {
    use openturk_domain::qualification_type::QualificationTypeStatus;
    for (i, r) in spec.qualification_requirements.iter().enumerate() {
        let at = format!("QualificationRequirements.{}.QualificationTypeId", i + 1);
        let id = &r.qualification_type_id;
        match crate::qualifications::repo::any_type(tx, id, mode) {
            Ok(t) if t.status == QualificationTypeStatus::Disposing => {
                return Err(Error::invalid(format!(
                    "{at}: QualificationType {id} is being disposed and can no longer be required"
                )));
            }
            Ok(_) => {}
            Err(e) if e.kind() == ErrorKind::QualificationTypeNotFound => {
                return Err(Error::invalid(format!("{at}: QualificationType {id} does not exist.")));
            }
            Err(e) => return Err(e),
        }
    }
    Ok(())
}

fn own_hit_type(tx: &mut dyn Tx, requester_id: &str, hit_type_id: &str) -> Result<HitType> {
    let row = tx.query_opt(
        "SELECT spec, created_at FROM hit_types WHERE hit_type_id = ? AND requester_id = ?",
        params![hit_type_id, requester_id],
    )?;
    let Some(r) = row else {
        return Err(crate::not_found(ErrorKind::HitTypeNotFound, "HITType", hit_type_id));
    };
    let spec = serde_json::from_str(&r.string("spec")?).map_err(|e| crate::error::corrupt("HIT type", e))?;
    Ok(HitType {
        hit_type_id: hit_type_id.to_string(),
        requester_id: requester_id.to_string(),
        spec,
        created_at: r.i64("created_at")?,
    })
}

/// The ID recorded for a token used in the last 24 hours; older records are forgotten.
pub(crate) fn check_token(
    tx: &mut dyn Tx,
    requester_id: &str,
    op: &str,
    token: &str,
    now: Millis,
) -> Result<Option<String>> {
    let row = tx.query_opt(
        "SELECT result_id, created_at FROM request_tokens WHERE requester_id = ? AND operation = ? AND token = ?",
        params![requester_id, op, token],
    )?;
    match row {
        Some(r) if r.i64("created_at")? > now - TOKEN_TTL_MS => Ok(Some(r.string("result_id")?)),
        Some(_) => {
            tx.execute(
                "DELETE FROM request_tokens WHERE requester_id = ? AND operation = ? AND token = ?",
                params![requester_id, op, token],
            )?;
            Ok(None)
        }
        None => Ok(None),
    }
}

/// Records a token. Two racing calls both pass `check_token`; the primary key lets one insert
/// win, and the loser's transaction is retried and then finds the winner's row.
pub(crate) fn record_token(
    tx: &mut dyn Tx,
    requester_id: &str,
    op: &str,
    token: &str,
    id: &str,
    now: Millis,
) -> Result<()> {
    tx.execute(
        "INSERT INTO request_tokens (requester_id, operation, token, result_id, created_at) VALUES (?, ?, ?, ?, ?)",
        params![requester_id, op, token, id, now],
    )?;
    Ok(())
}
