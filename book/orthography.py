"""Korean orthography check: a particle or the copula written after a space.

한글 맞춤법 제41항: 조사는 앞말에 붙여 쓴다 ("셀 상태는", "PyTorch와", "**출력 게이트**는",
"$h_t$는", "값입니다"). This module finds every particle (and every form of the copula 이다)
that is separated from the word before it by a space, in every Korean source of the book:
Markdown pages (prose, headings, tables), notebooks (Markdown cells, and comments and
strings of code cells), Python string literals and comments (diagram and plot labels),
YAML (glossary, mkdocs.yml titles and site_description) and templates.

Particles are found by Kiwi, a Korean morphological analyser (kiwipiepy), not by a word
list: "이" is a particle in "값 이 크다" and a determiner in "이 값". To keep false alarms
out, a hit also needs a noun-like word (or math, code, a symbol, a closing bracket) right
before the space, and the rest of its word must be particles and endings only.

Only prose is read, and only the space before a particle is ever removed: code blocks,
inline code, math ($...$), URLs, ``::directives``, attribute lists ({ #id }), HTML tags and
Python code are masked out, and a space inside a glossary term ("망각 게이트") is kept.
So `--fix` is safe to run again at any time; a second run changes nothing.

    python -m book.orthography [--fix] [paths...]   (default: the whole repository)

A line containing ``orthography: ignore`` is skipped (for planted faults in tests).
"""

import argparse
import functools
import io
import json
import os
import re
import sys
import tokenize
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SUFFIXES = {".md", ".ipynb", ".py", ".yml", ".yaml", ".html"}
SKIP_DIRS = {"node_modules", "site", "test-artifacts", "__pycache__"}
IGNORE = "orthography: ignore"
OWN_FILES = {"book/orthography.py", "tests/test_orthography.py"}  # they quote faults on purpose
HANGUL = re.compile(r"[\uac00-\ud7a3]")

# Kiwi tags (Sejong): J* particles, VCP the copula 이다, E* endings, S* symbols.
PARTICLE = re.compile(r"^(J|VCP$)")
WORD_BEFORE = re.compile(r"^(NN|NR|NP|SL|SN|SH|XSN|XR|ETN|EC|SSC|SW|SO|SE)")  # what a particle follows
NON_HANGUL_WORD = re.compile(r"^(SL|SN|SH|SW|SO|SSC)")  # Latin, digits, symbols, a closing bracket
# Words that read as a particle when glued to "X" but begin a phrase here: "σ 두 개", "h 세 개".
DETERMINERS = {"한", "두", "세", "네", "다섯", "여섯", "열", "몇", "여러", "그", "저", "새", "각", "온"}
REST_OF_WORD = re.compile(r"^(J|VCP$|E|S[FPSEOW])")  # particles, endings, punctuation


@dataclass(frozen=True)
class Finding:
    path: Path
    line: int          # 1-based line in the file (in a notebook: in the cell's source)
    cell: int | None   # notebook cell index, else None
    start: int         # offset of the space(s) to remove, in the unit's text
    end: int
    before: str        # the line as written
    after: str         # the line as fixed

    def where(self):
        rel = _rel(self.path)
        return f"{rel}:{self.line}" if self.cell is None else f"{rel}: cell {self.cell}, line {self.line}"

    def __str__(self):
        return f"{self.where()}: particle after a space\n    {self.before.strip()}\n  → {self.after.strip()}"


def _rel(path):
    try:
        return path.resolve().relative_to(ROOT).as_posix()
    except ValueError:
        return str(path)


# ---------------------------------------------------------------- prose extraction
# Each extractor turns a text into (clean, index): clean is the prose Kiwi reads, index[j]
# the offset in the text of clean[j], or -1 for a placeholder that stands for masked
# content (math, code), which reads as a word ("X") so "$h_t$ 는" is seen as "X 는".

class _Prose:
    def __init__(self):
        self.chars, self.index = [], []

    def keep(self, text, offset):
        self.chars.extend(text)
        self.index.extend(range(offset, offset + len(text)))

    def word(self):
        self.chars.append("X")
        self.index.append(-1)

    def newline(self):
        self.chars.append("\n")
        self.index.append(-1)

    def result(self):
        return "".join(self.chars), self.index


# Inline Markdown that is not prose: replaced by a word placeholder (X) or dropped (None).
_MD_INLINE = re.compile(
    r"(?P<word>`+[^`\n]*?`+"                        # inline code
    r"|\$\$.+?\$\$|(?<![\\$])\$[^$\n]+?\$"          # math
    r"|<https?://[^>\s]+>|https?://[^\s)>\]]+)"       # URLs
    r"|(?P<cell>\|)"                                 # a table cell ends
    r"|(?P<drop><!--.*?-->"                           # HTML comments
    r"|</?[A-Za-z][^<>]*>"                            # HTML tags (attributes included)
    r"|\]\([^)\s]*(?:\s+\"[^\"]*\")?\)"               # link target ](url "title")
    r"|\]\[[^\]]*\]|\[\^[^\]]+\]"                     # reference link, footnote mark
    r"|\{[:#.][^}\n]*\}|\{\s+[#.][^}\n]*\}"           # attribute lists { #id } {: .x }
    r"|\*+|(?<!\w)_+|_+(?!\w)|~~|!\[|\[|\\(?=[^\w\s]))",  # emphasis and brackets
    re.DOTALL)
_FENCE = re.compile(r"^[ \t]*(`{3,}|~{3,})")


def _markdown(text, out=None):
    """The prose of a Markdown text (also used for YAML and HTML, and notebook Markdown)."""
    out = out or _Prose()
    fence = None
    offset = 0
    for line in text.splitlines(keepends=True):
        body = line.rstrip("\r\n")
        match = _FENCE.match(body)
        if fence == "$$":  # a display-math block
            if body.strip().endswith("$$"):
                fence = None
        elif fence:
            if match and match.group(1)[0] == fence[0] and len(match.group(1)) >= len(fence):
                fence = None
        elif match:
            fence = match.group(1)
        elif body.strip() == "$$" or (body.lstrip().startswith("$$") and body.count("$$") == 1):
            fence = "$$"
        elif body.lstrip().startswith("::") or IGNORE in body or body.lstrip().startswith("$$"):
            pass
        else:
            _markdown_line(body, offset, out)
        out.newline()
        offset += len(line)
    return out.result()


_BLOCK_MARK = re.compile(r"^[ \t]*(?:>[ \t]*)*(?:#{1,6}[ \t]+|[-*+][ \t]+|\d+[.)][ \t]+)?")


def _markdown_line(body, offset, out):
    position = _BLOCK_MARK.match(body).end()  # heading, list and quote marks start no word
    for match in _MD_INLINE.finditer(body):
        out.keep(body[position:match.start()], offset + position)
        if match.group("word"):
            out.word()
        elif match.group("cell"):
            out.newline()
        position = match.end()
    out.keep(body[position:], offset + position)


def _python(text):
    """The prose of Python source: string literals and comments; adjacent strings join."""
    out = _Prose()
    lines = text.splitlines(keepends=True)
    starts = [0]
    for line in lines:
        starts.append(starts[-1] + len(line))
    previous, comments = None, []
    try:
        tokens = list(tokenize.generate_tokens(io.StringIO(text).readline))
    except (tokenize.TokenError, SyntaxError, IndentationError):
        return out.result()
    for tok in tokens:
        if tok.type in (tokenize.NL, tokenize.NEWLINE, tokenize.INDENT, tokenize.DEDENT):
            continue
        at = starts[tok.start[0] - 1] + tok.start[1]
        skip = IGNORE in lines[tok.start[0] - 1] if tok.start[0] <= len(lines) else False
        if tok.type == tokenize.STRING and not skip:
            if previous != tokenize.STRING:
                out.newline()
            _python_string(tok.string, at, out)
        elif tok.type == tokenize.COMMENT:
            if not skip:  # read after the strings: a comment between two strings does not part them
                comments.append((tok.string.lstrip("#"), at + len(tok.string) - len(tok.string.lstrip("#"))))
            continue
        previous = tok.type
    for comment, at in comments:
        out.newline()
        _markdown_line(comment, at, out)
    out.newline()
    return out.result()


_STRING = re.compile(r"^([rRbBuUfF]*)('''|\"\"\"|'|\")(.*)\2$", re.DOTALL)
_FORMAT_FIELD = re.compile(r"(?P<field>\{[^{}]*\})|\\.")


def _python_string(literal, at, out):
    match = _STRING.match(literal)
    if not match:
        return
    body, offset = match.group(3), at + match.start(3)
    position = 0
    for field in _FORMAT_FIELD.finditer(body):  # {placeholders} read as a word, escapes end a line
        out.keep(body[position:field.start()], offset + position)
        out.word() if field.group("field") else out.newline()
        position = field.end()
    out.keep(body[position:], offset + position)


def _notebook_cell(cell):
    source = "".join(cell.get("source", []))
    if cell.get("cell_type") == "markdown":
        return source, _markdown(source)
    if cell.get("cell_type") == "code":
        return source, _python(source)
    return source, ("", [])


# ------------------------------------------------------------------------- finding

@functools.cache
def _kiwi():
    try:
        from kiwipiepy import Kiwi
    except ImportError as error:  # pragma: no cover - requirements.txt pins it
        raise SystemExit("book.orthography needs kiwipiepy (pip install -r requirements.txt)") from error
    return Kiwi()


@functools.cache
def _glossary_terms():
    import yaml

    terms = set()
    for entry in yaml.safe_load((ROOT / "book" / "glossary.yml").read_text(encoding="utf-8")) or []:
        for term in [entry.get("ko", ""), *entry.get("aliases", [])]:
            if " " in term:
                terms.add(term)
    return terms


def _spaces_to_remove(text, clean, index):
    """(start, end) offsets in text of every space written before a particle."""
    lines, offsets, position = [], [], 0
    for line in clean.split("\n"):
        if HANGUL.search(line):
            lines.append(line)
            offsets.append(position)
        position += len(line) + 1
    spans = []
    for line, base, tokens in zip(lines, offsets, _kiwi().tokenize(lines)):
        for k in range(1, len(tokens)):
            before, token = tokens[k - 1], tokens[k]
            start = token.start
            if line[start - 1:start] not in (" ", "\t") or before.start + before.len > start:
                continue
            if line[before.start + before.len:start].strip(" \t"):  # not only spaces between them
                continue
            if not (_particle(tokens, k, line) or _particle_after_symbol(before, token, line, start)):
                continue
            first = base + before.start + before.len
            where = [index[j] for j in range(first, base + start)]
            if -1 in where or any(text[i] not in " \t" for i in where):
                continue
            if _inside_term(clean, first, base + start):
                continue
            spans.append((min(where), max(where) + 1))
    return sorted(set(spans))  # one gap may be reached from two tokens: remove it once


def _particle(tokens, k, line):
    """Kiwi read tokens[k] as a particle after a noun-like word, and the rest of its word fits."""
    if not PARTICLE.match(tokens[k].tag) or not WORD_BEFORE.match(tokens[k - 1].tag):
        return False
    end = _word_end(line, tokens[k].start)
    return all(REST_OF_WORD.match(t.tag) for t in tokens[k + 1:] if t.start < end)


def _particle_after_symbol(before, token, line, start):
    """After Latin, digits, math or a symbol Kiwi often misreads a detached particle
    ("tanh 를", "h 는", "t 에"): read the Hangul word again as if attached to a noun."""
    if not NON_HANGUL_WORD.match(before.tag) or token.form in DETERMINERS:
        return False
    end = _word_end(line, start)
    word = line[start:end].rstrip(".,:;!?)]\"'’”")
    if word == "일":  # "1 일 때": Kiwi reads a day (NNB); before 때 or 경우 it is the copula
        following = line[end:].split(maxsplit=1)[:1]
        return bool(following) and following[0].rstrip(".,:;!?)") in ("때", "경우", "때는", "때에는")
    return bool(re.fullmatch(r"[\uac00-\ud7a3]+", word)) and _particle_word(word)


@functools.cache
def _particle_word(word):
    tokens = _kiwi().tokenize("X" + word)
    return (len(tokens) > 1 and tokens[0].form == "X" and PARTICLE.match(tokens[1].tag) is not None
            and all(REST_OF_WORD.match(t.tag) for t in tokens[2:]))


def _word_end(line, start):
    match = re.compile(r"\s").search(line, start)
    return match.start() if match else len(line)


def _inside_term(clean, gap_start, gap_end):
    """True when the space belongs to a glossary term such as "셀 상태" or "망각 게이트"."""
    for term in _glossary_terms():
        for match in re.finditer(re.escape(term), clean[max(0, gap_start - len(term)):gap_end + len(term)]):
            begin = max(0, gap_start - len(term)) + match.start()
            if begin < gap_start and begin + len(term) >= gap_end:
                return True
    return False


def _remove(text, spans):
    for start, end in sorted(spans, reverse=True):
        text = text[:start] + text[end:]
    return text


def _line_findings(path, text, spans, cell=None):
    fixed = _remove(text, spans)
    findings = []
    for start, end in spans:
        line_no = text.count("\n", 0, start) + 1
        line_start = text.rfind("\n", 0, start) + 1
        line_end = text.find("\n", start)
        line_end = len(text) if line_end < 0 else line_end
        before = text[line_start:line_end]
        after = _remove(before, [(s - line_start, e - line_start) for s, e in spans
                                 if line_start <= s and e <= line_end])
        findings.append(Finding(path, line_no, cell, start, end, before, after))
    return findings, fixed


def _extract(path, text):
    if path.suffix == ".py":
        return _python(text)
    return _markdown(text)


def check_file(path, fix=False):
    """The findings of one file; with fix=True the file is rewritten without them."""
    path = Path(path)
    text = path.read_text(encoding="utf-8")
    if not HANGUL.search(text):
        return []
    if path.suffix == ".ipynb":
        notebook = json.loads(text)
        findings = []
        for number, cell in enumerate(notebook.get("cells", [])):
            source, (clean, index) = _notebook_cell(cell)
            spans = _spaces_to_remove(source, clean, index)
            if spans:
                found, fixed = _line_findings(path, source, spans, cell=number)
                findings += found
                cell["source"] = fixed.splitlines(keepends=True)
        if fix and findings:
            path.write_text(json.dumps(notebook, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
        return findings
    clean, index = _extract(path, text)
    spans = _spaces_to_remove(text, clean, index)
    findings, fixed = _line_findings(path, text, spans)
    if fix and findings:
        path.write_text(fixed, encoding="utf-8")
    return findings


def korean_sources(root=ROOT):
    """Every file of the repository that can hold Korean text (not .venv, node_modules, site/)."""
    root = Path(root)
    for folder, subfolders, names in os.walk(root):
        subfolders[:] = sorted(d for d in subfolders if not d.startswith(".") and d not in SKIP_DIRS)
        for name in sorted(names):
            path = Path(folder) / name
            if path.suffix in SUFFIXES and _rel(path) not in OWN_FILES:
                yield path


def check(paths=None, fix=False):
    findings = []
    for path in paths or korean_sources():
        path = Path(path)
        for file in (korean_sources(path) if path.is_dir() else [path]):
            findings += check_file(file, fix=fix)
    return findings


# ------------------------------------------------------------------ house style
# The Korean house style of README.md (Writing), beyond 제41항. Each rule reads the same prose
# as the particle check (code, math, URLs and ids masked) and reports file, line, rule and fix;
# the mechanical ones (a space to remove, a word to replace) are fixed by --fix.

@dataclass(frozen=True)
class StyleFinding:
    path: Path
    line: int
    cell: int | None
    rule: str
    found: str
    advice: str
    edit: tuple | None = None  # (start, end, replacement) in the unit's text, when --fix can apply it

    def where(self):
        rel = _rel(self.path)
        return f"{rel}:{self.line}" if self.cell is None else f"{rel}: cell {self.cell}, line {self.line}"

    def __str__(self):
        return f"{self.where()}: [{self.rule}] {self.found!r}: {self.advice}"


# Core terms: on every Korean page the first use carries the English in parentheses.
GLOSSED = {"은닉 상태": "hidden state", "입력 게이트": "input gate", "출력 게이트": "output gate",
           "망각 게이트": "forget gate", "셀 상태": "cell state", "리셋 게이트": "reset gate",
           "업데이트 게이트": "update gate", "기울기 소실": "vanishing gradient",
           "기울기 폭주": "exploding gradient", "야코비 행렬": "Jacobian"}
# One word per idea, beyond the glossary's `avoid` lists (which the build checks on pages).
HOUSE_TERMS = {"모형": "모델", "은닉 단위": "은닉 유닛"}
UNITS = "단계|개|번|배|%|차원|층|분|초|년|줄|칸|자리|비트|바이트|장|쌍|행|열|회"
AFTER_UNIT = r"(?=$|[^\uac00-\ud7a3]|이|가|을|를|은|는|의|에|와|과|로|으로|만|도|씩|마다|째|보다|까지|부터|입|짜리|쯤|간)"
_UNIT = re.compile(rf"(?<![\w.])\d+(?:\.\d+)?( )(?:{UNITS}){AFTER_UNIT}")
_PAREN = re.compile(r"([\w*\"'’”)\]])( )\(")
_CITE_OE = re.compile(r"\b[A-Z][A-Za-z\-]+ (외)(?=[\s(,;)]|$)")
_CITE_SPACE = re.compile(r"\b[A-Z][A-Za-z\-]+ 등( )\((?:19|20)\d\d")
_CITE_COMMA = re.compile(r"\b[A-Z][A-Za-z\-]+ 등, (?:19|20)\d\d")
_DOLDA = re.compile(r"돕니다")
_RESET = re.compile(r"(?<![\w-])[Rr]eset( )(?:after|before)(?![\w-])")
# A particle whose form follows the last sound of the word, written after a number filled in
# at build time ("{c_w:.2f}가" reads "0.90가" for some values).
_FIELD_PARTICLE = re.compile(r"\{[A-Za-z_][\w.\[\]'\"]*(?:![rsa])?(?::[^{}]*)?\}"  # a format field, not h_{t−1}
                             r"(이|가|을|를|은|는|와|과|으로|로)(?=$|[\s.,;:)\]\"'])")


# Particles whose form follows the last sound of the word before them: (after a vowel, after a consonant).
_PAIRS = [("가", "이"), ("를", "을"), ("는", "은"), ("와", "과"), ("로", "으로")]
_PAIRED = "|".join(sorted({p for pair in _PAIRS for p in pair}, key=len, reverse=True)) + r"(?![\uac00-\ud7a3])"


def _particle_for(word, particle):
    """The form of `particle` that follows `word` (은닉 유닛 + 가 → 이; 모델 + 으로 → 로)."""
    code = ord(word[-1]) - 0xAC00
    final = code % 28 if 0 <= code < 11172 else 0  # 0: no final consonant; 8: ㄹ
    for vowel_form, consonant_form in _PAIRS:
        if particle in (vowel_form, consonant_form):
            if vowel_form == "로":
                return "로" if final in (0, 8) else "으로"
            return consonant_form if final else vowel_form
    return particle


def _clean_lines(clean):
    position = 0
    for line in clean.split("\n"):
        if HANGUL.search(line):
            yield position, line
        position += len(line) + 1


def _at(index, j):
    """The text offset of clean[j], or of the next character that has one."""
    while j < len(index) and index[j] < 0:
        j += 1
    return index[j] if j < len(index) else -1


@functools.cache
def _ends_in_particle(word):
    """True when the word ends in a particle, a connective ending or is an adverb ("r_t를 (W h + b)에
    곱하고", "되고 (…)", "그리고 (…)": the parenthesis starts a new phrase, it glosses nothing)."""
    word = word.strip("*\"'’”")
    if not HANGUL.search(word[-1:] or ""):
        return False
    tokens = _kiwi().tokenize("X" + word if not HANGUL.search(word[0]) else word)
    return bool(tokens) and (tokens[-1].tag.startswith("J") or tokens[-1].tag in ("EC", "MAJ", "MAG"))


def _style_unit(text, clean, index, glossary=False):
    """(rule, start, end, found, advice, replacement or None) for one unit of prose."""
    found = []

    def space_fix(j):  # remove the single space at clean[j], if it is a real space of the text
        i = index[j]
        return (i, i + 1, "") if i >= 0 and text[i] in " \t" else None

    for base, line in _clean_lines(clean):
        for m in _PAREN.finditer(line):
            word = line[:m.start(2)].rsplit(None, 1)[-1]
            inside = line[m.end():m.end() + 40].split(")", 1)[0]
            korean = HANGUL.search(line[max(0, m.start(2) - 40):m.start(2)]) or (
                HANGUL.search(inside) and not re.fullmatch(r"[a-z]+", word))  # not English prose
            if not korean or word == "등" or _ends_in_particle(word):  # 등 (2000): the citation rule
                continue
            found.append(("parenthesis", base + m.start(1), word + " (", "a parenthesis attaches to the word before it",
                          space_fix(base + m.start(2))))
        for m in _UNIT.finditer(line):
            found.append(("unit", base + m.start(), m.group(0), "numbers and units attach: 20단계, 4%",
                          space_fix(base + m.start(1))))
        for m in _CITE_OE.finditer(line):
            i = index[base + m.start(1)]
            found.append(("citation", base + m.start(), m.group(0), "citations are written 저자 등(연도)",
                          (i, i + 1, "등") if i >= 0 and text[i] == "외" else None))
        for m in _CITE_SPACE.finditer(line):
            found.append(("citation", base + m.start(), m.group(0), "citations are written 저자 등(연도)",
                          space_fix(base + m.start(1))))
        for m in _CITE_COMMA.finditer(line):
            found.append(("citation", base + m.start(), m.group(0), "write 저자 등(연도), e.g. Gers 등(2000)", None))
        for m in _DOLDA.finditer(line):
            found.append(("dolda", base + m.start(), m.group(0),
                          "돕니다 reads as 돕다 (to help): write 실행됩니다 or 돌립니다", None))
        for m in _RESET.finditer(line):
            found.append(("reset", base + m.start(), m.group(0), "the GRU forms are written reset-after / reset-before",
                          (lambda i: (i, i + 1, "-") if i >= 0 and text[i] == " " else None)(index[base + m.start(1)])))
        for term, instead in ({} if glossary else {**HOUSE_TERMS, **_avoided_terms()}).items():
            for m in re.finditer(re.escape(term) + f"({_PAIRED})?", line):
                start, end = index[base + m.start()], index[base + m.end() - 1]
                contiguous = start >= 0 and end - start == len(m.group(0)) - 1 and text[start:end + 1] == m.group(0)
                replacement = instead + _particle_for(instead, m.group(1)) if m.group(1) else instead
                found.append(("term", base + m.start(), term, f"write {instead!r}",
                              (start, end + 1, replacement) if contiguous else None))
    return found


@functools.cache
def _avoided_terms():
    """The glossary's `avoid` terms written in Hangul, each with the term to write instead."""
    import yaml

    terms = {}
    for entry in yaml.safe_load((ROOT / "book" / "glossary.yml").read_text(encoding="utf-8")) or []:
        for term in entry.get("avoid", []):
            if HANGUL.search(term):
                terms[term] = entry["ko"]
    return terms


def _field_particles(source):
    """Particles after a {format field} in the string literals of Python source."""
    found = []
    try:
        tokens = list(tokenize.generate_tokens(io.StringIO(source).readline))
    except (tokenize.TokenError, SyntaxError, IndentationError):
        return found
    lines = source.splitlines(keepends=True)
    starts = [0]
    for line in lines:
        starts.append(starts[-1] + len(line))
    for tok in tokens:
        if tok.type != tokenize.STRING or not HANGUL.search(tok.string) or IGNORE in lines[tok.start[0] - 1]:
            continue
        at = starts[tok.start[0] - 1] + tok.start[1]
        for m in _FIELD_PARTICLE.finditer(tok.string):
            found.append(("number-particle", at + m.start(), m.group(0),
                          "the particle depends on how the number is read (0.90이, 3이, 2가): "
                          "choose it from the number, or rephrase so that no particle follows it", None))
    return found


_GLOSS_SKIP = re.compile(r"`[^`\n]*`|\$\$.+?\$\$|(?<![\\$])\$[^$\n]+?\$|\]\([^)\s]*\)|<[^<>]+>|\{[:#.][^}\n]*\}")


def _glosses(text, seen=None):
    """Core terms whose first use on a Korean page (outside headings, code, math and parentheses)
    has no English after it: 셀 상태(cell state). A gloss in a link's text counts."""
    found, fence = [], None
    seen = set() if seen is None else seen  # a notebook's cells share one: the first use in the notebook
    offset = 0
    for line in text.splitlines(keepends=True):
        body = line.rstrip("\r\n")
        match = _FENCE.match(body)
        skip = (fence is not None or match or body.lstrip().startswith(("#", "::", "$$", "<"))
                or IGNORE in body)
        if match:
            fence = None if fence and match.group(1)[0] == fence[0] else (fence or match.group(1))
        if not skip:
            masked = _GLOSS_SKIP.sub(lambda m: "\0" * len(m.group(0)), body)
            for term, english in GLOSSED.items():
                if term in seen:
                    continue
                for m in re.finditer(r"(?<!후보 )" + re.escape(term) + r"(?! 업데이트)", masked):  # not 후보 셀 상태
                    if masked[:m.start()].count("(") > masked[:m.start()].count(")"):
                        continue  # inside a parenthesis: a gloss there would nest
                    seen.add(term)
                    after = masked[m.end():]
                    glossed = re.match(r"\**\(" + re.escape(english), after, re.IGNORECASE)
                    if not glossed:
                        stars = len(after) - len(after.lstrip("*"))
                        at = offset + m.end() + stars
                        found.append(("gloss", offset + m.start(), term,
                                      f"first use on this page: write {term}({english})",
                                      (at, at, f"({english})") if not after[stars:].startswith("(") else None))
                    break
        offset += len(line)
    return found


_BOLD_GLOSS = re.compile(r"\*\*([^*\n]+?)(\([^()\n]*\))\*\*(?=[\uac00-\ud7a3])")


def _bold_closings(text):
    """**출력 게이트(output gate)**는 does not render bold: a closing ** right after ')' and before a
    letter is no closing delimiter. The gloss goes after the bold: **출력 게이트**(output gate)는."""
    found, fence, offset = [], None, 0
    for line in text.splitlines(keepends=True):
        match = _FENCE.match(line)
        if match:
            fence = None if fence and match.group(1)[0] == fence[0] else (fence or match.group(1))
        elif fence is None:
            masked = re.sub(r"`[^`\n]*`", lambda c: "\0" * len(c.group(0)), line)  # not in code spans
            for m in _BOLD_GLOSS.finditer(masked):
                found.append(("bold", offset + m.start(), m.group(0), "put the parenthesis after the bold",
                              (offset + m.start(), offset + m.end(), f"**{m.group(1)}**{m.group(2)}")))
        offset += len(line)
    return found


def _line_of(text, offset):
    return text.count("\n", 0, max(offset, 0)) + 1


def _style_findings(path, text, cell=None, notebook_cell=None, seen=None):
    if notebook_cell is not None:
        clean, index = _notebook_cell(notebook_cell)[1]
        code = notebook_cell.get("cell_type") == "code"
    else:
        clean, index = _extract(path, text)
        code = path.suffix == ".py"
    raw = []
    glossary = _rel(path) in ("book/glossary.yml", "docs/glossary.ko.md")  # it lists the avoided terms
    for rule, j, found, advice, edit in _style_unit(text, clean, index, glossary):
        raw.append((rule, _at(index, j), found, advice, edit))
    if code:
        raw += _field_particles(text)
    if notebook_cell is None and path.suffix == ".md" and path.name.endswith(".ko.md") and path.name != "glossary.ko.md":
        raw += _glosses(text)
    if notebook_cell is not None and notebook_cell.get("cell_type") == "markdown" and path.name.endswith(".ko.ipynb"):
        raw += _glosses(text, seen)
    if notebook_cell is None and path.suffix == ".md":
        raw += _bold_closings(text)
    return [StyleFinding(path, _line_of(text, at), cell, rule, found, advice, edit)
            for rule, at, found, advice, edit in raw]


def _apply(text, edits):
    for start, end, replacement in sorted(set(edits), reverse=True):
        text = text[:start] + replacement + text[end:]
    return text


def style_file(path, fix=False):
    """The house-style findings of one file; with fix=True the mechanical ones are applied."""
    path = Path(path)
    text = path.read_text(encoding="utf-8")
    if not HANGUL.search(text):
        return []
    if path.suffix == ".ipynb":
        notebook = json.loads(text)
        findings, seen = [], set()
        for number, cell in enumerate(notebook.get("cells", [])):
            source = "".join(cell.get("source", []))
            found = _style_findings(path, source, cell=number, notebook_cell=cell, seen=seen)
            findings += found
            edits = [f.edit for f in found if f.edit]
            if fix and edits:
                cell["source"] = _apply(source, edits).splitlines(keepends=True)
        if fix and any(f.edit for f in findings):
            path.write_text(json.dumps(notebook, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
        return findings
    findings = _style_findings(path, text)
    edits = [f.edit for f in findings if f.edit]
    if fix and edits:
        path.write_text(_apply(text, edits), encoding="utf-8")
    return findings


def style(paths=None, fix=False):
    """The house-style findings of the given files or folders (default: the repository but
    tests/, whose planted faults break the style on purpose)."""
    findings = []
    for path in paths or [p for p in korean_sources() if not _rel(p).startswith("tests/")]:
        path = Path(path)
        for file in (korean_sources(path) if path.is_dir() else [path]):
            findings += style_file(file, fix=fix)
    return findings


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m book.orthography", description=__doc__.split("\n\n")[0])
    parser.add_argument("--fix", action="store_true", help="apply the mechanical fixes in place (safe to repeat)")
    parser.add_argument("paths", nargs="*", type=Path, help="files or folders (default: the repository)")
    args = parser.parse_args(argv)
    findings = check(args.paths, fix=args.fix)
    for finding in findings:
        print(finding)
    verb = "fixed" if args.fix else "found"
    print(f"{len(findings)} particle(s) after a space {verb}" + ("" if args.fix or not findings else
          "; fix them with: python -m book.orthography --fix"))
    house = style(args.paths, fix=args.fix)
    left = [f for f in house if not (args.fix and f.edit)]
    for finding in left:
        print(finding)
    print(f"{len(house) - len(left)} house-style finding(s) fixed, {len(left)} to fix by hand" if args.fix
          else f"{len(house)} house-style finding(s)" + ("; --fix applies the marked ones"
                                                          if any(f.edit for f in house) else ""))
    return 0 if (args.fix or not findings) and not left else 1


if __name__ == "__main__":
    sys.exit(main())
