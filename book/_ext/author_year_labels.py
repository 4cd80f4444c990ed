"""Bibliography labels in the author–year form of the book's citations ("Amrouche et al. 2019"), not pybtex's
alphanumeric ones ("AALekic+19"): a pybtex label style and a formatting style that uses it, registered when Sphinx
loads this extension (``_config.yml``: ``sphinx.local_extensions``, ``bibtex_default_style: author_year``)."""

from __future__ import annotations

from pybtex.plugin import register_plugin
from pybtex.richtext import Text
from pybtex.style.formatting.plain import Style as PlainStyle
from pybtex.style.labels import BaseLabelStyle


def _last_name(person) -> str:
    return Text.from_latex(" ".join(person.last_names)).render_as("text").replace("{", "").replace("}", "")


class AuthorYearLabels(BaseLabelStyle):
    """"Hochreiter and Schmidhuber 1997", "Amrouche et al. 2019"; a letter after the year tells apart two works of
    one label."""

    def format_labels(self, sorted_entries):
        labels = []
        for entry in sorted_entries:
            people = entry.persons.get("author") or entry.persons.get("editor") or []
            names = [_last_name(p) for p in people]
            who = (names[0] if len(names) == 1 else f"{names[0]} and {names[1]}" if len(names) == 2
                   else f"{names[0]} et al." if names else entry.key)
            labels.append(f"{who} {entry.fields.get('year', '')}".strip())
        for label in labels:
            same = [other for other in labels if other == label]
            if len(same) > 1:
                index = sum(1 for earlier in labels[:labels.index(label)] if earlier == label)
                yield f"{label}{'abcdefghijklmnopqrstuvwxyz'[index]}"
            else:
                yield label


class AuthorYearStyle(PlainStyle):
    default_label_style = "author_year"


def setup(app):
    register_plugin("pybtex.style.labels", "author_year", AuthorYearLabels)
    register_plugin("pybtex.style.formatting", "author_year", AuthorYearStyle)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
