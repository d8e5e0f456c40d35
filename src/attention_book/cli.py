"""The command line: reproduce any row of the book's results tables.

    python -m attention_book evaluate --model repeat --data ETTh1 --lookback 336 --horizon 96
    python -m attention_book models
"""

from __future__ import annotations

import argparse
import json
import sys

from .data import DataError

USAGE_ERROR = 2
DATA_ERROR = 1


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m attention_book", description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)
    evaluate = commands.add_parser("evaluate", help="fit one model and print its test scores as JSON")
    evaluate.add_argument("--model", required=True, help="a registered model (see the 'models' command)")
    evaluate.add_argument(
        "--data", required=True,
        help="ETTh1 or ETTh2, a path to a CSV file with the ETT columns, lag_retrieval or seasonal_mix",
    )
    evaluate.add_argument("--lookback", type=int, default=336, help="input window length L (default 336)")
    evaluate.add_argument("--horizon", type=int, default=96, help="forecast horizon H (default 96)")
    evaluate.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    evaluate.add_argument("--calendar", action="store_true",
                          help="add hour-of-day and hour-of-week features to the inputs (seq2seq decoders also "
                               "get them for the hours they forecast)")
    commands.add_parser("models", help="list the registered models")
    return parser


def main(argv=None) -> int:
    """Run the command line; return the exit code (0 ok, 1 bad data, 2 bad usage)."""
    args = _parser().parse_args(argv)
    from .session import quiet_tensorflow

    quiet_tensorflow()  # before anything imports TensorFlow: keep stderr for this program's own messages
    from . import models  # after parsing, so that --help is quick

    if args.command == "models":
        print("\n".join(sorted(models.REGISTRY)))
        return 0
    try:
        models.check_model_name(args.model)
    except ValueError as error:
        print(f"error: --{error}", file=sys.stderr)
        return USAGE_ERROR
    try:
        row = models.evaluate(args.model, args.data, args.lookback, args.horizon, seed=args.seed,
                              calendar=args.calendar)
    except DataError as error:
        print(f"error: --data: {error}", file=sys.stderr)
        return DATA_ERROR
    except ValueError as error:
        print(f"error: {error}", file=sys.stderr)
        return USAGE_ERROR
    print(json.dumps(row))
    return 0


if __name__ == "__main__":
    sys.exit(main())
