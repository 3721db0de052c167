"""The legal delay in jours francs, on dates computed by hand.

n jours francs: n whole days between the sending day and the sitting day, neither counted;
weekends and public holidays count. 2026: summer time starts Sunday 29 March and ends Sunday
25 October; public holidays used below: 1 January (Thu), 1 May (Fri), 8 May (Fri), Ascension
14 May (Thu), Whit Monday 25 May, 14 July (Tue), 1 November (Sun), 25 December (Fri).
"""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from convocation.rules import (
    is_in_time,
    jours_francs,
    lateness_message,
    latest_sending_date,
    long_date,
    note_required,
)

D = date
TABLE = [
    # sitting, population, kind, urgent, latest sending date
    # Thu 5 Mar 2026, small commune: jours francs Mon 2, Tue 3, Wed 4 -> Sun 1 Mar (a Sunday
    # is a valid sending day).
    (D(2026, 3, 5), 800, "commune", False, D(2026, 3, 1)),
    # Mon 2 Mar 2026: Fri 27 Feb, Sat 28 Feb, Sun 1 Mar -> Thu 26 Feb (end of a 28-day Feb).
    (D(2026, 3, 2), 800, "commune", False, D(2026, 2, 26)),
    # Wed 1 Mar 2028 (leap year): Sun 27, Mon 28, Tue 29 Feb -> Sat 26 Feb 2028.
    (D(2028, 3, 1), 800, "commune", False, D(2028, 2, 26)),
    # Fri 2 Jan 2026: Tue 30 Dec, Wed 31 Dec, Thu 1 Jan (holiday, counts) -> Mon 29 Dec 2025.
    (D(2026, 1, 2), 800, "commune", False, D(2025, 12, 29)),
    # Sun 4 Jan 2026, 5,000 inhabitants: Tue 30, Wed 31 Dec, Thu 1, Fri 2, Sat 3 Jan
    # -> Mon 29 Dec 2025.
    (D(2026, 1, 4), 5000, "commune", False, D(2025, 12, 29)),
    # Tue 31 Mar 2026, exactly 3,500 inhabitants (5 days): Thu 26, Fri 27, Sat 28,
    # Sun 29 (23-hour day, summer time), Mon 30 -> Wed 25 Mar.
    (D(2026, 3, 31), 3500, "commune", False, D(2026, 3, 25)),
    # The same sitting at 3,499 inhabitants (3 days): Sat 28, Sun 29, Mon 30 -> Fri 27 Mar.
    (D(2026, 3, 31), 3499, "commune", False, D(2026, 3, 27)),
    # Mon 26 Oct 2026, an EPCI of 2,000 inhabitants still needs 5 days (L5211-1): Wed 21,
    # Thu 22, Fri 23, Sat 24, Sun 25 (25-hour day, winter time) -> Tue 20 Oct.
    (D(2026, 10, 26), 2000, "epci", False, D(2026, 10, 20)),
    # Mon 4 May 2026: Fri 1 May (holiday), Sat 2, Sun 3 -> Thu 30 Apr (across a month).
    (D(2026, 5, 4), 800, "commune", False, D(2026, 4, 30)),
    # Thu 14 May 2026 (Ascension), 5,000: Sat 9, Sun 10, Mon 11, Tue 12, Wed 13
    # -> Fri 8 May (a holiday: sending that day is valid).
    (D(2026, 5, 14), 5000, "commune", False, D(2026, 5, 8)),
    # Tue 26 May 2026, 5,000: Thu 21, Fri 22, Sat 23, Sun 24, Mon 25 (Whit Monday)
    # -> Wed 20 May.
    (D(2026, 5, 26), 5000, "commune", False, D(2026, 5, 20)),
    # Mon 2 Nov 2026: Fri 30 Oct, Sat 31 Oct, Sun 1 Nov (holiday) -> Thu 29 Oct.
    (D(2026, 11, 2), 800, "commune", False, D(2026, 10, 29)),
    # Mon 4 Mar 2024 (leap year), 5,000: Wed 28, Thu 29 Feb, Fri 1, Sat 2, Sun 3 Mar
    # -> Tue 27 Feb 2024.
    (D(2024, 3, 4), 5000, "commune", False, D(2024, 2, 27)),
    # Urgency, 1 jour franc: Wed 15 Jul 2026: Tue 14 Jul (holiday) -> Mon 13 Jul.
    (D(2026, 7, 15), 5000, "commune", True, D(2026, 7, 13)),
    # Urgency in an EPCI, Fri 1 Jan 2027: Thu 31 Dec -> Wed 30 Dec 2026 (across a year).
    (D(2027, 1, 1), 90000, "epci", True, D(2026, 12, 30)),
    # Urgency, small commune, Sat 26 Dec 2026: Fri 25 Dec (Christmas) -> Thu 24 Dec.
    (D(2026, 12, 26), 120, "commune", True, D(2026, 12, 24)),
]


@pytest.mark.parametrize(("sitting", "population", "kind", "urgent", "latest"), TABLE)
def test_latest_sending_date(sitting, population, kind, urgent, latest):
    assert latest_sending_date(sitting, population, kind, urgent) == latest
    assert is_in_time(latest, sitting, population, kind, urgent)
    assert is_in_time(latest - timedelta(days=12), sitting, population, kind, urgent)
    assert not is_in_time(latest + timedelta(days=1), sitting, population, kind, urgent)
    assert not is_in_time(sitting, sitting, population, kind, urgent)


def test_the_default_keyword_arguments():
    assert latest_sending_date(D(2026, 3, 5), 800) == D(2026, 3, 1)
    assert is_in_time(D(2026, 3, 1), D(2026, 3, 5), 800)
    assert not is_in_time(D(2026, 3, 2), D(2026, 3, 5), 800)


def test_thresholds_and_reconvened_sittings():
    assert [jours_francs(p) for p in (0, 3499, 3500, 120000)] == [3, 3, 5, 5]
    assert jours_francs(10, "epci") == 5 and jours_francs(10, "epci", urgent=True) == 1
    assert jours_francs(5000, reconvened=True) == 3  # L2121-17: three days, no quorum
    assert [note_required(p) for p in (3499, 3500)] == [False, True]
    assert note_required(100, "epci")
    with pytest.raises(ValueError, match="kind"):
        latest_sending_date(D(2026, 3, 5), 800, "syndicat")


def test_the_refusal_sentence_gives_the_last_valid_date():
    # Fri 6 Mar 2026, small commune: Tue 3, Wed 4, Thu 5 -> Mon 2 Mar; sending on Tue 3.
    message = lateness_message(D(2026, 3, 3), D(2026, 3, 6), 800)
    assert message.startswith("La convocation devait être envoyée au plus tard le lundi "
                              "2 mars 2026 pour la séance du vendredi 6 mars 2026 (3 jours "
                              "francs, article L2121-11 du CGCT)")
    assert "nous sommes le mardi 3 mars 2026" in message
    urgent = lateness_message(D(2026, 3, 6), D(2026, 3, 6), 5000, urgent=True)
    assert "(1 jour franc, article L2121-12 du CGCT)" in urgent
    assert "jeudi 5 mars" not in urgent and "mercredi 4 mars 2026" in urgent
    assert long_date(D(2026, 3, 1)) == "dimanche 1er mars 2026"
    epci = lateness_message(D(2026, 10, 21), D(2026, 10, 26), 2000, "epci")
    assert "mardi 20 octobre 2026" in epci and "L2121-12 et L5211-1" in epci
