"""The webhook receiver (`pulse hooks serve`): survey responses from Typeform, Tally and Google Forms, each
signed with its vendor's secret, stored through the survey importer as they are submitted.

signatures.py (each vendor's signature, pure), vendors.py (each vendor's body as a response for the importer,
pure), receiver.py (the response into the store), app.py (the Starlette app: routes, statuses, records)."""
