"""Helper package of the book *Attention for time-series forecasting*.

One module per concept: ``checks`` (argument checks), ``data`` (reading any table, and the public data sets),
``synthetic`` (tasks with known answers), ``windows`` (split, standardise, window), ``tasks`` (all of that for one
data name), ``baselines``, ``metrics``, ``results`` (the growing table and the published rows), ``rnn`` (the
hand-written RNN and the recurrent forecasters), ``forecasters`` (the interface every neural forecaster shares),
``training``, ``gradients`` (how far back a model remembers: gradient probes and the lag sweep), ``attention``
(scores, masked softmax, pooling), ``attention_rnn`` (the RNN that attends over its own past, and the attention
forecasters), ``time_features`` (calendar features: known future covariates), ``seq2seq`` (encoder-decoder with
Bahdanau or Luong attention), ``transformer`` (queries, keys and values, multi-head attention, positions, the
encoder block and two Transformer forecasters), ``bench`` (the cost of attention), ``registry`` (every model by
name), ``own_series`` (a forecaster for your own series: fit, forecast the future, save, load), ``cli`` (the command
line), ``plots``, ``seasonality`` and ``session``.
"""

from .session import quiet_tensorflow, set_seed

__version__ = "0.1.0"
__all__ = ["quiet_tensorflow", "set_seed", "__version__"]
