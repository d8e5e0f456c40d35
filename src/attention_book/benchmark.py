"""The benchmark: every model of the book on ETTh1 at four horizons, several seeds, one CSV file.

    python -m attention_book.benchmark --data ETTh1 --horizons 96,192,336,720 --seeds 0,1,2 --out results/

writes ``results/etth1.csv``, one row per (model, variant, lookback, horizon, seed) with its test MSE and MAE over
every test window, its number of parameters, its training time and the versions it ran with, and
``results/etth1.md``, the table of mean ± standard deviation over the seeds. Rows already in the file are skipped,
so an interrupted run resumes where it stopped. The baselines are fitted in closed form (or not at all) and do not
depend on the seed: they get one row, seed 0.

A line-up is a list of entries ``model[:variant][@lookback]``, e.g. ``segment_attention:revin-last+ci@336``;
without a variant the model runs plain, without a look-back at ``--lookback``. :data:`LINEUP` is the book's.
"""

from __future__ import annotations

import argparse
import os
import re
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from .data import DataError, cache_dir

#: The columns of the results file, in order.
COLUMNS = ("model", "variant", "lookback", "horizon", "seed", "mse", "mae", "windows", "parameters",
           "train_seconds", "attention_book", "tensorflow", "keras")
#: The columns that name a row: a row with the same values is not run again.
KEY = ("model", "variant", "lookback", "horizon", "seed")

#: The book's line-up on ETTh1: the baselines, and each chapter's neural models plain, with instance normalisation
#: (``revin-last``) and with channel independence too (``revin-last+ci``). Bahdanau's decoder (H sequential steps)
#: and the point-wise Transformer (attention over all L steps) run at L = 96, as in their chapters, and without
#: channel independence, which multiplies their cost by C on a CPU (the patch Transformer is the Transformer in the
#: whole frame).
LINEUP = (
    "repeat", "seasonal", "linear", "linear@96", "linear@720",
    # chapter 2: recurrent networks
    "lstm", "lstm:revin-last", "segment_rnn", "segment_rnn:revin-last", "segment_rnn:revin-last+ci",
    "segment_rnn:revin-last+ci@720",
    # chapter 3: attention over the encoder's states
    "lstm_attention", "lstm_attention:revin-last", "lstm_attention:revin-last+ci",
    "ff_attention", "ff_attention:revin-last", "ff_attention:revin-last+ci",
    "ff_attention_multi", "ff_attention_multi:revin-last", "ff_attention_multi:revin-last+ci",
    "segment_attention", "segment_attention:revin-last", "segment_attention:revin-last+ci",
    "segment_attention:revin-last+ci@720",
    # chapter 4: encoder-decoder with attention
    "bahdanau@96", "bahdanau:revin-last@96",
    # chapter 5: Transformers
    "transformer@96", "transformer:revin-last@96", "patch_transformer",
    # chapter 7: attention across channels
    "itransformer@96",
)

_ENTRY = re.compile(r"^(?P<model>[a-z_0-9]+)(?::(?P<variant>[a-z0-9+-]+))?(?:@(?P<lookback>\d+))?$")


@dataclass(frozen=True)
class Entry:
    """One model of a line-up: its registered name, its frame (a :func:`~attention_book.frame.variant` label) and
    its look-back L."""

    model: str
    variant: str
    lookback: int


def parse_entry(text: str, lookback: int) -> Entry:
    """``"model[:variant][@lookback]"`` -> :class:`Entry`; a ``ValueError`` naming the entry if it is malformed,
    names no registered model, or asks for a frame the model does not take."""
    from .frame import parse_variant
    from .registry import check_frame

    match = _ENTRY.match(text.strip())
    if not match:
        raise ValueError(f"models: expected entries like name, name:revin-last+ci or name@336, got {text!r}")
    variant = match["variant"] or "plain"
    try:
        revin, channel_independent = parse_variant(variant)
        check_frame(match["model"], revin, channel_independent)
    except ValueError as error:
        raise ValueError(f"models: {text.strip()!r}: {error}") from None
    return Entry(match["model"], variant, int(match["lookback"] or lookback))


def versions() -> dict:
    """The versions a row ran with."""
    import importlib.metadata

    import keras
    import tensorflow as tf

    return {"attention_book": importlib.metadata.version("attention-book"), "tensorflow": tf.__version__,
            "keras": keras.__version__}


def run_row(entry: Entry, task, seed: int) -> dict:
    """Fit ``entry`` on ``task`` (its look-back and horizon) with ``seed`` and score it on every test window."""
    from . import metrics
    from .baselines import LinearForecaster
    from .forecasters import NeuralForecaster
    from .frame import parse_variant
    from .registry import build_model, fit_on_task

    revin, channel_independent = parse_variant(entry.variant)
    model = build_model(entry.model, task, seed, revin=revin, channel_independent=channel_independent)
    started = time.perf_counter()
    fit_on_task(model, task)
    seconds = time.perf_counter() - started
    predictions = model.predict(task.test.inputs)
    if isinstance(model, NeuralForecaster):
        parameters = model.model.count_params()
    else:  # the copying baselines have none
        parameters = int(model.weights.size) if isinstance(model, LinearForecaster) else 0
    return {"model": entry.model, "variant": entry.variant, "lookback": task.lookback, "horizon": task.horizon,
            "seed": seed, "mse": metrics.mse(predictions, task.test.targets),
            "mae": metrics.mae(predictions, task.test.targets), "windows": len(task.test.inputs),
            "parameters": parameters, "train_seconds": round(seconds, 2), **versions()}


def read_results(path: Path) -> pd.DataFrame:
    """The results file at ``path`` (an empty table if there is none yet); a ``ValueError`` if its columns are not
    :data:`COLUMNS`."""
    path = Path(path)
    if not path.exists():
        return pd.DataFrame(columns=list(COLUMNS))
    table = pd.read_csv(path)
    if tuple(table.columns) != COLUMNS:
        raise ValueError(f"out: expected a results file with the columns {', '.join(COLUMNS)}, got "
                         f"{', '.join(map(str, table.columns))} in {path}")
    return table


#: The book's repository (``owner/name``, as in ``_config.yml``; a test checks), whose ``results/`` folder holds
#: the committed results files.
REPOSITORY = "attention-book/attention-book"
RESULTS_URL = f"https://raw.githubusercontent.com/{REPOSITORY}/main/results/"
#: The ``results/`` folder of a clone, when the package runs from one (an editable install, as ``make`` sets up).
CLONE_RESULTS = Path(__file__).resolve().parents[2] / "results"


def load_results(data: str = "ETTh1", *, download: bool = True) -> pd.DataFrame:
    """The committed benchmark results for ``data`` (see :data:`COLUMNS`): the clone's ``results/<data>.csv`` when
    the package runs from a clone, else a copy downloaded from the book's repository into the cache (a chapter
    opened alone in Colab), else a :class:`~attention_book.data.DataError` that says where to get the file."""
    filename = f"{str(data).lower()}.csv"
    local = CLONE_RESULTS / filename
    if local.is_file():
        return read_results(local)
    cached = cache_dir() / "results" / filename
    if not cached.is_file():
        if not download:
            raise DataError(f"{filename}: no results file in {CLONE_RESULTS} or {cached.parent}, and download=False")
        cached.parent.mkdir(parents=True, exist_ok=True)
        try:
            with urllib.request.urlopen(RESULTS_URL + filename, timeout=60) as response:
                content = response.read()
        except (urllib.error.URLError, OSError) as error:
            raise DataError(f"could not download {RESULTS_URL + filename} ({error}); clone the book's repository "
                            f"(github.com/{REPOSITORY}) and install it with 'make', or put the file in "
                            f"{cached.parent}") from None
        partial = cached.with_suffix(".partial")
        partial.write_bytes(content)
        os.replace(partial, cached)
    return read_results(cached)


def summary(table: pd.DataFrame) -> pd.DataFrame:
    """Mean and standard deviation of MSE and MAE over the seeds, and the mean training time, per model, variant,
    look-back and horizon (``mse_std`` is 0 for a single seed)."""
    grouped = table.groupby(["model", "variant", "lookback", "horizon"], sort=False)
    result = grouped.agg(mse=("mse", "mean"), mse_std=("mse", "std"), mae=("mae", "mean"), mae_std=("mae", "std"),
                         seeds=("seed", "count"), train_seconds=("train_seconds", "mean"),
                         parameters=("parameters", "first"))
    return result.fillna({"mse_std": 0.0, "mae_std": 0.0}).reset_index()


def markdown(table: pd.DataFrame, title: str) -> str:
    """The summary as a Markdown table: one line per model, variant and look-back, one MSE / MAE column per
    horizon, each ``mean ± std`` over the seeds."""
    rows = summary(table)
    horizons = sorted(rows["horizon"].unique())
    lines = [f"# {title}", "", "Test MSE / MAE, mean ± standard deviation over the seeds (one row for the "
             "baselines, which do not depend on the seed).", "",
             "| Model | Variant | L | " + " | ".join(f"H = {h}" for h in horizons) + " | Seeds | Train s (H = "
             f"{horizons[0]}) |",
             "|---|---|---|" + "---|" * len(horizons) + "---|---|"]
    for (model, variant, lookback), group in rows.groupby(["model", "variant", "lookback"], sort=False):
        by_horizon = group.set_index("horizon")
        cells = []
        for horizon in horizons:
            if horizon not in by_horizon.index:
                cells.append("")
                continue
            row = by_horizon.loc[horizon]
            cells.append(f"{row.mse:.3f} ± {row.mse_std:.3f} / {row.mae:.3f} ± {row.mae_std:.3f}")
        first = by_horizon.iloc[0]
        lines.append(f"| {model} | {variant} | {lookback} | " + " | ".join(cells)
                     + f" | {int(first.seeds)} | {first.train_seconds:.0f} |")
    return "\n".join(lines) + "\n"


def mse_by_horizon(table: pd.DataFrame) -> pd.DataFrame:
    """Test MSE by horizon, for reading: one row per model, variant and look-back (in the file's order), one
    column per horizon, each cell ``mean ± std`` over the seeds, or the mean alone for one run; ``""`` where the
    setting was not run."""
    rows = summary(table)
    rows = rows.assign(cell=[f"{row.mse:.3f} ± {row.mse_std:.3f}" if row.seeds > 1 else f"{row.mse:.3f}"
                             for row in rows.itertuples()])
    grid = rows.pivot_table(index=["model", "variant", "lookback"], columns="horizon", values="cell",
                            aggfunc="first", sort=False)
    return grid.reindex(columns=sorted(grid.columns)).fillna("")


def markdown_table(frame: pd.DataFrame) -> str:
    """A table of strings or numbers as Markdown, its index as the first columns (no extra package needed)."""
    frame = frame.reset_index()
    lines = ["| " + " | ".join(map(str, frame.columns)) + " |", "|" + "---|" * frame.shape[1]]
    lines += ["| " + " | ".join(map(str, row)) + " |" for row in frame.itertuples(index=False)]
    return "\n".join(lines) + "\n"


def pareto_front(costs, errors) -> list[bool]:
    """For points (cost, error), whether each is on the Pareto front: no other point is at least as cheap and
    at least as accurate, and strictly better in one of the two. Lengths must agree."""
    costs, errors = list(costs), list(errors)
    if len(costs) != len(errors):
        raise ValueError(f"errors: expected one per cost ({len(costs)}), got {len(errors)}")
    points = list(zip(costs, errors, strict=True))
    return [not any(c <= cost and e <= error and (c < cost or e < error) for c, e in points) for cost, error in points]


def _seeds_for(entry: Entry, seeds) -> list[int]:
    from .registry import REGISTRY, Neural

    return list(seeds) if isinstance(REGISTRY[entry.model], Neural) else [0]


def run(entries, horizons, seeds, data: str = "ETTh1", out: str | Path = "results", say=print) -> pd.DataFrame:
    """Run every (entry, horizon, seed) not yet in ``out/<data>.csv``, appending each row to the file as it comes;
    ``say`` gets one progress line per row. Returns the whole table and writes ``out/<data>.md``."""
    from .tasks import make_task

    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    path = out / f"{Path(str(data)).stem.lower()}.csv"
    table = read_results(path)
    done = {tuple(row) for row in table[list(KEY)].astype(str).itertuples(index=False)}
    todo = [(entry, horizon, seed) for entry in entries for horizon in horizons for seed in _seeds_for(entry, seeds)
            if tuple(map(str, (entry.model, entry.variant, entry.lookback, horizon, seed))) not in done]
    task = make_task(data, todo[0][0].lookback, todo[0][1]) if todo else None  # bad data fails before any output
    say(f"{path}: {len(table)} rows already, {len(todo)} to run")
    for index, (entry, horizon, seed) in enumerate(todo, 1):
        if (task.lookback, task.horizon) != (entry.lookback, horizon):
            task = make_task(data, entry.lookback, horizon)  # one task in memory at a time
        row = run_row(entry, task, seed)
        table = pd.concat([table.astype(object), pd.DataFrame([row], columns=list(COLUMNS))], ignore_index=True)
        table.to_csv(path, index=False, float_format="%.6g")
        say(f"[{index}/{len(todo)}] {entry.model} {entry.variant} L={entry.lookback} H={horizon} seed {seed}: "
            f"MSE {row['mse']:.4f}, MAE {row['mae']:.4f}, {row['train_seconds']:.0f} s")
    table = read_results(path)
    if len(table):
        (out / f"{path.stem}.md").write_text(markdown(table, f"{data}: the book's models"))
    return table


def _integers(name: str, text: str) -> list[int]:
    parts = [part.strip() for part in text.split(",")]
    if not all(part.isdigit() and int(part) > 0 or (name == "--seeds" and part == "0") for part in parts):
        raise ValueError(f"{name}: expected integers separated by commas, got {text!r}")
    return [int(part) for part in parts]


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m attention_book.benchmark", description=__doc__.splitlines()[0],
                                     allow_abbrev=False)
    parser.add_argument("--data", default="ETTh1",
                        help="ETTh1 or ETTh2, or a CSV file with the ETT columns (default ETTh1)")
    parser.add_argument("--horizons", default="96,192,336,720", help="horizons H, comma separated")
    parser.add_argument("--models", default=",".join(LINEUP),
                        help="entries model[:variant][@lookback], comma separated (default: the book's line-up)")
    parser.add_argument("--lookback", type=int, default=336, help="L of the entries that name none (default 336)")
    parser.add_argument("--seeds", default="0,1,2", help="seeds of the neural models, comma separated")
    parser.add_argument("--out", default="results", help="the folder of the results file (default results/)")
    parser.add_argument("--quiet", action="store_true", help="print no progress on stderr")
    args = parser.parse_args(argv)
    from .session import quiet_tensorflow

    quiet_tensorflow()
    try:
        horizons, seeds = _integers("--horizons", args.horizons), _integers("--seeds", args.seeds)
        entries = [parse_entry(text, args.lookback) for text in args.models.split(",") if text.strip()]
        table = run(entries, horizons, seeds, args.data, args.out,
                    say=(lambda message: None) if args.quiet else (lambda m: print(m, file=sys.stderr, flush=True)))
    except DataError as error:
        print(f"error: --data: {error}", file=sys.stderr)
        return 1
    except ValueError as error:
        message = str(error)
        print(f"error: {message if message.startswith('--') else '--' + message}", file=sys.stderr)
        return 2
    except OSError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    print(f"{len(table)} rows in {Path(args.out) / (args.data.lower() + '.csv')}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
