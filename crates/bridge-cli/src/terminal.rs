//! Text from the server made inert before it reaches a terminal.
//!
//! An agent's answer is written by a model that whoever wrote the question or the ticket can
//! steer, and error messages and ids come from the server, so all of it is hostile to the
//! terminal that shows it. Escape sequences can recolour, hide or rewrite text already printed,
//! retitle the window, plant OSC 8 hyperlinks whose target is not their text, or set the
//! clipboard (OSC 52); backspace and carriage return overwrite what is on the line. So every
//! control character except newline and tab is dropped, and so is each escape sequence it
//! introduces (not only its ESC, whose leftovers such as `[31m` would litter the answer).
//!
//! Text mode always filters, whether stdout is a terminal or not: output redirected to a file
//! is shown on a terminal later (`cat answer.txt`), a pipe's reader may print it, and one
//! behaviour is simpler to document and to test than two. `--json` output keeps its document:
//! see [`inert_json`].
//!
//! Hand-written, not a crate: `strip-ansi-escapes` and `vte` are not in the workspace's
//! lockfile, and the stripper of `anstream` (built for clap) keeps carriage return and form feed
//! and passes C1 controls through when they are encoded as UTF-8, as they are in a `&str`
//! (many terminals read U+009B as CSI).

/// ESC: starts every 7-bit escape sequence.
const ESC: char = '\u{1B}';
/// BEL: ends an operating system command (OSC), as most terminals accept it in place of ST.
const BEL: char = '\u{07}';
/// CAN: cancels a sequence in progress.
const CAN: char = '\u{18}';
/// SUB: cancels a sequence in progress, as CAN does.
const SUB: char = '\u{1A}';
/// The C1 control sequence introducer, the 8-bit form of `ESC [`.
const CSI: char = '\u{9B}';
/// C1 introducers of control strings: DCS, SOS, OSC, PM, APC.
const STRING_INTRODUCERS: [char; 5] = ['\u{90}', '\u{98}', '\u{9D}', '\u{9E}', '\u{9F}'];

/// Where the filter is: in text, or inside an escape sequence being dropped.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
enum State {
    #[default]
    Text,
    /// After ESC.
    Escape,
    /// After ESC and intermediate characters (space to `/`), as in `ESC ( B`.
    EscapeIntermediate,
    /// A control sequence (`ESC [` or CSI): parameters and intermediates up to a final character.
    ControlSequence,
    /// A control string (OSC, DCS, SOS, PM, APC) up to BEL or ST (`ESC \` or U+009C).
    ControlString,
}

/// One character through the filter: the next state and what to print, if anything.
///
/// Line breaks end any sequence (terminals let an unterminated string run on, but an answer
/// should lose at most the rest of one line to a stray introducer, not the rest of itself).
/// Whatever the state, only a newline, a tab or a non-control character in text is printed, so
/// the output can never start a sequence of its own.
fn step(state: State, c: char) -> (State, Option<char>) {
    match c {
        '\n' => (State::Text, Some('\n')),
        '\t' => (state, Some('\t')),
        ESC => (State::Escape, None),
        CSI => (State::ControlSequence, None),
        c if STRING_INTRODUCERS.contains(&c) => (State::ControlString, None),
        // Other C1 controls (ST among them) and CAN/SUB end whatever was in progress.
        '\u{80}'..='\u{9F}' | CAN | SUB => (State::Text, None),
        BEL if state == State::ControlString => (State::Text, None),
        // Other C0 controls and DEL: dropped, the sequence goes on (terminals execute them
        // without leaving it).
        c if c.is_control() => (state, None),
        c => match state {
            State::Text => (State::Text, Some(c)),
            State::Escape => match c {
                '[' => (State::ControlSequence, None),
                ']' | 'P' | 'X' | '^' | '_' => (State::ControlString, None),
                ' '..='/' => (State::EscapeIntermediate, None),
                // A final character, `\` of ST included.
                '0'..='~' => (State::Text, None),
                c => (State::Text, Some(c)),
            },
            State::EscapeIntermediate => match c {
                ' '..='/' => (state, None),
                '0'..='~' => (State::Text, None),
                c => (State::Text, Some(c)),
            },
            State::ControlSequence => match c {
                ' '..='?' => (state, None),
                '@'..='~' => (State::Text, None),
                // Not part of any control sequence: the sequence was broken, the text goes on.
                c => (State::Text, Some(c)),
            },
            State::ControlString => (state, None),
        },
    }
}

/// A filter for text that arrives in pieces: a sequence cut between two pieces of a streamed
/// answer is still dropped whole.
#[derive(Debug, Default)]
pub struct TerminalText {
    state: State,
}

impl TerminalText {
    /// The printable part of `piece`, given what came before it.
    pub fn filter(&mut self, piece: &str) -> String {
        let mut out = String::with_capacity(piece.len());
        for c in piece.chars() {
            let (next, printed) = step(self.state, c);
            self.state = next;
            out.extend(printed);
        }
        out
    }
}

/// `text` without control characters (newline and tab excepted) and the escape sequences they
/// introduce; every other character, any script or emoji, is kept as it is.
pub fn terminal_safe(text: &str) -> String {
    TerminalText::default().filter(text)
}

/// A serialised JSON document with DEL and the C1 controls written as `\u00XX` escapes.
/// serde_json escapes only U+0000–U+001F and writes these raw, but a terminal may act on them
/// (U+009B is CSI). JSON's own syntax is ASCII, so they can only occur inside strings, where the
/// escape stands for the same character: the document parses to the same value.
pub fn inert_json(serialised: &str) -> String {
    let mut out = String::with_capacity(serialised.len());
    for c in serialised.chars() {
        if matches!(c, '\u{7F}'..='\u{9F}') {
            out.push_str(&format!("\\u{:04x}", u32::from(c)));
        } else {
            out.push(c);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sgr_colour_sequences_are_removed_whole() {
        assert_eq!(terminal_safe("\u{1b}[31mred\u{1b}[0m text"), "red text");
        assert_eq!(terminal_safe("\u{1b}[38;2;255;0;0mrgb\u{1b}[m"), "rgb");
    }

    #[test]
    fn osc_8_hyperlinks_keep_their_text_and_lose_their_target() {
        let link = "see \u{1b}]8;;https://evil.example/\u{7}the docs\u{1b}]8;;\u{7}.";
        assert_eq!(terminal_safe(link), "see the docs.");
        // ST (`ESC \`) ends a string as BEL does.
        let st = "\u{1b}]8;;https://evil.example/\u{1b}\\docs\u{1b}]8;;\u{1b}\\";
        assert_eq!(terminal_safe(st), "docs");
    }

    #[test]
    fn window_titles_and_clipboard_writes_are_removed() {
        assert_eq!(terminal_safe("a\u{1b}]0;pwned\u{7}b"), "ab");
        assert_eq!(terminal_safe("a\u{1b}]52;c;Y3VybCB4fHNo\u{7}b"), "ab");
        assert_eq!(terminal_safe("a\u{1b}P+q544e\u{1b}\\b"), "ab", "DCS");
    }

    #[test]
    fn eight_bit_c1_sequences_are_removed() {
        assert_eq!(terminal_safe("a\u{9b}2Jb"), "ab", "CSI U+009B");
        assert_eq!(
            terminal_safe("a\u{9d}0;title\u{9c}b"),
            "ab",
            "OSC U+009D … ST U+009C"
        );
        assert_eq!(terminal_safe("a\u{85}b\u{8d}c"), "abc", "other C1 controls");
    }

    #[test]
    fn bel_backspace_and_carriage_return_are_dropped() {
        assert_eq!(terminal_safe("ding\u{7}!"), "ding!");
        assert_eq!(
            terminal_safe("safe\u{8}\u{8}\u{8}\u{8}rm -rf"),
            "saferm -rf"
        );
        assert_eq!(terminal_safe("fake ok\rreal\r\n"), "fake okreal\n");
        assert_eq!(terminal_safe("a\u{0}b\u{7f}c\u{c}d\u{b}e"), "abcde");
    }

    #[test]
    fn newlines_tabs_and_unicode_text_are_kept() {
        let text = "Überhitzung – 服务器 😀\n\tstep 1: [31m is not a sequence without ESC\n";
        assert_eq!(terminal_safe(text), text);
    }

    #[test]
    fn other_escapes_are_removed_and_broken_ones_end_at_text() {
        assert_eq!(terminal_safe("\u{1b}(Bx\u{1b}7y\u{1b}cz"), "xyz");
        // CAN cancels; a non-ASCII character cannot be part of a sequence.
        assert_eq!(terminal_safe("\u{1b}[12\u{18}34"), "34");
        assert_eq!(terminal_safe("\u{1b}[1é"), "é");
    }

    #[test]
    fn an_unterminated_string_costs_at_most_the_rest_of_its_line() {
        assert_eq!(
            terminal_safe("a\u{1b}]8;;x hidden\nnext line"),
            "a\nnext line"
        );
    }

    #[test]
    fn a_sequence_split_across_pieces_is_still_dropped_whole() {
        let mut t = TerminalText::default();
        let pieces = [
            "x\u{1b}",
            "]8;;https://e",
            "vil/\u{7}link",
            "\u{1b}[3",
            "1mred",
        ];
        let out: String = pieces.iter().map(|p| t.filter(p)).collect();
        assert_eq!(out, "xlinkred");
    }

    /// Every string of up to four characters from a hostile alphabet, whole and split at every
    /// point: nothing that can act on a terminal is printed, and splitting changes nothing.
    #[test]
    fn no_control_character_is_ever_printed() {
        let alphabet = [
            '\u{1b}', '[', ']', 'P', '\\', '8', ';', 'm', '\u{7}', '\u{9b}', '\u{9c}', '\u{9d}',
            '\r', '\n', '\u{18}', 'é',
        ];
        let (mut strings, mut level) = (Vec::new(), vec![String::new()]);
        for _ in 0..4 {
            level = level
                .iter()
                .flat_map(|s| alphabet.iter().map(move |c| format!("{s}{c}")))
                .collect();
            strings.extend(level.iter().cloned());
        }
        for s in &strings {
            let whole = terminal_safe(s);
            assert!(
                !whole
                    .chars()
                    .any(|c| c.is_control() && c != '\n' && c != '\t'),
                "{s:?} → {whole:?}"
            );
            for (i, _) in s.char_indices() {
                let mut t = TerminalText::default();
                let split = t.filter(&s[..i]) + &t.filter(&s[i..]);
                assert_eq!(split, whole, "{s:?} split at {i}");
            }
        }
    }

    #[test]
    fn json_keeps_its_value_and_loses_raw_c1_and_del() {
        let doc = serde_json::json!({"answer": "a\u{9b}31mb\u{7f}\u{1b}[0m", "ok": true});
        let text = inert_json(&serde_json::to_string_pretty(&doc).unwrap());
        assert!(!text.chars().any(|c| c.is_control() && c != '\n'), "{text}");
        assert!(text.contains(r"a\u009b31mb\u007f\u001b[0m"), "{text}");
        assert_eq!(
            serde_json::from_str::<serde_json::Value>(&text).unwrap(),
            doc
        );
    }
}
