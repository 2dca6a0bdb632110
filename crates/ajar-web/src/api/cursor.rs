//! Cursors of the API's lists. A list answer gives `next_cursor`, an opaque string, when
//! there may be more; the next page is asked for with `cursor=` and that string. A cursor
//! holds the sort key of the last item shown (a keyset): items added or removed meanwhile
//! neither repeat nor go missing, and a deep page costs what the first does. Clients must
//! not build or take apart cursors; their form may change.

use crate::Error;
use ajar_store::PageStart;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;

/// What every cursor starts with: a version, so an old one is told apart from a forged one.
const VERSION: &str = "c1";

/// A cursor holding these numbers.
pub(crate) fn encode(key: &[i64]) -> String {
    URL_SAFE_NO_PAD.encode(numbers(key))
}

fn numbers(key: &[i64]) -> String {
    let mut text = VERSION.to_owned();
    for n in key {
        text.push('.');
        text.push_str(&n.to_string());
    }
    text
}

/// A cursor holding these numbers and, after them, a name (for lists in name order).
pub(crate) fn encode_named(key: &[i64], name: &str) -> String {
    URL_SAFE_NO_PAD.encode(format!("{}.{name}", numbers(key)))
}

/// The `N` numbers and the name of a cursor [`encode_named`] gave; anything else is a 400.
pub(crate) fn decode_named<const N: usize>(sent: &str) -> Result<([i64; N], String), Error> {
    match open::<N>(sent)? {
        (key, Some(name)) => Ok((key, name)),
        (_, None) => Err(refused()),
    }
}

/// A cursor's `N` numbers and what follows them (the numbers hold no dot; a name, last,
/// may).
fn open<const N: usize>(sent: &str) -> Result<([i64; N], Option<String>), Error> {
    let bytes = URL_SAFE_NO_PAD.decode(sent.trim()).map_err(|_| refused())?;
    let text = String::from_utf8(bytes).map_err(|_| refused())?;
    let mut parts = text.splitn(N + 2, '.');
    if parts.next() != Some(VERSION) {
        return Err(refused());
    }
    let mut key = [0i64; N];
    for slot in &mut key {
        *slot = parts
            .next()
            .and_then(|p| p.parse().ok())
            .ok_or_else(refused)?;
    }
    Ok((key, parts.next().map(str::to_owned)))
}

fn refused() -> Error {
    Error::BadRequest(
        "cursor: not one this API gave (send `next_cursor` from the page before as it came)."
            .to_owned(),
    )
}

/// The `N` numbers of a cursor this API gave; anything else is a 400 that says so.
pub(crate) fn decode<const N: usize>(sent: &str) -> Result<[i64; N], Error> {
    match open::<N>(sent)? {
        (key, None) => Ok(key),
        (_, Some(_)) => Err(refused()),
    }
}

/// Where a page of a list starts: `page=` (from 1; the first page when neither is sent) or
/// `cursor=`, not both. A cursor's two numbers become a sort key with `key` (`None`: not
/// one this API gave).
pub(crate) fn page_start<K>(
    page: Option<u64>,
    cursor: Option<&str>,
    per_page: u32,
    key: impl FnOnce([i64; 2]) -> Option<K>,
) -> Result<PageStart<K>, Error> {
    match (page, cursor) {
        (Some(_), Some(_)) => Err(Error::BadRequest(
            "Send `page` or `cursor`, not both.".to_owned(),
        )),
        (None, Some(cursor)) => key(decode::<2>(cursor)?)
            .map(PageStart::After)
            .ok_or_else(|| Error::BadRequest("cursor: not one this API gave.".to_owned())),
        (page, None) => Ok(PageStart::Offset(
            page.unwrap_or(1)
                .saturating_sub(1)
                .saturating_mul(u64::from(per_page)),
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursors_come_back_as_given_and_nothing_else_is_taken() {
        let cursor = encode(&[1_733_500_000_123_456, 42]);
        assert_eq!(decode::<2>(&cursor).unwrap(), [1_733_500_000_123_456, 42]);
        assert_eq!(decode::<2>(&encode(&[-3, 0])).unwrap(), [-3, 0]);
        for bad in ["", "abc", &encode(&[1]), &encode(&[1, 2, 3]), "Yzk", "%%%"] {
            assert!(
                matches!(decode::<2>(bad), Err(Error::BadRequest(_))),
                "{bad:?}"
            );
        }
    }

    #[test]
    fn a_named_cursor_keeps_a_name_with_dots_and_refuses_a_bare_one() {
        let cursor = encode_named(&[3, 17], "Mr. & Mrs. Smith (2005)");
        let (key, name) = decode_named::<2>(&cursor).unwrap();
        assert_eq!((key, name.as_str()), ([3, 17], "Mr. & Mrs. Smith (2005)"));
        for bad in [encode(&[3, 17]), encode(&[3]), "%%%".to_owned()] {
            assert!(decode_named::<2>(&bad).is_err(), "{bad:?}");
        }
    }
}
