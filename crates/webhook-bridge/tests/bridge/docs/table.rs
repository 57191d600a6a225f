//! Reading a Markdown table from a page of the manual: the rows under the header whose first
//! cell is given, as trimmed cells.

/// `docs/<page>`'s text.
pub(super) fn page(name: &str) -> String {
    let path = format!("{}/../../docs/{name}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// The body rows of the first table in `text` whose header row starts with `first_header`.
pub(super) fn rows(text: &str, first_header: &str) -> Vec<Vec<String>> {
    let mut lines = text
        .lines()
        .skip_while(|l| cells(l).first().map(String::as_str) != Some(first_header));
    assert!(lines.next().is_some(), "no table headed {first_header:?}");
    let rows: Vec<Vec<String>> = lines
        .skip(1) // the |---| line
        .take_while(|l| l.starts_with('|'))
        .map(cells)
        .collect();
    assert!(
        !rows.is_empty(),
        "the table headed {first_header:?} is empty"
    );
    rows
}

/// A row's cells, split on the `|`s that are not inside backticks.
fn cells(line: &str) -> Vec<String> {
    if !line.starts_with('|') {
        return vec![];
    }
    let mut cells = vec![];
    let mut cell = String::new();
    let mut in_code = false;
    for c in line.trim().trim_matches('|').chars() {
        match c {
            '`' => {
                in_code = !in_code;
                cell.push(c);
            }
            '|' if !in_code => cells.push(std::mem::take(&mut cell).trim().to_owned()),
            _ => cell.push(c),
        }
    }
    cells.push(cell.trim().to_owned());
    cells
}

/// The text of each backticked span in `cell`.
pub(super) fn code_spans(cell: &str) -> Vec<String> {
    cell.split('`')
        .skip(1)
        .step_by(2)
        .map(str::to_owned)
        .collect()
}

#[test]
fn cells_split_on_bars_outside_code_spans_only() {
    assert_eq!(
        cells("| `a|b` | c |"),
        vec!["`a|b`".to_owned(), "c".to_owned()]
    );
    assert_eq!(code_spans("`x`, `y` or z"), vec!["x", "y"]);
}
