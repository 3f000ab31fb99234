from ninja import Schema


class RegionRef(Schema):
    code: str
    name: str
    level: str


class RegionOut(Schema):
    code: str
    name: str
    short_name: str
    level: str
    parent_code: str | None
    official: bool
    lng: float | None
    lat: float | None

    @staticmethod
    def resolve_parent_code(obj: object) -> str | None:
        parent_id: str | None = getattr(obj, "parent_id", None)
        return parent_id
