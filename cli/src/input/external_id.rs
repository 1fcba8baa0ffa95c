//! What a users file's `externalId` must be beyond Okta's rules: not blank, without blanks
//! around it, and without control characters, as a deactivation file's ids (which are
//! trimmed instead: they only name users) are: a user is not made under an id that no
//! deactivation file could name.

/// What is wrong with `id`, if anything. An empty id is left to the engine, which calls it
/// missing.
pub(super) fn check(id: &str) -> Result<(), String> {
    if id.is_empty() {
        return Ok(());
    }
    if id.trim().is_empty() {
        return Err("externalId is blank".into());
    }
    if id.trim() != id {
        return Err(
            "externalId starts or ends with a blank (a space, a tab): almost always a \
             leftover of the export, and it would make another user than the id without it; \
             remove it"
                .into(),
        );
    }
    if let Some(control) = id.chars().find(|c| c.is_control()) {
        return Err(format!(
            "externalId holds a control character ({}), which no id holds: a leftover of \
             the export, and no deactivation file could name the user it made",
            control.escape_unicode()
        ));
    }
    Ok(())
}

/// The id of a record refused for another reason, when it can be told (a non-empty id that
/// passes [`check`]): the engine holds it against the same id elsewhere, so that a
/// deactivation of a user whose record is invalid is refused rather than carried out.
pub(super) fn of_refused(id: &str) -> Option<String> {
    (!id.is_empty() && check(id).is_ok()).then(|| id.to_owned())
}

#[cfg(test)]
mod tests {
    use super::check;

    #[test]
    fn a_blank_or_padded_id_is_refused_and_a_plain_one_is_not() {
        assert_eq!(check("   "), Err("externalId is blank".into()));
        for padded in [" e1", "e1 ", "\te1", "e1\u{a0}"] {
            let said = check(padded).expect_err(padded);
            assert!(said.contains("starts or ends with a blank"), "{said}");
        }
        for control in ["e\u{1b}[31m1", "e\u{0}", "e\t1", "e\u{85}1"] {
            let said = check(control).expect_err(control);
            assert!(said.contains("holds a control character (\\u{"), "{said}");
        }
        assert_eq!(check("e 1"), Ok(()));
        assert_eq!(check(""), Ok(()));
    }
}
