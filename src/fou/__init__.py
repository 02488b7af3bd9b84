"""fou: a research workbench for labour-market statistics of Swedish municipalities."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("fou")
except PackageNotFoundError:  # running from a source tree without installation
    __version__ = "0.0.0+unknown"
