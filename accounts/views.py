from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from .forms import AddressForm
from .http import AuthenticatedHttpRequest
from .selectors import address_get, address_list
from .services import address_delete, address_save


@login_required
def profile(request: AuthenticatedHttpRequest) -> HttpResponse:
    from allauth.account.models import EmailAddress

    return render(
        request,
        "accounts/profile.html",
        {
            "addresses": address_list(user=request.user),
            "email_verified": EmailAddress.objects.filter(user=request.user, verified=True).exists(),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def address_edit(request: AuthenticatedHttpRequest, address_id: int | None = None) -> HttpResponse:
    address = None
    if address_id is not None:
        address = address_get(user=request.user, address_id=address_id)  # AddressNotFound: a 404 page
    form = AddressForm(request.POST or None, instance=address)
    if request.method == "POST" and form.is_valid():
        address_save(user=request.user, data=form.cleaned_data, address=address)
        messages.success(request, "Address saved.")
        return redirect("accounts:profile")
    return render(
        request, "accounts/address_form.html", {"form": form, "address": address}, status=400 if form.errors else 200
    )


@login_required
@require_POST
def address_remove(request: AuthenticatedHttpRequest, address_id: int) -> HttpResponse:
    address_delete(user=request.user, address_id=address_id)  # AddressNotFound: a 404 page
    messages.success(request, "Address deleted.")
    return redirect("accounts:profile")
