"""Telegram's HTML parse mode: marked-up text to plain text plus entities, as the server does."""

import re
from dataclasses import dataclass, field

# Telegram's own tags and the entity type each one makes; "span" and "tg-emoji" need attributes.
TAG_ENTITY_TYPES = {
    "b": "bold",
    "strong": "bold",
    "i": "italic",
    "em": "italic",
    "u": "underline",
    "ins": "underline",
    "s": "strikethrough",
    "strike": "strikethrough",
    "del": "strikethrough",
    "tg-spoiler": "spoiler",
    "span": "spoiler",
    "a": "text_link",
    "code": "code",
    "pre": "pre",
    "blockquote": "blockquote",
    "tg-emoji": "custom_emoji",
}
NAMED_ENTITIES = {"lt": "<", "gt": ">", "amp": "&", "quot": '"'}
_ENTITY = re.compile(r"&(?:#([0-9]{1,7})|#[xX]([0-9a-fA-F]{1,6})|([a-zA-Z0-9]+));")
_TAG_NAME = re.compile(r"[a-zA-Z][a-zA-Z0-9-]*")
_ATTRIBUTE = re.compile(
    r"""\s*([a-zA-Z_][a-zA-Z0-9_-]*)(?:\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'>]+)))?"""
)


class EntityParseError(ValueError):
    """The text is not valid Telegram HTML; the message follows Telegram's wording."""


@dataclass
class ParsedText:
    """Plain text as the user sees it and its MessageEntity dictionaries (UTF-16 offsets)."""

    text: str
    entities: list[dict[str, object]] = field(default_factory=list)


@dataclass
class _OpenTag:
    name: str
    entity: dict[str, object]
    start: int


def utf16_length(text: str) -> int:
    """Count UTF-16 code units, the unit of every Telegram length and offset."""
    return len(text.encode("utf-16-le")) // 2


def _byte_offset(source: str, index: int) -> int:
    return len(source[:index].encode())


def _decode_entity(source: str, index: int) -> tuple[str, int]:
    """Decode the character entity at index; return the character and the index after it."""
    match = _ENTITY.match(source, index)
    if match:
        decimal, hexadecimal, name = match.groups()
        code = int(decimal) if decimal else int(hexadecimal, 16) if hexadecimal else None
        if code is not None and 0 < code <= 0x10FFFF and not 0xD800 <= code <= 0xDFFF:
            return chr(code), match.end()
        if name in NAMED_ENTITIES:
            return NAMED_ENTITIES[name], match.end()
    # The reference says every "&" outside an entity must be written as "&amp;".
    raise EntityParseError(
        f'Character "&" at byte offset {_byte_offset(source, index)} must be escaped as "&amp;"'
    )


def _unescape(source: str, value: str) -> str:
    out, index = [], 0
    while index < len(value):
        if value[index] == "&":
            char, index = _decode_entity(value, index)
            out.append(char)
        else:
            out.append(value[index])
            index += 1
    return "".join(out)


def _start_tag(source: str, index: int) -> tuple[str, dict[str, str], int]:
    """Read "<name attr=...>" at index; return the name, attributes and the index after it."""
    offset = _byte_offset(source, index)
    name_match = _TAG_NAME.match(source, index + 1)
    name = name_match.group().lower() if name_match else ""
    if name not in TAG_ENTITY_TYPES:
        raise EntityParseError(f'Unsupported start tag "{name}" at byte offset {offset}')
    attributes: dict[str, str] = {}
    position = name_match.end() if name_match else index + 1
    while True:
        end = re.compile(r"\s*>").match(source, position)
        if end:
            return name, attributes, end.end()
        attribute = _ATTRIBUTE.match(source, position)
        if not attribute or attribute.end() == position:
            raise EntityParseError(f"Unclosed start tag at byte offset {offset}")
        key, *values = attribute.groups()
        value = next((v for v in values if v is not None), "")
        attributes[key.lower()] = _unescape(source, value)
        position = attribute.end()


def _entity_for(name: str, attributes: dict[str, str], offset: int) -> dict[str, object]:
    entity_type = TAG_ENTITY_TYPES[name]
    entity: dict[str, object] = {"type": entity_type}
    if name == "span" and attributes.get("class") != "tg-spoiler":
        raise EntityParseError(f'Unsupported start tag "span" at byte offset {offset}')
    if name == "a":
        entity["url"] = attributes.get("href", "")
    if name == "tg-emoji":
        if "emoji-id" not in attributes:
            raise EntityParseError(f'Unsupported start tag "tg-emoji" at byte offset {offset}')
        entity["custom_emoji_id"] = attributes["emoji-id"]
    if name == "blockquote" and "expandable" in attributes:
        entity["type"] = "expandable_blockquote"
    if name == "code" and attributes.get("class", "").startswith("language-"):
        entity["language"] = attributes["class"].removeprefix("language-")
    return entity


def _close_tag(source: str, index: int, stack: list[_OpenTag]) -> tuple[_OpenTag, int]:
    offset = _byte_offset(source, index)
    match = re.compile(r"</([a-zA-Z][a-zA-Z0-9-]*)\s*>").match(source, index)
    if not match:
        raise EntityParseError(f"Unclosed end tag at byte offset {offset}")
    name = match.group(1).lower()
    if not stack:
        raise EntityParseError(f"Unexpected end tag at byte offset {offset}")
    if stack[-1].name != name:
        raise EntityParseError(
            f'Unmatched end tag at byte offset {offset}, expected "</{stack[-1].name}>", '
            f'found "</{name}>"'
        )
    return stack.pop(), match.end()


def _finish_entity(tag: _OpenTag, end: int, stack: list[_OpenTag]) -> dict[str, object] | None:
    """Turn a closed tag into an entity; a code block inside pre names the pre's language."""
    language = tag.entity.pop("language", None) if tag.name == "code" else None
    if tag.name == "code" and stack and stack[-1].name == "pre":
        if language:
            stack[-1].entity["language"] = language
        return None
    if end == tag.start:
        return None
    return {**tag.entity, "offset": tag.start, "length": end - tag.start}


def _strip(parsed: ParsedText) -> ParsedText:
    """Trim surrounding whitespace and move the entities with it, as Telegram does."""
    stripped = parsed.text.strip()
    lead = utf16_length(parsed.text[: len(parsed.text) - len(parsed.text.lstrip())])
    size = utf16_length(stripped)
    entities = []
    for entity in parsed.entities:
        start = max(int(str(entity["offset"])) - lead, 0)
        end = min(int(str(entity["offset"])) + int(str(entity["length"])) - lead, size)
        if end > start:
            entities.append({**entity, "offset": start, "length": end - start})
    return ParsedText(stripped, entities)


def parse_html(source: str) -> ParsedText:
    """Parse Telegram HTML; raise EntityParseError with Telegram's wording when it is invalid."""
    out: list[str] = []
    stack: list[_OpenTag] = []
    entities: list[dict[str, object]] = []
    position, index = 0, 0
    while index < len(source):
        char = source[index]
        if char == "&":
            char, index = _decode_entity(source, index)
        elif char == "<" and source.startswith("</", index):
            tag, index = _close_tag(source, index, stack)
            entity = _finish_entity(tag, position, stack)
            if entity:
                entities.append(entity)
            continue
        elif char == "<":
            name, attributes, after = _start_tag(source, index)
            entity = _entity_for(name, attributes, _byte_offset(source, index))
            stack.append(_OpenTag(name, entity, position))
            index = after
            continue
        else:
            index += 1
        out.append(char)
        position += utf16_length(char)
    if stack:
        raise EntityParseError(
            f'Can\'t find end tag corresponding to start tag "{stack[-1].name}"'
        )
    entities.sort(key=lambda entity: (entity["offset"], -int(str(entity["length"]))))
    return _strip(ParsedText("".join(out), entities))


def plain_text(text: str, entities: list[dict[str, object]] | None) -> ParsedText:
    """Wrap text sent without parse mode, with the entities the caller supplied."""
    return _strip(ParsedText(text, list(entities or [])))
