"""The command line: reproduce any row of the book's results tables, and forecast your own series.

    python -m attention_book evaluate --model repeat --data ETTh1 --lookback 336 --horizon 96
    python -m attention_book evaluate --model segment_attention --revin --channel-independent --data ETTh1
    python -m attention_book evaluate --model linear --data my.csv --time-column date --lookback 56 --horizon 14
    python -m attention_book fit --model linear --data my.csv --time-column date --lookback 56 --horizon 14 --out f
    python -m attention_book forecast --model-dir f --data my.csv --out forecast.csv --plot forecast.png
    python -m attention_book models

Standard output carries one JSON line (or the model names); training progress goes to standard error, and
``--quiet`` silences it. Bad data exits with 1, bad usage with 2, each with one line on standard error.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import sys

from .data import DataError

USAGE_ERROR = 2
DATA_ERROR = 1

#: The registered neural models that take neither --revin nor --channel-independent (a test keeps this in step with
#: the registry; written out here so that --help need not import TensorFlow).
UNFRAMED = ("itransformer", "patch_transformer", "pointer")


class _Parser(argparse.ArgumentParser):
    """An argument parser whose usage errors are one line on stderr (exit 2), like every other error here."""

    def error(self, message):
        self.exit(USAGE_ERROR, f"error: {message} (see '{self.prog} --help')\n")


def _split(text: str):
    """``--split``: three fractions (``0.7,0.1,0.2``) or two dates (``2015-01-01,2015-07-01``)."""
    parts = [part.strip() for part in text.split(",")]
    try:
        return tuple(float(part) for part in parts)
    except ValueError:
        return tuple(parts)


def _names(text: str) -> list[str]:
    return [name.strip() for name in text.split(",") if name.strip()]


def _sizes(text: str) -> dict:
    """``--sizes``: ``segment=7,units=32`` -> ``{"segment": 7, "units": 32}``. A value is read as an integer, a
    number, ``true``/``false``, or else kept as text (``score=general``); the model checks the names and values."""
    sizes = {}
    for pair in text.split(","):
        name, equals, value = (part.strip() for part in pair.partition("="))
        if not (name and equals and value) or name in sizes:
            raise argparse.ArgumentTypeError(f"expected NAME=VALUE pairs separated by commas, each name once "
                                             f"(e.g. segment=7,units=32), got {text!r}")
        sizes[name] = _value(value)
    return sizes


def _value(text: str):
    for read in (int, float):
        with contextlib.suppress(ValueError):
            return read(text)
    return {"true": True, "false": False}.get(text.lower(), text)


def _add_data_options(command) -> None:
    command.add_argument("--time-column", metavar="NAME",
                         help="the time column of your own CSV file (its other columns are the channels)")
    command.add_argument("--columns", type=_names, metavar="A,B,C",
                         help="the channels to use, in this order (default: every column but the time column)")
    command.add_argument("--targets", type=_names, metavar="A,B",
                         help="the channels to forecast (default: all); the others are covariates, inputs only")
    command.add_argument("--split", type=_split, metavar="0.7,0.1,0.2",
                         help="train/validation/test fractions, or the first validation and the first test date "
                              "(default 0.7,0.1,0.2)")
    command.add_argument("--missing", choices=("error", "interpolate"), default="error",
                         help="empty cells and gaps in the time index: refuse them (default) or fill them by time "
                              "interpolation")
    command.add_argument("--time-format", metavar="FORMAT",
                         help="strftime format of the time column, e.g. '%%d/%%m/%%Y' (default: inferred)")
    command.add_argument("--step", metavar="FREQ",
                         help="the step between rows as a pandas frequency, e.g. h, 15min, D, W-SUN, MS (default: "
                              "inferred from the time column)")
    command.add_argument("--season", type=int, metavar="STEPS",
                         help="the seasonal-naive period in steps (default: from the step, e.g. 24 for hourly "
                              "rows, 7 for daily, 12 for monthly)")


def _add_model_options(command, *, lookback: int, horizon: int) -> None:
    command.add_argument("--model", required=True, help="a registered model (see the 'models' command)")
    command.add_argument("--lookback", type=int, default=lookback, help=f"input window length L (default {lookback})")
    command.add_argument("--horizon", type=int, default=horizon, help=f"forecast horizon H (default {horizon})")
    command.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    command.add_argument("--quiet", action="store_true", help="print no training progress on stderr")
    command.add_argument("--revin", nargs="?", const="last", choices=("last", "mean", "std"),
                         help="normalise each window's forecast channels and undo it on the forecast: subtract the "
                              "last value (the default when the option has no value), the mean, or standardise "
                              f"(std); neural models except {', '.join(UNFRAMED)}")
    command.add_argument("--channel-independent", action="store_true",
                         help="one model shared by all forecast channels, each read alone (with the covariates); "
                              f"neural models except {', '.join(UNFRAMED)}")
    command.add_argument("--sizes", type=_sizes, metavar="NAME=VALUE,...",
                         help="override a neural model's registered sizes, e.g. segment=7 for segment_attention on "
                              "daily rows (weeks instead of days) or units=32; an unknown name lists the model's")


def _parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="python -m attention_book", description=__doc__.splitlines()[0], allow_abbrev=False)
    commands = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)
    evaluate = commands.add_parser("evaluate", help="fit one model and print its test scores as JSON",
                                   allow_abbrev=False)
    _add_model_options(evaluate, lookback=336, horizon=96)
    evaluate.add_argument(
        "--data", required=True,
        help="ETTh1 or ETTh2 (standard protocol), a CSV file with the ETT columns, lag_retrieval, seasonal_mix, "
             "driven_channels, or your own CSV file with --time-column (or a public data set such as "
             "seattle-weather)",
    )
    evaluate.add_argument("--calendar", action="store_true",
                          help="add hour-of-day and hour-of-week features to the inputs (seq2seq decoders also "
                               "get them for the hours they forecast)")
    _add_data_options(evaluate)
    fit = commands.add_parser("fit", help="fit one model on your own series and save it as a forecaster",
                              allow_abbrev=False)
    _add_model_options(fit, lookback=96, horizon=24)
    fit.add_argument("--data", required=True,
                     help="your CSV file (with --time-column), or a public data set: ETTh1, ETTh2, seattle-weather")
    _add_data_options(fit)
    fit.add_argument("--out", required=True, metavar="DIR", help="the folder to save the forecaster in")
    forecast = commands.add_parser("forecast", help="forecast the steps after the last row with a saved forecaster",
                                   allow_abbrev=False)
    forecast.add_argument("--model-dir", required=True, metavar="DIR", help="a folder written by 'fit'")
    forecast.add_argument("--data", required=True, metavar="FILE",
                          help="a CSV file with the columns the forecaster was fitted on (newer rows are fine)")
    forecast.add_argument("--out", required=True, metavar="FILE", help="where to write the forecast (CSV)")
    forecast.add_argument("--plot", metavar="FILE", help="also draw the recent history and the forecast (PNG)")
    forecast.add_argument("--missing", choices=("error", "interpolate"), default="error",
                          help="empty cells and gaps in the time index: refuse (default) or interpolate")
    forecast.add_argument("--quiet", action="store_true", help="print nothing on stderr")
    commands.add_parser("models", help="list the registered models")
    return parser


def main(argv=None) -> int:
    """Run the command line; return the exit code (0 ok, 1 bad data, 2 bad usage)."""
    args = _parser().parse_args(argv)
    from .session import quiet_tensorflow, set_seed

    quiet_tensorflow()  # before anything imports TensorFlow: keep stderr for this program's own messages
    from . import registry  # after parsing, so that --help is quick

    if args.command == "models":
        print("\n".join(sorted(registry.REGISTRY)))
        return 0
    try:
        if args.command != "forecast":
            registry.check_model_name(args.model)
            set_seed(args.seed)  # the edge of the program: the library itself never reseeds the process
        row = {"evaluate": _evaluate, "fit": _fit, "forecast": _forecast}[args.command](args)
    except DataError as error:
        message = f"--data: {error}" if args.command == "evaluate" else _as_option(str(error))
        print(f"error: {message}", file=sys.stderr)
        return DATA_ERROR
    except (ValueError, TypeError) as error:
        print(f"error: {_as_option(str(error), getattr(args, 'sizes', None))}", file=sys.stderr)
        return USAGE_ERROR
    except OSError as error:
        print(f"error: {error}", file=sys.stderr)
        return DATA_ERROR
    print(json.dumps(row))
    return 0


#: Arguments of the package's functions that the command line sets through an option of the same name.
OPTIONS = ("model", "revin", "channel_independent", "sizes", "lookback", "horizon", "seed", "calendar", "time_column",
           "columns", "targets", "split", "missing", "time_format", "time-column", "model_dir", "season", "step")


def _as_option(message: str, sizes: dict | None = None) -> str:
    """``"lookback: expected ..."`` -> ``"--lookback: expected ..."``, and ``"segment: expected ..."`` ->
    ``"--sizes segment: expected ..."`` when --sizes set it: name the option the reader typed."""
    head, _, rest = message.partition(":")
    if not rest:
        return message
    if head in (sizes or {}):
        return f"--sizes {head}:{rest}"
    return f"--{head.replace('_', '-')}:{rest}" if head in OPTIONS else message


def _say(args, message: str) -> None:
    if not args.quiet:
        print(message, file=sys.stderr)


@contextlib.contextmanager
def _progress_on_stderr():
    """Keras prints its progress on stdout; send it to stderr so that stdout stays one JSON line."""
    sys.stdout.flush()
    with contextlib.redirect_stdout(sys.stderr):
        yield


def _verbosity(args) -> int:
    """0 with --quiet; a progress bar on a terminal; else one line per epoch."""
    return 0 if args.quiet else (1 if sys.stderr.isatty() else 2)


def _data_options(args) -> dict:
    options = {"time_column": args.time_column, "columns": args.columns, "targets": args.targets,
               "split": args.split, "missing": args.missing, "time_format": args.time_format,
               "step": args.step, "season": args.season}
    return {key: value for key, value in options.items() if value is not None and (key, value) != ("missing", "error")}


def _evaluate(args) -> dict:
    from . import registry
    from .tasks import make_task

    registry.check_frame(args.model, args.revin, args.channel_independent)  # before reading any data
    registry.check_sizes(args.model, args.sizes)
    task = make_task(args.data, args.lookback, args.horizon, seed=args.seed, calendar=args.calendar,
                     **_data_options(args))
    _say(args, f"{task.name}: {len(task.train.inputs)} training, {len(task.val.inputs)} validation and "
               f"{len(task.test.inputs)} test windows; fitting {args.model}")
    with _progress_on_stderr():
        return registry.evaluate_on_task(args.model, task, args.seed, verbose=_verbosity(args), revin=args.revin,
                                         channel_independent=args.channel_independent, sizes=args.sizes)


def _read_series(args):
    """The series named by --data and the data options of the fit command."""
    import os

    from . import data

    if args.data in data.SOURCES and args.time_column is None:
        series = data.load_public(args.data, columns=args.columns, targets=args.targets, missing=args.missing)
    elif args.time_column is None:
        raise ValueError(f"time-column: name the time column of {args.data!r} (or use a public data set: "
                         f"{', '.join(data.SOURCES)})")
    else:
        series = data.load_csv(args.data, args.time_column, args.columns, args.targets, args.missing,
                               time_format=args.time_format, step=args.step)
    _say(args, f"{os.path.basename(args.data)}: {len(series.values)} rows of {len(series.channels)} channels "
               f"({', '.join(series.channels)}), step {series.step}, targets {', '.join(series.targets)}")
    if series.filled:
        _say(args, f"filled {series.filled} missing value(s) by time interpolation")
    return series


def _fit(args) -> dict:
    from .own_series import Forecaster
    from .tasks import DEFAULT_SPLIT

    forecaster = Forecaster(args.model, args.lookback, args.horizon, split=args.split or DEFAULT_SPLIT,
                            season=args.season, seed=args.seed, revin=args.revin,
                            channel_independent=args.channel_independent,
                            sizes=args.sizes)  # checks them before anything is read
    series = _read_series(args)
    _say(args, f"fitting {args.model} (L = {args.lookback}, H = {args.horizon})")
    with _progress_on_stderr():
        forecaster.fit(series, verbose=_verbosity(args))
    folder = forecaster.save(args.out)
    _say(args, f"saved the forecaster in {folder}")
    from .frame import variant

    return {"model": args.model, "variant": variant(args.revin, args.channel_independent), "data": args.data,
            "lookback": args.lookback, "horizon": args.horizon, "val": forecaster.scores["val"],
            "test": forecaster.scores["test"], "seconds": forecaster.seconds, "out": str(folder)}


def _forecast(args) -> dict:
    from . import data
    from .own_series import Forecaster

    forecaster = Forecaster.load(args.model_dir)
    layout = forecaster.layout
    try:
        series = data.load_csv(args.data, layout["time_column"], layout["channels"], layout["targets"],
                               args.missing)
        frame = forecaster.forecast(series)
    except DataError:
        raise
    except ValueError as error:  # the file does not fit the forecaster (columns, step, length): a data problem
        raise DataError(f"{args.data}: the forecaster in {args.model_dir} reads the time column "
                        f"{layout['time_column']!r}, the channels {layout['channels']} with the step "
                        f"{layout['step']!r} and {forecaster.lookback} rows at least; {error}") from None
    frame.to_csv(args.out)
    _say(args, f"wrote the forecast of {len(frame)} steps ({frame.index[0]} to {frame.index[-1]}) to {args.out}")
    if args.plot:
        import matplotlib

        matplotlib.use("Agg")  # a file, not a window
        from . import plots

        plots.plot_future(series, frame).savefig(args.plot, dpi=120)
        _say(args, f"drew it in {args.plot}")
    return {"model_dir": args.model_dir, "data": args.data, "out": args.out, "plot": args.plot,
            "first": str(frame.index[0]), "last": str(frame.index[-1]), "steps": len(frame),
            "targets": list(frame.columns)}


if __name__ == "__main__":
    sys.exit(main())
