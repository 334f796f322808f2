from django.contrib.auth.decorators import login_required, permission_required
from django.shortcuts import get_object_or_404, render

from civaffairs.selectors import cases_for, payments_for


@login_required
@permission_required("civaffairs.view_case", raise_exception=True)
def case_detail(request, pk):
    case = get_object_or_404(cases_for(request.user), pk=pk)
    payments = payments_for(request.user).filter(case=case).order_by("-month", "-paid_month")
    return render(request, "assistance/case_detail.html", {"case": case, "payments": payments})
