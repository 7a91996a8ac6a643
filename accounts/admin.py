from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.db.models import QuerySet

from .http import AuthenticatedHttpRequest
from .models import Address, Seller, User
from .services import seller_decide


class AddressInline(admin.StackedInline):
    model = Address
    extra = 0


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    ordering = ["email"]
    list_display = ["email", "first_name", "last_name", "is_staff", "is_active", "date_joined"]
    search_fields = ["email", "first_name", "last_name"]
    fieldsets = (
        (None, {"fields": ("email", "password")}),
        ("Personal info", {"fields": ("first_name", "last_name")}),
        ("Permissions", {"fields": ("is_active", "is_staff", "is_superuser", "groups", "user_permissions")}),
        ("Important dates", {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = ((None, {"classes": ("wide",), "fields": ("email", "password1", "password2")}),)
    inlines = [AddressInline]


@admin.register(Seller)
class SellerAdmin(admin.ModelAdmin):
    list_display = ["store_name", "user", "status", "applied_at", "decided_at", "decided_by"]
    list_filter = ["status"]
    search_fields = ["store_name", "user__email"]
    readonly_fields = ["status", "applied_at", "decided_at", "decided_by"]
    raw_id_fields = ["user"]
    actions = ["approve", "reject", "suspend"]

    def _decide(self, request: AuthenticatedHttpRequest, queryset: QuerySet[Seller], status: str) -> None:
        for seller in queryset:
            seller_decide(seller=seller, status=status, actor=request.user)
        messages.success(request, f"{queryset.count()} seller(s) {Seller.Status(status).label.lower()}.")

    @admin.action(description="Approve selected sellers")
    def approve(self, request: AuthenticatedHttpRequest, queryset: QuerySet[Seller]) -> None:
        self._decide(request, queryset, Seller.Status.APPROVED)

    @admin.action(description="Reject selected applications")
    def reject(self, request: AuthenticatedHttpRequest, queryset: QuerySet[Seller]) -> None:
        self._decide(request, queryset, Seller.Status.REJECTED)

    @admin.action(description="Suspend selected sellers")
    def suspend(self, request: AuthenticatedHttpRequest, queryset: QuerySet[Seller]) -> None:
        self._decide(request, queryset, Seller.Status.SUSPENDED)
