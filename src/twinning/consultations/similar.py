"""Similar problems while a question is typed: has someone asked this before?

Chinese has no spaces, so texts are compared by their character bigrams (分类 类投 投放 …);
Latin words and numbers count as whole tokens. The score is the Jaccard similarity of the typed
text's bigrams with a problem's title, or with its title and the start of its description,
whichever is higher, plus a small bonus when the topics match.
"""

import re
from dataclasses import dataclass
from typing import Any

from django.db.models.functions import Substr

from twinning.consultations.models import Problem
from twinning.consultations.queries import visible_problems
from twinning.pairings.models import choice_label

LIMIT = 5
THRESHOLD = 0.12
TOPIC_BONUS = 0.1
CANDIDATES = 3000
DESCRIPTION_CHARS = 500
# Runs of CJK characters, or of letters and digits.
_RUNS = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]+|[A-Za-z0-9]+")
_CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")


@dataclass(frozen=True)
class Match:
    id: int
    title: str
    status: str

    @property
    def status_label(self) -> str:
        return choice_label(Problem.Status, self.status)

    score: float


def shingles(text: str) -> set[str]:
    """Character bigrams of the Chinese runs; lower-cased words of the rest."""
    grams: set[str] = set()
    for run in _RUNS.findall(text or ""):
        if _CJK.match(run):
            if len(run) == 1:
                grams.add(run)
            grams.update(run[i : i + 2] for i in range(len(run) - 1))
        else:
            grams.add(run.lower())
    return grams


def jaccard(a: set[str], b: set[str]) -> float:
    if not a or not b:
        return 0.0
    return len(a & b) / len(a | b)


def similar_problems(
    actor: Any,
    text: str,
    topic_id: int | None = None,
    exclude_id: int | None = None,
    limit: int = LIMIT,
) -> list[Match]:
    """Up to `limit` of the actor's visible problems most like `text`, best first."""
    wanted = shingles(text)
    if len(wanted) < 2:
        return []
    rows = (
        visible_problems(actor)
        .filter(archived_at__isnull=True)
        .order_by("-asked_at", "-id")
        .annotate(start=Substr("description", 1, DESCRIPTION_CHARS))
        .values_list("id", "title", "start", "topic_id", "status")[:CANDIDATES]
    )
    matches = []
    for pk, title, start, topic, status in rows:
        if pk == exclude_id:
            continue
        title_grams = shingles(title)
        score = max(jaccard(wanted, title_grams), jaccard(wanted, title_grams | shingles(start)))
        if topic_id is not None and topic == topic_id:
            score += TOPIC_BONUS
        if score >= THRESHOLD:
            matches.append(Match(id=pk, title=title, status=status, score=round(score, 3)))
    matches.sort(key=lambda m: (-m.score, -m.id))
    return matches[:limit]
