"""A PNG chart of the units' reporting states for a round (matplotlib, Agg, no pyplot)."""

from __future__ import annotations

import io

from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.patches import Patch

from bot.digest import Digest
from bot.i18n import Translator
from bot.progress import BUCKETS
from bot.reports.labels import BUCKET_COLORS, bucket_label


def render_chart_png(digest: Digest, t: Translator, *, dpi: int = 110) -> bytes:
    """One bar per unit (share of what it owes that it has reported), coloured by bucket."""
    _ = t.gettext
    units = list(digest.units)
    height = max(3.0, 0.32 * len(units) + 1.8)
    figure = Figure(figsize=(8.5, height), dpi=dpi)
    FigureCanvasAgg(figure)
    axes = figure.add_subplot()
    positions = list(range(len(units)))
    shares = [100.0 * unit.done / unit.required if unit.required else 0.0 for unit in units]
    colors = [BUCKET_COLORS[unit.bucket] for unit in units]
    # Units that reported nothing still get a thin bar so that their colour shows.
    axes.barh(positions, [max(share, 1.5) for share in shares], color=colors, height=0.7)
    axes.set_yticks(positions, [unit.short_name for unit in units], fontsize=9)
    axes.invert_yaxis()
    axes.set_xlim(0, 100)
    axes.set_xlabel(_("Share of the required items reported (%)"), fontsize=9)
    axes.set_title(_("Reporting state — {round}").format(round=digest.round.label(t)), fontsize=11)
    axes.grid(axis="x", alpha=0.3)
    handles = [
        Patch(
            color=BUCKET_COLORS[bucket],
            label=f"{bucket_label(t, bucket)}: {digest.count(bucket)}",
        )
        for bucket in BUCKETS
    ]
    axes.legend(
        handles=handles,
        loc="upper center",
        bbox_to_anchor=(0.5, -0.12 if len(units) > 6 else -0.25),
        ncol=2,
        fontsize=8,
        frameon=False,
    )
    figure.tight_layout()
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", metadata={"Software": None})
    return buffer.getvalue()
