"""Walks an ajar OPDS 2.0 catalog from its root and checks every feed with The Palace
Project's OPDS 2.0 parser (palace-webpub-manifest-parser): every required property present
and of its type, no document it cannot parse; every publication's acquisition link answers
with the type it promises. Exits 1 with what failed.

Usage: python opds2_check.py BASE_URL [MAX_DOCUMENTS]
"""

import json
import sys
import urllib.request
from collections import deque

from webpub_manifest_parser.opds2 import OPDS2FeedParserFactory

OPDS = "application/opds+json"


def fetch(url):
    with urllib.request.urlopen(url, timeout=30) as response:
        return response.headers.get("Content-Type", ""), response.read()


def links_of(document):
    """Every link of a feed: its own, its navigation, its groups' and publications'."""
    found = list(document.get("links", [])) + list(document.get("navigation", []))
    for group in document.get("groups", []):
        found += group.get("links", []) + group.get("navigation", [])
        for publication in group.get("publications", []):
            found += publication.get("links", [])
    for facet in document.get("facets", []):
        found += facet.get("links", [])
    return found


def authors_links(publication):
    authors = publication.get("metadata", {}).get("author", [])
    if isinstance(authors, (dict, str)):
        authors = [authors]
    return [l for a in authors if isinstance(a, dict) for l in a.get("links", [])]


def publications_of(document):
    found = list(document.get("publications", []))
    for group in document.get("groups", []):
        found += group.get("publications", [])
    return found


def main():
    base = sys.argv[1].rstrip("/")
    limit = int(sys.argv[2]) if len(sys.argv) > 2 else 200
    queue = deque([base + "/opds/v2", base + "/opds/v2/search?query=the"])
    seen, failures, checked, acquired = set(), [], 0, 0
    while queue and checked < limit:
        url = queue.popleft()
        if url in seen:
            continue
        seen.add(url)
        content_type, body = fetch(url)
        if not content_type.startswith(OPDS):
            failures.append(f"{url}: Content-Type {content_type!r}, not {OPDS}")
            continue
        document = json.loads(body)
        try:
            result = OPDS2FeedParserFactory().create().parse_json(document)
            errors = [str(e) for e in result.errors]
        except Exception as e:  # the parser gives up on some malformed documents
            errors = [f"the parser failed: {type(e).__name__}: {e}"]
        failures += [f"{url}: {e}" for e in errors]
        checked += 1
        for link in links_of(document):
            href, kind = link.get("href", ""), link.get("type", "")
            if link.get("templated") or not href.startswith(base):
                continue
            if kind.startswith(OPDS):
                queue.append(href)
        for publication in publications_of(document):
            for link in authors_links(publication):
                if link.get("href", "").startswith(base) and link.get("type", "").startswith(OPDS):
                    queue.append(link["href"])
            for link in publication.get("links", []):
                if "acquisition" not in str(link.get("rel", "")):
                    continue
                got, _ = fetch(link["href"])
                acquired += 1
                if got.split(";")[0] != link.get("type", "").split(";")[0]:
                    failures.append(f"{link['href']}: served as {got!r}, announced as {link.get('type')!r}")
    print(f"OPDS 2.0: {checked} feeds checked, {acquired} acquisition links fetched, {len(failures)} failures")
    for failure in failures:
        print("  " + failure)
    if checked < 3 or acquired == 0:
        print("  too little of the catalog was reached to call it checked")
        return 1
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
