"""The ``nnopt`` command line (click)."""
