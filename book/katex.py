"""KaTeX at build time: TeX in, HTML out, through one long-lived Node.js process.

KaTeX itself comes from npm (package.json, installed by `npm ci` into node_modules/).
Its fonts are published subset to the characters the book's formulas use (about 90 % less
to download); the glyphs come from the package at build time, never from a committed copy.
"""

import atexit
import hashlib
import json
import re
import shutil
import subprocess
from functools import lru_cache

from fontTools import subset

from book.catalogue import ROOT

NODE_MODULES = ROOT / "node_modules"
DIST = NODE_MODULES / "katex" / "dist"


_characters = set()  # every character of every rendered formula, for the font subsets


class KatexError(ValueError):
    pass


@lru_cache(maxsize=1)
def _server():
    if not (NODE_MODULES / "katex").is_dir():
        raise KatexError("KaTeX is not installed: run `npm ci` in the repository root (make does it)")
    node = shutil.which("node")
    if node is None:
        raise KatexError("Node.js is needed to render math at build time; install it (apt-get install nodejs)")
    process = subprocess.Popen([node, str(ROOT / "book" / "katex_server.cjs")], cwd=ROOT, text=True,
                               encoding="utf-8", stdin=subprocess.PIPE, stdout=subprocess.PIPE)
    atexit.register(process.kill)
    return process


@lru_cache(maxsize=4096)
def render(tex, display):
    """HTML for one formula, wrapped in <book-math>; raises KatexError (with the TeX)."""
    process = _server()
    process.stdin.write(json.dumps({"tex": tex, "display": display}) + "\n")
    process.stdin.flush()
    answer = json.loads(process.stdout.readline())
    if "error" in answer:
        raise KatexError(f"KaTeX cannot render {tex!r}: {answer['error']}")
    _characters.update(re.sub(r"<[^>]*>", "", answer["html"]))
    # An element of its own, so Material's search can leave the rendering out of its index.
    return f"<book-math data-search-exclude>{answer['html']}</book-math>"


def copy_assets(site_dir):
    """katex.min.css and its woff2 fonts, each cut down to the characters rendered so far."""
    target = site_dir / "assets" / "katex"
    (target / "fonts").mkdir(parents=True, exist_ok=True)
    css = (DIST / "katex.min.css").read_text(encoding="utf-8")
    # every browser that runs the site reads woff2: drop the woff and ttf fallbacks
    css = re.sub(r',url\(fonts/[\w-]+\.woff\) format\("woff"\),url\(fonts/[\w-]+\.ttf\) format\("truetype"\)', "", css)
    (target / "katex.min.css").write_text(css, encoding="utf-8")
    codepoints = sorted({ord(c) for c in _characters})
    version = json.loads((NODE_MODULES / "katex" / "package.json").read_text(encoding="utf-8"))["version"]
    key = hashlib.sha256(f"{version} {codepoints} unhinted".encode()).hexdigest()[:16]
    cached = ROOT / ".cache" / "katex-fonts" / key  # the same subsets until a formula adds a character
    if not cached.is_dir():
        cached.mkdir(parents=True)
        options = subset.Options()
        options.flavor = "woff2"
        options.layout_features = ["*"]
        # TrueType hinting instructions are a fifth to a half of each subset (the three fonts a
        # formula page loads: 23 -> 17 KB); unhinted glyphs are drawn as macOS draws every font
        options.hinting = False
        for font_path in sorted((DIST / "fonts").glob("*.woff2")):
            font = subset.load_font(str(font_path), options)
            subsetter = subset.Subsetter(options)
            subsetter.populate(unicodes=codepoints)
            subsetter.subset(font)
            subset.save_font(font, str(cached / font_path.name), options)
    shutil.copytree(cached, target / "fonts", dirs_exist_ok=True)
