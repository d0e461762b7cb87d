//! `funnel schema`: JSON Schemas of deal files and `funnel.toml`, for
//! editors.

use clap::{Args, ValueEnum};
use funnel::error::Error;
use funnel::model::schema;

use super::{CmdResult, CommitArgs, Env};

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Document {
    /// A deal file (STAGE/ID.toml)
    Deal,
    /// funnel.toml
    Config,
}

/// Print the JSON Schema of deal files or funnel.toml, for editors
///
/// Draft-07 schemas (the part draft 4 also has, which taplo, the TOML
/// language server of the "Even Better TOML" editor extension, validates
/// with), each key described as the SPEC describes it. Inside a pipeline
/// the deal schema knows its configuration: lost_reason is one of
/// lost_reasons, and with --stage the fields that stage requires are
/// required (a deal in lost/ needs its lost_reason).
///
/// `funnel init` writes them to .funnel/schema/ (config.json, deal.json and
/// deal-STAGE.json for each stage that requires fields) with a .taplo.toml
/// that binds them to funnel.toml and the stage folders, so editors
/// validate and complete what people type by hand. When funnel.toml
/// changes (new stages, lost reasons), `funnel schema --write` brings them
/// up to date in one commit, and `funnel check` says when they are stale.
/// The .taplo.toml is at the pipeline's root: in a pipeline that is a
/// subfolder of a larger workspace, copy its rules into the workspace's
/// own .taplo.toml, with the folder before each path.
#[derive(Debug, Args)]
pub struct SchemaArgs {
    /// Which file's schema to print
    #[arg(required_unless_present = "write")]
    pub document: Option<Document>,
    /// For a deal file in this stage's folder: what the stage requires is required
    #[arg(long, value_name = "STAGE", add = super::complete::with(super::complete::stages))]
    pub stage: Option<String>,
    /// Write the schema files and .taplo.toml as funnel.toml now asks, and commit them
    #[arg(long, conflicts_with_all = ["document", "stage"])]
    pub write: bool,
    #[command(flatten)]
    pub commit: CommitArgs,
}

pub fn run(env: &mut Env, args: SchemaArgs) -> CmdResult {
    if args.write {
        let (ws, at) = env.workspace(&args.commit)?;
        match funnel::ops::write_schemas(&ws, at)? {
            Some(outcome) => env.committed(&outcome),
            None => env.ui.status("the editor schemas are up to date"),
        }
        return Ok(());
    }
    // Outside a pipeline the schemas are the general ones.
    let config = match env.root() {
        Ok(root) => Some(funnel::store::pipeline::load_config(&root)?),
        Err(_) => None,
    };
    let value = match args.document {
        Some(Document::Config) => schema::config(),
        _ => {
            let stage = match (&args.stage, &config) {
                (None, _) => None,
                (Some(id), Some(config)) => Some(config.stage(id).ok_or_else(|| {
                    Error::hinted(
                        format!("no stage `{id}` in funnel.toml"),
                        format!(
                            "the stages are: {}",
                            config.stage_ids().collect::<Vec<_>>().join(", ")
                        ),
                    )
                })?),
                (Some(_), None) => {
                    return Err(Error::hinted(
                        "--stage needs a pipeline: no funnel.toml here or above",
                        "run it inside a pipeline, or with -C DIR",
                    )
                    .into());
                }
            };
            schema::deal(config.as_ref(), stage)
        }
    };
    env.ui.json(&value)?;
    Ok(())
}
