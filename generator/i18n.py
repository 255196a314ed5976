"""The site's language: UI strings from gettext catalogs, and dates, numbers and plural forms
from CLDR through Babel, so any `language` gets its own dates and none depends on the OS locale.

Catalogs are `locale/<language>/LC_MESSAGES/messages.po` in the theme's folders: a project's
own first (to add a language, or to change a few strings), then the packaged theme's. Message
ids are the English text; a language without a catalog shows them, with CLDR dates.
"""

from __future__ import annotations

import datetime as dt
import gettext
import io
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import babel
from babel.core import UnknownLocaleError
from babel.dates import format_date, format_skeleton
from babel.messages.mofile import write_mo
from babel.messages.pofile import PoFileError, read_po
from babel.numbers import format_decimal

from generator.errors import Diagnostics
from generator.text import digest, is_language_tag

DOMAIN = "messages"


def N_(message: str) -> str:
    """Marks a message for extraction (pybabel -k N_ -k tr); it is translated where it is shown."""
    return message


ENTITY_TYPES = {
    "person": (N_("Person"), N_("People")),
    "organization": (N_("Organisation"), N_("Organisations")),
    "place": (N_("Place"), N_("Places")),
    "product": (N_("Product"), N_("Products")),
    "topic": (N_("Topic"), N_("Topics")),
    "event": (N_("Event"), N_("Events")),
}
ANNOTATION_KINDS = {
    "note": N_("Note"),
    "fact-check": N_("Fact check"),
    "translation": N_("Translation"),
    "correction": N_("Correction"),
    "context": N_("Context"),
}


@dataclass(frozen=True, eq=False)
class Language:
    """The UI of one site: its strings, dates and numbers."""

    tag: str  # as site.yml gives it: 'it', 'de-CH'
    locale: babel.Locale
    translations: gettext.NullTranslations
    key: str  # a digest of the catalogs read: what rendered pages depend on
    catalogs: tuple[bytes, ...] = ()  # compiled (.mo), most specific first: how a worker gets them
    # CLDR formatting takes microseconds a call, and lists show the same dates and counts on
    # page after page: each is formatted once.
    _dates: dict[dt.date, str] = field(default_factory=dict, repr=False)
    _numbers: dict[int, str] = field(default_factory=dict, repr=False)

    def __reduce__(self) -> tuple[object, ...]:
        """Sent to worker processes as its catalogs' bytes (a compiled catalog holds a function)."""
        return _language, (self.tag, str(self.locale), self.catalogs, self.key)

    @property
    def og_locale(self) -> str:
        """The language as OpenGraph names it, with its likely territory: it_IT, en_US."""
        territory = self.locale.territory
        if territory is None:
            likely = babel.core.get_global("likely_subtags").get(self.locale.language, "")
            territory = babel.Locale.parse(likely).territory if likely else None
        return f"{self.locale.language}_{territory}" if territory else self.locale.language

    def gettext(self, message: str) -> str:
        return self.translations.gettext(message)

    def tr(self, message: str, **values: object) -> str:
        """A message as shown, formatted as Jinja formats it in templates (%% is a %)."""
        return self.gettext(message) % values

    def pgettext(self, context: str, message: str) -> str:
        return self.translations.pgettext(context, message)

    def ngettext(self, singular: str, plural: str, n: int) -> str:
        """The form for `n`, by the catalog's plural rule, with %(num)s as a number of the locale."""
        return self.translations.ngettext(singular, plural, n).replace("%(num)s", self.number(n))

    def npgettext(self, context: str, singular: str, plural: str, n: int) -> str:
        return self.translations.npgettext(context, singular, plural, n).replace("%(num)s", self.number(n))

    def number(self, n: int) -> str:
        if n not in self._numbers:
            self._numbers[n] = str(format_decimal(n, locale=self.locale))
        return self._numbers[n]

    def date(self, value: dt.date) -> str:
        """'10 febbraio 2025', 'February 10, 2025', '10. Februar 2025': CLDR's long format."""
        day = value.date() if isinstance(value, dt.datetime) else value
        if day not in self._dates:
            self._dates[day] = str(format_date(day, "long", locale=self.locale))
        return self._dates[day]

    def month(self, year: int, month: int) -> str:
        """'febbraio 2025', 'February 2025': CLDR's month and year."""
        return str(format_skeleton("yMMMM", dt.date(year, month, 1), locale=self.locale))

    def month_name(self, month: int) -> str:
        """'febbraio', 'February': the month standing alone, as a list of months shows it."""
        return str(format_date(dt.date(2000, month, 1), "LLLL", locale=self.locale))

    def type_label(self, entity_type: str, plural: bool = False) -> str:
        return self.tr(ENTITY_TYPES[entity_type][plural])

    def kind_label(self, kind: str) -> str:
        return self.tr(ANNOTATION_KINDS[kind])


ENGLISH_UI = Language("en", babel.Locale("en"), gettext.NullTranslations(), "")


def load_language(tag: str, locale_folders: Sequence[Path], diagnostics: Diagnostics, where: Path) -> Language:
    """The language `tag` with the catalogs found in `locale_folders` (first wins, message by
    message); problems are reported at `where` (site.yml) and in the catalogs themselves."""
    locale = _locale(tag, diagnostics, where)
    names = catalog_names(tag, locale)
    # A project's catalogs, most specific first, then the packaged theme's: a project's 'de'
    # overrides a packaged 'de_CH' too.
    files = [folder / name / "LC_MESSAGES" / f"{DOMAIN}.po" for folder in locale_folders for name in names]
    found = [path for path in files if path.is_file()]
    read = [(path, data) for path in found if (data := _bytes(path, diagnostics)) is not None]
    compiled = [mo for path, data in read if (mo := _read_catalog(path, data, locale, diagnostics)) is not None]
    if not found and locale.language != "en":
        diagnostics.warning(
            where,
            0,
            f"no catalog of UI strings for language '{tag}': labels are in English, dates in {tag}; "
            f"to translate them, add templates/locale/{names[-1]}/LC_MESSAGES/{DOMAIN}.po "
            "(see the README: Translating the interface)",
        )
    key = digest(b"".join(data for _, data in read)) if read else ""
    return Language(tag, locale, _translations(compiled), f"{tag}:{key}", tuple(compiled))


def _language(tag: str, locale: str, catalogs: tuple[bytes, ...], key: str) -> Language:
    return Language(tag, babel.Locale.parse(locale), _translations(catalogs), key, catalogs)


def _translations(catalogs: Sequence[bytes]) -> gettext.NullTranslations:
    """Compiled catalogs, most specific first, chained: the first that has a message wins."""
    translations: gettext.NullTranslations = gettext.NullTranslations()
    for data in reversed(catalogs):  # the last-resort catalog first, then each one in front of it
        catalog = gettext.GNUTranslations(io.BytesIO(data))
        catalog.add_fallback(translations)
        translations = catalog
    return translations


def catalog_names(tag: str, locale: babel.Locale) -> list[str]:
    """The folders a catalog for `tag` may be in, most specific first: 'zh-Hant-TW' ->
    zh_Hant_TW, zh_Hant, zh_TW, zh; 'pt-br' -> pt_BR, pt; 'sr-Latn' -> sr_Latn (a Cyrillic 'sr'
    is never a Latin site's)."""
    given = tag.replace("-", "_")
    names = [given, str(locale)]
    if locale.script:
        names.append(f"{locale.language}_{locale.script}")
    elif locale.territory:
        names.append(f"{locale.language}_{locale.territory}")
    if not locale.script:
        names.append(locale.language)
    return list(dict.fromkeys(names))


def _locale(tag: str, diagnostics: Diagnostics, where: Path) -> babel.Locale:
    if not is_language_tag(tag):
        return babel.Locale("en")  # site.yml's own check reports it
    try:
        return babel.Locale.parse(tag.replace("-", "_"))
    except (UnknownLocaleError, ValueError):
        try:
            return babel.Locale.parse(tag.replace("-", "_").split("_")[0])
        except (UnknownLocaleError, ValueError):
            diagnostics.warning(where, 0, f"CLDR has no data for language '{tag}': dates and numbers are in English")
            return babel.Locale("en")


def _placeholder_problem(message_id: str | tuple[str, ...], forms: tuple[str, ...]) -> str | None:
    """Every message is a %-format string (Jinja's gettext formats each one): a translation
    must format with the message's own placeholders, and write a literal % as %%."""
    ids = (message_id,) if isinstance(message_id, str) else message_id
    values = {name: 1 for text in ids for name in _PLACEHOLDER.findall(text)}
    values |= {"num": 1} if len(ids) > 1 else {}
    for form in forms:
        try:
            form % values
        except KeyError as exc:
            return f"the translation of '{ids[0]}' uses %({exc.args[0]})s, which the message does not have"
        except (TypeError, ValueError):
            return f"the translation of '{ids[0]}' is not a valid %-format string: write a literal % as %%"
    return None


_PLACEHOLDER = re.compile(r"%\((\w+)\)s")


def _bytes(path: Path, diagnostics: Diagnostics) -> bytes | None:
    try:
        return path.read_bytes()
    except OSError as exc:
        diagnostics.error(path, 0, f"cannot read the catalog: {exc.strerror}")
        return None


def _read_catalog(path: Path, data: bytes, locale: babel.Locale, diagnostics: Diagnostics) -> bytes | None:
    """A .po file, compiled in memory (.mo bytes): no .mo files to keep in step."""
    try:
        catalog = read_po(io.BytesIO(data), locale=locale, abort_invalid=True)
    except PoFileError as exc:  # Babel counts lines from 0, and says so in the message too
        what = re.sub(r" on \d+$", "", str(exc))
        diagnostics.error(path, exc.lineno + 1, f"not a valid gettext catalog: {what}; check it with msgfmt -c")
        return None
    except (UnicodeDecodeError, ValueError) as exc:
        diagnostics.error(path, 0, f"not a valid gettext catalog: {exc}; save it as UTF-8 text")
        return None
    for message in list(catalog)[1:]:  # untranslated, or broken: the next catalog's, or the message id
        translated = message.string
        forms = tuple(
            str(form or "") for form in (translated if isinstance(translated, (tuple, list)) else (translated,))
        )
        ids = message.id if isinstance(message.id, str) else tuple(message.id)
        problem = _placeholder_problem(ids, forms)
        if problem:
            diagnostics.error(path, message.lineno or 0, problem)
        if problem or not all(forms):
            catalog.delete(message.id, message.context)
    compiled = io.BytesIO()
    write_mo(compiled, catalog)
    return compiled.getvalue()
