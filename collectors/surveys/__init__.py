"""Survey exports (CSV, XLSX, JSON) from Typeform, Google Forms, SurveyMonkey, Qualtrics, Microsoft Forms,
Delighted or any other tool.

The columns are found by their names and their values (or given with `mapping_overrides`); every data row
becomes a feedback record or a Rejected with its line and reason. The file is read by collectors.files (a UTF-8
CSV by polars, as columns; any other file row by row) into one frame of its data rows; whole-column decisions
(day-first dates, the CSAT and CES scales) are made on that frame, then it is converted by columns, in batches
(conversion.py: the one conversion, whatever the file). Nothing here imports Streamlit: the dashboard's Sources
page calls the same API.

    plan = plan_survey_file(path)            # mapping, notes, row count; raises InputError when unusable
    plan.preview(10)                         # the first rows as they would be imported, or why not
    for records, rejects in plan.batches():  # every row: records as a feedback frame, rejects with lines
    SurveyFileCollector(path)                # the same as a Collector, for run_collector

The package: layout.py (the header and the vendor presets), mapping.py (which column holds each field), plan.py
(the whole-file decisions and the notes), conversion.py (rows to feedback), collector.py (the Collector),
sources.py (which source a file's survey goes into) and keys.py (answers already stored under another time). The
value parsers are collectors.values', shared with the other importers.

Choices worth knowing:
- A column's scale is the smallest usual one that holds 98% of its answers (collectors.values.ScaleEvidence),
  so that an odd answer (a 0 in a 1-5 column) is rejected with its line rather than changing the scale.
- A CSAT column on another scale than 1-5 (1-7, 1-10, 0-10) is not mapped and not rescaled: the result says
  so in a note and the column stays in each item's raw data. `--map csat=COLUMN` forces it; rows whose
  value falls outside 1-5 are then rejected. The same holds for a Customer Effort Score column (`ces`) on
  another scale than 1-7, such as a 1-5 effort scale: stated, kept in the raw data, never rescaled.
- Emails are never stored: the respondent (email or customer id) becomes a salted SHA-256 `author_hash` (none
  for a placeholder such as "anonymous": pulse.identity), kept on rejected rows too. Personal columns (names,
  contact details, addresses, birth dates, IP addresses and coordinates, per-customer ids: pulse.identity,
  or a column of email addresses) are left out of `raw` and of rejected rows, are never mapped to segment,
  location, channel or text, and are listed in `left_out`; emails anywhere else in a kept row are masked.
- Times without a zone are read in the settings' time zone, except where the export says otherwise
  (Typeform's "(UTC)" columns, Qualtrics' ImportId row with its timeZone); a zone abbreviation after a time
  (Google Forms' "BST", "EST") is read in the business's context (collectors.zones).
- In an Excel workbook, the sheet that holds the data and the header under a title row are found
  (collectors.headers), or given (`header_row`, `sheet`).
"""

from collectors.surveys.collector import SurveyFileCollector
from collectors.surveys.layout import read_table
from collectors.surveys.mapping import FIELD_LABELS, FIELDS, PRESETS, parse_map_options, read_mapping_file
from collectors.surveys.plan import PREVIEW_LABELS, SurveyPlan, detect_mapping, plan_survey_file

__all__ = [
    "FIELDS",
    "FIELD_LABELS",
    "PRESETS",
    "PREVIEW_LABELS",
    "SurveyFileCollector",
    "SurveyPlan",
    "detect_mapping",
    "parse_map_options",
    "plan_survey_file",
    "read_mapping_file",
    "read_table",
]
