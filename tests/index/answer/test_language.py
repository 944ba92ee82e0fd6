"""Which path ranks a question: English ones the English path, the rest the other-language one."""

from __future__ import annotations

import pytest

from quotebot.index.answer.language import reads_as_english


@pytest.mark.parametrize(
    ("question", "english"),
    [
        ("What should ICT providers not install?", True),
        ("msgpack strict_map_key defualt value?", True),  # chat English without a function word
        ("data security", True),
        ("73/266?", True),
        ("中国对数据安全有什么倡议？", False),
        ("ما هي مبادرة الصين بشأن أمن البيانات؟", False),
        ("Что Китай предлагает в области безопасности данных?", False),
        ("¿Qué propone China sobre la seguridad de los datos?", False),
        ("Was schlägt China zur Datensicherheit vor?", False),
        ("Que propose la Chine pour la sécurité des données ?", False),
        ("Çin veri güvenliği konusunda ne öneriyor?", False),  # accented, no English function word
    ],
)
def test_a_question_goes_to_the_model_that_reads_it(question: str, english: bool) -> None:
    assert reads_as_english(question) is english
