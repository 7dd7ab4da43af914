"""`python -m local_stack.moto_process -H HOST -p PORT`: moto's server in a process of its own,
with two of moto's costs taken out (`local_stack/moto_patch.py`: a Query reads only its key's
items, a SendMessage counts no queue), answers unchanged.

The local stack runs it so that moto neither shares the functions' interpreter lock nor makes
every Query cost as much as the whole table: at a company of thousands of projects that, not the
sync, was most of the time.
"""

from __future__ import annotations

from moto.server import main

from .moto_patch import apply

if __name__ == "__main__":
    apply()
    main()
