"""`python -m bench.moto_server`: moto's server, with DynamoDB Query narrowed to its key
condition (see `bench/moto_patch.py`)."""

from __future__ import annotations

from moto.server import main

from .moto_patch import apply

if __name__ == "__main__":
    apply()
    main()
