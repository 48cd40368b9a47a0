"""Conversations in Spanish over the REST channel, with the trained model, the Rasa server and
the action server running: every flow a Spanish speaker may take is answered in Spanish, and a
conversation can change language in the middle."""
from __future__ import annotations

import pytest

from careerbot.office import load_office
from tests.support.servers import buttons, texts

OFFICE = load_office()
SPANISH_MENU = ["Trabajo o carrera", "Convertir mi trabajo en carrera", "Explorar carreras",
                "Buscar ofertas de trabajo", "Algo me impide avanzar", "Buscar ayuda cerca",
                "Hablar con un consejero"]


def test_a_spanish_greeting_gets_the_menu_in_spanish(chat):
    replies = chat("hola buenas noches")
    assert "Soy un asistente de" in texts(replies)
    assert buttons(replies) == SPANISH_MENU


def test_what_a_job_and_a_career_are_in_spanish(chat):
    assert "Un trabajo es" in texts(chat("oye q es un trabajo exactamente"))
    assert "Una carrera es" in texts(chat("y una carrera que seria"))


def test_the_five_steps_in_spanish_with_a_digression(chat):
    answer = texts(chat("como puedo convertir mi trabajo en una carrera"))
    assert "Paso 1 de 5" in answer
    assert "Paso 2 de 5" in texts(chat("siguiente"))
    digression = texts(chat("espera, que es una carrera?"))
    assert "Una carrera es" in digression
    assert "Volvamos a los cinco pasos" in digression and "Paso 2 de 5" in digression
    assert "Paso 3 de 5" in texts(chat("saltar"))


@pytest.mark.parametrize("barrier, advice", [
    ("no tengo carro para llegar al trabajo", "El transporte"),
    ("no tengo quien me cuide a mis hijos", "El cuidado de los niños"),
    ("nadie me contrata porque nunca he trabajado", "No tener experiencia"),
    ("nunca termine la prepa, no tengo diploma", "pocos estudios"),
    ("estoy indeciso, no se que carrera escoger", "No saber qué quieres"),
    ("no me alcanza el dinero para nada", "preocupaciones de dinero"),
])
def test_a_barrier_in_spanish_gets_advice_and_a_local_search_in_spanish(chat, barrier, advice):
    assert advice in texts(chat(barrier))
    assert "código postal" in texts(chat("si porfavor"))
    results = texts(chat("62704"))
    assert "62704" in results or "Springfield" in results
    assert "Sample" in results  # the sample directory's listings, as the directory has them


def test_asking_for_a_person_in_spanish_records_valid_details(chat, assistant):
    office = texts(chat("quiero hablar con alguien de la oficina"))
    assert OFFICE.phone in office and "Teléfono" in office
    assert "nombre" in texts(chat("si"))
    assert "teléfono o correo" in texts(chat("me llamo maria lopez"))
    assert "¿Está bien?" in texts(chat("217 555 0134"))
    recorded = texts(chat("si"))
    assert "Pasé tu solicitud" in recorded
    assert assistant.tracker(chat.sender)["slots"]["handoff_requested"] is True


def test_a_crisis_in_spanish_gets_the_spanish_crisis_lines(chat):
    answer = texts(chat("ya no aguanto, quiero desaparecer para siempre"))
    assert "988" in answer and "911" in answer and "marca 2" in answer


def test_out_of_scope_in_spanish_gets_the_spanish_fallback(chat):
    answer = texts(chat("me puedes dar la receta de las enchiladas verdes"))
    assert "Perdón" in answer and "Sorry" not in answer


def test_a_zip_code_keeps_the_conversation_in_spanish(chat):
    chat("necesito ayuda para encontrar trabajo cerca de mi casa")
    chat("si")
    assert "Sorry" not in texts(chat("60623")) and "help" not in texts(chat("ok"))


def test_switching_language_in_the_middle(chat):
    assert "career assistant" in texts(chat("hi"))
    switched = chat("en español por favor")
    assert "seguimos en español" in texts(switched) and buttons(switched) == SPANISH_MENU
    # A button says nothing of the language: the conversation stays in Spanish.
    assert "Un trabajo es" in texts(chat("/ask_job_definition"))
    assert "continue in English" in texts(chat("english please"))
    assert "A job is" in texts(chat("/ask_job_definition"))


def test_switching_language_while_a_question_waits_asks_it_again_in_the_new_language(chat):
    chat("can I talk to a real person")
    assert "What name" in texts(chat("yes"))
    replies = texts(chat("en español porfa"))
    assert "seguimos en español" in replies and "nombre" in replies
