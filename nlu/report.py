"""Writing an evaluation report: Markdown for people, JSON for tools, a confusion-matrix PNG
per language (matplotlib, headless)."""

from __future__ import annotations

import json
from pathlib import Path

from nlu.evaluate import EvalReport, LangReport


def _lang_markdown(rep: LangReport) -> list[str]:
    lines = [
        f"## {rep.lang}: macro-F1 {rep.macro_f1:.3f}, accuracy {rep.accuracy:.3f} ({rep.examples} examples)",
        "",
        "| intent | precision | recall | F1 | support |",
        "|---|---:|---:|---:|---:|",
    ]
    for intent, m in sorted(rep.per_intent.items(), key=lambda kv: kv[1]["f1"]):
        lines.append(f"| {intent} | {m['precision']:.2f} | {m['recall']:.2f} | {m['f1']:.2f} | {int(m['support'])} |")
    lines += ["", "Most confused (true -> predicted: count):", ""]
    lines += [f"- {t} -> {g}: {n}" for t, g, n in rep.confused] or ["- none"]
    lines += ["", "| threshold | accuracy | fallback | wrong |", "|---:|---:|---:|---:|"]
    lines += [
        f"| {r['threshold']:.2f} | {r['accuracy']:.3f} | {r['fallback']:.3f} | {r['wrong']:.3f} |"
        for r in rep.thresholds
    ]
    return [*lines, ""]


def markdown(report: EvalReport) -> str:
    lines = [
        f"# NLU cross-validation: {report.backend}",
        "",
        f"{report.folds} stratified folds per language, seed {report.seed}; "
        f"training {report.train_seconds_per_fold:.1f} s per fold. "
        f"Threshold with the best utility: {report.best_threshold:.2f}.",
        "",
        "| language | examples | accuracy | macro-F1 |",
        "|---|---:|---:|---:|",
    ]
    for rep in report.languages.values():
        lines.append(f"| {rep.lang} | {rep.examples} | {rep.accuracy:.3f} | {rep.macro_f1:.3f} |")
    lines.append("")
    for rep in report.languages.values():
        lines += _lang_markdown(rep)
    return "\n".join(lines)


def confusion_png(rep: LangReport, path: Path, backend: str) -> None:
    import matplotlib

    matplotlib.use("Agg")  # no display on a server
    import matplotlib.pyplot as plt

    n = len(rep.labels)
    size = max(6.0, 0.32 * n + 3)
    fig, ax = plt.subplots(figsize=(size, size * 0.9))
    try:
        im = ax.imshow(rep.matrix, cmap="Blues")
        ax.set_xticks(range(n), rep.labels, rotation=90, fontsize=7)
        ax.set_yticks(range(n), rep.labels, fontsize=7)
        ax.set_xlabel("predicted")
        ax.set_ylabel("true")
        ax.set_title(f"{backend} / {rep.lang}: macro-F1 {rep.macro_f1:.3f}")
        for i, row in enumerate(rep.matrix):
            for j, value in enumerate(row):
                if value and i != j:
                    ax.text(j, i, str(value), ha="center", va="center", fontsize=6, color="red")
        fig.colorbar(im, ax=ax, fraction=0.03)
        fig.tight_layout()
        fig.savefig(path, dpi=110)
    finally:
        plt.close(fig)


def write_reports(report: EvalReport, out_dir: Path) -> list[Path]:
    out_dir.mkdir(parents=True, exist_ok=True)
    stem = f"nlu-{report.backend}"
    md = out_dir / f"{stem}.md"
    md.write_text(markdown(report), encoding="utf-8")
    js = out_dir / f"{stem}.json"
    js.write_text(json.dumps(report.to_json(), ensure_ascii=False, indent=1), encoding="utf-8")
    written = [md, js]
    for rep in report.languages.values():
        png = out_dir / f"{stem}-{rep.lang}-confusion.png"
        confusion_png(rep, png, report.backend)
        written.append(png)
    return written
