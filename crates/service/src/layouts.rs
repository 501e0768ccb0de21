//! HIT layouts: requesters' HTML templates (made by the operator's `openturk layout create`
//! now, by the requester website later), and the question a HIT made from one gets.
//!
//! A layout never changes once created, so CreateHIT reads it in a unit of work of its own and
//! renders it before the HIT's unit of work: the HIT's transaction holds no template parsing.

use crate::error::{corrupt, Error, Result};
use crate::{not_found, Service};
use openturk_domain::clock::Millis;
use openturk_domain::layout::{self, LayoutError, Template};
use openturk_domain::validate::MAX_QUESTION_BYTES;
use openturk_domain::{ids, ErrorKind};
use openturk_storage::{params, Row, Tx};

/// How an operator names a requester: its name or RequesterId, or one of its access keys.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RequesterRef {
    NameOrId(String),
    AccessKey(String),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HitLayout {
    pub hit_layout_id: String,
    pub requester_id: String,
    pub requester_name: String,
    pub name: String,
    pub template: String,
    /// The template's placeholders, each once, in the order they first appear.
    pub placeholders: Vec<String>,
    pub created_at: Millis,
}

/// The question document of a new HIT, and the layout it was made from, if any.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct HitQuestion {
    pub xml: String,
    pub hit_layout_id: Option<String>,
}

const LAYOUT_COLS: &str = "l.hit_layout_id, l.requester_id, r.name AS requester_name, l.name, l.template, \
    l.placeholders, l.created_at";

fn layout_from_row(r: &Row) -> Result<HitLayout> {
    let placeholders: Vec<String> =
        serde_json::from_str(&r.string("placeholders")?).map_err(|e| corrupt("HIT layout placeholders", e))?;
    Ok(HitLayout {
        hit_layout_id: r.string("hit_layout_id")?,
        requester_id: r.string("requester_id")?,
        requester_name: r.string("requester_name")?,
        name: r.string("name")?,
        template: r.string("template")?,
        placeholders,
        created_at: r.i64("created_at")?,
    })
}

fn load(tx: &mut dyn Tx, hit_layout_id: &str) -> Result<Option<HitLayout>> {
    let sql = format!(
        "SELECT {LAYOUT_COLS} FROM hit_layouts l JOIN requesters r ON r.requester_id = l.requester_id \
         WHERE l.hit_layout_id = ?"
    );
    tx.query_opt(&sql, params![hit_layout_id])?.map(|r| layout_from_row(&r)).transpose()
}

/// The RequesterId `who` names; an error that says what was looked for when none (or, for a
/// name that is another requester's ID, two) match.
fn resolve(tx: &mut dyn Tx, who: &RequesterRef) -> Result<String> {
    let (rows, what) = match who {
        RequesterRef::NameOrId(s) => (
            tx.query("SELECT requester_id FROM requesters WHERE requester_id = ? OR name = ?", params![s, s])?,
            format!("no requester is named or has the ID '{s}' (see `openturk requester list`)"),
        ),
        RequesterRef::AccessKey(k) => (
            tx.query("SELECT requester_id FROM access_keys WHERE access_key_id = ?", params![k])?,
            format!("no requester has the access key '{k}' (see `openturk requester list`)"),
        ),
    };
    match rows.as_slice() {
        [r] => Ok(r.string("requester_id")?),
        [] => Err(Error::new(ErrorKind::NotFound, what)),
        _ => Err(Error::invalid("that is one requester's name and another's ID; give the RequesterId")),
    }
}

fn layout_error(e: LayoutError) -> Error {
    Error::invalid(format!("The HIT layout is not valid: {e}"))
}

impl Service {
    /// Creates a layout for a requester, after checking its name and template.
    pub fn create_layout(&self, who: &RequesterRef, name: &str, template: &str) -> Result<HitLayout> {
        layout::validate_name(name).map_err(layout_error)?;
        let parsed = Template::parse(template).map_err(layout_error)?;
        parsed.check_document().map_err(layout_error)?;
        let placeholders = parsed.placeholders();
        let stored =
            serde_json::to_string(&placeholders).map_err(|e| Error::new(ErrorKind::Internal, e.to_string()))?;
        let now = self.now();
        let id = ids::new_hit_layout_id();
        self.write(|tx| {
            let requester_id = resolve(tx, who)?;
            tx.execute(
                "INSERT INTO hit_layouts (hit_layout_id, requester_id, name, template, placeholders, created_at) \
                 VALUES (?, ?, ?, ?, ?, ?)",
                params![&id, &requester_id, name, template, &stored, now],
            )?;
            load(tx, &id)?.ok_or_else(|| Error::new(ErrorKind::Internal, "the new HIT layout is not there"))
        })
    }

    /// Layouts, oldest first: one requester's, or everybody's.
    pub fn list_layouts(&self, who: Option<&RequesterRef>) -> Result<Vec<HitLayout>> {
        self.read(|tx| {
            let owner = who.map(|w| resolve(tx, w)).transpose()?;
            let sql = format!(
                "SELECT {LAYOUT_COLS} FROM hit_layouts l JOIN requesters r ON r.requester_id = l.requester_id \
                 WHERE (? = '' OR l.requester_id = ?) ORDER BY l.created_at, l.hit_layout_id"
            );
            let owner = owner.unwrap_or_default();
            tx.query(&sql, params![&owner, &owner])?.iter().map(layout_from_row).collect()
        })
    }

    /// One layout, whoever owns it (for the operator).
    pub fn layout(&self, hit_layout_id: &str) -> Result<HitLayout> {
        self.read(|tx| load(tx, hit_layout_id))?
            .ok_or_else(|| not_found(ErrorKind::HitLayoutNotFound, "HITLayout", hit_layout_id))
    }

    /// CreateHIT's question: the Question given, or the caller's layout rendered with its
    /// parameters as an HTMLQuestion. Exactly one of Question and HITLayoutId must be given.
    pub(crate) fn hit_question(
        &self,
        requester_id: &str,
        question: Option<&str>,
        hit_layout_id: Option<&str>,
        parameters: &[(String, String)],
    ) -> Result<HitQuestion> {
        let id = match (question, hit_layout_id) {
            (Some(_), Some(_)) => {
                return Err(Error::invalid(
                    "Either a Question parameter or a HITLayoutId parameter must be provided, but not both.",
                ))
            }
            (None, None) => {
                return Err(Error::invalid("Either a Question parameter or a HITLayoutId parameter must be provided."))
            }
            (Some(q), None) => {
                if !parameters.is_empty() {
                    return Err(Error::invalid(
                        "HITLayoutParameters may be given only with a HITLayoutId; this request gives a Question.",
                    ));
                }
                return Ok(HitQuestion { xml: q.to_string(), hit_layout_id: None });
            }
            (None, Some(id)) => id,
        };
        let layout = match self.read(|tx| load(tx, id))? {
            Some(l) if l.requester_id == requester_id => l,
            _ => return Err(not_found(ErrorKind::HitLayoutNotFound, "HITLayout", id)),
        };
        let template = Template::parse(&layout.template).map_err(|e| corrupt("HIT layout template", e))?;
        let html = template.render(parameters).map_err(|e| parameter_error(id, e))?;
        let xml = layout::html_question(&html);
        if xml.len() > MAX_QUESTION_BYTES {
            return Err(Error::invalid(format!(
                "The HTMLQuestion made from HITLayout {id} with these HITLayoutParameters is {} bytes long; \
                 like a Question it must be at most {MAX_QUESTION_BYTES} bytes",
                xml.len()
            )));
        }
        Ok(HitQuestion { xml, hit_layout_id: Some(layout.hit_layout_id) })
    }
}

/// MTurk's wording where it is known (the missing-parameter message is MTurk's own).
fn parameter_error(hit_layout_id: &str, e: LayoutError) -> Error {
    Error::invalid(match e {
        LayoutError::Missing(names) => format!(
            "Your request is missing required parameters. Required parameters include HITLayoutParameter. \
             You have not provided all required HITLayout parameters. Missing parameter names: {}",
            names.join(", ")
        ),
        LayoutError::Unused(names) => format!(
            "HITLayoutParameter names not used in HITLayout {hit_layout_id}: {}. Parameter names supplied in a \
             HITLayoutParameter structure must be used in the referenced HITLayout.",
            names.join(", ")
        ),
        LayoutError::Duplicate(name) => format!(
            "HITLayoutParameter {name} is given more than once; give each parameter of HITLayout {hit_layout_id} \
             one value."
        ),
        other => format!("The HITLayoutParameters do not fit HITLayout {hit_layout_id}: {other}"),
    })
}
