//! The wrangling suggester against a labelled set of tag spellings (original data, nine
//! fandoms, `tests/fixtures/wrangling/`): how often a suggestion is right (precision, which
//! must stay high: wranglers accept suggestions with one click) and how many spellings get
//! the right one (recall, printed).

#![allow(clippy::unwrap_used)] // a test may panic on what it did not expect

use ajar_core::suggest::{CanonicalTag, Suggester};
use ajar_core::{TagId, TagKind};
use std::collections::HashMap;
use std::path::PathBuf;

fn fixture(name: &str) -> csv::Reader<std::fs::File> {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../tests/fixtures/wrangling")
        .join(name);
    csv::Reader::from_path(&path).unwrap()
}

#[test]
fn suggestions_are_right_at_least_nineteen_times_in_twenty() {
    let mut tags = Vec::new();
    let mut fandom_ids: HashMap<String, TagId> = HashMap::new();
    let mut ids: HashMap<(TagKind, String), TagId> = HashMap::new();
    let rows: Vec<csv::StringRecord> = fixture("canonical.csv")
        .records()
        .map(Result::unwrap)
        .collect();
    for (i, row) in rows.iter().enumerate() {
        let id = TagId(i as i64 + 1);
        let kind = TagKind::from_code(&row[1]).unwrap();
        if kind == TagKind::Fandom {
            fandom_ids.insert(row[2].to_owned(), id);
        }
        ids.insert((kind, row[2].to_owned()), id);
    }
    for (i, row) in rows.iter().enumerate() {
        tags.push(CanonicalTag {
            id: TagId(i as i64 + 1),
            kind: TagKind::from_code(&row[1]).unwrap(),
            name: row[2].to_owned(),
            fandoms: fandom_ids.get(&row[0]).copied().into_iter().collect(),
        });
    }
    let names: HashMap<TagId, String> = tags.iter().map(|t| (t.id, t.name.clone())).collect();
    let suggester = Suggester::new(tags);
    let (mut made, mut right, mut labelled, mut wrong) = (0u32, 0u32, 0u32, Vec::new());
    let mut total = 0u32;
    for row in fixture("spellings.csv").records().map(Result::unwrap) {
        total += 1;
        let kind = TagKind::from_code(&row[1]).unwrap();
        let fandom = fandom_ids.get(&row[0]).copied();
        let expected = (!row[3].is_empty()).then(|| ids[&(kind, row[3].to_owned())]);
        labelled += u32::from(expected.is_some());
        if let Some(s) = suggester.suggest(kind, &row[2], fandom) {
            made += 1;
            if Some(s.id) == expected {
                right += 1;
            } else {
                wrong.push(format!(
                    "{:?} in {:?}: suggested {:?}, expected {:?}",
                    &row[2], &row[0], names[&s.id], &row[3]
                ));
            }
        }
    }
    let precision = f64::from(right) / f64::from(made.max(1));
    let recall = f64::from(right) / f64::from(labelled.max(1));
    println!(
        "{total} spellings, {labelled} with a canonical tag: {made} suggestions, {right} right; \
         precision {:.1}%, recall {:.1}%",
        precision * 100.0,
        recall * 100.0
    );
    for w in &wrong {
        println!("wrong: {w}");
    }
    assert!(total >= 200, "the labelled set is too small");
    assert!(
        made >= 150,
        "too few suggestions ({made}): the suggester says almost nothing"
    );
    assert!(precision >= 0.95, "precision {precision:.3}: {wrong:#?}");
}
