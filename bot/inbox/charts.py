"""PNG charts of the figures (matplotlib, the Agg backend: no display, safe in a server)."""

from __future__ import annotations

import io

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt

from bot.inbox.figures import Figures

CHARTS = ("topics", "fallback", "weeks", "to_person")


def _bars(labels: list[str], values: list[float], title: str, *, percent: bool = False) -> bytes:
    fig, ax = plt.subplots(figsize=(8, max(2.5, 0.3 * len(labels) + 1)))
    try:
        ax.barh(labels or ["—"], values or [0])
        ax.invert_yaxis()
        ax.set_title(title)
        if percent:
            ax.set_xlim(0, 1)
        fig.tight_layout()
        buf = io.BytesIO()
        fig.savefig(buf, format="png", dpi=90)
        return buf.getvalue()
    finally:
        plt.close(fig)


def chart(f: Figures, name: str) -> bytes:
    if name == "topics":
        top = f.topics()[:20]
        return _bars([t for t, _ in top], [n for _, n in top], "Questions per topic")
    if name == "fallback":
        langs = sorted(f.per_lang)
        return _bars(langs, [f.fallback_rate(lang) for lang in langs], "Fallback rate per language", percent=True)
    if name == "to_person":
        top = f.to_person.most_common(15)
        return _bars([t for t, _ in top], [n for _, n in top], "Topics that led to a person")
    if name == "weeks":
        per_week = {w: 0 for w in f.weeks}
        for (week, _lang, _topic), n in f.questions.items():
            per_week[week] = per_week.get(week, 0) + n
        return _bars(list(per_week), list(per_week.values()), "Questions per week")
    raise KeyError(name)
