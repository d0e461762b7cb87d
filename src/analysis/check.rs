//! `check`: every problem in every file of a pipeline.
//!
//! Loading already sets aside files that do not parse or have wrong types;
//! this adds the rules that need the configuration: a stage's `require`d
//! fields, `lost_reason` from `lost_reasons`, a rate for every currency,
//! a currency that is a code, and the one that needs "today": a `created`
//! after it.
//!
//! A mutating command refuses to write a file that breaks these rules: it
//! runs [`deal_problems_on`] on the text it is about to write.

use jiff::civil::Date;

use crate::model::deal::Deal;
use crate::model::packed::Field;
use crate::model::problem::value_span;
use crate::model::problem::{Problem, did_you_mean};
use crate::store::pipeline::Pipeline;

/// Every problem in the pipeline, ordered by file and position, with
/// `today` (in the pipeline's time zone) for the rules that need it.
pub fn check_on(pipeline: &Pipeline, today: Date) -> Vec<Problem> {
    check_with(pipeline, Some(today))
}

/// [`check_on`] without the rules that need "today".
pub fn check(pipeline: &Pipeline) -> Vec<Problem> {
    check_with(pipeline, None)
}

fn check_with(pipeline: &Pipeline, today: Option<Date>) -> Vec<Problem> {
    let mut problems = pipeline.problems.clone();
    for deal in &pipeline.deals {
        problems.extend(problems_of(pipeline, deal, today));
    }
    problems.sort_by(|a, b| (&a.file, a.line, a.column).cmp(&(&b.file, b.line, b.column)));
    problems
}

/// The top-level keys of a deal file that [`check_on`] reads, for `config`
/// (whose stages name the keys they require): a pipeline loaded with only
/// these gives the same problems (those of a file's syntax and types are
/// found when it is parsed, before keys are dropped).
pub fn keys(config: &crate::model::config::Config) -> Vec<&str> {
    config.with_required_keys(&["created", "currency", "lost_reason"])
}

/// Rules one deal breaks against the configuration and `today` (the
/// pipeline's today: `created` may not be after it). Together with
/// [`Deal::parse`] (syntax, types, ranges) these are every rule `check`
/// applies to a deal file.
pub fn deal_problems_on(pipeline: &Pipeline, deal: &Deal, today: Date) -> Vec<Problem> {
    problems_of(pipeline, deal, Some(today))
}

/// [`deal_problems_on`] without the rules that need "today".
pub fn deal_problems(pipeline: &Pipeline, deal: &Deal) -> Vec<Problem> {
    problems_of(pipeline, deal, None)
}

/// [`deal_problems_on`] for a deal parsed from `text` (not yet written),
/// but for the stage's required fields: the caller checks those against
/// the stage it is about to put the deal in, and says so in its own words.
pub fn text_problems(pipeline: &Pipeline, deal: &Deal, text: &str, today: Date) -> Vec<Problem> {
    rule_problems(pipeline, deal, Some(today), &|| text.to_string())
}

/// The deal's file, read again only when there is something to locate.
fn read_text(pipeline: &Pipeline, deal: &Deal) -> String {
    std::fs::read_to_string(pipeline.root.join(&deal.path)).unwrap_or_default()
}

/// Every rule, the stage's required fields first.
fn problems_of(pipeline: &Pipeline, deal: &Deal, today: Option<Date>) -> Vec<Problem> {
    let mut problems: Vec<Problem> = required_problem(pipeline, deal).into_iter().collect();
    problems.extend(rule_problems(pipeline, deal, today, &|| {
        read_text(pipeline, deal)
    }));
    problems
}

/// The fields the deal's stage requires that it lacks, as one problem.
fn required_problem(pipeline: &Pipeline, deal: &Deal) -> Option<Problem> {
    let missing = missing_required(pipeline, deal, &deal.stage);
    (!missing.is_empty()).then(|| {
        Problem::file(
            &deal.path,
            format!(
                "missing {} required in stage `{}`",
                list(&missing),
                deal.stage
            ),
        )
        .with_hint(format!(
            "set {}: funnel set {} {}",
            if missing.len() == 1 { "it" } else { "them" },
            deal.id,
            missing
                .iter()
                .map(|k| format!("{k}=..."))
                .collect::<Vec<_>>()
                .join(" ")
        ))
    })
}

/// The rules but the required fields; `text` is the file's text, read only
/// when a problem is to be located in it.
fn rule_problems(
    pipeline: &Pipeline,
    deal: &Deal,
    today: Option<Date>,
    text: &dyn Fn() -> String,
) -> Vec<Problem> {
    let config = &pipeline.config;
    let mut problems = Vec::new();
    let [reason, created, currency] = deal.fields_of(["lost_reason", "created", "currency"]);
    if let Some(reason) = reason.and_then(Field::as_str)
        && !config.lost_reasons.is_empty()
        && !config.lost_reasons.iter().any(|r| r == reason)
    {
        let text = text();
        let hint = match did_you_mean(reason, config.lost_reasons.iter().map(String::as_str)) {
            Some(close) => format!(
                "did you mean \"{close}\"? The reasons are: {}",
                config.lost_reasons.join(", ")
            ),
            None => format!(
                "use one of: {} (or add it to lost_reasons in funnel.toml)",
                config.lost_reasons.join(", ")
            ),
        };
        problems.push(
            Problem::at(
                &deal.path,
                &text,
                value_span(&text, "lost_reason"),
                format!("lost_reason \"{reason}\" is not in lost_reasons"),
            )
            .with_hint(hint),
        );
    }
    if let Some(today) = today
        && let Some(created) = created.and_then(crate::model::value::field_date)
        && created > today
    {
        let text = text();
        problems.push(
            Problem::at(
                &deal.path,
                &text,
                value_span(&text, "created"),
                format!("`created` is {created}, after today ({today})"),
            )
            .with_hint(format!(
                "a deal is created on or before today: funnel set {} created=today",
                deal.id
            )),
        );
    }
    let currency = currency.and_then(Field::as_str);
    if let Some(currency) = currency
        && !crate::model::value::is_currency_code(currency)
    {
        let text = text();
        let fix =
            crate::model::value::currency_fix(currency).unwrap_or_else(|| config.currency.clone());
        problems.push(
            Problem::at(
                &deal.path,
                &text,
                value_span(&text, "currency"),
                format!("currency \"{currency}\" is not a currency code"),
            )
            .with_hint(format!(
                "write a three-letter ISO 4217 code in capitals: funnel set {} currency={fix}",
                deal.id
            )),
        );
    } else if let Some(currency) = currency
        && config.rate(currency).is_none()
    {
        let text = text();
        problems.push(
            Problem::at(
                &deal.path,
                &text,
                value_span(&text, "currency"),
                format!("no exchange rate for currency \"{currency}\""),
            )
            .with_hint(format!(
                "add `{currency} = RATE` under [fx] in funnel.toml (1 {currency} in {})",
                config.currency
            )),
        );
    }
    problems
}

/// The fields `stage` requires that `deal` lacks.
pub fn missing_required<'a>(pipeline: &'a Pipeline, deal: &Deal, stage: &str) -> Vec<&'a str> {
    pipeline
        .config
        .stage(stage)
        .map(|s| {
            s.require
                .iter()
                .map(String::as_str)
                .filter(|key| !deal.has_field(key))
                .collect()
        })
        .unwrap_or_default()
}

fn list(keys: &[&str]) -> String {
    let quoted: Vec<String> = keys.iter().map(|k| format!("`{k}`")).collect();
    match quoted.len() {
        1 => quoted[0].clone(),
        n => format!("{} and {}", quoted[..n - 1].join(", "), quoted[n - 1]),
    }
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::*;
    use crate::model::config::{Config, DEFAULT};

    /// The problems `check_on` finds in `text` as `lead/acme.toml`, today
    /// 2026-11-27.
    fn found(text: &str) -> Vec<String> {
        let temp = tempfile::tempdir().unwrap();
        std::fs::create_dir(temp.path().join("lead")).unwrap();
        std::fs::write(temp.path().join("lead/acme.toml"), text).unwrap();
        let deal = Deal::parse(Path::new("lead/acme.toml"), text).unwrap();
        let pipeline = Pipeline {
            root: temp.path().to_path_buf(),
            config: Config::parse(DEFAULT).unwrap(),
            deals: vec![deal],
            problems: Vec::new(),
            hidden: 0,
            temp_files: Vec::new(),
        };
        let today = jiff::civil::date(2026, 11, 27);
        assert_eq!(
            deal_problems_on(&pipeline, &pipeline.deals[0], today),
            check_on(&pipeline, today)
        );
        check_on(&pipeline, today)
            .iter()
            .map(|p| {
                format!(
                    "{}:{} {} ({})",
                    p.line,
                    p.column,
                    p.message,
                    p.hint.as_deref().unwrap_or("")
                )
            })
            .collect()
    }

    /// The example pipeline with a deal file breaking each rule, loaded
    /// with every key and with only [`keys`]: the same problems, on days
    /// that make different ones.
    #[test]
    fn deals_loaded_with_the_check_keys_alone_give_the_same_problems() {
        let temp = crate::store::pipeline::example_copy();
        let broken = [
            (
                "lost/gone.toml",
                "title = \"Gone\"\nlost_reason = \"prize\"\n",
            ),
            ("lost/silent.toml", "title = \"Silent\"\n"),
            (
                "lead/early.toml",
                "title = \"Early\"\ncreated = 2027-01-15\n",
            ),
            ("lead/code.toml", "title = \"Code\"\ncurrency = \"usd\"\n"),
            ("lead/rate.toml", "title = \"Rate\"\ncurrency = \"JPY\"\n"),
            (
                "qualified/vague.toml",
                "title = \"Vague\"\nvalue = 100\n[qualification]\nneed = \"x\"\n",
            ),
            (
                "proposal/bare.toml",
                "title = \"Bare\"\nnotes = \"no value\"\n",
            ),
        ];
        for (rel, text) in broken {
            std::fs::write(temp.path().join(rel), text).unwrap();
        }
        let whole = Pipeline::load(temp.path()).unwrap();
        let keys = keys(&whole.config);
        let some = Pipeline::load_cached(temp.path(), None, crate::model::deal::Keys::Only(&keys))
            .unwrap();
        assert_eq!(some.deals.len(), whole.deals.len());
        let mut seen = std::collections::HashSet::new();
        for today in [
            jiff::civil::date(2026, 11, 27),
            jiff::civil::date(2027, 3, 1),
        ] {
            let problems = check_on(&whole, today);
            seen.extend(problems.iter().map(|p| p.file.clone()));
            assert_eq!(
                format!("{:?}", check_on(&some, today)),
                format!("{problems:?}")
            );
        }
        // Every broken file made a problem on one of the days.
        for (rel, _) in broken {
            assert!(seen.iter().any(|f| f.ends_with(rel)), "{rel}: {seen:?}");
        }
    }

    #[test]
    fn created_after_today_needs_today() {
        assert_eq!(
            found("title = \"Acme\"\ncreated = 2026-11-28\n"),
            [
                "2:11 `created` is 2026-11-28, after today (2026-11-27) (a deal is created on or before today: funnel set acme created=today)"
            ]
        );
        assert!(found("title = \"Acme\"\ncreated = 2026-11-27\n").is_empty());
    }

    #[test]
    fn a_currency_is_a_code() {
        assert_eq!(
            found("title = \"Acme\"\ncurrency = \"usd\"\n"),
            [
                "2:12 currency \"usd\" is not a currency code (write a three-letter ISO 4217 code in capitals: funnel set acme currency=USD)"
            ]
        );
        assert_eq!(
            found("title = \"Acme\"\ncurrency = \"EUR\"\n"),
            [
                "2:12 no exchange rate for currency \"EUR\" (add `EUR = RATE` under [fx] in funnel.toml (1 EUR in USD))"
            ]
        );
    }
}
