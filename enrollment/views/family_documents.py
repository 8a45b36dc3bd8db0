"""Download of the family's own uploaded documents, only through this permission-checked view."""

from django.http import FileResponse, Http404
from django.views.decorators.http import require_GET

from enrollment.models import Document
from enrollment.permissions import family_required


@family_required
@require_GET
def document_download(request, public_id):
    household = request.user.household
    document = Document.objects.filter(public_id=public_id, application__child__household=household).first() \
        if household is not None else None
    if document is None:
        raise Http404()
    try:
        handle = document.file.open("rb")
    except (FileNotFoundError, ValueError):
        raise Http404()
    response = FileResponse(handle, content_type=document.content_type, as_attachment=True,
                            filename=document.original_name)
    # Nothing in an uploaded file may run or load anything, even if a browser were to render it.
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response["Cache-Control"] = "private, no-store"
    return response
