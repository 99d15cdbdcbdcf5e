"""What `mkdocs serve` keeps between rebuilds, so that an edit redoes only what it changes.

MkDocs rebuilds the whole site on every edit, loads hooks.py again and makes new plugin
objects; this module is imported once and holds, in memory, the results of the expensive
work that is a pure function of what it is keyed on:

    Markdown -> HTML of a page     the page's Markdown after the directives, every file its
                                   `--8<--` lines include, mkdocs.yml, the site's file layout,
                                   the page's place in it and the build's language
    search entries of a page       (Material's search plugin parses every page's HTML) the
                                   page's HTML, table of contents, URL, title and metadata
    Jinja templates                compiled once; Jinja checks each template's source
    the theme's files              Material's folder listed once (~14,000 icons); overrides/
                                   listed on every build
    snippet and book/ modules      re-imported only when their file, or a file they import
                                   (transitively), changes; a data file (book/*.yml,
                                   book/results/) re-imports all of book/
    executed notebooks             mkdocs-jupyter's cache, keyed also on the snippet files the
                                   notebook imports (book/notebooks.py) and the torch version

A warm rebuild writes the same site as a cold build (tests/test_rebuild.py). A page whose
conversion logged a warning is never stored: the warning (and a strict build's failure)
comes again. `BOOK_BUILD_CACHE=off` or `BOOK_NOTEBOOK_CACHE=off` (CI) turns all of this off,
so a published build computes everything.
"""

import ast
import copy
import hashlib
import json
import logging
import os
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SNIPPET_LINE = re.compile(r'--8<--[ \t]+"([^"\n]+)"')
# book/ modules that hold Node (katex) or this cache: never re-imported.
KEPT = {"book", "book.katex", "book.buildcache"}

_pages = {}      # key -> what Page.render computed
_search = {}     # key -> Material search entries of one page
_parsed_imports = {}  # (path, source) -> every module name the source imports
_modules = {}    # module name -> digest of its source and its imports' sources, as last imported
_data = None     # digest of book/ data files as last imported
stats = {}       # what the current build computed and what it reused (logged by hooks.py)


def enabled():
    return (os.environ.get("BOOK_BUILD_CACHE", "on") != "off"
            and os.environ.get("BOOK_NOTEBOOK_CACHE", "on") != "off")


def _sha(*parts):
    digest = hashlib.sha256()
    for part in parts:
        digest.update(part if isinstance(part, bytes) else str(part).encode())
        digest.update(b"\0")
    return digest.hexdigest()


def clear():
    """Forget everything (the next build is cold)."""
    global _data
    _pages.clear()
    _search.clear()
    _modules.clear()
    _data = None


_used = set()    # keys of _pages and _search that the current build used
_complete = False  # whether the last build got to its end (hooks.py logs the summary there)


def start_build():
    """A new build of both languages begins: forget what the last complete build did not use
    (an edited page's old versions), and count afresh."""
    global _complete
    if _complete:
        for cache in (_pages, _search):
            for key in set(cache) - _used:
                del cache[key]
    _used.clear()
    _complete = False
    stats.clear()
    stats.update(converted=0, reused=0, indexed=0, index_reused=0, reloaded=[], executed=[], converted_pages=[])


def stale_references():
    """'module.attribute' for every module of snippets/ or book/ that holds a module object
    other than the one in sys.modules (what a partial re-import must never leave behind)."""
    found = []
    for name, module in list(sys.modules.items()):
        if name.split(".")[0] not in {"snippets", "book"} or module is None:
            continue
        for attribute, value in vars(module).items():
            if (type(value) is type(sys) and value.__name__.split(".")[0] in {"snippets", "book"}
                    and sys.modules.get(value.__name__) is not value):
                found.append(f"{name}.{attribute}")
    return sorted(found)


def summary():
    """One line on what this build computed and reused; called once the build has succeeded."""
    global _complete
    _complete = True
    parts = [f"{stats.get('converted', 0)} pages converted ({stats.get('reused', 0)} reused)",
             f"{stats.get('indexed', 0)} indexed for search ({stats.get('index_reused', 0)} reused)"]
    parts.append("re-imported: " + (", ".join(stats.get("reloaded") or []) or "nothing"))
    parts.append("notebooks executed: " + (", ".join(stats.get("executed") or []) or "none"))
    return "; ".join(parts)


# ------------------------------------------------------------------------ modules

def _local_modules():
    """{module name: path} of snippets/ and book/."""
    found = {}
    for package in ("snippets", "book"):
        for path in sorted((ROOT / package).glob("*.py")):
            found[package if path.stem == "__init__" else f"{package}.{path.stem}"] = path
    return found


def _imports(path, known):
    """The modules of `known` that the file at `path` imports (static imports only)."""
    source = path.read_bytes()
    key = (str(path), source)
    if key not in _parsed_imports:
        _parsed_imports[key] = _all_imports(source, path)
    return {name for name in _parsed_imports[key] if name in known}


def _all_imports(source, path):
    found = set()
    for node in ast.walk(ast.parse(source, str(path))):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
            found |= {f"{node.module}.{alias.name}" for alias in node.names}
    return frozenset(found)


def module_digests():
    """{module: digest of its source and of every local module it imports, transitively}.

    Dynamic imports (importlib.import_module) are not followed: catalogue.snippet_module
    looks the module up on every call, so it holds no stale module object.
    """
    known = _local_modules()
    sources = {name: path.read_bytes() for name, path in known.items()}
    # A submodule runs its package's __init__ first: it depends on it.
    direct = {name: _imports(path, known) | ({name.split(".")[0]} - {name}) for name, path in known.items()}
    digests = {}
    for name in known:
        closure, todo = set(), [name]
        while todo:
            current = todo.pop()
            if current not in closure:
                closure.add(current)
                todo += direct[current]
        digests[name] = _sha(*(f"{m}\0".encode() + sources[m] for m in sorted(closure)))
    return digests


def data_digest():
    """The data that book/ modules read and memoize: book/*.yml and book/results/."""
    paths = sorted([*ROOT.glob("book/*.yml"), *ROOT.glob("book/results/*")])
    return _sha(*(p.relative_to(ROOT).as_posix().encode() + b"\0" + p.read_bytes() for p in paths if p.is_file()))


def refresh_modules(reloaded_book):
    """Drop from sys.modules every snippet module, and every module of `reloaded_book`, whose
    source or imports changed since the last build (all of them on the first build of a
    process). Returns the names dropped."""
    global _data
    digests, data = module_digests(), data_digest()
    candidates = [m for m in sys.modules if (m.split(".")[0] == "snippets" or m in reloaded_book) and m not in KEPT]
    stale = [m for m in candidates if _modules.get(m) != digests.get(m) or (m.startswith("book.") and data != _data)]
    for name in stale:
        del sys.modules[name]
        package, _, child = name.rpartition(".")
        if package in sys.modules and package not in stale and hasattr(sys.modules[package], child):
            delattr(sys.modules[package], child)  # or `from book import plots` returns the old module
    _modules.clear()
    _modules.update(digests)
    _data = data
    stats.setdefault("reloaded", []).extend(sorted(stale))
    return sorted(stale)


# --------------------------------------------------------------------- notebooks

def notebook_inputs(nb_path):
    """Digest of what an executed notebook depends on besides its own bytes: the snippet files
    it imports (with snippets/__init__.py) and the versions of torch and numpy."""
    import numpy
    import torch

    from book import notebooks

    notebook = json.loads(Path(nb_path).read_text(encoding="utf-8"))
    modules = notebooks.imported_modules(notebook)
    paths = [ROOT / "snippets" / "__init__.py", *(ROOT / "snippets" / f"{m}.py" for m in modules)]
    return _sha(*(p.name.encode() + b"\0" + (p.read_bytes() if p.exists() else b"<missing>") for p in paths),
                f"torch={torch.__version__} cuda={torch.cuda.is_available()} numpy={numpy.__version__}")


def _install_notebook_key():
    from mkdocs_jupyter import plugin as jupyter

    original = getattr(jupyter, "_compute_cache_key", None)
    if original is None or getattr(original, "book_keyed", False):
        return original is not None

    def key(nb_path, config, exec_nb):
        return _sha(original(nb_path, config, exec_nb), notebook_inputs(nb_path))

    key.book_keyed = True
    jupyter._compute_cache_key = key
    return True


def _install_notebook_count():
    from mkdocs_jupyter import convert

    if getattr(convert.nb2html, "book_counted", False):
        return
    original = convert.nb2html

    def nb2html(nb_path, *args, **kwargs):  # mkdocs-jupyter calls it where it uses no cached output
        stats.setdefault("executed", []).append(Path(nb_path).name)
        return original(nb_path, *args, **kwargs)

    nb2html.book_counted = True
    convert.nb2html = nb2html


def notebook_cache_key_installed():
    """Install the notebook key (once); False where mkdocs-jupyter has no such function, so
    that the caller turns its cache off rather than trust a key that ignores the snippets."""
    return _install_notebook_key()


# --------------------------------------------------------------------- page HTML

class _Warnings(logging.Handler):
    def __init__(self):
        super().__init__(logging.WARNING)
        self.count = 0

    def emit(self, record):
        self.count += 1


def _included_files(markdown):
    """Digest of the files that `--8<--` lines include, or None if some line is not understood."""
    paths = SNIPPET_LINE.findall(markdown)
    if markdown.count("--8<--") != len(paths):
        return None
    parts = []
    for spec in sorted(set(paths)):
        path = ROOT / spec.split(":", 1)[0]
        parts.append(spec.encode() + b"\0" + (path.read_bytes() if path.is_file() else b"<missing>"))
    return _sha(*parts)


def _layout(files):
    return _sha(*sorted(f"{f.src_uri}\0{f.dest_uri}\0{f.url}\0{f.inclusion}" for f in files))


def _page_key(page, config, files):
    included = _included_files(page.markdown)
    if included is None:
        return None
    config_path = config.config_file_path
    config_bytes = Path(config_path).read_bytes() if config_path else b""
    layout = getattr(files, "_book_layout", None)
    if layout is None:
        layout = files._book_layout = _layout(files)
    return _sha(page.markdown, included, config_bytes, layout, page.file.src_uri, page.file.dest_uri,
                page.file.url, config.theme.get("language"), config.use_directory_urls,
                logging.getLogger("mkdocs").getEffectiveLevel() > logging.DEBUG)


def _install_render():
    from mkdocs.structure.pages import Page

    if getattr(Page.render, "book_cached", False):
        return
    original = Page.render

    def render(self, config, files):
        key = _page_key(self, config, files) if enabled() else None
        stored = _pages.get(key) if key else None
        if stored is not None:
            links = None
            if stored["links"] is not None:
                links = {}
                for src_uri, anchors in stored["links"].items():
                    target = files.get_file_from_path(src_uri)
                    if target is None:
                        stored = None
                        break
                    links[target] = dict(anchors)
        if stored is not None:
            _used.add(key)
            self.content = stored["content"]
            self.toc = copy.deepcopy(stored["toc"])
            self._title_from_render = stored["title"]
            self.present_anchor_ids = set(stored["anchors"])
            if links is not None:
                self.links_to_anchors = links
            stats["reused"] = stats.get("reused", 0) + 1
            return
        watcher = _Warnings()
        logging.getLogger("mkdocs").addHandler(watcher)
        try:
            original(self, config, files)
        finally:
            logging.getLogger("mkdocs").removeHandler(watcher)
        stats["converted"] = stats.get("converted", 0) + 1
        stats.setdefault("converted_pages", []).append(self.file.src_uri)
        if key and not watcher.count:
            _used.add(key)
            links = getattr(self, "links_to_anchors", None)
            _pages[key] = {"content": self.content, "toc": copy.deepcopy(self.toc),
                           "title": self._title_from_render, "anchors": frozenset(self.present_anchor_ids or ()),
                           "links": None if links is None else
                           {f.src_uri: dict(anchors) for f, anchors in links.items()}}

    render.book_cached = True
    Page.render = render


# ------------------------------------------------------------------------ search

def _toc_key(items):
    return [(item.id, item.title, item.url, item.level, _toc_key(item.children)) for item in items]


def _install_search():
    from material.plugins.search.plugin import SearchIndex

    if getattr(SearchIndex.add_entry_from_context, "book_cached", False):
        return
    original = SearchIndex.add_entry_from_context

    def add_entry_from_context(self, page):
        key = None
        if enabled():
            key = _sha(page.content, page.url, page.title, json.dumps(page.meta, sort_keys=True, default=repr),
                       json.dumps(_toc_key(page.toc), default=repr))
        if key in _search:
            _used.add(key)
            self.entries.extend(copy.deepcopy(_search[key]))
            stats["index_reused"] = stats.get("index_reused", 0) + 1
            return
        before = len(self.entries)
        original(self, page)
        stats["indexed"] = stats.get("indexed", 0) + 1
        if key:
            _used.add(key)
            _search[key] = copy.deepcopy(self.entries[before:])

    add_entry_from_context.book_cached = True
    SearchIndex.add_entry_from_context = add_entry_from_context


# ------------------------------------------------------------------------- jinja

def _install_jinja():
    import jinja2
    from mkdocs.theme import Theme

    if getattr(Theme.get_env, "book_cached", False):
        return

    class Bytecode(jinja2.BytecodeCache):
        """Compiled templates in memory (Jinja compares each template's source checksum)."""

        def __init__(self):
            self.stored = {}

        def load_bytecode(self, bucket):
            if enabled() and bucket.key in self.stored:
                bucket.bytecode_from_string(self.stored[bucket.key])

        def dump_bytecode(self, bucket):
            if enabled():
                self.stored[bucket.key] = bucket.bytecode_to_string()

    cache = Bytecode()
    original = Theme.get_env

    def get_env(self):
        env = original(self)
        env.bytecode_cache = cache
        return env

    get_env.book_cached = True
    Theme.get_env = get_env


# ------------------------------------------------------------------- theme files

_theme_listing = {}  # a theme folder inside the Python installation -> the files in it
_theme_static = {}   # (file name, static templates) -> whether MkDocs copies it to the site


def _theme_names(dirs, static_templates):
    """What env.list_templates(filter_func=<the filter of Files.add_files_from_theme>) returns
    for a FileSystemLoader over `dirs`: the files of every folder (those of an installed
    package, Material's ~14,000 icons among them, listed once per process), sorted, less
    dot files, Python, HTML, Markdown, translations and the static templates."""
    import fnmatch

    import jinja2
    from mkdocs import utils

    installed = tuple({sys.prefix, sys.base_prefix})
    found = set()
    for folder in dirs:
        if folder.startswith(installed):
            if folder not in _theme_listing:
                _theme_listing[folder] = jinja2.FileSystemLoader([folder]).list_templates()
            found.update(_theme_listing[folder])
        else:
            found.update(jinja2.FileSystemLoader([folder]).list_templates())
    patterns = ['.*', '*/.*', '*.py', '*.pyc', '*.html', '*readme*', 'mkdocs_theme.yml', 'locales/*',
                *(f'*{x}' for x in utils.markdown_extensions), *static_templates]
    names = []
    for name in sorted(found):
        key = (name, static_templates)
        if key not in _theme_static:
            _theme_static[key] = not any(fnmatch.fnmatch(name.lower(), pattern) for pattern in patterns)
        if _theme_static[key]:
            names.append(name)
    return names


def _install_theme_files():
    import jinja2
    from mkdocs.structure.files import File, Files

    if getattr(Files.add_files_from_theme, "book_cached", False):
        return
    original = Files.add_files_from_theme

    def add_files_from_theme(self, env, config):
        """Files.add_files_from_theme of MkDocs 1.6.1, the listing and filtering memoized."""
        dirs = list(config.theme.dirs)
        if not enabled() or type(env.loader) is not jinja2.FileSystemLoader or list(env.loader.searchpath) != dirs:
            return original(self, env, config)
        for path in _theme_names(tuple(dirs), tuple(config.theme.static_templates)):
            if self.get_file_from_path(path) is None:  # theme files do not override docs_dir files
                for folder in dirs:
                    if os.path.isfile(os.path.join(folder, path)):
                        self.append(File(path, folder, config.site_dir, config.use_directory_urls))
                        break

    add_files_from_theme.book_cached = True
    Files.add_files_from_theme = add_files_from_theme


def install():
    """Patch MkDocs, Material and Jinja once per process (hooks.py calls it on every build)."""
    _install_render()
    _install_search()
    _install_jinja()
    _install_theme_files()
    _install_notebook_count()
