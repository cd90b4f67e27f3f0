#!/usr/bin/env python3
"""Writes docs/PORT.md: the hand-written preamble docs/tools/port_preamble.md, then tables generated
from the comments in port/src/main/java/mmrace/port: one row per class (kernel files, the kernel
commits its comment names), one row per Java method whose comment starts with the kernel function
it ports, and every `model:` note in full.

Run from anywhere: python3 docs/tools/port_table.py [--check]
--check writes nothing and exits 1 if docs/PORT.md differs from what would be generated.
"""
import pathlib
import re
import sys

ROOT = pathlib.Path(__file__).resolve().parents[2]
SRC = ROOT / "port/src/main/java/mmrace/port"
PREAMBLE = ROOT / "docs/tools/port_preamble.md"
OUT = ROOT / "docs/PORT.md"

KERNEL_PATH = r"(?:mm|include|arch|kernel|fs|lib|drivers)/[\w/\-]+\.[ch]"
# A citation of a document that is not in this repository ("SOME_NOTES 4.3", "NOTES.md", "the spec
# 2.6"): a sentence with one is not copied into PORT.md, and the tool says where it was.
OUTSIDE = re.compile(r"\b[A-Z][A-Z_]{4,}\s+(?:section\s+\d+|\d+\.\d+)|\b[A-Z][A-Z_]{2,}\.md\b|\bthe spec\b|\bspec \d")
warnings = []


def javadoc_text(raw):
    """The text of a /** ... */ body: the leading ' * ' of each line removed, nothing else."""
    lines = [re.sub(r"^\s*\*(?: |$)", "", l) for l in raw.split("\n")]
    return "\n".join(lines).strip()


def inline_tags(s):
    """{@link A#b} -> `A.b`, {@link #b} -> `b`, {@code x} / {@value #X} / {@literal x} -> `x`."""
    def link(m):
        target, label = m.group(1), (m.group(2) or "").strip()
        if label:
            return label
        return "`" + target.lstrip("#").replace("#", ".") + "`"
    s = re.sub(r"\{@(?:link|linkplain)\s+([\w.#()]+)(?:\s+([^}]*))?\}", link, s)
    s = re.sub(r"\{@value\s+#?([\w.#]+)\}", lambda m: "`" + m.group(1).replace("#", ".") + "`", s)
    return re.sub(r"\{@(?:code|literal)\s+([^{}]*(?:\{[^{}]*\}[^{}]*)*)\}", lambda m: "`" + m.group(1).strip() + "`", s)


def kernel_words_as_code(s):
    """Outside code spans, kernel identifiers (with an underscore or '->', or a call like foo())
    become code, so that markdown does not read their underscores and stars as emphasis."""
    parts = re.split(r"(`[^`]*`)", s)
    ident = r"(?<![\w`/.>-])((?:->)?[A-Za-z_]\w*(?:(?:->|\.)[A-Za-z_]\w*)*\*?(?:\(\))?)(?![\w`])"

    def code(m):
        w = m.group(1)
        if w is None:
            return "\\*"  # a star outside code is text, not emphasis
        return "`" + w + "`" if ("_" in w or "->" in w or w.endswith("()")) else w.replace("*", "\\*")
    for i in range(0, len(parts), 2):
        parts[i] = re.sub(ident + r"|\*", code, parts[i])
    return "".join(parts)


def render(s, cell):
    """Javadoc text as markdown: inline tags as code, lists as bullets (or '; ' inside a table cell)."""
    s = inline_tags(s)
    s = re.sub(r"</?(?:ul|ol)>", "\n", s)
    s = re.sub(r"\s*<li>\s*", "\n- ", s)
    s = re.sub(r"</li>", "", s)
    s = re.sub(r"</?i>", "*", s)
    s = re.sub(r"</?b>", "**", s)
    s = re.sub(r"<[^>]+>", "", s)
    if cell:
        s = re.sub(r"\s*\n-\s+", "; ", s)
        s = re.sub(r"\s+", " ", s).strip().lstrip("; ")
        return kernel_words_as_code(s).replace("|", "\\|")
    out = []
    for line in s.split("\n"):
        line = line.strip()
        if line.startswith("- "):
            out.append("- " + kernel_words_as_code(line[2:]))
        elif line:
            if out:
                out[-1] += " " + kernel_words_as_code(line)
            else:
                out.append(kernel_words_as_code(line))
    return "\n".join(out)


def sentences(text):
    return re.split(r"(?<=[.;:])\s+(?=[A-Z(<{]|$)", text)


def without_outside_refs(text, where):
    """Drops any sentence that names a document outside this repository, and says so on stderr."""
    kept = []
    for s in sentences(text):
        if OUTSIDE.search(s):
            warnings.append("%s: a comment cites a document outside the repository: %s" % (where, " ".join(s.split())[:120]))
        else:
            kept.append(s)
    return " ".join(kept)


def paragraphs(doc):
    return [p.strip() for p in re.split(r"<p>|\n\s*\n", doc) if p.strip()]


def model_notes(doc, where):
    """The `model:` / `model departures:` notes of a comment, each in full: from `model:` to the end of
    its paragraph, or, where `model:` stands inside a sentence ("one PTE (model: no batching)"), that
    whole sentence."""
    notes = []
    for p in paragraphs(doc):
        m = re.search(r"\bmodel(?: departures(?:, all of them)?)?:\s*", p)
        if not m:
            continue
        before = p[:m.start()]
        if not before.strip() or re.search(r"\.\s*$", before):
            note = p[m.end():]
        else:
            start = max(before.rfind(". "), before.rfind(".\n"))
            start = 0 if start < 0 else start + 2
            end = re.search(r"\.(?:\s|$)", p[m.end():])
            note = p[start:m.end() + (end.end() if end else len(p))]
        notes.append(without_outside_refs(note.strip(), where))
    return [n for n in notes if n]


def first_path(doc):
    m = re.search(KERNEL_PATH, doc)
    return m.group(0) if m else None


classes, rows = [], []
for f in sorted(SRC.glob("*.java")):
    text = f.read_text()
    cls = f.stem
    m = re.search(r"/\*\*(.*?)\*/\s*public (?:final )?(?:abstract )?(?:class|record|enum|interface)", text, re.S)
    head = javadoc_text(m.group(1)) if m else ""
    files = list(dict.fromkeys(re.findall(KERNEL_PATH, head)))
    commits = list(dict.fromkeys(re.findall(r"\b([0-9a-f]{40})\b", head)))
    said_not_reread = bool(re.search(r"not re-read|did not re-read", head))
    # "read as the stored copy", "through an annotated copy", "a 2026 copy of the file": a source with no commit
    copy = bool(re.search(r"(?i)annotated|read as the stored copy|\b\d{4} copy\b|third-party copy", head))
    classes.append(dict(name=cls, files=files, commits=commits, not_reread=said_not_reread, copy=copy,
                        models=model_notes(head, cls)))
    for jm in re.finditer(r"/\*\*((?:(?!\*/).)*?)\*/\s*(?:@\w+\s*)*(?:public |static |private |final |protected )*"
                          r"[\w<>\[\], ?]+\s+(\w+)\(", text, re.S):
        doc = javadoc_text(jm.group(1))
        kf = re.match(r"\{?@?(?:code )?([a-z_][a-z0-9_]*)\s*\(", doc)
        if not kf or ("_" not in kf.group(1) and kf.group(1) != "expand_stack"):
            continue
        where = "%s.%s" % (cls, jm.group(2))
        note = " ".join(model_notes(doc, where))
        own = first_path(doc.split("\n")[0])
        rows.append((kf.group(1), own or (files[0] if files else "-"), where, note))


def commit_cell(c):
    cell = ", ".join("`%s`" % s[:12] for s in c["commits"]) or "none named"
    if c["copy"]:
        cell += "; and a copy with no commit"
    if c["not_reread"]:
        cell += "; the comment says: not re-read"
    return cell


out = [PREAMBLE.read_text().rstrip(), "",
       "## Classes (%d)" % len(classes), "",
       "| Java class | Kernel file(s) | Kernel commits its comment names |", "|---|---|---|"]
for c in classes:
    out.append("| `%s` | %s | %s |" % (c["name"], ", ".join(c["files"]) or "-", commit_cell(c)))
out += ["", "## Functions (%d)" % len(rows), "",
        "| Kernel function | Kernel file | Java | Model note |", "|---|---|---|---|"]
for r in sorted(rows, key=lambda r: (r[1], r[0])):
    out.append("| `%s` | %s | `%s` | %s |" % (r[0], r[1], r[2], render(r[3], cell=True)))
out += ["", "## Where the model departs, class by class", ""]
for c in classes:
    if c["models"]:
        out.append("### `%s`" % c["name"])
        out.append("")
        for n in c["models"]:
            out.append(render(n, cell=False))
            out.append("")
text = "\n".join(out).rstrip() + "\n"

for w in warnings:
    print("warning: " + w, file=sys.stderr)
if "--check" in sys.argv[1:]:
    if OUT.read_text() != text:
        print("docs/PORT.md is not what docs/tools/port_table.py generates; run it", file=sys.stderr)
        sys.exit(1)
    sys.exit(0)
OUT.write_text(text)
print("docs/PORT.md: %d classes, %d functions" % (len(classes), len(rows)))
