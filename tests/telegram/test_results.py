"""The typed results of Bot API calls agree with the Bot API specification shipped with the
emulator: a method typed as answering an object answers exactly one object type."""

from __future__ import annotations

from typing import get_args

import pytest

from trt_actors.emulators.telegram._spec import PRIMITIVES, ApiSpec
from trt_actors.telegram.bot_api import ObjectMethod


@pytest.mark.parametrize("method", get_args(ObjectMethod))
def test_an_object_method_answers_one_object_type(method: str) -> None:
    spec = ApiSpec.load()
    found = spec.methods.get(method)
    assert found is not None, f"{method} is not a Bot API method"
    assert len(found.returns) == 1, f"{method} answers one of {found.returns}"
    (returns,) = found.returns
    assert returns not in PRIMITIVES and not returns.startswith("Array of")
    assert returns in spec.types
