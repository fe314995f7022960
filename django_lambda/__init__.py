"""Run a Django site on AWS Lambda."""

__version__ = "0.1.0"
