from django.contrib.auth.decorators import login_required, permission_required
from django.http import HttpResponse


@login_required
@permission_required("civaffairs.add_request", raise_exception=True)
def roster_import(request):
    return HttpResponse("花名册导入（开发中）")


@login_required
@permission_required("civaffairs.add_request", raise_exception=True)
def roster_template(request):
    return HttpResponse("")
