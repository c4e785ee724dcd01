"""Tracking codes: eight letters of the 32-letter alphabet (no 0/O, 1/I), each letter as likely as any other."""

from __future__ import annotations

from collections import Counter

from workflows.cases import TRACKING_ALPHABET, _tracking_code
from workflows.whatsapp.conversation import TRACKING_CODE


def test_a_code_is_eight_letters_of_the_alphabet_that_a_chat_message_recognises():
    # Five bits of a random byte pick a letter: the alphabet must have exactly 32 distinct letters.
    assert len(set(TRACKING_ALPHABET)) == len(TRACKING_ALPHABET) == 32
    for _ in range(200):
        code = _tracking_code()
        assert len(code) == 8 and set(code) <= set(TRACKING_ALPHABET)
        assert TRACKING_CODE.fullmatch(code)


def test_every_letter_is_drawn_about_equally_often():
    counts = Counter("".join(_tracking_code() for _ in range(2000)))  # 16,000 letters, 500 expected each
    assert set(counts) == set(TRACKING_ALPHABET)
    # Seven standard deviations either side: a letter never drawn, or drawn twice as often, fails.
    assert all(340 <= n <= 660 for n in counts.values()), counts
