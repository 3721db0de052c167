"""The officials' space reads the answers of all its convocations at once: the same answer as
`convocation.receipts.current_answer` gives for each (latest answer, proxies over several
sittings, revoked proxies), in a number of queries that does not grow with them."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from convocation import receipts
from convocation.models import Answer, Convocation, Sitting
from portal.space import _answers
from tests.factories import make_council

pytestmark = pytest.mark.django_db


def sittings(council, count: int, start: int = 1) -> list[Sitting]:
    now = timezone.now()
    made = [Sitting.objects.create(assembly=council.assembly, title=f"Séance {start + i}",
                                   starts_at=now + timedelta(days=7 * (start + i)),
                                   place="Mairie", status=Sitting.SENT, sent_at=now)
            for i in range(count)]
    for s in made:
        for p in council.elected:
            Convocation.objects.create(sitting=s, person=p, name=p.uid, email=p.email,
                                       sent_at=s.sent_at)
    return made


def conv(sitting, person) -> Convocation:
    return Convocation.objects.get(sitting=sitting, person=person)


def expected(rows) -> dict:
    found = {}
    for c in rows:
        current = receipts.current_answer(c)
        found[c.pk] = (current.choice, current.holder)
    return found


def rows_of(person) -> list[Convocation]:
    return list(Convocation.objects.filter(person=person).select_related("sitting")
                .order_by("sitting__starts_at"))


def test_the_same_answers_as_current_answer():
    council = make_council(members=5)
    a, b, c, d, e = council.elected
    s = sittings(council, 7)
    receipts.answer(conv(s[0], a), Answer.PRESENT)
    receipts.answer(conv(s[1], a), Answer.PROXY, holder=b, sittings=3)  # s1, s2, s3
    receipts.answer(conv(s[0], c), Answer.ABSENT)
    receipts.answer(conv(s[0], c), Answer.PRESENT)  # the latest counts
    receipts.answer(conv(s[2], c), Answer.PROXY, holder=d, sittings=2)  # s2, s3
    receipts.answer(conv(s[3], c), Answer.ABSENT)  # revokes the proxy: s2 loses it too
    receipts.answer(conv(s[4], d), Answer.PROXY, holder=e, sittings=1)
    receipts.answer(conv(s[4], e), Answer.PROXY, holder=a, sittings=3)  # s4, s5, s6
    receipts.answer(conv(s[5], e), Answer.PRESENT)  # revoked: s6 has no proxy left
    # A sitting inserted among those a proxy covers shifts what it covers.
    Sitting.objects.filter(pk=s[6].pk).update(starts_at=s[4].starts_at + timedelta(hours=1))
    for person in council.elected:
        rows = rows_of(person)
        assert _answers(person, rows) == expected(rows), person.uid
    answers = _answers(b, rows_of(b))
    assert set(answers.values()) == {("", None)}
    answers = _answers(a, rows_of(a))
    assert [answers[x.pk] for x in rows_of(a)][:4] == [
        ("present", None), ("proxy", b), ("proxy", b), ("proxy", b)]


def test_the_queries_do_not_grow_with_the_convocations():
    council = make_council(members=3)
    a, b, _c = council.elected
    s = sittings(council, 3)
    receipts.answer(conv(s[0], a), Answer.PROXY, holder=b, sittings=2)
    rows = rows_of(a)
    with CaptureQueriesContext(connection) as few:
        _answers(a, rows)
    more = sittings(council, 15, start=4)
    receipts.answer(conv(more[0], a), Answer.PROXY, holder=b, sittings=3)
    receipts.answer(conv(more[5], a), Answer.ABSENT)
    rows = rows_of(a)
    with CaptureQueriesContext(connection) as many:
        answers = _answers(a, rows)
    assert len(many) == len(few) == 3
    assert answers == expected(rows)
