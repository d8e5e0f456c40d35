"""Figures that several chapters draw: splits, windows, forecasts, and attention-style heat maps."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np

SPLIT_COLOURS = {"train": "tab:blue", "val": "tab:orange", "test": "tab:green"}


def plot_splits(ax, timestamps, series, borders, first_target_rows):
    """One channel over time with the train/validation/test regions shaded.

    ``borders``: ``{split: (start, end)}`` rows the windows of each split read; ``first_target_rows``:
    ``{split: row}`` where each split's targets begin. The look-back into the previous split is hatched.
    """
    timestamps = np.asarray(timestamps)
    ax.plot(timestamps[: max(end for _, end in borders.values())], series[: max(e for _, e in borders.values())],
            color="black", linewidth=0.4)
    for split, (start, end) in borders.items():
        first = first_target_rows[split]
        ax.axvspan(timestamps[first], timestamps[end - 1], color=SPLIT_COLOURS[split], alpha=0.15, label=split)
        if start < first:
            ax.axvspan(timestamps[start], timestamps[first], facecolor="none", hatch="///",
                       edgecolor=SPLIT_COLOURS[split], linewidth=0)
    ax.legend(loc="upper right")
    return ax


def plot_windows(ax, series, lookback: int, horizon: int, starts):
    """A series with a few windows drawn on it: the inputs (L steps) and the targets (H steps) after them."""
    series = np.asarray(series)
    ax.plot(series, color="black", linewidth=0.8)
    low, high = series.min(), series.max()
    pad = 0.1 * (high - low)
    for row, start in enumerate(starts):
        level = high + pad * (1 + 1.5 * row)
        ax.plot([start, start + lookback - 1], [level, level], color="tab:blue", linewidth=4,
                solid_capstyle="butt", label="inputs (L steps)" if row == 0 else None)
        ax.plot([start + lookback, start + lookback + horizon - 1], [level, level], color="tab:red", linewidth=4,
                solid_capstyle="butt", label="targets (H steps)" if row == 0 else None)
    ax.legend(loc="lower right")
    return ax


def plot_forecast(ax, inputs, targets, forecasts: dict, *, channel: int = 0):
    """The last input steps, the true future and each forecast of one window, for one channel.

    inputs: (L, C); targets: (H, C_out); forecasts: ``{name: (H, C_out)}``.
    """
    inputs, targets = np.asarray(inputs), np.asarray(targets)
    lookback, horizon = inputs.shape[0], targets.shape[0]
    past = np.arange(-lookback + 1, 1)
    future = np.arange(1, horizon + 1)
    ax.plot(past, inputs[:, channel], color="black", linewidth=1, label="inputs")
    ax.plot(future, targets[:, channel], color="black", linestyle="--", linewidth=1, label="truth")
    for name, forecast in forecasts.items():
        ax.plot(future, np.asarray(forecast)[:, channel], linewidth=1.2, label=name)
    ax.axvline(0.5, color="grey", linewidth=0.5)
    ax.set_xlabel("hours relative to the forecast origin")
    ax.legend(loc="upper left", fontsize="small")
    return ax


def heatmap(ax, matrix, *, xlabel: str, ylabel: str, title: str | None = None, cmap: str = "viridis", **imshow):
    """A matrix (rows × columns) as an image with a colour bar, e.g. attention weights (queries × keys).

    Further keyword arguments (``vmax=``, ``extent=``, ...) go to ``ax.imshow``.
    """
    image = ax.imshow(np.asarray(matrix), aspect="auto", cmap=cmap, interpolation="nearest", **imshow)
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    if title:
        ax.set_title(title)
    plt.colorbar(image, ax=ax)
    return image


def unrolled_rnn(ax, n_steps: int = 4, *, head: str | None = "forecast head"):
    """The recurrence drawn unrolled: inputs x_1..x_T below, states h_1..h_T above them, h_0 on the left.

    Each state receives an arrow from its input (W_x) and one from the state before (W_h); with ``head`` the
    last state feeds a box of that name, which is all a recurrent forecaster passes on. Returns ``ax``.
    """
    from .checks import check_int

    n_steps = check_int("n_steps", n_steps)
    box = {"boxstyle": "round,pad=0.35", "linewidth": 1}
    arrow = {"arrowstyle": "-|>", "color": "black", "linewidth": 1, "shrinkA": 14, "shrinkB": 14}

    def label(t):
        return "T" if t == n_steps and n_steps > 3 else str(t)

    xs = np.arange(1, n_steps + 1) * 1.6
    ax.text(0, 1, r"$\mathbf{h}_0 = \mathbf{0}$", ha="center", va="center", bbox={**box, "facecolor": "white"})
    for t, x in zip(range(1, n_steps + 1), xs, strict=True):
        if n_steps > 3 and t == n_steps - 1:  # elide the middle of a long sequence
            ax.text(x, 1, r"$\cdots$", ha="center", va="center", fontsize=14)
            ax.text(x, 0, r"$\cdots$", ha="center", va="center", fontsize=14)
            continue
        ax.text(x, 0, rf"$\mathbf{{x}}_{{{label(t)}}}$", ha="center", va="center",
                bbox={**box, "facecolor": "#dbe9f6"})
        ax.text(x, 1, rf"$\mathbf{{h}}_{{{label(t)}}}$", ha="center", va="center",
                bbox={**box, "facecolor": "#fde2cf"})
        ax.annotate("", xy=(x, 1), xytext=(x, 0), arrowprops=arrow)
        ax.text(x + 0.08, 0.5, r"$\mathbf{W}_x$", fontsize=9, va="center")
    for x_from, x_to in zip(np.concatenate([[0], xs[:-1]]), xs, strict=True):
        ax.annotate("", xy=(x_to, 1), xytext=(x_from, 1), arrowprops=arrow)
        ax.text((x_from + x_to) / 2, 1.12, r"$\mathbf{W}_h$", fontsize=9, ha="center")
    right = xs[-1]
    if head:
        ax.text(right, 2, head, ha="center", va="center", bbox={**box, "facecolor": "#e5f5e0"})
        ax.annotate("", xy=(right, 2), xytext=(right, 1), arrowprops=arrow)
    ax.set_xlim(-0.8, right + 0.8)
    ax.set_ylim(-0.5, 2.5 if head else 1.5)
    ax.axis("off")
    return ax


def encoder_decoder(ax, n_inputs: int = 4, n_outputs: int = 3, *, attention: bool = False):
    """An encoder-decoder drawn: encoder states v_1..v_L over the inputs, decoder states h_1..h_H writing y_1..y_H.

    Without ``attention`` the encoder's last state is the only arrow into the decoder (the bottleneck); with it,
    thin lines join every decoder state to every encoder state, which it scores and averages. Returns ``ax``.
    """
    from .checks import check_int

    n_inputs, n_outputs = check_int("n_inputs", n_inputs), check_int("n_outputs", n_outputs)
    box = {"boxstyle": "round,pad=0.3", "linewidth": 1}
    arrow = {"arrowstyle": "-|>", "color": "black", "linewidth": 1, "shrinkA": 12, "shrinkB": 12}
    enc_x = np.arange(n_inputs) * 1.2
    dec_x = enc_x[-1] + 1.6 + np.arange(n_outputs) * 1.2
    for i, x in enumerate(enc_x, start=1):
        ax.text(x, 0, rf"$\mathbf{{x}}_{{{i}}}$", ha="center", va="center", bbox={**box, "facecolor": "#dbe9f6"})
        ax.text(x, 1, rf"$\mathbf{{v}}_{{{i}}}$", ha="center", va="center", bbox={**box, "facecolor": "#fde2cf"})
        ax.annotate("", xy=(x, 1), xytext=(x, 0), arrowprops=arrow)
    for t, x in enumerate(dec_x, start=1):
        ax.text(x, 0, rf"$y_{{{t - 1}}}$", ha="center", va="center", bbox={**box, "facecolor": "#dbe9f6"})
        ax.text(x, 1, rf"$\mathbf{{h}}_{{{t}}}$", ha="center", va="center", bbox={**box, "facecolor": "#e5f5e0"})
        ax.text(x, 2, rf"$\hat y_{{{t}}}$", ha="center", va="center", bbox={**box, "facecolor": "white"})
        ax.annotate("", xy=(x, 1), xytext=(x, 0), arrowprops=arrow)
        ax.annotate("", xy=(x, 2), xytext=(x, 1), arrowprops=arrow)
        if attention:  # one arc from each encoder state to this decoder state, higher for longer spans
            u = np.linspace(0, 1, 40)
            for source in enc_x:
                height = 0.1 + 0.45 * (x - source) / (dec_x[-1] - enc_x[0])
                ax.plot(source + u * (x - source), 1.18 + 4 * height * u * (1 - u), color=f"C{t - 1}",
                        linewidth=0.7, alpha=0.8)
    chain = np.concatenate([enc_x, dec_x])
    for x_from, x_to in zip(chain[:-1], chain[1:], strict=True):
        ax.annotate("", xy=(x_to, 1), xytext=(x_from, 1), arrowprops=arrow)
    ax.set_title("with attention: every decoder step reads every encoder state" if attention
                 else "without attention: the window reaches the decoder through one state")
    ax.set_xlim(enc_x[0] - 0.8, dec_x[-1] + 0.8)
    ax.set_ylim(-0.5, 2.5)
    ax.axis("off")
    return ax


def plot_future(series, forecast, *, history: int | None = None):
    """The recent history of each target of ``series`` and the ``forecast`` of the steps after it, in the
    series' own units: one panel per target, the forecast origin marked. Returns the figure.

    ``series``: a :class:`~attention_book.data.Series`; ``forecast``: the DataFrame of
    :meth:`~attention_book.own_series.Forecaster.forecast`; ``history``: how many past steps to show (default:
    four horizons).
    """
    from .checks import check_int

    steps = 4 * len(forecast) if history is None else check_int("history", history)
    targets = list(forecast.columns)
    missing = [name for name in targets if name not in series.channels]
    if missing:
        raise ValueError(f"forecast: its columns {missing} are not channels of the series {list(series.channels)}")
    fig, axes = plt.subplots(len(targets), 1, figsize=(10, 2.4 * len(targets) + 0.6), sharex=True, squeeze=False)
    past = series.timestamps[-steps:]
    for ax, name in zip(axes[:, 0], targets, strict=True):
        ax.plot(past, series.values[-steps:, series.channels.index(name)], color="black", linewidth=1,
                label="history")
        ax.plot(forecast.index, forecast[name], color="tab:red", linewidth=1.5, marker=".", label="forecast")
        ax.axvline(past[-1], color="grey", linewidth=0.6, linestyle=":")
        ax.set_ylabel(name)
    axes[0, 0].legend(loc="upper left", fontsize="small")
    axes[0, 0].set_title(f"The last {len(past)} steps and the forecast of the next {len(forecast)}")
    fig.autofmt_xdate()
    fig.tight_layout()
    return fig
