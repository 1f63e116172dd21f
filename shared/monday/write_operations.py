"""What a batched write is made of: the operation a record goes through (its template in ``graphql/``,
whether it creates or removes) and the record prepared to send (Write).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class WriteOperation:
    template: str  # graphql/<template>.graphql
    creates: bool  # an unknown outcome may have created something: adopt before creating again
    removes: bool = False  # "already gone" counts as done


CREATE_ITEM = WriteOperation("create_item", creates=True)
UPDATE_ITEM = WriteOperation("update_item", creates=False)
CREATE_SUBITEM = WriteOperation("create_subitem", creates=True)
DELETE_ITEM = WriteOperation("delete_item", creates=False, removes=True)
ARCHIVE_ITEM = WriteOperation("archive_item", creates=False, removes=True)
MOVE_ITEM = WriteOperation("move_item_to_group", creates=False)
WRITE_OPERATIONS = (CREATE_ITEM, UPDATE_ITEM, CREATE_SUBITEM, DELETE_ITEM, ARCHIVE_ITEM, MOVE_ITEM)


@dataclass
class Write:
    """One record ready to send: its per-record variables and what it touches on the board."""

    ref: str
    variables: dict[str, Any]
    touches: tuple[str, ...]  # item ids no concurrent request may write at the same time (423 otherwise)
    size: int  # bytes of its variables, for the payload cap
    key: str | None = None  # items: business key, for adoption
    parent: str | None = None  # subitems: parent item id, for adoption
    name: str | None = None
