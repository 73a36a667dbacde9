//! Spreadsheet-safe CSV (`--csv-safe`): a cell a spreadsheet would read as a formula (it starts
//! with `=`, `+`, `-`, `@`, a tab or a carriage return, OWASP's list) gets a leading `'`, so an
//! answer that says `=HYPERLINK(…)` is shown as text. Off by default: it changes the data.

use std::borrow::Cow;
use std::io;

/// The first characters a spreadsheet treats as the start of a formula.
const TRIGGERS: [char; 6] = ['=', '+', '-', '@', '\t', '\r'];

/// One cell made safe to open in a spreadsheet.
pub fn cell(s: &str) -> Cow<'_, str> {
    if s.starts_with(TRIGGERS) {
        Cow::Owned(format!("'{s}"))
    } else {
        Cow::Borrowed(s)
    }
}

/// A cell as it was before [`cell`]: a file written with `--csv-safe` reads back as written.
pub fn undo(s: &str) -> &str {
    match s.strip_prefix('\'') {
        Some(rest) if rest.starts_with(TRIGGERS) => rest,
        _ => s,
    }
}

/// CSV text (whole records) with every cell made safe: the same records, quoted the same way.
pub fn defuse(csv: &[u8]) -> io::Result<Vec<u8>> {
    let mut reader = ::csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(csv);
    let mut out = ::csv::WriterBuilder::new()
        .flexible(true)
        .from_writer(Vec::with_capacity(csv.len() + 8));
    for rec in reader.records() {
        let rec = rec.map_err(io::Error::other)?;
        out.write_record(rec.iter().map(|c| cell(c).into_owned()))
            .map_err(io::Error::other)?;
    }
    out.into_inner()
        .map_err(|e| io::Error::other(e.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formula_cells_get_a_quote_and_read_back_as_written() {
        let text = "model,output\r\nm,\"=HYPERLINK(\"\"http://x\"\",\"\"y\"\")\"\nm,-1\nm,@SUM(A1)\nm,plain\nm,\"\tx\"\nm,'=kept\n";
        let safe = String::from_utf8(defuse(text.as_bytes()).unwrap()).unwrap();
        let mut r = ::csv::ReaderBuilder::new()
            .has_headers(false)
            .from_reader(safe.as_bytes());
        let cells: Vec<String> = r.records().map(|rec| rec.unwrap()[1].to_string()).collect();
        assert_eq!(
            cells,
            [
                "output",
                "'=HYPERLINK(\"http://x\",\"y\")",
                "'-1",
                "'@SUM(A1)",
                "plain",
                "'\tx",
                "'=kept"
            ]
        );
        assert_eq!(undo("'-1"), "-1");
        assert_eq!(undo("'plain"), "'plain");
        assert_eq!(undo(&cell("+1")), "+1");
    }
}
