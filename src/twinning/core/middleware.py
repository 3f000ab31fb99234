"""Domain errors that escape an HTML view become the matching error page."""

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import translation

from twinning.core.errors import DomainError, Forbidden, NotFound


class DomainErrorMiddleware:
    """Map NotFound to 404 and Forbidden to 403 for every HTML view, in one place."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exc: Exception) -> HttpResponse | None:
        if request.path.startswith("/api/"):
            return None
        if isinstance(exc, NotFound):
            return render(request, "404.html", {"message": exc.message}, status=404)
        if isinstance(exc, Forbidden):
            return render(request, "403.html", {"message": exc.message}, status=403)
        if isinstance(exc, DomainError):
            return render(request, "400.html", {"message": exc.message}, status=exc.status)
        return None


class ChosenLanguageMiddleware:
    """Chinese unless the user picked another language (the language cookie).

    Django's LocaleMiddleware would follow the browser's Accept-Language; the platform is
    Chinese-first, so an English-language browser still starts in Chinese.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME, "")
        language = chosen if chosen in dict(settings.LANGUAGES) else settings.LANGUAGE_CODE
        translation.activate(language)
        request.LANGUAGE_CODE = language
        response = self.get_response(request)
        response.headers.setdefault("Content-Language", language)
        return response
