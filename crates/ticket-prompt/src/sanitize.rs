//! Cleaning of untrusted ticket text before it reaches a prompt.

use unicode_normalization::{IsNormalized, UnicodeNormalization, is_nfkc_quick};

use crate::ticket::Ticket;

/// Removes what a human reader cannot see but a model can: control characters (except newline
/// and tab) and invisible characters (zero-width, bidi overrides, tag characters, BOM, variation
/// selectors, the combining grapheme joiner, Hangul fillers), the usual carriers of hidden
/// prompt-injection text. NFKC folds look-alikes (fullwidth `＜`,
/// ligatures, non-breaking spaces) into their plain forms, line endings become `\n`, trailing
/// spaces go, and runs of blank lines shrink to one.
pub fn clean_text(raw: &str) -> String {
    let visible = visible_text(raw);
    // NFKC can compose new characters, so filter again after it. Text the quick check finds
    // already in NFKC (all ASCII text, most prose) is what the pass would return, so it is
    // skipped: on a typical ticket the pass was the costliest part of building the prompt.
    let normalised = if is_nfkc_quick(visible.chars()) == IsNormalized::Yes {
        visible
    } else {
        visible.nfkc().filter(|&c| is_kept(c)).collect()
    };
    tidy_lines(&normalised)
}

/// `text` with trailing spaces cut from each line, runs of blank lines shrunk to one, and the
/// whole trimmed.
fn tidy_lines(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut blank_run = 0;
    for line in text.lines() {
        let line = line.trim_end();
        blank_run = if line.is_empty() { blank_run + 1 } else { 0 };
        if blank_run <= 1 {
            out.push_str(line);
            out.push('\n');
        }
    }
    out.trim().to_owned()
}

/// `raw` with `\r\n` and a lone `\r` made `\n`, and every character [`is_kept`] refuses
/// dropped, in one pass and one allocation.
fn visible_text(raw: &str) -> String {
    let mut out = String::with_capacity(raw.len());
    let mut chars = raw.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '\r' {
            chars.next_if_eq(&'\n');
            out.push('\n');
        } else if is_kept(c) {
            out.push(c);
        }
    }
    out
}

/// Newline and tab, and every character that is neither a control nor [`is_invisible`].
fn is_kept(c: char) -> bool {
    c == '\n' || c == '\t' || !(c.is_control() || is_invisible(c))
}

/// Characters that render as nothing, or as blank space indistinguishable from none, yet reach
/// the model as tokens: Unicode "format" (Cf) characters, and the marks and letters that carry
/// hidden text although they are not Cf. A run of variation selectors after one visible
/// character can spell out a whole hidden message (one selector per byte); the combining
/// grapheme joiner and variation selectors are marks (Mn) with no glyph; Hangul fillers are
/// letters (Lo) that display as blanks, and NFKC maps them only onto one another.
fn is_invisible(c: char) -> bool {
    matches!(c,
        '\u{00AD}'                  // soft hyphen
        | '\u{034F}'                // combining grapheme joiner
        | '\u{061C}'                // Arabic letter mark
        | '\u{115F}' | '\u{1160}'   // Hangul choseong and jungseong fillers
        | '\u{180E}'                // Mongolian vowel separator
        | '\u{200B}'..='\u{200F}'   // zero-width space/joiners, LRM, RLM
        | '\u{202A}'..='\u{202E}'   // bidi embeddings and overrides
        | '\u{2060}'..='\u{2064}'   // word joiner, invisible operators
        | '\u{2066}'..='\u{2069}'   // bidi isolates
        | '\u{206A}'..='\u{206F}'   // deprecated format controls
        | '\u{3164}'                // Hangul filler
        | '\u{FE00}'..='\u{FE0F}'   // variation selectors 1-16
        | '\u{FEFF}'                // byte-order mark / zero-width no-break space
        | '\u{FFA0}'                // halfwidth Hangul filler
        | '\u{FFF9}'..='\u{FFFB}'   // interlinear annotations
        | '\u{E0000}'..='\u{E007F}' // tag characters ("ASCII smuggling")
        | '\u{E0100}'..='\u{E01EF}' // variation selectors 17-256
    )
}

/// Per-field caps, in characters, applied after cleaning.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FieldLimits {
    /// The title (summary, subject).
    pub title: usize,
    /// The description; it also gives way first when `total` is exceeded.
    pub description: usize,
    /// Every other text field (category, group, caller, each label, …).
    pub short: usize,
    /// Labels or tags kept.
    pub max_labels: usize,
    /// All of the ticket's text together; the description gives way when it is exceeded.
    pub total: usize,
}

impl Default for FieldLimits {
    fn default() -> Self {
        // short_description is 160 characters in a stock instance; descriptions are unbounded,
        // 8,000 characters keeps a ticket well inside a model's context and the agent's budget.
        FieldLimits {
            title: 300,
            description: 8_000,
            short: 200,
            max_labels: 20,
            total: 16_000,
        }
    }
}

/// Cuts the description so the whole ticket fits `limits.total` characters. The per-field caps
/// keep a ticket near 12,000 characters by default; this bounds it when a large
/// `MAX_DESCRIPTION_CHARS` is configured.
pub(crate) fn enforce_total(t: &mut Ticket, limits: &FieldLimits) {
    let others: usize = t
        .labelled_fields()
        .iter()
        .map(|f| f.value.chars().count())
        .sum();
    let Some(description) = &t.description else {
        return;
    };
    let room = limits.total.saturating_sub(others);
    if description.chars().count() <= room {
        return;
    }
    let kept: String = description.chars().take(room).collect();
    t.description = Some(format!(
        "{} [truncated: the ticket exceeded its {}-character total]",
        kept.trim_end(),
        limits.total
    ));
    if !t.truncated_fields.contains(&"description") {
        t.truncated_fields.push("description");
    }
}

/// A cleaned field value, cut to a maximum number of characters. When cut, the text says so, so
/// neither the agent nor a human reading the prompt mistakes a partial field for the whole.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Capped {
    /// The cleaned value, with the truncation note when it was cut.
    pub text: String,
    /// Characters in the cleaned value before any cut.
    pub original_chars: usize,
    /// Whether the value was cut (the parsers list such fields in `truncated_fields`).
    pub truncated: bool,
}

impl Capped {
    /// Cleans `raw` with [`clean_text`] and cuts it to `max_chars` characters.
    pub fn new(raw: &str, max_chars: usize) -> Self {
        let cleaned = clean_text(raw);
        let original_chars = cleaned.chars().count();
        if original_chars <= max_chars {
            return Capped {
                text: cleaned,
                original_chars,
                truncated: false,
            };
        }
        let kept: String = cleaned.chars().take(max_chars).collect();
        Capped {
            text: format!(
                "{} [truncated: first {max_chars} of {original_chars} characters shown]",
                kept.trim_end()
            ),
            original_chars,
            truncated: true,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_newlines_and_tabs_but_drops_other_controls() {
        assert_eq!(clean_text("a\u{0}b\u{7}c\td\ne\u{1b}[31m"), "abc\td\ne[31m");
        assert_eq!(clean_text("line1\r\nline2\rline3"), "line1\nline2\nline3");
        assert_eq!(
            clean_text("x\u{85}y\u{9f}z"),
            "xyz",
            "C1 controls are removed"
        );
    }

    #[test]
    fn drops_invisible_format_characters() {
        let hidden = "pay\u{200B}load\u{202E}txt\u{2066}\u{FEFF}\u{E0041}\u{E0042}!";
        assert_eq!(clean_text(hidden), "payloadtxt!");
    }

    /// `clean_text("a{c}b")` is `"ab"`: the carrier is gone and nothing around it changed.
    fn assert_removed(name: &str, c: char) {
        assert_eq!(
            clean_text(&format!("a{c}b")),
            "ab",
            "{name} (U+{:04X}) survived",
            u32::from(c)
        );
    }

    #[test]
    fn drops_variation_selectors() {
        for (name, c) in [
            ("VARIATION SELECTOR-1", '\u{FE00}'),
            ("VARIATION SELECTOR-15 (text presentation)", '\u{FE0E}'),
            ("VARIATION SELECTOR-16 (emoji presentation)", '\u{FE0F}'),
            ("VARIATION SELECTOR-17", '\u{E0100}'),
            ("VARIATION SELECTOR-256", '\u{E01EF}'),
        ] {
            assert_removed(name, c);
        }
        // One selector per byte after a visible emoji hides a message in plain sight.
        let smuggled: String = "hidden"
            .bytes()
            .map(|b| char::from_u32(0xE0100 + u32::from(b)).unwrap())
            .collect();
        assert_eq!(
            clean_text(&format!("ok \u{1F600}{smuggled}")),
            "ok \u{1F600}"
        );
    }

    #[test]
    fn drops_the_combining_grapheme_joiner() {
        assert_removed("COMBINING GRAPHEME JOINER", '\u{034F}');
    }

    #[test]
    fn drops_hangul_fillers() {
        for (name, c) in [
            ("HANGUL CHOSEONG FILLER", '\u{115F}'),
            ("HANGUL JUNGSEONG FILLER", '\u{1160}'),
            ("HANGUL FILLER", '\u{3164}'),
            ("HALFWIDTH HANGUL FILLER", '\u{FFA0}'),
        ] {
            assert_removed(name, c);
        }
    }

    #[test]
    fn neighbours_of_the_carriers_are_kept() {
        // Hangul jamo (beside the fillers) still compose into a syllable.
        assert_eq!(clean_text("\u{1100}\u{1161}"), "\u{AC00}");
        // Visible combining marks beside the grapheme joiner and the variation selectors.
        assert_eq!(clean_text("a\u{0350}b\u{FE20}"), "a\u{0350}b\u{FE20}");
        assert_eq!(
            clean_text("\u{2764}\u{FE0F} \u{845B}\u{E0100}"),
            "\u{2764} \u{845B}"
        );
    }

    #[test]
    fn nfkc_folds_look_alikes_and_blank_runs_shrink() {
        assert_eq!(
            clean_text("＜ticket_data＞ ﬁle\u{00A0}x"),
            "<ticket_data> file x"
        );
        assert_eq!(clean_text("a  \n\n\n\n b\t\n"), "a\n\n b");
    }

    #[test]
    fn trims_surrounding_whitespace_and_keeps_unicode_text() {
        assert_eq!(
            clean_text("  Überhitzung – 服务器  \n"),
            "Überhitzung – 服务器"
        );
    }

    /// The straightforward definition: both line-ending rewrites, the filter, NFKC on every
    /// text, the filter again (the line tidying after them is shared: it is not what changed).
    fn clean_text_in_full(raw: &str) -> String {
        let visible: String = raw
            .replace("\r\n", "\n")
            .replace('\r', "\n")
            .chars()
            .filter(|&c| is_kept(c))
            .collect();
        let normalised: String = visible.nfkc().filter(|&c| is_kept(c)).collect();
        tidy_lines(&normalised)
    }

    proptest::proptest! {
        #[test]
        fn clean_text_matches_its_full_definition_on_any_text(
            raw in "(?s)[\r\n a-zA-Z\u{0300}-\u{036F}\u{FF00}-\u{FFEF}\u{200B}]{0,40}|(?s).{0,80}"
        ) {
            proptest::prop_assert_eq!(clean_text(&raw), clean_text_in_full(&raw));
        }
    }

    #[test]
    fn skipping_nfkc_for_normalised_text_changes_no_output() {
        for raw in [
            "plain ascii\r\nline\r\rnext  \n\n\n\nend",
            "\r\u{200B}\n",
            "Überhitzung – 服务器",
            "＜ticket_data＞ ﬁle\u{00A0}x",
            "e\u{0301} composes",
            "\u{1100}\u{1161} jamo",
            "a\u{0350}b\u{FE20}",
            "\u{2764}\u{FE0F} \u{845B}\u{E0100}",
            "Å Ω K ﬀ ½ ㈱ ｶ ﾞ",
        ] {
            assert_eq!(clean_text(raw), clean_text_in_full(raw), "{raw:?}");
        }
    }

    #[test]
    fn short_values_are_not_truncated() {
        let c = Capped::new("hello", 5);
        assert_eq!(c.text, "hello");
        assert!(!c.truncated);
        assert_eq!(c.original_chars, 5);
    }

    #[test]
    fn long_values_are_cut_on_character_boundaries_and_say_so() {
        let c = Capped::new("ééééééééé", 4);
        assert!(c.truncated);
        assert_eq!(c.original_chars, 9);
        assert_eq!(c.text, "éééé [truncated: first 4 of 9 characters shown]");
    }

    #[test]
    fn the_cap_counts_cleaned_characters() {
        // 3 visible characters plus 10 zero-width spaces fit a cap of 3.
        let c = Capped::new(&format!("abc{}", "\u{200B}".repeat(10)), 3);
        assert_eq!(c.text, "abc");
        assert!(!c.truncated);
    }
}
