//! Briefs: the little of each deal's history that the commands which print
//! no timeline need (`board`, `doctor`, `next`, `list`, `check`), kept per
//! HEAD commit in the git dir, so that they read one small file instead of
//! the history cache and a chase of every deal.
//!
//! A brief is fixed by the commit it was made at: HEAD's id is in the file,
//! and a file made at another commit (or for another prefix, stage list or
//! grafts, which key it as they key the history cache) is not used; the
//! history is then loaded whole, and the briefs made from it are written
//! for the next run. The layout is [`crate::cache_file`]'s: a file that is
//! damaged, foreign or does not decode to its end is ignored and rebuilt.
//! The mailmap is not part of a brief (it holds no author), so editing
//! `.mailmap` needs no rebuild.

use jiff::Timestamp;

use super::{History, StageEntry, Timeline};
use crate::cache_file::{Reader, Writer};
use crate::git::{BlobId, CommitId, DealChange};
use crate::hasher::FxMap;

/// The format version of the briefs file; bump it when the layout changes.
const VERSION: u32 = 1;
const MAGIC: &[u8; 8] = b"FNLBRIEF";

/// What the history says of one deal at HEAD, short of its timeline.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Brief {
    /// When the file was first added.
    pub added_at: Timestamp,
    /// When a commit last changed the file.
    pub last_change: Timestamp,
    /// The stage folder the file was in at HEAD (its number in the stage
    /// list) and when the deal entered it.
    pub entered: Option<(u16, Timestamp)>,
    /// The file's blob at HEAD.
    pub blob: Option<BlobId>,
}

/// The briefs of every deal at HEAD.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Briefs {
    /// Each deal's ID at HEAD and its brief, in the order HEAD's files
    /// are listed (by stage number, then as `ID.toml` names sort),
    /// which is a loaded pipeline's order where the work tree is HEAD's:
    /// deals are matched to their briefs in one pass (see
    /// [`Briefs::matched`]). An ID is there once.
    pub deals: Vec<(String, Brief)>,
    /// The stage folders, in funnel order: a brief's stage is a number here.
    pub stages: Vec<String>,
    /// The timelines whose stage entries contradict their order (an entry
    /// dated before the one it follows), with their entries alone: what
    /// `check` says about clock skew.
    pub skewed: Vec<Timeline>,
    /// Why the history is incomplete (a shallow clone, grafts), if it is.
    pub partial: Option<String>,
}

impl Briefs {
    /// The briefs of `history`'s deals; `stages` as the history was loaded.
    pub fn of(history: &History, stages: &[&str]) -> Briefs {
        let mut deals = history
            .deals
            .iter()
            .map(|(id, timeline)| {
                let entered = timeline.entries.last().and_then(|entry| {
                    let stage = stages.iter().position(|s| *s == entry.stage)?;
                    Some((u16::try_from(stage).ok()?, entry.at))
                });
                let brief = Brief {
                    added_at: timeline.added_at,
                    last_change: timeline.last_change,
                    entered,
                    blob: timeline.versions.last().map(|v| v.2),
                };
                (id.clone(), brief)
            })
            .collect::<Vec<_>>();
        deals.sort_unstable_by(listing_order);
        let mut skewed: Vec<Timeline> = history
            .deals
            .values()
            .filter(|t| skewed(t))
            .map(|t| Timeline {
                id: t.id.clone(),
                added_at: t.added_at,
                added_in: t.added_in,
                entries: t.entries.clone(),
                last_change: t.last_change,
                renamed_from: Vec::new(),
                versions: Vec::new(),
                version_authors: Vec::new(),
                removed: None,
            })
            .collect();
        skewed.sort_by(|a, b| a.id.cmp(&b.id));
        Briefs {
            deals,
            stages: stages.iter().map(|s| s.to_string()).collect(),
            skewed,
            partial: history.partial.clone(),
        }
    }

    /// The briefs one commit later: `changes` are what the commit (whose
    /// only parent the briefs were made at) changed, at author time `at`.
    /// The same as a chase gives for a commit on top of a line, for the
    /// changes it can follow; `false`, leaving the briefs half changed,
    /// for one it cannot (a deal whose entries contradict their order, an
    /// ID added in a second stage, a change of a file the briefs do not
    /// have there, an entry dated before the one it follows): the caller
    /// then loads the history.
    pub(super) fn advance(&mut self, changes: &[DealChange], at: Timestamp) -> bool {
        // The briefs of the deals the commit changed are taken out, by ID,
        // and put back in order: the others stay where they are.
        let changed: FxMap<&str, ()> = changes.iter().map(|c| (c.id.as_str(), ())).collect();
        let mut touched = FxMap::default();
        self.deals.retain(|(id, brief)| {
            let keep = !changed.contains_key(id.as_str());
            if !keep {
                touched.insert(id.clone(), *brief);
            }
            keep
        });
        let done = self.advance_in(&mut touched, changes, at);
        self.deals.extend(touched);
        // A stable sort: linear on the run already in order.
        self.deals.sort_by(listing_order);
        done
    }

    /// [`Briefs::advance`] of `deals`, the briefs by ID of the deals
    /// `changes` changed.
    fn advance_in(
        &self,
        deals: &mut FxMap<String, Brief>,
        changes: &[DealChange],
        at: Timestamp,
    ) -> bool {
        let stages = &self.stages;
        let number = |stage: &str| {
            let n = stages.iter().position(|s| s == stage)?;
            u16::try_from(n).ok()
        };
        for change in changes {
            if self.skewed.iter().any(|t| t.id == change.id) {
                return false;
            }
            let brief = deals.get(&change.id);
            let stage_of =
                |brief: &Brief| brief.entered.and_then(|(n, _)| stages.get(usize::from(n)));
            let was = brief.and_then(stage_of);
            match (&change.from, &change.to) {
                (None, None) => {}
                (None, Some((stage, blob))) => {
                    let Some(n) = number(stage).filter(|_| brief.is_none()) else {
                        return false;
                    };
                    let brief = Brief {
                        added_at: at,
                        last_change: at,
                        entered: Some((n, at)),
                        blob: Some(*blob),
                    };
                    deals.insert(change.id.clone(), brief);
                }
                (Some((from, _)), None) => {
                    if was != Some(from) {
                        return false;
                    }
                    deals.remove(&change.id);
                }
                (Some((from, _)), Some((to, blob))) => {
                    let (Some(brief), Some(n)) = (deals.get_mut(&change.id), number(to)) else {
                        return false;
                    };
                    if was != Some(from) {
                        return false;
                    }
                    if from != to {
                        if brief.entered.is_some_and(|(_, then)| at < then) {
                            return false;
                        }
                        brief.entered = Some((n, at));
                    }
                    brief.last_change = at;
                    brief.blob = Some(*blob);
                }
            }
        }
        true
    }

    /// The stage a brief's file was in at HEAD.
    pub fn stage(&self, brief: &Brief) -> Option<&str> {
        let (stage, _) = brief.entered?;
        self.stages.get(usize::from(stage)).map(String::as_str)
    }

    /// The brief of the deal `id`, for one look-up (it reads the briefs
    /// in turn; for many, see [`Briefs::matched`]).
    pub fn get(&self, id: &str) -> Option<&Brief> {
        self.deals
            .iter()
            .find(|(at, _)| at == id)
            .map(|(_, brief)| brief)
    }

    /// The position in [`Briefs::deals`] of the brief of each of `items`
    /// (deals, in a loaded pipeline's order, whose ID `id` gives), on
    /// every core. A deal's brief is looked for
    /// first just after the one found before it, so a pipeline that is
    /// HEAD's is matched in one pass over both; the others (deals added,
    /// moved or removed since HEAD) are looked up by ID.
    pub fn matched<T: Sync>(
        &self,
        items: &[T],
        split: crate::parallel::Split,
        id: impl Fn(&T) -> &str + Sync,
    ) -> Vec<Option<usize>> {
        let by_id: std::sync::OnceLock<FxMap<&str, usize>> = std::sync::OnceLock::new();
        let position = |id: &str| {
            let by_id = by_id.get_or_init(|| {
                let ids = self.deals.iter().enumerate();
                ids.map(|(n, (id, _))| (id.as_str(), n)).collect()
            });
            by_id.get(id).copied()
        };
        let (id, position) = (&id, &position);
        crate::parallel::map_chunks(items, split, move |start, part| {
            let mut next = start;
            (part.iter()).map(move |item| {
                let id = id(item);
                let n = match self.deals.get(next) {
                    Some((at, _)) if at == id => next,
                    _ => position(id)?,
                };
                next = n + 1;
                Some(n)
            })
        })
    }
}

/// The order of HEAD's deal files in a listing: by the number of their
/// stage (those in none last), then as `ID.toml` names sort.
fn listing_order((a, of_a): &(String, Brief), (b, of_b): &(String, Brief)) -> std::cmp::Ordering {
    let stage = |brief: &Brief| brief.entered.map_or(u32::MAX, |(n, _)| u32::from(n));
    (stage(of_a).cmp(&stage(of_b))).then_with(|| file_order(a, b))
}

/// How `A.toml` and `B.toml` sort (`acme-2.toml` before `acme.toml`).
fn file_order(a: &str, b: &str) -> std::cmp::Ordering {
    let same = a.len().min(b.len());
    let (a, b) = (a.as_bytes(), b.as_bytes());
    (a[..same].cmp(&b[..same])).then_with(|| {
        let (a, b) = (a[same..].iter(), b[same..].iter());
        a.chain(b".toml").cmp(b.chain(b".toml"))
    })
}

/// Whether a timeline has an entry dated before the one it follows.
fn skewed(timeline: &Timeline) -> bool {
    timeline
        .entries
        .windows(2)
        .any(|pair| pair[1].at < pair[0].at)
}

fn put_time(out: &mut Writer, at: Timestamp) {
    out.i64(at.as_second());
    out.varint(u64::from(at.subsec_nanosecond().unsigned_abs()));
}

fn get_time(input: &mut Reader<'_>) -> Option<Timestamp> {
    let seconds = input.i64()?;
    let nanos = i32::try_from(input.varint()?).ok()?;
    let nanos = if seconds < 0 { -nanos } else { nanos };
    Timestamp::new(seconds, nanos).ok()
}

fn put_id(out: &mut Writer, id: Option<&git2::Oid>) {
    match id {
        Some(oid) => {
            out.byte(1);
            out.bytes(oid.as_bytes());
        }
        None => out.byte(0),
    }
}

fn get_id(input: &mut Reader<'_>) -> Option<Option<git2::Oid>> {
    match input.byte()? {
        0 => Some(None),
        1 => git2::Oid::from_bytes(&input.array::<20>()?).ok().map(Some),
        _ => None,
    }
}

/// The briefs file for `head`, with the key the history cache has.
pub(super) fn encode(briefs: &Briefs, head: CommitId, key: &str) -> Vec<u8> {
    let mut out = Writer::file(Vec::new(), MAGIC, VERSION, key);
    out.reserve(64 + briefs.deals.len() * 64);
    out.bytes(head.0.as_bytes());
    out.count(briefs.deals.len());
    for (id, brief) in &briefs.deals {
        out.str(id);
        put_time(&mut out, brief.added_at);
        put_time(&mut out, brief.last_change);
        match brief.entered {
            Some((stage, at)) => {
                out.varint(u64::from(stage) + 1);
                put_time(&mut out, at);
            }
            None => out.varint(0),
        }
        put_id(&mut out, brief.blob.as_ref().map(|b| &b.0));
    }
    out.count(briefs.skewed.len());
    for timeline in &briefs.skewed {
        out.str(&timeline.id);
        put_time(&mut out, timeline.added_at);
        put_id(&mut out, Some(&timeline.added_in.0));
        put_time(&mut out, timeline.last_change);
        out.count(timeline.entries.len());
        for entry in &timeline.entries {
            out.str(&entry.stage);
            put_time(&mut out, entry.at);
            put_id(&mut out, Some(&entry.commit.0));
            out.str(&entry.author_email);
        }
    }
    out.seal()
}

/// The commit the briefs in `bytes` were made at, the briefs, and whether
/// the file had them in listing order (one written by an earlier version
/// did not: they are put in order), when they were made for `key` and
/// decode to the end; `stages` and `partial` are this load's.
pub(super) fn decode(
    bytes: &[u8],
    key: &str,
    stages: &[&str],
    partial: Option<String>,
) -> Option<(CommitId, Briefs, bool)> {
    let mut input = Reader::open(bytes, MAGIC, VERSION, key)?;
    let head = CommitId(git2::Oid::from_bytes(&input.array::<20>()?).ok()?);
    let count = input.count()?;
    let mut deals = Vec::with_capacity(count);
    for _ in 0..count {
        let id = input.str()?.to_string();
        let added_at = get_time(&mut input)?;
        let last_change = get_time(&mut input)?;
        let entered = match input.varint()? {
            0 => None,
            n => {
                let stage = u16::try_from(n - 1)
                    .ok()
                    .filter(|&s| usize::from(s) < stages.len())?;
                Some((stage, get_time(&mut input)?))
            }
        };
        let blob = get_id(&mut input)?.map(BlobId);
        let brief = Brief {
            added_at,
            last_change,
            entered,
            blob,
        };
        deals.push((id, brief));
    }
    let in_order = deals.is_sorted_by(|a, b| listing_order(a, b).is_le());
    if !in_order {
        deals.sort_unstable_by(listing_order);
    }
    let count = input.count()?;
    let mut skewed = Vec::with_capacity(count);
    for _ in 0..count {
        let id = input.str()?.to_string();
        let added_at = get_time(&mut input)?;
        let added_in = CommitId(get_id(&mut input)??);
        let last_change = get_time(&mut input)?;
        let entries = (0..input.count()?)
            .map(|_| {
                Some(StageEntry {
                    stage: input.str()?.to_string(),
                    at: get_time(&mut input)?,
                    commit: CommitId(get_id(&mut input)??),
                    author_email: input.str()?.into(),
                })
            })
            .collect::<Option<Vec<_>>>()?;
        skewed.push(Timeline {
            id,
            added_at,
            added_in,
            entries,
            last_change,
            renamed_from: Vec::new(),
            versions: Vec::new(),
            version_authors: Vec::new(),
            removed: None,
        });
    }
    let briefs = Briefs {
        deals,
        stages: stages.iter().map(|s| s.to_string()).collect(),
        skewed,
        partial,
    };
    input.done().then_some((head, briefs, in_order))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(seconds: i64) -> Timestamp {
        Timestamp::from_second(seconds).unwrap()
    }

    fn briefs() -> Briefs {
        let commit = CommitId(git2::Oid::from_bytes(&[3; 20]).unwrap());
        let entry = |stage: &str, seconds| StageEntry {
            stage: stage.to_string(),
            at: at(seconds),
            commit,
            author_email: "ana@example.com".into(),
        };
        let deals = vec![
            (
                "acme".to_string(),
                Brief {
                    added_at: at(1_000),
                    last_change: at(5_000),
                    entered: Some((1, at(2_000))),
                    blob: Some(BlobId(git2::Oid::from_bytes(&[9; 20]).unwrap())),
                },
            ),
            (
                "bare".to_string(),
                Brief {
                    added_at: Timestamp::new(-10, -5).unwrap(),
                    last_change: at(0),
                    entered: None,
                    blob: None,
                },
            ),
        ];
        Briefs {
            deals,
            stages: vec!["lead".into(), "won".into()],
            skewed: vec![Timeline {
                id: "acme".into(),
                added_at: at(1_000),
                added_in: commit,
                entries: vec![entry("lead", 3_000), entry("won", 2_000)],
                last_change: at(5_000),
                renamed_from: Vec::new(),
                versions: Vec::new(),
                version_authors: Vec::new(),
                removed: None,
            }],
            partial: None,
        }
    }

    #[test]
    fn deals_are_matched_to_briefs_in_listing_order_and_by_id_elsewhere() {
        let brief = |stage: Option<u16>, seconds| Brief {
            added_at: at(seconds),
            last_change: at(seconds),
            entered: stage.map(|n| (n, at(seconds))),
            blob: None,
        };
        let stages = ["lead", "won"];
        let mut briefs = briefs();
        briefs.skewed.clear();
        briefs.deals = vec![
            ("zeta".into(), brief(Some(1), 1)),
            ("acme".into(), brief(Some(1), 2)),
            ("acme-2".into(), brief(Some(1), 3)),
            ("gone".into(), brief(None, 4)),
            ("beta".into(), brief(Some(0), 5)),
        ];
        // As HEAD's files are listed: lead/beta, won/acme-2 (`-` sorts
        // before `.toml`), won/acme, won/zeta; a file in no stage last.
        let head = CommitId(git2::Oid::from_bytes(&[1; 20]).unwrap());
        let (_, read, in_order) =
            decode(&encode(&briefs, head, "key"), "key", &stages, None).unwrap();
        assert!(!in_order, "written out of order, as an earlier version did");
        let order: Vec<&str> = read.deals.iter().map(|(id, _)| id.as_str()).collect();
        assert_eq!(order, ["beta", "acme-2", "acme", "zeta", "gone"]);
        let again = decode(&encode(&read, head, "key"), "key", &stages, None);
        assert_eq!(again, Some((head, read.clone(), true)));
        // A work tree with a deal added at the front and one moved: each
        // deal still gets its own brief; the new one none.
        let listed = ["aaa-new", "acme", "beta", "acme-2", "zeta", "gone"];
        let one = crate::parallel::Split {
            threads: 1,
            min_chunk: 1,
        };
        let two = crate::parallel::Split {
            threads: 2,
            min_chunk: 1,
        };
        for split in [one, two] {
            let found = read.matched(&listed, split, |id| id);
            let added: Vec<Option<i64>> = (found.iter())
                .map(|n| n.map(|n| read.deals[n].1.added_at.as_second()))
                .collect();
            assert_eq!(added, [None, Some(2), Some(5), Some(3), Some(1), Some(4)]);
        }
        assert_eq!(read.get("zeta").map(|b| b.added_at), Some(at(1)));
        assert_eq!(read.get("nobody"), None);
    }

    #[test]
    fn briefs_read_back_with_their_head_for_their_key_and_never_damaged() {
        let head = CommitId(git2::Oid::from_bytes(&[1; 20]).unwrap());
        let other = CommitId(git2::Oid::from_bytes(&[2; 20]).unwrap());
        let stages = ["lead", "won"];
        let bytes = encode(&briefs(), head, "key");
        assert_eq!(
            decode(&bytes, "key", &stages, None),
            Some((head, briefs(), true))
        );
        assert_ne!(encode(&briefs(), other, "key"), bytes);
        assert_eq!(decode(&bytes, "other key", &stages, None), None);
        // A stage number past the stage list is not believed.
        assert_eq!(decode(&bytes, "key", &stages[..1], None), None);
        for n in 0..bytes.len() {
            assert_eq!(decode(&bytes[..n], "key", &stages, None), None);
            let mut damaged = bytes.clone();
            damaged[n] ^= 0x20;
            assert_eq!(decode(&damaged, "key", &stages, None), None, "{n}");
        }
    }
}
