"""Upload checks: type by content, size limit, harmless display names."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from enrollment.uploads import UploadRefused, check_upload, safe_display_name

from .builders import HTML, JPEG, PDF, PNG


def test_it_recognises_pdf_jpeg_and_png_by_their_first_bytes():
    assert check_upload(SimpleUploadedFile("a.bin", PDF)).content_type == "application/pdf"
    assert check_upload(SimpleUploadedFile("a", JPEG)).content_type == "image/jpeg"
    assert check_upload(SimpleUploadedFile("a.pdf", PNG, content_type="application/pdf")).content_type == "image/png"


def test_it_refuses_html_renamed_pdf_whatever_the_browser_says():
    with pytest.raises(UploadRefused) as refused:
        check_upload(SimpleUploadedFile("certificate.pdf", HTML, content_type="application/pdf"))
    assert refused.value.code == "wrong_type"
    assert "PDF" in str(refused.value.message)


def test_it_refuses_a_file_over_the_limit(settings):
    settings.DOCUMENT_MAX_BYTES = 1024
    with pytest.raises(UploadRefused) as refused:
        check_upload(SimpleUploadedFile("big.pdf", PDF + b"0" * 2000))
    assert refused.value.code == "too_large"


def test_it_refuses_an_empty_file():
    with pytest.raises(UploadRefused) as refused:
        check_upload(SimpleUploadedFile("empty.pdf", b""))
    assert refused.value.code == "empty"


def test_it_records_size_and_sha256():
    import hashlib

    checked = check_upload(SimpleUploadedFile("a.pdf", PDF))
    assert checked.size == len(PDF)
    assert checked.sha256 == hashlib.sha256(PDF).hexdigest()


@pytest.mark.parametrize("name, expected", [
    ("../../etc/passwd.pdf", "passwd.pdf"),
    ("..\\..\\windows\\system.ini", "system.ini.pdf"),
    ("evil\x00.pdf", "evil.pdf"),
    ("\u202etxt.exe.pdf", "txt.exe.pdf"),
    ("", "document.pdf"),
    ("....", "document.pdf"),
    ("就労証明書（母）.PDF", "就労証明書（母）.pdf"),
])
def test_it_reduces_odd_names_to_a_safe_display_name(name, expected):
    from django.utils import translation

    with translation.override("en"):
        assert safe_display_name(name, "application/pdf") == expected


def test_it_shortens_overlong_names_and_keeps_the_true_extension():
    name = safe_display_name("あ" * 500 + ".png", "application/pdf")
    assert len(name) <= 100
    assert name.endswith(".pdf")
    assert "/" not in name and "\\" not in name
