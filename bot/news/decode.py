"""Bytes -> text for pages, feeds and text files alike, reading what a browser would read.

The order is the WHATWG Encoding and HTML standards': a byte-order mark, then the HTTP charset,
then the document's own declaration (<meta charset> or the XML declaration), then detection; labels
are resolved with the WHATWG label table, so "ISO-8859-1" and "US-ASCII" mean windows-1252 as they
do in every browser. Two checks keep a wrong declaration from spoiling the text:

- a body declared UTF-8 that is not valid UTF-8 is still read as UTF-8 (bad bytes become U+FFFD)
  when most of its non-ASCII bytes are well-formed UTF-8; when they are not, it is a legacy page
  mislabelled (Latin-1 bytes served as UTF-8 is the common case) and the detected charset is used;
- a body declared in a legacy charset that is valid UTF-8 with non-ASCII characters in it is read
  as UTF-8: such bytes are almost never meant as anything else, and the mislabel is common in feeds.
  Browsers would show the mislabelled text as mojibake here; a summary should not.

UTF-16 with or without a byte-order mark (Windows editors save "Unicode" text so) is recognised by
its byte pattern before any declaration, which could only be wrong about it.
"""

from __future__ import annotations

import codecs
import re
from dataclasses import dataclass
from typing import Literal

import charset_normalizer

CharsetSource = Literal["", "bom", "header", "xml", "meta", "detected", "fallback"]
"""Where a text's charset came from; "" for a fetch that had no body (304)."""

Markup = Literal["html", "xml", "text"]
"""What the bytes are: HTML trusts <meta charset> before an XML declaration, XML the other way
round, plain text neither."""

DECLARATION_SCAN_BYTES = 4096
"""WHATWG prescans 1024 bytes for <meta charset>; pages with long comments put it later, so look further."""

DETECTION_SAMPLE_BYTES = 64_000
"""charset-normalizer is as sure on the first 64 kB as on 5 MB, and much quicker."""

UTF16_SNIFF_BYTES = 4096
"""Enough code units to see UTF-16's pattern of zero bytes, little enough to cost nothing."""

UTF16_MIN_ZERO_SHARE = 0.1
"""UTF-16 text has a zero high byte in every ASCII character (spaces, digits, punctuation, line
breaks): even Cyrillic or Greek prose has one in more than a tenth of its code units."""

UTF16_MAX_OTHER_ZERO_SHARE = 0.01
"""...and almost never a zero low byte, while binary data has zeros on both sides alike."""

UTF16_MAX_CONTROL_SHARE = 0.01
"""Decoded UTF-16 text holds almost no control characters; random bytes that happen to fit the
zero pattern do."""

DETECTION_TIE = 0.01
"""charset-normalizer's "chaos" scores within this of the best are equally good decodings of the
sample; among them the one browsers default to for Western pages (windows-1252) is taken, so that
French "è" does not turn into Czech "č" when the sample cannot tell them apart."""

_BOMS = (
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)
_XML_ENCODING = re.compile(rb"""^\s*<\?xml[^>]*?\sencoding\s*=\s*["']([A-Za-z0-9._:-]+)["']""")
_META_CHARSET = re.compile(rb"""<meta\s[^>]*?charset\s*=\s*["']?\s*([A-Za-z0-9._:-]+)""", re.IGNORECASE)
_CONTROL = re.compile("[\x00-\x08\x0b\x0e-\x1f\x7f\ufffd]")
_HIGH_BYTES = bytes(range(0x80, 0x100))

_WINDOWS_1252 = "cp1252"
_UTF8 = "utf-8"

# The WHATWG Encoding Standard's labels (encoding.spec.whatwg.org, "Encodings"), by the Python codec
# that decodes each encoding. The "replacement" and x-user-defined encodings are left out: a label
# for them is treated as unknown, so the text is detected instead of thrown away.
_LABELS: dict[str, tuple[str, ...]] = {
    "utf-8": ("unicode-1-1-utf-8", "unicode11utf8", "unicode20utf8", "utf-8", "utf8", "x-unicode20utf8"),
    "cp866": ("866", "cp866", "csibm866", "ibm866"),
    "iso8859-2": (
        *("csisolatin2", "iso-8859-2", "iso-ir-101", "iso8859-2", "iso88592", "iso_8859-2"),
        *("iso_8859-2:1987", "l2", "latin2"),
    ),
    "iso8859-3": (
        *("csisolatin3", "iso-8859-3", "iso-ir-109", "iso8859-3", "iso88593", "iso_8859-3"),
        *("iso_8859-3:1988", "l3", "latin3"),
    ),
    "iso8859-4": (
        *("csisolatin4", "iso-8859-4", "iso-ir-110", "iso8859-4", "iso88594", "iso_8859-4"),
        *("iso_8859-4:1988", "l4", "latin4"),
    ),
    "iso8859-5": (
        *("csisolatincyrillic", "cyrillic", "iso-8859-5", "iso-ir-144", "iso8859-5", "iso88595"),
        *("iso_8859-5", "iso_8859-5:1988"),
    ),
    "iso8859-6": (
        *("arabic", "asmo-708", "csiso88596e", "csiso88596i", "csisolatinarabic", "ecma-114"),
        *("iso-8859-6", "iso-8859-6-e", "iso-8859-6-i", "iso-ir-127", "iso8859-6", "iso88596"),
        *("iso_8859-6", "iso_8859-6:1987"),
    ),
    "iso8859-7": (
        *("csisolatingreek", "ecma-118", "elot_928", "greek", "greek8", "iso-8859-7", "iso-ir-126"),
        *("iso8859-7", "iso88597", "iso_8859-7", "iso_8859-7:1987", "sun_eu_greek"),
    ),
    "iso8859-8": (
        *("csiso88598e", "csisolatinhebrew", "hebrew", "iso-8859-8", "iso-8859-8-e", "iso-ir-138"),
        *("iso8859-8", "iso88598", "iso_8859-8", "iso_8859-8:1988", "visual"),
        *("csiso88598i", "iso-8859-8-i", "logical"),
    ),
    "iso8859-10": ("csisolatin6", "iso-8859-10", "iso-ir-157", "iso8859-10", "iso885910", "l6", "latin6"),
    "iso8859-13": ("iso-8859-13", "iso8859-13", "iso885913"),
    "iso8859-14": ("iso-8859-14", "iso8859-14", "iso885914"),
    "iso8859-15": ("csisolatin9", "iso-8859-15", "iso8859-15", "iso885915", "iso_8859-15", "l9"),
    "iso8859-16": ("iso-8859-16",),
    "koi8-r": ("cskoi8r", "koi", "koi8", "koi8-r", "koi8_r"),
    "koi8-u": ("koi8-ru", "koi8-u"),
    "mac-roman": ("csmacintosh", "mac", "macintosh", "x-mac-roman"),
    "cp874": ("dos-874", "iso-8859-11", "iso8859-11", "iso885911", "tis-620", "windows-874"),
    "cp1250": ("cp1250", "windows-1250", "x-cp1250"),
    "cp1251": ("cp1251", "windows-1251", "x-cp1251"),
    "cp1252": (
        *("ansi_x3.4-1968", "ascii", "cp1252", "cp819", "csisolatin1", "ibm819", "iso-8859-1"),
        *("iso-ir-100", "iso8859-1", "iso88591", "iso_8859-1", "iso_8859-1:1987", "l1", "latin1"),
        *("us-ascii", "windows-1252", "x-cp1252"),
    ),
    "cp1253": ("cp1253", "windows-1253", "x-cp1253"),
    "cp1254": (
        *("cp1254", "csisolatin5", "iso-8859-9", "iso-ir-148", "iso8859-9", "iso88599", "iso_8859-9"),
        *("iso_8859-9:1989", "l5", "latin5", "windows-1254", "x-cp1254"),
    ),
    "cp1255": ("cp1255", "windows-1255", "x-cp1255"),
    "cp1256": ("cp1256", "windows-1256", "x-cp1256"),
    "cp1257": ("cp1257", "windows-1257", "x-cp1257"),
    "cp1258": ("cp1258", "windows-1258", "x-cp1258"),
    "mac-cyrillic": ("x-mac-cyrillic", "x-mac-ukrainian"),
    "gb18030": (
        *("chinese", "csgb2312", "csiso58gb231280", "gb2312", "gb_2312", "gb_2312-80", "gbk"),
        *("iso-ir-58", "x-gbk", "gb18030"),
    ),
    "big5hkscs": ("big5", "big5-hkscs", "cn-big5", "csbig5", "x-x-big5"),
    "euc_jp": ("cseucpkdfmtjapanese", "euc-jp", "x-euc-jp"),
    "iso2022_jp": ("csiso2022jp", "iso-2022-jp"),
    "cp932": ("csshiftjis", "ms932", "ms_kanji", "shift-jis", "shift_jis", "sjis", "windows-31j", "x-sjis"),
    "cp949": (
        *("cseuckr", "csksc56011987", "euc-kr", "iso-ir-149", "korean", "ks_c_5601-1987"),
        *("ks_c_5601-1989", "ksc5601", "ksc_5601", "windows-949"),
    ),
    "utf-16-be": ("unicodefffe", "utf-16be"),
    "utf-16-le": ("csunicode", "iso-10646-ucs-2", "ucs-2", "unicode", "unicodefeff", "utf-16", "utf-16le"),
}
_CODEC_BY_LABEL = {label: codec for codec, labels in _LABELS.items() for label in labels}
_SINGLE_BYTE = frozenset(
    codec for codec in _LABELS if codec.startswith(("cp", "iso8859", "koi8", "mac")) and codec not in ("cp932", "cp949")
)
_UTF16 = frozenset({"utf-16-le", "utf-16-be"})
_DETECTABLE = tuple(codecs.lookup(codec).name for codec in _LABELS if codec not in _UTF16)
"""What detection may answer: the standard's encodings (UTF-16 is recognised by its pattern instead)."""


def _c1_for_undefined(error: UnicodeError) -> tuple[str, int]:
    """WHATWG's single-byte decoders give a byte the code table leaves out its C1 code point, as
    ISO-8859-1 does (0x81 -> U+0081); Python's cp125x raise on them."""
    if not isinstance(error, UnicodeDecodeError):
        raise error
    byte = error.object[error.start]
    return (chr(byte) if 0x80 <= byte <= 0x9F else "\ufffd"), error.start + 1


_SINGLE_BYTE_ERRORS = "newsbrief-whatwg-c1"
codecs.register_error(_SINGLE_BYTE_ERRORS, _c1_for_undefined)


@dataclass(frozen=True, slots=True)
class Decoded:
    """A document's text and how it was read."""

    text: str
    codec: str
    """The Python codec the text was decoded with, e.g. 'utf-8' or 'cp1251'."""
    source: CharsetSource


def codec_for_label(label: str | None) -> str | None:
    """The Python codec for a WHATWG encoding label ("ISO-8859-1" -> 'cp1252'), or None for an
    unknown label, which the standard says to ignore."""
    if not label:
        return None
    return _CODEC_BY_LABEL.get(label.strip().strip("\"'").strip().lower())


def decode_document(data: bytes, *, declared_charset: str | None = None, markup: Markup = "html") -> Decoded:
    """Decode a page, feed or text file the way a browser would, never failing.

    Args:
        data: the bytes after any content decoding (gzip).
        declared_charset: the charset parameter of the Content-Type header, if any.
        markup: html and xml documents are searched for their own declaration; text is not.

    Returns:
        The text (undecodable bytes as U+FFFD), the codec, and where the codec came from.
    """
    for bom, codec in _BOMS:
        if data.startswith(bom):
            return Decoded(_decode(data[len(bom) :], codec), codec, "bom")
    utf16 = utf16_without_bom(data)
    if utf16 is not None:
        return Decoded(_decode(data, utf16), utf16, "detected")
    # A body without UTF-16's pattern of zero bytes is not UTF-16, whatever the header says.
    declarations = [
        (codec, source) for codec, source in _declarations(data, declared_charset, markup) if codec not in _UTF16
    ]
    return _declared(data, declarations) if declarations else _undeclared(data)


def _declarations(data: bytes, declared_charset: str | None, markup: Markup) -> list[tuple[str, CharsetSource]]:
    """The codecs the header and the document name, in the order they count."""
    found: list[tuple[str, CharsetSource]] = []
    header = codec_for_label(declared_charset)
    if header is not None:
        found.append((header, "header"))
    if markup == "text":
        return found
    head = data[:DECLARATION_SCAN_BYTES]
    patterns: list[tuple[re.Pattern[bytes], CharsetSource]] = [(_META_CHARSET, "meta"), (_XML_ENCODING, "xml")]
    if markup == "xml":
        patterns.reverse()
    for pattern, source in patterns:
        match = pattern.search(head)
        codec = codec_for_label(match.group(1).decode("ascii")) if match else None
        if codec is not None:
            # The declaration was read as ASCII bytes, so the document cannot be UTF-16 (WHATWG).
            found.append((_UTF8 if codec in _UTF16 else codec, source))
    return found


def _declared(data: bytes, declarations: list[tuple[str, CharsetSource]]) -> Decoded:
    """Decode by the first declaration, unless the bytes plainly say it is wrong (see module docstring)."""
    codec, source = declarations[0]
    if codec == _UTF8:
        try:
            return Decoded(data.decode(_UTF8), _UTF8, source)
        except UnicodeDecodeError:
            pass
        if _mostly_utf8(data):
            return Decoded(_decode(data, _UTF8), _UTF8, source)
        for other, other_source in declarations[1:]:
            if other != _UTF8:
                return Decoded(_decode(data, other), other, other_source)
        detected = _detect(data)
        if detected is not None and detected != _UTF8:
            text = _decode(data, detected)
            if "\ufffd" not in text:  # a legacy charset that reads every byte: the page is in it
                return Decoded(text, detected, "detected")
        return Decoded(_decode(data, _UTF8), _UTF8, source)
    if not data.isascii() and _is_utf8(data):
        return Decoded(data.decode(_UTF8), _UTF8, "detected")
    return Decoded(_decode(data, codec), codec, source)


def _undeclared(data: bytes) -> Decoded:
    """UTF-8 when the bytes are (mostly) UTF-8, else what detection finds."""
    try:
        return Decoded(data.decode(_UTF8), _UTF8, "detected")
    except UnicodeDecodeError:
        pass
    if _mostly_utf8(data):
        return Decoded(_decode(data, _UTF8), _UTF8, "detected")
    detected = _detect(data)
    if detected is None:
        return Decoded(_decode(data, _UTF8), _UTF8, "fallback")
    return Decoded(_decode(data, detected), detected, "detected")


def _decode(data: bytes, codec: str) -> str:
    return data.decode(codec, errors=_SINGLE_BYTE_ERRORS if codec in _SINGLE_BYTE else "replace")


def _is_utf8(data: bytes) -> bool:
    try:
        data.decode(_UTF8)
    except UnicodeDecodeError:
        return False
    return True


def _mostly_utf8(data: bytes) -> bool:
    """More well-formed UTF-8 characters than malformed bytes: UTF-8 with some damage, not a legacy charset.

    Latin-1 text read as UTF-8 has hardly a well-formed sequence in it ("é" followed by ASCII is
    malformed), while a UTF-8 page with a stray byte or a cut-off character has many. Counted with
    C-speed primitives: a regex over 5 MB took 0.7 s.
    """
    well_formed_text = data.decode(_UTF8, errors="ignore")
    ascii_bytes = len(data.translate(None, _HIGH_BYTES))
    well_formed = len(well_formed_text) - ascii_bytes
    malformed = len(data) - len(well_formed_text.encode(_UTF8))
    return well_formed > malformed


def _detect(data: bytes) -> str | None:
    """charset-normalizer's best guess among the web's encodings, windows-1252 among guesses as good
    as the best (see DETECTION_TIE).

    Left to choose among every codec Python has, charset-normalizer reads a short French text as
    DOS Baltic (cp775, "annoncķ"); no browser would, as no web page is in it.
    """
    results = charset_normalizer.from_bytes(data[:DETECTION_SAMPLE_BYTES], cp_isolation=list(_DETECTABLE))
    best = results.best()
    if best is None:
        return None
    as_good = {
        _python_codec(name)
        for result in results
        if result.chaos <= best.chaos + DETECTION_TIE
        for name in (result.encoding, *result.could_be_from_charset)
    }
    if _WINDOWS_1252 in as_good:
        return _WINDOWS_1252
    return _python_codec(best.encoding)


def _python_codec(name: str) -> str:
    """charset-normalizer's codec names ('iso8859_15', 'latin_1') as the names used here."""
    codec = codecs.lookup(name).name
    return _WINDOWS_1252 if codec in ("latin-1", "iso8859-1", "ascii") else codec


def utf16_without_bom(data: bytes) -> str | None:
    """'utf-16-le' or 'utf-16-be' when the bytes have UTF-16 text's pattern of zero bytes, else None."""
    head = data[: UTF16_SNIFF_BYTES - UTF16_SNIFF_BYTES % 2]
    units = len(head) // 2
    if units < 2:
        return None
    even_zeros, odd_zeros = head[0::2].count(0), head[1::2].count(0)
    if odd_zeros >= UTF16_MIN_ZERO_SHARE * units and even_zeros <= UTF16_MAX_OTHER_ZERO_SHARE * units:
        codec = "utf-16-le"
    elif even_zeros >= UTF16_MIN_ZERO_SHARE * units and odd_zeros <= UTF16_MAX_OTHER_ZERO_SHARE * units:
        codec = "utf-16-be"
    else:
        return None
    text = head[: units * 2].decode(codec, errors="replace")
    return codec if len(_CONTROL.findall(text)) <= UTF16_MAX_CONTROL_SHARE * len(text) else None


def ascii_compatible(head: bytes) -> bytes:
    """The start of a document with UTF-16 (byte-order mark or not) turned into UTF-8, so that its
    markup can be sniffed byte-wise; other bytes as they are."""
    codec = next((codec for bom, codec in _BOMS if head.startswith(bom)), None) or utf16_without_bom(head)
    if codec is None or codec == _UTF8:
        return head
    return head.decode(codec, errors="ignore").encode(_UTF8)
