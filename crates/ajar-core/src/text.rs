//! What the archive derives from a work's text.

/// Counts words as readers expect: runs of letters or digits separated by whitespace or
/// dashes, where each Chinese, Japanese or Thai character counts as a word of its own
/// (those scripts do not separate words with spaces).
pub fn word_count(text: &str) -> u64 {
    let mut count = 0u64;
    let mut in_word = false;
    for c in text.chars() {
        if is_unspaced_script(c) {
            count += 1;
            in_word = false;
        } else if c.is_alphanumeric() {
            if !in_word {
                count += 1;
                in_word = true;
            }
        } else if c.is_whitespace() || matches!(c, '—' | '–' | '…' | '/') {
            in_word = false;
        }
        // Other punctuation (apostrophes, hyphens, quotes) neither starts nor ends a word,
        // so "don't" and "twenty-four" are one word each.
    }
    count
}

fn is_unspaced_script(c: char) -> bool {
    matches!(c as u32,
        0x3040..=0x30FF      // Hiragana, Katakana
        | 0x3400..=0x4DBF    // CJK Extension A
        | 0x4E00..=0x9FFF    // CJK Unified Ideographs
        | 0xF900..=0xFAFF    // CJK Compatibility Ideographs
        | 0x0E00..=0x0E7F    // Thai
        | 0x20000..=0x2A6DF) // CJK Extension B
}

/// Numbers in words from one to nineteen, in order (chapter headings: "Chapter Seven").
pub const NUMBER_UNITS: [&str; 19] = [
    "one",
    "two",
    "three",
    "four",
    "five",
    "six",
    "seven",
    "eight",
    "nine",
    "ten",
    "eleven",
    "twelve",
    "thirteen",
    "fourteen",
    "fifteen",
    "sixteen",
    "seventeen",
    "eighteen",
    "nineteen",
];

/// The tens in words, from twenty to ninety.
pub const NUMBER_TENS: [&str; 8] = [
    "twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety",
];

/// Reading time in whole minutes at an average adult pace of 230 words a minute; at least 1.
pub fn reading_minutes(words: u64) -> u64 {
    words.div_ceil(230).max(1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_are_counted_like_a_reader_would() {
        assert_eq!(word_count(""), 0);
        assert_eq!(word_count("The past twenty-four hours have gone by."), 7);
        assert_eq!(word_count("\"So… this is it?\""), 4);
        assert_eq!(word_count("I don't — can't."), 3);
        assert_eq!(word_count("  ...  "), 0);
        assert_eq!(word_count("日本語です"), 5);
        assert_eq!(word_count("and/or"), 2);
    }

    #[test]
    fn reading_time_rounds_up() {
        assert_eq!(reading_minutes(0), 1);
        assert_eq!(reading_minutes(2450), 11);
    }
}
