//! Counts in sentences: `1 session`, `2 sessions`, `1 retry`, `3 retries`.

/// `n` and `noun`, in the plural unless `n` is 1 (a noun ending in a consonant and `y`
/// takes `ies`).
pub fn count(n: impl Into<u64>, noun: &str) -> String {
    let n = n.into();
    if n == 1 {
        return format!("1 {noun}");
    }
    match noun.strip_suffix('y') {
        Some(stem) if !stem.ends_with(['a', 'e', 'i', 'o', 'u']) => format!("{n} {stem}ies"),
        _ => format!("{n} {noun}s"),
    }
}

#[cfg(test)]
mod tests {
    use super::count;

    #[test]
    fn one_is_singular_and_any_other_number_plural() {
        assert_eq!(count(1_u32, "session"), "1 session");
        assert_eq!(count(0_u32, "session"), "0 sessions");
        assert_eq!(count(2_u64, "upload"), "2 uploads");
        assert_eq!(count(1_u32, "retry"), "1 retry");
        assert_eq!(count(3_u32, "retry"), "3 retries");
        assert_eq!(count(3_u32, "day"), "3 days");
    }
}
