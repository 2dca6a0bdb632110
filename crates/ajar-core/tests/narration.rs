//! The narration analysis against a labelled set of short texts (original data,
//! `tests/fixtures/narration/`, conventions in its README): how often the person is right,
//! overall and for first against third person (the distinction readers filter on most), and
//! what it finds in the archive's founding story. Run with `-- --nocapture` to see the
//! confusion matrix.

#![allow(clippy::unwrap_used)] // a test may panic on what it did not expect

use ajar_core::narration::{analyze, Person};
use proptest::prelude::*;
use std::path::PathBuf;

const PERSONS: [Person; 4] = [Person::First, Person::Second, Person::Third, Person::Mixed];

fn fixtures_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../tests/fixtures/narration")
}

/// Every fixture as (file name, label, text); the label is the second part of
/// `NNN-<label>-<shape>.txt`.
fn fixtures() -> Vec<(String, Person, String)> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(fixtures_dir()).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_none_or(|e| e != "txt") {
            continue;
        }
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        let label = name.split('-').nth(1).unwrap();
        let person =
            Person::from_code(label).unwrap_or_else(|| panic!("{name}: unknown label {label:?}"));
        out.push((name, person, std::fs::read_to_string(&path).unwrap()));
    }
    out.sort_by(|a, b| a.0.cmp(&b.0));
    out
}

fn index(person: Person) -> usize {
    PERSONS.iter().position(|p| *p == person).unwrap()
}

#[test]
fn the_person_is_right_nine_times_in_ten_and_first_against_third_nineteen_in_twenty() {
    let fixtures = fixtures();
    assert!(fixtures.len() >= 72, "only {} fixtures", fixtures.len());
    let mut matrix = [[0u32; 4]; 4];
    let mut misses = Vec::new();
    for (name, label, text) in &fixtures {
        let words = ajar_core::word_count(text);
        assert!(
            (150..=600).contains(&words),
            "{name} has {words} words; fixtures are 150 to 600"
        );
        let found = analyze(text);
        matrix[index(*label)][index(found.person)] += 1;
        if found.person != *label {
            misses.push(format!("{name}: {}", found.person.code()));
        }
    }

    println!("\nlabel \\ found   first  second   third   mixed   accuracy");
    let mut right = 0;
    let mut total = 0;
    for (row, person) in PERSONS.iter().enumerate() {
        let count: u32 = matrix[row].iter().sum();
        right += matrix[row][row];
        total += count;
        println!(
            "{:<14} {:>6} {:>7} {:>7} {:>7}   {:>3}/{:<3} {:.1}%",
            person.code(),
            matrix[row][0],
            matrix[row][1],
            matrix[row][2],
            matrix[row][3],
            matrix[row][row],
            count,
            100.0 * f64::from(matrix[row][row]) / f64::from(count.max(1))
        );
    }
    let accuracy = f64::from(right) / f64::from(total);
    let first_third_right = matrix[0][0] + matrix[2][2];
    let first_third_total: u32 = matrix[0].iter().sum::<u32>() + matrix[2].iter().sum::<u32>();
    let first_third = f64::from(first_third_right) / f64::from(first_third_total);
    println!(
        "overall {right}/{total} = {:.1}%; first or third {first_third_right}/{first_third_total} = {:.1}%",
        100.0 * accuracy,
        100.0 * first_third
    );
    for miss in &misses {
        println!("  missed {miss}");
    }
    assert!(accuracy >= 0.90, "overall accuracy {accuracy:.3} < 0.90");
    assert!(
        first_third >= 0.95,
        "first/third accuracy {first_third:.3} < 0.95"
    );
}

#[test]
fn the_labelled_set_is_balanced() {
    let fixtures = fixtures();
    let count = |person: Person| fixtures.iter().filter(|f| f.1 == person).count();
    assert!(count(Person::First) >= 24);
    assert!(count(Person::Third) >= 24);
    assert!(count(Person::Second) >= 12);
    assert!(count(Person::Mixed) >= 8);
}

/// The story text of a story file: everything after the blank line that ends the header
/// (`Title:` ... `A/N:`).
fn story_text(file: &str) -> &str {
    let an = file.find("\nA/N:").unwrap();
    let end = file[an + 1..].find("\n\n").unwrap() + an + 1;
    file[end..].trim_start()
}

#[test]
fn the_founding_story_is_first_person_about_jess_and_rory() {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../tests/fixtures/stories/all-thats-left.txt");
    let file = std::fs::read_to_string(path).unwrap();
    let text = story_text(&file);
    assert!(text.starts_with("The past twenty-four hours"));
    let found = analyze(text);
    println!(
        "all-thats-left: {} words, {}, dialogue share {:.3}, names {:?}",
        ajar_core::word_count(text),
        found.person.label(),
        found.dialogue_share,
        found.names
    );
    assert_eq!(found.person, Person::First);
    let names: Vec<&str> = found.names.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(&names[..2], ["Jess", "Rory"]);
    assert!(names.contains(&"Luke"), "{names:?}");
    assert!(names.contains(&"Kyle"), "{names:?}");
    // Counted independently: 642 of 2,452 words are inside double quotes.
    assert!((0.25..0.28).contains(&found.dialogue_share));
}

#[test]
fn codes_round_trip() {
    for person in PERSONS {
        assert_eq!(Person::from_code(person.code()), Some(person));
        assert!(person.label().ends_with("person"));
    }
    assert_eq!(Person::from_code("fourth"), None);
    assert_eq!(
        serde_json::to_string(&Person::Second).unwrap(),
        "\"second\""
    );
}

#[test]
fn odd_inputs_get_an_answer() {
    for text in [
        "",
        "\n\n\n",
        "\"",
        "“",
        "\"\"\"\"",
        "'",
        "‘’",
        "*",
        "_a_",
        "🙂🙂🙂 🙂",
        "مرحبا بالعالم. قالت: \"أنا هنا\"",
        "שלום עולם",
        "日本語の「テスト」です。",
        "«Bonjour», dit-il.",
        "[12:01]",
        "[12:01] a:",
        "12:01 pm",
        "<>",
        "a: b\nc: d",
        "I",
    ] {
        let found = analyze(text);
        assert!((0.0..=1.0).contains(&found.dialogue_share), "{text:?}");
    }
    let long_word = "a".repeat(100_000);
    assert_eq!(analyze(&long_word).dialogue_share, 0.0);
    let only_speech = "\"I am here. I think you are there. We are lost.\"";
    let found = analyze(only_speech);
    assert_eq!(found.dialogue_share, 1.0);
    assert_eq!(found.person, Person::First);
    assert_eq!(analyze("").person, Person::Third);
}

#[test]
fn a_bare_chat_log_is_all_dialogue() {
    let log = "[21:02] moth_girl: ok so I did the thing\n\
               [21:03] lanternfish: WHAT thing\n\
               [21:03] moth_girl: I told Dessa I'm not doing it\n\
               [21:04] lanternfish: you did?? I'm so proud of you";
    let found = analyze(log);
    assert_eq!(found.person, Person::First);
    // Speaker labels are words but not speech, as "Jess said" is narration: 33 of 39.
    assert!(
        (0.84..0.85).contains(&found.dialogue_share),
        "{}",
        found.dialogue_share
    );
    assert_eq!(found.names, vec![("Dessa".to_string(), 1)]);
}

#[test]
fn pathological_quotes_stay_fast() {
    // Many openers with no closers, and many possessives: must stay linear.
    let text = " 'a the boys' ".repeat(50_000) + &" *b".repeat(50_000);
    let start = std::time::Instant::now();
    let found = analyze(&text);
    assert!((0.0..=1.0).contains(&found.dialogue_share));
    assert!(start.elapsed().as_secs() < 5, "{:?}", start.elapsed());
}

proptest! {
    #[test]
    fn never_panics_and_the_share_is_a_share(text in any::<String>()) {
        let found = analyze(&text);
        prop_assert!((0.0..=1.0).contains(&found.dialogue_share));
        prop_assert!(found.names.len() <= 12);
    }

    #[test]
    fn never_panics_on_text_made_of_the_tricky_characters(
        text in "[a-zA-Z I'’‘\"“”„«»「」*_:\\[\\]<>0-9.,!?…—\n ]{0,400}"
    ) {
        let found = analyze(&text);
        prop_assert!((0.0..=1.0).contains(&found.dialogue_share));
    }
}
