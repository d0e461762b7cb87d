//! `flow`: the pipeline waterfall between two instants. The open pipeline
//! at the start, every change that moved it, the open pipeline at the end;
//! per open stage and in total, and reconciling exactly (start + flows =
//! end, in deals, value and weighted value).
//!
//! # Decisions
//!
//! - The start is the pipeline as of the window's first instant (the end
//!   of the day before `--since`), the end as of its last (the end of
//!   `--until`), both read as [`crate::analysis::asof`] reads the past;
//!   every committed version of a deal in between is one step, taken in
//!   graph order.
//! - A step from state X to state Y of one deal gives, in this order:
//!   `new` (no X, Y open: +Y in Y's stage); `value_up`/`value_down` (X and
//!   Y open and Y's value or probability differs: the change in X's stage,
//!   up or down by the value, or by the weighted value when the value is
//!   unchanged); `moved_out_*` of X's stage and `moved_in_*` into Y's
//!   (forward when Y's stage comes later in `funnel.toml`), with Y's
//!   figures; `won`/`lost` (X open, Y closed: -Y's figures in X's stage);
//!   `reopened` (X closed, Y open: +Y); `removed` (X open, file deleted:
//!   -X). Each is the difference the step makes to what the deal adds to
//!   each stage, so the sums reconcile by construction.
//! - A value in another currency counts at its `[fx]` rate; a deal without
//!   a value counts with 0.
//! - Close dates (not part of the sums): `pulled_in` counts a step of an
//!   open deal whose `expected_close` moved into the window (from outside
//!   it or from none), `pushed_out` one whose close date left it, with
//!   the deal's figures after the step, in its stage then.
//! - `--by KEY` puts each deal in the group(s) of its last version in the
//!   window (its version at the start when it did not change).

use std::collections::{BTreeMap, HashMap};

use jiff::Timestamp;
use jiff::civil::Date;
use rust_decimal::Decimal;
use serde::Serialize;

use crate::analysis::asof::happened;
use crate::analysis::metrics::{DealRecord, UnknownKey, Window, split_by};
use crate::git::BlobId;
use crate::git::history::{History, Timeline};
use crate::model::config::{Config, StageKind};
use crate::model::deal::Deal;
use crate::parallel::{self, Split};

const ON_EVERY_CORE: Split = Split {
    threads: 8,
    min_chunk: 64,
};

/// Deals, value and weighted value: a stage's open pipeline or a flow's
/// change to it (negative for what left).
///
/// In JSON the amounts are exact decimal strings, not rounded to the cent
/// (a weighted value such as 3125.125 stays so), so that the figures add
/// up exactly; tables round each to the cent.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Amount {
    pub deals: i64,
    #[serde(serialize_with = "exact")]
    pub value: Decimal,
    #[serde(serialize_with = "exact")]
    pub weighted: Decimal,
}

/// An amount as its exact decimal string, without trailing zeros.
fn exact<S: serde::Serializer>(amount: &Decimal, s: S) -> Result<S::Ok, S::Error> {
    s.collect_str(&amount.normalize())
}

impl Amount {
    fn of(state: &State) -> Amount {
        Amount {
            deals: 1,
            value: state.value,
            weighted: state.weighted,
        }
    }

    fn negated(self) -> Amount {
        Amount {
            deals: -self.deals,
            value: -self.value,
            weighted: -self.weighted,
        }
    }

    fn add(&mut self, other: Amount) {
        self.deals += other.deals;
        self.value += other.value;
        self.weighted += other.weighted;
    }

    pub fn is_zero(&self) -> bool {
        *self == Amount::default()
    }
}

/// The kinds of change, in the order a waterfall shows them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    New,
    MovedInForward,
    MovedInBackward,
    MovedOutForward,
    MovedOutBackward,
    Won,
    Lost,
    Reopened,
    Removed,
    ValueUp,
    ValueDown,
    /// Not part of the sums: a close date moved into the window.
    PulledIn,
    /// Not part of the sums: a close date moved out of the window.
    PushedOut,
}

impl Kind {
    /// Every kind that changes the open pipeline, in waterfall order.
    pub const FLOWS: [Kind; 11] = [
        Kind::New,
        Kind::MovedInForward,
        Kind::MovedInBackward,
        Kind::MovedOutForward,
        Kind::MovedOutBackward,
        Kind::Won,
        Kind::Lost,
        Kind::Reopened,
        Kind::Removed,
        Kind::ValueUp,
        Kind::ValueDown,
    ];

    /// The snake_case name JSON and tables use.
    pub fn name(self) -> &'static str {
        match self {
            Kind::New => "new",
            Kind::MovedInForward => "moved_in_forward",
            Kind::MovedInBackward => "moved_in_backward",
            Kind::MovedOutForward => "moved_out_forward",
            Kind::MovedOutBackward => "moved_out_backward",
            Kind::Won => "won",
            Kind::Lost => "lost",
            Kind::Reopened => "reopened",
            Kind::Removed => "removed",
            Kind::ValueUp => "value_up",
            Kind::ValueDown => "value_down",
            Kind::PulledIn => "pulled_in",
            Kind::PushedOut => "pushed_out",
        }
    }
}

/// One deal's part in one flow.
#[derive(Debug, Clone, Serialize)]
pub struct Movement {
    pub deal: String,
    pub stage: String,
    pub kind: Kind,
    /// When it happened (the commit's author time, graph order kept).
    #[serde(serialize_with = "crate::model::json::serialize_display")]
    pub at: Timestamp,
    #[serde(flatten)]
    pub amount: Amount,
}

/// One open stage's waterfall (or the total's, stage `total`).
#[derive(Debug, Clone, Serialize)]
pub struct StageFlow {
    pub stage: String,
    pub start: Amount,
    /// By kind name, every kind of [`Kind::FLOWS`].
    pub flows: BTreeMap<&'static str, Amount>,
    pub end: Amount,
    /// `pulled_in` and `pushed_out`: close dates, not part of the sums.
    pub close_dates: BTreeMap<&'static str, Amount>,
}

impl StageFlow {
    fn new(stage: &str) -> StageFlow {
        StageFlow {
            stage: stage.to_string(),
            start: Amount::default(),
            flows: Kind::FLOWS
                .iter()
                .map(|k| (k.name(), Amount::default()))
                .collect(),
            end: Amount::default(),
            close_dates: [Kind::PulledIn, Kind::PushedOut]
                .iter()
                .map(|k| (k.name(), Amount::default()))
                .collect(),
        }
    }

    fn record(&mut self, kind: Kind, amount: Amount) {
        let slot = match kind {
            Kind::PulledIn | Kind::PushedOut => self.close_dates.get_mut(kind.name()),
            _ => self.flows.get_mut(kind.name()),
        };
        if let Some(slot) = slot {
            slot.add(amount);
        }
    }

    /// Start plus every flow: equal to `end` whenever the flows are right.
    pub fn reconciled(&self) -> Amount {
        let mut sum = self.start;
        for amount in self.flows.values() {
            sum.add(*amount);
        }
        sum
    }
}

/// The waterfall of one window (of one group, with `--by`).
#[derive(Debug, Clone, Serialize)]
pub struct Flow {
    /// Per open stage, in the order of `funnel.toml`.
    pub stages: Vec<StageFlow>,
    pub total: StageFlow,
    /// Every deal's part in every flow, when asked for.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub deals: Option<Vec<Movement>>,
}

/// What a version of a deal adds to the open pipeline.
#[derive(Debug, Clone)]
struct State {
    stage: usize,
    kind: StageKind,
    value: Decimal,
    weighted: Decimal,
    close: Option<Date>,
}

impl State {
    fn open(&self) -> bool {
        self.kind == StageKind::Open
    }
}

/// The stage of each version of a deal, by its place in `funnel.toml`.
type Placed = Vec<Option<usize>>;

/// How many of a deal's versions had been committed at the start and at
/// the end of the window, and whether its file was removed by then.
#[derive(Debug, Clone, Copy)]
struct Span {
    at_start: usize,
    at_end: usize,
    gone_at_start: bool,
    gone_at_end: bool,
}

/// One deal's start, steps and end.
struct Path {
    id: String,
    start: Option<State>,
    movements: Vec<Movement>,
    end: Option<State>,
    /// The deal's last version in the window and its stage, for `--by`.
    last: Option<(BlobId, usize)>,
}

/// The waterfall of `window` from `history` (`texts` reads blobs, all
/// asked for at once), split by `by` when given; `deals` keeps every
/// deal's movements. Groups are in name order; without `by` there is one,
/// named "".
pub fn flow(
    config: &Config,
    history: &History,
    texts: &dyn Fn(&[BlobId]) -> Vec<Option<String>>,
    window: &Window,
    by: Option<&str>,
    deals: bool,
) -> Result<Vec<(String, Flow)>, UnknownKey> {
    let start = window.since - jiff::SignedDuration::from_secs(1);
    let end = window.until - jiff::SignedDuration::from_secs(1);
    let timelines: Vec<&Timeline> = history
        .deals
        .values()
        .chain(history.removed.iter())
        .collect();
    let stages: Vec<&str> = config.stage_ids().collect();
    let open: Vec<bool> = stages
        .iter()
        .map(|s| config.stage(s).is_some_and(|s| s.kind == StageKind::Open))
        .collect();
    // The versions each deal needs: the one at the start and every later
    // one by the end, and the stage of each version.
    let spans: Vec<(Span, Placed)> = parallel::map(&timelines, ON_EVERY_CORE, |t| {
        let placed = version_stages(t, &stages);
        let span = {
            let times = || t.versions.iter().map(|v| v.1);
            let gone = |by: Timestamp| {
                t.removed
                    .is_some_and(|(at, _)| happened(times().chain([at]), by) > t.versions.len())
            };
            Span {
                at_start: happened(times(), start),
                at_end: happened(times(), end),
                gone_at_start: gone(start),
                gone_at_end: gone(end),
            }
        };
        (span, placed)
    });
    // Only deals open at some point in the window move the open pipeline:
    // the versions of a deal closed all along are not read.
    let needed = |(span, placed): &(Span, Placed)| {
        let range = span.at_start.max(1) - 1..span.at_end;
        (!span.gone_at_start && placed[range.clone()].iter().flatten().any(|&n| open[n]))
            .then_some(range)
    };
    let mut blobs: Vec<BlobId> = timelines
        .iter()
        .zip(&spans)
        .filter_map(|(t, span)| Some(t.versions[needed(span)?].iter().map(|v| v.2)))
        .flatten()
        .collect();
    blobs.sort_unstable();
    blobs.dedup();
    let read = texts(&blobs);
    // One deal per version, whatever stage it is in (the figures take
    // the stage where it matters).
    let versions: HashMap<BlobId, Deal> = blobs
        .iter()
        .zip(parallel::map(&read, ON_EVERY_CORE, |text| {
            let table = text
                .as_deref()
                .and_then(|t| crate::model::deal::parse_table(t).ok())
                .unwrap_or_default();
            Deal::from_table(std::path::Path::new("version.toml"), table)
        }))
        .map(|(b, t)| (*b, t))
        .collect();
    let work: Vec<(&Timeline, (Span, Placed))> = timelines.iter().copied().zip(spans).collect();
    let paths = parallel::map(&work, ON_EVERY_CORE, |(timeline, (span, placed))| {
        let versions = Versions {
            deals: &versions,
            placed,
        };
        path(config, &stages, timeline, *span, &versions, window)
    });
    let paths: Vec<Path> = paths.into_iter().flatten().collect();
    let groups: Vec<(String, Vec<&Path>)> = match by {
        None => vec![(String::new(), paths.iter().collect())],
        Some(key) => {
            let records: Vec<DealRecord> = paths
                .iter()
                .map(|p| record(config, &stages, &versions, p))
                .collect();
            let by_id: HashMap<&str, &Path> = paths.iter().map(|p| (p.id.as_str(), p)).collect();
            split_by(&records, key)?
                .into_iter()
                .map(|(name, group)| {
                    let members = group
                        .iter()
                        .filter_map(|r| by_id.get(r.id.as_str()).copied());
                    (name, members.collect())
                })
                .collect()
        }
    };
    Ok(groups
        .into_iter()
        .map(|(name, members)| (name, waterfall(config, &members, deals)))
        .collect())
}

/// Adds up the paths of a group's deals.
fn waterfall(config: &Config, paths: &[&Path], keep: bool) -> Flow {
    let open: Vec<&str> = config
        .stage_ids()
        .filter(|s| config.stage(s).is_some_and(|s| s.kind == StageKind::Open))
        .collect();
    let stages: Vec<&str> = config.stage_ids().collect();
    let mut by_stage: Vec<StageFlow> = stages.iter().map(|s| StageFlow::new(s)).collect();
    let mut movements = Vec::new();
    for path in paths {
        if let Some(state) = path.start.as_ref().filter(|s| s.open()) {
            by_stage[state.stage].start.add(Amount::of(state));
        }
        if let Some(state) = path.end.as_ref().filter(|s| s.open()) {
            by_stage[state.stage].end.add(Amount::of(state));
        }
        for movement in &path.movements {
            if let Some(n) = stages.iter().position(|s| *s == movement.stage) {
                by_stage[n].record(movement.kind, movement.amount);
            }
        }
        if keep {
            movements.extend(path.movements.iter().cloned());
        }
    }
    let stages: Vec<StageFlow> = by_stage
        .into_iter()
        .filter(|s| open.contains(&s.stage.as_str()))
        .collect();
    let mut total = StageFlow::new("total");
    for stage in &stages {
        total.start.add(stage.start);
        total.end.add(stage.end);
        for (kind, amount) in &stage.flows {
            total.flows.entry(kind).or_default().add(*amount);
        }
        for (kind, amount) in &stage.close_dates {
            total.close_dates.entry(kind).or_default().add(*amount);
        }
    }
    // Stable: a step's movements stay in the order they happened.
    movements.sort_by(|a, b| (a.at, &a.deal).cmp(&(b.at, &b.deal)));
    Flow {
        stages,
        total,
        deals: keep.then_some(movements),
    }
}

/// The stage each version of `timeline` is in: that of the last entry made
/// at or before it, in graph order.
fn version_stages(timeline: &Timeline, stages: &[&str]) -> Vec<Option<usize>> {
    let mut entries = timeline.entries.iter().peekable();
    let mut current = None;
    timeline
        .versions
        .iter()
        .map(|(commit, _, _)| {
            // An entry without a version of its own (a shallow boundary)
            // applies from the next version on.
            while let Some(entry) = entries.peek() {
                let own = timeline.versions.iter().any(|v| v.0 == entry.commit);
                if own && entry.commit != *commit {
                    break;
                }
                current = stages.iter().position(|s| *s == entry.stage);
                entries.next();
                if own {
                    break;
                }
            }
            current
        })
        .collect()
}

/// The parsed versions, and the stage of each version of the deal at hand.
struct Versions<'a> {
    deals: &'a HashMap<BlobId, Deal>,
    placed: &'a [Option<usize>],
}

/// One deal's start, its steps in the window and its end; `None` for a
/// deal that is in neither and did nothing in between.
fn path(
    config: &Config,
    stages: &[&str],
    timeline: &Timeline,
    span: Span,
    versions: &Versions<'_>,
    window: &Window,
) -> Option<Path> {
    let Span {
        at_start, at_end, ..
    } = span;
    if at_end == 0 || span.gone_at_start {
        return None;
    }
    let placed = versions.placed;
    let deal_at = |n: usize| -> Option<&Deal> {
        placed[n]?;
        versions.deals.get(&timeline.versions[n].2)
    };
    let state_of = |n: usize, deal: &Deal| -> Option<State> {
        let stage = placed[n]?;
        let figures = deal.figures();
        let value = figures.value(config).unwrap_or_default();
        let probability = figures.probability(stages[stage], config);
        Some(State {
            stage,
            kind: config
                .stage(stages[stage])
                .map_or(StageKind::Lost, |s| s.kind),
            value,
            weighted: crate::model::money::weighted(value, probability).unwrap_or_default(),
            close: figures.expected_close(),
        })
    };
    let version = |n: usize| Some((timeline.versions[n].2, placed[n]?));
    let mut last = (at_start > 0).then(|| version(at_start - 1)).flatten();
    let start = (at_start > 0)
        .then(|| deal_at(at_start - 1))
        .flatten()
        .and_then(|deal| state_of(at_start - 1, deal));
    let mut current = start.clone();
    let mut movements = Vec::new();
    for n in at_start..at_end {
        let Some(deal) = deal_at(n) else { continue };
        let Some(next) = state_of(n, deal) else {
            continue;
        };
        let at = timeline.versions[n].1;
        // The new version's figures in the stage the deal was in.
        let there = current.as_ref().map_or(Decimal::ZERO, |x| {
            let probability = deal.figures().probability(stages[x.stage], config);
            crate::model::money::weighted(next.value, probability).unwrap_or_default()
        });
        let step = Step {
            id: &timeline.id,
            at,
            weighted_there: there,
        };
        step.movements(
            config,
            current.as_ref(),
            Some(&next),
            window,
            &mut movements,
        );
        current = Some(next);
        last = version(n);
    }
    if span.gone_at_end
        && let Some((at, _)) = timeline.removed
    {
        let step = Step {
            id: &timeline.id,
            at,
            weighted_there: Decimal::ZERO,
        };
        step.movements(config, current.as_ref(), None, window, &mut movements);
        current = None;
    }
    if start.is_none() && current.is_none() && movements.is_empty() {
        return None;
    }
    Some(Path {
        id: timeline.id.clone(),
        start,
        movements,
        end: current,
        last,
    })
}

/// One step of a deal: a committed version, or its removal.
struct Step<'a> {
    id: &'a str,
    at: Timestamp,
    /// The new version's weighted value in the stage the deal was in.
    weighted_there: Decimal,
}

impl Step<'_> {
    /// The movements of a step from `from` to `to` (`None`: no file).
    fn movements(
        &self,
        config: &Config,
        from: Option<&State>,
        to: Option<&State>,
        window: &Window,
        out: &mut Vec<Movement>,
    ) {
        let stages: Vec<&str> = config.stage_ids().collect();
        let mut push = |kind: Kind, stage: usize, amount: Amount| {
            out.push(Movement {
                deal: self.id.to_string(),
                stage: stages[stage].to_string(),
                kind,
                at: self.at,
                amount,
            });
        };
        let (x, y) = match (from, to) {
            (None, Some(y)) if y.open() => return push(Kind::New, y.stage, Amount::of(y)),
            (Some(x), None) if x.open() => {
                return push(Kind::Removed, x.stage, Amount::of(x).negated());
            }
            (Some(x), Some(y)) if !x.open() && y.open() => {
                return push(Kind::Reopened, y.stage, Amount::of(y));
            }
            (Some(x), Some(y)) if x.open() => (x, y),
            _ => return,
        };
        let changed = Amount {
            deals: 0,
            value: y.value - x.value,
            weighted: self.weighted_there - x.weighted,
        };
        if !changed.is_zero() {
            let up = changed.value > Decimal::ZERO
                || (changed.value.is_zero() && changed.weighted > Decimal::ZERO);
            let kind = if up { Kind::ValueUp } else { Kind::ValueDown };
            push(kind, x.stage, changed);
        }
        let there = Amount {
            deals: 1,
            value: y.value,
            weighted: self.weighted_there,
        };
        if !y.open() {
            let kind = if y.kind == StageKind::Won {
                Kind::Won
            } else {
                Kind::Lost
            };
            return push(kind, x.stage, there.negated());
        }
        if y.stage != x.stage {
            let (out_kind, in_kind) = if y.stage > x.stage {
                (Kind::MovedOutForward, Kind::MovedInForward)
            } else {
                (Kind::MovedOutBackward, Kind::MovedInBackward)
            };
            push(out_kind, x.stage, there.negated());
            push(in_kind, y.stage, Amount::of(y));
        }
        let inside = |close: Option<Date>| {
            close.is_some_and(|d| {
                d.to_zoned_datetime(config.timezone.clone())
                    .is_ok_and(|z| window.contains(z.timestamp()))
            })
        };
        match (inside(x.close), inside(y.close)) {
            (false, true) => push(Kind::PulledIn, y.stage, Amount::of(y)),
            (true, false) => push(Kind::PushedOut, y.stage, Amount::of(y)),
            _ => {}
        }
    }
}

/// The record `--by` splits a deal's path by: its last version's fields.
fn record(
    config: &Config,
    stages: &[&str],
    versions: &HashMap<BlobId, Deal>,
    path: &Path,
) -> DealRecord {
    let stage = path.last.map_or("", |(_, stage)| stages[stage]);
    let mut record = DealRecord::new(path.id.clone(), stage, Timestamp::UNIX_EPOCH);
    if let Some(deal) = path.last.and_then(|(blob, _)| versions.get(&blob)) {
        let figures = deal.figures();
        record.value = figures.value(config);
        record.owner = figures.owner().map(str::to_string);
        record.product = figures.product().map(str::to_string);
        record.source = figures.source().map(str::to_string);
        record.account = figures.account().map(str::to_string);
        record.fields = deal.fields().clone();
    }
    record
}
