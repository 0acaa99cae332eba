"""The knowledge base on both backends: one contract for SQLite FTS5 and PostgreSQL
tsvector — word forms in Russian and English, ranking, edits, deletes, tenants."""

from __future__ import annotations

import pytest

from trt_actors.storage import KnowledgeEntry, NotFound, Store, Tx
from trt_actors.storage._knowledge import search_terms

from .support import OTHER_TENANT, TENANT

ENTRIES = [
    ("Как пополнить баланс?", "Откройте «Баланс» и выберите сумму; оплата звёздами Telegram."),
    ("Сколько стоит генерация видео?", "Цена видна на карточке модели до запуска."),
    ("How do I make images?", "Open the menu, choose Text to image, then type a prompt."),
    ("Why did my generation fail?", "The hold is released and you can retry for free."),
    ("Бесплатные генерации", "Каждый день доступно несколько бесплатных генераций картинок."),
]


async def fill(store: Store, tenant: str = TENANT) -> list[KnowledgeEntry]:
    def add_all(tx: Tx) -> list[KnowledgeEntry]:
        return [
            tx.knowledge.add(q, a, key=f"add:{n}", created_by=7) for n, (q, a) in enumerate(ENTRIES)
        ]

    return await store.run(tenant, add_all)


async def search(store: Store, text: str, tenant: str = TENANT) -> list[str]:
    found = await store.read(tenant, lambda tx: tx.knowledge.search(text))
    return [entry.question for entry in found]


@pytest.mark.parametrize(
    ("text", "best"),
    [
        ("баланс", "Как пополнить баланс?"),
        ("БАЛАНСА пополнение", "Как пополнить баланс?"),  # case and word forms
        ("генерации видео", "Сколько стоит генерация видео?"),  # the most words first
        ("images", "How do I make images?"),
        ("image prompt", "How do I make images?"),  # singular finds the plural
        ("failed generations", "Why did my generation fail?"),
        ("бесплатная генерация картинки", "Бесплатные генерации"),
    ],
)
async def test_search_finds_the_best_entry_in_both_languages(
    store: Store, text: str, best: str
) -> None:
    await fill(store)
    found = await search(store, text)
    assert found and found[0] == best, found


async def test_question_words_outrank_answer_words(store: Store) -> None:
    await fill(store)
    # "модели" is only in an answer, "видео" in that entry's question: both find it
    assert await search(store, "модели") == ["Сколько стоит генерация видео?"]
    found = await search(store, "menu prompt images")
    assert found[0] == "How do I make images?"


@pytest.mark.parametrize("text", ["", "   ", "?!", "xylophone", "квазар", '" OR * ( :'])
async def test_no_words_or_no_match_finds_nothing(store: Store, text: str) -> None:
    await fill(store)
    assert await search(store, text) == []


async def test_query_syntax_in_the_text_is_just_words(store: Store) -> None:
    await fill(store)
    found = await search(store, 'баланс" OR NEAR(* | ! & :')
    assert found[0] == "Как пополнить баланс?"


async def test_add_is_idempotent_by_key_and_edit_and_delete_reindex(store: Store) -> None:
    first = await fill(store)
    again = await fill(store)
    assert [e.id for e in again] == [e.id for e in first]
    assert len(await store.read(TENANT, lambda tx: tx.knowledge.latest())) == len(ENTRIES)
    balance = first[0]
    edited = await store.run(
        TENANT, lambda tx: tx.knowledge.edit(balance.id, question="Как купить кредиты?")
    )
    assert edited.answer == balance.answer  # only the question changed
    assert "Как пополнить баланс?" not in await search(store, "пополнить")
    assert await search(store, "кредиты") == ["Как купить кредиты?"]
    assert await store.run(TENANT, lambda tx: tx.knowledge.delete(balance.id))
    assert not await store.run(TENANT, lambda tx: tx.knowledge.delete(balance.id))
    assert await search(store, "кредиты") == []
    with pytest.raises(NotFound):
        await store.read(TENANT, lambda tx: tx.knowledge.get(balance.id))
    with pytest.raises(NotFound):
        await store.run(TENANT, lambda tx: tx.knowledge.edit(balance.id, answer="x"))


async def test_tenants_see_only_their_own_entries(store: Store) -> None:
    await fill(store)
    assert await search(store, "баланс", tenant=OTHER_TENANT) == []
    await store.run(
        OTHER_TENANT, lambda tx: tx.knowledge.add("Баланс другого бота", "…", key="add:0")
    )
    assert await search(store, "баланс", tenant=OTHER_TENANT) == ["Баланс другого бота"]
    assert await search(store, "баланс") == ["Как пополнить баланс?"]
    mine = (await store.read(TENANT, lambda tx: tx.knowledge.latest()))[0]
    with pytest.raises(NotFound):
        await store.read(OTHER_TENANT, lambda tx: tx.knowledge.get(mine.id))


async def test_empty_or_oversized_texts_are_refused(store: Store) -> None:
    with pytest.raises(ValueError, match="question"):
        await store.run(TENANT, lambda tx: tx.knowledge.add("  ", "answer", key="k"))
    with pytest.raises(ValueError, match="answer"):
        await store.run(TENANT, lambda tx: tx.knowledge.add("q", "a" * 3001, key="k"))


def test_search_terms_keep_words_only() -> None:
    assert search_terms("Как, как ПОПОЛНИТЬ баланс?! foo_bar (x)") == [
        "как", "пополнить", "баланс", "foo", "bar", "x"
    ]  # fmt: skip
    assert len(search_terms(" ".join(f"w{n}" for n in range(40)))) == 12
