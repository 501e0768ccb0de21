//! The integration tests: one binary (linking a test binary per file cost a minute of CI and
//! ~380 MB of disk each). Every module drives a real server (in process, or `openturk serve`
//! processes) with the official aws-sdk-mturk client, on SQLite and on PostgreSQL; see
//! `common` for the harness. Run one area with a filter: `cargo test -p openturk --test it
//! notifications::`. The CLI's tests stay in `tests/cli.rs`, built without the test clock.

#[macro_use]
mod common;
mod review_support;

mod aws_moto;
mod compat;
mod dashboard;
mod eligibility;
mod file_answers;
mod hardening;
mod hit_groups;
mod hit_layouts;
mod lifecycle;
mod notifications;
mod notify;
mod qualification_messages;
mod qualification_requests;
mod qualifications;
mod question_form;
mod replicas;
mod requester_hits;
mod requester_protocol;
mod review;
mod review_policies;
mod review_policy_results;
mod sign_in;
mod site;
mod site_messages;
mod site_qualifications;
mod site_work;
mod task_links;
mod worker_blocks;
