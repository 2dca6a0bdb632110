//! Canon timelines from CSV files (`ajar canon import FILE.csv`): one entry per line, in one
//! of three shapes by header — `fandom,season,episode,title` (TV), `fandom,book,chapter,title`
//! (books), `fandom,order,title` (films, games, anything ordered) — with an optional date
//! column (`date`, `air_date`, `aired` or `published`, as YYYY-MM-DD). A file is read whole
//! or refused with the line that is wrong; nothing of a refused file is stored.

use ajar_core::TagName;
use chrono::NaiveDate;

/// The most entries one file may hold.
pub const MAX_ENTRIES: usize = 100_000;

/// One canon entry as a file gives it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CanonRow {
    pub fandom: TagName,
    /// Season (or book) and episode (or chapter), for the first two shapes.
    pub season: Option<u32>,
    pub number: Option<u32>,
    /// The entry's place in its fandom's timeline, from 1.
    pub position: u32,
    pub title: String,
    pub date: Option<NaiveDate>,
}

/// Why a file was refused: the line (1 is the header) and what is wrong there.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("line {line}: {message}")]
pub struct CanonCsvError {
    pub line: u64,
    pub message: String,
}

fn refuse<T>(line: u64, message: impl Into<String>) -> Result<T, CanonCsvError> {
    Err(CanonCsvError {
        line,
        message: message.into(),
    })
}

/// Which column holds what.
struct Columns {
    fandom: usize,
    /// (season, episode) or (book, chapter).
    pair: Option<(usize, usize)>,
    order: Option<usize>,
    title: usize,
    date: Option<usize>,
}

fn columns(header: &csv::StringRecord) -> Result<Columns, CanonCsvError> {
    let names: Vec<String> = header.iter().map(|h| h.trim().to_lowercase()).collect();
    let find = |wanted: &[&str]| names.iter().position(|n| wanted.contains(&n.as_str()));
    for n in &names {
        let known = [
            "fandom",
            "season",
            "episode",
            "book",
            "chapter",
            "order",
            "title",
            "date",
            "air_date",
            "aired",
            "published",
        ];
        if !known.contains(&n.as_str()) {
            return refuse(
                1,
                format!(
                    "unknown column \"{n}\"; the columns are fandom, season, episode, title \
                     (or book, chapter; or order) and an optional date"
                ),
            );
        }
    }
    let (Some(fandom), Some(title)) = (find(&["fandom"]), find(&["title"])) else {
        return refuse(1, "the header needs a fandom and a title column");
    };
    let pair = match (
        find(&["season"]),
        find(&["episode"]),
        find(&["book"]),
        find(&["chapter"]),
    ) {
        (Some(s), Some(e), None, None) | (None, None, Some(s), Some(e)) => Some((s, e)),
        (None, None, None, None) => None,
        _ => {
            return refuse(
                1,
                "use season and episode, or book and chapter, or order: not a mix",
            )
        }
    };
    let order = find(&["order"]);
    if pair.is_some() == order.is_some() {
        return refuse(
            1,
            "say where each entry goes: season and episode, book and chapter, or order",
        );
    }
    Ok(Columns {
        fandom,
        pair,
        order,
        title,
        date: find(&["date", "air_date", "aired", "published"]),
    })
}

fn number(value: &str, what: &str, line: u64) -> Result<u32, CanonCsvError> {
    match value.trim().parse::<u32>() {
        Ok(n) if n > 0 => Ok(n),
        _ => refuse(
            line,
            format!("the {what} \"{value}\" is not a whole number from 1"),
        ),
    }
}

/// Writes entries as a timeline file [`read_canon_csv`] reads back the same: `fandom,season,
/// episode,title,date` when every entry has a season and an episode, else
/// `fandom,order,title,date` (the order being each entry's position).
pub fn write_canon_csv(rows: &[CanonRow]) -> String {
    let paired = !rows.is_empty()
        && rows
            .iter()
            .all(|r| r.season.is_some() && r.number.is_some());
    let mut out = csv::Writer::from_writer(Vec::new());
    let header: &[&str] = if paired {
        &["fandom", "season", "episode", "title", "date"]
    } else {
        &["fandom", "order", "title", "date"]
    };
    // Writing to memory cannot fail; a record that did would only be left out.
    let _ = out.write_record(header);
    for r in rows {
        let date = r.date.map(|d| d.to_string()).unwrap_or_default();
        let _ = if paired {
            out.write_record([
                r.fandom.as_str(),
                &r.season.unwrap_or(0).to_string(),
                &r.number.unwrap_or(0).to_string(),
                &r.title,
                &date,
            ])
        } else {
            out.write_record([r.fandom.as_str(), &r.position.to_string(), &r.title, &date])
        };
    }
    String::from_utf8(out.into_inner().unwrap_or_default()).unwrap_or_default()
}

/// Reads a timeline file: its entries, each fandom's in timeline order (by season and
/// episode, or by order), positions numbered from 1 per fandom.
pub fn read_canon_csv(bytes: &[u8]) -> Result<Vec<CanonRow>, CanonCsvError> {
    let text = std::str::from_utf8(bytes)
        .map_err(|e| CanonCsvError {
            line: 1 + bytes[..e.valid_up_to()]
                .iter()
                .filter(|b| **b == b'\n')
                .count() as u64,
            message: "the file is not UTF-8 text".to_owned(),
        })?
        .trim_start_matches('\u{feff}');
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(true)
        .flexible(false)
        .from_reader(text.as_bytes());
    let header = reader
        .headers()
        .map_err(|e| CanonCsvError {
            line: 1,
            message: format!("the header cannot be read: {e}"),
        })?
        .clone();
    let cols = columns(&header)?;
    // (fandom key, sort key) → the line that gave it, to refuse a second one.
    let mut seen: std::collections::HashMap<(String, (u32, u32)), u64> =
        std::collections::HashMap::new();
    let mut rows: Vec<((u32, u32), CanonRow)> = Vec::new();
    for record in reader.records() {
        let record = record.map_err(|e| CanonCsvError {
            line: e.position().map_or(0, |p| p.line()),
            message: match e.kind() {
                csv::ErrorKind::UnequalLengths {
                    expected_len, len, ..
                } => {
                    format!("{len} fields where the header has {expected_len}")
                }
                _ => e.to_string(),
            },
        })?;
        let line = record.position().map_or(0, |p| p.line());
        if rows.len() >= MAX_ENTRIES {
            return refuse(line, format!("more than {MAX_ENTRIES} entries in one file"));
        }
        let field = |i: usize| record.get(i).unwrap_or("").trim();
        let fandom = TagName::parse(field(cols.fandom))
            .or_else(|e| refuse(line, format!("the fandom cannot be used: {e}")))?;
        let title = field(cols.title);
        if title.is_empty() {
            return refuse(line, "the title is empty");
        }
        if title.chars().count() > 500 {
            return refuse(line, "the title is longer than 500 characters");
        }
        let (season, num, key) = match (cols.pair, cols.order) {
            (Some((s, e)), _) => {
                let s = number(field(s), header.get(s).unwrap_or("season"), line)?;
                let e = number(field(e), header.get(e).unwrap_or("episode"), line)?;
                (Some(s), Some(e), (s, e))
            }
            (None, Some(o)) => (None, None, (number(field(o), "order", line)?, 0)),
            (None, None) => return refuse(1, "no order columns"),
        };
        let date = match cols.date.map(field).filter(|d| !d.is_empty()) {
            Some(d) => Some(NaiveDate::parse_from_str(d, "%Y-%m-%d").or_else(|_| {
                refuse(
                    line,
                    format!("the date \"{d}\" is not a date like 2004-02-03"),
                )
            })?),
            None => None,
        };
        let fandom_key = fandom.as_str().to_lowercase();
        if let Some(first) = seen.insert((fandom_key, key), line) {
            return refuse(
                line,
                format!(
                    "{} is already on line {first} for {fandom}",
                    place(season, num, key)
                ),
            );
        }
        rows.push((
            key,
            CanonRow {
                fandom,
                season,
                number: num,
                position: 0,
                title: title.to_owned(),
                date,
            },
        ));
    }
    if rows.is_empty() {
        return refuse(2, "the file has no entries");
    }
    rows.sort_by(|a, b| {
        (a.1.fandom.as_str().to_lowercase(), a.0).cmp(&(b.1.fandom.as_str().to_lowercase(), b.0))
    });
    let mut out: Vec<CanonRow> = Vec::with_capacity(rows.len());
    for (_, mut row) in rows {
        let same = out
            .last()
            .is_some_and(|p| p.fandom.as_str().eq_ignore_ascii_case(row.fandom.as_str()));
        row.position = if same {
            out.last().map_or(1, |p| p.position + 1)
        } else {
            1
        };
        out.push(row);
    }
    Ok(out)
}

fn place(season: Option<u32>, number: Option<u32>, key: (u32, u32)) -> String {
    match (season, number) {
        (Some(s), Some(e)) => format!("{s}×{e}"),
        _ => format!("order {}", key.0),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_three_shapes_are_read_in_timeline_order() {
        let tv = read_canon_csv(
            b"fandom,season,episode,title\nGilmore Girls,4,13,\"Nag Hammadi Is Where They Found the Gnostic Gospels\"\nGilmore Girls,4,1,Ballrooms and Biscotti\n",
        )
        .unwrap();
        assert_eq!(tv.len(), 2);
        assert_eq!(
            (tv[0].season, tv[0].number, tv[0].position),
            (Some(4), Some(1), 1)
        );
        assert_eq!(
            tv[1].title,
            "Nag Hammadi Is Where They Found the Gnostic Gospels"
        );
        assert_eq!(tv[1].position, 2);
        let books = read_canon_csv(
            "\u{feff}Fandom,Book,Chapter,Title,Published\nLes Misérables,1,1,M. Myriel,1862-01-01\n"
                .as_bytes(),
        )
        .unwrap();
        assert_eq!(books[0].date, NaiveDate::from_ymd_opt(1862, 1, 1));
        let films =
            read_canon_csv(b"fandom,order,title\nStar Wars,2,Empire\nStar Wars,1,Hope\n").unwrap();
        assert_eq!(films[0].title, "Hope");
        assert_eq!(films[1].position, 2);
    }

    #[test]
    fn a_malformed_file_is_refused_with_its_line() {
        let refused = |text: &str| read_canon_csv(text.as_bytes()).unwrap_err();
        assert_eq!(refused("fandom,season,episode,title\nGG,4,x,T\n").line, 2);
        assert!(refused("fandom,season,episode,title\nGG,4,1,T\nGG,4,1,U\n")
            .to_string()
            .starts_with("line 3: 4×1 is already on line 2"));
        assert_eq!(
            refused("fandom,season,episode,title\nGG,4,1,T\nGG,4,2\n").line,
            3
        );
        assert_eq!(refused("fandom,season,title\nGG,4,T\n").line, 1);
        assert_eq!(refused("fandom,order,title,rating\nGG,1,T,5\n").line, 1);
        assert_eq!(refused("fandom,order,title\n").line, 2);
        assert_eq!(refused("fandom,order,title\nGG,1,\n").line, 2);
        assert_eq!(
            refused("fandom,order,title,date\nGG,1,T,yesterday\n").line,
            2
        );
        assert_eq!(refused("fandom,order,title\n,1,T\n").line, 2);
        assert!(read_canon_csv(b"\xff\xfe").is_err());
    }

    #[test]
    fn written_timelines_read_back_the_same() {
        let text =
            "fandom,season,episode,title,date\nGilmore Girls,4,12,A Family Matter,2004-02-03\n\
                    Gilmore Girls,4,13,\"Nag Hammadi, Where They Found It\",\n";
        let rows = read_canon_csv(text.as_bytes()).unwrap();
        assert_eq!(
            read_canon_csv(write_canon_csv(&rows).as_bytes()).unwrap(),
            rows
        );
        let films =
            read_canon_csv(b"fandom,order,title\nStar Wars,1,A New Hope\nStar Wars,2,Empire\n")
                .unwrap();
        let written = write_canon_csv(&films);
        assert!(
            written.starts_with("fandom,order,title,date\n"),
            "{written}"
        );
        assert_eq!(read_canon_csv(written.as_bytes()).unwrap(), films);
    }
}
