import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np
import pytest

from attention_book import plots, windows


@pytest.fixture
def ax():
    fig, axis = plt.subplots()
    yield axis
    plt.close(fig)


def test_plot_windows_draws_one_input_and_one_target_bar_per_window(ax):
    plots.plot_windows(ax, np.sin(np.arange(100) / 5), lookback=20, horizon=5, starts=[0, 10, 30])
    bars = [line for line in ax.get_lines() if line.get_linewidth() == 4]
    assert len(bars) == 6
    input_bar, target_bar = bars[0].get_xdata(), bars[1].get_xdata()
    assert list(input_bar) == [0, 19] and list(target_bar) == [20, 24]


def test_plot_splits_shades_each_split(ax):
    stamps = np.arange(np.datetime64("2020-01-01T00"), np.datetime64("2020-01-01T00") + 14400)
    borders = windows.ett_borders(14400, 24)
    first = {"train": 0, "val": 8640, "test": 11520}
    plots.plot_splits(ax, stamps, np.arange(14400.0), borders, first)
    labels = [text.get_text() for text in ax.get_legend().get_texts()]
    assert labels == ["train", "val", "test"]


def test_plot_forecast_draws_inputs_truth_and_each_forecast(ax):
    inputs, targets = np.zeros((10, 2)), np.ones((4, 2))
    plots.plot_forecast(ax, inputs, targets, {"a": targets, "b": 2 * targets}, channel=1)
    assert len(ax.get_lines()) == 5  # inputs, truth, two forecasts, the origin line
    assert list(ax.get_lines()[2].get_ydata()) == [1.0] * 4


def test_heatmap_shows_the_matrix(ax):
    matrix = np.arange(6.0).reshape(2, 3)
    image = plots.heatmap(ax, matrix, xlabel="key", ylabel="query", title="weights")
    np.testing.assert_array_equal(image.get_array(), matrix)
    assert ax.get_xlabel() == "key" and ax.get_title() == "weights"
