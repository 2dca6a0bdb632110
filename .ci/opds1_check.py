"""Walks an ajar OPDS 1.2 catalog from its root and checks every feed: against the RELAX NG
grammar in opds12.rnc (Atom as RFC 4287 defines it, with OPDS 1.2's elements), with Debian's
jing; and by the OPDS 1.2 rules that relate its parts: a feed's self link says whether it is
a navigation or an acquisition feed, and it links to the catalog's start; every entry of an
acquisition feed has an acquisition link with a type, served with that type; every entry of
a navigation feed links to a catalog feed; a facet link names its group. The search is
walked through the OpenSearch description's template. A copy of a feed without its id must
be refused by jing, so the check is known to be able to fail. Exits 1 with what failed.

Usage: python3 opds1_check.py BASE_URL SCHEMA.rnc [MAX_FEEDS]
"""

import os
import subprocess
import sys
import tempfile
import urllib.parse
import urllib.request
import xml.etree.ElementTree as ET
from collections import deque

ATOM = "{http://www.w3.org/2005/Atom}"
OPDS = "{http://opds-spec.org/2010/catalog}"
OPENSEARCH = "{http://a9.com/-/spec/opensearch/1.1/}"
CATALOG = "application/atom+xml;profile=opds-catalog"
NAVIGATION = CATALOG + ";kind=navigation"
ACQUISITION = CATALOG + ";kind=acquisition"
ACQUIRE = "http://opds-spec.org/acquisition"
FACET = "http://opds-spec.org/facet"


def fetch(url):
    with urllib.request.urlopen(url, timeout=30) as response:
        return response.headers.get("Content-Type", ""), response.read()


def bare(media_type):
    """A media type without spaces, for comparing `a; b=c` with `a;b=c`."""
    return media_type.replace(" ", "")


def links(element):
    return element.findall(ATOM + "link")


def check_feed(url, feed, failures, acquisitions):
    """The OPDS rules a grammar cannot say; returns the catalog feeds it links to."""
    selves = [l for l in links(feed) if l.get("rel") == "self"]
    kinds = [bare(l.get("type", "")) for l in selves]
    if len(selves) != 1 or kinds[0] not in (NAVIGATION, ACQUISITION):
        failures.append(f"{url}: wants one self link typed as a navigation or acquisition feed, has {kinds}")
        return []
    if not any(l.get("rel") == "start" and bare(l.get("type", "")).startswith(CATALOG) for l in links(feed)):
        failures.append(f"{url}: no start link to the catalog's root")
    acquisition = kinds[0] == ACQUISITION
    for entry in feed.findall(ATOM + "entry"):
        title = entry.findtext(ATOM + "title")
        entry_links = links(entry)
        if acquisition:
            acquire = [l for l in entry_links if l.get("rel", "").startswith(ACQUIRE)]
            if not acquire:
                failures.append(f"{url}: entry {title!r} has no acquisition link")
            for link in acquire:
                if not link.get("type"):
                    failures.append(f"{url}: entry {title!r}: an acquisition link without a type")
                else:
                    acquisitions[link.get("href")] = link.get("type")
        elif not any(bare(l.get("type", "")).startswith(CATALOG) for l in entry_links):
            failures.append(f"{url}: navigation entry {title!r} links to no catalog feed")
    for link in links(feed):
        if link.get("rel") == FACET and not link.get(OPDS + "facetGroup"):
            failures.append(f"{url}: facet link {link.get('title')!r} names no group")
    every = links(feed) + [l for e in feed.findall(ATOM + "entry") for l in links(e)]
    return [l.get("href") for l in every if bare(l.get("type", "")).startswith(CATALOG)]


def search_url(base, failures):
    """The OpenSearch description's template, filled in with a word."""
    content_type, body = fetch(base + "/opds/search.xml")
    if not content_type.startswith("application/opensearchdescription+xml"):
        failures.append(f"/opds/search.xml: Content-Type {content_type!r}")
    for url in ET.fromstring(body).findall(OPENSEARCH + "Url"):
        if bare(url.get("type", "")).startswith(CATALOG):
            return url.get("template").replace("{searchTerms}", "the")
    failures.append("/opds/search.xml: no template for an OPDS catalog")
    return None


def jing(schema, files):
    run = subprocess.run(["jing", "-c", schema, *files], capture_output=True, text=True)
    errors = [l for l in (run.stdout + run.stderr).splitlines() if l and not l.startswith("[warning]")]
    return run.returncode, errors


def main():
    base, schema = sys.argv[1].rstrip("/"), sys.argv[2]
    limit = int(sys.argv[3]) if len(sys.argv) > 3 else 200
    failures, acquisitions, saved = [], {}, {}
    queue = deque([base + "/opds", search_url(base, failures)])
    seen = set()
    folder = tempfile.mkdtemp(prefix="opds12-")
    while queue and len(saved) < limit:
        url = queue.popleft()
        if url is None or url in seen or not url.startswith(base):
            continue
        seen.add(url)
        content_type, body = fetch(url)
        if not bare(content_type).startswith(CATALOG):
            failures.append(f"{url}: Content-Type {content_type!r}, not an OPDS catalog")
            continue
        path = os.path.join(folder, f"feed{len(saved)}.xml")
        with open(path, "wb") as f:
            f.write(body)
        saved[path] = url
        for href in check_feed(url, ET.fromstring(body), failures, acquisitions):
            queue.append(urllib.parse.urljoin(url, href))
    code, errors = jing(schema, list(saved))
    for error in errors:
        path = error.split(":", 1)[0]
        failures.append(f"{saved.get(path, path)}: {error}")
    if code != 0 and not errors:
        failures.append(f"jing exited {code} without saying why")
    for href, announced in acquisitions.items():
        content_type, _ = fetch(urllib.parse.urljoin(base + "/", href))
        if bare(content_type).split(";")[0] != bare(announced).split(";")[0]:
            failures.append(f"{href}: served as {content_type!r}, announced as {announced!r}")
    # The grammar must be able to refuse: the root feed without its id.
    first = next(iter(saved))
    root = ET.parse(first).getroot()
    root.remove(root.find(ATOM + "id"))
    broken = os.path.join(folder, "without-id.xml")
    ET.ElementTree(root).write(broken, xml_declaration=True, encoding="utf-8")
    if jing(schema, [broken])[0] == 0:
        failures.append("jing accepted a feed without its id: the grammar checks nothing")
    print(f"OPDS 1.2: {len(saved)} feeds, {len(acquisitions)} acquisition links, {len(failures)} failures")
    for failure in failures:
        print("  " + failure)
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
