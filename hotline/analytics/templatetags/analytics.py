from django import template

from hotline.analytics.views import may_read_reports

register = template.Library()
# The console's header shows the reports link to exactly those the report views let in.
register.filter("may_read_reports", may_read_reports)
