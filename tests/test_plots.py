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


@pytest.mark.parametrize("n_steps, inputs", [(3, ["1", "2", "3"]), (6, ["1", "2", "3", "4", "T"])])
def test_unrolled_rnn_draws_one_input_and_state_per_drawn_step(ax, n_steps, inputs):
    plots.unrolled_rnn(ax, n_steps)
    texts = [text.get_text() for text in ax.texts]
    assert [t for t in texts if t.startswith(r"$\mathbf{x}_")] == [rf"$\mathbf{{x}}_{{{i}}}$" for i in inputs]
    assert sum(t.startswith(r"$\mathbf{h}_") for t in texts) == len(inputs) + 1  # and h_0
    assert texts.count(r"$\mathbf{W}_h$") == n_steps  # one recurrent arrow into every step
    assert "forecast head" in texts


def test_unrolled_rnn_without_head_and_bad_steps(ax):
    plots.unrolled_rnn(ax, 2, head=None)
    assert "forecast head" not in [text.get_text() for text in ax.texts]
    with pytest.raises(ValueError, match="n_steps: expected an integer >= 1"):
        plots.unrolled_rnn(ax, 0)


@pytest.mark.parametrize("attention", [False, True])
def test_encoder_decoder_draws_both_halves_and_attention_lines_only_with_attention(ax, attention):
    plots.encoder_decoder(ax, 4, 3, attention=attention)
    texts = [text.get_text() for text in ax.texts]
    assert sum(t.startswith(r"$\mathbf{v}_") for t in texts) == 4
    assert sum(t.startswith(r"$\mathbf{h}_") for t in texts) == 3
    assert sum(t.startswith(r"$\hat y_") for t in texts) == 3
    assert len(ax.get_lines()) == (4 * 3 if attention else 0)


def test_encoder_decoder_rejects_bad_sizes(ax):
    with pytest.raises(ValueError, match="n_outputs: expected an integer >= 1, got 0"):
        plots.encoder_decoder(ax, 3, 0)
