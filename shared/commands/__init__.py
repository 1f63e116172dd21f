"""The command line's commands, one module per area (ingest, status, db, board, sync, reconcile, retry, demo;
``customers`` resolves ``--customer``): each adds its sub-commands to the parser and turns their arguments
into one call of the library, then prints the outcome.
``shared/cli.py`` assembles them; parsing and printing only, the work lives in the stage packages.
"""
