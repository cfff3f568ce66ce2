"""`python -m cli ...`: the `pulse` command without its console script."""

from cli.main import main

main(prog_name="pulse")
