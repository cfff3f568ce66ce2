"""Jobs on a queue: collections, scoring, themes and the weekly digest as procrastinate jobs in PostgreSQL,
taken by `pulse worker` processes on one machine or several (app.py, tasks.py), with their schedules in the
queue's own scheduler; steps.py is the one code path that the CLI and the tasks share."""
