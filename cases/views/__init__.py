from typing import Any

from django.http import HttpRequest


def form_data(request: HttpRequest) -> tuple[Any, Any]:
    """``(data, files)`` for binding a form: bound on POST, even an empty one; unbound otherwise."""
    if request.method == "POST":
        return request.POST, request.FILES
    return None, None
