//! Cleaning of untrusted ticket text before it reaches a prompt.

/// Removes what a human reader cannot see but a model can: control characters (except newline
/// and tab) and invisible format characters (zero-width, bidi overrides, tag characters, BOM),
/// which are the usual carriers of hidden prompt-injection text. Line endings become `\n`.
pub fn clean_text(raw: &str) -> String {
    let unified = raw.replace("\r\n", "\n").replace('\r', "\n");
    unified
        .chars()
        .filter(|&c| c == '\n' || c == '\t' || !(c.is_control() || is_invisible_format(c)))
        .collect::<String>()
        .trim()
        .to_owned()
}

/// Unicode "format" (Cf) characters and friends that render as nothing.
fn is_invisible_format(c: char) -> bool {
    matches!(c,
        '\u{00AD}'                  // soft hyphen
        | '\u{061C}'                // Arabic letter mark
        | '\u{180E}'                // Mongolian vowel separator
        | '\u{200B}'..='\u{200F}'   // zero-width space/joiners, LRM, RLM
        | '\u{202A}'..='\u{202E}'   // bidi embeddings and overrides
        | '\u{2060}'..='\u{2064}'   // word joiner, invisible operators
        | '\u{2066}'..='\u{2069}'   // bidi isolates
        | '\u{206A}'..='\u{206F}'   // deprecated format controls
        | '\u{FEFF}'                // byte-order mark / zero-width no-break space
        | '\u{FFF9}'..='\u{FFFB}'   // interlinear annotations
        | '\u{E0000}'..='\u{E007F}' // tag characters ("ASCII smuggling")
    )
}

/// Per-field caps, in characters, applied after cleaning.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FieldLimits {
    pub title: usize,
    pub description: usize,
    /// Every other text field (category, group, caller, …).
    pub short: usize,
}

impl Default for FieldLimits {
    fn default() -> Self {
        // short_description is 160 characters in a stock instance; descriptions are unbounded,
        // 8,000 characters keeps a ticket well inside a model's context and the agent's budget.
        FieldLimits {
            title: 300,
            description: 8_000,
            short: 200,
        }
    }
}

/// A cleaned field value, cut to a maximum number of characters. When cut, the text says so, so
/// neither the agent nor a human reading the prompt mistakes a partial field for the whole.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Capped {
    pub text: String,
    /// Characters in the cleaned value before any cut.
    pub original_chars: usize,
    pub truncated: bool,
}

impl Capped {
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

    #[test]
    fn trims_surrounding_whitespace_and_keeps_unicode_text() {
        assert_eq!(
            clean_text("  Überhitzung – 服务器  \n"),
            "Überhitzung – 服务器"
        );
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
