//! `openturk layout create|list|show`: HIT layouts, until the requester website manages them.

use anyhow::{bail, Context, Result};
use clap::{Args, Subcommand};
use openturk_service::layouts::{HitLayout, RequesterRef};
use openturk_service::Service;
use std::io::Read;

#[derive(Subcommand)]
pub enum LayoutCmd {
    /// Creates a layout from an HTML template with ${name} placeholders; prints its HITLayoutId
    /// and the placeholders (the HITLayoutParameters CreateHIT must give).
    Create {
        #[command(flatten)]
        owner: Owner,
        /// A name for the layout, shown by `layout list`.
        #[arg(long)]
        name: String,
        /// The template: an HTML file, or - for standard input.
        #[arg(long)]
        file: String,
    },
    /// Lists layouts, oldest first: one requester's, or everybody's.
    List {
        #[command(flatten)]
        owner: OptionalOwner,
    },
    /// Shows a layout: its name, owner, placeholders and template.
    Show { hit_layout_id: String },
}

/// The requester who owns a layout, named as `requester` commands name one, or by a key.
#[derive(Args)]
#[group(required = true, multiple = false)]
pub struct Owner {
    /// The requester's name or RequesterId (see `openturk requester list`).
    #[arg(long)]
    requester: Option<String>,
    /// One of the requester's access key IDs.
    #[arg(long)]
    access_key: Option<String>,
}

#[derive(Args)]
#[group(required = false, multiple = false)]
pub struct OptionalOwner {
    /// Only this requester's layouts (name or RequesterId).
    #[arg(long)]
    requester: Option<String>,
    /// Only the layouts of the requester with this access key ID.
    #[arg(long)]
    access_key: Option<String>,
}

fn owner(requester: Option<String>, access_key: Option<String>) -> Option<RequesterRef> {
    match (requester, access_key) {
        (Some(r), _) => Some(RequesterRef::NameOrId(r)),
        (None, Some(k)) => Some(RequesterRef::AccessKey(k)),
        (None, None) => None,
    }
}

fn read_template(file: &str) -> Result<String> {
    let mut bytes = Vec::new();
    if file == "-" {
        std::io::stdin().read_to_end(&mut bytes).context("cannot read the template from standard input")?;
    } else {
        bytes = std::fs::read(file).with_context(|| format!("cannot read the template {file}"))?;
    }
    match String::from_utf8(bytes) {
        Ok(s) => Ok(s),
        Err(e) => {
            bail!("the template {file} is not UTF-8 text (invalid byte at offset {})", e.utf8_error().valid_up_to())
        }
    }
}

fn parameters(l: &HitLayout) -> String {
    if l.placeholders.is_empty() {
        "(none)".to_string()
    } else {
        l.placeholders.join(", ")
    }
}

pub fn run(svc: &Service, cmd: LayoutCmd) -> Result<()> {
    match cmd {
        LayoutCmd::Create { owner: o, name, file } => {
            let template = read_template(&file)?;
            let who = owner(o.requester, o.access_key).expect("clap requires an owner");
            let l = svc.create_layout(&who, &name, &template)?;
            println!("HITLayoutId: {}", l.hit_layout_id);
            println!("Parameters: {}", parameters(&l));
        }
        LayoutCmd::List { owner: o } => {
            let layouts = svc.list_layouts(owner(o.requester, o.access_key).as_ref())?;
            println!("{:<30}  {:<20}  {:<20}  {:<30}  parameters", "HITLayoutId", "created", "requester", "name");
            for l in &layouts {
                println!(
                    "{:<30}  {:<20}  {:<20}  {:<30}  {}",
                    l.hit_layout_id,
                    openturk_domain::clock::format_iso8601(l.created_at),
                    l.requester_name,
                    l.name,
                    parameters(l)
                );
            }
        }
        LayoutCmd::Show { hit_layout_id } => {
            let l = svc.layout(&hit_layout_id)?;
            println!("HITLayoutId: {}", l.hit_layout_id);
            println!("Name: {}", l.name);
            println!("Requester: {} ({})", l.requester_name, l.requester_id);
            println!("Created: {}", openturk_domain::clock::format_iso8601(l.created_at));
            println!("Parameters: {}", parameters(&l));
            println!("Template:");
            print!("{}", l.template);
            if !l.template.ends_with('\n') {
                println!();
            }
        }
    }
    Ok(())
}
