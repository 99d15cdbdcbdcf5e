"""The book's MkDocs hook: directives that put tested code beside every formula, and the
guards that make `mkdocs build --strict` fail instead of publishing something wrong.

Directives (one per line in a page):
    ::formula <id>   the formula of book/formulas.yml, its NumPy | PyTorch code from
                     snippets/, and the output of its worked examples, run now; under it, as
                     under ::code and ::plot, the tests that check it (book/verified.py)
    ::code <name>    NumPy | PyTorch tabs for any other snippet section (lstm_cell, gru, ...);
                     one PyTorch tab for a section only the torch files have (lstm_graphed, ...)
    ::diagram <name> an SVG diagram from book/diagrams.py, labelled in the page's language
    ::plot <name>    an executed matplotlib figure from book/plots.py
    ::example <name> examples/<name>.py and what it printed, run now (book/examples.py)
    ::glossary       the Korean-English glossary table of book/glossary.yml
    ::exercise <id>  an exercise of book/exercises.yml, its solution folded and, if it
                     computes, run now and checked against its expected answer
    ::formula_index  every formula of the catalogue, linked to the page that shows it
    ::build_info     the versions and the device this build ran the snippets on
    ::experiment <x> the adding-problem results (book/experiment.py); stale results fail the build
    ::explorer <m>   the gate explorer of book/explorers.py (lstm or gru), with its NumPy cases
    ::speed <what>   the speed chapter's tables (book/speed.py): ops and CPU times measured now,
                     GPU times read from book/results/gpu-speed.json; stale results fail the build
    ::scan_speed <what>  minGRU's scan against its loop and nn.GRU (book/scan_speed.py), read from
                     book/results/scan-speed.json; stale results fail the build

Guards (each raises PluginError, which fails any build):
    a page without its twin in the other language; an unknown directive or id; a snippet
    that fails or whose NumPy and PyTorch results differ; display math written outside
    ::formula (it would have no code link); math in a heading (the table of contents would
    show raw TeX); ko/en pages whose formulas differ; a term the
    glossary says to avoid; a broken link or anchor, or an asset from another host, anywhere
    in the built site. Notebook output is cached per notebook and the snippet files it imports
    (book/buildcache.py), so it is never stale.
    book/guards.py lists every guard; each has a planted-fault test.

Lab notebooks are published self-contained (book/notebooks.py), with Colab and download buttons.
"""

import html
import importlib
import os
import re
import shutil
import sys
from pathlib import Path

from mkdocs.exceptions import PluginError
from mkdocs.plugins import event_priority, get_plugin_logger
from mkdocs.structure.files import File

ROOT = Path(__file__).resolve().parent
DOCS = ROOT / "docs"
LANGS = ("ko", "en")
_DEFAULT_LANG = LANGS[0]  # served at /, the others at /<lang>/
DIRECTIVE = re.compile(r"^::(\w+)(?:[ \t]+(\S+))?[ \t]*$", re.MULTILINE)
DISPLAY_MATH = re.compile(r'<div class="arithmatex">(.*?)</div>', re.DOTALL)
INLINE_MATH = re.compile(r'<span class="arithmatex">\\\((.*?)\\\)</span>', re.DOTALL)
FORMULA_BLOCK = re.compile(r'<div class="formula" id="([a-z0-9_]+)" data-latex="([^"]*)"')
RELOADED = {"book.catalogue", "book.diagrams", "book.exercises", "book.examples", "book.experiment",
            "book.explorers", "book.layer_diagrams", "book.plots", "book.site_check", "book.diagrams_backward",
            "book.plots_backward", "book.notebooks", "book.accessibility", "book.speed", "book.search",
            "book.verified", "book.scan_speed", "book.diagrams_modern"}  # not book.katex: it holds Node
# Figure modules of book/, per directive: each has NAMES, render(name, lang) and title(name, lang).
FIGURE_MODULES = {"diagram": ("diagrams", "diagrams_backward", "layer_diagrams", "diagrams_modern"), "plot": ("plots", "plots_backward")}
LABELS = {
    "ko": {"code": "코드 보기", "run": "빌드할 때 실행한 결과", "files": "파일 전체 내려받기",
           "permalink": "이 수식의 고정 링크", "en": "영어", "ko": "한국어", "aliases": "다른 표기", "avoid": "쓰지 않는 표기"},
    "en": {"code": "Show code", "run": "Output, run when this page was built", "files": "Download the whole file",
           "permalink": "Permanent link to this formula", "en": "English", "ko": "Korean", "aliases": "Also written",
           "avoid": "Avoided"},
}
log = get_plugin_logger("book")

# Formula ids and LaTeX per language and page, compared once both languages are built.
_formulas_seen = {lang: {} for lang in LANGS}


# mkdocs-static-i18n rebuilds every File as a plain File, and a plain File counts only
# Markdown as a page: notebooks would silently be published as raw JSON (i18n issue #198).
# (`mkdocs serve` loads this file again on every rebuild: patch once.)
if not getattr(File.is_documentation_page, "counts_notebooks", False):
    _is_markdown_page = File.is_documentation_page

    def _is_page_or_notebook(self):
        return _is_markdown_page(self) or self.src_uri.endswith(".ipynb")

    _is_page_or_notebook.counts_notebooks = True
    File.is_documentation_page = _is_page_or_notebook


def _i18n(config):
    return config.plugins["i18n"]


def _book(name):
    return importlib.import_module(f"book.{name}")


# ---------------------------------------------------------------------------- config

@event_priority(-110)  # after i18n's on_config, which sets the language of this build
def on_config(config):
    i18n = _i18n(config)
    lang = i18n.current_language
    if not i18n.building:  # the first language of a (re)build: forget the last build
        for seen in _formulas_seen.values():
            seen.clear()
    if str(ROOT) not in sys.path:  # MkDocs restores sys.path after loading this file
        sys.path.insert(0, str(ROOT))  # `book` and `snippets` import from the repository root
    # Fresh snippet and book modules whenever their files change: `mkdocs serve` must not show
    # stale code, and a prose edit should not recompute the plots. What a rebuild reuses and
    # what it recomputes: book/buildcache.py.
    buildcache = _book("buildcache")
    buildcache.install()
    if not i18n.building:
        buildcache.start_build()
    buildcache.refresh_modules(RELOADED)
    # Notebook kernels import snippets/ from the repository root.
    paths = os.environ.get("PYTHONPATH", "").split(os.pathsep)
    if str(ROOT) not in paths:
        os.environ["PYTHONPATH"] = os.pathsep.join([str(ROOT), *filter(None, paths)])
    # mkdocs-jupyter keys its cache on the notebook's bytes alone (buildcache adds the snippet
    # files each notebook imports), and evicts whatever the current build did not use: one
    # cache folder per language.
    jupyter = config.plugins["mkdocs-jupyter"]
    if not buildcache.enabled() or not buildcache.notebook_cache_key_installed():
        jupyter.config["cache"] = False
    else:
        cache_root = ROOT / ".cache" / "mkdocs-jupyter"
        for old in cache_root.glob(f"{lang}-*"):  # the folders of the old per-digest layout
            shutil.rmtree(old, ignore_errors=True)
        jupyter.config["cache_dir"] = str(cache_root / lang)
    return config


# ----------------------------------------------------------------------------- files

@event_priority(-110)  # after i18n's on_files
def on_files(files, config):
    problems = []
    for path in sorted(DOCS.rglob("*")):
        if path.suffix not in {".md", ".ipynb"}:
            continue
        stem, _, lang = path.stem.rpartition(".")
        rel = path.relative_to(DOCS).as_posix()
        if lang not in LANGS:
            problems.append(f"{rel}: a page needs a language suffix (.ko{path.suffix} and .en{path.suffix})")
            continue
        for other in LANGS:
            twin = path.with_name(f"{stem}.{other}{path.suffix}")
            if not twin.exists():
                problems.append(f"{rel} has no twin {twin.relative_to(DOCS).as_posix()}")
    if problems:
        raise PluginError("Every page exists in Korean and English:\n  " + "\n  ".join(problems))
    return files


# -------------------------------------------------------------------------- markdown

def on_page_markdown(markdown, page, config, files):
    if page.file.src_uri.endswith(".ipynb"):
        return markdown
    lang = _i18n(config).current_language
    where = page.file.src_uri

    def expand(match):
        kind, name = match.group(1), match.group(2)
        handler = _DIRECTIVES.get(kind)
        if handler is None:
            raise PluginError(f"{where}: unknown directive ::{kind} (known: {', '.join(sorted(_DIRECTIVES))})")
        try:
            return handler(name, lang, page)
        except PluginError as error:
            raise PluginError(f"{where}: {error}") from error

    markdown = DIRECTIVE.sub(expand, markdown)
    _check_terms(markdown, lang, where)
    heading_math = re.search(r"^#{1,6} .*\$.*$", markdown, re.MULTILINE)
    if heading_math:  # the table of contents would show it as raw TeX
        raise PluginError(f"{where}: no math in headings, write *z* instead of $z$: {heading_math.group(0)!r}")
    return markdown


def _formula(formula_id, lang, page):
    formulas = _book("catalogue").formulas()
    if formula_id not in formulas:
        raise PluginError(f"unknown formula id {formula_id!r}; book/formulas.yml has: {', '.join(formulas)}")
    entry = formulas[formula_id]
    labels = LABELS[lang]
    math = _katex(entry["latex"], display=True)
    head = (f'<div class="formula" id="{formula_id}" data-latex="{html.escape(entry["latex"])}">\n'
            f'<div class="formula-math" tabindex="0" role="group" aria-label="{formula_id}">{math}</div>\n'
            f'<p class="formula-links"><a class="formula-id" href="#{formula_id}" title="{labels["permalink"]}">'
            f'{formula_id}</a> <a class="formula-code-link" href="#{formula_id}-code">{labels["code"]} ↓</a></p>\n'
            f'</div>\n')
    output = "\n".join(_run_examples(formula_id, entry))
    return (head + "\n" + _code_tabs(entry["module"], formula_id, f"{formula_id}-code", page, lang)
            + f'\n<p class="formula-run">{labels["run"]}</p>\n\n```text\n{output}\n```\n\n'
            + _book("verified").line(formula_id, lang, formula=True))


def _code(name, lang, page):
    catalogue = _book("catalogue")
    if name in catalogue.formulas():
        raise PluginError(f"::code {name}: {name} is a formula, write ::formula {name}")
    found = [(m, fw) for m in ("rnn", "lstm", "gru", "minrnn", "xlstm") for fw in catalogue.FRAMEWORKS
             if name in catalogue.sections(catalogue.snippet_path(m, fw))]
    modules = sorted({m for m, _ in found})
    if len(modules) != 1:
        raise PluginError(f"::code {name}: expected one snippet section of that name, found {len(modules)}")
    # a NumPy section always shows both tabs (pymdownx.snippets fails on a missing torch one);
    # a section only the torch file has (the GPU fast paths) shows one PyTorch tab
    frameworks = ("numpy", "torch") if (modules[0], "numpy") in found else ("torch",)
    return _code_tabs(modules[0], name, name, page, lang, frameworks) + "\n" + _book("verified").line(name, lang)


def _code_tabs(module, section, anchor, page, lang, frameworks=("numpy", "torch")):
    """NumPy | PyTorch tabs including `section` of the snippet files, and download links."""
    up = "../" * page.url.count("/")  # from this page's folder to the site root (en pages are under en/)
    tabs = [f'<div class="snippet" id="{anchor}" markdown>\n']
    for framework in frameworks:
        label = {"numpy": "NumPy", "torch": "PyTorch"}[framework]
        path = f"snippets/{module}_{framework}.py"
        tabs.append(f'=== "{label}"\n\n    ```python title="{path}"\n    --8<-- "{path}:{section}"\n    ```\n')
    links = " · ".join(f'<a href="{up}snippets/{module}_{fw}.py" download>{module}_{fw}.py</a>'
                       for fw in frameworks)
    tabs.append(f'<p class="snippet-files">{LABELS[lang]["files"]}: {links}</p>\n\n</div>\n')
    return "\n".join(tabs)


def _run_examples(formula_id, entry):
    """Run the formula's worked examples through both snippet files; fail on disagreement."""
    import numpy as np
    import torch

    catalogue = _book("catalogue")
    device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
    numpy_fn = getattr(catalogue.snippet_module(entry["module"], "numpy"), formula_id)
    torch_fn = getattr(catalogue.snippet_module(entry["module"], "torch"), formula_id)
    lines = []
    for example in entry["examples"]:
        arguments = {k: np.array(v, dtype=np.float64) for k, v in example.items()}
        try:
            ours = numpy_fn(**arguments)
            theirs = torch_fn(**{k: torch.from_numpy(v).to(device) for k, v in arguments.items()})
        except Exception as error:
            raise PluginError(f"formula {formula_id}: the worked example {example} raised "
                              f"{type(error).__name__}: {error}") from error
        difference = float(np.max(np.abs(ours - theirs.cpu().numpy())))
        if not difference <= 1e-12:
            raise PluginError(f"formula {formula_id}: NumPy and PyTorch differ by {difference:.3g} on {example}")
        call = ", ".join(f"{k}={v}" for k, v in example.items())
        with np.printoptions(precision=5, suppress=True, floatmode="maxprec"):
            lines += [f">>> {formula_id}({call})",
                      f"numpy  {ours}",
                      f"torch  {theirs.cpu().numpy()}   # on {_device_name(device)}",
                      f"max |numpy - torch| = {difference:.1e}", ""]
    return lines[:-1]


def _device_name(device):
    import torch

    if device.type == "cuda":
        return f"cuda ({torch.cuda.get_device_name(device)})"
    return "cpu"


def _diagram(name, lang, page):
    return _figure("diagram", _figure_module("diagram", name), name, lang)


def _plot(name, lang, page):
    return _figure("plot", _figure_module("plot", name), name, lang) + _book("verified").line(name, lang)


def _figure_module(kind, name):
    """The book/ module that draws figure `name`: the first of FIGURE_MODULES[kind] that has it."""
    modules = [_book(m) for m in FIGURE_MODULES[kind]]
    return next((m for m in modules if name in m.NAMES), modules[0])


def _figure(kind, module, name, lang):
    if name not in module.NAMES:
        raise PluginError(f"unknown {kind} {name!r}; book/{module.__name__.split('.')[-1]}.py has: "
                          f"{', '.join(module.NAMES)}")
    svg = module.render(name, lang)
    return (f'<figure class="{kind}" id="{kind}-{name}" data-search-exclude>\n{svg}\n'
            f'<figcaption>{html.escape(module.title(name, lang))}</figcaption>\n</figure>\n')


def _exercise(name, lang, page):
    exercises = _book("exercises")
    try:
        return exercises.render(name, lang, page.file.src_uri.removesuffix(f".{lang}.md"))
    except exercises.ExerciseError as error:
        raise PluginError(str(error)) from error


def _example(name, lang, page):
    try:
        return _book("examples").markdown(name, LABELS[lang]["run"])
    except (ValueError, RuntimeError) as error:
        raise PluginError(str(error)) from error


def _glossary(_name, lang, page):
    labels = LABELS[lang]
    entries = _book("catalogue").glossary()
    first, second = ("ko", "en") if lang == "ko" else ("en", "ko")
    rows = [f"| {labels[first]} | {labels[second]} | {labels['aliases']} | {labels['avoid']} |", "|---|---|---|---|"]
    for entry in entries:
        rows.append(f"| {entry[first]} | {entry[second]} | {', '.join(entry.get('aliases', []))} "
                    f"| {', '.join(entry.get('avoid', []))} |")
    return "\n".join(rows) + "\n"


def _check_terms(markdown, lang, where):
    if lang != _DEFAULT_LANG or where.startswith("glossary."):
        return
    for entry in _book("catalogue").glossary():
        for term in entry.get("avoid", []):
            if term in markdown:
                raise PluginError(f"{where}: write {entry['ko']!r}, not {term!r} (book/glossary.yml)")


def _formula_index(_name, lang, page):
    root = "../" * page.url.count("/")  # the site root; the default language lives there
    up = root if lang == _DEFAULT_LANG else f"{root}{lang}/"  # links stay inside /<lang>/
    rows = []
    for formula_id, entry in _book("catalogue").formulas().items():
        math = _katex(entry["latex"], display=False)
        url = entry["page"].removesuffix("index").rstrip("/")
        url = f"{url}/" if url else ""
        rows.append(f'<tr><td><a href="{up}{url}#{formula_id}"><code>{formula_id}</code></a></td>'
                    f'<td>{math}</td><td><code>snippets/{entry["module"]}_numpy.py</code>, '
                    f'<code>{entry["module"]}_torch.py</code></td></tr>')
    head = {"ko": ("id", "수식", "코드"), "en": ("id", "formula", "code")}[lang]
    return ('<table class="formula-index"><thead><tr>' + "".join(f"<th>{h}</th>" for h in head)
            + "</tr></thead><tbody>\n" + "\n".join(rows) + "\n</tbody></table>\n")


def _build_info(_name, lang, page):
    import numpy as np
    import torch

    device = _device_name(torch.device("cuda" if torch.cuda.is_available() else "cpu"))
    return (f"| | |\n|---|---|\n| PyTorch | {torch.__version__} |\n| NumPy | {np.__version__} |\n"
            f"| device | {device} |\n| Python | {sys.version.split()[0]} |\n")


def _explorer(name, lang, page):
    explorers = _book("explorers")
    if name not in explorers.NAMES:
        raise PluginError(f"unknown explorer {name!r}; book/explorers.py has: {', '.join(explorers.NAMES)}")
    return explorers.render(name, lang, up="../" * page.url.count("/"))


_DIRECTIVES = {"formula": _formula, "code": _code, "diagram": _diagram, "plot": _plot, "glossary": _glossary,
               "formula_index": _formula_index, "build_info": _build_info, "exercise": _exercise,
               "example": _example, "explorer": _explorer,
               "experiment": lambda what, lang, page: _book("experiment").directive(what, lang),
               "speed": lambda what, lang, page: _speed(what, lang),
               "scan_speed": lambda what, lang, page: _speed(what, lang, "scan_speed")}


def _speed(what, lang, module="speed"):
    try:
        return _book(module).directive(what, lang)
    except ValueError as error:  # StaleResults is one: its message says how to produce the file
        raise PluginError(str(error)) from error


# --------------------------------------------------------------------------- content

def _katex(tex, display):
    try:
        return _book("katex").render(tex, display)
    except ValueError as error:
        raise PluginError(str(error)) from error


def on_page_content(content, page, config, files):
    if page.file.src_uri.endswith(".ipynb"):
        lang = _i18n(config).current_language
        content = _book("accessibility").label_notebook_outputs(_notebook_content(content, page), lang)
        return _book("notebooks").add_lab_actions(content, lang, page.url,
                                                  Path(page.file.abs_src_path).name, config.repo_url)
    where = page.file.src_uri
    stray = DISPLAY_MATH.search(content)
    if stray:
        raise PluginError(f"{where}: display formula {html.unescape(stray.group(1)).strip()[:80]!r} has no code "
                          f"link: add it to book/formulas.yml and write ::formula <id>")
    content = INLINE_MATH.sub(lambda m: _katex(html.unescape(m.group(1)), display=False), content)
    content = _keep_out_of_search(content)
    lang = _i18n(config).current_language
    norm = re.sub(rf"\.{lang}\.md$", "", where)
    _formulas_seen[lang][norm] = FORMULA_BLOCK.findall(content)
    return content


NOTEBOOK_JUNK = re.compile(r"<style\b.*?</style>|<script\b.*?</script>|<!--.*?-->"
                           r'|<div class="zeroclipboard-container">.*?</clipboard-copy>\s*</div>'
                           r'|<div class="clipboard-copy-txt"[^>]*>.*?</div>', re.DOTALL)
NOTEBOOK_CODE = re.compile(r'<div class="highlight-ipynb hl-python"><pre>(.*?)</pre>', re.DOTALL)
NOTEBOOK_HEADING = re.compile(r'<h([1-6]) id="[^"]*">(.*?)<a class="anchor-link" href="#[^"]*">¶</a>', re.DOTALL)
NOTEBOOK_MARKDOWN = re.compile(r'(<div class="[^"]*jp-RenderedMarkdown[^"]*"[^>]*>)(.*?)(</div>)', re.DOTALL)
TEX_INLINE = re.compile(r"(?<![\\$])\$(?!\$)([^$\n]+?)\$")


def _slugify(text):
    """Heading text to an anchor id that keeps Hangul (the plugins' slugify drops it)."""
    return re.sub(r"[\s_-]+", "-", re.sub(r"[^\w\s-]", "", text.lower()).strip())


def _notebook_content(content, page):
    """mkdocs-jupyter's HTML, made to fit the book: no inlined JupyterLab CSS (590 KB), no
    MathJax, Mermaid or clipboard scripts (Mermaid would load from another host), code cells
    as Material code blocks, math rendered by KaTeX like everywhere else, and heading ids
    that keep their Hangul and match the table of contents."""
    content = NOTEBOOK_JUNK.sub("", content)
    # Material's own code blocks: its colours, and its copy button on every cell
    content = NOTEBOOK_CODE.sub(r'<div class="highlight"><pre><code>\1</code></pre>', content)
    if "$$" in content:
        raise PluginError(f"{page.file.src_uri}: display math in a notebook has no code link; link to the "
                          f"formula's page instead")

    def render_math(match):
        parts = re.split(r"(<code>.*?</code>)", match.group(2), flags=re.DOTALL)
        parts = [p if p.startswith("<code>") else
                 TEX_INLINE.sub(lambda m: _katex(html.unescape(m.group(1)), display=False), p) for p in parts]
        return match.group(1) + "".join(parts) + match.group(3)

    content = NOTEBOOK_MARKDOWN.sub(render_math, content)
    ids = []

    def heading(match):
        text = re.sub(r"<[^>]+>", "", match.group(2)).strip()
        anchor = _slugify(text) or f"section-{len(ids) + 1}"
        while anchor in ids:
            anchor += "-"
        ids.append(anchor)
        return f'<h{match.group(1)} id="{anchor}">{match.group(2)}<a class="anchor-link" href="#{anchor}">¶</a>'

    content = NOTEBOOK_HEADING.sub(heading, content)
    content = _keep_out_of_search(content)
    toc = []
    stack = list(page.toc.items)
    while stack:
        item = stack.pop(0)
        toc.append(item)
        stack[:0] = item.children
    if len(toc) != len(ids):
        raise PluginError(f"{page.file.src_uri}: {len(ids)} headings but {len(toc)} table-of-contents entries")
    for item, anchor in zip(toc, ids):
        item.id = anchor
    return content


def _keep_out_of_search(content):
    """Material's search index holds every page of a language: index the prose, not code, outputs,
    figures or math (KaTeX's HTML, MathML and TeX would hold each formula three times).
    Its parser ends an exclusion at the first closing tag of the same name, so it is set on
    elements that never nest: <pre>, <figure> (see _figure) and book-math (book/katex.py)."""
    content = _book("search").keep_out(content)  # labels and file names: book/search.py
    return content.replace("<pre>", "<pre data-search-exclude>").replace("<pre ", "<pre data-search-exclude ")


HEAD_ALTERNATE = re.compile(r'\s*<link rel="alternate" href="[^"]*" hreflang="[^"]*">')


def on_post_page(output, page, config):
    """Material fetches sitemap.xml next to every <link rel=alternate> in the head, which
    i18n points at the page itself (./sitemap.xml: a 404 and a console error per page).
    The language menu keeps its per-page links, and sitemap.xml lists the alternates."""
    head, end, body = output.partition("</head>")  # the head only: the regex is slow over a whole page
    output = HEAD_ALTERNATE.sub("", head) + end + body
    try:  # an English page searches the English index (book/search.py)
        return _book("search").localize_config(output, _i18n(config).current_language, _DEFAULT_LANG)
    except ValueError as error:
        raise PluginError(f"{page.file.src_uri}: {error}") from error


# ----------------------------------------------------------------------------- build

@event_priority(-200)  # after i18n's on_post_build, which builds the other language inside it
def on_post_build(config):
    # each language's own search index, after Material's (and i18n's merged one): book/search.py
    _book("search").write_index(config, _i18n(config), LANGS, _DEFAULT_LANG)
    if _i18n(config).building:
        return  # the nested build of a second language: check once, at the very end
    site_dir = Path(config.site_dir)
    _book("katex").copy_assets(site_dir)
    try:  # the downloadable labs carry the snippet files they import
        _book("notebooks").write_published(site_dir, config.site_url, replace_only=True)
    except ValueError as error:
        raise PluginError(f"publishing the lab notebooks: {error}") from error
    (site_dir / "snippets").mkdir(exist_ok=True)
    for path in sorted([*ROOT.glob("snippets/*_numpy.py"), *ROOT.glob("snippets/*_torch.py")]):
        shutil.copyfile(path, site_dir / "snippets" / path.name)
    problems = []
    ko, en = _formulas_seen["ko"], _formulas_seen["en"]
    for page in sorted(set(ko) | set(en)):
        if ko.get(page) != en.get(page):
            problems.append(f"{page}: formulas differ between ko {ko.get(page)} and en {en.get(page)}")
    for formula_id, entry in _book("catalogue").formulas().items():
        shown_on = [page for page, seen in ko.items() if formula_id in dict(seen)]
        if shown_on != [entry["page"]]:
            problems.append(f"formula {formula_id} belongs on page {entry['page']} (book/formulas.yml) "
                            f"but is shown on {shown_on or 'no page'}")
    base_path = "/" + config.site_url.split("://", 1)[-1].split("/", 1)[-1] if config.site_url else "/"
    problems += _book("site_check").check_site(site_dir, base_path)
    if problems:
        raise PluginError("The built site has problems:\n  " + "\n  ".join(problems))
    log.info("checked %d formula blocks in %d pages per language, links, anchors and hosts",
             sum(len(v) for v in ko.values()), len(ko))
    log.info("this build: %s", _book("buildcache").summary())
