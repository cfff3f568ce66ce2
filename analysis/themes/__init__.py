"""Themes: what customers talk about, found by a topic model, followed over time, and summed up for a staff
meeting. Numbers only, from frames and arrays; analysis/theme_pipeline.py reads and writes the store, and
reports/handout.py turns the report into a file.

- library.py: the theme library (libraries/*.toml presets, an owner's own file), read and written;
- matching.py: each sentence matched to the library's themes (phrase similarity plus keyword cues);
- naming.py: new themes named by key phrases, with handles, links, numbers and the business's name removed;
- theming.py: `theme_texts` / `assign_texts`, the one code path: library themes per sentence, new themes on
  the rest, every theme a text mentions with the sentiment of its sentences;
- clustering.py: AdaptiveKMeans, k-means whose number of clusters grows with the corpus, near-duplicate
  clusters merged (scipy's connected components), outliers left unthemed;
- model.py: the BERTopic pipeline with those stages (`fit_topics`), keywords and labels, and `Topic`, the one
  dataclass for a theme (with the owner's edits);
- assign.py: new texts themed by the nearest centroid, when to refit, owner edits carried over a refit;
- trends.py: owner edits applied, per-theme figures per period, rising themes, changes after each rollout;
- report.py: the themes report (top themes with their trend and quotes, rising themes, rollout changes).

The quotes come from analysis/quotes.py, the one quote picker.
"""

from analysis.themes.assign import (
    POOR_FIT_SIMILARITY,
    REFIT_MIN_NEW,
    REFIT_POOR_SHARE,
    assign_topics,
    carry_edits,
    match_topics,
    needs_refit,
)
from analysis.themes.clustering import (
    MAX_TOPICS,
    MERGE_SIMILARITY,
    MIN_TOPICS,
    OUTLIER,
    OUTLIER_SIMILARITY,
    AdaptiveKMeans,
    centroids_of,
    merge_groups,
    nearest,
    normalized,
    topic_count,
)
from analysis.themes.model import (
    IMPERSONAL_LABEL,
    IMPERSONAL_SEED,
    TOPICS_VERSION,
    Topic,
    TopicFit,
    distinct_keywords,
    fit_topics,
    topic_label,
    topics_frame,
)
from analysis.themes.report import TOP_THEMES, ThemeReport, build_theme_report, first_day_of_last_weeks
from analysis.themes.trends import (
    BASELINE_PERIODS,
    add_theme,
    falling_themes,
    one_sided_p,
    resolve_themes,
    rising_themes,
    rollout_changes,
    theme_periods,
    two_proportion_z,
)

__all__ = [
    "BASELINE_PERIODS",
    "IMPERSONAL_LABEL",
    "IMPERSONAL_SEED",
    "MAX_TOPICS",
    "MERGE_SIMILARITY",
    "MIN_TOPICS",
    "OUTLIER",
    "OUTLIER_SIMILARITY",
    "POOR_FIT_SIMILARITY",
    "REFIT_MIN_NEW",
    "REFIT_POOR_SHARE",
    "TOPICS_VERSION",
    "TOP_THEMES",
    "AdaptiveKMeans",
    "ThemeReport",
    "Topic",
    "TopicFit",
    "add_theme",
    "assign_topics",
    "build_theme_report",
    "carry_edits",
    "centroids_of",
    "distinct_keywords",
    "falling_themes",
    "first_day_of_last_weeks",
    "fit_topics",
    "match_topics",
    "merge_groups",
    "nearest",
    "needs_refit",
    "normalized",
    "one_sided_p",
    "resolve_themes",
    "rising_themes",
    "rollout_changes",
    "theme_periods",
    "topic_count",
    "topic_label",
    "topics_frame",
    "two_proportion_z",
]
