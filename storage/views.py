"""Server-rendered storage pages. Bytes never pass through here: uploads use the API."""

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.csrf import ensure_csrf_cookie
from django.views.decorators.http import require_GET

from plans.selectors import usage_get_for_user
from storage.selectors import folder_children_for_user


def _percent(part: int, whole: int) -> float:
    if whole <= 0:
        return 100.0 if part > 0 else 0.0
    return min(100.0, round(part * 100 / whole, 1))


@login_required
@require_GET
@ensure_csrf_cookie  # upload.js sends the CSRF cookie back as a header on its API calls
def home(request: HttpRequest) -> HttpResponse:
    """The root folder: its folders and files, and the user's usage against the plan."""
    folders, files = folder_children_for_user(user=request.user, folder=None)
    usage = usage_get_for_user(user=request.user)
    context = {
        "folders": folders,
        "files": files,
        "usage": usage,
        "plan": usage.plan,
        "used_percent": _percent(usage.used_bytes + usage.reserved_bytes, usage.plan.storage_bytes),
        "files_percent": _percent(usage.file_count, usage.plan.max_files),
    }
    return render(request, "home.html", context)
