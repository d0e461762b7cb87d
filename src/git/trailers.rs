//! Commit-message trailers, the one place that writes and reads them:
//! `Funnel-Deal: ID` names the deal a funnel commit is about, and
//! `Funnel-Renamed-From: OLD` (after the `Funnel-Deal` it belongs to)
//! records a rename so history follows the deal. Keys are matched without
//! regard to case, as git's own trailers are, and only in the message's
//! last paragraph.

pub const DEAL: &str = "Funnel-Deal";
pub const RENAMED_FROM: &str = "Funnel-Renamed-From";
/// The source an imported deal's commit came from (`hubspot:1234`); for
/// people reading the log, never for history.
pub const IMPORT: &str = "Funnel-Import";

/// A commit message: the subject, then `Key: value` trailers.
pub fn message(subject: &str, trailers: &[(&str, &str)]) -> String {
    let mut text = format!("{subject}\n");
    if !trailers.is_empty() {
        text.push('\n');
        for (key, value) in trailers {
            text.push_str(&format!("{key}: {value}\n"));
        }
    }
    text
}

/// One `Funnel-Renamed-From: OLD` trailer, with the `Funnel-Deal: NEW`
/// before it (`None` when a hand-written message gives none).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rename {
    pub new: Option<String>,
    pub old: String,
}

/// The renames a commit message records, in order.
pub fn renames(message: &[u8]) -> Vec<Rename> {
    let key = RENAMED_FROM.as_bytes();
    if !message
        .windows(key.len())
        .any(|w| w.eq_ignore_ascii_case(key))
    {
        return Vec::new(); // the common case, without decoding the text
    }
    let text = String::from_utf8_lossy(message);
    let text = text.trim_end();
    let Some(split) = text.rfind("\n\n") else {
        return Vec::new(); // a subject alone has no trailers
    };
    let mut deal = None;
    let mut found = Vec::new();
    for line in text[split + 2..].lines() {
        let Some((key, value)) = line.split_once(':') else {
            continue;
        };
        let value = value.trim().to_string();
        if key.trim().eq_ignore_ascii_case(DEAL) {
            deal = Some(value);
        } else if key.trim().eq_ignore_ascii_case(RENAMED_FROM) {
            found.push(Rename {
                new: deal.clone(),
                old: value,
            });
        }
    }
    found
}

/// The deals a commit message's `Funnel-Deal` trailers name: a commit
/// funnel made (none for a commit made with plain git).
pub fn deals(message: &str) -> Vec<String> {
    let text = message.trim_end();
    let Some(split) = text.rfind("\n\n") else {
        return Vec::new();
    };
    text[split + 2..]
        .lines()
        .filter_map(|line| line.split_once(':'))
        .filter(|(key, _)| key.trim().eq_ignore_ascii_case(DEAL))
        .map(|(_, value)| value.trim().to_string())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pairs(message: &str) -> Vec<(Option<String>, String)> {
        renames(message.as_bytes())
            .into_iter()
            .map(|r| (r.new, r.old))
            .collect()
    }

    fn owned(pairs: &[(Option<&str>, &str)]) -> Vec<(Option<String>, String)> {
        pairs
            .iter()
            .map(|(n, o)| (n.map(str::to_string), o.to_string()))
            .collect()
    }

    #[test]
    fn each_rename_pairs_with_the_deal_before_it() {
        let text = message(
            "rename two deals",
            &[
                (DEAL, "acme2"),
                (RENAMED_FROM, "acme"),
                (DEAL, "globex2"),
                (RENAMED_FROM, "globex"),
            ],
        );
        assert_eq!(
            pairs(&text),
            owned(&[(Some("acme2"), "acme"), (Some("globex2"), "globex")])
        );
    }

    #[test]
    fn keys_match_in_any_case_and_only_in_the_last_paragraph() {
        assert_eq!(
            pairs("rename\n\nfunnel-deal: b\nfunnel-renamed-from: a\n"),
            owned(&[(Some("b"), "a")])
        );
        assert_eq!(pairs("Funnel-Renamed-From: a\n"), owned(&[]));
        assert_eq!(
            pairs("x\n\nFunnel-Renamed-From: a\n\nSigned-off-by: me\n"),
            owned(&[])
        );
        assert_eq!(
            pairs("x\n\nFunnel-Renamed-From: a\n"),
            owned(&[(None, "a")])
        );
    }
}
