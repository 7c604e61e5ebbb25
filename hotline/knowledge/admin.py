from django.contrib import admin

from .models import Article


@admin.register(Article)
class ArticleAdmin(admin.ModelAdmin):
    list_display = ["title", "category", "issuing_unit", "owner", "review_by", "active"]
    list_filter = ["active", "category__group"]
    search_fields = ["title", "keywords", "body"]
    autocomplete_fields = ["category"]
    date_hierarchy = "review_by"
