"""The `pulse` command line: one module per command group (cli.main gathers them), one Context handed to each
command, printing helpers in cli.printing. The commands import what they use when they run, so that
`pulse --help` starts fast."""
