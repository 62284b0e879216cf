"""The one decoder for pages, feeds and text files: labels, declarations and the mislabel rules."""

from __future__ import annotations

import codecs
import os
import zlib
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.news.decode import codec_for_label, decode_document, utf16_without_bom
from bot.news.errors import InputError
from bot.news.feeds import fetch_feed
from bot.news.fetch import Fetcher
from bot.news.pipeline import Pipeline, brief_file
from newsbrief_testkit.local_site import LocalSite

FRENCH = (
    "Le conseil municipal a approuvé le budget après une très longue séance. "
    "« C'est une étape très importante pour la ville », a déclaré la mairesse à la presse. "
    "Les élèves du collège étudieront la forêt à côté de la rivière cet été.\n"
)
SHORT_FRENCH = "Après la réunion, le maire a annoncé que la piscine rouvrira en été, à côté de l'école.\n"
"""Too short for charset-normalizer alone, which reads it as DOS Baltic ("annoncķ") or windows-1250 ("č")."""
RUSSIAN = (
    "Теперь дорога от вокзала до набережной займёт не больше десяти минут. "
    "По словам инженеров, мост рассчитан на сто лет службы.\n"
)


@pytest.mark.parametrize(
    ("label", "codec"),
    [
        ("ISO-8859-1", "cp1252"),
        ("us-ascii", "cp1252"),
        ("latin1", "cp1252"),
        (" Windows-1251 ", "cp1251"),
        ('"utf8"', "utf-8"),
        ("Shift_JIS", "cp932"),
        ("gb2312", "gb18030"),
        ("iso-8859-9", "cp1254"),
        ("unicode", "utf-16-le"),
    ],
)
def test_labels_resolve_as_whatwg_says(label: str, codec: str) -> None:
    assert codec_for_label(label) == codec


@pytest.mark.parametrize("label", ["utf-32", "iso-2022-kr", "no-such-charset", "", None])
def test_labels_outside_the_standard_are_ignored(label: str | None) -> None:
    assert codec_for_label(label) is None


def test_latin1_bytes_declared_utf8_read_as_windows_1252() -> None:
    decoded = decode_document(FRENCH.encode("latin-1") * 3, declared_charset="utf-8")
    assert (decoded.text, decoded.codec, decoded.source) == (FRENCH * 3, "cp1252", "detected")


def test_latin1_bytes_declared_utf8_in_meta_read_as_windows_1252() -> None:
    page = f'<html><head><meta charset="utf-8"></head><body><p>{FRENCH}</p></body></html>'
    assert "a déclaré la mairesse" in decode_document(page.encode("latin-1")).text


def test_utf8_with_a_few_bad_bytes_stays_utf8_with_replacement_characters() -> None:
    data = FRENCH.encode("utf-8") * 3 + b"Fin de l'\xe9dition."
    decoded = decode_document(data, declared_charset="utf-8")
    assert (decoded.codec, decoded.source) == ("utf-8", "header")
    assert decoded.text == FRENCH * 3 + "Fin de l'\ufffddition."


def test_utf8_declared_with_another_legacy_declaration_takes_the_declaration() -> None:
    page = f'<?xml version="1.0" encoding="windows-1251"?><rss><title>{RUSSIAN}</title></rss>'
    decoded = decode_document(page.encode("cp1251"), declared_charset="utf-8", markup="xml")
    assert (decoded.codec, decoded.source) == ("cp1251", "xml")
    assert RUSSIAN in decoded.text


def test_valid_utf8_declared_latin1_reads_as_utf8() -> None:
    decoded = decode_document(FRENCH.encode("utf-8"), declared_charset="iso-8859-1")
    assert (decoded.text, decoded.codec) == (FRENCH, "utf-8")


def test_ascii_declared_latin1_keeps_the_declaration() -> None:
    assert decode_document(b"plain words", declared_charset="iso-8859-1").source == "header"


def test_windows_1252_undefined_bytes_become_c1_controls_as_in_browsers() -> None:
    assert decode_document(b"caf\xe9 \x81", declared_charset="windows-1252").text == "café \x81"


def test_undeclared_windows_1251_is_detected() -> None:
    decoded = decode_document((RUSSIAN * 3).encode("cp1251"), markup="text")
    assert (decoded.text, decoded.codec, decoded.source) == (RUSSIAN * 3, "cp1251", "detected")


@pytest.mark.parametrize("text", [FRENCH, SHORT_FRENCH])
def test_undeclared_latin1_text_is_windows_1252_not_central_european(text: str) -> None:
    assert decode_document(text.encode("latin-1"), markup="text").text == text


@pytest.mark.parametrize("codec", ["utf-16-le", "utf-16-be"])
def test_utf16_with_a_byte_order_mark_is_read(codec: str) -> None:
    bom = codecs.BOM_UTF16_LE if codec == "utf-16-le" else codecs.BOM_UTF16_BE
    decoded = decode_document(bom + RUSSIAN.encode(codec), declared_charset="utf-8", markup="text")
    assert (decoded.text, decoded.codec, decoded.source) == (RUSSIAN, codec, "bom")


@pytest.mark.parametrize("codec", ["utf-16-le", "utf-16-be"])
@pytest.mark.parametrize("text", [FRENCH, RUSSIAN])
def test_utf16_without_a_byte_order_mark_is_recognised(codec: str, text: str) -> None:
    decoded = decode_document(text.encode(codec), markup="text")
    assert (decoded.text, decoded.codec) == (text, codec)


def test_utf16_header_on_a_body_that_is_not_utf16_is_ignored() -> None:
    assert decode_document(FRENCH.encode("utf-8"), declared_charset="utf-16").text == FRENCH


def test_utf16_named_in_a_meta_tag_means_utf8() -> None:
    page = f'<meta charset="utf-16"><p>{FRENCH}</p>'.encode()
    assert decode_document(page).codec == "utf-8"


@pytest.mark.parametrize(
    "data",
    [
        os.urandom(4096),
        zlib.compress(FRENCH.encode() * 40),
        b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x01\x00\x00\x00\x01\x00\x08\x06\x00\x00\x00" * 50,
        bytes(range(256)) * 8,
    ],
    ids=["random", "zlib", "png", "all-bytes"],
)
def test_binary_data_is_not_taken_for_utf16(data: bytes) -> None:
    assert utf16_without_bom(data) is None


# --- the same rules for pages, feeds and text files, served by the local site -----------------

FRENCH_ARTICLE = (
    "Le tramway de nuit reprend du service",
    "Le conseil municipal a approuvé vendredi le retour du tramway de nuit après une très longue séance.",
    "« C'est une étape très importante pour les élèves et les travailleurs », a déclaré la mairesse.",
    "Les premières rames circuleront dès l'été, à côté de la forêt et le long de la rivière.",
    SHORT_FRENCH.strip(),
)
RUSSIAN_ARTICLE = (
    "Новый мост открыт для движения",
    "Теперь дорога от вокзала до набережной займёт не больше десяти минут, сообщили в мэрии.",
    "По словам инженеров, мост рассчитан на сто лет службы и выдержит любые морозы.",
    "Строительство заняло два года и обошлось городу дешевле, чем планировалось.",
)
PAGE_CASES = {
    # case: (article, codec of the bytes, Content-Type the site sends, with a byte-order mark)
    "latin1-declared-utf8": (FRENCH_ARTICLE, "latin-1", "; charset=utf-8", False),
    "windows-1251-undeclared": (RUSSIAN_ARTICLE, "cp1251", "", False),
    "utf16-with-bom": (FRENCH_ARTICLE, "utf-16-le", "", True),
    "utf16-without-bom": (RUSSIAN_ARTICLE, "utf-16-be", "", False),
}


def _encoded(text: str, codec: str, bom: bool) -> bytes:
    mark = {"utf-16-le": codecs.BOM_UTF16_LE, "utf-16-be": codecs.BOM_UTF16_BE}.get(codec, b"") if bom else b""
    return mark + text.encode(codec)


def _page(article: tuple[str, ...]) -> str:
    title, *paragraphs = article
    body = "".join(f"<p>{paragraph}</p>" for paragraph in paragraphs)
    return f"<html><head><title>{title}</title></head><body><article><h1>{title}</h1>{body}</article></body></html>"


def _feed(article: tuple[str, ...]) -> str:
    title, first, *_ = article
    return (
        '<?xml version="1.0"?><rss version="2.0"><channel><title>Gazette</title><link>https://gazette.example/</link>'
        f"<item><title>{title}</title><link>https://gazette.example/1</link><description>{first}</description></item>"
        "</channel></rss>"
    )


@pytest.fixture
async def fetcher() -> AsyncIterator[Fetcher]:
    async with Fetcher(allow_private=True) as fetcher:
        yield fetcher


@pytest.mark.parametrize("case", PAGE_CASES)
async def test_served_page_reads_with_its_letters(local_site: LocalSite, fetcher: Fetcher, case: str) -> None:
    article, codec, charset, bom = PAGE_CASES[case]
    url = local_site.add("/article", _encoded(_page(article), codec, bom), content_type=f"text/html{charset}")

    briefing = await Pipeline(fetcher=fetcher).brief_url(url)

    assert briefing.article.title == article[0]
    assert briefing.article.paragraphs == article[1:]


@pytest.mark.parametrize("case", PAGE_CASES)
async def test_served_feed_reads_with_its_letters(local_site: LocalSite, fetcher: Fetcher, case: str) -> None:
    article, codec, charset, bom = PAGE_CASES[case]
    url = local_site.add(
        "/feed.xml", _encoded(_feed(article), codec, bom), content_type=f"application/rss+xml{charset}"
    )

    result = await fetch_feed(fetcher, url)

    assert result.feed is not None
    (item,) = result.feed.items
    assert (item.title, item.summary) == article[:2]


async def test_undeclared_latin1_feed_reads_with_its_accents(local_site: LocalSite, fetcher: Fetcher) -> None:
    url = local_site.add("/feed.xml", _feed(FRENCH_ARTICLE).encode("latin-1"), content_type="application/rss+xml")

    result = await fetch_feed(fetcher, url)

    assert result.feed is not None
    assert result.feed.items[0].summary == FRENCH_ARTICLE[1]


FILE_CASES = {
    "latin1": (FRENCH_ARTICLE, "latin-1", False),
    "windows-1251": (RUSSIAN_ARTICLE, "cp1251", False),
    "utf16-with-bom": (RUSSIAN_ARTICLE, "utf-16-le", True),
    "utf16-big-endian-with-bom": (FRENCH_ARTICLE, "utf-16-be", True),
    "utf16-without-bom": (FRENCH_ARTICLE, "utf-16-le", False),
}


@pytest.mark.parametrize("case", FILE_CASES)
def test_text_file_reads_with_its_letters(tmp_path: Path, case: str) -> None:
    article, codec, bom = FILE_CASES[case]
    path = tmp_path / "article.txt"
    path.write_bytes(_encoded("\n\n".join(article), codec, bom))

    briefing = brief_file(str(path))

    assert briefing.article.title == article[0]
    assert briefing.article.paragraphs == article[1:]


def test_saved_latin1_page_declared_utf8_reads_with_its_accents(tmp_path: Path) -> None:
    path = tmp_path / "article.html"
    path.write_bytes(_page(FRENCH_ARTICLE).replace("<head>", '<head><meta charset="utf-8">').encode("latin-1"))

    assert brief_file(str(path)).article.paragraphs == FRENCH_ARTICLE[1:]


@pytest.mark.parametrize("name", ["image.txt", "image.html"])
def test_binary_file_is_still_refused_as_binary(tmp_path: Path, name: str) -> None:
    path = tmp_path / name
    path.write_bytes(zlib.compress(os.urandom(2000)) + b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" * 100)

    with pytest.raises(InputError, match="binary"):
        brief_file(str(path))


async def test_binary_page_is_still_refused_as_binary(local_site: LocalSite, fetcher: Fetcher) -> None:
    url = local_site.add("/image", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + os.urandom(4000), content_type="text/html")

    with pytest.raises(InputError, match="binary"):
        await Pipeline(fetcher=fetcher).brief_url(url)


async def test_utf16_feed_served_as_text_xml_is_recognised_as_a_feed(local_site: LocalSite, fetcher: Fetcher) -> None:
    url = local_site.add("/feed.xml", _feed(RUSSIAN_ARTICLE).encode("utf-16-le"), content_type="text/xml")

    result = await fetch_feed(fetcher, url)

    assert result.feed is not None
    assert result.feed.items[0].title == RUSSIAN_ARTICLE[0]
