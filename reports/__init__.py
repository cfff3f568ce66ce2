"""Words and documents: the rollout verdicts, the alerts' and the digest's sentences, the themes handout (CSV,
Markdown, PDF) and the mail that sends the digest. Analysis returns numbers; these modules turn them into
sentences for the pages, the command line and the mail. They import analysis and pulse, never the store or
the dashboard: callers hand them the numbers."""
