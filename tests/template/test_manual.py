"""The manual's links: every page under docs/ is reachable from the index (docs/README.md), and
every relative link in the README, docs/ and the crates' READMEs names a file that exists and,
with a #fragment, a heading on that page (GitHub's anchor for it). A page renamed or a heading
reworded without its links following fails here."""

import re
import unittest
from pathlib import Path

from test_template import ROOT

DOCS = ROOT / "docs"
LINK = re.compile(r"\]\(([^)\s]+)\)")
FENCE = re.compile(r"^```.*?^```", re.S | re.M)


def pages():
    return [ROOT / "README.md", *sorted(DOCS.rglob("*.md")), *sorted((ROOT / "crates").glob("*/README.md"))]


def links(page):
    text = FENCE.sub("", page.read_text())
    return [m.group(1) for m in LINK.finditer(text)]


def anchor(heading):
    """GitHub's anchor for a heading: lower case, punctuation dropped, spaces to hyphens."""
    text = re.sub(r"[`*_]", "", heading.strip().lower())
    text = re.sub(r"[^\w\- ]", "", text)
    return text.replace(" ", "-")


def anchors(page):
    text = FENCE.sub("", page.read_text())
    return {anchor(m.group(1)) for m in re.finditer(r"^#{1,6} (.+)$", text, re.M)}


class ManualLinksTest(unittest.TestCase):
    def test_every_page_under_docs_is_linked_from_the_index(self):
        index = DOCS / "README.md"
        linked = {(index.parent / l.split("#")[0]).resolve() for l in links(index) if not l.startswith("http")}
        for page in DOCS.rglob("*.md"):
            if page != index:
                self.assertTrue(page.resolve() in linked, f"docs/README.md does not link {page.relative_to(ROOT)}")

    def test_every_relative_link_names_an_existing_file_and_heading(self):
        checked = 0
        for page in pages():
            for link in links(page):
                if re.match(r"^[a-z]+:", link):
                    continue
                path, _, fragment = link.partition("#")
                target = (page.parent / path).resolve() if path else page
                where = f"{page.relative_to(ROOT)}: {link}"
                self.assertTrue(target.exists(), f"{where}: no such file")
                if fragment and target.suffix == ".md":
                    self.assertIn(fragment, anchors(target), f"{where}: no such heading")
                checked += 1
        self.assertGreater(checked, 50)

    def test_the_anchor_rule_matches_github_on_known_headings(self):
        self.assertEqual(anchor("Callers and integrations"), "callers-and-integrations")
        self.assertEqual(anchor("`sam local` in Docker"), "sam-local-in-docker")
        self.assertEqual(anchor("Users' bearer tokens"), "users-bearer-tokens")


if __name__ == "__main__":
    unittest.main()
