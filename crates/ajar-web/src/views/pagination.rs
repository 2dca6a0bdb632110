//! Numbered page links for listings (`?page=N`), as a `<nav>` that works without script.

/// Where a listing is among its pages, and the links to the others.
pub(crate) struct Pagination {
    pub(crate) current: u64,
    pub(crate) total: u64,
    pub(crate) previous: Option<String>,
    pub(crate) next: Option<String>,
    /// Page links around the current one; `None` is a gap ("…").
    pub(crate) links: Vec<Option<PageLink>>,
}

pub(crate) struct PageLink {
    pub(crate) number: u64,
    pub(crate) href: String,
    pub(crate) current: bool,
}

impl Pagination {
    /// Pages of `per_page` items over `items`, linking to `path?page=N` (page 1 is `path`).
    pub(crate) fn new(path: &str, current: u64, items: u64, per_page: u64) -> Pagination {
        Pagination::linking(current, items, per_page, |n| {
            if n == 1 {
                path.to_owned()
            } else {
                format!("{path}?page={n}")
            }
        })
    }

    /// Pages of `per_page` items over `items`, linking to what `href` makes of a number.
    pub(crate) fn linking(
        current: u64,
        items: u64,
        per_page: u64,
        href: impl Fn(u64) -> String,
    ) -> Pagination {
        let total = items.div_ceil(per_page.max(1)).max(1);
        let mut links = Vec::new();
        let mut last_shown = 0;
        for n in 1..=total {
            let near = n.abs_diff(current) <= 2;
            if n == 1 || n == total || near {
                if n > last_shown + 1 {
                    links.push(None);
                }
                links.push(Some(PageLink {
                    number: n,
                    href: href(n),
                    current: n == current,
                }));
                last_shown = n;
            }
        }
        Pagination {
            current,
            total,
            previous: (current > 1).then(|| href(current - 1)),
            next: (current < total).then(|| href(current + 1)),
            links,
        }
    }

    pub(crate) fn is_needed(&self) -> bool {
        self.total > 1
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn numbers(p: &Pagination) -> Vec<Option<u64>> {
        p.links
            .iter()
            .map(|l| l.as_ref().map(|l| l.number))
            .collect()
    }

    #[test]
    fn one_page_needs_no_bar() {
        let p = Pagination::new("/", 1, 5, 20);
        assert!(!p.is_needed());
        assert_eq!((p.previous, p.next), (None, None));
    }

    #[test]
    fn long_listings_show_a_window_with_gaps() {
        let p = Pagination::new("/", 10, 400, 20);
        assert_eq!(p.total, 20);
        assert_eq!(
            numbers(&p),
            [
                Some(1),
                None,
                Some(8),
                Some(9),
                Some(10),
                Some(11),
                Some(12),
                None,
                Some(20)
            ]
        );
        assert_eq!(p.previous.as_deref(), Some("/?page=9"));
        assert_eq!(p.next.as_deref(), Some("/?page=11"));
        let p = Pagination::new("/", 2, 41, 20);
        assert_eq!(p.previous.as_deref(), Some("/"));
        assert_eq!(numbers(&p), [Some(1), Some(2), Some(3)]);
    }
}
