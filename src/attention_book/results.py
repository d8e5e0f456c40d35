"""The results table that grows from chapter to chapter, and the published rows it is compared with.

Published rows: ETTh1, multivariate setting (all 7 channels in and out), horizon H = 96, test MSE and MAE on the
standardised scale. The LTSF models used a look-back of L = 336 hours, the Transformer baselines of Zeng et al.
(2023) L = 96 (their best setting), PatchTST/64 L = 512.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from .checks import check_float


@dataclass(frozen=True)
class Row:
    """One line of the table."""

    model: str
    mse: float
    mae: float
    source: str  # a key of book/references.bib, or "this book"
    note: str = ""


#: How a source is named in the table (the bibliography key, with the table it was taken from).
SOURCES = {
    "zeng2023dlinear": "Zeng et al. (2023), Table 2",
    "nie2023patchtst": "Nie et al. (2023), Table 3",
    "zhou2021informer": "Zhou et al. (2021), Table 2",
    "liu2024itransformer": "Liu et al. (2024), full results",
    "qiu2024tfb": "OpenTS leaderboard (TFB, Qiu et al., 2024)",
    "lin2023segrnn": "Lin et al. (2023), README rerun",
}

#: ETTh1, H = 96, test set (Zeng et al., 2023, Table 2; Nie et al., 2023, Table 3).
PUBLISHED_ETTH1_96 = (
    Row("Repeat", 1.295, 0.713, "zeng2023dlinear", "last value repeated"),
    Row("Linear", 0.375, 0.397, "zeng2023dlinear", "L = 336"),
    Row("DLinear", 0.375, 0.399, "zeng2023dlinear", "L = 336"),
    Row("PatchTST/64", 0.370, 0.400, "nie2023patchtst", "L = 512"),
    Row("FEDformer", 0.376, 0.419, "zeng2023dlinear", "L = 96"),
    Row("Autoformer", 0.449, 0.459, "zeng2023dlinear", "L = 96"),
    Row("Informer", 0.865, 0.713, "zeng2023dlinear", "L = 96"),
)


#: The LSTM with Bahdanau attention ("LSTMa"), the classic recurrent baseline of the Informer paper (Zhou et al.,
#: 2021, Table 2, ETTh1 multivariate). Its protocol differs from the rows above: it reports H = 48 and 168 (no
#: 96), with a look-back tuned per model from 24 to 720 hours, so these rows bracket H = 96 and are not comparable.
LSTMA_ETTH1 = (
    Row("LSTMa (H = 48)", 0.702, 0.675, "zhou2021informer", "Informer protocol: not comparable"),
    Row("LSTMa (H = 168)", 1.212, 0.867, "zhou2021informer", "Informer protocol: not comparable"),
)


#: iTransformer, one token per channel (Liu et al., 2024), ETTh1, H = 96, L = 96. Its loader keeps every test window.
ITRANSFORMER_ETTH1_96 = Row("iTransformer", 0.386, 0.405, "liu2024itransformer", "L = 96")


#: Reruns that keep every test window, ETTh1 multivariate, by horizon H. The original loaders of Informer and
#: the papers that reused its code dropped the last incomplete batch of test windows (``drop_last=True``), so each
#: paper scored a slightly different test set (the FITS and TFB READMEs, Xu et al., 2024; Qiu et al., 2024). These
#: rows come from the OpenTS leaderboard of the TFB authors, which keeps every window, and from the SegRNN authors'
#: rerun at L = 96. DLinear is left out at H = 192 and 720, where two versions of the leaderboard file disagree.
_FAIR = {  # model: (source, what to add to the note, {H: (MSE, MAE)})
    "PatchTST": ("qiu2024tfb", "", {96: (0.377, 0.397), 192: (0.409, 0.425), 336: (0.431, 0.444),
                                    720: (0.457, 0.477)}),
    "DLinear": ("qiu2024tfb", "", {96: (0.379, 0.403), 336: (0.440, 0.440)}),
    "FITS": ("qiu2024tfb", "", {96: (0.376, 0.396), 192: (0.400, 0.418), 336: (0.419, 0.435),
                                720: (0.435, 0.458)}),
    "iTransformer": ("qiu2024tfb", "", {96: (0.386, 0.405), 192: (0.430, 0.435), 336: (0.450, 0.452),
                                        720: (0.495, 0.487)}),
    "DUET": ("qiu2024tfb", "; Qiu et al. (2025)", {96: (0.352, 0.385), 192: (0.398, 0.409), 336: (0.414, 0.426),
                                                   720: (0.430, 0.457)}),
    "SegRNN": ("lin2023segrnn", ", L = 96", {96: (0.368, 0.395), 192: (0.408, 0.419), 336: (0.444, 0.440),
                                             720: (0.446, 0.457)}),
}
FAIR_ETTH1 = {horizon: tuple(Row(model, *scores[horizon], source, f"every test window{note}")
                             for model, (source, note, scores) in _FAIR.items() if horizon in scores)
              for horizon in (96, 192, 336, 720)}


def fair_by_horizon(metric: str = "mse") -> pd.DataFrame:
    """The reruns of :data:`FAIR_ETTH1` as one table: a row per model, indexed by (model, source) with the source
    as the table names it, and a column per horizon; NaN where the source gives no number. ``metric`` is
    ``"mse"`` or ``"mae"``."""
    if metric not in ("mse", "mae"):
        raise ValueError(f"metric: expected 'mse' or 'mae', got {metric!r}")
    records = [{"model": row.model, "source": SOURCES[row.source], "horizon": horizon, metric: getattr(row, metric)}
               for horizon, rows in FAIR_ETTH1.items() for row in rows]
    table = pd.DataFrame(records).pivot(index=["model", "source"], columns="horizon", values=metric)
    order = list(dict.fromkeys(record["model"] for record in records))  # the order of the source list
    table = table.reindex(sorted(table.index, key=lambda key: order.index(key[0])))
    table.columns.name = "horizon"
    return table.reindex(columns=sorted(FAIR_ETTH1))


class ResultsTable:
    """Rows measured in this book next to the published ones, shown as a Markdown table in a notebook."""

    def __init__(self, title: str = "ETTh1, horizon 96, test set", published=PUBLISHED_ETTH1_96):
        self.title = title
        self.published = tuple(published)
        self.rows: list[Row] = []

    def add(self, model: str, mse: float, mae: float, note: str = "") -> ResultsTable:
        """Add (or replace) a row measured here."""
        mse, mae = check_float("mse", mse, 0), check_float("mae", mae, 0)
        self.rows = [row for row in self.rows if row.model != model]
        self.rows.append(Row(model, mse, mae, "this book", note))
        return self

    def __getitem__(self, model: str) -> Row:
        for row in self.rows:
            if row.model == model:
                return row
        raise KeyError(f"model: no row named {model!r}; rows are {[row.model for row in self.rows]}")

    def all_rows(self) -> list[Row]:
        """The book's rows, then the published ones, each group sorted by MSE."""
        return sorted(self.rows, key=lambda r: r.mse) + sorted(self.published, key=lambda r: r.mse)

    @staticmethod
    def _cells(row: Row) -> list[str]:
        return [row.model, f"{row.mse:.3f}", f"{row.mae:.3f}", SOURCES.get(row.source, row.source), row.note]

    def to_markdown(self) -> str:
        """A Markdown table."""
        lines = [f"**{self.title}**", "", "| model | MSE | MAE | source | note |", "|---|---:|---:|---|---|"]
        for row in self.all_rows():
            lines.append("| " + " | ".join(self._cells(row)) + " |")
        return "\n".join(lines)

    def _repr_markdown_(self) -> str:
        return self.to_markdown()

    def __repr__(self) -> str:
        cells = [["model", "MSE", "MAE", "source", "note"]] + [self._cells(row) for row in self.all_rows()]
        widths = [max(len(line[i]) for line in cells) for i in range(5)]
        text = [self.title] + ["  ".join(c.ljust(w) for c, w in zip(line, widths, strict=True)).rstrip()
                               for line in cells]
        return "\n".join(text)
