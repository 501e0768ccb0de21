//! The site's pages: home (the HIT-group list, or a welcome when signed out), sign up, sign in,
//! sign out. Each handler reads the visitor, calls the service, and renders a template; the
//! rules (who may sign up, which groups are listed, how they sort) are the service's.

use super::session::{self, Visitor, CSRF_COOKIE, CSRF_FIELD, SESSION_COOKIE};
use super::{format, message, page, Layout, Nav};
use crate::worker::WorkerApiError;
use crate::{blocking, AppState};
use askama::Template;
use axum::body::Bytes;
use axum::extract::{ConnectInfo, Query, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::Extension;
use openturk_domain::Money;
use openturk_service::workers::{GroupQuery, GroupSort, NewWorker};
use std::collections::HashMap;

/// The TCP peer, for the limits on failed sign-ins per address (present under `crate::serve`).
type Client = Option<Extension<ConnectInfo<std::net::SocketAddr>>>;

/// HIT groups on one page of the list, unless the query asks for another size.
const PAGE_SIZE: i64 = 25;

pub(super) fn layout(st: &AppState, v: &Visitor, title: &str) -> Layout {
    let nav = match (&v.session, v.csrf()) {
        (Some((_, worker_id)), Some(csrf)) => {
            Nav::SignedIn { worker_id: worker_id.clone(), csrf, unread_messages: v.unread_messages }
        }
        _ => Nav::SignedOut,
    };
    Layout::new(title, nav, st.service.config().open_signup)
}

/// A service error as a page: the same status and message the worker API would give.
pub(super) fn service_error(l: Layout, e: openturk_service::Error) -> Response {
    if let openturk_service::Error::NotQualified(unmet) = e {
        return page(StatusCode::FORBIDDEN, &NotQualifiedPage { l, unmet });
    }
    let w = WorkerApiError::from(e);
    let mut r = message(w.status, l, w.message);
    if let Some(s) = w.retry_after_secs {
        r.headers_mut().insert(header::RETRY_AFTER, s.into());
    }
    r
}

/// What a worker misses to preview or accept a HIT, each with the way to get it.
#[derive(Template)]
#[template(path = "site/not_qualified.html")]
struct NotQualifiedPage {
    l: Layout,
    unmet: Vec<openturk_service::eligibility::Unmet>,
}

/// A visitor whose cookies could not be checked (the database failed): an error page.
pub(super) fn visitor_failed(e: openturk_service::Error) -> Response {
    service_error(Layout::new("Something went wrong", Nav::Unknown, false), e)
}

/// Reads a POST of the site, refusing it (403) unless it passes the checks every POST passes
/// before it changes anything: the browser does not say it comes from another origin (checked
/// before the form is parsed), and the form carries this visitor's CSRF token.
pub(super) async fn read_post(
    st: &AppState,
    headers: &HeaderMap,
    body: &Bytes,
) -> Result<(Visitor, HashMap<String, String>), Response> {
    let v = session::visitor(st, headers).await.map_err(visitor_failed)?;
    let refuse = |v: &Visitor| {
        message(
            StatusCode::FORBIDDEN,
            layout(st, v, "This form cannot be accepted"),
            "The form did not come from this site, or it has expired. Go back, reload the page and try again.",
        )
    };
    if session::cross_origin(headers) {
        return Err(refuse(&v));
    }
    let form: HashMap<String, String> = url::form_urlencoded::parse(body).into_owned().collect();
    if !form.get(CSRF_FIELD).is_some_and(|t| v.csrf_ok(t)) {
        return Err(refuse(&v));
    }
    Ok((v, form))
}

/// The signed-in visitor, or the response to give instead (a redirect to sign in).
pub(super) async fn signed_in(st: &AppState, headers: &HeaderMap) -> Result<(Visitor, String), Response> {
    let v = session::visitor(st, headers).await.map_err(visitor_failed)?;
    match v.worker_id().map(str::to_string) {
        Some(w) => Ok((v, w)),
        None => Err(Redirect::to("/sign-in").into_response()),
    }
}

/// A signed-in worker's POST that passed the site's checks (origin, CSRF): the visitor, the
/// WorkerId and the form; or the response to give instead.
pub(super) async fn signed_in_post(
    st: &AppState,
    headers: &HeaderMap,
    body: &axum::body::Bytes,
) -> Result<(Visitor, String, std::collections::HashMap<String, String>), Response> {
    let (v, form) = read_post(st, headers, body).await?;
    match v.worker_id().map(str::to_string) {
        Some(w) => Ok((v, w, form)),
        None => Err(Redirect::to("/sign-in").into_response()),
    }
}

/// A signed-out visitor gets a CSRF secret cookie with the first form it is shown.
fn ensure_pre_session(st: &AppState, v: &mut Visitor, headers: &HeaderMap) -> Option<header::HeaderValue> {
    if v.pre_session.is_some() {
        return None;
    }
    let secret = session::new_secret();
    let c = session::set_cookie(CSRF_COOKIE, &secret, 24 * 3600, session::is_https(st, headers));
    v.pre_session = Some(secret);
    Some(c)
}

fn field(form: &HashMap<String, String>, name: &str) -> String {
    form.get(name).map(|s| s.trim().to_string()).unwrap_or_default()
}

// ---------------------------------------------------------------------------------------------
// Home: the HIT list.

#[derive(Template)]
#[template(path = "site/welcome.html")]
struct WelcomePage {
    l: Layout,
}

struct SortOption {
    value: &'static str,
    label: &'static str,
    selected: bool,
}

struct GroupRow {
    group_id: String,
    requester_id: String,
    requester: String,
    title: String,
    description: String,
    reward: String,
    hits_available: i64,
    allotted: String,
    expires: String,
    expires_iso: String,
    /// Whether the worker meets every requirement guarding accepting; otherwise the row links
    /// to the preview, which says what is missing.
    qualified: bool,
    /// The group has QualificationRequirements.
    restricted: bool,
}

#[derive(Template)]
#[template(path = "site/hits.html")]
struct HitsPage {
    l: Layout,
    q: String,
    min_reward: String,
    sorts: Vec<SortOption>,
    size: Option<i64>,
    /// "Only HITs I am qualified for" is ticked.
    qualified_only: bool,
    error: Option<String>,
    filtered: bool,
    groups: Vec<GroupRow>,
    /// The CSRF token of the rows' Accept & Work forms.
    csrf: String,
    /// On a requester's page: (RequesterId, name when it has groups listed).
    requester: Option<(String, Option<String>)>,
    first_url: Option<String>,
    next_url: Option<String>,
}

const SORTS: [(&str, &str); 4] =
    [("Newest", "Newest"), ("RewardDesc", "Highest reward"), ("MostAvailable", "Most HITs"), ("Title", "Title")];

/// `GET /`: the HIT groups a signed-in worker can work (`q`, `min_reward`, `sort`, `size`,
/// `next`), or a welcome page.
pub async fn home(
    State(st): State<AppState>,
    headers: HeaderMap,
    Query(p): Query<HashMap<String, String>>,
) -> Response {
    if st.site.is_task_host(&headers) {
        return super::task::not_on_task_host(&st);
    }
    let v = match session::visitor(&st, &headers).await {
        Ok(v) => v,
        Err(e) => return visitor_failed(e),
    };
    if v.session.is_none() {
        return page(StatusCode::OK, &WelcomePage { l: layout(&st, &v, "Find work") });
    }
    let get = |k: &str| p.get(k).map(|s| s.trim()).filter(|s| !s.is_empty());
    let q = get("q").map(str::to_string);
    // A requester's page: the home page for one requester's groups.
    let requester = get("requester").map(str::to_string);
    let min_reward_text = get("min_reward").unwrap_or_default().to_string();
    let sort_text = get("sort").unwrap_or("Newest").to_string();
    let next = get("next").map(str::to_string);
    let qualified_only = get("qualified").is_some();
    let mut error = None;
    let mut fail = |m: String| error = Some(error.take().map_or(m.clone(), |e: String| format!("{e} {m}")));
    let min_reward = match get("min_reward").map(|m| Money::parse_amount("Minimum reward", m.trim_start_matches('$'))) {
        Some(Err(e)) => {
            fail(format!("{} Write an amount such as 0.50.", e.message));
            None
        }
        Some(Ok(m)) => Some(m),
        None => None,
    };
    let sort = GroupSort::parse(&sort_text).unwrap_or_else(|| {
        fail(format!("'{sort_text}' is not a way to sort HITs."));
        GroupSort::Newest
    });
    let size = match get("size").map(|s| s.parse::<i64>()) {
        Some(Ok(n)) if (1..=100).contains(&n) => Some(n),
        Some(_) => {
            fail("The page size must be a number from 1 to 100.".into());
            None
        }
        None => None,
    };
    let mut groups = Vec::new();
    let mut next_url = None;
    let mut requester_name = None;
    if error.is_none() {
        let gq = GroupQuery {
            query: q.clone(),
            min_reward,
            sort: Some(sort),
            next_token: next.clone(),
            max_results: Some(size.unwrap_or(PAGE_SIZE)),
            requester_id: requester.clone(),
            worker_id: v.worker_id().map(str::to_string),
            qualified_only,
        };
        let svc = st.service.clone();
        match blocking(&st.service, move || svc.list_hit_groups(&gq)).await {
            Ok(pg) => {
                groups = pg.items.into_iter().map(row).collect::<Vec<_>>();
                requester_name = groups.first().map(|g: &GroupRow| g.requester.clone());
                next_url = pg.next_token.map(|t| {
                    let f = Filters {
                        requester: requester.as_deref(),
                        q: q.as_deref(),
                        min_reward: &min_reward_text,
                        sort: &sort_text,
                        size,
                        qualified_only,
                    };
                    list_url(&f, Some(&t))
                });
            }
            Err(e) if e.kind() == openturk_domain::ErrorKind::InvalidParameter => error = Some(e.to_string()),
            Err(e) => return service_error(layout(&st, &v, "HITs"), e),
        }
    }
    let status = if error.is_some() { StatusCode::UNPROCESSABLE_ENTITY } else { StatusCode::OK };
    let hits = HitsPage {
        l: layout(&st, &v, "HITs"),
        filtered: q.is_some() || min_reward.is_some() || qualified_only,
        first_url: next.as_ref().map(|_| {
            let f = Filters {
                requester: requester.as_deref(),
                q: q.as_deref(),
                min_reward: &min_reward_text,
                sort: &sort_text,
                size,
                qualified_only,
            };
            list_url(&f, None)
        }),
        q: q.unwrap_or_default(),
        min_reward: min_reward_text,
        sorts: SORTS.iter().map(|(value, label)| SortOption { value, label, selected: *value == sort_text }).collect(),
        size,
        qualified_only,
        error,
        groups,
        csrf: v.csrf().unwrap_or_default(),
        requester: requester.map(|id| (id, requester_name)),
        next_url,
    };
    page(status, &hits)
}

fn row(g: openturk_service::workers::HitGroup) -> GroupRow {
    GroupRow {
        group_id: g.hit_group_id,
        requester_id: g.requester_id,
        requester: g.requester_name,
        title: g.title,
        description: g.description,
        reward: g.reward.to_string(),
        hits_available: g.hits_available,
        allotted: format::duration(g.assignment_duration_secs),
        expires: format::time(g.expires_at),
        expires_iso: format::time_iso(g.expires_at),
        qualified: g.qualified,
        restricted: !g.requirements.is_empty(),
    }
}

/// The list's search, kept from page to page.
struct Filters<'a> {
    requester: Option<&'a str>,
    q: Option<&'a str>,
    min_reward: &'a str,
    sort: &'a str,
    size: Option<i64>,
    qualified_only: bool,
}

/// The list's URL with the same search, at another page.
fn list_url(f: &Filters, next: Option<&str>) -> String {
    let size = f.size.map(|n| n.to_string());
    let mut params = Vec::new();
    if let Some(r) = f.requester {
        params.push(("requester", r));
    }
    if let Some(q) = f.q {
        params.push(("q", q));
    }
    if !f.min_reward.is_empty() {
        params.push(("min_reward", f.min_reward));
    }
    params.push(("sort", f.sort));
    if let Some(n) = &size {
        params.push(("size", n));
    }
    if f.qualified_only {
        params.push(("qualified", "1"));
    }
    if let Some(t) = next {
        params.push(("next", t));
    }
    format::link("/", &params, "")
}

// ---------------------------------------------------------------------------------------------
// Sign in, sign up, sign out.

#[derive(Template)]
#[template(path = "site/sign_in.html")]
struct SignInPage {
    l: Layout,
    csrf: String,
    username: String,
    error: Option<String>,
}

#[derive(Template)]
#[template(path = "site/sign_up.html")]
struct SignUpPage {
    l: Layout,
    csrf: String,
    username: String,
    country: String,
    subdivision: String,
    error: Option<String>,
}

/// Renders a form page, setting the signed-out CSRF secret first if the visitor has none.
fn form_page<T: Template>(
    st: &AppState,
    mut v: Visitor,
    headers: &HeaderMap,
    status: StatusCode,
    make: impl FnOnce(&Visitor, String) -> T,
) -> Response {
    let set = ensure_pre_session(st, &mut v, headers);
    let csrf = v.csrf().expect("a visitor with a secret has a CSRF token");
    let mut r = page(status, &make(&v, csrf));
    if let Some(c) = set {
        r.headers_mut().append(header::SET_COOKIE, c);
    }
    r
}

/// `GET /sign-in`.
pub async fn sign_in_form(State(st): State<AppState>, headers: HeaderMap) -> Response {
    let v = match session::visitor(&st, &headers).await {
        Ok(v) => v,
        Err(e) => return visitor_failed(e),
    };
    form_page(&st, v, &headers, StatusCode::OK, |v, csrf| SignInPage {
        l: layout(&st, v, "Sign in"),
        csrf,
        username: String::new(),
        error: None,
    })
}

/// Signs in and answers with the session cookie and a redirect home. An older session of this
/// browser is revoked, so that signing in never leaves a live token behind.
async fn start_session(
    st: &AppState,
    v: &Visitor,
    headers: &HeaderMap,
    username: String,
    password: String,
    client: Client,
) -> Result<Response, openturk_service::Error> {
    let svc = st.service.clone();
    let ip = client.map(|c| c.0 .0.ip());
    // Password hashing is CPU-heavy and waits its turn under the cap on concurrent hashes.
    let s =
        tokio::task::spawn_blocking(move || svc.sign_in(&username, &password, ip)).await.expect("sign-in panicked")?;
    if let Some((old, _)) = v.session.clone() {
        let svc = st.service.clone();
        blocking(&st.service, move || svc.revoke_token(&old)).await?;
    }
    let max_age = (s.expires_at - st.service.now()) / 1000;
    let mut r = Redirect::to("/").into_response();
    r.headers_mut().append(
        header::SET_COOKIE,
        session::set_cookie(SESSION_COOKIE, &s.token, max_age, session::is_https(st, headers)),
    );
    Ok(r)
}

/// `POST /sign-in`.
pub async fn sign_in(State(st): State<AppState>, headers: HeaderMap, client: Client, body: Bytes) -> Response {
    let (v, form) = match read_post(&st, &headers, &body).await {
        Ok(r) => r,
        Err(refused) => return refused,
    };
    let username = field(&form, "username");
    let password = form.get("password").cloned().unwrap_or_default();
    match start_session(&st, &v, &headers, username.clone(), password, client).await {
        Ok(r) => r,
        Err(e) => {
            let w = WorkerApiError::from(e);
            // A wrong password is a 401 in the worker API; a page cannot be 401 without an
            // HTTP authentication scheme, so the form comes back as unprocessable.
            let status = if w.status == StatusCode::UNAUTHORIZED { StatusCode::UNPROCESSABLE_ENTITY } else { w.status };
            let mut r = form_page(&st, v, &headers, status, |v, csrf| SignInPage {
                l: layout(&st, v, "Sign in"),
                csrf,
                username,
                error: Some(w.message),
            });
            if let Some(s) = w.retry_after_secs {
                r.headers_mut().insert(header::RETRY_AFTER, s.into());
            }
            r
        }
    }
}

const SIGNUP_CLOSED: &str = "Sign-up is closed on this marketplace; ask its operator for an account.";

/// `GET /sign-up`.
pub async fn sign_up_form(State(st): State<AppState>, headers: HeaderMap) -> Response {
    let v = match session::visitor(&st, &headers).await {
        Ok(v) => v,
        Err(e) => return visitor_failed(e),
    };
    if !st.service.config().open_signup {
        return message(StatusCode::FORBIDDEN, layout(&st, &v, "Sign-up is closed"), SIGNUP_CLOSED);
    }
    form_page(&st, v, &headers, StatusCode::OK, |v, csrf| SignUpPage {
        l: layout(&st, v, "Sign up"),
        csrf,
        username: String::new(),
        country: String::new(),
        subdivision: String::new(),
        error: None,
    })
}

/// `POST /sign-up`: creates the account and signs it in.
pub async fn sign_up(State(st): State<AppState>, headers: HeaderMap, client: Client, body: Bytes) -> Response {
    let (v, form) = match read_post(&st, &headers, &body).await {
        Ok(r) => r,
        Err(refused) => return refused,
    };
    let username = field(&form, "username");
    let password = form.get("password").cloned().unwrap_or_default();
    // Codes are upper case; people type them either way.
    let country = field(&form, "country").to_ascii_uppercase();
    let subdivision = field(&form, "subdivision").to_ascii_uppercase();
    let w = NewWorker {
        username: username.clone(),
        password: password.clone(),
        country: country.clone(),
        subdivision: (!subdivision.is_empty()).then(|| subdivision.clone()),
        email: None,
    };
    let svc = st.service.clone();
    // Hashing the password: off the async threads, as in sign-in.
    let created = tokio::task::spawn_blocking(move || svc.sign_up(&w)).await.expect("sign-up panicked");
    let result = match created {
        Ok(_) => start_session(&st, &v, &headers, username.clone(), password, client).await,
        Err(e) => Err(e),
    };
    match result {
        Ok(r) => r,
        Err(e) => {
            let w = WorkerApiError::from(e);
            form_page(&st, v, &headers, w.status, |v, csrf| SignUpPage {
                l: layout(&st, v, "Sign up"),
                csrf,
                username,
                country,
                subdivision,
                error: Some(w.message),
            })
        }
    }
}

/// `POST /sign-out`: revokes the session and deletes the cookie.
pub async fn sign_out(State(st): State<AppState>, headers: HeaderMap, body: Bytes) -> Response {
    let (v, _) = match read_post(&st, &headers, &body).await {
        Ok(r) => r,
        Err(refused) => return refused,
    };
    if let Some((token, _)) = v.session.clone() {
        let svc = st.service.clone();
        if let Err(e) = blocking(&st.service, move || svc.revoke_token(&token)).await {
            return service_error(layout(&st, &v, "Sign out"), e);
        }
    }
    let mut r = Redirect::to("/").into_response();
    r.headers_mut()
        .append(header::SET_COOKIE, session::set_cookie(SESSION_COOKIE, "", 0, session::is_https(&st, &headers)));
    r
}
