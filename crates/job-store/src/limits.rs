//! What a job record holds: the analysis and error message cut to fit a DynamoDB item, at a
//! character boundary, saying so.

/// Largest analysis stored. A DynamoDB item holds at most 400 KB (names and values, UTF-8); this
/// leaves room for the other attributes. The bridge reads answers up to `MAX_ANSWER_BYTES`
/// (1 MiB by default): a longer analysis is stored cut, with a note saying so, so the job still
/// ends `succeeded` (never left `running` to be run again by every retry).
pub const MAX_ANALYSIS_BYTES: usize = 350 * 1024;

/// Longer failure messages are truncated: they are for people, and the code carries the meaning.
pub const MAX_ERROR_MESSAGE_BYTES: usize = 1024;

/// `analysis`, or, over [`MAX_ANALYSIS_BYTES`], its beginning and a note that it was cut.
pub(crate) fn fit_analysis(analysis: &str) -> std::borrow::Cow<'_, str> {
    if analysis.len() <= MAX_ANALYSIS_BYTES {
        return analysis.into();
    }
    let note = format!(
        "\n\n[truncated: the analysis was {} bytes, more than a job record holds]",
        analysis.len()
    );
    format!(
        "{}{note}",
        truncate(analysis, MAX_ANALYSIS_BYTES - note.len())
    )
    .into()
}

/// At most `max` bytes of `s`, cut at a character boundary.
pub(crate) fn truncate(s: &str, max: usize) -> &str {
    if s.len() <= max {
        return s;
    }
    let mut end = max;
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    &s[..end]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn oversize_analyses_are_cut_to_the_limit_with_a_note() {
        let fits = "é".repeat(MAX_ANALYSIS_BYTES / 2);
        assert_eq!(fit_analysis(&fits), fits.as_str());
        let long = "é".repeat(MAX_ANALYSIS_BYTES);
        let cut = fit_analysis(&long);
        assert!(cut.len() <= MAX_ANALYSIS_BYTES);
        assert!(cut.starts_with("éé"));
        assert!(cut.ends_with(&format!(
            "the analysis was {} bytes, more than a job record holds]",
            MAX_ANALYSIS_BYTES * 2
        )));
    }

    #[test]
    fn truncate_respects_char_boundaries() {
        assert_eq!(truncate("abc", 5), "abc");
        assert_eq!(truncate("abc", 2), "ab");
        assert_eq!(truncate("aé", 2), "a");
        assert_eq!(truncate("", 0), "");
    }
}
