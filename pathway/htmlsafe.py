"""Putting data into generated HTML without letting it become markup or script.

Titles, captions, labels and references come from files a teacher may have been
sent by someone else. Whatever they hold, they reach a page as text:

* :func:`script_json` is JSON for inside a ``<script>`` element (or a ``.js``
  file): ``<``, ``>`` and ``&`` become ``\\u003c``, ``\\u003e`` and ``\\u0026``, so
  no ``</script>`` or ``<!--`` can end or change the script, and U+2028 and
  U+2029 (line ends to older JavaScript) are escaped too;
* :func:`html_text` is text for markup and attribute values: ``&``, ``<``, ``>``
  and both quotes become character references.
"""

from __future__ import annotations

import html
import json

_SCRIPT_ESCAPES = {"<": "\\u003c", ">": "\\u003e", "&": "\\u0026",
                   "\u2028": "\\u2028", "\u2029": "\\u2029"}
_TABLE = str.maketrans(_SCRIPT_ESCAPES)


def script_json(data, **kwargs) -> str:
    """``json.dumps(data, **kwargs)`` safe to place inside a ``<script>`` element.

    Every escape stands inside a JSON string (outside strings JSON has none of
    these characters), so the value the script reads is unchanged."""
    return json.dumps(data, **kwargs).translate(_TABLE)


def html_text(text) -> str:
    """``text`` escaped for HTML markup and quoted attribute values."""
    return html.escape(str(text), quote=True)
