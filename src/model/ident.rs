//! Deal identity: the file stem.
//!
//! An ID matches `[a-z0-9][a-z0-9-]{0,63}` and is unique across all stages.
//! `add` derives it from the title, transliterated to ASCII.

/// Why `id` is not a valid deal ID, or `None` when it is.
pub fn invalid_reason(id: &str) -> Option<&'static str> {
    // Bytes, not chars: every byte of a character beyond ASCII fails the
    // test as the character would (a load checks 50,000 file names).
    let mut bytes = id.bytes();
    match bytes.next() {
        None => Some("an ID cannot be empty"),
        Some(b) if !(b.is_ascii_lowercase() || b.is_ascii_digit()) => {
            Some("an ID starts with a lowercase letter or a digit")
        }
        _ if id.len() > 64 => Some("an ID has at most 64 characters"),
        _ if !bytes.all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-') => {
            Some("an ID holds only lowercase letters, digits and '-'")
        }
        _ => None,
    }
}

/// The ID a title suggests: ASCII, lowercase, words joined by '-', at most
/// 64 characters ("Zażółć Sp. z o.o." -> "zazolc-sp-z-o-o").
pub fn slug(title: &str) -> String {
    let ascii = deunicode::deunicode(title).to_ascii_lowercase();
    let words: Vec<&str> = ascii
        .split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|w| !w.is_empty())
        .collect();
    let mut id = String::new();
    for word in words {
        let sep = usize::from(!id.is_empty());
        if id.len() + sep + word.len() > 64 {
            if id.is_empty() {
                id.push_str(&word[..64]);
            }
            break;
        }
        if sep == 1 {
            id.push('-');
        }
        id.push_str(word);
    }
    if id.is_empty() {
        "deal".to_string()
    } else {
        id
    }
}

/// `base`, or `base-2`, `base-3` ... the first that `taken` does not hold.
pub fn unique(base: &str, taken: impl Fn(&str) -> bool) -> String {
    if !taken(base) {
        return base.to_string();
    }
    (2..)
        .map(|n| {
            let suffix = format!("-{n}");
            let keep = base.len().min(64 - suffix.len());
            format!("{}{suffix}", base[..keep].trim_end_matches('-'))
        })
        .find(|candidate| !taken(candidate))
        .expect("an unbounded sequence has a free name")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slugs_transliterate_and_join_words() {
        assert_eq!(slug("Zażółć Sp. z o.o."), "zazolc-sp-z-o-o");
        assert_eq!(slug("Acme Corp: CRM rollout"), "acme-corp-crm-rollout");
        assert_eq!(slug("  !!! "), "deal");
        assert_eq!(slug(&"word ".repeat(40)).len(), 64);
    }

    #[test]
    fn unique_adds_a_counter() {
        let taken = ["acme", "acme-2"];
        assert_eq!(unique("acme", |c| taken.contains(&c)), "acme-3");
        assert_eq!(unique("globex", |c| taken.contains(&c)), "globex");
    }

    #[test]
    fn ids_are_checked() {
        assert_eq!(invalid_reason("acme-2"), None);
        assert!(invalid_reason("Acme").is_some());
        assert!(invalid_reason("-acme").is_some());
        assert!(invalid_reason("acme_x").is_some());
        assert!(invalid_reason(&"a".repeat(65)).is_some());
        // A character beyond ASCII, first or later.
        assert_eq!(
            invalid_reason("écru"),
            Some("an ID starts with a lowercase letter or a digit")
        );
        assert_eq!(
            invalid_reason("caf\u{e9}"),
            Some("an ID holds only lowercase letters, digits and '-'")
        );
    }
}
