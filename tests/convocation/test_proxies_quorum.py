"""Proxies (L2121-20) and quorum (L2121-17), rule by rule."""

from __future__ import annotations

import pytest

from convocation import proxies, quorum, receipts
from convocation.models import Answer, Convocation, Movement, Proxy, Sitting
from convocation.proxies import ProxyRefused
from convocation.quorum import AttendanceRefused
from convocation.sending import convene
from tests.factories import make_council

from .sittings import make_sitting

pytestmark = pytest.mark.django_db


def sittings(council, count: int) -> list[Sitting]:
    return [make_sitting(council, days_ahead=10 + 7 * i, items=1, annexes=0, note=False)
            for i in range(count)]


def test_a_proxy_goes_to_another_member_of_the_same_assembly(council):
    (s,) = sittings(council, 1)
    a, b = council.elected[:2]
    with pytest.raises(ProxyRefused, match="à lui-même"):
        proxies.give(s, a, a)
    with pytest.raises(ProxyRefused, match="ne siège pas au conseil municipal"):
        proxies.give(s, a, council.secretary)  # staff, not a member of the assembly
    other = make_council(members=2, name="Celles-sur-Belle")
    with pytest.raises(ProxyRefused, match="ne siège pas"):
        proxies.give(s, a, other.elected[1])
    p = proxies.give(s, a, b)
    assert proxies.proxy_given_by(s, a) == p and proxies.proxy_held_by(s, b) == p


def test_a_member_holds_at_most_one_proxy(council):
    (s,) = sittings(council, 1)
    a, b, c = council.elected[:3]
    proxies.give(s, a, c)
    with pytest.raises(ProxyRefused, match="détient déjà le pouvoir de Élu0 Nom0"):
        proxies.give(s, b, c)
    assert proxies.proxy_held_by(s, c).giver == a
    proxies.give(s, b, a)  # a gave a proxy and may still hold one: the holder must come


def test_a_proxy_is_revocable_and_replaced(council):
    (s,) = sittings(council, 1)
    a, b, c = council.elected[:3]
    first = proxies.give(s, a, b)
    second = proxies.give(s, a, c)  # a changes their mind: the first is revoked
    first.refresh_from_db()
    assert first.revoked_at is not None and proxies.proxy_given_by(s, a) == second
    assert proxies.proxy_held_by(s, b) is None
    proxies.revoke(second)
    assert proxies.proxies_for(s) == []
    proxies.give(s, council.elected[3], b)  # b is free again


def test_a_proxy_covers_at_most_three_consecutive_sittings(council):
    s = sittings(council, 4)
    a, b, c = council.elected[:3]
    with pytest.raises(ProxyRefused, match="plus de trois séances consécutives"):
        proxies.give(s[0], a, b, sittings=4)
    p = proxies.give(s[0], a, b, sittings=3)
    assert [x.pk for x in p.covered_sittings()] == [x.pk for x in s[:3]]
    assert [p.covers(x) for x in s] == [True, True, True, False]
    # b holds a's proxy at the three sittings: c cannot give b one at the third.
    with pytest.raises(ProxyRefused, match="détient déjà"):
        proxies.give(s[2], c, b)
    proxies.give(s[3], c, b)  # the fourth is free


def test_answers_are_kept_in_order_and_the_latest_counts(council):
    s = sittings(council, 2)
    convocations = convene(s[0])
    convene(s[1])
    a, b, c = council.elected[:3]
    mine = next(x for x in convocations if x.person == a)
    receipts.answer(mine, Answer.PRESENT)
    receipts.answer(mine, Answer.PROXY, b, sittings=2)
    assert receipts.current_answer(mine).holder == b
    later = Convocation.objects.get(sitting=s[1], person=a)
    assert receipts.current_answer(later).choice == Answer.PROXY  # given at the first sitting
    receipts.answer(mine, Answer.PROXY, c)
    assert receipts.current_answer(mine).holder == c
    receipts.answer(mine, Answer.ABSENT)
    assert receipts.current_answer(mine).choice == Answer.ABSENT
    assert proxies.proxies_for(s[0]) == []
    assert list(mine.answers.values_list("choice", flat=True)) == [
        "present", "proxy", "proxy", "absent"]
    history = list(mine.answers.all())
    with pytest.raises(Exception, match="append-only"):
        history[0].save()
    with pytest.raises(receipts.AnswerRefused, match="détient déjà"):
        receipts.answer(Convocation.objects.get(sitting=s[0], person=council.elected[3]),
                        Answer.PROXY, c)
        receipts.answer(Convocation.objects.get(sitting=s[0], person=council.elected[4]),
                        Answer.PROXY, c)


def test_quorum_is_more_than_half_present_proxies_not_counted(council):
    # 5 members in office: 3 must be physically present.
    (s,) = sittings(council, 1)
    s.items.all().delete()
    for i in range(1, 4):
        s.items.create(position=i, title=f"Point {i}", project="x.pdf")
    convene(s)
    one, two, three = s.items.order_by("position")
    e = council.elected
    proxies.give(s, e[3], e[0])
    proxies.give(s, e[4], e[1])
    quorum.roll_call(s, [e[0], e[1]])
    q = quorum.quorum_at(s, one)
    assert (len(q.present), q.in_office, q.required, q.reached, q.proxies, q.voters) == (
        2, 5, 3, False, 2, 4)  # two proxies do not make a quorum
    with pytest.raises(AttendanceRefused, match="quorum n'est pas atteint au point 1 : 2 "
                                                "présents pour 5 membres en exercice"):
        quorum.record_vote(one, 4, 0, 0)
    quorum.record_movement(s, e[2], Movement.ARRIVAL, two)  # arrives before item 2
    assert quorum.quorum_at(s, two).reached and not quorum.quorum_at(s, one).reached
    quorum.record_vote(two, 3, 1, 1, "2026-012")
    with pytest.raises(AttendanceRefused, match="6 suffrages et abstentions au point 2"):
        quorum.record_vote(two, 4, 1, 1)
    quorum.record_movement(s, e[1], Movement.DEPARTURE, three)  # leaves before item 3
    q3 = quorum.quorum_at(s, three)
    assert (len(q3.present), q3.reached, q3.proxies) == (2, False, 1)  # e[1]'s proxy is lost
    with pytest.raises(AttendanceRefused, match="déjà présent"):
        quorum.record_movement(s, e[0], Movement.ARRIVAL, three)
    with pytest.raises(AttendanceRefused, match="n'est pas présent"):
        quorum.record_movement(s, e[1], Movement.DEPARTURE, three)
    with pytest.raises(AttendanceRefused, match="n'a pas été convoqué"):
        quorum.record_movement(s, council.secretary, Movement.ARRIVAL, three)
    assert [q.reached for q in quorum.quorum(s)] == [False, True, False]


def test_even_numbers_and_a_sitting_reconvened_without_quorum(council):
    assert [quorum.required_present(n) for n in (4, 5, 6, 43)] == [3, 3, 4, 22]
    (s,) = sittings(council, 1)
    s.reconvened = True
    s.save()
    convene(s)
    item = s.items.get()
    quorum.roll_call(s, [council.elected[0]])
    q = quorum.quorum_at(s, item)
    assert q.reached and q.required == 0
    quorum.record_vote(item, 1, 0, 0)
    assert item.vote.outcome == "adopted"


def test_proxies_outlive_revocation_for_sittings_already_held(council):
    s = sittings(council, 2)
    a, b = council.elected[:2]
    p = proxies.give(s[0], a, b, sittings=2)
    Sitting.objects.filter(pk=s[0].pk).update(starts_at=s[0].starts_at.replace(year=2020))
    s[0].refresh_from_db()
    proxies.revoke(p)
    assert p.covers(s[0]) and not p.covers(s[1])
    assert Proxy.objects.count() == 1
