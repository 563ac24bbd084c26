"""Export an MXNet/GluonCV SSD (symbol JSON plus params) to ONNX.

Runs as a script under a Python that has mxnet 1.9.1 and onnx installed, not
inside the detector: mxnet 1.9.1 needs numpy older than 1.24, which the
detector's own environment cannot have. Prints one JSON line: what it wrote,
or the error.
"""

from __future__ import annotations

import argparse
import json
import sys


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--symbol", required=True, help="the model's -symbol.json file")
    parser.add_argument("--params", required=True, help="the model's .params file")
    parser.add_argument("--output", required=True, help="the .onnx file to write")
    parser.add_argument("--width", type=int, default=512)
    parser.add_argument("--height", type=int, default=512)
    args = parser.parse_args(argv)
    try:
        import mxnet
        import numpy
    except Exception as error:  # report any import failure as data, not a traceback
        print(json.dumps({"error": f"cannot import mxnet: {type(error).__name__}: {error}"}))
        return 3
    try:
        written = mxnet.onnx.export_model(
            args.symbol,
            args.params,
            [(1, 3, args.height, args.width)],
            [numpy.float32],
            args.output,
            dynamic=False,
        )
    except Exception as error:  # the exporter raises many unrelated types
        print(json.dumps({"error": f"export failed: {type(error).__name__}: {error}"}))
        return 4
    print(
        json.dumps({"onnx": str(written), "mxnet": mxnet.__version__, "numpy": numpy.__version__})
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
