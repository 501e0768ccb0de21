//! The worker's dashboard (`GET /dashboard`: earnings, approval rate, the last 45 days with a
//! chart, bonuses, rejected work) and status page (`GET /status`: assignments by status). The
//! dashboard shows `Service::worker_dashboard`, the same call as the worker API's
//! `GET /dashboard`; the status page `Service::worker_assignments`, as `GET /assignments`.

use super::pages::{layout, service_error, signed_in};
use super::{format, page, Layout, Nav};
use crate::{blocking, AppState};
use askama::Template;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use openturk_domain::model::AssignmentStatus;
use openturk_domain::ErrorKind;
use openturk_service::dashboard::Dashboard;
use std::collections::HashMap;

// ---------------------------------------------------------------------------------------------
// Dashboard

/// The chart's geometry (SVG user units): one slot per day, bars up from the baseline.
const CHART_LEFT: i64 = 72;
const CHART_SLOT: i64 = 11;
const CHART_BAR: i64 = 8;
const CHART_TOP: i64 = 12;
const CHART_HEIGHT: i64 = 120;

struct Bar {
    x: i64,
    y: i64,
    height: i64,
    label: String,
}

struct Chart {
    width: i64,
    height: i64,
    left: i64,
    /// Where the axis labels end (left of the plot) and stand.
    label_x: i64,
    max_y: i64,
    date_y: i64,
    bar_width: i64,
    baseline: i64,
    right: i64,
    max: String,
    first_date: String,
    last_date: String,
    bars: Vec<Bar>,
    desc: String,
}

fn chart(d: &Dashboard) -> Chart {
    let max = d.max_day_earnings();
    let baseline = CHART_TOP + CHART_HEIGHT;
    let n = d.days.len() as i64;
    let right = CHART_LEFT + n * CHART_SLOT;
    let bars = d
        .days
        .iter()
        .enumerate()
        .filter(|(_, day)| day.earnings.0 > 0)
        .map(|(i, day)| {
            // At least one unit tall, so that a cent still shows next to a large day.
            let height = (day.earnings.0 * CHART_HEIGHT / max.0.max(1)).max(1);
            Bar {
                x: CHART_LEFT + i as i64 * CHART_SLOT + (CHART_SLOT - CHART_BAR) / 2,
                y: baseline - height,
                height,
                label: format!("{}: ${}", day.date, day.earnings),
            }
        })
        .collect::<Vec<_>>();
    let first_date = d.days.first().map(|x| x.date.clone()).unwrap_or_default();
    let last_date = d.days.last().map(|x| x.date.clone()).unwrap_or_default();
    let total = d.days.iter().fold(openturk_domain::Money(0), |a, x| a + x.earnings);
    let desc = match d.days.iter().rev().find(|x| x.earnings == max && max.0 > 0) {
        Some(best) => format!(
            "Earnings per day from {first_date} to {last_date}: ${total} in all, on {} days; the most, ${max}, on {}. \
             The table below lists every day.",
            bars.len(),
            best.date
        ),
        None => format!("No earnings from {first_date} to {last_date}. The table below lists every day."),
    };
    Chart {
        width: right + 8,
        height: baseline + 28,
        left: CHART_LEFT,
        label_x: CHART_LEFT - 6,
        max_y: CHART_TOP + 4,
        date_y: baseline + 20,
        bar_width: CHART_BAR,
        baseline,
        right,
        max: max.to_string(),
        first_date,
        last_date,
        bars,
        desc,
    }
}

struct DayRow {
    date: String,
    submitted: i64,
    approved: i64,
    rejected: i64,
    pending: i64,
    earnings: String,
}

struct BonusRow {
    title: String,
    amount: String,
    reason: String,
    time: String,
    time_iso: String,
}

struct RejectedRow {
    assignment_id: String,
    title: String,
    time: String,
    time_iso: String,
    feedback: Option<String>,
}

#[derive(Template)]
#[template(path = "site/dashboard.html")]
struct DashboardPage {
    l: Layout,
    pending: String,
    approved: String,
    bonuses_total: String,
    available: String,
    /// "66.7%", or "—" when no work has been reviewed.
    approval_rate: String,
    reviewed: i64,
    chart: Chart,
    /// Newest first.
    days: Vec<DayRow>,
    bonuses: Vec<BonusRow>,
    rejected: Vec<RejectedRow>,
}

/// `GET /dashboard`.
pub async fn dashboard(State(st): State<AppState>, headers: HeaderMap) -> Response {
    let (v, worker) = match signed_in(&st, &headers).await {
        Ok(x) => x,
        Err(r) => return r,
    };
    let svc = st.service.clone();
    let d = match blocking(&st.service, move || svc.worker_dashboard(&worker)).await {
        Ok(d) => d,
        Err(e) => return service_error(layout(&st, &v, "Dashboard"), e),
    };
    let p = &d.profile;
    let dash = DashboardPage {
        l: layout(&st, &v, "Dashboard"),
        pending: p.pending.to_string(),
        approved: p.approved.to_string(),
        bonuses_total: p.bonuses.to_string(),
        available: p.available.to_string(),
        approval_rate: d.approval_rate.percent().map_or_else(|| "—".to_string(), |r| format!("{r}%")),
        reviewed: d.approval_rate.approved + d.approval_rate.rejected,
        chart: chart(&d),
        days: d
            .days
            .iter()
            .rev()
            .map(|x| DayRow {
                date: x.date.clone(),
                submitted: x.submitted,
                approved: x.approved,
                rejected: x.rejected,
                pending: x.pending,
                earnings: x.earnings.to_string(),
            })
            .collect(),
        bonuses: d
            .bonuses
            .iter()
            .map(|b| BonusRow {
                title: b.title.clone(),
                amount: b.amount.to_string(),
                reason: b.reason.clone(),
                time: format::time(b.granted_at),
                time_iso: format::time_iso(b.granted_at),
            })
            .collect(),
        rejected: d
            .rejected
            .iter()
            .map(|r| RejectedRow {
                assignment_id: r.assignment_id.clone(),
                title: r.title.clone(),
                time: format::time(r.rejected_at),
                time_iso: format::time_iso(r.rejected_at),
                feedback: r.feedback.clone(),
            })
            .collect(),
    };
    page(StatusCode::OK, &dash)
}

// ---------------------------------------------------------------------------------------------
// Status

const STATUSES: [&str; 6] = ["Accepted", "Submitted", "Approved", "Rejected", "Returned", "Abandoned"];
/// Assignments per page of the status list.
const STATUS_PAGE_SIZE: i64 = 25;

struct StatusOption {
    value: &'static str,
    selected: bool,
}

struct AssignmentRow {
    assignment_id: String,
    title: String,
    reward: String,
    status: &'static str,
    /// The assignment is still open: the worker can continue it.
    open: bool,
    accepted: String,
    accepted_iso: String,
    submitted: Option<(String, String)>,
    feedback: Option<String>,
}

#[derive(Template)]
#[template(path = "site/status.html")]
struct StatusPage {
    l: Layout,
    /// The chosen status, or "" for all.
    status: String,
    options: Vec<StatusOption>,
    size: Option<i64>,
    error: Option<String>,
    rows: Vec<AssignmentRow>,
    first_url: Option<String>,
    next_url: Option<String>,
}

fn status_url(status: &str, size: Option<i64>, next: Option<&str>) -> String {
    let mut s = url::form_urlencoded::Serializer::new(String::new());
    if !status.is_empty() {
        s.append_pair("status", status);
    }
    if let Some(n) = size {
        s.append_pair("size", &n.to_string());
    }
    if let Some(t) = next {
        s.append_pair("next", t);
    }
    let q = s.finish();
    if q.is_empty() {
        "/status".into()
    } else {
        format!("/status?{q}")
    }
}

/// `GET /status?status=&size=&next=`: the worker's assignments, newest first, by status.
pub async fn status(
    State(st): State<AppState>,
    headers: HeaderMap,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    let (v, worker) = match signed_in(&st, &headers).await {
        Ok(x) => x,
        Err(r) => return r,
    };
    let get = |k: &str| q.get(k).map(|s| s.trim()).filter(|s| !s.is_empty());
    let status_text = get("status").unwrap_or_default().to_string();
    let next = get("next").map(str::to_string);
    let mut error = None;
    let status = match status_text.as_str() {
        "" => None,
        s => match AssignmentStatus::parse(s) {
            Some(x) => Some(x),
            None => {
                error = Some(format!("'{s}' is not a status; choose one of the list."));
                None
            }
        },
    };
    let size = match get("size").map(|s| s.parse::<i64>()) {
        Some(Ok(n)) if (1..=100).contains(&n) => Some(n),
        Some(_) => {
            error = Some("The page size must be a number from 1 to 100.".to_string());
            None
        }
        None => None,
    };
    let mut rows = Vec::new();
    let mut next_url = None;
    if error.is_none() {
        let svc = st.service.clone();
        let token = next.clone();
        let got = blocking(&st.service, move || {
            svc.worker_assignments(&worker, status, token.as_deref(), Some(size.unwrap_or(STATUS_PAGE_SIZE)))
        })
        .await;
        match got {
            Ok(pg) => {
                next_url = pg.next_token.as_deref().map(|t| status_url(&status_text, size, Some(t)));
                rows = pg
                    .items
                    .into_iter()
                    .map(|(a, h)| AssignmentRow {
                        open: a.status == AssignmentStatus::Accepted,
                        status: a.status.as_str(),
                        title: h.spec.title,
                        reward: a.reward.to_string(),
                        accepted: format::time(a.accepted_at),
                        accepted_iso: format::time_iso(a.accepted_at),
                        submitted: a.submitted_at.map(|t| (format::time(t), format::time_iso(t))),
                        feedback: a.requester_feedback,
                        assignment_id: a.assignment_id,
                    })
                    .collect();
            }
            Err(e) if e.kind() == ErrorKind::InvalidParameter => {
                error = Some(format!("{e} Start again from the first page."))
            }
            Err(e) => return service_error(layout(&st, &v, "Status"), e),
        }
    }
    let code = if error.is_some() { StatusCode::UNPROCESSABLE_ENTITY } else { StatusCode::OK };
    let status_page = StatusPage {
        l: layout(&st, &v, "Status"),
        options: STATUSES.iter().map(|s| StatusOption { value: s, selected: *s == status_text }).collect(),
        first_url: next.as_ref().map(|_| status_url(&status_text, size, None)),
        status: status_text,
        size,
        error,
        rows,
        next_url,
    };
    page(code, &status_page)
}
