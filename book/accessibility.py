"""Accessibility fixes the theme and the notebook converter leave to the book.

Notebook outputs: nbconvert makes each output's <div> focusable, but the element that
scrolls is the <pre> inside it (book.css: overflow-x: auto), which a keyboard could not
reach (axe: scrollable-region-focusable). The <pre> becomes the one tab stop, a labelled
region ("Output 3"), and the <div> leaves the tab order.

Checked by tests/test_accessibility.py (axe-core, WCAG 2.1 A/AA, every page, both schemes).
"""

import re

OUTPUT_LABEL = {"ko": "출력", "en": "Output"}
TEXT_OUTPUT = re.compile(r'(<div class="[^"]*\bjp-OutputArea-output\b[^"]*"[^>]*?)( tabindex="0")?(>\s*)<pre\b')


def label_notebook_outputs(content, lang):
    """Notebook HTML with every text output's <pre> focusable and labelled "Output <n>"."""
    if lang not in OUTPUT_LABEL:
        raise ValueError(f"lang must be one of {sorted(OUTPUT_LABEL)}, got {lang!r}")
    count = 0

    def label(match):
        nonlocal count
        count += 1
        return (f'{match.group(1)}{match.group(3)}<pre tabindex="0" role="region" '
                f'aria-label="{OUTPUT_LABEL[lang]} {count}"')

    return TEXT_OUTPUT.sub(label, content)
